import { dietInForce } from '../diets/queries';
import { type Kysely, sql } from 'kysely';
import type { AttendanceStatus, DB } from '../../db/schema';
import { termInForce } from '../registry/terms';

/**
 * Plain queries of a school's day. Each reads one school and one day through an index: the school's
 * enrolments (`enrolment_school`, `enrolment_term_school`) with one probe per pupil into
 * attendance_change's key (pupil, day) before the freeze; `attendance_school_date` after it.
 */

export interface ListedPupil {
  pupilId: number;
  className: string;
  givenName: string;
  familyName: string;
  dietCode: string | null;
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
  // Driven from the school's enrolments (by the row's school or a term's: two index ranges) and the day's
  // change read per pupil by its key (one probe: a left join on the key, which both engines run as a
  // nested loop from 1,500 rows): an OR of the two ranges, or a hash join with all the day's changes,
  // made PostgreSQL scan every enrolment of the ente and hash every change of the day (bench/RESULTS.md).
  // The second range leaves out the enrolments the first has (UNION ALL, no de-duplicating sort); an
  // enrolment with two terms at the school comes twice and is dropped below with the second service's.
  const result = await sql<OpenDayRow>`
    select e.pupil_id as "pupilId", p.class_name as "className", per.given_name as "givenName", per.family_name as "familyName",
           ${dietInForce('e.pupil_id', date)} as "dietCode", c.status as status, c.source as source
    from (select ${ENROLMENT_COLUMNS} from enrolment x where x.school_id = ${schoolId}
          union all
          select ${ENROLMENT_COLUMNS} from enrolment_term t join enrolment x on x.id = t.enrolment_id where t.school_id = ${schoolId} and x.school_id <> ${schoolId}) e
    join service s on s.id = e.service_id and s.kind = 'refezione'
    join school_year y on y.id = e.school_year_id and y.starts_on <= ${date} and y.ends_on >= ${date}
    join pupil p on p.id = e.pupil_id
    join person per on per.id = p.person_id
    left join attendance_change c on c.pupil_id = e.pupil_id and c.date = ${date}
    where e.ente_id = ${enteId} and e.state in ('attiva', 'cessata')
      and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
      and ${termInForce('school_id', 'e', date)} = ${schoolId}
      ${onePupil}
    order by p.class_name, per.family_name, per.given_name, e.pupil_id`.execute(db);
  // A pupil with two canteen enrolments (two services), or one enrolment with two terms at the school, is
  // booked once, as the freeze books them.
  const seen = new Set<number>();
  return result.rows.filter((row) => !seen.has(row.pupilId) && seen.add(row.pupilId));
}

export interface FrozenDayRow extends ListedPupil {
  status: AttendanceStatus;
  source: 'default' | 'parent' | 'school' | 'office';
}

/** The school's booked day as the freeze wrote it and the corrections since left it. */
export async function frozenDayRows(db: Kysely<DB>, enteId: number, schoolId: number, date: string, pupilId?: number): Promise<FrozenDayRow[]> {
  let query = db
    .selectFrom('attendance as a')
    .innerJoin('pupil as p', 'p.id', 'a.pupil_id')
    .innerJoin('person as per', 'per.id', 'p.person_id')
    .select([
      'a.pupil_id as pupilId', 'p.class_name as className', 'per.given_name as givenName', 'per.family_name as familyName',
      'a.diet_code as dietCode', 'a.status', 'a.source',
    ])
    .where('a.school_id', '=', schoolId)
    .where('a.date', '=', date)
    .where('a.ente_id', '=', enteId);
  if (pupilId !== undefined) query = query.where('a.pupil_id', '=', pupilId);
  return query.orderBy('p.class_name').orderBy('per.family_name').orderBy('per.given_name').orderBy('a.pupil_id').execute();
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
