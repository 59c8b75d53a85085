import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * A form's one-time key identifies a submission of one sender, not of the whole ente: with the key unique
 * per ente, a key sent first by another holder (a copied or guessed form) made a parent's own
 * submission return the other's receipt and record nothing. The key is now unique per ente and sender.
 */
export const absenceKeyPerSender: AppMigration = {
  name: '0010_absence_key_per_sender',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect === 'postgres') {
      await db.schema.alterTable('absence_notice').dropConstraint('absence_notice_submission').execute();
      await db.schema
        .alterTable('absence_notice')
        .addUniqueConstraint('absence_notice_submission', ['ente_id', 'submitted_by', 'submission_key'])
        .execute();
      return;
    }
    // SQLite cannot drop a table constraint: the table is rebuilt, as its documentation prescribes
    // (foreign keys off meanwhile, checked before the commit; SQLite runs migrations outside a
    // transaction, so the pragma may change here).
    await sql`PRAGMA foreign_keys = OFF`.execute(db);
    try {
      await sql`BEGIN IMMEDIATE`.execute(db);
      await sql`
        CREATE TABLE absence_notice_rebuilt (
          id integer PRIMARY KEY AUTOINCREMENT,
          ente_id integer NOT NULL REFERENCES ente (id),
          pupil_id integer NOT NULL REFERENCES pupil (id),
          kind text NOT NULL CHECK (kind in ('absent', 'light_meal', 'cancel')),
          requested_from text NOT NULL,
          requested_to text NOT NULL,
          submitted_by text NOT NULL,
          submitted_at text NOT NULL,
          submission_key text NOT NULL,
          CONSTRAINT absence_notice_submission UNIQUE (ente_id, submitted_by, submission_key)
        )`.execute(db);
      await sql`
        INSERT INTO absence_notice_rebuilt (id, ente_id, pupil_id, kind, requested_from, requested_to, submitted_by, submitted_at, submission_key)
        SELECT id, ente_id, pupil_id, kind, requested_from, requested_to, submitted_by, submitted_at, submission_key FROM absence_notice`.execute(db);
      await sql`DROP TABLE absence_notice`.execute(db);
      await sql`ALTER TABLE absence_notice_rebuilt RENAME TO absence_notice`.execute(db);
      await sql`CREATE INDEX absence_notice_pupil ON absence_notice (pupil_id, submitted_at)`.execute(db);
      const broken = await sql`PRAGMA foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error('foreign keys broken by the rebuild of absence_notice');
      await sql`COMMIT`.execute(db);
    } catch (error) {
      await sql`ROLLBACK`.execute(db).catch(() => undefined);
      throw error;
    } finally {
      await sql`PRAGMA foreign_keys = ON`.execute(db);
    }
  },
};
