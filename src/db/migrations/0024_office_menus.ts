import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * The office's menus (issue 14, decision 0023):
 * - `dish.ingredients` (free text, '' when not given) and a `version` for edits two operators may collide on;
 * - `menu_plan.published_at`: a draft (null) is not shown to parents. Plans that exist already were shown,
 *   so they are published as of the migration. A `version` too. The parents' query reads published plans
 *   through the partial index `menu_plan_published`;
 * - `menu_special`: the menu of one day (a feast, a trip's packed lunch) that replaces the plan's on that
 *   date, for the whole ente (`school_level` '') or one school level; its dishes in `menu_special_item`,
 *   with diet variants as in `menu_item` (`diet_code` '' is the ordinary dish).
 */
export const officeMenus: AppMigration = {
  name: '0024_office_menus',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema.alterTable('dish').addColumn('ingredients', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('dish').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    // The office's list of dishes, by name in keyset pages.
    await db.schema.createIndex('dish_ente_name').on('dish').columns(['ente_id', 'name', 'id']).execute();

    await db.schema.alterTable('menu_plan').addColumn('published_at', 'text').execute();
    await db.schema.alterTable('menu_plan').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await sql`update menu_plan set published_at = ${new Date().toISOString()}`.execute(db);
    await db.schema
      .createIndex('menu_plan_published')
      .on('menu_plan')
      .columns(['ente_id', 'school_level', 'starts_on'])
      .where(sql.ref('published_at'), 'is not', null)
      .execute();

    await withId(db.schema.createTable('menu_special'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      // '' for every school level of the ente; otherwise one level, which wins over the ente's.
      .addColumn('school_level', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.createIndex('menu_special_day').on('menu_special').columns(['ente_id', 'date', 'school_level']).unique().execute();

    await db.schema
      .createTable('menu_special_item')
      .addColumn('special_id', 'integer', (c) => c.notNull().references('menu_special.id').onDelete('cascade'))
      .addColumn('diet_code', 'text', (c) => c.notNull())
      .addColumn('course', 'text', (c) => c.notNull())
      .addColumn('dish_id', 'integer', (c) => c.notNull().references('dish.id'))
      .addPrimaryKeyConstraint('menu_special_item_pk', ['special_id', 'diet_code', 'course'])
      .execute();
  },
};
