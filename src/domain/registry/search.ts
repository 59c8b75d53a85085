import { type Compilable, type Kysely, PostgresAdapter, sql } from 'kysely';
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
  const digits = /\d/.test(compact);
  return {
    words,
    // A fiscal code is typed whole or from its start: at least four characters, letters only up to the
    // sixth (the family and given names' consonants), digits from the seventh.
    fiscalCode: /^[A-Za-z0-9]{4,16}$/.test(compact) && (digits || compact.length <= 6) ? compact.toUpperCase() : undefined,
    // Badge codes carry digits.
    badgeCode: digits && /^[A-Za-z0-9-]{2,32}$/.test(compact) ? compact : undefined,
  };
}

type Row = { pupilId: number; personId: number; sortKey: string; givenName: string; familyName: string; fiscalCode: string; schoolId: number; className: string };
type Cursor = readonly [string, number];

/**
 * Runs a search query planned for its own values. PostgreSQL keeps our statements prepared and, after a
 * few runs, plans them once for any value (src/db/database.ts): for a prefix range and a LIKE that generic
 * plan reads every match and sorts it (240 ms for "mar" in Rome) where the plan for the value reads the
 * range in order up to a page (1 ms). A statement that starts with a comment is sent unnamed, so it is
 * planned with its values each time; SQLite plans by its rules and caches the statement as any other.
 */
async function planned<Row>(db: Kysely<DB>, query: Compilable<Row>): Promise<Row[]> {
  const compiled = query.compile();
  return (await db.executeQuery<Row>({ ...compiled, sql: `/* planned per call */ ${compiled.sql}` })).rows;
}

function isPostgres(db: Kysely<DB>) {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A page's rows come after the cursor's (key, person): a row-value comparison, which both engines seek in an index. */
function afterCursor(key: string, personId: number) {
  return sql<boolean>`(p.search_key, p.id) > (${key}, ${personId})`;
}

/**
 * The pupils of the ente with their person, in the list's order (the name's key, then the person's id —
 * one pupil per person), after the cursor, filtered by school and class. `from` says which table leads: a
 * name or a fiscal code is found in `person` first (CROSS JOIN keeps SQLite from starting with a school's
 * or the ente's pupils instead), a school and class in `pupil`.
 */
function pupilsInOrder(db: Kysely<DB>, enteId: number, criteria: SearchCriteria, after: Cursor | undefined, from: 'person' | 'pupil') {
  const joined =
    from === 'person'
      ? db.selectFrom('person as p').crossJoin('pupil').whereRef('pupil.person_id', '=', 'p.id')
      : db.selectFrom('pupil').crossJoin('person as p').whereRef('p.id', '=', 'pupil.person_id');
  let query = joined
    .select([
      'pupil.id as pupilId',
      'p.id as personId',
      'p.search_key as sortKey',
      'p.given_name as givenName',
      'p.family_name as familyName',
      'p.fiscal_code as fiscalCode',
      'pupil.school_id as schoolId',
      'pupil.class_name as className',
    ])
    .where('pupil.ente_id', '=', enteId)
    .where('p.ente_id', '=', enteId);
  if (criteria.schoolId !== undefined) query = query.where('pupil.school_id', '=', criteria.schoolId);
  if (criteria.className) query = query.where('pupil.class_name', '=', criteria.className);
  if (after) query = query.where(afterCursor(after[0], after[1]));
  return query.orderBy('p.search_key').orderBy('p.id').limit(sql.lit(SEARCH_PAGE_SIZE + 1));
}

/** Every word typed starts a word of the name: `' ' || key` holds ' word' for each of its words (keys hold only [a-z0-9 ], no LIKE wildcard). */
function wordsStart(words: string[]) {
  return sql<boolean>`${sql.join(words.map((word) => sql`(' ' || p.search_key) like ${`% ${word}%`}`), sql` and `)}`;
}

/** Keys read in order after the cursor by the window search: enough to fill a page whenever one match in a hundred or so is a pupil's. */
const WINDOW_KEYS = 6_000;

/**
 * Pupils whose name has a word starting with each word typed, in the list's order. Three ways, each one
 * index range, merged by the caller:
 * - the family name: the longest word typed as the start of the key — an ordered range of the key's
 *   index, read until a page is full (a common family name costs a page, not its thousands);
 * - the other words of the name (given names, a second family word), when they are common ("maria",
 *   "gian"): the next keys after the cursor, read in order, a window of `WINDOW_KEYS`; enough when it
 *   fills a page;
 * - otherwise, when they are rare: the ranges of the indexes of the key from its second, third and fourth
 *   word, all their matches sorted (few, or the window would have filled the page).
 */
async function byName(db: Kysely<DB>, enteId: number, words: string[], criteria: SearchCriteria, after: Cursor | undefined): Promise<Row[]> {
  const driving = [...words].sort((a, b) => b.length - a.length)[0]!;
  const others = words.filter((_, i) => i !== words.indexOf(driving));
  // The range says the first word; only the other words are checked on the rows (PostgreSQL would take a
  // LIKE for rare and sort the whole range instead of reading it in order).
  let familyFirst = pupilsInOrder(db, enteId, criteria, after, 'person').where('p.search_key', '>=', driving).where('p.search_key', '<', prefixEnd(driving));
  if (others.length > 0) familyFirst = familyFirst.where(wordsStart(others));
  let window = db
    .selectFrom('person as p')
    .select(['p.id', 'p.search_key'])
    .where('p.ente_id', '=', enteId)
    .orderBy('p.search_key')
    .orderBy('p.id')
    .limit(sql.lit(WINDOW_KEYS));
  if (after) window = window.where(afterCursor(after[0], after[1]));
  let inWindow = db
    .selectFrom(window.as('w'))
    .crossJoin('person as p')
    .crossJoin('pupil')
    .whereRef('p.id', '=', 'w.id')
    .whereRef('pupil.person_id', '=', 'p.id')
    .select([
      'pupil.id as pupilId',
      'p.id as personId',
      'p.search_key as sortKey',
      'p.given_name as givenName',
      'p.family_name as familyName',
      'p.fiscal_code as fiscalCode',
      'pupil.school_id as schoolId',
      'pupil.class_name as className',
    ])
    .where('pupil.ente_id', '=', enteId)
    .where(sql<boolean>`${sql.join(words.map((word) => sql`(' ' || w.search_key) like ${`% ${word}%`}`), sql` and `)}`);
  if (criteria.schoolId !== undefined) inWindow = inWindow.where('pupil.school_id', '=', criteria.schoolId);
  if (criteria.className) inWindow = inWindow.where('pupil.class_name', '=', criteria.className);
  const [family, windowRows] = await Promise.all([planned(db, familyFirst), planned(db, inWindow.orderBy('w.search_key').orderBy('w.id').limit(sql.lit(SEARCH_PAGE_SIZE + 1)))]);
  if (windowRows.length > SEARCH_PAGE_SIZE) return [...family, ...windowRows];
  const laterWords = await planned(db, pupilsInOrder(db, enteId, criteria, after, 'person')
    .where((eb) =>
      eb.or(
        SEARCH_KEY_COLUMNS.slice(1).map((column) =>
          eb.and([eb('p.ente_id', '=', enteId), eb(`p.${column}`, '>=', driving), eb(`p.${column}`, '<', prefixEnd(driving))]),
        ),
      ),
    )
    .where(wordsStart(words)));
  return [...family, ...laterWords];
}

function byFiscalCode(db: Kysely<DB>, enteId: number, prefix: string, criteria: SearchCriteria, after: Cursor | undefined) {
  // PostgreSQL compares in the "C" collation, whatever the database's, as its index (migration 0015) does.
  const code = isPostgres(db) ? sql<string>`(p.fiscal_code collate "C")` : sql<string>`p.fiscal_code`;
  return pupilsInOrder(db, enteId, criteria, after, 'person').where(code, '>=', prefix).where(code, '<', prefixEnd(prefix));
}

function byBadge(db: Kysely<DB>, enteId: number, code: string, criteria: SearchCriteria, after: Cursor | undefined) {
  const codes = [...new Set([code, code.toUpperCase()])];
  return pupilsInOrder(db, enteId, criteria, after, 'pupil').where('pupil.id', 'in', (eb) =>
    eb.selectFrom('badge').select('badge.pupil_id').where('badge.ente_id', '=', enteId).where('badge.code', 'in', codes),
  );
}

/** The intestatario and the enrolments of a page's pupils (one query each, by the pupils' ids). */
async function detailsOf(db: Kysely<DB>, enteId: number, pupilIds: number[], schoolIds: number[]) {
  if (pupilIds.length === 0) return { holders: new Map(), enrolments: new Map(), schools: new Map<number, string>() };
  const [schools, holders, enrolments] = await Promise.all([
    db.selectFrom('school').select(['id', 'name']).where('id', 'in', [...new Set(schoolIds)]).where('ente_id', '=', enteId).execute(),
    db
      .selectFrom('pupil_holder as ph')
      .innerJoin('person', 'person.id', 'ph.person_id')
      .select(['ph.pupil_id as pupilId', 'person.given_name as givenName', 'person.family_name as familyName'])
      .where('ph.pupil_id', 'in', pupilIds)
      .where('ph.ente_id', '=', enteId)
      .where('ph.relation', '=', sql.lit('intestatario'))
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
  return { holders: holderOf, enrolments: enrolmentsOf, schools: new Map(schools.map((school) => [school.id, school.name])) };
}

/** One page of the search, as the office's list shows it. */
export async function searchPupils(db: Kysely<DB>, enteId: number, criteria: SearchCriteria): Promise<SearchOutcome> {
  const plan = searchPlan(criteria.text);
  const filtered = criteria.schoolId !== undefined || Boolean(criteria.className);
  if (plan.words.length === 0 && !plan.fiscalCode && !plan.badgeCode && !filtered) return { kind: 'empty' };
  const after = criteria.after === undefined ? undefined : decodeCursor(criteria.after, ['string', 'number'] as const);
  const queries: Promise<Row[]>[] = [];
  if (criteria.text.trim() === '') {
    queries.push(pupilsInOrder(db, enteId, criteria, after, 'pupil').execute());
  } else {
    // Names have no digits: a text with digits is a fiscal code or a badge, not searched among the names.
    const nameWords = plan.words.some((w) => /\d/.test(w)) ? [] : plan.words;
    const longest = Math.max(0, ...nameWords.map((w) => w.length));
    if (longest >= MIN_NAME_PREFIX) queries.push(byName(db, enteId, nameWords, criteria, after));
    if (plan.fiscalCode) queries.push(planned(db, byFiscalCode(db, enteId, plan.fiscalCode, criteria, after)));
    if (plan.badgeCode) queries.push(byBadge(db, enteId, plan.badgeCode, criteria, after).execute());
    if (queries.length === 0) return { kind: 'too-short' };
  }
  // Each query gave its first rows after the cursor in the list's order: the page is the first of their union.
  const merged = new Map<number, Row>();
  for (const rows of await Promise.all(queries)) for (const row of rows) merged.set(row.personId, row);
  const ordered = [...merged.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.personId - b.personId));
  const shown = ordered.slice(0, SEARCH_PAGE_SIZE);
  const details = await detailsOf(db, enteId, shown.map((r) => r.pupilId), shown.map((r) => r.schoolId));
  const rows: SearchHit[] = shown.map(({ schoolId, personId: _personId, ...row }) => ({
    ...row,
    schoolName: details.schools.get(schoolId) ?? '',
    holder: details.holders.get(row.pupilId),
    enrolments: details.enrolments.get(row.pupilId) ?? [],
  }));
  const last = shown[shown.length - 1];
  return { kind: 'results', page: { rows, next: ordered.length > SEARCH_PAGE_SIZE && last ? encodeCursor([last.sortKey, last.personId]) : undefined } };
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
