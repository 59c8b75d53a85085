import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * Indexes that hold what the parents' pages show of a family's day-by-day rows (issue 18, decision 0035).
 * The jobs write attendance, charges and badge movements a day at a time for the whole city, so one
 * pupil's month is twenty rows on twenty table pages among 35 million rows; at Rome's full year a
 * rotating family's Refezione read them from twenty pages each time (192 µs of attendance and 448 µs of
 * charges a pupil, against 28 and 56 µs once cached). An index whose key starts with the family's key and
 * ends with the columns the page shows keeps that month on one or two index pages, read without the table:
 * - attendance: the Refezione's days (date, status, source);
 * - charge: the Refezione's meals and their price (kind, amount, and the id its reversal refers to);
 *   it replaces charge_pupil_date, its first two columns;
 * - movement: the Conto corrente's statement (kind and note as well as the amount); it replaces
 *   movement_badge_statement, its first four columns.
 */
export const familyCoveringIndexes: AppMigration = {
  name: '0034_family_covering_indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('attendance_pupil_day').on('attendance').columns(['pupil_id', 'date', 'status', 'source']).execute();
    await db.schema.createIndex('charge_pupil_day').on('charge').columns(['pupil_id', 'date', 'kind', 'amount_cents', 'id']).execute();
    await db.schema.dropIndex('charge_pupil_date').execute();
    await db.schema.createIndex('movement_badge_day').on('movement').columns(['badge_id', 'value_date', 'id', 'amount_cents', 'kind', 'note']).execute();
    await db.schema.dropIndex('movement_badge_statement').execute();
  },
};
