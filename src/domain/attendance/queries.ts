import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { AttendanceStatus, DB } from '../../db/schema';
import { termInForce } from '../registry/terms';

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
  const onePupil = pupilId === undefined ? sql`` : sql`and e.pupil_id = ${pupilId}`;
  const postgres = isPostgres(db);
  // The ente's canteen services and its school year of the day, read once: PostgreSQL planned them as
  // joins and, its prepared statement's plan not knowing the day, looped over the school's enrolments
  // once per school year of any ente holding the day (twice with the demo's two entes, 11 ms of server
  // time for 1,500 pupils instead of 8; with a hundred entes, up to a hundred loops). As an array computed
  // once (an InitPlan) they are a filter of each enrolment. SQLite reads an IN list once either way.
  const canteenServices = sql`select id from service where ente_id = ${enteId} and kind = 'refezione'`;
  const yearsOfDay = sql`select id from school_year where ente_id = ${enteId} and starts_on <= ${date} and ends_on >= ${date}`;
  const among = (column: string, ids: typeof canteenServices) => (postgres ? sql`${sql.ref(column)} = any(array(${ids}))` : sql`${sql.ref(column)} in (${ids})`);
  // Driven from the school's enrolments (by the row's school or a term's: two index ranges) and the day's
  // change read per pupil by its key (one probe: a left join on the key, which both engines run as a
  // nested loop from 1,500 rows): an OR of the two ranges, or a hash join with all the day's changes,
  // made PostgreSQL scan every enrolment of the ente and hash every change of the day (bench/RESULTS.md).
  // The second range leaves out the enrolments the first has (UNION ALL, no de-duplicating sort); an
  // enrolment with two terms at the school comes twice and is dropped below with the second service's.
  const result = await sql<OpenDayRow>`
    select e.pupil_id as "pupilId", p.class_name as "className", per.given_name as "givenName", per.family_name as "familyName",
           c.status as status, c.source as source
    from (select ${ENROLMENT_COLUMNS} from enrolment x where x.school_id = ${schoolId}
          union all
          select ${ENROLMENT_COLUMNS} from enrolment_term t join enrolment x on x.id = t.enrolment_id where t.school_id = ${schoolId} and x.school_id <> ${schoolId}) e
    join pupil p on p.id = e.pupil_id
    join person per on per.id = p.person_id
    left join attendance_change c on c.pupil_id = e.pupil_id and c.date = ${date}
    where e.ente_id = ${enteId} and e.state in ('attiva', 'cessata')
      and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
      and ${among('e.service_id', canteenServices)} and ${among('e.school_year_id', yearsOfDay)}
      and ${termInForce('school_id', 'e', date)} = ${schoolId}
      ${onePupil}
    ${postgres ? sql`` : sql`order by p.class_name, per.family_name, per.given_name, e.pupil_id`}`.execute(db);
  // A pupil with two canteen enrolments (two services), or one enrolment with two terms at the school, is
  // booked once, as the freeze books them (their rows are the same: every column is the pupil's or the day's).
  const seen = new Set<number>();
  const rows = result.rows.filter((row) => !seen.has(row.pupilId) && seen.add(row.pupilId));
  return postgres ? inListOrder(rows) : rows;
}

export interface FrozenDayRow extends ListedPupil {
  status: AttendanceStatus;
  source: 'default' | 'parent' | 'school' | 'office';
}

/** The school's booked day as the freeze wrote it and the corrections since left it. */
export async function frozenDayRows(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<FrozenDayRow[]> {
  const onePupil = pupilId === undefined ? sql`` : sql`and a.pupil_id = ${pupilId}`;
  // The pupil and its names by their keys, one probe each per booked row. PostgreSQL joined them by
  // hashing the day's 1,500 rows and reading the whole pupil table (30,000 rows in bench:attendance: 7 ms
  // of server time against 3.8 by key, sort included); a LATERAL subquery that cannot be flattened
  // (OFFSET 0) is run once per row of the day. SQLite has no LATERAL; it flattens the subquery and loops
  // by key anyway.
  const postgres = isPostgres(db);
  const names = postgres
    ? sql`cross join lateral (select p.class_name, per.given_name, per.family_name from pupil p join person per on per.id = p.person_id where p.id = a.pupil_id offset 0) n`
    : sql`join (select p.id, p.class_name, per.given_name, per.family_name from pupil p join person per on per.id = p.person_id) n on n.id = a.pupil_id`;
  const result = await sql<FrozenDayRow>`
    select a.pupil_id as "pupilId", n.class_name as "className", n.given_name as "givenName", n.family_name as "familyName",
           a.status as status, a.source as source
    from attendance a ${names}
    where a.school_id = ${schoolId} and a.date = ${date} and a.ente_id = ${enteId}
      ${onePupil}
    ${postgres ? sql`` : sql`order by n.class_name, n.family_name, n.given_name, a.pupil_id`}`.execute(db);
  return postgres ? inListOrder(result.rows) : result.rows;
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
