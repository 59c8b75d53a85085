import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * Attachments the office uploads (issue 13, decision 0019):
 * - `visible_to_parent`: whether the parents' Scheda anagrafica lists the document and lets them download it.
 *   Rows that exist already were all shown to the parents, so they stay visible (default 1);
 * - `sha256` and `size_bytes` of the content, for integrity checks and the office's list; filled in here for
 *   the rows that exist;
 * - an index on `person_id`, for the attachments of a holder.
 */
export const attachmentMetadata: AppMigration = {
  name: '0018_attachment_metadata',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('attachment').addColumn('visible_to_parent', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('attachment').addColumn('sha256', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('attachment').addColumn('size_bytes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('attachment_person').on('attachment').column('person_id').execute();

    // The existing rows' digests, a few at a time (contents may be megabytes each).
    const typed = db as unknown as Kysely<{ attachment: { id: number; content: Uint8Array; sha256: string; size_bytes: number } }>;
    let after = 0;
    for (;;) {
      const rows = await typed
        .selectFrom('attachment')
        .select(['id', 'content'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(sql.lit(50))
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const content = Buffer.from(row.content);
        await typed
          .updateTable('attachment')
          .set({ sha256: createHash('sha256').update(content).digest('hex'), size_bytes: content.length })
          .where('id', '=', row.id)
          .execute();
      }
      after = rows[rows.length - 1]!.id;
    }
  },
};
