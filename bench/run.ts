/**
 * Benchmark of the walking skeleton (issue 2): start-up time, /health and the Scheda anagrafica of a
 * logged-in holder at 50 concurrent connections, resident memory after the run; with one serving process
 * and with one per core (WEB_CONCURRENCY).
 *
 *   npm run bench                                   # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench   # also PostgreSQL
 *
 * Needs wrk (apt-get install -y wrk): a load generator in C takes far less CPU from the server than one in
 * JavaScript. The server is built and configured as `npm start` runs it in production (logging at info to
 * /dev/null); wrk still shares the machine, so the figures are a floor, not a ceiling.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import { seedDemo } from '../src/demo/seed';
import { buildDemoHistory } from '../src/demo/history';
import { systemClock } from '../src/domain/clock';
import { createThrowawayDatabase } from '../test/helpers/databases';
import {
  adaAndTommaso,
  BASE,
  CONNECTIONS,
  CORES,
  DURATION_S,
  load,
  WARM_UP_S,
  requireWrk,
  residentMemoryMb,
  startServer,
  stopServer,
  waitForHealth,
} from './harness';
import { writeSection } from './results';

async function benchmark(engine: string, databaseUrl: string, workers: number) {
  const database = await resetDatabase(databaseUrl);
  await migrateToLatest(database);
  await seedDemo(database.db);
  // The history is made first, as `npm run demo` does, so the jobs' catch-up does not run during the load.
  await buildDemoHistory(database.db, systemClock);
  const { cookie, tommaso } = await adaAndTommaso(database);
  const schedaPath = `/demo/scheda-anagrafica?utente=${tommaso}`;
  await database.destroy();

  const spawnedAt = Date.now();
  const server = startServer(databaseUrl, workers);
  try {
    await waitForHealth(Date.now() + 20_000);
    const startupMs = Date.now() - spawnedAt;
    const health = load('/health');
    const scheda = load(schedaPath, { cookie });
    const check = await fetch(BASE + schedaPath, { headers: { cookie } });
    if (!(await check.text()).includes('Dati dell’alunno')) throw new Error('the benchmark did not see the Scheda page');
    // What an operator sees once the load is over: resident memory after two idle seconds.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const memory = residentMemoryMb(server.pid!);
    return { engine, workers, startupMs, health, scheda, memory };
  } finally {
    await stopServer(server);
  }
}

function verdict(ok: boolean) {
  return ok ? 'met' : '**NOT met**';
}

function report(results: Awaited<ReturnType<typeof benchmark>>[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const setup = (r: (typeof results)[number]) => `${r.engine}, ${r.workers} process${r.workers > 1 ? 'es' : ''}`;
  const lines = [
    '## Issue 2 — Scheda anagrafica of a logged-in holder (demo data)',
    '',
    'By `npm run bench` (bench/run.ts). The server runs as its own process(es), built and configured as in',
    'production (`npm start`, NODE_ENV=production, logging at info), with one serving process',
    '(WEB_CONCURRENCY=1, the default) and with one per core; the load generator (wrk) runs on the same',
    'machine and takes CPU from it.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${CORES} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}`,
    `- Load: wrk, ${CONNECTIONS} concurrent connections, ${DURATION_S} s per endpoint after a ${WARM_UP_S} s warm-up`,
    '',
    'Targets: Scheda ≥ 3,000 requests/s with p99 < 50 ms, and ≥ ¼ of /health in the same run;',
    'start-up < 2 s; resident memory < 200 MB after the run (read 2 s after the load stops).',
    '',
    '| setup | endpoint | requests/s | p50 ms | p99 ms | errors | non-2xx |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    for (const [name, l] of [['/health', r.health], ['Scheda anagrafica', r.scheda]] as const) {
      lines.push(`| ${setup(r)} | ${name} | ${l.requestsPerSecond} | ${l.p50} | ${l.p99} | ${l.errors} | ${l.non2xx} |`);
    }
  }
  lines.push(
    '',
    '| setup | start-up (spawn → healthy) | RSS after run, all processes (largest) | Scheda ≥ 3,000/s | p99 < 50 ms | ≥ ¼ of /health |',
    '| --- | ---: | ---: | --- | --- | --- |',
  );
  for (const r of results) {
    lines.push(
      `| ${setup(r)} | ${r.startupMs} ms (${verdict(r.startupMs < 2000)}) | ` +
        `${r.memory.total} MB (${r.memory.largest} MB) (${verdict(r.memory.total < 200)}) | ` +
        `${verdict(r.scheda.requestsPerSecond >= 3000)} | ${verdict(r.scheda.p99 < 50)} | ` +
        `${verdict(r.scheda.requestsPerSecond * 4 >= r.health.requestsPerSecond)} |`,
    );
  }
  lines.push(
    '',
    'What was measured and changed to get here (statement cache, queries compiled once, batched audit',
    'writes, security headers built once, a production build, one process per core):',
    'docs/decisions/0005-page-view-speed.md. Figures vary by ±15 % between runs on this shared machine.',
    '',
  );
  return lines.join('\n');
}

async function main() {
  requireWrk();
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const setups = [...new Set([1, CORES])];
  const results = [];
  for (const workers of setups) {
    const sqlite = await createThrowawayDatabase('sqlite');
    try {
      results.push(await benchmark('SQLite', sqlite.url, workers));
    } finally {
      await sqlite.drop();
    }
  }
  if (process.env.BENCH_DATABASE_URL) {
    for (const workers of setups) {
      const throwaway = await createThrowawayDatabase('postgres', process.env.BENCH_DATABASE_URL);
      try {
        results.push(await benchmark('PostgreSQL', throwaway.url, workers));
      } finally {
        await throwaway.drop();
      }
    }
  } else {
    console.error('PostgreSQL skipped: set BENCH_DATABASE_URL to include it.');
  }
  const markdown = report(results);
  writeSection('issue-2-scheda', markdown);
  process.stdout.write(`${markdown}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
