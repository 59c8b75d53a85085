import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { addDays } from '../calendar/local-time';

/** The columns of an enrolment whose value may change from a date (decision 0018). */
export type TermColumn = 'tariff_id' | 'school_id' | 'holder_person_id';

/**
 * The value of an enrolment's `column` in force on `date`: the one of its term with the latest start on or
 * before the day; the enrolment row's own value when it has no term (or none yet on that day, which the
 * office never leaves: its first change writes the term of the enrolment's start too). `enrolment` is
 * the alias of the enrolment table in the query. The subquery reads the unique index on
 * (enrolment_id, valid_from): one probe per enrolment, none for the many that never changed.
 */
export function termInForce(column: TermColumn, enrolment: string, date: string | Expression<string> | RawBuilder<string>): RawBuilder<number> {
  return sql<number>`coalesce((select t.${sql.ref(column)} from enrolment_term t where t.enrolment_id = ${sql.ref(`${enrolment}.id`)} and t.valid_from <= ${date} order by t.valid_from desc limit 1), ${sql.ref(`${enrolment}.${column}`)})`;
}

/** The class of the enrolment's term in force on `date`; the pupil row's when it has none on that day. */
export function termClass(enrolmentId: string, pupilClass: string, date: string): RawBuilder<string> {
  return sql<string>`coalesce((select t.class_name from enrolment_term t where t.enrolment_id = ${sql.ref(enrolmentId)} and t.valid_from <= ${date} order by t.valid_from desc limit 1), ${sql.ref(pupilClass)})`;
}

/**
 * The class on `date` of a pupil listed at school `schoolId` through an enrolment (`pupil` is the alias of
 * the pupil table). The pupil row holds the school and class of the latest term (an office change writes
 * them there when no term follows it), so they are the day's unless the enrolment changes after the day:
 * then its latest term is either at this school and later than the day (the terms at the school, read once
 * from `enrolment_term_school` and hashed) or at another school, which the pupil row then names. Only those
 * few enrolments probe their terms; a probe for every pupil cost a third more on PostgreSQL's list.
 */
export function classOnDayAt(enrolmentId: string, pupil: string, schoolId: number, date: string): RawBuilder<string> {
  return sql<string>`case when ${sql.ref(`${pupil}.school_id`)} = ${schoolId}
      and ${sql.ref(enrolmentId)} not in (select l.enrolment_id from enrolment_term l where l.school_id = ${schoolId} and l.valid_from > ${date})
    then ${sql.ref(`${pupil}.class_name`)} else ${termClass(enrolmentId, `${pupil}.class_name`, date)} end`;
}

/**
 * The first day not frozen yet in the ente, today at the earliest: a change "from now on" (the import's,
 * a new intestatario's) takes effect from it, so that no day already booked or charged changes.
 */
export async function firstDayNotFrozen(db: Kysely<DB>, enteId: number, today: string): Promise<string> {
  const lastFrozen = (await db.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', enteId).executeTakeFirst())?.date ?? null;
  return lastFrozen !== null && lastFrozen >= today ? addDays(lastFrozen, 1) : today;
}
