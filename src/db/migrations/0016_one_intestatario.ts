import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The adults of a pupil (issue 13): exactly one intestatario per pupil — the payer, to whom documents are
 * addressed. The office's service keeps "at least one" (a pupil is created with one, and the intestatario
 * is changed, never simply removed); this index keeps "at most one" even when two operators change the
 * intestatario of one pupil at the same moment.
 */
export const oneIntestatario: AppMigration = {
  name: '0016_one_intestatario',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('pupil_holder_one_intestatario')
      .on('pupil_holder')
      .column('pupil_id')
      .unique()
      .where(sql.ref('relation'), '=', sql.lit('intestatario'))
      .execute();
  },
};
