/**
 * Benchmark of one new day's jobs at Rome scale (issue 18): the freeze and the charging of the next
 * service day after a Rome dataset's history (`npm run bench:data -- --scale rome`), each timed, and the
 * event loop's longest stall while they run in this process — as they run in a serving process's
 * scheduler — measured with perf_hooks: the batches (decision 0015) must leave pages answered in between.
 *
 *   npm run bench:rome-jobs -- --db sqlite:/tmp/ssol-bench/rome.db --day 2026-12-02
 *   npm run bench:rome-jobs -- --db postgres://postgres@127.0.0.1:5432/ssol_bench_rome --day 2026-12-02
 *
 * The database is changed (the day is frozen and charged): run it on a copy (`cp` the SQLite file,
 * `createdb -T` on PostgreSQL). BENCH_ONLY=1 prints without touching bench/RESULTS.md.
 */
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database';
import type { Ente } from '../src/db/schema';
import { cutoffInstant } from '../src/domain/calendar/cutoff';
import { createFreezeService } from '../src/domain/canteen/freeze';
import { fixedClock } from '../src/domain/clock';
import { createChargingService } from '../src/domain/ledger/charging';
import { writeSection } from './results';

const { values } = parseArgs({ options: { db: { type: 'string' }, day: { type: 'string' } } });
if (!values.db || !values.day) throw new Error('usage: npm run bench:rome-jobs -- --db URL --day YYYY-MM-DD');
const day = values.day;

// The dataset as bench:data built it (migrated, with its planner statistics), not migrated again here.
const database = createDatabase(values.db);
const db = database.db;
const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
const count = async (table: 'attendance' | 'charge' | 'movement') =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
const before = { attendance: await count('attendance'), charge: await count('charge'), movement: await count('movement') };
// Past the day's cut-off, as the scheduler's tick that freezes it.
const clock = fixedClock(new Date(cutoffInstant(day, ente.cutoff_time).getTime() + 60_000));

async function timed(run: () => Promise<string>) {
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  const started = performance.now();
  const outcome = await run();
  const seconds = (performance.now() - started) / 1000;
  stalls.disable();
  return { outcome, seconds, maxStallMs: stalls.max / 1e6, p99StallMs: stalls.percentile(99) / 1e6 };
}

const freeze = await timed(() => createFreezeService(db, clock).freezeDay(ente, day));
const charge = await timed(() => createChargingService(db, clock).chargeDay(ente, day));
const after = { attendance: await count('attendance'), charge: await count('charge'), movement: await count('movement') };
await database.destroy();

const engine = values.db.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL';
const row = (name: string, r: typeof freeze, rows: string) =>
  `| ${engine} | ${name} | ${r.outcome} | ${r.seconds.toFixed(2)} s | ${r.maxStallMs.toFixed(0)} ms | ${r.p99StallMs.toFixed(0)} ms | ${rows} |`;
const lines = [
  row('freeze', freeze, `${(after.attendance - before.attendance).toLocaleString('en')} attendance rows (table: ${after.attendance.toLocaleString('en')})`),
  row('charge', charge, `${(after.charge - before.charge).toLocaleString('en')} charges, ${(after.movement - before.movement).toLocaleString('en')} debits (tables: ${after.charge.toLocaleString('en')}, ${after.movement.toLocaleString('en')})`),
];
const markdown = [
  `## One Rome day's jobs (issue 18) — \`npm run bench:rome-jobs\`, ${engine}`,
  '',
  `${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores (${cpus()[0]?.model}), Node.js ${process.version}; load average before the run ${loadavg()[0]!.toFixed(1)}. ` +
    `The day ${day} after the dataset's history, frozen then charged in this process as a serving process's scheduler would; the event loop's stalls meanwhile (a page waits at most that long).`,
  '',
  '| engine | job | outcome | time | longest stall | p99 stall | rows written |',
  '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ...lines,
].join('\n');
process.stdout.write(`${markdown}\n`);
if (!process.env.BENCH_ONLY) writeSection(`rome-jobs-${engine.toLowerCase()}`, markdown);
