import { loadConfig } from '../config/index';
import { migrateToLatest } from '../db/migrate';
import { resetDatabase } from '../db/reset';
import { seedDemo } from '../demo/seed';
import { createFreezeService } from '../domain/canteen/freeze';
import { fixedClock, systemClock } from '../domain/clock';
import { startServer } from '../server';
import { exitOnFailure } from './exit';

/** `npm run demo`: resets the database to the deterministic demo data, then starts the server. */
async function main() {
  const config = loadConfig();
  if (config.production) throw new Error('npm run demo resets the database: refused with NODE_ENV=production.');
  const database = await resetDatabase(config.databaseUrl);
  await migrateToLatest(database);
  await seedDemo(database.db);
  // The canteen history up to today: every day since the school year began is frozen, as the job would have.
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const frozen = await createFreezeService(database.db, clock).freezeDueDays();
  await database.destroy();
  console.error(`Demo canteen history: ${frozen.length} days frozen.`);
  console.error(`Demo data loaded into ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'PostgreSQL'}.`);
  await startServer();
}

main().catch(exitOnFailure);
