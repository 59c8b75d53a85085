import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * pagoPA (issue 5): the notices (NAV) of documents and top-ups with their debt positions, the carts sent
 * to Checkout, the receipts, and the state of the built-in sandbox that stands in for the platform.
 */
export const payments: AppMigration = {
  name: '0006_payments',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema.alterTable('ente').addColumn('topup_min_cents', 'integer', (c) => c.notNull().defaultTo(500)).execute();
    await db.schema.alterTable('ente').addColumn('topup_max_cents', 'integer', (c) => c.notNull().defaultTo(50_000)).execute();

    // A top-up a holder asked for; the badge is credited (a movement with its id) only by a receipt.
    await withId(db.schema.createTable('topup'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('badge_id', 'integer', (c) => c.notNull().references('badge.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('in_attesa', 'accreditata')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('credited_at', 'text')
      .execute();
    await db.schema.createIndex('topup_badge').on('topup').columns(['badge_id', 'state']).execute();
    // A top-up credits its badge once, whatever delivers its receipt and how often.
    await db.schema.alterTable('movement').addColumn('topup_id', 'integer', (c) => c.references('topup.id')).execute();
    await db.schema.createIndex('movement_topup_once').on('movement').column('topup_id').unique().execute();

    // The 13-digit bases of an ente's notice numbers, given in order and never twice.
    await db.schema
      .createTable('notice_counter')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('last_base', 'integer', (c) => c.notNull())
      .execute();

    // A payable item with its NAV and the life of its debt position on the platform (an outbox: the
    // calls happen after commit, retried with back-off).
    await withId(db.schema.createTable('payment_notice'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('nav', 'text', (c) => c.notNull())
      .addColumn('iuv', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('document', 'topup')`))
      .addColumn('document_id', 'integer', (c) => c.unique().references('document.id'))
      .addColumn('topup_id', 'integer', (c) => c.unique().references('topup.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'paid', 'cancelled')`))
      .addColumn('position_state', 'text', (c) =>
        c.notNull().check(sql`position_state in ('to_publish', 'published', 'to_invalidate', 'invalidated')`),
      )
      .addColumn('position_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('position_next_at', 'text')
      .addColumn('position_error', 'text')
      .addColumn('published_at', 'text')
      .addColumn('cart_id', 'text')
      .addColumn('cart_until', 'text')
      .addColumn('paid_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('payment_notice_item', sql`(kind = 'document') = (document_id is not null) and (kind = 'topup') = (topup_id is not null)`)
      .addCheckConstraint('payment_notice_nav', sql`length(nav) = 18 and iuv = substr(nav, 2)`)
      .execute();
    await db.schema.createIndex('payment_notice_nav').on('payment_notice').columns(['ente_id', 'nav']).unique().execute();
    await db.schema.createIndex('payment_notice_holder').on('payment_notice').columns(['ente_id', 'holder_person_id', 'state']).execute();
    await db.schema.createIndex('payment_notice_position').on('payment_notice').columns(['position_state', 'position_next_at']).execute();

    // What we sent to Checkout: our id is its idCart, and comes back in the receipts' paymentNote.
    await db.schema
      .createTable('payment_cart')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('sent', 'refused')`))
      .addColumn('returned', 'text', (c) => c.check(sql`returned in ('ok', 'cancel', 'error', 'waiting')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('payment_cart_item')
      .addColumn('cart_id', 'text', (c) => c.notNull().references('payment_cart.id'))
      .addColumn('notice_id', 'integer', (c) => c.notNull().references('payment_notice.id'))
      .addPrimaryKeyConstraint('payment_cart_item_pk', ['cart_id', 'notice_id'])
      .execute();
    await db.schema.createIndex('payment_cart_item_notice').on('payment_cart_item').column('notice_id').execute();

    // Every receipt the platform gave us, applied or flagged for the office; never edited.
    await withId(db.schema.createTable('payment_receipt'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.references('ente.id'))
      .addColumn('creditor_tax_code', 'text', (c) => c.notNull())
      .addColumn('receipt_id', 'text', (c) => c.notNull())
      .addColumn('notice_number', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('fee_cents', 'integer')
      .addColumn('paid_at', 'text')
      .addColumn('psp_id', 'text', (c) => c.notNull())
      .addColumn('psp_name', 'text', (c) => c.notNull())
      .addColumn('payment_method', 'text')
      .addColumn('payment_note', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('debtor_fiscal_code', 'text', (c) => c.notNull())
      .addColumn('debtor_name', 'text', (c) => c.notNull())
      .addColumn('payer_fiscal_code', 'text')
      .addColumn('payer_name', 'text')
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('push', 'pull')`))
      .addColumn('notice_id', 'integer', (c) => c.references('payment_notice.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('applied', 'flagged')`))
      .addColumn('flag', 'text', (c) =>
        c.check(sql`flag in ('ko', 'unknown_notice', 'amount_mismatch', 'already_paid', 'notice_cancelled')`),
      )
      .addColumn('xml', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addCheckConstraint('payment_receipt_flagged', sql`(status = 'flagged') = (flag is not null)`)
      .execute();
    // The same receipt twice is one row; a notice is paid by one receipt, held by the database.
    await db.schema.createIndex('payment_receipt_once').on('payment_receipt').columns(['creditor_tax_code', 'receipt_id']).unique().execute();
    await db.schema
      .createIndex('payment_receipt_one_applied')
      .on('payment_receipt')
      .column('notice_id')
      .unique()
      .where(sql.ref('status'), '=', sql.lit('applied'))
      .execute();
    await db.schema.createIndex('payment_receipt_flagged').on('payment_receipt').columns(['ente_id', 'status']).execute();
    // Where the pull of receipts left off, per ente.
    await db.schema
      .createTable('receipt_pull')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('pulled_until', 'text', (c) => c.notNull())
      .execute();

    if (dialect === 'postgres') {
      await sql
        .raw(
          `create function refuse_change_payment_receipt() returns trigger language plpgsql as $$
           begin raise exception 'payment_receipt is append-only'; end $$;
           create trigger payment_receipt_append_only before update or delete on payment_receipt
           for each row execute function refuse_change_payment_receipt();`,
        )
        .execute(db);
    } else {
      for (const operation of ['update', 'delete']) {
        await sql
          .raw(
            `create trigger payment_receipt_no_${operation} before ${operation} on payment_receipt
             begin select raise(abort, 'payment_receipt is append-only'); end`,
          )
          .execute(db);
      }
    }

    // The built-in sandbox's own state (development, tests, demo): what "the platform" knows. Empty in
    // production, where the sandbox is off.
    await db.schema
      .createTable('sandbox_position')
      .addColumn('creditor_tax_code', 'text', (c) => c.notNull())
      .addColumn('iupd', 'text', (c) => c.notNull())
      .addColumn('nav', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sandbox_position_pk', ['creditor_tax_code', 'iupd'])
      .execute();
    await db.schema.createIndex('sandbox_position_nav').on('sandbox_position').columns(['creditor_tax_code', 'nav']).unique().execute();
    await db.schema
      .createTable('sandbox_cart')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sandbox_receipt')
      .addColumn('receipt_id', 'text', (c) => c.primaryKey())
      .addColumn('creditor_tax_code', 'text', (c) => c.notNull())
      .addColumn('iuv', 'text', (c) => c.notNull())
      .addColumn('debtor_fiscal_code', 'text', (c) => c.notNull())
      .addColumn('paid_at', 'text', (c) => c.notNull())
      .addColumn('xml', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sandbox_receipt_iuv').on('sandbox_receipt').columns(['creditor_tax_code', 'iuv']).execute();
  },
};
