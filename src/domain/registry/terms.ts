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

/**
 * The pupil's class on `date` through one of its enrolments. The pupil row holds the class of the latest
 * term (an office change writes it there when no term follows it), so it is the day's class unless the
 * enrolment has a term starting after `date`: then it is the class of the term in force that day. One probe
 * of the unique index on (enrolment_id, valid_from) per enrolment, a second for the few that changed later.
 */
export function classOnDay(enrolmentId: string, pupilClass: string, date: string): RawBuilder<string> {
  const id = sql.ref(enrolmentId);
  const current = sql.ref(pupilClass);
  return sql<string>`case when exists (select 1 from enrolment_term l where l.enrolment_id = ${id} and l.valid_from > ${date})
    then coalesce((select t.class_name from enrolment_term t where t.enrolment_id = ${id} and t.valid_from <= ${date} order by t.valid_from desc limit 1), ${current})
    else ${current} end`;
}

/**
 * The first day not frozen yet in the ente, today at the earliest: a change "from now on" (the import's,
 * a new intestatario's) takes effect from it, so that no day already booked or charged changes.
 */
export async function firstDayNotFrozen(db: Kysely<DB>, enteId: number, today: string): Promise<string> {
  const lastFrozen = (await db.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', enteId).executeTakeFirst())?.date ?? null;
  return lastFrozen !== null && lastFrozen >= today ? addDays(lastFrozen, 1) : today;
}
