import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * Two office reads ordered by id that PostgreSQL could serve from the primary key, filtering every row of
 * the table on the way (the query-shape test's office pages showed both): a subject's history (the last
 * 100 events of an enrolment, a badge, a person) and a school's corrections of a day. With the id as the
 * index's last column, the index that selects the rows also gives their order, on both engines.
 */
export const officeReadIndexes: AppMigration = {
  name: '0033_office_read_indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('audit_event_subject').execute();
    await db.schema.createIndex('audit_event_subject').on('audit_event').columns(['subject_type', 'subject_id', 'id']).execute();
    await db.schema.dropIndex('attendance_correction_day').execute();
    await db.schema.createIndex('attendance_correction_day').on('attendance_correction').columns(['ente_id', 'date', 'school_id', 'id']).execute();
  },
};
