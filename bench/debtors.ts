/**
 * The debtors list at Rome's size (issue 15 point 1): 120,000 holders of 150,000 pupils, a school year of
 * monthly documents (1.2 million: September to April), in one ente. Timed: the list's first page in the
 * default order (overdue amount, largest first), and in the order of names; a filtered first page; and
 * the full export (every row of the list, as CSV and as XLSX, with the files made).
 *
 *   npm run bench:debtors                       # both engines (PostgreSQL on BENCH_DATABASE_URL, default a
 *                                               # database `debtors_bench` on the local server)
 *   npm run bench:debtors -- --engine sqlite    # one engine; --rebuild makes the data again
 *
 * The data, written with bulk inserts over the demo's seed (ente, services, tariffs), only what the list
 * reads: persons (holders and children), pupils at 400 schools, each pupil's intestatario, one enrolment
 * per pupil (the postpaid canteen; every fifth pupil's on transport instead), and its documents. Today is
 * 10 May 2027: April's documents (due 31 May) are open and not yet due for everybody; one holder in five
 * is in arrears, with one to seven of the months before unpaid; one pupil in fifty has a document of the
 * year before still unpaid (over a year late); every other document is paid. That is about 150,000 open
 * documents not yet due and 100,000 overdue among 1.2 million, for about 24,000 debtors.
 *
 * Each timing is the median of 7 runs after one run to warm the caches (the first, cold run is printed
 * too). SQLite: the statistics the application ships (no ANALYZE, as the application runs none);
 * PostgreSQL: VACUUM ANALYZE after the load, as autovacuum would have done long before.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { bulkInsert } from '../src/db/bulk';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import { seedDemo } from '../src/demo/seed';
import { createAuditTrail } from '../src/domain/audit/audit';
import { fixedClock } from '../src/domain/clock';
import { createDebtorService, DEFAULT_ORDER, type DebtorFilters, type DebtorOrder } from '../src/domain/debtors/debtors';
import { issueOperatorContext } from '../src/domain/operators/context';
import { debtorsCsv, debtorsXlsx } from '../src/web/backoffice/morosi/views';
import { it as messages } from '../src/web/i18n/it';
import { ensurePostgresDatabase, percentile } from './in-process';
import { writeSection } from './results';

const SIZE = { schools: 400, pupils: 150_000, holders: 120_000 };
const MONTHS = ['2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04'];
const NOW = new Date('2027-05-10T10:00:00+02:00');
const RUNS = 7;

const log = (message: string) => console.error(`[bench:debtors] ${message}`);

function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The last day of a month 'YYYY-MM' plus one month: a document of a month is due at the end of the next. */
function dueDateOf(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const end = new Date(Date.UTC(y, m + 1, 0));
  return end.toISOString().slice(0, 10);
}

const text = (name: string) => ({ name, pg: 'text' as const });
const int = (name: string) => ({ name, pg: 'int4' as const });

async function build(url: string) {
  const started = performance.now();
  const database = await resetDatabase(url);
  try {
    await migrateToLatest(database);
    const db = database.db;
    await seedDemo(db);
    const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const next = random(15);
    const lastId = async (table: 'person' | 'pupil' | 'school' | 'enrolment') => Number((await db.selectFrom(table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id ?? 0);

    const firstSchool = (await lastId('school')) + 1;
    await bulkInsert(db, 'school', [int('ente_id'), text('name'), text('level'), text('address'), text('service_weekdays')],
      Array.from({ length: SIZE.schools }, (_, s) => [ente.id, `Scuola n. ${s + 1}`, 'primaria', `Via della Scuola ${s + 1}, Roma`, '1,2,3,4,5']));
    const firstPerson = (await lastId('person')) + 1;
    const personColumns = ['ente_id', 'fiscal_code', 'given_name', 'family_name', 'search_key', 'sex', 'birth_date', 'birth_place', 'address', 'postcode', 'city', 'province'];
    const persons = SIZE.holders + SIZE.pupils;
    // Fiscal codes need only be unique here (the list never parses them): a fixed shape with the row's number.
    await bulkInsert(db, 'person', personColumns.map((c) => text(c)).map((c, i) => (i === 0 ? int('ente_id') : c)),
      Array.from({ length: persons }, (_, i) => {
        const family = `Famiglia${String(Math.floor(next() * 5000)).padStart(4, '0')}`;
        const given = i < SIZE.holders ? `Genitore${i % 97}` : `Figlio${i % 89}`;
        return [ente.id, `BNC${String(i).padStart(8, '0')}Z000X`.slice(0, 16), given, family, `${family} ${given}`.toLowerCase(), i % 2 ? 'F' : 'M',
          i < SIZE.holders ? '1980-01-01' : '2018-01-01', 'Roma', 'Via della Città 1', '00100', 'Roma', 'RM'];
      }));
    log('persons written');
    const twoChildren = SIZE.pupils - SIZE.holders;
    const holderOf = (p: number) => (p < 2 * twoChildren ? Math.floor(p / 2) : p - twoChildren);
    const firstPupil = (await lastId('pupil')) + 1;
    await bulkInsert(db, 'pupil', [int('ente_id'), int('person_id'), int('school_id'), text('class_name')],
      Array.from({ length: SIZE.pupils }, (_, p) => [ente.id, firstPerson + SIZE.holders + p, firstSchool + (Math.floor(p / 25) % SIZE.schools), '3A']));
    await bulkInsert(db, 'pupil_holder', [int('ente_id'), int('pupil_id'), int('person_id'), text('relation')],
      Array.from({ length: SIZE.pupils }, (_, p) => [ente.id, firstPupil + p, firstPerson + holderOf(p), 'intestatario']));
    const year = await db.selectFrom('school_year').select(['id', 'starts_on']).where('ente_id', '=', ente.id).where('label', '=', '2026/2027').executeTakeFirstOrThrow();
    const services = await db.selectFrom('service').select(['id', 'kind', 'billing']).where('ente_id', '=', ente.id).execute();
    const canteen = services.find((s) => s.kind === 'refezione' && s.billing === 'postpaid')!;
    const transport = services.find((s) => s.kind === 'trasporto')!;
    const tariffs = await db.selectFrom('tariff').select(['id', 'service_id']).where('ente_id', '=', ente.id).where('school_year_id', '=', year.id).execute();
    const serviceOf = (p: number) => (p % 5 === 4 ? transport : canteen);
    const firstEnrolment = (await lastId('enrolment')) + 1;
    await bulkInsert(db, 'enrolment', [int('ente_id'), int('pupil_id'), int('service_id'), int('school_year_id'), int('school_id'), int('holder_person_id'), int('tariff_id'),
      text('state'), text('starts_on'), text('payment_mode'), text('invoice_recipient'), text('invoice_address'), text('created_at')],
    Array.from({ length: SIZE.pupils }, (_, p) => [ente.id, firstPupil + p, serviceOf(p).id, year.id, firstSchool + (Math.floor(p / 25) % SIZE.schools), firstPerson + holderOf(p),
      tariffs.find((t) => t.service_id === serviceOf(p).id)!.id, 'attiva', year.starts_on, 'pagopa', 'Intestatario', 'Via della Città 1, 00100 Roma (RM)', '2026-09-01T08:00:00Z']));
    log('registry written');

    // One holder in five in arrears, from a month of their own; the latest month open for everybody.
    const arrearsFrom = Array.from({ length: SIZE.holders }, () => (next() < 0.2 ? Math.floor(next() * 7) : MONTHS.length - 1));
    const documentColumns = [int('ente_id'), text('kind'), int('year'), int('number'), int('enrolment_id'), int('pupil_id'), int('holder_person_id'), int('service_id'),
      text('period'), text('issue_date'), text('due_date'), int('total_cents'), text('state'), text('paid_at'), text('created_at')];
    let number = 0;
    let written = 0;
    for (const [m, period] of MONTHS.entries()) {
      const due = dueDateOf(period);
      const rows: unknown[][] = [];
      for (let p = 0; p < SIZE.pupils; p++) {
        const open = m >= arrearsFrom[holderOf(p)]!;
        rows.push([ente.id, 'documento', 2026, ++number, firstEnrolment + p, firstPupil + p, firstPerson + holderOf(p), serviceOf(p).id, period, `${period}-28`, due,
          2000 + Math.floor(next() * 8000), open ? 'da_pagare' : 'pagato', open ? null : `${due}T10:00:00Z`, `${period}-28T06:00:00Z`]);
      }
      await bulkInsert(db, 'document', documentColumns, rows);
      written += rows.length;
      log(`documents of ${period} written (${written.toLocaleString('en')})`);
    }
    // The year before: one pupil in fifty still owes a document of it (numbered in its own year).
    const old: unknown[][] = [];
    for (let p = 0; p < SIZE.pupils; p += 50) {
      old.push([ente.id, 'documento', 2025, p / 50 + 1, firstEnrolment + p, firstPupil + p, firstPerson + holderOf(p), serviceOf(p).id, '2025-10', '2025-10-28', '2025-11-30',
        3000, 'da_pagare', null, '2025-10-28T06:00:00Z']);
    }
    await bulkInsert(db, 'document', documentColumns, old);
    if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
    else await sql`pragma wal_checkpoint(truncate)`.execute(db);
    log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await database.destroy();
  }
}

/**
 * Wall time, and this process's CPU time (user + system): with SQLite the query runs in this process, so its
 * CPU time is what the answer costs on a quiet machine; the wall time adds the wait for a core on a busy one.
 */
/** A process's CPU time in ms from /proc (clock ticks of 10 ms): the PostgreSQL backend that answers the benchmark. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

let backendPid: number | undefined;

async function timed<T>(work: () => Promise<T>): Promise<{ cold: number; median: number; cpu: number; result: T }> {
  let start = performance.now();
  let result = await work();
  const cold = performance.now() - start;
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const backend = processCpuMs(backendPid);
    start = performance.now();
    result = await work();
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000 + processCpuMs(backendPid) - backend);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { cold: Math.round(cold * 10) / 10, median: percentile(times, 50), cpu: percentile(cpus, 50), result };
}

async function measure(url: string, engine: string) {
  // One connection, so that its server process is the one whose CPU time is read.
  const database = createDatabase(url, { poolSize: 1 });
  try {
    await migrateToLatest(database);
    const db = database.db;
    backendPid = database.dialect === 'postgres' ? Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid) : undefined;
    const clock = fixedClock(NOW);
    const audit = createAuditTrail(db, clock, (error) => log(String(error)));
    const debtors = createDebtorService(db, clock, audit);
    const ente = await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const office = issueOperatorContext({
      ente: ente as never,
      operator: { id: 0, fiscalCode: 'PLOMRC01P30L736Y', givenName: 'Marco', familyName: 'Polo', role: 'amministratore', schoolId: null },
    });
    const count = async (table: 'document' | 'person') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const counts = { documents: await count('document'), persons: await count('person') };
    const school = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const page = (filters: DebtorFilters, order: DebtorOrder) => () => debtors.page(office, filters, order);
    const load = [loadavg()[0]!];
    const first = await timed(page({}, DEFAULT_ORDER));
    const byName = await timed(page({}, { sort: 'nome', direction: 'asc' }));
    const filtered = await timed(page({ schoolId: school.id, minOverdueCents: 5000 }, DEFAULT_ORDER));
    // The second page: the cursor of the first.
    const second = await timed(() => debtors.page(office, {}, DEFAULT_ORDER, first.result.next));
    const exportCsv = await timed(async () => {
      const { rows, today } = await debtors.all(office, {}, DEFAULT_ORDER);
      return { rows: rows.length, bytes: debtorsCsv(rows, today).length };
    });
    const exportXlsx = await timed(async () => {
      const { rows, today } = await debtors.all(office, {}, DEFAULT_ORDER);
      return { rows: rows.length, bytes: debtorsXlsx(messages, rows, today).length };
    });
    load.push(loadavg()[0]!);
    await audit.flush();
    return { engine, counts, first, byName, filtered, second, exportCsv, exportXlsx, load };
  } finally {
    await database.destroy();
  }
}

async function main() {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, rebuild: { type: 'boolean', default: false } } });
  const engines = values.engine ? [values.engine === 'pg' ? 'postgres' : values.engine] : ['sqlite', 'postgres'];
  const results = [];
  for (const engine of engines) {
    let url: string;
    let exists: boolean;
    if (engine === 'sqlite') {
      mkdirSync('/tmp/ssol-bench', { recursive: true });
      url = 'sqlite:/tmp/ssol-bench/debtors.db';
      exists = existsSync('/tmp/ssol-bench/debtors.db');
    } else {
      url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/debtors_bench';
      exists = await ensurePostgresDatabase(url);
    }
    if (!exists || values.rebuild) await build(url);
    else log(`${engine}: reusing the data already built (--rebuild to make it again)`);
    const result = await measure(url, engine);
    log(JSON.stringify({ ...result, first: { ...result.first, result: undefined }, byName: { ...result.byName, result: undefined }, filtered: { ...result.filtered, result: undefined }, second: { ...result.second, result: undefined } }));
    results.push(result);
  }
  const ms = (value: number) => value.toLocaleString('en', { maximumFractionDigits: 1 });
  const met = (value: number, target: number) => (value < target ? 'met' : '**not met**');
  const lines = [
    '## Issue 15 — the debtors list at Rome’s size — `npm run bench:debtors`',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node.js ${process.version}; the machine is shared with other engineers’ sessions (load average in the table).`,
    'Data: 120,000 holders of 150,000 pupils at 400 schools, one enrolment each, 1.2 million documents of September 2026 to April 2027 and 3,000 of the year before; today 10 May 2027: April’s documents open and not yet due for everybody, one holder in five in arrears (one to seven months), every other document paid.',
    'Timed in this process, without HTTP or page rendering: the service’s first page (50 rows: every open document of the ente summed per holder, sorted, the first 50), the full export (every debtor, with the CSV or XLSX file made). Median of 7 runs after a cold first run.',
    '',
    'Each time is the median wall time, and in brackets the median CPU time spent on the answer (this process; with PostgreSQL also its server process, read from /proc in 10 ms ticks, on one connection): what the answer costs on an idle core, where the wall time adds the wait for a core on this busy machine.',
    '',
    '| engine | documents | debtors | first page by overdue ms (cold) [CPU] | by name ms [CPU] | school + minimum ms [CPU] | second page ms [CPU] | export CSV s [CPU] | export XLSX s [CPU] | target | load average before → after |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...results.map((r) => {
      const worstPage = Math.max(r.first.median, r.byName.median, r.filtered.median, r.second.median);
      const worstExport = Math.max(r.exportCsv.median, r.exportXlsx.median);
      const worstPageCpu = Math.max(r.first.cpu, r.byName.cpu, r.filtered.cpu, r.second.cpu);
      const worstExportCpu = Math.max(r.exportCsv.cpu, r.exportXlsx.cpu);
      const s = (value: number) => (value / 1000).toFixed(2);
      return `| ${r.engine} | ${r.counts.documents.toLocaleString('en')} | ${r.exportCsv.result.rows.toLocaleString('en')} | ${ms(r.first.median)} (${ms(r.first.cold)}) [${ms(r.first.cpu)}] | ${ms(r.byName.median)} [${ms(r.byName.cpu)}] | ${ms(r.filtered.median)} [${ms(r.filtered.cpu)}] | ${ms(r.second.median)} [${ms(r.second.cpu)}] | ${s(r.exportCsv.median)} [${s(r.exportCsv.cpu)}] | ${s(r.exportXlsx.median)} [${s(r.exportXlsx.cpu)}] | page < 200 ms: wall ${met(worstPage, 200)}, CPU ${met(worstPageCpu, 200)}; export < 10 s: wall ${met(worstExport, 10_000)}, CPU ${met(worstExportCpu, 10_000)} | ${r.load.map((l) => l.toFixed(2)).join(' → ')} |`;
    }),
  ];
  writeSection('issue-15-debtors', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
