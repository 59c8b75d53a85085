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
 *
 * With the office's work of issue 14 present (`--office`): before the freeze, 40 of the city's schools are
 * closed that day (a trip, a strike) through closure periods, the schools have marked 1 % of the pupils
 * absent without notice, and 1,500 corrections of earlier frozen days are on record — the freeze must
 * still take under 10 s.
 */
import { existsSync, statSync } from 'node:fs';
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

const { values } = parseArgs({ options: { db: { type: 'string' }, day: { type: 'string' }, office: { type: 'boolean', default: false } } });
if (!values.db || !values.day) throw new Error('usage: npm run bench:rome-jobs -- --db URL --day YYYY-MM-DD');
const day = values.day;

// The dataset as bench:data built it (migrated, with its planner statistics), not migrated again here.
const database = createDatabase(values.db);
const db = database.db;
// BENCH_SQLITE_PRAGMAS="cache_size=-65536;mmap_size=0" tries other settings of the connection (an experiment).
for (const pragma of (process.env.BENCH_SQLITE_PRAGMAS ?? '').split(';').filter(Boolean)) await sql.raw(`pragma ${pragma}`).execute(db);
const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
const count = async (table: 'attendance' | 'charge' | 'movement') =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
const before = { attendance: await count('attendance'), charge: await count('charge'), movement: await count('movement') };
const office = values.office ? await addOfficeWork() : undefined;
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

/** Closures of 40 schools on the day, school marks for 1 % of the pupils, 1,500 corrections of earlier days. */
async function addOfficeWork() {
  const now = new Date().toISOString();
  const schools = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id', 'desc').limit(40).execute();
  for (const school of schools) {
    const period = await db
      .insertInto('closure_period')
      .values({ ente_id: ente.id, school_id: school.id, starts_on: day, ends_on: day, reason: 'Uscita didattica', author: 'BENCH', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('closure').values({ ente_id: ente.id, school_id: school.id, date: day, reason: 'Uscita didattica', period_id: period.id }).execute();
  }
  const pupils = await db.selectFrom('enrolment').select('pupil_id').where('ente_id', '=', ente.id).where('state', '=', 'attiva').orderBy('pupil_id').execute();
  const marked = pupils.filter((_, i) => i % 100 === 7).map((p) => ({ ente_id: ente.id, pupil_id: p.pupil_id, date: day, status: 'absent' as const, source: 'school' as const, notice_id: null, set_at: now }));
  for (let i = 0; i < marked.length; i += 500) await db.insertInto('attendance_change').values(marked.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).execute();
  const earlier = await db
    .selectFrom('attendance')
    .select(['pupil_id', 'date', 'school_id', 'diet_code'])
    .where('ente_id', '=', ente.id)
    .where('date', '<', day)
    .where('status', '=', 'present')
    .orderBy('date', 'desc')
    .orderBy('pupil_id')
    .limit(1_500)
    .execute();
  const corrections = earlier.map((a, i) => ({
    ente_id: ente.id, pupil_id: a.pupil_id, date: a.date, school_id: a.school_id, diet_code: a.diet_code, status_before: 'present' as const, status_after: 'absent' as const,
    reason: 'Uscito da scuola per malattia', charge_id: null, author: 'BENCH', created_at: now, submission_key: `bench-${day}-${i}`,
  }));
  for (let i = 0; i < corrections.length; i += 300) await db.insertInto('attendance_correction').values(corrections.slice(i, i + 300)).execute();
  return { closedSchools: schools.length, marks: marked.length, corrections: corrections.length };
}

const freeze = await timed(() => createFreezeService(db, clock).freezeDay(ente, day));
const charge = await timed(() => createChargingService(db, clock).chargeDay(ente, day));
// What the jobs left in SQLite's write-ahead log, copied into the database file now: a job that defers its
// checkpoints (an experiment with BENCH_SQLITE_PRAGMAS="wal_autocheckpoint=…") is timed with this too.
let checkpoint: { seconds: number; walMb: number } | undefined;
if (values.db.startsWith('sqlite:')) {
  const wal = `${values.db.slice('sqlite:'.length)}-wal`;
  const walMb = existsSync(wal) ? statSync(wal).size / 1e6 : 0;
  const started = performance.now();
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  checkpoint = { seconds: (performance.now() - started) / 1000, walMb };
}
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
  `## One Rome day's jobs (issue ${office ? '14' : '18'}) — \`npm run bench:rome-jobs${office ? ' -- --office' : ''}\`, ${engine}`,
  '',
  `${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores (${cpus()[0]?.model}), Node.js ${process.version}; load average before the run ${loadavg()[0]!.toFixed(1)}. ` +
    `The day ${day} after the dataset's history, frozen then charged in this process as a serving process's scheduler would; the event loop's stalls meanwhile (a page waits at most that long).` +
    (office ? ` With the office's work of issue 14 present: ${office.closedSchools} schools closed that day, ${office.marks.toLocaleString('en')} pupils marked absent by their school, ${office.corrections.toLocaleString('en')} corrections of earlier days on record.` : ''),
  '',
  '| engine | job | outcome | time | longest stall | p99 stall | rows written |',
  '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ...lines,
  ...(checkpoint ? ['', `Then the checkpoint of what was left in the write-ahead log (${checkpoint.walMb.toFixed(0)} MB): ${checkpoint.seconds.toFixed(2)} s.`] : []),
].join('\n');
process.stdout.write(`${markdown}\n`);
if (!process.env.BENCH_ONLY) writeSection(`rome-jobs-${engine.toLowerCase()}${office ? '-office' : ''}`, markdown);
