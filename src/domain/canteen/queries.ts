import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';

/** Plain queries of the canteen; every one takes the ente. */

/** The pupil's canteen enrolments with what decides their service days. */
export function canteenEnrolments(db: Kysely<DB>, enteId: number, pupilId: number) {
  return db
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
    .where('s.kind', '=', 'refezione')
    .where('e.state', '=', 'attiva')
    .execute();
}

/** Closures of the whole ente or of one of the given schools within a period. */
export function closuresBetween(db: Kysely<DB>, enteId: number, schoolIds: number[], from: string, to: string) {
  return db
    .selectFrom('closure')
    .select(['school_id as schoolId', 'date', 'reason'])
    .where('ente_id', '=', enteId)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .where((eb) => eb.or([eb('school_id', 'is', null), ...(schoolIds.length ? [eb('school_id', 'in', schoolIds)] : [])]))
    .execute();
}

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
