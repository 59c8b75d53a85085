import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
import type { AttendanceStatus, DB } from '../../db/schema';
import { classOnDayAt, termClass, termInForce } from '../registry/terms';

/**
 * Plain queries of a school's day. Each reads one school and one day through an index: the school's
 * enrolments (`enrolment_school`, `enrolment_term_school`) with one probe per pupil into
 * attendance_change's key (pupil, day) before the freeze; `attendance_school_date` after it.
 */

/**
 * A pupil of the school's list. No diet: the school (role `scuola`) works on this list, and a diet is
 * health data that only amministratore, operatore and cucina see (GDPR art. 9, decision 0024); the
 * kitchen's sheet reads diets itself. Not reading it also spared PostgreSQL a probe per pupil.
 */
export interface ListedPupil {
  pupilId: number;
  className: string;
  givenName: string;
  familyName: string;
}

function isPostgres(db: Kysely<DB>) {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The list's order: class, family name, given name, pupil. The texts compare by code point, SQLite's
 * BINARY order (UTF-8's bytes) and the one the engines agree on. PostgreSQL's rows are sorted here:
 * its sort of 1,500 rows by three texts took 1 ms of its time (its comparisons go through the
 * collation and deform each row's later columns), this one about 0.3 ms of the serving process, which
 * is the part that scales out, and the order no longer depends on the database's collation. SQLite's
 * sorter is cheaper than this one (by 0.3 ms on the open day), so SQLite keeps its ORDER BY; a unit
 * test holds the two to the same order.
 */
export function inListOrder<Row extends ListedPupil>(rows: Row[]): Row[] {
  // JavaScript compares UTF-16 units: the code point order except between a character above U+FFFF
  // (a surrogate pair) and one of U+E000–U+FFFF. Names without either compare natively.
  const compare = rows.some((r) => OUTSIDE_NATIVE_ORDER.test(r.className) || OUTSIDE_NATIVE_ORDER.test(r.familyName) || OUTSIDE_NATIVE_ORDER.test(r.givenName)) ? byCodePoint : byUnit;
  return rows.sort((a, b) => compare(a.className, b.className) || compare(a.familyName, b.familyName) || compare(a.givenName, b.givenName) || a.pupilId - b.pupilId);
}

const OUTSIDE_NATIVE_ORDER = /[\uD800-\uFFFF]/;

function byUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    // A surrogate stands for a code point above U+FFFF: after every unit that is not one.
    if (x !== y) return (x >= 0xd800 && x < 0xe000 ? x + 0x10000 : x) - (y >= 0xd800 && y < 0xe000 ? y + 0x10000 : y);
  }
  return a.length - b.length;
}

/** What the list reads of an enrolment, from either index of a school's enrolments. */
const ENROLMENT_COLUMNS = sql.raw('x.id, x.ente_id, x.pupil_id, x.service_id, x.school_year_id, x.school_id, x.state, x.starts_on, x.ends_on');

export interface OpenDayRow extends ListedPupil {
  /** A change set before the cut-off (null: booked present by default). */
  status: 'absent' | 'light_meal' | null;
  source: 'parent' | 'school' | 'office' | null;
}

/**
 * The pupils the freeze of `date` would book at the school — the same conditions as the freeze's
 * (a canteen enrolment in force that day at the school in force that day, decision 0018) — with the
 * changes communicated so far. `pupilId` narrows it to one pupil (marking one).
 */
export async function openDayRows(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<OpenDayRow[]> {
  const rows = isPostgres(db) ? await openDayRowsPostgres(db, enteId, schoolId, date, pupilId) : await openDayRowsSqlite(db, enteId, schoolId, date, pupilId);
  // A pupil with two canteen enrolments (two services), or one enrolment with two terms at the school, is
  // booked once, as the freeze books them (their rows are the same: every column is the pupil's or the day's).
  const seen = new Set<number>();
  const once = rows.filter((row) => !seen.has(row.pupilId) && seen.add(row.pupilId));
  return isPostgres(db) ? inListOrder(once) : once;
}

/**
 * Driven from the school's enrolments (by the row's school or a term's: two index ranges) and the day's
 * change read per pupil by its key (one probe: a left join on the key, which SQLite runs as a nested loop
 * from 1,500 rows): an OR of the two ranges made PostgreSQL scan every enrolment of the ente. The second
 * range leaves out the enrolments the first has (UNION ALL, no de-duplicating sort); an enrolment with two
 * terms at the school comes twice and is dropped with the second service's. SQLite reads an IN list once,
 * and sorts in SQL (cheaper there than in the serving process).
 */
async function openDayRowsSqlite(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<OpenDayRow[]> {
  const onePupil = pupilId === undefined ? sql`` : sql`and e.pupil_id = ${pupilId}`;
  const result = await sql<OpenDayRow>`
    select e.pupil_id as "pupilId", ${classOnDayAt('e.id', 'p', schoolId, date)} as "className", per.given_name as "givenName", per.family_name as "familyName",
           c.status as status, c.source as source
    from (select ${ENROLMENT_COLUMNS} from enrolment x where x.school_id = ${schoolId}
          union all
          select ${ENROLMENT_COLUMNS} from enrolment_term t join enrolment x on x.id = t.enrolment_id where t.school_id = ${schoolId} and x.school_id <> ${schoolId}) e
    join pupil p on p.id = e.pupil_id
    join person per on per.id = p.person_id
    left join attendance_change c on c.pupil_id = e.pupil_id and c.date = ${date}
    where e.ente_id = ${enteId} and e.state in ('attiva', 'cessata')
      and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
      and e.service_id in (select id from service where ente_id = ${enteId} and kind = 'refezione')
      and e.school_year_id in (select id from school_year where ente_id = ${enteId} and starts_on <= ${date} and ends_on >= ${date})
      and ${termInForce('school_id', 'e', date)} = ${schoolId}
      ${onePupil}
    order by "className", per.family_name, per.given_name, e.pupil_id`.execute(db);
  return result.rows;
}

/**
 * PostgreSQL's shape of the same rows (bench/RESULTS.md, decision 0033):
 * - the ente's canteen services and school year of the day are read once, as `= any(array(select …))`:
 *   as joins, its prepared statement's plan, not knowing the day, looped over the school's enrolments
 *   once per school year of any ente holding the day;
 * - the enrolments whose term names the school but whose row names another (moved here, or away after
 *   the day) are the terms at the school less the school's own enrolments (hashed), then read by key: every
 *   enrolment has a term, so the terms at a school are its 1,500 own enrolments' first ones, and joining
 *   them to enrolment made PostgreSQL hash the ente's whole enrolment table (7 ms of 15 with the
 *   benchmark's 30,000) or would have probed it 1,500 times to keep none;
 * - the school's own enrolments are a materialised CTE, read once for both;
 * - the term in force is looked up only for an enrolment that changes after the day (a term at the school
 *   starting later) or whose row names another school: a row carries its latest term's values (decision
 *   0018), so one with no later term ("settled") is at the row's school, in the pupil row's class, that day. The terms at the school come from
 *   their index alone (`enrolment_term_school`: school, enrolment, day), read once for both uses.
 */
async function openDayRowsPostgres(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<OpenDayRow[]> {
  const onePupil = pupilId === undefined ? sql`` : sql`and e.pupil_id = ${pupilId}`;
  const from = sql`
    from e
    join pupil p on p.id = e.pupil_id
    join person per on per.id = p.person_id
    left join attendance_change c on c.pupil_id = e.pupil_id and c.date = ${date}
    where e.settled or ${termInForce('school_id', 'e', date)} = ${schoolId}`;
  const className = sql`case when e.settled then p.class_name else ${termClass('e.id', 'p.class_name', date)} end`;
  const withs = sql`
    with here as materialized (
      select ${ENROLMENT_COLUMNS} from enrolment x where x.school_id = ${schoolId}
    ), terms as materialized (
      select t.enrolment_id, t.valid_from from enrolment_term t where t.school_id = ${schoolId}
    ), e as (
      select e.id, e.pupil_id, e.school_id,
             e.school_id = ${schoolId} and e.id not in (select enrolment_id from terms where valid_from > ${date}) as settled
      from (select * from here
            union all
            select ${ENROLMENT_COLUMNS} from enrolment x
            where x.id = any(array(select t.enrolment_id from terms t where t.enrolment_id not in (select id from here)))) e
      where e.ente_id = ${enteId} and e.state in ('attiva', 'cessata')
        and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
        and e.service_id = any(array(select id from service where ente_id = ${enteId} and kind = 'refezione'))
        and e.school_year_id = any(array(select id from school_year where ente_id = ${enteId} and starts_on <= ${date} and ends_on >= ${date}))
        ${onePupil}
    )`;
  return packedRows(
    db,
    sql`${withs} select count(*)::int as n, string_agg(concat_ws(${FIELD}, e.pupil_id, ${className}, per.given_name, per.family_name, coalesce(c.status, ''), coalesce(c.source, '')), ${LINE}) as packed ${from}`,
    sql`${withs} select e.pupil_id as "pupilId", ${className} as "className", per.given_name as "givenName", per.family_name as "familyName", c.status as status, c.source as source ${from}`,
    (f) => ({ pupilId: Number(f[0]), className: f[1]!, givenName: f[2]!, familyName: f[3]!, status: (f[4] || null) as OpenDayRow['status'], source: (f[5] || null) as OpenDayRow['source'] }),
  );
}

export interface FrozenDayRow extends ListedPupil {
  status: AttendanceStatus;
  source: 'default' | 'parent' | 'school' | 'office';
}

/** The school's booked day as the freeze wrote it and the corrections since left it. */
export async function frozenDayRows(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<FrozenDayRow[]> {
  const onePupil = pupilId === undefined ? sql`` : sql`and a.pupil_id = ${pupilId}`;
  const where = sql`where a.school_id = ${schoolId} and a.date = ${date} and a.ente_id = ${enteId} ${onePupil}`;
  if (!isPostgres(db)) {
    // SQLite has no LATERAL; it loops by key over the day's rows anyway.
    const result = await sql<FrozenDayRow>`
      select a.pupil_id as "pupilId", ${classOnDayAt('a.enrolment_id', 'n', schoolId, date)} as "className", n.given_name as "givenName", n.family_name as "familyName",
             a.status as status, a.source as source
      from attendance a join (select p.id, p.school_id, p.class_name, per.given_name, per.family_name from pupil p join person per on per.id = p.person_id) n on n.id = a.pupil_id
      ${where}
      order by "className", n.family_name, n.given_name, a.pupil_id`.execute(db);
    return result.rows;
  }
  // The pupil and its names by their keys, one probe each per booked row. PostgreSQL joined them by
  // hashing the day's 1,500 rows and reading the whole pupil table (30,000 rows in bench:attendance: 7 ms
  // of server time against 3.8 by key, sort included); a LATERAL subquery that cannot be flattened
  // (OFFSET 0) is run once per row of the day.
  // The class is worked out outside the LATERAL: inside it, the terms' subquery ran again for every row.
  const from = sql`from attendance a cross join lateral (select p.school_id, p.class_name, per.given_name, per.family_name from pupil p join person per on per.id = p.person_id where p.id = a.pupil_id offset 0) n ${where}`;
  const className = classOnDayAt('a.enrolment_id', 'n', schoolId, date);
  const rows = await packedRows(
    db,
    sql`select count(*)::int as n, string_agg(concat_ws(${FIELD}, a.pupil_id, ${className}, n.given_name, n.family_name, a.status, a.source), ${LINE}) as packed ${from}`,
    sql`select a.pupil_id as "pupilId", ${className} as "className", n.given_name as "givenName", n.family_name as "familyName", a.status as status, a.source as source ${from}`,
    (f) => ({ pupilId: Number(f[0]), className: f[1]!, givenName: f[2]!, familyName: f[3]!, status: f[4] as AttendanceStatus, source: f[5] as FrozenDayRow['source'] }),
  );
  return inListOrder(rows);
}

const FIELD = sql.lit('\t');
const LINE = sql.lit('\n');

/**
 * A school's 1,500 rows from PostgreSQL as one text, a line a row and a tab between fields, split here.
 * Turning 1,500 rows of six columns into objects cost the driver about 2 ms of the serving process (its
 * row messages, a string and a parser call per field), the lines about 1 ms; PostgreSQL's time is the same
 * (writing one text instead of rows), and JSON would have cost it 1.2 ms more to build (bench/RESULTS.md).
 * A name with a tab or a line break in it would shift the fields: the count of lines and of fields tells,
 * and then the rows are read as rows.
 */
async function packedRows<Row>(db: Kysely<DB>, packed: RawBuilder<unknown>, plain: RawBuilder<unknown>, rowOf: (fields: string[]) => Row): Promise<Row[]> {
  const [result] = (await (packed as RawBuilder<{ n: number; packed: string | null }>).execute(db)).rows;
  const rows = unpackRows(result?.packed ?? null, result?.n ?? 0, rowOf);
  return rows ?? ((await plain.execute(db)).rows as Row[]);
}

/**
 * The rows of a packed text, or undefined when a field held a tab or a line break: a line with more or
 * fewer than six fields, or more or fewer lines than rows. Read by position, not split: splitting made an
 * array a line and cost twice as much (0.4 ms for 1,500 rows against 0.2).
 */
export function unpackRows<Row>(packed: string | null, count: number, rowOf: (fields: string[]) => Row): Row[] | undefined {
  if (count === 0 || packed === null) return count === 0 ? [] : undefined;
  const rows: Row[] = new Array(count);
  const fields: string[] = new Array(6);
  let at = 0;
  for (let i = 0; i < count; i++) {
    let end = packed.indexOf('\n', at);
    if (end < 0) end = packed.length;
    for (let k = 0; k < 5; k++) {
      const tab = packed.indexOf('\t', at);
      if (tab < 0 || tab > end) return undefined;
      fields[k] = packed.slice(at, tab);
      at = tab + 1;
    }
    const tab = packed.indexOf('\t', at);
    if (tab >= 0 && tab < end) return undefined;
    fields[5] = packed.slice(at, end);
    rows[i] = rowOf(fields);
    at = end + 1;
  }
  return at === packed.length + 1 ? rows : undefined;
}

/** The corrections of one school's day (or of every school's: the kitchen), oldest first. */
export function correctionsOfDay(db: Kysely<DB>, enteId: number, date: string, schoolId?: number) {
  let query = db
    .selectFrom('attendance_correction')
    .select(['id', 'pupil_id as pupilId', 'school_id as schoolId', 'diet_code as dietCode', 'status_before as before', 'status_after as after', 'reason', 'created_at as createdAt'])
    .where('ente_id', '=', enteId)
    .where('date', '=', date);
  if (schoolId !== undefined) query = query.where('school_id', '=', schoolId);
  return query.orderBy('id').execute();
}

/** Whether the ente's day is frozen (complete), and whether it is charged (complete, or a run has it). */
export async function dayState(db: Kysely<DB>, enteId: number, date: string) {
  const [freeze, charge] = await Promise.all([
    db.selectFrom('day_freeze').select(['frozen_at', 'completed_at']).where('ente_id', '=', enteId).where('date', '=', date).executeTakeFirst(),
    db.selectFrom('day_charge').select(['completed_at']).where('ente_id', '=', enteId).where('date', '=', date).executeTakeFirst(),
  ]);
  return {
    frozen: freeze?.completed_at != null,
    frozenAt: freeze?.completed_at != null ? freeze.frozen_at : undefined,
    charging: charge ? (charge.completed_at === null ? ('running' as const) : ('done' as const)) : ('none' as const),
  };
}
