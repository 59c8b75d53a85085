import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The freeze and the charging of a day run in batches, each its own short transaction, so that a Rome
 * day never holds SQLite's one writer (or a serving process's event loop) for seconds. A day's row is
 * claimed first and completed last: `claimed_at` says since when a run has been working on it (a run
 * that died is taken over once that is old), `completed_at` that every batch is in. Every day frozen
 * or charged before this migration was done in one transaction, so it is complete.
 */
export const resumableJobs: AppMigration = {
  name: '0013_resumable_jobs',
  async up(db: Kysely<unknown>) {
    for (const [table, doneAt] of [['day_freeze', 'frozen_at'], ['day_charge', 'charged_at']] as const) {
      await db.schema.alterTable(table).addColumn('claimed_at', 'text').execute();
      await db.schema.alterTable(table).addColumn('completed_at', 'text').execute();
      await sql`update ${sql.table(table)} set claimed_at = ${sql.ref(doneAt)}, completed_at = ${sql.ref(doneAt)}`.execute(db);
    }
    // A freeze batch books a few schools' pupils: found through their school, not by reading every enrolment of the ente each time.
    await db.schema.createIndex('enrolment_school').on('enrolment').columns(['school_id']).execute();
  },
};
