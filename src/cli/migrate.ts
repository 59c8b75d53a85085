import { loadConfig } from '../config/index';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { exitOnFailure } from './exit';

/** `npm run migrate`: applies pending migrations and exits non-zero on any failure. */
async function main() {
  const config = loadConfig();
  const database = createDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(database);
    console.error(applied.length ? `applied: ${applied.join(', ')}` : 'database already up to date');
  } finally {
    await database.destroy();
  }
}

main().catch(exitOnFailure);
