/** What the benchmark scripts share: the production configuration, the server process, wrk. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadConfig } from '../src/config/index';
import type { Database } from '../src/db/database';
import { systemClock } from '../src/domain/clock';
import { insertSession } from '../src/web/plugins/session';
import { createThrowawayDatabase } from '../test/helpers/databases';

export const CONNECTIONS = 50;
export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
/** A server in production has been running for hours: the first seconds (JIT, caches, heap growth) are not measured. */
export const WARM_UP_S = 5;
/** BENCH_PORT when another benchmark on the machine holds the default. */
export const PORT = Number(process.env.BENCH_PORT ?? 3900);
export const BASE = `http://127.0.0.1:${PORT}`;
export const CORES = cpus().length;
export const BENCH_BROKER_ID = '01234567890';
export const BENCH_STATION_ID = '01234567890_01';
export const BENCH_RECEIPT_KEY = 'bench-receipt-key-bench-receipt-key';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * The production configuration: no test identity provider in memory, Secure __Host- cookie. The gateway
 * is never contacted (discovery happens at the first log-in), so its address needs no server.
 */
export function productionEnv(databaseUrl: string, workers: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://scuola.esempio.example',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret',
    OIDC_ISSUER: 'https://gateway.esempio.example/oidc',
    OIDC_CLIENT_SECRET: 'bench',
    WEB_CONCURRENCY: String(workers),
    // The pages are measured, not the daily jobs: a busy installation runs those in `npm run worker`
    // (README), and bench:rome-jobs measures them. On a dataset a year old, the first tick of a serving
    // process's scheduler would run the city's reminders and queue their messages in the middle of it.
    SCHEDULED_JOBS: 'false',
    // pagoPA is never contacted by the pages measured; its receipt push is, with these identities.
    PAGOPA_CHECKOUT_URL: 'https://api.pagopa.example/checkout',
    PAGOPA_CHECKOUT_KEY: 'bench',
    PAGOPA_GPD_URL: 'https://api.pagopa.example/gpd',
    PAGOPA_GPD_KEY: 'bench',
    PAGOPA_RECEIPTS_URL: 'https://api.pagopa.example/receipts',
    PAGOPA_RECEIPTS_KEY: 'bench',
    PAGOPA_FDR_URL: 'https://api.pagopa.example/fdr-org/service/v1',
    PAGOPA_FDR_KEY: 'bench',
    PAGOPA_BROKER_ID: BENCH_BROKER_ID,
    PAGOPA_STATION_ID: BENCH_STATION_ID,
    // The load generator pushes from this host; the key is the optional extra check.
    PAGOPA_PUSH_NETWORKS: '127.0.0.0/8,::1/128',
    PAGOPA_RECEIPT_KEY: BENCH_RECEIPT_KEY,
  };
}

export async function waitForHealth(deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('server did not become healthy in time');
}

function milliseconds(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!match) throw new Error(`unexpected wrk latency: ${value}`);
  const n = Number(match[1]);
  return Math.round((match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n) * 10) / 10;
}

/**
 * wrk with one thread per core, as its documentation advises. The p99 it reports for a server at full
 * load is not stable on this machine: the same build gave anything from 57 to 699 ms in consecutive runs,
 * with one wrk thread or two alike (bench/RESULTS.md, issue 2's notes).
 */
export function wrk(path: string, seconds: number, headers: Record<string, string>, script?: string): LoadResult {
  const args = [`-t${CORES}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (script) args.push('-s', script);
  const out = execFileSync('wrk', [...args, BASE + path], { encoding: 'utf8' });
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1])),
    p50: milliseconds(/ 50%\s+(\S+)/.exec(out)![1]!),
    p99: milliseconds(/ 99%\s+(\S+)/.exec(out)![1]!),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

export function load(path: string, headers: Record<string, string> = {}, script?: string): LoadResult {
  wrk(path, WARM_UP_S, headers, script); // warm-up: JIT and caches in the state of a running server
  return wrk(path, DURATION_S, headers, script);
}

/** Resident memory of the server: the process and, with several workers, its children. */
export function residentMemoryMb(pid: number): { total: number; largest: number } {
  const children = (() => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  const sizes = [pid, ...children].map((p) => {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  });
  return { total: sizes.reduce((a, b) => a + b, 0), largest: Math.max(...sizes) };
}

/** The Node.js flags of `npm start` (package.json), so that the server measured is the one that runs. */
export function startFlags(): string[] {
  return startScript().filter((word) => word.startsWith('--'));
}

/** The environment `npm start` sets before `node` (MALLOC_ARENA_MAX, decision 0032), for the same reason. */
export function startEnv(): Record<string, string> {
  const words = startScript();
  return Object.fromEntries(words.slice(0, words.indexOf('node')).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]));
}

function startScript(): string[] {
  return (JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string).split(/\s+/);
}

/** BENCH_SERVER_NODE_ARGS passes more flags to the server's Node.js, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
export function startServer(databaseUrl: string, workers: number): ChildProcess {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...startFlags(), ...nodeArgs, 'dist/start.js'], {
    env: { ...process.env, ...startEnv(), ...productionEnv(databaseUrl, workers) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function requireWrk(): void {
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
  } catch {
    throw new Error('the benchmark needs wrk: apt-get install -y wrk');
  }
}

export async function stopServer(server: ChildProcess): Promise<void> {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}

/**
 * Ada's logged-in session (cookie for the production configuration) and her pupil Tommaso, from the demo
 * data. The session is stored the way a log-in stores it; the log-in itself goes through the identity
 * gateway and is covered by the tests, not measured here.
 */
export async function adaAndTommaso(database: Database): Promise<{ cookie: string; tommaso: number }> {
  const config = loadConfig(productionEnv('sqlite::memory:', 1));
  const { token } = await insertSession(database.db, systemClock, config.session, {
    user: { fiscalCode: 'LVLDAA85T50G702B', givenName: 'Ada', familyName: 'Lovelace', acr: 'https://www.spid.gov.it/SpidL2', idToken: 'bench' },
  });
  const pupil = await database.db
    .selectFrom('pupil')
    .innerJoin('person', 'person.id', 'pupil.person_id')
    .select('pupil.id')
    .where('person.given_name', '=', 'Tommaso')
    .where('person.family_name', '=', 'Lovelace')
    .executeTakeFirstOrThrow();
  return { cookie: `${config.session.cookieName}=${token}`, tommaso: pupil.id };
}

/** Runs a benchmark on a throw-away SQLite database, then on PostgreSQL when BENCH_DATABASE_URL is set. */
export async function onEngines<T>(run: (engine: string, url: string) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const sqlite = await createThrowawayDatabase('sqlite');
  try {
    results.push(await run('SQLite', sqlite.url));
  } finally {
    await sqlite.drop();
  }
  if (process.env.BENCH_DATABASE_URL) {
    const pg = await createThrowawayDatabase('postgres', process.env.BENCH_DATABASE_URL);
    try {
      results.push(await run('PostgreSQL', pg.url));
    } finally {
      await pg.drop();
    }
  }
  return results;
}
