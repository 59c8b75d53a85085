import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Reminders (solleciti, issue 15 point 2, decision 0027): the ente's ladder as versions (a row per save,
 * never an update), each step of a document recorded once (unique document and step), the daily run's
 * claim (one row per ente and day, as the freeze and the charging claim theirs), and the suspensions of a
 * family (a social-services case) during which no step is taken.
 */
export const reminders: AppMigration = {
  name: '0028_reminders',
  async up(db: Kysely<unknown>, dialect) {
    await withId(db.schema.createTable('reminder_ladder'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      // The version it replaces (0 for the ente's first): two saves made from the same version collide here.
      .addColumn('replaces_id', 'integer', (c) => c.notNull())
      // Documents falling due from this day on follow this version.
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('first_days', 'integer', (c) => c.notNull())
      .addColumn('second_days', 'integer')
      .addColumn('formal_days', 'integer', (c) => c.notNull())
      .addColumn('formal_term_days', 'integer', (c) => c.notNull())
      .addColumn('collection_days', 'integer', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('reminder_ladder_one_successor', ['ente_id', 'replaces_id'])
      .addCheckConstraint(
        'reminder_ladder_order',
        sql`first_days >= 1 and (second_days is null or second_days > first_days) and formal_days > coalesce(second_days, first_days)
          and formal_term_days >= 1 and collection_days > formal_days + formal_term_days and collection_days <= 3650`,
      )
      .execute();

    await withId(db.schema.createTable('reminder'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('document_id', 'integer', (c) => c.notNull().references('document.id'))
      .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('primo', 'secondo', 'formale', 'coattiva')`))
      // The run (ente and Rome day) that took the step.
      .addColumn('run_date', 'text', (c) => c.notNull())
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull())
      .addColumn('service_id', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('due_date', 'text', (c) => c.notNull())
      // The formal notice's new due date; null for the other steps.
      .addColumn('new_due_date', 'text')
      // The ladder version followed; null: the default ladder.
      .addColumn('ladder_id', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Each step once per document, whatever runs it and however often.
      .addUniqueConstraint('reminder_once_per_step', ['document_id', 'step'])
      .execute();
    await db.schema.createIndex('reminder_run_list').on('reminder').columns(['ente_id', 'run_date', 'id']).execute();
    await db.schema.createIndex('reminder_holder').on('reminder').columns(['ente_id', 'holder_person_id', 'run_date', 'id']).execute();
    await db.schema.createIndex('reminder_step').on('reminder').columns(['ente_id', 'step', 'id']).execute();

    await db.schema
      .createTable('reminder_run')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('reminders', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claimed_at', 'text')
      .addColumn('completed_at', 'text')
      .addPrimaryKeyConstraint('reminder_run_pk', ['ente_id', 'date'])
      .execute();

    await withId(db.schema.createTable('family_suspension'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('starts_on', 'text', (c) => c.notNull())
      // The last day suspended, as decided; ended_on (set when the office ends it early) wins when earlier.
      .addColumn('until_date', 'text', (c) => c.notNull())
      .addColumn('ended_on', 'text')
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addCheckConstraint('family_suspension_dates', sql`until_date >= starts_on`)
      .execute();
    await db.schema.createIndex('family_suspension_person').on('family_suspension').columns(['ente_id', 'person_id', 'id']).execute();

    // The run's candidates: an ente's unpaid documents by due date, one range of the index (not 1.2 million rows).
    await db.schema
      .createIndex('document_unpaid_due')
      .on('document')
      .columns(['ente_id', 'due_date'])
      .where(sql.ref('state'), '=', 'da_pagare')
      .execute();
  },
};
