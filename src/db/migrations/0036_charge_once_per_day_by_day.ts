import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The rule "each booked meal is charged exactly once" (`charge_once_per_day`, unique on enrolment and day
 * for every charge but a storno) keyed by day first (issue 18, decision 0040). Keyed by enrolment first, the
 * charging of a day wrote one new entry into the range of every enrolment charged: at Rome's full year,
 * 150,000 entries spread over nearly every page of an index of 26 million, all of them written to the
 * write-ahead log and then back into the database. Keyed by day first, a day's entries are together at
 * the index's end. The uniqueness is the same (the same columns), and so is every probe of one enrolment
 * and day (the charging's ON CONFLICT, a correction's charge of the day, the monthly fee's). What read an
 * enrolment's charges by this index alone now reads them through the pupil's (`charge_pupil_day`).
 */
export const chargeOncePerDayByDay: AppMigration = {
  name: '0036_charge_once_per_day_by_day',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('charge_once_per_day').execute();
    await db.schema
      .createIndex('charge_once_per_day')
      .on('charge')
      .columns(['date', 'enrolment_id'])
      .unique()
      .where(sql.ref('kind'), '<>', 'storno')
      .execute();
  },
};
