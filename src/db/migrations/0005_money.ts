import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Money (issue 4): tariff rules, the charge of every booked meal, the append-only ledger of badges, and
 * the monthly accounting documents with their gap-free numbering.
 */
export const money: AppMigration = {
  name: '0005_money',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .alterTable('ente')
      .addColumn('charge_light_meals', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema
      .alterTable('ente')
      .addColumn('due_months_after_period', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();

    // A tariff change from a date is a new row of the same band with a later valid_from (null: from the
    // start of the school year); the enrolment keeps pointing at its band.
    await db.schema.alterTable('tariff').addColumn('valid_from', 'text').execute();
    await db.schema.createIndex('tariff_band').on('tariff').columns(['service_id', 'school_year_id', 'band_code']).execute();

    // Reduction for the 2nd, 3rd… child of one holder in the service; the highest rank covers the rest.
    await db.schema
      .createTable('sibling_reduction')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('school_year_id', 'integer', (c) => c.notNull().references('school_year.id'))
      .addColumn('child_rank', 'integer', (c) => c.notNull().check(sql`child_rank >= 2`))
      .addColumn('percent_bp', 'integer', (c) => c.notNull().check(sql`percent_bp between 1 and 10000`))
      .addPrimaryKeyConstraint('sibling_reduction_pk', ['service_id', 'school_year_id', 'child_rank'])
      .execute();

    // Exemption granted to one enrolment (social services): total (10000 bp) or partial, with a reason.
    await withId(db.schema.createTable('tariff_exemption'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('enrolment_id', 'integer', (c) => c.notNull().references('enrolment.id'))
      .addColumn('percent_bp', 'integer', (c) => c.notNull().check(sql`percent_bp between 1 and 10000`))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tariff_exemption_enrolment').on('tariff_exemption').column('enrolment_id').execute();

    // One row per ente and charged day; inserting it is the lock that makes charging run once.
    await db.schema
      .createTable('day_charge')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('charged_at', 'text', (c) => c.notNull())
      .addColumn('charges', 'integer', (c) => c.notNull())
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('day_charge_pk', ['ente_id', 'date'])
      .execute();

    // What a day of service (or a month of a monthly fee) costs one enrolment, and its reversals.
    // Amounts of a reversal are the original's with the sign changed, so the same check holds.
    await withId(db.schema.createTable('charge'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('enrolment_id', 'integer', (c) => c.notNull().references('enrolment.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('meal', 'light_meal', 'fee', 'storno')`))
      .addColumn('tariff_id', 'integer', (c) => c.notNull().references('tariff.id'))
      .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
      .addColumn('sibling_bp', 'integer', (c) => c.notNull())
      .addColumn('sibling_cents', 'integer', (c) => c.notNull())
      .addColumn('exemption_bp', 'integer', (c) => c.notNull())
      .addColumn('exemption_cents', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('reverses_charge_id', 'integer', (c) => c.unique().references('charge.id'))
      .addColumn('reason', 'text')
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('charge_amount_adds_up', sql`amount_cents = unit_price_cents - sibling_cents - exemption_cents`)
      .addCheckConstraint('charge_storno_has_reason', sql`(kind = 'storno') = (reverses_charge_id is not null and reason is not null)`)
      .execute();
    // The rule "each booked meal is charged exactly once", held by the database.
    await db.schema
      .createIndex('charge_once_per_day')
      .on('charge')
      .columns(['enrolment_id', 'date'])
      .unique()
      .where(sql.ref('kind'), '<>', 'storno')
      .execute();
    await db.schema.createIndex('charge_ente_date').on('charge').columns(['ente_id', 'date']).execute();
    await db.schema.createIndex('charge_pupil_date').on('charge').columns(['pupil_id', 'date']).execute();

    // The virtual account of a badge: append-only; the balance is the sum of the amounts.
    await withId(db.schema.createTable('movement'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('badge_id', 'integer', (c) => c.notNull().references('badge.id'))
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('meal', 'light_meal', 'topup', 'storno', 'adjustment')`))
      .addColumn('value_date', 'text', (c) => c.notNull())
      .addColumn('charge_id', 'integer', (c) => c.unique().references('charge.id'))
      .addColumn('reverses_movement_id', 'integer', (c) => c.unique().references('movement.id'))
      .addColumn('note', 'text')
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('movement_badge_date').on('movement').columns(['badge_id', 'value_date', 'id']).execute();

    // A pupil has one badge in use per service: its meals go to exactly one account.
    await db.schema
      .createIndex('badge_one_active')
      .on('badge')
      .columns(['pupil_id', 'service_id'])
      .unique()
      .where(sql.ref('active'), '=', 1)
      .execute();

    // A month whose billing completed for an ente; the job then skips it.
    await db.schema
      .createTable('billing_run')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text', (c) => c.notNull())
      .addColumn('documents', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('billing_run_pk', ['ente_id', 'period'])
      .execute();

    // Sequential numbers per ente and year: the row lock serialises numbering across instances.
    await db.schema
      .createTable('document_counter')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('last_number', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_counter_pk', ['ente_id', 'year'])
      .execute();

    await withId(db.schema.createTable('document'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('documento', 'nota_credito')`))
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('enrolment_id', 'integer', (c) => c.notNull().references('enrolment.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('issue_date', 'text', (c) => c.notNull())
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('da_pagare', 'pagato', 'annullato', 'emessa')`))
      .addColumn('cancels_document_id', 'integer', (c) => c.unique().references('document.id'))
      .addColumn('reason', 'text')
      .addColumn('paid_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('document_number', ['ente_id', 'year', 'number'])
      .addCheckConstraint('document_number_positive', sql`number > 0`)
      .addCheckConstraint('document_credit_note', sql`(kind = 'nota_credito') = (cancels_document_id is not null)`)
      .execute();
    // One document per enrolment and month, whatever runs the billing and however often.
    await db.schema
      .createIndex('document_once_per_month')
      .on('document')
      .columns(['enrolment_id', 'period'])
      .unique()
      .where(sql.ref('kind'), '=', 'documento')
      .execute();
    await db.schema.createIndex('document_pupil').on('document').columns(['pupil_id', 'issue_date']).execute();

    await db.schema
      .createTable('document_line')
      .addColumn('document_id', 'integer', (c) => c.notNull().references('document.id'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_line_pk', ['document_id', 'position'])
      .addCheckConstraint('document_line_amount', sql`amount_cents = quantity * unit_price_cents`)
      .execute();

    // The ledger and the lines of issued documents are never rewritten, whatever code runs.
    for (const table of ['movement', 'document_line']) {
      if (dialect === 'postgres') {
        await sql
          .raw(
            `create function refuse_change_${table}() returns trigger language plpgsql as $$
             begin raise exception '${table} is append-only'; end $$;
             create trigger ${table}_append_only before update or delete on ${table}
             for each row execute function refuse_change_${table}();`,
          )
          .execute(db);
      } else {
        for (const operation of ['update', 'delete']) {
          await sql
            .raw(
              `create trigger ${table}_no_${operation} before ${operation} on ${table}
               begin select raise(abort, '${table} is append-only'); end`,
            )
            .execute(db);
        }
      }
    }
  },
};
