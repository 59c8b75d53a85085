/**
 * The built-in test identity provider in a process of its own, for bench/logins.ts: our app, built with
 * the environment's configuration, of which only /test-idp is used. PUBLIC_URL is the app under test (its
 * redirect URIs are the provider's client's), OIDC_ISSUER this process's own address.
 */
import { loadConfig } from '../src/config/index';
import { createDatabase } from '../src/db/database';
import { systemClock } from '../src/domain/clock';
import { buildApp } from '../src/web/app';

const config = loadConfig();
const database = createDatabase(config.databaseUrl, { poolSize: 2 });
const app = await buildApp({ config, database, clock: systemClock });
await app.listen({ host: config.host, port: config.port });
process.on('SIGTERM', () => {
  void app.close().then(() => database.destroy()).then(() => process.exit(0));
});
