import { Migrator } from 'kysely';
import type { Database } from '../../src/db/database';
import { migrations } from '../../src/db/migrations/index';

/** A migrator over the app's migrations for one database: a migration test stops it on the eve of its migration. */
export function migratorFor(database: Database): Migrator {
  const provider = {
    async getMigrations() {
      return Object.fromEntries(migrations.map((m) => [m.name, { up: (db: never) => m.up(db, database.dialect) }]));
    },
  };
  return new Migrator({ db: database.db, provider });
}

/** The migration just before `name`: the schema a migration test writes its old rows into. */
export function migrationBefore(name: string): string {
  return migrations[migrations.findIndex((m) => m.name === name) - 1]!.name;
}
