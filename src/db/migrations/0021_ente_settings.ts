import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * The office's settings page (issue 14, decision 0020):
 * - the ente and its schools carry a version, so a save made from an older form is refused with the
 *   values saved meanwhile (decision 0016) instead of silently overwriting them;
 * - the ente's accessibility statement: its conformance state, the day it was drawn up, the e-mail for
 *   feedback and the contents that are not accessible. All empty until the office fills them in; the
 *   statement page then shows the general text;
 * - an ente's tax code is unique: pagoPA's receipts find their ente by it, and the settings page now lets
 *   the office change it, so the database (not a look-up before the save) keeps two enti from sharing one.
 */
export const enteSettings: AppMigration = {
  name: '0021_ente_settings',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('ente').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('school').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('ente').addColumn('accessibility_state', 'text').execute();
    await db.schema.alterTable('ente').addColumn('accessibility_statement_date', 'text').execute();
    await db.schema.alterTable('ente').addColumn('accessibility_feedback_email', 'text').execute();
    await db.schema.alterTable('ente').addColumn('accessibility_non_accessible', 'text').execute();
    await db.schema.createIndex('ente_tax_code').on('ente').column('tax_code').unique().execute();
  },
};
