import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * Indexes for pages read on every view:
 * - the Conto corrente reads a badge's balance before a period and the count and last id of its
 *   movements in it (src/domain/ledger/queries.ts, ledgerSummary): with the amount in the index that is
 *   read from the index alone, instead of one table row per movement of the badge;
 * - the Scheda lists a pupil's statements for the 730 from the pupil's paid notices, not from all the
 *   receipts of the ente.
 */
export const pageIndexes: AppMigration = {
  name: '0007_page_indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('movement_badge_statement').on('movement').columns(['badge_id', 'value_date', 'id', 'amount_cents']).execute();
    // Its first three columns are the old index: it serves the statement's rows in order as well.
    await db.schema.dropIndex('movement_badge_date').execute();
    await db.schema.createIndex('payment_notice_pupil').on('payment_notice').columns(['pupil_id', 'state']).execute();
  },
};
