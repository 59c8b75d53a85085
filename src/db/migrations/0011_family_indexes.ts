import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * Every parent page reads one family's rows through an index that starts with the family's key
 * (issue 18, decision 0013). Measured on a Rome-sized database, these pages read the whole ente instead:
 * - the Scheda prices a family's enrolments with its tariff context, which finds the holder's enrolments
 *   (and their exemptions) by `holder_person_id`: no index led with it, so every enrolment of the ente
 *   was read on every view;
 * - the Ricariche page lists the holder's top-ups still waiting for payment: without an index by holder
 *   and state, SQLite walked every top-up ever made, newest first;
 * - the Refezione page reads the closures of the pupil's schools (and the ente-wide ones, school null) in
 *   a period, instead of every school's closures of the period.
 */
export const familyIndexes: AppMigration = {
  name: '0011_family_indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('enrolment_holder').on('enrolment').column('holder_person_id').execute();
    await db.schema.createIndex('topup_holder_state').on('topup').columns(['holder_person_id', 'state', 'id']).execute();
    await db.schema.createIndex('closure_school_date').on('closure').columns(['ente_id', 'school_id', 'date']).execute();
    // Replaced: its one reader besides the page, the daily freeze, reads one day's closures of every school,
    // a few thousand index entries of the ente at most.
    await db.schema.dropIndex('closure_ente_date').execute();
  },
};
