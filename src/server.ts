import { ConfigError, type Config, loadConfig } from './config/index';
import { createDatabase, type Database } from './db/database';
import { migrateToLatest } from './db/migrate';
import { fixedClock, systemClock } from './domain/clock';
import { purgeExpiredSessions } from './web/plugins/session';
import { buildApp } from './web/app';

const SESSION_PURGE_INTERVAL_MS = 10 * 60_000;

/** Boots the whole service: config, database (migrated), app, listening socket, graceful shutdown. */
export async function startServer(options: { prepare?: (database: Database, config: Config) => Promise<void> } = {}) {
  const startedAt = performance.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const database = createDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  await migrateToLatest(database);
  await options.prepare?.(database, config);
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const app = await buildApp({ config, database, clock });
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { startupMs: Math.round(performance.now() - startedAt), database: database.dialect, testIdp: config.oidc.testIdp },
    `Servizi Scolastici Online ready at ${config.publicUrl}`,
  );

  const purge = setInterval(() => {
    purgeExpiredSessions(database.db, clock, config.session.idleMs).catch((error) => app.log.error({ err: error }, 'session purge failed'));
  }, SESSION_PURGE_INTERVAL_MS);
  purge.unref();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(purge);
    await app.close();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return { app, database, config };
}
