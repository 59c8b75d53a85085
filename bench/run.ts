/**
 * Benchmark of the walking skeleton (issue 2): start-up time, /health and the Scheda anagrafica of a
 * logged-in holder at 50 concurrent connections, resident memory after the run.
 *
 *   npm run bench                                   # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench   # also PostgreSQL
 *
 * The server runs as its own process, built as `npm start` runs it (logging at info to /dev/null); the load generator
 * (autocannon) shares the same machine, so the figures are a floor, not a ceiling.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import { seedDemo } from '../src/demo/seed';
import { loadConfig } from '../src/config/index';
import type { Database } from '../src/db/database';
import { systemClock } from '../src/domain/clock';
import { insertSession } from '../src/web/plugins/session';
import { createThrowawayDatabase } from '../test/helpers/databases';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const PORT = 3900;
const BASE = `http://127.0.0.1:${PORT}`;

interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function waitForHealth(deadlineMs: number): Promise<void> {
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

/**
 * The production configuration: no test identity provider in memory, Secure __Host- cookie. The gateway
 * is never contacted (discovery happens at the first log-in), so its address needs no server.
 */
function productionEnv(databaseUrl: string): Record<string, string> {
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
  };
}

function startServer(databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['dist/start.js'], {
    env: { ...process.env, ...productionEnv(databaseUrl) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Ada's logged-in session, stored the way a log-in stores it (the log-in itself goes through the identity
 * gateway and is covered by the tests, not measured here).
 */
async function sessionOfAda(database: Database): Promise<{ cookie: string; schedaPath: string }> {
  const config = loadConfig(productionEnv('sqlite::memory:'));
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
  return { cookie: `${config.session.cookieName}=${token}`, schedaPath: `/demo/scheda-anagrafica?utente=${pupil.id}` };
}

async function load(path: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  // A short warm-up, so that JIT and caches are in the state a running server has.
  await autocannon({ url: BASE + path, connections: CONNECTIONS, duration: 2, headers });
  const result = await autocannon({ url: BASE + path, connections: CONNECTIONS, duration: DURATION_S, headers });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function residentMemoryMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function benchmark(engine: string, databaseUrl: string) {
  const database = await resetDatabase(databaseUrl);
  await migrateToLatest(database);
  await seedDemo(database.db);
  const { cookie, schedaPath } = await sessionOfAda(database);
  await database.destroy();

  const spawnedAt = Date.now();
  const server = startServer(databaseUrl);
  try {
    await waitForHealth(Date.now() + 20_000);
    const startupMs = Date.now() - spawnedAt;
    const health = await load('/health');
    const scheda = await load(schedaPath, { cookie });
    const check = await fetch(BASE + schedaPath, { headers: { cookie } });
    if (!(await check.text()).includes('Dati dell’alunno')) throw new Error('the benchmark did not see the Scheda page');
    // What an operator sees once the load is over: resident memory after two idle seconds.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssMb = residentMemoryMb(server.pid!);
    return { engine, startupMs, health, scheda, rssMb };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

function verdict(ok: boolean) {
  return ok ? 'met' : '**NOT met**';
}

function report(results: Awaited<ReturnType<typeof benchmark>>[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); do not edit by hand. The server runs as its own process,',
    'built and configured as in production (`npm start`, NODE_ENV=production, logging at info); the load',
    'generator (autocannon) runs on the same 2-core machine and takes CPU from it.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}`,
    `- Load: ${CONNECTIONS} concurrent connections, ${DURATION_S} s per endpoint after a 2 s warm-up`,
    '',
    '## Issue 2 — Scheda anagrafica of a logged-in holder (demo data)',
    '',
    'Targets: Scheda ≥ 3,000 requests/s with p99 < 50 ms, and ≥ ¼ of /health in the same run;',
    'start-up < 2 s; resident memory < 200 MB after the run (read 2 s after the load stops).',
    '',
    '| engine | endpoint | requests/s | p50 ms | p99 ms | errors | non-2xx |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    for (const [name, l] of [['/health', r.health], ['Scheda anagrafica', r.scheda]] as const) {
      lines.push(`| ${r.engine} | ${name} | ${l.requestsPerSecond} | ${l.p50} | ${l.p99} | ${l.errors} | ${l.non2xx} |`);
    }
  }
  lines.push('', '| engine | start-up (spawn → healthy) | RSS after run | Scheda ≥ 3,000/s | p99 < 50 ms | ≥ ¼ of /health |', '| --- | ---: | ---: | --- | --- | --- |');
  for (const r of results) {
    lines.push(
      `| ${r.engine} | ${r.startupMs} ms (${verdict(r.startupMs < 2000)}) | ${r.rssMb} MB (${verdict(r.rssMb < 200)}) | ` +
        `${verdict(r.scheda.requestsPerSecond >= 3000)} | ${verdict(r.scheda.p99 < 50)} | ` +
        `${verdict(r.scheda.requestsPerSecond * 4 >= r.health.requestsPerSecond)} |`,
    );
  }
  lines.push(
    '',
    'What was measured and changed to get here (statement cache, queries compiled once, batched audit',
    'writes, a production build): docs/decisions/0005-hot-path-database-work.md. Figures vary by ±15 %',
    'between runs on this shared machine.',
    '',
  );
  return lines.join('\n');
}

async function main() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const results = [];
  const sqlite = await createThrowawayDatabase('sqlite');
  try {
    results.push(await benchmark('SQLite', sqlite.url));
  } finally {
    await sqlite.drop();
  }
  if (process.env.BENCH_DATABASE_URL) {
    const throwaway = await createThrowawayDatabase('postgres', process.env.BENCH_DATABASE_URL);
    try {
      results.push(await benchmark('PostgreSQL', throwaway.url));
    } finally {
      await throwaway.drop();
    }
  } else {
    console.error('PostgreSQL skipped: set BENCH_DATABASE_URL to include it.');
  }
  const markdown = report(results);
  writeFileSync(new URL('./RESULTS.md', import.meta.url), markdown);
  process.stdout.write(`${markdown}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
