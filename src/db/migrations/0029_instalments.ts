import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Issue 15, points 5, 6 and 3: the office's corrections of accounts in the browser, the resolution of kept
 * pagoPA receipts, and instalment plans (decision 0028). Each office action is a row of its own with the
 * form's one-time key (unique per author): a form sent twice finds what the first made and does nothing more.
 */
export const instalments: AppMigration = {
  name: '0029_instalments',
  async up(db: Kysely<unknown>, dialect) {
    // A correction: a charge reversed, a document cancelled (with its credit note), a manual credit or debit of a badge.
    await withId(db.schema.createTable('office_correction'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('storno', 'annullamento', 'accredito', 'addebito')`))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      // What was corrected: the charge reversed, the document cancelled, the badge credited or debited.
      .addColumn('charge_id', 'integer', (c) => c.references('charge.id'))
      .addColumn('document_id', 'integer', (c) => c.references('document.id'))
      .addColumn('badge_id', 'integer', (c) => c.references('badge.id'))
      // What it wrote: the storno charge, the credit note, the movement.
      .addColumn('result_id', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('submission_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('office_correction_submission', ['ente_id', 'author', 'submission_key'])
      .execute();
    await db.schema.createIndex('office_correction_pupil').on('office_correction').columns(['ente_id', 'pupil_id']).execute();

    // A kept receipt resolved by the office: once (unique receipt), with a reason.
    await withId(db.schema.createTable('receipt_resolution'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('receipt_id', 'integer', (c) => c.notNull().unique().references('payment_receipt.id'))
      .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('assegnata', 'rimborso', 'verificata')`))
      .addColumn('document_id', 'integer', (c) => c.references('document.id'))
      .addColumn('topup_id', 'integer', (c) => c.references('topup.id'))
      .addColumn('refund_cents', 'integer')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint(
        'receipt_resolution_item',
        sql`(action = 'assegnata') = (document_id is not null or topup_id is not null) and not (document_id is not null and topup_id is not null) and (action = 'rimborso') = (refund_cents is not null)`,
      )
      .execute();
    // An item is paid by one assigned receipt at most.
    await db.schema.createIndex('receipt_resolution_document').on('receipt_resolution').column('document_id').unique().where(sql.ref('document_id'), 'is not', null).execute();
    await db.schema.createIndex('receipt_resolution_topup').on('receipt_resolution').column('topup_id').unique().where(sql.ref('topup_id'), 'is not', null).execute();

    // An instalment plan: a holder's overdue documents split into N instalments, each with its own notice.
    await withId(db.schema.createTable('instalment_plan'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('total_cents', 'integer', (c) => c.notNull().check(sql`total_cents > 0`))
      .addColumn('instalments', 'integer', (c) => c.notNull().check(sql`instalments between 2 and 36`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('in_corso', 'pagato')`))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('submission_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('paid_at', 'text')
      .addUniqueConstraint('instalment_plan_submission', ['ente_id', 'author', 'submission_key'])
      .execute();
    await db.schema.createIndex('instalment_plan_holder').on('instalment_plan').columns(['ente_id', 'holder_person_id']).execute();
    // The document's own mark of its plan (set once, when the plan is made): what is owed is read from the
    // document row alone — the debtors' partial index of open documents leaves documents in a plan out, so
    // neither the ente's sums nor a family's Pagamento joins the plans (an anti-join doubled the debtors' page
    // on PostgreSQL, bench/RESULTS.md).
    await db.schema.alterTable('document').addColumn('instalment_plan_id', 'integer', (c) => c.references('instalment_plan.id')).execute();
    await db.schema.dropIndex('document_open').execute();
    await db.schema
      .createIndex('document_open')
      .on('document')
      .columns(['ente_id', 'pupil_id', 'due_date', 'total_cents', 'service_id'])
      .where(sql.ref('kind'), '=', sql.lit('documento'))
      .where(sql.ref('state'), '=', sql.lit('da_pagare'))
      .where(sql.ref('instalment_plan_id'), 'is', null)
      .execute();
    // A document is in one plan at most (the primary key on document_id).
    await db.schema
      .createTable('instalment_plan_document')
      .addColumn('document_id', 'integer', (c) => c.primaryKey().references('document.id'))
      .addColumn('plan_id', 'integer', (c) => c.notNull().references('instalment_plan.id'))
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('instalment_plan_document_plan').on('instalment_plan_document').column('plan_id').execute();
    // Each instalment carries its own pagoPA notice number (NAV) and IUV, from the ente's notice counter.
    await withId(db.schema.createTable('instalment'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('plan_id', 'integer', (c) => c.notNull().references('instalment_plan.id'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('nav', 'text', (c) => c.notNull())
      .addColumn('iuv', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('da_pagare', 'pagata')`))
      .addColumn('paid_at', 'text')
      // Its debt position on the platform (GPD), sent after commit with back-off, as payment_notice's.
      .addColumn('position_state', 'text', (c) => c.notNull().defaultTo('to_publish').check(sql`position_state in ('to_publish', 'published', 'to_invalidate', 'invalidated')`))
      .addColumn('position_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('position_next_at', 'text')
      .addColumn('position_error', 'text')
      .addColumn('published_at', 'text')
      .addUniqueConstraint('instalment_position', ['plan_id', 'position'])
      .addUniqueConstraint('instalment_nav', ['ente_id', 'nav'])
      .execute();
    await db.schema.createIndex('instalment_position_outbox').on('instalment').columns(['position_state', 'position_next_at']).execute();
  },
};
