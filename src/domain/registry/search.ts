import { type Compilable, type Expression, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
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

/**
 * A match as the queries find it: only what the indexes read and the order needs. The names come with the
 * page's details, for its 25 pupils: a query that also read the person's names could not stay within the
 * key's index, and PostgreSQL then prefers reading a whole range and sorting it to reading it in order.
 */
type Row = { pupilId: number; personId: number; sortKey: string; schoolId: number; className: string };
type Cursor = readonly [string, number];

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

/**
 * How a name search chooses its way (bench/RESULTS.md, "Registry search"); tests make them small to take
 * every way on a few hundred persons.
 */
export interface SearchTuning {
  /** Keys read in order after the cursor by the window search: enough to fill a page whenever one match in a hundred or so is a pupil's. */
  windowKeys: number;
  /**
   * Persons with a later word starting with a typed word, counted up to this many in each of the three
   * indexes: at most this many are read and sorted (under a millisecond); more are most likely dense
   * enough for the window to fill a page (a given name is a later word of 1 to 2 % of a city's persons).
   */
  laterWordsSortedAtMost: number;
}

export const SEARCH_TUNING: SearchTuning = { windowKeys: 6_000, laterWordsSortedAtMost: 300 };

/**
 * For each word typed, how many persons have a later word of their name (the second, third or fourth)
 * starting with it, each of the three index ranges counted up to the bound; and, when the text could also
 * be the start of a fiscal code, whether any person's code starts with it: one statement, index only.
 * (Typed letters are nearly always a name: the fiscal code's statement is then left out of the page.)
 */
async function laterWordCounts(
  db: Kysely<DB>, enteId: number, words: string[], tuning: SearchTuning, fiscalPrefix: string | undefined,
): Promise<{ counts: number[]; fiscalCodeFound: boolean }> {
  const cap = sql.lit(tuning.laterWordsSortedAtMost + 1);
  const counts = words.flatMap((word, w) =>
    SEARCH_KEY_COLUMNS.slice(1).map((column, c) =>
      sql<number>`(select count(*) from (select 1 from person where ente_id = ${enteId} and ${sql.ref(column)} >= ${word} and ${sql.ref(column)} < ${prefixEnd(word)} limit ${cap}) as r)`.as(`w${w}_${c}`),
    ),
  );
  const code = fiscalCodeOf(db, 'person');
  const probe = fiscalPrefix === undefined
    ? []
    : [sql<number>`(select count(*) from (select 1 from person where ente_id = ${enteId} and ${code} >= ${fiscalPrefix} and ${code} < ${prefixEnd(fiscalPrefix)} limit 1) as f)`.as('fc')];
  const row: Record<string, unknown> = (await db.selectNoFrom([...counts, ...probe]).execute()).at(0) ?? {};
  return {
    counts: words.map((_, w) => [0, 1, 2].reduce((sum, c) => sum + Number(row[`w${w}_${c}`] ?? 0), 0)),
    fiscalCodeFound: Number(row.fc ?? 0) > 0,
  };
}

/** A statement of matches: its rows are `Row`s, at most a page and one after the cursor, in the list's order. */
type Matches = Compilable<Row> & Expression<Row>;

/**
 * Pupils whose name has a word starting with each word typed, in the list's order. Every match has a word
 * starting with the "driving" word — the word with the fewest persons having it as a later word: either
 * its first word (the family name: an ordered range of the key's index, read until a page is full, the
 * other words checked on the index's keys) or a later one. So the page is:
 * - no later word starts with it (a family name, the usual search): the family range alone;
 * - a few hundred do: the family range and those persons, read whole through the indexes of the second,
 *   third and fourth word, and sorted;
 * - every word typed starts a later word of thousands (common given names, "maria", "gian"): the next
 *   `windowKeys` keys after the cursor read in order, which then fill a page; in the rare case they do
 *   not (two common words seldom together), the two ways above.
 * The statements are returned, not run (`pageOf` reads them with the page's details). `window`, when
 * given, is tried first; `ranges` are the way without it. `fiscalCodeFound`: whether the text, also a
 * possible start of a fiscal code (`fiscalPrefix`), starts a person's code.
 */
async function byName(
  db: Kysely<DB>, enteId: number, words: string[], criteria: SearchCriteria, after: Cursor | undefined, tuning: SearchTuning, fiscalPrefix: string | undefined,
): Promise<{ window?: Matches; ranges: Matches[]; fiscalCodeFound: boolean }> {
  const { counts, fiscalCodeFound } = await laterWordCounts(db, enteId, words, tuning, fiscalPrefix);
  const order = words.map((word, i) => ({ word, later: counts[i]! })).sort((a, b) => a.later - b.later || b.word.length - a.word.length);
  const driving = order[0]!;
  const window = driving.later > tuning.laterWordsSortedAtMost ? inWindow(db, enteId, words, criteria, after, tuning.windowKeys) : undefined;
  const others = words.filter((word) => word !== driving.word);
  // The range says the driving word; only the other words are checked on the rows (PostgreSQL would take a
  // LIKE for rare and sort the whole range instead of reading it in order).
  let familyFirst = pupilsInOrder(db, enteId, criteria, after, 'person').where('p.search_key', '>=', driving.word).where('p.search_key', '<', prefixEnd(driving.word));
  if (others.length > 0) familyFirst = familyFirst.where(wordsStart(others));
  if (driving.later === 0) return { window, ranges: [familyFirst], fiscalCodeFound };
  const laterWords = laterWordsInOrder(db, enteId, words, driving.word, criteria, after);
  return { window, ranges: [familyFirst, laterWords], fiscalCodeFound };
}

/**
 * The pupils among the persons with a later word (the second, third or fourth) starting with `word` and a
 * word starting with each word typed, in the list's order. Those persons are read whole through the three
 * indexes and sorted first, then looked up among the pupils in that order until a page is full: joined
 * before the sort, PostgreSQL looked up every one of them (thousands for "san" of "De Santis": 19 ms).
 * OFFSET 0 keeps PostgreSQL from merging the sorted persons into the join.
 */
function laterWordsInOrder(db: Kysely<DB>, enteId: number, words: string[], word: string, criteria: SearchCriteria, after: Cursor | undefined) {
  let persons = db
    .selectFrom('person as p')
    .select(['p.id', 'p.search_key'])
    .where((eb) =>
      eb.or(
        SEARCH_KEY_COLUMNS.slice(1).map((column) => eb.and([eb('p.ente_id', '=', enteId), eb(`p.${column}`, '>=', word), eb(`p.${column}`, '<', prefixEnd(word))])),
      ),
    )
    .where(wordsStart(words))
    .orderBy('p.search_key')
    .orderBy('p.id');
  if (after) persons = persons.where(afterCursor(after[0], after[1]));
  if (isPostgres(db)) persons = persons.offset(sql.lit(0));
  let query = db
    .selectFrom(persons.as('w'))
    .crossJoin('pupil')
    .whereRef('pupil.person_id', '=', 'w.id')
    .select(['pupil.id as pupilId', 'w.id as personId', 'w.search_key as sortKey', 'pupil.school_id as schoolId', 'pupil.class_name as className'])
    .where('pupil.ente_id', '=', enteId);
  if (criteria.schoolId !== undefined) query = query.where('pupil.school_id', '=', criteria.schoolId);
  if (criteria.className) query = query.where('pupil.class_name', '=', criteria.className);
  return query.orderBy('w.search_key').orderBy('w.id').limit(sql.lit(SEARCH_PAGE_SIZE + 1));
}

/** The matches among the next `windowKeys` keys of the ente after the cursor, in the list's order. */
function inWindow(db: Kysely<DB>, enteId: number, words: string[], criteria: SearchCriteria, after: Cursor | undefined, windowKeys: number) {
  let window = db
    .selectFrom('person as p')
    .select(['p.id', 'p.search_key'])
    .where('p.ente_id', '=', enteId)
    .orderBy('p.search_key')
    .orderBy('p.id')
    .limit(sql.lit(windowKeys));
  if (after) window = window.where(afterCursor(after[0], after[1]));
  let query = db
    .selectFrom(window.as('w'))
    .crossJoin('pupil')
    .whereRef('pupil.person_id', '=', 'w.id')
    .select(['pupil.id as pupilId', 'w.id as personId', 'w.search_key as sortKey', 'pupil.school_id as schoolId', 'pupil.class_name as className'])
    .where('pupil.ente_id', '=', enteId)
    .where(sql<boolean>`${sql.join(words.map((word) => sql`(' ' || w.search_key) like ${`% ${word}%`}`), sql` and `)}`);
  if (criteria.schoolId !== undefined) query = query.where('pupil.school_id', '=', criteria.schoolId);
  if (criteria.className) query = query.where('pupil.class_name', '=', criteria.className);
  return query.orderBy('w.search_key').orderBy('w.id').limit(sql.lit(SEARCH_PAGE_SIZE + 1));
}

/** A person's fiscal code as its index orders it: PostgreSQL compares in the "C" collation, whatever the database's, as its index (migration 0015) does. */
function fiscalCodeOf(db: Kysely<DB>, table: 'p' | 'person') {
  return isPostgres(db) ? sql<string>`(${sql.ref(`${table}.fiscal_code`)} collate "C")` : sql<string>`${sql.ref(`${table}.fiscal_code`)}`;
}

function byFiscalCode(db: Kysely<DB>, enteId: number, prefix: string, criteria: SearchCriteria, after: Cursor | undefined) {
  const code = fiscalCodeOf(db, 'p');
  return pupilsInOrder(db, enteId, criteria, after, 'person').where(code, '>=', prefix).where(code, '<', prefixEnd(prefix));
}

function byBadge(db: Kysely<DB>, enteId: number, code: string, criteria: SearchCriteria, after: Cursor | undefined) {
  const codes = [...new Set([code, code.toUpperCase()])];
  return pupilsInOrder(db, enteId, criteria, after, 'pupil').where('pupil.id', 'in', (eb) =>
    eb.selectFrom('badge').select('badge.pupil_id').where('badge.ente_id', '=', enteId).where('badge.code', 'in', codes),
  );
}

/** The names, school and intestatario of a page's pupil, and its enrolments. */
interface Details {
  givenName: string;
  familyName: string;
  fiscalCode: string;
  schoolName: string;
  holderGivenName: string | null;
  holderFamilyName: string | null;
  /** [service, school year, state] of each enrolment, the latest year first (JSON text on SQLite). */
  enrolments: [string, string, EnrolmentState][] | string;
}

type PageRow = Row & Partial<Details>;

/**
 * The rows of the page and the one after it, the page's with their details. Each statement costs the app
 * and PostgreSQL's server about as much as reading a page's ranges (decoding, planning, the round trip;
 * bench/RESULTS.md, "Registry search"), so:
 * - one statement of matches (a school and class, a family name, most names), on PostgreSQL: one
 *   statement, its rows and their details — the matches a subquery, read as alone (an ordered index range
 *   that stops), and the details index look-ups of its rows. (SQLite has no round trip to save, and with
 *   one statement the kinds' latencies under 50 callers drifted apart — p99 110-150 ms against 69-79 ms
 *   with two, bench:registry-search, interleaved runs: it reads the matches, then the details, as below.)
 * - several (a fiscal code and a badge, a family name and the later words, the window and a fiscal code):
 *   each alone, at once on the pool's connections, merged here, then the details of the page's pupils in
 *   one statement (`withDetails`). One UNION of them with the details cost PostgreSQL more than the round
 *   trips: it planned such a statement again at every run (the ranges' plans depend on their bounds), the
 *   details' joins included, where a statement of details alone is planned once and kept.
 */
async function pageOf(db: Kysely<DB>, enteId: number, sources: Matches[]): Promise<PageRow[]> {
  if (sources.length === 1 && isPostgres(db)) {
    return (
      await sql<PageRow>`select m."pupilId", m."personId", m."sortKey", m."schoolId", m."className", ${detailColumns(db, enteId, sql`m."schoolId"`, sql`m."pupilId"`)}
        from (${sources[0]}) as m
        inner join person as child on child.id = m."personId"
        left join pupil_holder as ph on ph.pupil_id = m."pupilId" and ph.relation = ${sql.lit('intestatario')}
        left join person as holder on holder.id = ph.person_id
        order by m."sortKey", m."personId"`.execute(db)
    ).rows;
  }
  return withDetails(db, enteId, mergeMatches(await Promise.all(sources.map((source) => runMatches(db, source)))));
}

/** The merged matches with the details of the page's pupils: one statement by their ids. */
async function withDetails(db: Kysely<DB>, enteId: number, found: Row[]): Promise<PageRow[]> {
  const pupilIds = found.slice(0, SEARCH_PAGE_SIZE).map((row) => row.pupilId);
  if (pupilIds.length === 0) return found;
  const details = await sql<Details & { pupilId: number }>`select pupil.id as "pupilId", ${detailColumns(db, enteId, sql`pupil.school_id`, sql`pupil.id`)}
    from pupil
    inner join person as child on child.id = pupil.person_id
    left join pupil_holder as ph on ph.pupil_id = pupil.id and ph.relation = ${sql.lit('intestatario')}
    left join person as holder on holder.id = ph.person_id
    where pupil.id in (${sql.join(pupilIds)}) and pupil.ente_id = ${enteId}`.execute(db);
  const byPupil = new Map(details.rows.map((row) => [row.pupilId, row]));
  // A pupil removed between the two reads keeps no details: the page leaves it out (the next search will not find it).
  return found.map((row) => ({ ...byPupil.get(row.pupilId), ...row }));
}

/** A statement of matches run alone (compiled as itself, so prepared and kept like every statement). */
async function runMatches(db: Kysely<DB>, source: Matches): Promise<Row[]> {
  return (await db.executeQuery(source.compile())).rows;
}

/** The first rows of several statements' matches in the list's order (a person matched twice is one row). */
function mergeMatches(lists: Row[][]): Row[] {
  const merged = new Map<number, Row>();
  for (const rows of lists) for (const row of rows) merged.set(row.personId, row);
  return [...merged.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.personId - b.personId)).slice(0, SEARCH_PAGE_SIZE + 1);
}

/**
 * A pupil's details as columns, over `child`, `holder` (joined by the caller) and the pupil's school and
 * id: the school's name by its key, the enrolments as one JSON array, the latest year first.
 */
function detailColumns(db: Kysely<DB>, enteId: number, schoolId: RawBuilder<unknown>, pupilId: RawBuilder<unknown>) {
  const enrolments = isPostgres(db)
    ? sql`coalesce(json_agg(json_build_array(s.name, y.label, e.state) order by y.starts_on desc, s.name), '[]'::json)`
    : sql`json_group_array(json_array(s.name, y.label, e.state) order by y.starts_on desc, s.name)`;
  return sql`child.given_name as "givenName", child.family_name as "familyName", child.fiscal_code as "fiscalCode",
    (select school.name from school where school.id = ${schoolId}) as "schoolName",
    holder.given_name as "holderGivenName", holder.family_name as "holderFamilyName",
    (select ${enrolments} from enrolment as e inner join service as s on s.id = e.service_id inner join school_year as y on y.id = e.school_year_id
      where e.pupil_id = ${pupilId} and e.ente_id = ${enteId}) as "enrolments"`;
}

/** One page of the search, as the office's list shows it. */
export async function searchPupils(db: Kysely<DB>, enteId: number, criteria: SearchCriteria, tuning = SEARCH_TUNING): Promise<SearchOutcome> {
  const plan = searchPlan(criteria.text);
  const filtered = criteria.schoolId !== undefined || Boolean(criteria.className);
  if (plan.words.length === 0 && !plan.fiscalCode && !plan.badgeCode && !filtered) return { kind: 'empty' };
  const after = criteria.after === undefined ? undefined : decodeCursor(criteria.after, ['string', 'number'] as const);
  const sources: Matches[] = [];
  let name: Awaited<ReturnType<typeof byName>> | undefined;
  if (criteria.text.trim() === '') {
    sources.push(pupilsInOrder(db, enteId, criteria, after, 'pupil'));
  } else {
    // Names have no digits: a text with digits is a fiscal code or a badge, not searched among the names.
    const nameWords = plan.words.some((w) => /\d/.test(w)) ? [] : plan.words;
    const longest = Math.max(0, ...nameWords.map((w) => w.length));
    if (longest >= MIN_NAME_PREFIX) {
      name = await byName(db, enteId, nameWords, criteria, after, tuning, plan.fiscalCode);
      if (name.fiscalCodeFound) sources.push(byFiscalCode(db, enteId, plan.fiscalCode!, criteria, after));
    } else if (plan.fiscalCode) sources.push(byFiscalCode(db, enteId, plan.fiscalCode, criteria, after));
    if (plan.badgeCode) sources.push(byBadge(db, enteId, plan.badgeCode, criteria, after));
    if (!name && sources.length === 0) return { kind: 'too-short' };
  }
  let rows: PageRow[] | undefined;
  if (name?.window && sources.length === 0) {
    // The window alone: with more than a page of matches, they are the name's first (keys read in order).
    // Its details joined to it, although PostgreSQL then plans them again at every run with the window's
    // LIKE (about 8 % more CPU for these searches than a statement of details of its own): under load
    // each statement waits its turn, so a search's latency grows with its statements in sequence, and with
    // three (the counts, the window, the details) given names took 1.5 times the others' and made the p99.
    const page = await pageOf(db, enteId, [name.window]);
    if (page.length > SEARCH_PAGE_SIZE) rows = page;
  } else if (name?.window) {
    // The window with the other statements: the same, and the others' rows merged.
    const [window, ...others] = await Promise.all([name.window, ...sources].map((source) => runMatches(db, source)));
    if (window!.length > SEARCH_PAGE_SIZE) rows = await withDetails(db, enteId, mergeMatches([window!, ...others]));
    else rows = await withDetails(db, enteId, mergeMatches([...others, ...(await Promise.all(name.ranges.map((source) => runMatches(db, source))))]));
  }
  rows ??= await pageOf(db, enteId, [...(name?.ranges ?? []), ...sources]);
  const shown = rows.slice(0, SEARCH_PAGE_SIZE);
  const hits: SearchHit[] = shown.flatMap((row) => {
    if (row.givenName === undefined) return [];
    return [{
      pupilId: row.pupilId,
      sortKey: row.sortKey,
      className: row.className,
      givenName: row.givenName,
      familyName: row.familyName!,
      fiscalCode: row.fiscalCode!,
      schoolName: row.schoolName!,
      holder: row.holderGivenName != null && row.holderFamilyName != null ? { givenName: row.holderGivenName, familyName: row.holderFamilyName } : undefined,
      enrolments: (typeof row.enrolments === 'string' ? (JSON.parse(row.enrolments) as [string, string, EnrolmentState][]) : row.enrolments!).map(
        ([serviceName, schoolYear, state]) => ({ serviceName, schoolYear, state }),
      ),
    }];
  });
  const last = shown[shown.length - 1];
  return { kind: 'results', page: { rows: hits, next: rows.length > SEARCH_PAGE_SIZE && last ? encodeCursor([last.sortKey, last.personId]) : undefined } };
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
