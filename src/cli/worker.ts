import pino from 'pino';
import { loadConfig } from '../config/index';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { fixedClock, systemClock } from '../domain/clock';
import { createServices } from '../domain/services';
import { startJobs } from '../jobs/scheduler';
import { exitOnFailure } from './exit';

/**
 * `npm run worker`: the scheduled jobs (freeze, charge, bill, notices, debt positions, receipts) in a
 * process of their own, so that their work never shares an event loop with page views. Run one beside
 * serving processes started with SCHEDULED_JOBS=false; two would be safe too (every step is done once),
 * only wasteful. SIGTERM or SIGINT lets the step in progress finish, then exits 0.
 */
async function main() {
  const config = loadConfig();
  const log = pino({ level: config.logLevel, base: { process: 'worker' } });
  const database = createDatabase(config.databaseUrl, { poolSize: 2 });
  await migrateToLatest(database);
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const services = createServices(database.db, clock, (error) => log.error({ err: error }, 'audit trail write failed'), config);
  const stopJobs = startJobs(services, log, { keepsProcessAlive: true });
  log.info({ database: database.dialect }, 'scheduled jobs running');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping after the step in progress');
    await stopJobs();
    await services.audit.flush();
    services.messages.close();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch(exitOnFailure);
