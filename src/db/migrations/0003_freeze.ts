import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/** The daily freeze: each day's final attendance, and the meal counts the kitchen cooks from. */
export const freeze: AppMigration = {
  name: '0003_freeze',
  async up(db: Kysely<unknown>) {
    // One row per ente and frozen day; inserting it is the lock that makes the freeze run once.
    await db.schema
      .createTable('day_freeze')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('frozen_at', 'text', (c) => c.notNull())
      .addColumn('meals', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('day_freeze_pk', ['ente_id', 'date'])
      .execute();

    await db.schema
      .createTable('attendance')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('enrolment_id', 'integer', (c) => c.notNull().references('enrolment.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('diet_code', 'text')
      .addColumn('frozen_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('attendance_pk', ['pupil_id', 'date'])
      .execute();
    await db.schema.createIndex('attendance_ente_date').on('attendance').columns(['ente_id', 'date']).execute();

    // Counts per school and diet code ('' for the ordinary menu): what the kitchen sees, never names.
    await db.schema
      .createTable('meal_count')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('diet_code', 'text', (c) => c.notNull())
      .addColumn('meals', 'integer', (c) => c.notNull())
      .addColumn('light_meals', 'integer', (c) => c.notNull())
      .addColumn('absences', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('meal_count_pk', ['ente_id', 'date', 'school_id', 'diet_code'])
      .execute();
  },
};
