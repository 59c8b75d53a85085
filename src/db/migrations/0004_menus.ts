import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/** Menus: dishes with their allergens, seasonal plans per school level with an N-week rotation, diet variants. */
export const menus: AppMigration = {
  name: '0004_menus',
  async up(db: Kysely<unknown>, dialect) {
    await withId(db.schema.createTable('dish'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      // Codes of the 14 allergens of Reg. (UE) 1169/2011, comma-separated ('' when none).
      .addColumn('allergens', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('menu_plan'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('school_level', 'text', (c) => c.notNull())
      .addColumn('starts_on', 'text', (c) => c.notNull())
      .addColumn('ends_on', 'text', (c) => c.notNull())
      .addColumn('rotation_weeks', 'integer', (c) => c.notNull().check(sql`rotation_weeks between 1 and 8`))
      // The Monday of the rotation's first week.
      .addColumn('rotation_start', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('menu_plan_ente').on('menu_plan').columns(['ente_id', 'school_level']).execute();

    // diet_code '' is the ordinary menu; a diet's row replaces the ordinary dish of that course.
    await db.schema
      .createTable('menu_item')
      .addColumn('plan_id', 'integer', (c) => c.notNull().references('menu_plan.id'))
      .addColumn('diet_code', 'text', (c) => c.notNull())
      .addColumn('week', 'integer', (c) => c.notNull())
      .addColumn('weekday', 'integer', (c) => c.notNull())
      .addColumn('course', 'text', (c) => c.notNull())
      .addColumn('dish_id', 'integer', (c) => c.notNull().references('dish.id'))
      .addPrimaryKeyConstraint('menu_item_pk', ['plan_id', 'diet_code', 'week', 'weekday', 'course'])
      .execute();
  },
};
