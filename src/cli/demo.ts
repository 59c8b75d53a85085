import { loadConfig } from '../config/index';
import { migrateToLatest } from '../db/migrate';
import { resetDatabase } from '../db/reset';
import { seedDemo } from '../demo/seed';
import { buildDemoHistory } from '../demo/history';
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
  // The history up to today, made by the jobs themselves: frozen days, charges, monthly documents.
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const history = await buildDemoHistory(database.db, clock);
  await database.destroy();
  console.error(`Demo history: ${history.frozen} days frozen, ${history.charged} days charged, ${history.documents} documents issued.`);
  console.error(`Demo data loaded into ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'PostgreSQL'}.`);
  await startServer();
}

main().catch(exitOnFailure);
