import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Database } from './database';
import { migrations } from './migrations/index';
import { shipPlannerStatistics } from './planner-statistics';

/** Brings the schema up to date and ships SQLite's planner statistics; Kysely's migrator takes a lock, so several instances may call it at once. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const entries: Record<string, Migration> = {};
      for (const migration of migrations) {
        entries[migration.name] = { up: (db) => migration.up(db, database.dialect) };
      }
      return entries;
    },
  };
  const migrator = new Migrator({ db: database.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // SQLite plans the page queries by statistics written at every start, not by what ANALYZE last saw.
  await shipPlannerStatistics(database);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
