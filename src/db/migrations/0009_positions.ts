import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { binaryType, withId } from './types';

/**
 * pagoPA against the platform's real contracts (issue 12):
 * - an overdue document is published payable until today + `overdue_payable_days` (GPD refuses a past
 *   due date); the document keeps its own due date;
 * - at most `max_pending_topups` top-ups of a holder wait for payment; a top-up takes its notice only when
 *   the holder chooses how to pay, and can be cancelled (`cancelled_at`) while unpaid;
 * - the creditor's logo and Poste's authorisation to print the postal slip, for the notice PDF;
 * - receipts the pull could not read, kept for the office instead of blocking the pull.
 */
export const positions: AppMigration = {
  name: '0009_positions',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .alterTable('ente')
      .addColumn('overdue_payable_days', 'integer', (c) => c.notNull().defaultTo(30).check(sql`overdue_payable_days between 1 and 365`))
      .execute();
    await db.schema
      .alterTable('ente')
      .addColumn('max_pending_topups', 'integer', (c) => c.notNull().defaultTo(3).check(sql`max_pending_topups between 1 and 50`))
      .execute();
    // E.g. "AUT. DB/SSIC/E 12345 del 01/01/2026": printed on the postal slip, which is printed only with it.
    await db.schema.alterTable('ente').addColumn('postal_authorisation', 'text').execute();
    await db.schema
      .createTable('ente_logo')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('png', binaryType(dialect), (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('topup').addColumn('cancelled_at', 'text').execute();

    await withId(db.schema.createTable('receipt_pull_problem'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('iuv', 'text', (c) => c.notNull())
      .addColumn('problem', 'text', (c) => c.notNull().check(sql`problem in ('platform_refused', 'unreadable')`))
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('seen_at', 'text', (c) => c.notNull())
      .execute();
    // One row per receipt and reason: the overlap of the next pull finds it again and adds nothing.
    await db.schema.createIndex('receipt_pull_problem_once').on('receipt_pull_problem').columns(['ente_id', 'iuv', 'problem']).unique().execute();
  },
};
