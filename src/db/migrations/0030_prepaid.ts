import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Prepaid badges in the office (issue 15, point 4) and the accounting exports (point 8):
 * - the ente's low-balance threshold, in euro (cents) or in meals, one versioned row per ente;
 * - the year-end closing of a badge's credit (carried over, moved to a sibling's badge, or refunded to an
 *   IBAN): one row per badge and school year — the unique key that makes it happen once — naming the
 *   movements it wrote (each written by one closing only);
 * - an index on receipts by ente and payment instant, read by the accounting exports.
 */
export const prepaid: AppMigration = {
  name: '0030_prepaid',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .createTable('prepaid_threshold')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('unit', 'text', (c) => c.notNull().check(sql`unit in ('euro', 'pasti')`))
      // Cents when the unit is euro, meals when it is pasti; negative: below zero (−3 meals).
      .addColumn('value', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('prepaid_year_end'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('badge_id', 'integer', (c) => c.notNull().references('badge.id'))
      .addColumn('school_year_id', 'integer', (c) => c.notNull().references('school_year.id'))
      .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('riporto', 'trasferimento', 'rimborso')`))
      .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
      // The debit that empties the badge at the year's end, and the credit it pays into (none for a refund).
      .addColumn('debit_movement_id', 'integer', (c) => c.notNull().unique().references('movement.id'))
      .addColumn('credit_movement_id', 'integer', (c) => c.unique().references('movement.id'))
      .addColumn('target_badge_id', 'integer', (c) => c.references('badge.id'))
      .addColumn('iban', 'text')
      .addColumn('request_attachment_id', 'integer', (c) => c.references('attachment.id').onDelete('set null'))
      .addColumn('note', 'text')
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('prepaid_year_end_once', ['badge_id', 'school_year_id'])
      .addCheckConstraint(
        'prepaid_year_end_shape',
        sql`(action = 'rimborso' and iban is not null and credit_movement_id is null)
            or (action = 'riporto' and credit_movement_id is not null and target_badge_id is null)
            or (action = 'trasferimento' and credit_movement_id is not null and target_badge_id is not null)`,
      )
      .execute();
    await db.schema.createIndex('prepaid_year_end_ente').on('prepaid_year_end').columns(['ente_id', 'school_year_id']).execute();

    await db.schema.createIndex('payment_receipt_ente_paid').on('payment_receipt').columns(['ente_id', 'paid_at']).execute();
  },
};
