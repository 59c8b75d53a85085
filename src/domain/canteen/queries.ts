import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import type { AttendanceStatus, DB } from '../../db/schema';

/** Plain queries of the canteen; every one takes the ente. Those of every page view are `prepared`. */

/**
 * The pupil's canteen enrolments with what decides their service days and menus: the row's school, its
 * weekdays and level, and the enrolment's terms (decision 0018) as one text, oldest first —
 * "valid_from:school_id:weekdays:level", joined by "|" (a date, a number, digits with commas and a level's
 * word: none holds either separator), null without terms. A subquery per enrolment on the terms' key: as a join, PostgreSQL's plan on the demo's few terms
 * read them through their index by school.
 */
export const canteenEnrolments = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('enrolment as e')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
    .innerJoin('school', 'school.id', 'e.school_id')
    .select([
      'e.id as id',
      'e.school_id as schoolId',
      'school.service_weekdays as serviceWeekdays',
      'school.level as schoolLevel',
      sql<string | null>`(select string_agg(t.valid_from || ':' || t.school_id || ':' || ts.service_weekdays || ':' || ts.level, '|' order by t.valid_from)
        from enrolment_term t join school ts on ts.id = t.school_id where t.enrolment_id = e.id)`.as('terms'),
      'e.starts_on as startsOn',
      'e.ends_on as endsOn',
      'y.starts_on as yearStartsOn',
      'y.ends_on as yearEndsOn',
    ])
    .where('e.ente_id', '=', enteId)
    .where('e.pupil_id', '=', pupilId)
    .where('s.kind', '=', sql.lit('refezione'))
    // An ended enrolment was in force until its end date: its past days still count.
    .where('e.state', 'in', ['attiva', 'cessata']),
);

/**
 * Closures within a period that concern a school: its own and those of the whole ente (school id null).
 * Each branch is one range of closure_school_date, so a page reads its school's closures, not every
 * school's closures of the period (issue 18).
 */
export const closuresOfSchoolBetween = prepared((db: Kysely<DB>, enteId: number, schoolId: number, from: string, to: string) => {
  const inPeriod = () => db.selectFrom('closure').select(['school_id as schoolId', 'date', 'reason']).where('ente_id', '=', enteId).where('date', '>=', from).where('date', '<=', to);
  return inPeriod().where('school_id', '=', schoolId).unionAll(inPeriod().where('school_id', 'is', null));
});

/**
 * What the Refezione shows of a pupil's days in a period, in one statement: the frozen attendance ('a'),
 * the changes not frozen yet or the source of frozen ones ('c'), and the charges of meals with whether
 * the office has reversed them ('m'). Each branch is one range of an index that starts with the pupil and
 * holds what the page shows (decision 0035). One statement rather than three: on PostgreSQL a statement
 * costs about 0.2 ms of CPU between the serving process and the server whatever it reads, and the
 * Refezione at 500 views a second was bound by its number of statements (bench/RESULTS.md).
 */
export const pupilDaysBetween = prepared((db: Kysely<DB>, pupilId: number, from: string, to: string) =>
  db
    .selectFrom('attendance')
    // Typed as the union's columns (the charges have no status, the days no amount); PostgreSQL needs the
    // nulls' type, or it takes them as text.
    .select([sql.lit('a').as('row'), 'date', sql<AttendanceStatus | null>`status`.as('status'), sql<string | null>`source`.as('source'), sql<number | null>`cast(null as integer)`.as('amountCents'), sql<number | null>`cast(null as integer)`.as('reversedBy')])
    .where('pupil_id', '=', pupilId)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .unionAll(
      db
        .selectFrom('attendance_change')
        .select([sql.lit('c').as('row'), 'date', 'status', 'source', sql<number | null>`cast(null as integer)`.as('amountCents'), sql<number | null>`cast(null as integer)`.as('reversedBy')])
        .where('pupil_id', '=', pupilId)
        .where('date', '>=', from)
        .where('date', '<=', to),
    )
    .unionAll(
      db
        .selectFrom('charge as c')
        // A join, not `exists`: PostgreSQL may run an uncorrelated `exists` as a hash of every reversal of the ente.
        .leftJoin('charge as s', 's.reverses_charge_id', 'c.id')
        .select([sql.lit('m').as('row'), 'c.date', sql<AttendanceStatus | null>`null`.as('status'), sql<string | null>`null`.as('source'), 'c.amount_cents as amountCents', 's.id as reversedBy'])
        .where('c.pupil_id', '=', pupilId)
        .where('c.date', '>=', from)
        .where('c.date', '<=', to)
        .where('c.kind', 'in', ['meal', 'light_meal']),
    ),
);

/**
 * The pupil's diets approved in a period, oldest first: each day's menu is that of the day's diet
 * (decision 0024). The day's school level, which chooses the menu, comes with the calendar.
 */
export const dietsOfPupilBetween = prepared((db: Kysely<DB>, pupilId: number, from: string, to: string) =>
  db
    .selectFrom('pupil_diet as d')
    .select(['d.diet_code as dietCode', 'd.approved_from as approvedFrom', 'd.approved_to as approvedTo'])
    .where('d.pupil_id', '=', pupilId)
    .where('d.state', 'in', [sql.lit<'approvata'>('approvata'), sql.lit<'terminata'>('terminata')])
    .where('d.approved_from', '<=', to)
    .where((eb) => eb.or([eb('d.approved_to', 'is', null), eb('d.approved_to', '>=', from)]))
    .orderBy('d.approved_from'),
);

export function noticeWithDays(db: Kysely<DB>, enteId: number, noticeId: number) {
  return Promise.all([
    db.selectFrom('absence_notice').selectAll().where('ente_id', '=', enteId).where('id', '=', noticeId).executeTakeFirst(),
    db.selectFrom('absence_notice_day').select(['date', 'outcome']).where('notice_id', '=', noticeId).orderBy('date').execute(),
  ]);
}

/** The days from `from` on whose state a parent, the school or the office has changed. */
export function changesFrom(db: Kysely<DB>, enteId: number, pupilId: number, from: string) {
  return db
    .selectFrom('attendance_change')
    .select(['date', 'status', 'source', 'notice_id as noticeId'])
    .where('ente_id', '=', enteId)
    .where('pupil_id', '=', pupilId)
    .where('date', '>=', from)
    .orderBy('date')
    .execute();
}
