/**
 * The school's attendance list (issue 14): "the attendance list of a school of 1,500 pupils answers in
 * under 100 ms (p99 at 20 concurrent users)".
 *
 *   npm run bench:attendance                       # both engines (PostgreSQL on BENCH_DATABASE_URL)
 *   npm run bench:attendance -- --engine sqlite    # one engine; --rebuild makes the data again
 *
 * The data, over the demo's seed: 20 schools of 1,500 canteen pupils each in the demo ente (30,000, so
 * that reading the ente's day instead of the school's would show), in 60 classes of 25, every fifth pupil
 * with a diet, every enrolment with its first term and one in fifty moved to the next school on 16 November
 * (a second term); for the open day (Thursday 3 December 2026, measured at 08:00 before the 09:30 cut-off)
 * one pupil in twelve with an absence or light meal communicated; the day before (Wednesday 2 December)
 * frozen by the freeze itself, one pupil in ten booked absent, and a few dozen corrections of it.
 *
 * What is timed: the page's answer without HTTP — `attendance.dayList` (every query of the list) and
 * the rendering of the page to HTML (`AttendancePage`, 1,500 rows) — for the open day and for the frozen
 * day, 20 callers each asking again as soon as answered (a closed loop: the callers queue behind each
 * other, so p99 is about 20 × the cost of one answer ÷ processes), BENCH_SECONDS (15 s) after 3 s of
 * warm-up; in one process, then split over as many processes as the machine has cores (`--processes N`
 * for one count only), as `npm start` runs with WEB_CONCURRENCY; and the cost of one answer alone.
 * SQLite: one connection per process, as a serving process has; PostgreSQL: a pool of 10.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { renderToString } from 'preact-render-to-string';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import type { DB, Ente } from '../src/db/schema';
import { fiscalCodeFor } from '../src/demo/fiscal-code-generator';
import { seedDemo } from '../src/demo/seed';
import { createAttendanceService } from '../src/domain/attendance/service';
import { createFreezeService } from '../src/domain/canteen/freeze';
import { fixedClock } from '../src/domain/clock';
import { issueOperatorContext } from '../src/domain/operators/context';
import { searchKeyOf } from '../src/domain/registry/search-key';
import { AttendancePage } from '../src/web/backoffice/presenze/views';
import { it as messages } from '../src/web/i18n/it';
import { writeSection } from './results';
import { ensurePostgresDatabase, insertChunked, percentile } from './in-process';

const SCHOOLS = 20;
const PUPILS_PER_SCHOOL = 1_500;
const CLASS_SIZE = 25;
const CONCURRENCY = 20;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const WARM_UP_S = 3;
const OPEN_DAY = '2026-12-03';
const MOVED_ON = '2026-11-16';
const MOVED_EVERY = 50;
const FROZEN_DAY = '2026-12-02';
const NOW = new Date('2026-12-03T08:00:00+01:00');

const log = (message: string) => console.error(`[bench:attendance] ${message}`);


const GIVEN = ['Francesco', 'Sofia', 'Alessandro', 'Giulia', 'Lorenzo', 'Aurora', 'Leonardo', 'Alice', 'Mattia', 'Ginevra', 'Andrea', 'Emma', 'Nicolò', 'Beatrice'];
const FAMILY = ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'D’Angelo'];
const DIETS = ['senza-glutine', 'senza-lattosio', 'vegetariana', 'senza-maiale'];

async function build(url: string) {
  const started = performance.now();
  const database = await resetDatabase(url);
  try {
    await migrateToLatest(database);
    const db = database.db;
    await seedDemo(db);
    const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
    const total = SCHOOLS * PUPILS_PER_SCHOOL;
    await db.transaction().execute(async (trx) => {
      const lastSchool = Number((await trx.selectFrom('school').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      await insertChunked(trx, 'school', Array.from({ length: SCHOOLS }, (_, s) => ({ ente_id: ente.id, name: `Scuola primaria n. ${s + 1}`, level: 'primaria', address: `Via della Scuola ${s + 1}`, service_weekdays: '1,2,3,4,5' })));
      const schools = (await trx.selectFrom('school').select('id').where('id', '>', lastSchool).orderBy('id').execute()).map((r) => r.id);
      const lastPerson = Number((await trx.selectFrom('person').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      const codes = new Set<string>();
      // One holder per pupil: the list reads the pupil's own names only.
      const persons = Array.from({ length: 2 * total }, (_, n) => {
        const given = GIVEN[n % GIVEN.length]!;
        const family = FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length]!;
        const adult = n >= total;
        const day = n % 3650;
        const birthDate = new Date(Date.UTC(adult ? 1975 : 2015, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        let place = 100 + (Math.floor(n / 3650) % 900);
        let code = fiscalCodeFor({ familyName: family, givenName: given, sex: n % 2 ? 'F' : 'M', birthDate, placeCode: `H${place}` });
        while (codes.has(code)) code = fiscalCodeFor({ familyName: family, givenName: given, sex: n % 2 ? 'F' : 'M', birthDate, placeCode: `L${String(++place % 1000).padStart(3, '0')}` });
        codes.add(code);
        return {
          ente_id: ente.id, fiscal_code: code, given_name: given, family_name: family, search_key: searchKeyOf({ givenName: given, familyName: family }),
          sex: n % 2 ? 'F' : 'M', birth_date: birthDate, birth_place: 'Roma', address: 'Via della Città 1', postcode: '00100', city: 'Roma', province: 'RM', email: null, phone: null,
        };
      });
      await insertChunked(trx, 'person', persons);
      const lastPupil = Number((await trx.selectFrom('pupil').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      const schoolOf = (p: number) => schools[Math.floor(p / PUPILS_PER_SCHOOL)]!;
      const classOf = (p: number) => {
        const k = Math.floor((p % PUPILS_PER_SCHOOL) / CLASS_SIZE);
        return `${1 + (k % 5)}${'ABCDEFGHIJKL'[Math.floor(k / 5)]}`;
      };
      await insertChunked(trx, 'pupil', Array.from({ length: total }, (_, p) => ({ ente_id: ente.id, person_id: lastPerson + 1 + p, school_id: schoolOf(p), class_name: classOf(p) })));
      await insertChunked(trx, 'pupil_holder', Array.from({ length: total }, (_, p) => ({ ente_id: ente.id, pupil_id: lastPupil + 1 + p, person_id: lastPerson + 1 + total + p, relation: 'intestatario' })));
      const year = await trx.selectFrom('school_year').select(['id', 'starts_on']).where('ente_id', '=', ente.id).where('label', '=', '2026/2027').executeTakeFirstOrThrow();
      const service = await trx.selectFrom('service').select('id').where('ente_id', '=', ente.id).where('kind', '=', 'refezione').where('billing', '=', 'postpaid').executeTakeFirstOrThrow();
      const tariff = await trx.selectFrom('tariff').select('id').where('service_id', '=', service.id).where('school_year_id', '=', year.id).orderBy('isee_min_cents').executeTakeFirstOrThrow();
      const now = new Date().toISOString();
      // Every fifth pupil has a special diet, approved for the whole year (decision 0024).
      await insertChunked(trx, 'pupil_diet', Array.from({ length: Math.ceil(total / 5) }, (_, k) => ({
        ente_id: ente.id, pupil_id: lastPupil + 1 + k * 5, diet_code: DIETS[(k * 5) % DIETS.length]!, kind: 'medical', reason: 'benchmark', certificate_attachment_id: null,
        declared_on: null, state: 'approvata', approved_from: year.starts_on, approved_to: null, approved_by: 'bench', approved_at: now, recorded_by: 'bench', created_at: now,
      })));
      await insertChunked(trx, 'enrolment', Array.from({ length: total }, (_, p) => ({
        ente_id: ente.id, pupil_id: lastPupil + 1 + p, service_id: service.id, school_year_id: year.id, school_id: schoolOf(p), holder_person_id: lastPerson + 1 + total + p,
        tariff_id: tariff.id, state: 'attiva', starts_on: year.starts_on, ends_on: null, payment_mode: 'pagopa', debit_iban: null,
        invoice_recipient: 'Intestatario', invoice_address: 'Via della Città 1, 00100 Roma (RM)', invoice_email: null, reduction_note: null, created_at: now,
      })));
      // Every enrolment has its first term, as the office's and the import's have: the list reads the term in
      // force of each. One pupil in fifty moved to the next school on 16 November (a second term; the
      // enrolment row and the pupil carry the latest term's school, as the office's change writes them).
      const enrolments = await trx.selectFrom('enrolment').select(['id', 'pupil_id']).where('ente_id', '=', ente.id).where('pupil_id', '>', lastPupil).execute();
      const term = (enrolmentId: number, p: number, validFrom: string, schoolId: number) => ({
        ente_id: ente.id, enrolment_id: enrolmentId, valid_from: validFrom, school_id: schoolId, class_name: classOf(p), tariff_id: tariff.id, isee_cents: null, isee_attested_on: null,
        holder_person_id: lastPerson + 1 + total + p, payment_mode: 'pagopa' as const, debit_iban: null, author: 'bench', created_at: now,
      });
      const movers = enrolments.map((e) => ({ id: e.id, p: e.pupil_id - lastPupil - 1 })).filter(({ p }) => p % MOVED_EVERY === 7);
      const nextSchool = (p: number) => schools[(Math.floor(p / PUPILS_PER_SCHOOL) + 1) % SCHOOLS]!;
      await insertChunked(trx, 'enrolment_term', [
        ...enrolments.map((e) => term(e.id, e.pupil_id - lastPupil - 1, year.starts_on, schoolOf(e.pupil_id - lastPupil - 1))),
        ...movers.map(({ id, p }) => term(id, p, MOVED_ON, nextSchool(p))),
      ]);
      for (const [s, to] of schools.map((school, k) => [school, schools[(k + 1) % SCHOOLS]!] as const)) {
        const moving = movers.filter(({ p }) => schoolOf(p) === s);
        await trx.updateTable('enrolment').set({ school_id: to }).where('id', 'in', moving.map((m) => m.id)).execute();
        await trx.updateTable('pupil').set({ school_id: to }).where('id', 'in', moving.map((m) => lastPupil + 1 + m.p)).execute();
      }
      const change = (date: string, every: number) =>
        Array.from({ length: Math.floor(total / every) }, (_, k) => ({
          ente_id: ente.id, pupil_id: lastPupil + 1 + k * every, date, status: k % 4 === 0 ? 'light_meal' : 'absent', source: k % 3 === 0 ? 'school' : 'parent', notice_id: null, set_at: now,
        }));
      await insertChunked(trx, 'attendance_change', [...change(OPEN_DAY, 12), ...change(FROZEN_DAY, 10)]);
    });
    // The frozen day by the freeze itself, and a few corrections of it as the office writes them.
    await createFreezeService(db, fixedClock(new Date(`${FROZEN_DAY}T10:00:00+01:00`))).freezeDay(ente, FROZEN_DAY);
    const school = await firstBenchSchool(db);
    const attendance = createAttendanceService(db, fixedClock(NOW));
    const office = benchOffice(ente);
    const booked = await db.selectFrom('attendance').select(['pupil_id', 'status']).where('school_id', '=', school).where('date', '=', FROZEN_DAY).orderBy('pupil_id').limit(40).execute();
    for (const [k, row] of booked.entries()) {
      await attendance.correct(office, { pupilId: row.pupil_id, date: FROZEN_DAY, status: row.status === 'absent' ? 'present' : 'absent', reason: 'Correzione di prova', submissionKey: `bench-${k}` });
    }
    if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
    else await sql`pragma wal_checkpoint(truncate)`.execute(db);
    log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await database.destroy();
  }
}

async function firstBenchSchool(db: Kysely<DB>): Promise<number> {
  return (await db.selectFrom('school').select('id').where('name', '=', 'Scuola primaria n. 1').executeTakeFirstOrThrow()).id;
}

/** An amministratore of the ente (it may correct, so the frozen list carries its links too). */
function benchOffice(ente: Ente) {
  return issueOperatorContext({ ente, operator: { id: 0, fiscalCode: 'PLOMRC01P30L736Y', givenName: 'Marco', familyName: 'Polo', role: 'amministratore', schoolId: null } });
}


/** The page's answer without HTTP: every query of the list, and the page rendered to HTML. */
async function answerer(db: Kysely<DB>) {
  const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
  const schoolId = await firstBenchSchool(db);
  const attendance = createAttendanceService(db, fixedClock(NOW));
  const office = benchOffice(ente);
  const schools = await attendance.schools(office);
  const ctx = { m: messages, path: '/demo/ufficio/presenze', ente, user: { fullName: 'Marco Polo' }, csrfToken: 'bench-token', officeLink: true, requestId: 'bench' };
  return {
    async answer(date: string) {
      const list = await attendance.dayList(office, { schoolId, date });
      const html = renderToString(AttendancePage({ ctx, schools, schoolId, date, list }));
      return { pupils: list.totals.pupils, bytes: html.length, phase: list.phase };
    },
    async parts(date: string) {
      const start = performance.now();
      const list = await attendance.dayList(office, { schoolId, date });
      const mid = performance.now();
      renderToString(AttendancePage({ ctx, schools, schoolId, date, list }));
      return { all: performance.now() - start, queries: mid - start };
    },
  };
}

/**
 * `callers` callers asking in a closed loop from `measureFrom` (earlier: warm-up) to `stopAt`, in this
 * process, on its own connection (SQLite) or pool of 10 (PostgreSQL), as one serving process has.
 */
async function runCallers(url: string, callers: number, date: string, measureFrom: number, stopAt: number): Promise<number[]> {
  const database = createDatabase(url, { poolSize: 10 });
  try {
    await migrateToLatest(database); // ships SQLite's planner statistics, as every start does
    const { answer } = await answerer(database.db);
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (Date.now() < stopAt) {
          const wall = Date.now();
          const start = performance.now();
          // The request arrives now and waits its turn: better-sqlite3 answers within microtasks, so the
          // other callers (and timers) run in between here — a wait the latency must count (before
          // 2026-12-07 the clock started after it, and the closed loop's queueing was not measured).
          await new Promise((resolve) => setImmediate(resolve));
          await answer(date);
          const ms = performance.now() - start;
          if (wall >= measureFrom) latencies.push(ms);
        }
      }),
    );
    return latencies;
  } finally {
    await database.destroy();
  }
}

/** The callers split over `processes` serving processes (child processes of this script), started together. */
async function loadFrom(url: string, date: string, processes: number): Promise<number[]> {
  const measureFrom = Date.now() + (processes > 1 ? 2_000 : 0) + WARM_UP_S * 1000; // time for the processes to start
  const stopAt = measureFrom + DURATION_S * 1000;
  const callers = CONCURRENCY / processes;
  if (processes === 1) return runCallers(url, callers, date, measureFrom, stopAt);
  const children = Array.from({ length: processes }, () =>
    new Promise<number[]>((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, BENCH_CALLER: JSON.stringify({ url, callers, date, measureFrom, stopAt }) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.once('message', (latencies) => resolve(latencies as number[]));
      child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`caller process exited with ${code}`))));
    }),
  );
  return (await Promise.all(children)).flat();
}

async function measure(url: string, engine: string, processes: number) {
  const database = createDatabase(url, { poolSize: 10 });
  try {
    await migrateToLatest(database);
    const { answer, parts } = await answerer(database.db);
    const rows = [];
    for (const date of [OPEN_DAY, FROZEN_DAY]) {
      const shape = await answer(date);
      const loadBefore = loadavg()[0]!;
      const sorted = (await loadFrom(url, date, processes)).sort((a, b) => a - b);
      const loadAfter = loadavg()[0]!;
      // One answer alone, and of it the queries.
      const alone: number[] = [];
      const queries: number[] = [];
      for (let i = 0; i < 50; i++) {
        const timed = await parts(date);
        alone.push(timed.all);
        queries.push(timed.queries);
      }
      alone.sort((a, b) => a - b);
      queries.sort((a, b) => a - b);
      rows.push({
        engine,
        processes,
        day: `${date} (${shape.phase})`,
        pupils: shape.pupils,
        kib: Math.round(shape.bytes / 1024),
        perSecond: Math.round(sorted.length / DURATION_S),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        aloneP50: percentile(alone, 50),
        aloneP99: percentile(alone, 99),
        queriesP50: percentile(queries, 50),
        load: [loadBefore, loadAfter],
      });
      log(JSON.stringify(rows.at(-1)));
    }
    return rows;
  } finally {
    await database.destroy();
  }
}

async function caller(spec: { url: string; callers: number; date: string; measureFrom: number; stopAt: number }) {
  const latencies = await runCallers(spec.url, spec.callers, spec.date, spec.measureFrom, spec.stopAt);
  await new Promise<void>((resolve, reject) => process.send!(latencies, (error: Error | null) => (error ? reject(error) : resolve())));
}


async function main() {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, rebuild: { type: 'boolean', default: false }, processes: { type: 'string' } } });
  // One process, and as many as the machine's cores: how `npm start` runs a busy installation (WEB_CONCURRENCY, README).
  const processCounts = values.processes ? [Number(values.processes)] : [...new Set([1, cpus().length])];
  const engines = values.engine ? [values.engine === 'pg' ? 'postgres' : values.engine] : ['sqlite', 'postgres'];
  const results = [];
  for (const engine of engines) {
    let url: string;
    let exists: boolean;
    if (engine === 'sqlite') {
      mkdirSync('/tmp/ssol-bench', { recursive: true });
      url = 'sqlite:/tmp/ssol-bench/attendance.db';
      exists = existsSync('/tmp/ssol-bench/attendance.db');
    } else {
      const target = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
      target.pathname = '/ssol_bench_attendance';
      url = target.href;
      exists = await ensurePostgresDatabase(url);
    }
    if (exists && !values.rebuild) {
      const probe = createDatabase(url);
      exists = await sql`select count(*) as n from attendance_correction`.execute(probe.db).then((r) => Number((r.rows[0] as { n: number }).n) > 0, () => false);
      await probe.destroy();
    }
    if (values.rebuild || !exists) {
      log(`${engine}: building ${SCHOOLS} schools of ${PUPILS_PER_SCHOOL} pupils`);
      await build(url);
    }
    log(`${engine}: measuring ${CONCURRENCY} concurrent callers for ${DURATION_S} s per day`);
    for (const processes of processCounts) results.push(...(await measure(url, engine, processes)));
  }
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const lines = [
    '## Attendance at school (issue 14) — `npm run bench:attendance`',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpu}), Node.js ${process.version}.`,
    `Data: ${SCHOOLS} schools of ${PUPILS_PER_SCHOOL.toLocaleString('en')} canteen pupils in the demo ente (${(SCHOOLS * PUPILS_PER_SCHOOL).toLocaleString('en')}), classes of ${CLASS_SIZE}, every fifth pupil with a diet, every enrolment with its first term and one in ${MOVED_EVERY} moved to the next school on ${MOVED_ON} (a second term); the open day with one pupil in twelve absent or on a light meal by notice, the frozen day booked by the freeze (one in ten absent) with 40 corrections by the office.`,
    `Machine conditions: ${process.env.BENCH_CONDITIONS ?? 'see the load average before and after each run in the table'} (2 cores: a load above 2 means queued work).`,
    `Load: ${CONCURRENCY} callers, each asking again as soon as answered (a closed loop, no think time: the callers queue behind each other, so their latency is about ${CONCURRENCY} × one answer ÷ processes), ${DURATION_S} s after ${WARM_UP_S} s of warm-up; in one serving process, then split over as many processes as the machine has cores, as \`npm start\` serves a busy installation with WEB_CONCURRENCY. Timed: the list of one school of ${PUPILS_PER_SCHOOL.toLocaleString('en')} pupils — \`attendance.dayList\` (every query) and the page rendered to HTML — without HTTP. “Alone”: one answer with nothing else running, and of it the queries. Target: p99 under 100 ms at 20 concurrent users.`,
    '',
    '| Engine | Processes | Day | Pupils | Page KiB | Answers/s (20 callers) | p50 ms | p99 ms | Alone p50 / p99 ms | Queries alone p50 ms | Load average (1 min) before → after |',
    '|---|---:|---|---:|---:|---:|---:|---:|---|---:|---|',
    ...results.map((r) => `| ${r.engine} | ${r.processes} | ${r.day} | ${r.pupils.toLocaleString('en')} | ${r.kib} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.aloneP50} / ${r.aloneP99} | ${r.queriesP50} | ${r.load[0]!.toFixed(2)} → ${r.load[1]!.toFixed(2)} |`),
  ];
  writeSection('attendance', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

(process.env.BENCH_CALLER ? caller(JSON.parse(process.env.BENCH_CALLER)) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
