import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import type { DB } from '../../db/schema';

/** Plain queries of the canteen; every one takes the ente. Those of every page view are `prepared`. */

/** The pupil's canteen enrolments with what decides their service days. */
export const canteenEnrolments = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('enrolment as e')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
    .innerJoin('school', 'school.id', 'e.school_id')
    .select([
      'e.id as id',
      'e.school_id as schoolId',
      'e.starts_on as startsOn',
      'e.ends_on as endsOn',
      'y.starts_on as yearStartsOn',
      'y.ends_on as yearEndsOn',
      'school.service_weekdays as serviceWeekdays',
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

/** A pupil's frozen attendance in a period. */
export const attendanceBetween = prepared((db: Kysely<DB>, pupilId: number, from: string, to: string) =>
  db.selectFrom('attendance').select(['date', 'status', 'source']).where('pupil_id', '=', pupilId).where('date', '>=', from).where('date', '<=', to),
);

/** The charges of a pupil's meals in a period, and whether the office has reversed them. */
export const mealChargesBetween = prepared((db: Kysely<DB>, pupilId: number, from: string, to: string) =>
  db
    .selectFrom('charge as c')
    // A join, not `exists`: PostgreSQL may run an uncorrelated `exists` as a hash of every reversal of the ente.
    .leftJoin('charge as s', 's.reverses_charge_id', 'c.id')
    .select(['c.date', 'c.amount_cents as amountCents', 's.id as reversedBy'])
    .where('c.pupil_id', '=', pupilId)
    .where('c.date', '>=', from)
    .where('c.date', '<=', to)
    .where('c.kind', 'in', ['meal', 'light_meal']),
);

/** A pupil's changes (not frozen yet, or the source of frozen ones) in a period. */
export const changesBetween = prepared((db: Kysely<DB>, pupilId: number, from: string, to: string) =>
  db.selectFrom('attendance_change').select(['date', 'status', 'source']).where('pupil_id', '=', pupilId).where('date', '>=', from).where('date', '<=', to),
);

/** The school level that chooses a pupil's menu (the diet of each day: diets/queries.ts). */
export const menuKeyOfPupil = prepared((db: Kysely<DB>, pupilId: number) =>
  db
    .selectFrom('pupil')
    .innerJoin('school', 'school.id', 'pupil.school_id')
    .select(['school.level'])
    .where('pupil.id', '=', pupilId),
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
