import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * The school's attendance list and the office's corrections of a frozen day (issue 14). A correction is a
 * row of its own — what the day was, what it is now, why, who, and the charge or storno it wrote — while
 * the attendance row carries the day as it stands (what the charging reads).
 */
export const attendanceCorrections: AppMigration = {
  name: '0026_attendance_corrections',
  async up(db: Kysely<unknown>, dialect) {
    await withId(db.schema.createTable('attendance_correction'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      // The school and diet the day was booked at: the kitchen's changes are counted by them.
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('diet_code', 'text')
      .addColumn('status_before', 'text', (c) => c.notNull().check(sql`status_before in ('present', 'absent', 'light_meal')`))
      .addColumn('status_after', 'text', (c) => c.notNull().check(sql`status_after in ('present', 'absent', 'light_meal')`))
      .addColumn('reason', 'text', (c) => c.notNull())
      // The charge (a meal added) or storno (a meal credited) the correction wrote: each written by one
      // correction only; null when the day was not charged yet (the charging reads the corrected row).
      .addColumn('charge_id', 'integer', (c) => c.unique().references('charge.id'))
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      // The form's one-time key: a resent form finds the correction it made.
      .addColumn('submission_key', 'text', (c) => c.notNull())
      .addUniqueConstraint('attendance_correction_submission', ['ente_id', 'author', 'submission_key'])
      .addCheckConstraint('attendance_correction_changes', sql`status_before <> status_after`)
      .execute();
    await db.schema.createIndex('attendance_correction_day').on('attendance_correction').columns(['ente_id', 'date', 'school_id']).execute();
    // A school's frozen day in one range (the list of a school of 1,500 pupils, not the ente's 150,000).
    await db.schema.createIndex('attendance_school_date').on('attendance').columns(['school_id', 'date']).execute();
  },
};
