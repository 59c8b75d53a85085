import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { decodeCursor, encodeCursor, type Page } from '../../db/pagination';
import type { DB, EnrolmentState } from '../../db/schema';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';
import { normaliseSearchText, prefixEnd, SEARCH_KEY_COLUMNS } from './search-key';

/**
 * The office's registry search (issue 13, decision 0017): one text — a name, the start of a fiscal code,
 * a badge code — and the school and class, over the pupils of the operator's ente. Each kind of match is
 * one query through its own index (a name's words: `person.search_key…`; a fiscal code: the person's code;
 * a badge: its code; school and class: the pupil's), read in the list's order (the names' key, then the
 * pupil's id) from the page's cursor; their first pages are merged. A page of Rome costs a few index
 * ranges whatever the city's size (bench/RESULTS.md, "Registry search").
 */
export const SEARCH_PAGE_SIZE = 25;
/** A name's word must have at least this many letters to be searched (one letter would be a fifth of the city). */
export const MIN_NAME_PREFIX = 2;

export interface SearchCriteria {
  text: string;
  schoolId?: number;
  className?: string;
  /** The `dopo` cursor of the page. */
  after?: string;
}

export interface SearchHit {
  pupilId: number;
  sortKey: string;
  givenName: string;
  familyName: string;
  fiscalCode: string;
  schoolName: string;
  className: string;
  holder: { givenName: string; familyName: string } | undefined;
  enrolments: { serviceName: string; schoolYear: string; state: EnrolmentState }[];
}

export type SearchOutcome =
  | { kind: 'empty' }
  | { kind: 'too-short' }
  | { kind: 'results'; page: Page<SearchHit> };

/** How a text is searched: which of name, fiscal code, badge code it could be. */
export function searchPlan(text: string): { words: string[]; fiscalCode?: string; badgeCode?: string } {
  const words = normaliseSearchText(text).split(' ').filter(Boolean);
  const compact = text.trim();
  const single = /^[A-Za-z0-9]+$/.test(compact);
  return {
    words,
    // A fiscal code is typed whole or from its start (at least four characters: the family name's three and one more).
    fiscalCode: single && compact.length >= 4 && compact.length <= 16 ? compact.toUpperCase() : undefined,
    badgeCode: /^[A-Za-z0-9-]{2,32}$/.test(compact) ? compact : undefined,
  };
}

type Row = { pupilId: number; sortKey: string; givenName: string; familyName: string; fiscalCode: string; schoolName: string; className: string };

function isPostgres(db: Kysely<DB>) {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The pupils of the ente with their person and school, in the list's order, after the cursor, filtered by school and class. */
function pupilsInOrder(db: Kysely<DB>, enteId: number, criteria: SearchCriteria, after: readonly [string, number] | undefined) {
  let query = db
    .selectFrom('person as p')
    .innerJoin('pupil', (join) => join.onRef('pupil.person_id', '=', 'p.id').on('pupil.ente_id', '=', enteId))
    .innerJoin('school', 'school.id', 'pupil.school_id')
    .select([
      'pupil.id as pupilId',
      'p.search_key as sortKey',
      'p.given_name as givenName',
      'p.family_name as familyName',
      'p.fiscal_code as fiscalCode',
      'school.name as schoolName',
      'pupil.class_name as className',
    ])
    .where('p.ente_id', '=', enteId);
  if (criteria.schoolId !== undefined) query = query.where('pupil.school_id', '=', criteria.schoolId);
  if (criteria.className) query = query.where('pupil.class_name', '=', criteria.className);
  if (after) {
    const [key, id] = after;
    query = query.where((eb) => eb.or([eb('p.search_key', '>', key), eb.and([eb('p.search_key', '=', key), eb('pupil.id', '>', id)])]));
  }
  return query.orderBy('p.search_key').orderBy('pupil.id').limit(sql.lit(SEARCH_PAGE_SIZE + 1));
}

/** Pupils whose name has a word starting with each word typed: the longest word through the indexes of the key's words, the others checked on its matches. */
function byName(db: Kysely<DB>, enteId: number, words: string[], criteria: SearchCriteria, after: readonly [string, number] | undefined) {
  const driving = [...words].sort((a, b) => b.length - a.length)[0]!;
  const others = words.filter((w, i) => i !== words.indexOf(driving));
  return pupilsInOrder(db, enteId, criteria, after)
    .where((eb) =>
      eb.or(
        SEARCH_KEY_COLUMNS.map((column) =>
          eb.and([eb('p.ente_id', '=', enteId), eb(`p.${column}`, '>=', driving), eb(`p.${column}`, '<', prefixEnd(driving))]),
        ),
      ),
    )
    .where((eb) => eb.and(others.map((word) => eb(sql<string>`' ' || p.search_key`, 'like', `% ${word}%`))));
}

function byFiscalCode(db: Kysely<DB>, enteId: number, prefix: string, criteria: SearchCriteria, after: readonly [string, number] | undefined) {
  // PostgreSQL compares in the "C" collation, whatever the database's, as its index (migration 0015) does.
  const code = isPostgres(db) ? sql<string>`(p.fiscal_code collate "C")` : sql<string>`p.fiscal_code`;
  return pupilsInOrder(db, enteId, criteria, after).where(code, '>=', prefix).where(code, '<', prefixEnd(prefix));
}

function byBadge(db: Kysely<DB>, enteId: number, code: string, criteria: SearchCriteria, after: readonly [string, number] | undefined) {
  const codes = [...new Set([code, code.toUpperCase()])];
  return pupilsInOrder(db, enteId, criteria, after).where('pupil.id', 'in', (eb) =>
    eb.selectFrom('badge').select('badge.pupil_id').where('badge.ente_id', '=', enteId).where('badge.code', 'in', codes),
  );
}

/** The intestatario and the enrolments of a page's pupils (one query each, by the pupils' ids). */
async function detailsOf(db: Kysely<DB>, enteId: number, pupilIds: number[]) {
  if (pupilIds.length === 0) return { holders: new Map(), enrolments: new Map() };
  const [holders, enrolments] = await Promise.all([
    db
      .selectFrom('pupil_holder as ph')
      .innerJoin('person', 'person.id', 'ph.person_id')
      .select(['ph.pupil_id as pupilId', 'person.given_name as givenName', 'person.family_name as familyName'])
      .where('ph.pupil_id', 'in', pupilIds)
      .where('ph.ente_id', '=', enteId)
      .where('ph.relation', '=', 'intestatario')
      .execute(),
    db
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .select(['e.pupil_id as pupilId', 's.name as serviceName', 'y.label as schoolYear', 'e.state as state'])
      .where('e.pupil_id', 'in', pupilIds)
      .where('e.ente_id', '=', enteId)
      .orderBy('y.starts_on', 'desc')
      .orderBy('s.name')
      .execute(),
  ]);
  const holderOf = new Map<number, { givenName: string; familyName: string }>();
  for (const h of holders) if (!holderOf.has(h.pupilId)) holderOf.set(h.pupilId, { givenName: h.givenName, familyName: h.familyName });
  const enrolmentsOf = new Map<number, SearchHit['enrolments']>();
  for (const e of enrolments) {
    const list = enrolmentsOf.get(e.pupilId) ?? [];
    list.push({ serviceName: e.serviceName, schoolYear: e.schoolYear, state: e.state });
    enrolmentsOf.set(e.pupilId, list);
  }
  return { holders: holderOf, enrolments: enrolmentsOf };
}

/** One page of the search, as the office's list shows it. */
export async function searchPupils(db: Kysely<DB>, enteId: number, criteria: SearchCriteria): Promise<SearchOutcome> {
  const plan = searchPlan(criteria.text);
  const filtered = criteria.schoolId !== undefined || Boolean(criteria.className);
  if (plan.words.length === 0 && !plan.fiscalCode && !plan.badgeCode && !filtered) return { kind: 'empty' };
  const after = criteria.after === undefined ? undefined : decodeCursor(criteria.after, ['string', 'number'] as const);
  const queries: Promise<Row[]>[] = [];
  if (criteria.text.trim() === '') {
    queries.push(pupilsInOrder(db, enteId, criteria, after).execute());
  } else {
    const longest = Math.max(0, ...plan.words.map((w) => w.length));
    if (longest >= MIN_NAME_PREFIX) queries.push(byName(db, enteId, plan.words, criteria, after).execute());
    if (plan.fiscalCode) queries.push(byFiscalCode(db, enteId, plan.fiscalCode, criteria, after).execute());
    if (plan.badgeCode) queries.push(byBadge(db, enteId, plan.badgeCode, criteria, after).execute());
    if (queries.length === 0) return { kind: 'too-short' };
  }
  // Each query gave its first rows after the cursor in the list's order: the page is the first of their union.
  const merged = new Map<number, Row>();
  for (const rows of await Promise.all(queries)) for (const row of rows) merged.set(row.pupilId, row);
  const ordered = [...merged.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.pupilId - b.pupilId));
  const shown = ordered.slice(0, SEARCH_PAGE_SIZE);
  const details = await detailsOf(db, enteId, shown.map((r) => r.pupilId));
  const rows: SearchHit[] = shown.map((row) => ({ ...row, holder: details.holders.get(row.pupilId), enrolments: details.enrolments.get(row.pupilId) ?? [] }));
  const last = shown[shown.length - 1];
  return { kind: 'results', page: { rows, next: ordered.length > SEARCH_PAGE_SIZE && last ? encodeCursor([last.sortKey, last.pupilId]) : undefined } };
}

/** The office's face of the registry search: permission `registry.read`, the operator's ente only. */
export function createRegistrySearchService(db: Kysely<DB>) {
  async function search(office: OperatorContext, criteria: SearchCriteria): Promise<SearchOutcome> {
    requirePermission(office, 'registry.read');
    return searchPupils(db, office.ente.id, criteria);
  }

  /** The ente's schools, for the search's filter. */
  async function schools(office: OperatorContext) {
    requirePermission(office, 'registry.read');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').orderBy('id').execute();
  }

  return { search, schools };
}
