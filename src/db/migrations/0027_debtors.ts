import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The debtors list (issue 15 point 1, decision 0026) sums every open document of the ente per holder. Open
 * documents are few beside the paid ones (a year of a city is over a million documents, most of them
 * paid): a partial index holds only the open ones, with every column the sum reads, so neither engine
 * touches the table nor a paid document. The intestatario of each pupil is read from an index that carries
 * the person too.
 */
export const debtors: AppMigration = {
  name: '0027_debtors',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('document_open')
      .on('document')
      .columns(['ente_id', 'pupil_id', 'due_date', 'total_cents', 'service_id'])
      .where(sql.ref('kind'), '=', sql.lit('documento'))
      .where(sql.ref('state'), '=', sql.lit('da_pagare'))
      .execute();
    await db.schema
      .createIndex('pupil_holder_intestatario_person')
      .on('pupil_holder')
      .columns(['pupil_id', 'person_id'])
      .where(sql.ref('relation'), '=', sql.lit('intestatario'))
      .execute();
  },
};
