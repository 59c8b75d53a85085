import { type OperatorContext, requirePermission } from '../operators/context';
import { type Kysely, sql } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { romeDate, addDays } from '../calendar/local-time';
import { cutoffInstant } from '../calendar/cutoff';
import { italianHolidays } from '../calendar/holidays';
import { parseWeekdays, serviceDay } from '../calendar/service-days';
import type { Clock } from '../clock';
import { termInForce } from '../registry/terms';
import { dietInForce } from '../diets/queries';
import { withJobPageCache } from '../../db/page-cache';
import { completeDay, existingClaim, inBatches, incompleteDays, yieldToEventLoop } from '../jobs/day-claim';

/** How far back a first run or a long downtime is caught up. */
const MAX_CATCH_UP_DAYS = 400;
/** Schools booked per transaction: about 4,000 pupils at Rome's average of 375 a school. */
const FREEZE_SCHOOLS_PER_BATCH = 10;

/**
 * The daily freeze (issue 3): at each ente's cut-off, every pupil with a service day is booked present
 * (or light meal) unless absent, and the meal counts per school and diet are stored for the kitchen.
 * Idempotent and safe with several instances and kill -9: the day_freeze row, inserted first, is the
 * lock; a second run finds it and does nothing unless the first died part-way (freezeDay).
 */
export function createFreezeService(db: Kysely<DB>, clock: Clock) {
  /** The ente's schools that serve meals on `date` (weekday, school year, holidays, closures). */
  async function schoolsServing(ente: Ente, date: string): Promise<number[]> {
    const [schools, years, closures] = await Promise.all([
      db.selectFrom('school').select(['id', 'service_weekdays']).where('ente_id', '=', ente.id).execute(),
      db.selectFrom('school_year').select(['starts_on', 'ends_on']).where('ente_id', '=', ente.id).where('starts_on', '<=', date).where('ends_on', '>=', date).execute(),
      db.selectFrom('closure').select(['school_id', 'reason']).where('ente_id', '=', ente.id).where('date', '=', date).execute(),
    ]);
    const year = years[0];
    if (!year) return [];
    const holidays = new Map(italianHolidays(Number(date.slice(0, 4))).map((h) => [h.date, h.name]));
    return schools
      .filter((school) => {
        const closed = closures.filter((c) => c.school_id === null || c.school_id === school.id);
        return serviceDay(date, {
          serviceWeekdays: parseWeekdays(school.service_weekdays),
          schoolYear: { startsOn: year.starts_on, endsOn: year.ends_on },
          holidays,
          closures: new Map(closed.map((c) => [date, c.reason])),
        }).service;
      })
      .map((school) => school.id);
  }

  /**
   * Freezes one day of one ente. The day's row is claimed first; then the schools' pupils are booked a
   * few schools per transaction, yielding to the event loop between batches, so that a Rome day (150,000
   * pupils) never holds SQLite's one writer or a serving process for seconds; last, one transaction
   * completes the day and writes the kitchen's counts. A run that dies part-way leaves the day claimed
   * and incomplete: another run takes it over once the claim is stale and does every batch again (each
   * inserts only what is missing). 'already-frozen' if the day is complete or a live run has it.
   */
  function freezeDay(
    ente: Ente,
    date: string,
    options: { schoolsPerBatch?: number; afterBatch?: (schools: number) => Promise<void> | void } = {},
  ): Promise<'frozen' | 'already-frozen'> {
    return withJobPageCache(db, () => bookDay(ente, date, options));
  }

  async function bookDay(ente: Ente, date: string, options: Parameters<typeof freezeDay>[2] = {}): Promise<'frozen' | 'already-frozen'> {
    const now = clock.now();
    const claimedAt = now.toISOString();
    const inserted = await db
      .insertInto('day_freeze')
      .values({ ente_id: ente.id, date, frozen_at: claimedAt, meals: 0, claimed_at: claimedAt, completed_at: null })
      .onConflict((oc) => oc.columns(['ente_id', 'date']).doNothing())
      .returning('frozen_at')
      .executeTakeFirst();
    let frozenAt = inserted?.frozen_at;
    if (!frozenAt) {
      if ((await existingClaim(db, 'day_freeze', ente.id, date, now)) !== 'taken-over') return 'already-frozen';
      // The attendance of a day keeps the instant its freeze began, whichever run books it.
      frozenAt = (await db.selectFrom('day_freeze').select('frozen_at').where('ente_id', '=', ente.id).where('date', '=', date).executeTakeFirstOrThrow()).frozen_at;
    }
    const schools = await schoolsServing(ente, date);
    let booked = 0;
    for (const batch of inBatches(schools, options.schoolsPerBatch ?? FREEZE_SCHOOLS_PER_BATCH)) {
      await bookSchools(ente, date, batch, frozenAt);
      await options.afterBatch?.((booked += batch.length));
      await yieldToEventLoop();
    }
    return db.transaction().execute(async (trx) => {
      if (!(await completeDay(trx, 'day_freeze', ente.id, date, clock.now()))) return 'already-frozen';
      await sql`
        insert into meal_count (ente_id, date, school_id, diet_code, meals, light_meals, absences)
        select ente_id, date, school_id, coalesce(diet_code, ''),
               sum(case when status = 'present' then 1 else 0 end),
               sum(case when status = 'light_meal' then 1 else 0 end),
               sum(case when status = 'absent' then 1 else 0 end)
        from attendance
        where ente_id = ${ente.id} and date = ${date}
        group by ente_id, date, school_id, coalesce(diet_code, '')`.execute(trx);
      const total = await trx
        .selectFrom('meal_count')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>(sql<number>`meals + light_meals`), sql<number>`0`).as('meals'))
        .where('ente_id', '=', ente.id)
        .where('date', '=', date)
        .executeTakeFirstOrThrow();
      await trx.updateTable('day_freeze').set({ meals: Number(total.meals) }).where('ente_id', '=', ente.id).where('date', '=', date).execute();
      return 'frozen';
    });
  }

  /**
   * Books one batch of schools' pupils for the day: present unless a change says otherwise, with the diet
   * approved for that day (decision 0024); only what is missing.
   */
  async function bookSchools(ente: Ente, date: string, schoolIds: number[], frozenAt: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await sql`
        insert into attendance (ente_id, pupil_id, date, school_id, enrolment_id, status, source, diet_code, frozen_at)
        select e.ente_id, e.pupil_id, cast(${date} as text), ${termInForce('school_id', 'e', date)}, e.id,
               coalesce(c.status, 'present'), coalesce(c.source, 'default'), ${dietInForce('e.pupil_id', date)}, cast(${frozenAt} as text)
        from enrolment e
        join service s on s.id = e.service_id and s.kind = 'refezione'
        join school_year y on y.id = e.school_year_id and y.starts_on <= ${date} and y.ends_on >= ${date}
        left join attendance_change c on c.pupil_id = e.pupil_id and c.date = ${date}
        where e.ente_id = ${ente.id} and e.state in ('attiva', 'cessata')
          and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
          -- The school in force on the day (decision 0018): found by the enrolment's school or a term's.
          and (e.school_id in (${sql.join(schoolIds)})
               or e.id in (select t.enrolment_id from enrolment_term t where t.school_id in (${sql.join(schoolIds)})))
          and ${termInForce('school_id', 'e', date)} in (${sql.join(schoolIds)})
        on conflict do nothing`.execute(trx);
    });
  }

  /**
   * Freezes every day of every ente that has reached its cut-off and is not frozen yet: today once past
   * the cut-off, and any day missed while the service was down.
   */
  async function freezeDueDays(): Promise<{ ente: string; date: string }[]> {
    const now = clock.now();
    const today = romeDate(now);
    const done: { ente: string; date: string }[] = [];
    const enti = (await db.selectFrom('ente').selectAll().execute()) as Ente[];
    for (const ente of enti) {
      // First the days a run began and did not finish (it died part-way), then the new ones.
      for (const date of await incompleteDays(db, 'day_freeze', ente.id)) {
        if ((await freezeDay(ente, date)) === 'frozen') done.push({ ente: ente.slug, date });
      }
      const last = await db.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', ente.id).executeTakeFirst();
      const lastDue = now.getTime() >= cutoffInstant(today, ente.cutoff_time).getTime() ? today : addDays(today, -1);
      let from: string | undefined = last?.date ? addDays(last.date, 1) : undefined;
      if (!from) {
        // First run: from the start of the school year in course.
        const year = await db
          .selectFrom('school_year')
          .select('starts_on')
          .where('ente_id', '=', ente.id)
          .where('starts_on', '<=', lastDue)
          .where('ends_on', '>=', addDays(lastDue, -MAX_CATCH_UP_DAYS))
          .orderBy('starts_on', 'desc')
          .executeTakeFirst();
        if (!year) continue;
        from = year.starts_on;
      }
      if (from < addDays(lastDue, -MAX_CATCH_UP_DAYS)) from = addDays(lastDue, -MAX_CATCH_UP_DAYS);
      for (let date = from; date <= lastDue; date = addDays(date, 1)) {
        if ((await freezeDay(ente, date)) === 'frozen') done.push({ ente: ente.slug, date });
      }
    }
    return done;
  }

  /** The kitchen's figures for a day: per school and diet code, never per pupil. */
  /** The kitchen's counts of a day, for an operator who may read them. */
  function officeMealCounts(office: OperatorContext, date: string) {
    requirePermission(office, 'kitchen.counts');
    return mealCounts(office.ente, date);
  }

  async function mealCounts(ente: Ente, date: string) {
    const [freeze, counts] = await Promise.all([
      db.selectFrom('day_freeze').selectAll().where('ente_id', '=', ente.id).where('date', '=', date).where('completed_at', 'is not', null).executeTakeFirst(),
      db
        .selectFrom('meal_count as mc')
        .innerJoin('school', 'school.id', 'mc.school_id')
        .select(['mc.school_id as schoolId', 'school.name as schoolName', 'mc.diet_code as dietCode', 'mc.meals', 'mc.light_meals as lightMeals', 'mc.absences'])
        .where('mc.ente_id', '=', ente.id)
        .where('mc.date', '=', date)
        .orderBy('school.name')
        .orderBy('mc.diet_code')
        .execute(),
    ]);
    return { frozenAt: freeze?.frozen_at, counts };
  }

  /** Today's date in Rome by the service's clock (the kitchen page's default day). */
  function today(): string {
    return romeDate(clock.now());
  }

  return { freezeDay, freezeDueDays, mealCounts, officeMealCounts, schoolsServing, today };
}

export type FreezeService = ReturnType<typeof createFreezeService>;
