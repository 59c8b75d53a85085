import { createServer } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index';
import { createDatabase, type Database } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDemo } from '../../src/demo/seed';
import { buildDemoHistory } from '../../src/demo/history';
import { fixedClock, systemClock } from '../../src/domain/clock';
import { buildApp } from '../../src/web/app';
import { CookieJar } from './cookie-jar';
import { createThrowawayDatabase, type Engine } from './databases';
import { type ContractCheck, installContractCheck } from './openapi-contract';

export const ADA = 'LVLDAA85T50G702B';
export const MARIO = 'RSSMRA80A01H501U';
export const MARCO = 'PLOMRC01P30L736Y';
export const GIULIA = 'BNCGLI80A41F205F';
export const LUCA = 'VRDLCU75C12L219L';

/** The seven services of the seed, in the seed's order. */
export const SERVICE_TITLES = [
  'Scheda anagrafica',
  'Documenti contabili',
  'Refezione scolastica',
  'Pagamento dei servizi scolastici',
  'Conto corrente virtuale',
  'Ricariche con pagoPA',
  'Comunicazioni assenze',
];

export const LEVEL = {
  L1: 'https://www.spid.gov.it/SpidL1',
  L2: 'https://www.spid.gov.it/SpidL2',
  L3: 'https://www.spid.gov.it/SpidL3',
} as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  baseUrl: string;
  /** What our pagoPA clients sent to the sandbox and what it answered, held to the official OpenAPI documents. */
  contracts: ContractCheck;
  close(): Promise<void>;
}

/**
 * The real app on a real database with the demo data, listening on a free port: the OIDC client reaches
 * the built-in identity provider over HTTP, as in production it reaches the gateway.
 */
export async function startTestApp(
  engine: Engine,
  env: Record<string, string> = {},
  logStream?: NodeJS.WritableStream,
  options: { history?: boolean } = {},
): Promise<TestApp> {
  const throwaway = await createThrowawayDatabase(engine);
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: throwaway.url,
    LOG_LEVEL: 'silent',
    // Suites log the same test users in dozens of times; the limit itself is tested with its own value.
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '1000',
    ...env,
  });
  const database = createDatabase(config.databaseUrl);
  await migrateToLatest(database);
  await seedDemo(database.db);
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  // The demo's past (frozen days, charges, documents), made by the jobs as `npm run demo` makes it.
  if (options.history) await buildDemoHistory(database.db, clock);
  const app = await buildApp({ config, database, clock, logStream });
  const contracts = installContractCheck(app);
  await app.listen({ host: config.host, port: config.port });
  return {
    app,
    database,
    config,
    baseUrl: config.publicUrl,
    contracts,
    async close() {
      await app.close();
      await database.destroy();
      await throwaway.drop();
      // Every suite on the real app fails if anything exchanged with the sandbox broke the platform's contract.
      const violations = contracts.take();
      if (violations.length > 0) throw new Error(`pagoPA contract violations:\n${violations.join('\n')}`);
    },
  };
}

/** A browser-like client over `inject`: keeps cookies, follows nothing by itself. */
export class Browser {
  readonly jar = new CookieJar();
  constructor(private readonly app: FastifyInstance) {}

  async request(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const path = options.url.replace(/^https?:\/\/[^/]+/, '');
    const cookie = this.jar.headerFor(path);
    const response = await this.app.inject({
      ...options,
      url: path,
      headers: { ...(options.headers ?? {}), ...(cookie ? { cookie } : {}) },
    });
    this.jar.store(response.headers['set-cookie'] as string | string[] | undefined);
    return response;
  }

  get(url: string) {
    return this.request({ method: 'GET', url });
  }

  post(url: string, form: Record<string, string>) {
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects like a browser (303/302 become GET). */
  async follow(response: LightMyRequestResponse, limit = 10): Promise<LightMyRequestResponse> {
    let current = response;
    for (let i = 0; i < limit && current.statusCode >= 300 && current.statusCode < 400; i++) {
      current = await this.get(String(current.headers.location));
    }
    return current;
  }

  /** The whole SPID-like log-in through the test IdP; returns the page the user lands on. */
  async login(fiscalCode: string, options: { level?: string; returnTo?: string } = {}) {
    const start = await this.get(`/auth/login?torna=${encodeURIComponent(options.returnTo ?? '/demo/')}`);
    const interaction = await this.follow(start);
    const uid = /\/test-idp\/interaction\/([\w-]+)\/login/.exec(interaction.body)?.[1];
    if (!uid) throw new Error(`no test IdP login page: ${interaction.statusCode} ${interaction.body.slice(0, 200)}`);
    const submitted = await this.post(`/test-idp/interaction/${uid}/login`, {
      fiscalCode,
      level: options.level ?? LEVEL.L2,
    });
    return this.follow(submitted);
  }

  /** Logs in anyone with a valid fiscal code (a person or operator a test built), through the test IdP's "another person" form. */
  async loginAs(person: { fiscalCode: string; givenName: string; familyName: string }, options: { returnTo?: string } = {}) {
    const start = await this.get(`/auth/login?torna=${encodeURIComponent(options.returnTo ?? '/demo/')}`);
    const interaction = await this.follow(start);
    const uid = /\/test-idp\/interaction\/([\w-]+)\/login-as/.exec(interaction.body)?.[1];
    if (!uid) throw new Error(`no test IdP login page: ${interaction.statusCode} ${interaction.body.slice(0, 200)}`);
    const submitted = await this.post(`/test-idp/interaction/${uid}/login-as`, {
      fiscalCode: person.fiscalCode,
      givenName: person.givenName,
      familyName: person.familyName,
      level: LEVEL.L2,
    });
    return this.follow(submitted);
  }

  /** The CSRF token the pages embed in their forms. */
  csrfFrom(html: string): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error('no CSRF token on the page');
    return token;
  }
}
