import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Reconciliation with pagoPA's reporting flows (flussi di rendicontazione, FdR; issue 15 point 7). A
 * flow revision is a row of its own, never updated but for being superseded by a later revision; its
 * payments are rows matched to our receipts. The sandbox keeps the flows it publishes in tables of its own.
 */
export const reconciliation: AppMigration = {
  name: '0031_reconciliation',
  async up(db: Kysely<unknown>, dialect) {
    await withId(db.schema.createTable('fdr_flow'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('fdr', 'text', (c) => c.notNull())
      .addColumn('psp_id', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('psp_name', 'text', (c) => c.notNull())
      .addColumn('flow_date', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('regulation', 'text', (c) => c.notNull())
      .addColumn('regulation_date', 'text', (c) => c.notNull())
      .addColumn('bic', 'text')
      // What the PSP declared, and what its payments add up to: the two are shown side by side.
      .addColumn('declared_count', 'integer', (c) => c.notNull())
      .addColumn('declared_sum_cents', 'integer', (c) => c.notNull())
      .addColumn('payments_count', 'integer', (c) => c.notNull())
      .addColumn('payments_sum_cents', 'integer', (c) => c.notNull())
      // Set when a later revision of the same flow is stored: its payments then count no more.
      .addColumn('superseded_at', 'text')
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('fdr_flow_revision', ['ente_id', 'psp_id', 'fdr', 'revision'])
      .execute();
    await db.schema.createIndex('fdr_flow_ente_published').on('fdr_flow').columns(['ente_id', 'published_at']).execute();

    await withId(db.schema.createTable('fdr_payment'), dialect)
      .addColumn('flow_id', 'integer', (c) => c.notNull().references('fdr_flow.id'))
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('iuv', 'text', (c) => c.notNull())
      .addColumn('iur', 'text', (c) => c.notNull())
      .addColumn('transfer_index', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('pay_status', 'text', (c) => c.notNull())
      .addColumn('pay_date', 'text', (c) => c.notNull())
      .addColumn('match', 'text', (c) =>
        c.notNull().check(sql`match in ('matched', 'amount_differs', 'no_receipt', 'duplicate', 'revoked')`),
      )
      .addColumn('receipt_row_id', 'integer', (c) => c.references('payment_receipt.id'))
      // Why a receipt fetched from the platform for an unmatched payment did not help (none, refused…).
      .addColumn('fetch_note', 'text')
      .addUniqueConstraint('fdr_payment_index', ['flow_id', 'idx'])
      .execute();
    await db.schema.createIndex('fdr_payment_iuv').on('fdr_payment').columns(['ente_id', 'iuv']).execute();
    await db.schema.createIndex('fdr_payment_match').on('fdr_payment').columns(['flow_id', 'match']).execute();
    await db.schema.createIndex('fdr_payment_receipt').on('fdr_payment').columns(['receipt_row_id']).execute();
    // Our receipts by notice (matching a flow's payments); by day (those no flow has reported) through
    // payment_receipt_ente_paid, which migration 0030 made for the accounting exports.
    await db.schema.createIndex('payment_receipt_ente_notice').on('payment_receipt').columns(['ente_id', 'notice_number']).execute();

    // Per ente: since when flows are fetched, and the publication instant the next fetch starts from.
    await db.schema
      .createTable('fdr_fetch')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('first_fetched_at', 'text', (c) => c.notNull())
      .addColumn('published_until', 'text', (c) => c.notNull())
      .addColumn('last_run_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .execute();

    // The sandbox's published flows (the platform's side), a revision per row, payments as JSON.
    await db.schema
      .createTable('sandbox_fdr_flow')
      .addColumn('creditor_tax_code', 'text', (c) => c.notNull())
      .addColumn('fdr', 'text', (c) => c.notNull())
      .addColumn('psp_id', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('flow_date', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('is_latest', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('payments', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sandbox_fdr_flow_key', ['creditor_tax_code', 'psp_id', 'fdr', 'revision'])
      .execute();
    // One flow per PSP and day: the day it reports, so that publishing it twice is impossible.
    await db.schema
      .createTable('sandbox_fdr_day')
      .addColumn('creditor_tax_code', 'text', (c) => c.notNull())
      .addColumn('psp_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('fdr', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sandbox_fdr_day_key', ['creditor_tax_code', 'psp_id', 'day'])
      .execute();
  },
};
