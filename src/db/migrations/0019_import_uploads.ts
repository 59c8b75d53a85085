import { type Kysely } from 'kysely';
import type { AppMigration } from './types';
import { binaryType } from './types';

/**
 * The file an operator uploaded to /{ente}/ufficio/importa, kept between its dry run and the "Importa"
 * that applies it (issue 13): in the database, so that any serving process can take the confirmation.
 * Named by a random id and the file's SHA-256; removed once imported, and after a day in any case.
 */
export const importUploads: AppMigration = {
  name: '0019_import_uploads',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .createTable('import_upload')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('operator_fiscal_code', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('content', binaryType(dialect), (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('import_upload_ente_time').on('import_upload').columns(['ente_id', 'created_at']).execute();
  },
};
