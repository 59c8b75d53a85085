import cluster from 'node:cluster';
import { ConfigError, type Config, loadConfig } from './config/index';
import { createDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';
import { fixedClock, systemClock } from './domain/clock';

const SESSION_PURGE_INTERVAL_MS = 10 * 60_000;
/** A worker that dies this soon after its start is failing to start: restarting it would only loop. */
const WORKER_MIN_LIFETIME_MS = 5_000;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Boots the service. With WEB_CONCURRENCY=1 (the default) this process serves; with more, it migrates
 * the database once and runs that many worker processes sharing the port (Node's cluster), one per core.
 */
export async function startServer(): Promise<void> {
  const config = configOrExit();
  if (cluster.isPrimary && config.webConcurrency > 1) return startWorkers(config);
  return serve(config, { migrate: cluster.isPrimary });
}

async function startWorkers(config: Config): Promise<void> {
  const database = createDatabase(config.databaseUrl, { poolSize: 1 });
  await migrateToLatest(database);
  await database.destroy();

  let stopping = false;
  const startedAt = new Map<number, number>();
  const fork = () => startedAt.set(cluster.fork().id, Date.now());
  // One worker at a time: started together they share the cores while loading, and the service answers
  // later than with one (bench/RESULTS.md, start-up). Each worker that starts listening brings the next.
  fork();
  cluster.on('listening', () => {
    if (!stopping && startedAt.size < config.webConcurrency) fork();
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (startedAt.size === 0) process.exit(0);
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}) after ${lived} ms`);
    if (lived < WORKER_MIN_LIFETIME_MS) {
      console.error('a worker failed right after starting: stopping the service');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM');
      process.exitCode = 1;
      if (startedAt.size === 0) process.exit(1);
      return;
    }
    fork();
  });

  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * One serving process: database, app, listening socket, scheduled jobs, session purge, graceful shutdown.
 * The app's code is loaded here, not at the top: with several workers the primary only migrates and
 * supervises, and stays small (bench/RESULTS.md measures the memory of all processes).
 */
async function serve(config: Config, { migrate }: { migrate: boolean }): Promise<void> {
  const startedAt = performance.now();
  const [{ buildApp }, { startJobs }, { purgeExpiredSessions }] = await Promise.all([
    import('./web/app'),
    import('./jobs/scheduler'),
    import('./web/plugins/session'),
  ]);
  const database = createDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  if (migrate) await migrateToLatest(database);
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const app = await buildApp({ config, database, clock });
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { startupMs: Math.round(performance.now() - startedAt), database: database.dialect, testIdp: config.oidc.testIdp },
    `Servizi Scolastici Online ready at ${config.publicUrl}`,
  );

  // A busy installation runs the jobs in one separate worker process (npm run worker) instead.
  const stopJobs = config.scheduledJobs ? startJobs(app.services, app.log) : async () => {};
  const purge = setInterval(() => {
    purgeExpiredSessions(database.db, clock, config.session.idleMs).catch((error) =>
      app.log.error({ err: error }, 'session purge failed'),
    );
  }, SESSION_PURGE_INTERVAL_MS);
  purge.unref();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(purge);
    await stopJobs();
    await app.close();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
