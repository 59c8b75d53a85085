import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * The back office's shape (issue 13, decision 0016):
 * - every office change stores its before and after values in the audit event written in the change's
 *   own transaction; the activity log reads an ente's events by time, and by operator;
 * - records two operators may edit at once carry a version: a save names the version it was made from,
 *   and a save from an older version is refused (nothing is silently overwritten);
 * - the ente carries a data version, raised in the transaction of every office change that a cache may
 *   hold (the ente's own settings, menus, tariffs): every process reads it with the ente on each request,
 *   so no cache can show a page older than an office edit.
 */
export const backofficeShape: AppMigration = {
  name: '0014_backoffice_shape',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('audit_event').addColumn('before_json', 'text').execute();
    await db.schema.alterTable('audit_event').addColumn('after_json', 'text').execute();
    await db.schema.createIndex('audit_event_ente_time').on('audit_event').columns(['ente_id', 'created_at']).execute();
    await db.schema.createIndex('audit_event_actor_time').on('audit_event').columns(['ente_id', 'actor_fiscal_code', 'created_at']).execute();
    for (const table of ['person', 'pupil', 'enrolment', 'badge', 'operator']) {
      await db.schema.alterTable(table).addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    }
    await db.schema.alterTable('ente').addColumn('data_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  },
};
