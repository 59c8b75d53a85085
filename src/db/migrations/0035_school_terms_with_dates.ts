import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The school's attendance list on PostgreSQL (issue 14, decision 0033 amended): the terms at a school with
 * the day each starts, read from the index alone, tell which of the school's enrolments change after the
 * day listed; only those need their term in force looked up. The enrolment row carries its latest term's
 * values (decision 0018), which the list now relies on: rows written before every path kept it so get
 * their latest term's school here.
 */
export const schoolTermsWithDates: AppMigration = {
  name: '0035_school_terms_with_dates',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('enrolment_term_school').execute();
    await db.schema.createIndex('enrolment_term_school').on('enrolment_term').columns(['school_id', 'enrolment_id', 'valid_from']).execute();
    await sql`
      update enrolment set school_id = (select t.school_id from enrolment_term t where t.enrolment_id = enrolment.id order by t.valid_from desc limit 1)
      where school_id <> (select t.school_id from enrolment_term t where t.enrolment_id = enrolment.id order by t.valid_from desc limit 1)`.execute(db);
  },
};
