import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/** Closures, parents' absence notices (with their receipts) and the attendance states they set. */
export const absences: AppMigration = {
  name: '0002_absences',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .alterTable('ente')
      .addColumn('light_meal_max_days', 'integer', (c) => c.notNull().defaultTo(3))
      .execute();

    // A closure of the whole ente (school_id null) or of one school: holidays, strikes, elections.
    await withId(db.schema.createTable('closure'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('school_id', 'integer', (c) => c.references('school.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('closure_ente_date').on('closure').columns(['ente_id', 'date']).execute();

    // One submission of the form: the receipt a parent gets, with its protocol number.
    await withId(db.schema.createTable('absence_notice'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('absent', 'light_meal', 'cancel')`))
      .addColumn('requested_from', 'text', (c) => c.notNull())
      .addColumn('requested_to', 'text', (c) => c.notNull())
      .addColumn('submitted_by', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'text', (c) => c.notNull())
      // The form's one-time key: a double click or a resent form finds the receipt it already has.
      .addColumn('submission_key', 'text', (c) => c.notNull())
      .addUniqueConstraint('absence_notice_submission', ['ente_id', 'submission_key'])
      .execute();
    await db.schema.createIndex('absence_notice_pupil').on('absence_notice').columns(['pupil_id', 'submitted_at']).execute();

    // What a notice did to each day it asked for.
    await db.schema
      .createTable('absence_notice_day')
      .addColumn('notice_id', 'integer', (c) => c.notNull().references('absence_notice.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('absence_notice_day_pk', ['notice_id', 'date'])
      .execute();

    // A day's state set before the freeze, when it is not the default "present". One per pupil and day:
    // two devices or two clicks cannot both set it.
    await db.schema
      .createTable('attendance_change')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('absent', 'light_meal')`))
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('parent', 'school', 'office')`))
      .addColumn('notice_id', 'integer', (c) => c.references('absence_notice.id'))
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('attendance_change_pk', ['pupil_id', 'date'])
      .execute();
  },
};
