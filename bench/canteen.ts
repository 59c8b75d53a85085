/**
 * Benchmark of the canteen (issue 3): the daily freeze of 150,000 enrolled pupils in 400 schools, absence
 * notices POSTed through the real route (session, CSRF, validation, write), and the Refezione page for a
 * month.
 *
 *   npm run bench:canteen            # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:canteen   # freeze on PostgreSQL too
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfig } from '../src/config/index';
import type { Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import type { DB, Ente } from '../src/db/schema';
import { seedDemo } from '../src/demo/seed';
import { buildDemoHistory } from '../src/demo/history';
import { createFreezeService } from '../src/domain/canteen/freeze';
import { fixedClock, systemClock } from '../src/domain/clock';
import { insertSession } from '../src/web/plugins/session';
import { createThrowawayDatabase } from '../test/helpers/databases';
import { adaAndTommaso, BASE, CONNECTIONS, CORES, DURATION_S, load, onEngines, productionEnv, WARM_UP_S, requireWrk, startServer, stopServer, waitForHealth } from './harness';
import { writeSection } from './results';

const PUPILS = 150_000;
const SCHOOLS = 400;
const FREEZE_DAY = '2026-11-23'; // a Monday of the school year
const CHUNK = 500;

async function insertChunked<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
  }
}

/** A large fictitious ente: 400 schools, 150,000 pupils enrolled in the canteen, 5 % absent on the day. */
async function seedLargeEnte(database: Database): Promise<Ente> {
  const db = database.db;
  return db.transaction().execute(async (trx) => {
    const ente = await trx
      .insertInto('ente')
      .values({
        slug: 'grande', name: 'Comune Grande (benchmark)', tax_code: '00300030038', cbill: null, iban: null, segregation_code: null,
        postal_account: null, cutoff_time: '09:30', office_name: 'Ufficio', office_email: 'ufficio@grande.example',
        office_phone: '000', office_hours: '-', office_address: '-', created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const enteId = ente.id;
    const schoolIds: number[] = [];
    for (let s = 0; s < SCHOOLS; s++) {
      const row = await trx
        .insertInto('school')
        .values({ ente_id: enteId, name: `Scuola ${s + 1}`, level: s % 3 === 0 ? 'infanzia' : 'primaria', address: '-', service_weekdays: '1,2,3,4,5' })
        .returning('id')
        .executeTakeFirstOrThrow();
      schoolIds.push(row.id);
    }
    const year = await trx.insertInto('school_year').values({ ente_id: enteId, label: '2026/2027', starts_on: '2026-09-14', ends_on: '2027-06-10' }).returning('id').executeTakeFirstOrThrow();
    const service = await trx.insertInto('service').values({ ente_id: enteId, kind: 'refezione', name: 'Refezione', billing: 'postpaid', taxonomy_code: '9/0107101TS/' }).returning('id').executeTakeFirstOrThrow();
    const tariff = await trx
      .insertInto('tariff')
      .values({ ente_id: enteId, service_id: service.id, school_year_id: year.id, band_code: 'A', band_label: 'A', isee_min_cents: 0, isee_max_cents: null, resident: 1, unit: 'pasto', amount_cents: 400 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const person = (i: number) => ({
      ente_id: enteId, fiscal_code: `BENCH${String(i).padStart(11, '0')}`, given_name: 'N', family_name: `F${i}`, sex: 'F',
      birth_date: '2018-01-01', birth_place: '-', address: '-', postcode: '-', city: '-', province: '-', email: null, phone: null,
    });
    // Persons 0…PUPILS-1 are pupils, the next PUPILS/2 their holders: ids follow insertion order.
    await insertChunked(trx, 'person', Array.from({ length: PUPILS + PUPILS / 2 }, (_, i) => person(i)));
    const firstPerson = (await trx.selectFrom('person').select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id as number;
    const diets = ['senza-glutine', 'senza-lattosio', 'vegetariana'];
    await insertChunked(
      trx,
      'pupil',
      Array.from({ length: PUPILS }, (_, i) => ({
        ente_id: enteId, person_id: firstPerson + i, school_id: schoolIds[i % SCHOOLS], class_name: '1A',
      })),
    );
    const firstPupil = (await trx.selectFrom('pupil').select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id as number;
    // One pupil in 33 has a special diet, approved for the whole year (decision 0024).
    await insertChunked(
      trx,
      'pupil_diet',
      Array.from({ length: Math.ceil(PUPILS / 33) }, (_, k) => ({
        ente_id: enteId, pupil_id: firstPupil + k * 33, diet_code: diets[(k * 33) % 3], kind: 'medical', reason: 'benchmark', certificate_attachment_id: null,
        declared_on: null, state: 'approvata', approved_from: '2026-09-14', approved_to: null, approved_by: 'bench', approved_at: new Date().toISOString(),
        recorded_by: 'bench', created_at: new Date().toISOString(),
      })),
    );
    await insertChunked(
      trx,
      'enrolment',
      Array.from({ length: PUPILS }, (_, i) => ({
        ente_id: enteId, pupil_id: firstPupil + i, service_id: service.id, school_year_id: year.id, school_id: schoolIds[i % SCHOOLS],
        holder_person_id: firstPerson + PUPILS + Math.floor(i / 2), tariff_id: tariff.id, state: 'attiva', starts_on: '2026-09-14',
        ends_on: null, payment_mode: 'pagopa', debit_iban: null, invoice_recipient: '-', invoice_address: '-', invoice_email: null,
        reduction_note: null, created_at: new Date().toISOString(),
      })),
    );
    await insertChunked(
      trx,
      'attendance_change',
      Array.from({ length: PUPILS / 20 }, (_, i) => ({
        ente_id: enteId, pupil_id: firstPupil + i * 20, date: FREEZE_DAY, status: i % 10 === 0 ? 'light_meal' : 'absent',
        source: 'parent', notice_id: null, set_at: new Date().toISOString(),
      })),
    );
    return (await trx.selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
  });
}

async function freezeBenchmark(engine: string, url: string) {
  const database = await resetDatabase(url);
  await migrateToLatest(database);
  const seedStart = performance.now();
  const ente = await seedLargeEnte(database);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const freeze = createFreezeService(database.db, fixedClock(new Date('2026-11-23T09:00:00Z')));
  const start = performance.now();
  const outcome = await freeze.freezeDay(ente, FREEZE_DAY);
  const seconds = (performance.now() - start) / 1000;
  const booked = await database.db.selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')).where('ente_id', '=', ente.id).executeTakeFirstOrThrow();
  await database.destroy();
  if (outcome !== 'frozen' || Number(booked.n) !== PUPILS) throw new Error(`freeze booked ${booked.n} of ${PUPILS}`);
  return { engine, seedSeconds, seconds };
}

/** Sessions of demo holders (with their CSRF tokens) and one of their pupils each, for the POSTs. */
async function holderSessions(database: Database) {
  const config = loadConfig(productionEnv('sqlite::memory:', 1));
  const holders = await database.db
    .selectFrom('pupil_holder as ph')
    .innerJoin('person', 'person.id', 'ph.person_id')
    .innerJoin('enrolment as e', 'e.pupil_id', 'ph.pupil_id')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('ente', 'ente.id', 'ph.ente_id')
    .select(['person.fiscal_code as fiscalCode', 'ph.pupil_id as pupilId'])
    .where('ente.slug', '=', 'demo')
    .where('ph.relation', '=', 'intestatario')
    .where('s.kind', '=', 'refezione')
    .limit(40)
    .execute();
  const sessions = [];
  for (const holder of holders) {
    const { token, session } = await insertSession(database.db, systemClock, config.session, {
      user: { fiscalCode: holder.fiscalCode, givenName: 'B', familyName: 'B', acr: 'https://www.spid.gov.it/SpidL2', idToken: 'bench' },
    });
    sessions.push({ cookie: `${config.session.cookieName}=${token}`, csrf: session.csrfToken, pupilId: holder.pupilId });
  }
  return sessions;
}

/** wrk script: each request a new form (new key) of one of the holders, for a January day. */
function absenceScript(sessions: { cookie: string; csrf: string; pupilId: number }[]): string {
  const entries = sessions.map((s) => `{cookie="${s.cookie}", csrf="${s.csrf}", pupil=${s.pupilId}}`).join(',\n  ');
  return `local sessions = {\n  ${entries}\n}
local counter = 0
local prefix = tostring(os.time()) .. tostring(math.floor(os.clock() * 1000000))
-- wrk runs this script once per thread: each thread gets its own number, so submission keys never repeat.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local body = "_csrf=" .. s.csrf .. "&submissionKey=bench-" .. prefix .. "-" .. tostring(tid) .. "-" .. counter ..
    "&utente=" .. s.pupil .. "&dal=2027-01-" .. string.format("%02d", 7 + (counter % 20)) .. "&al=&tipo=absent"
  return wrk.format("POST", "/demo/assenze", {["Cookie"] = s.cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
`;
}

async function routeBenchmarks(workers: number) {
  const sqlite = await createThrowawayDatabase('sqlite');
  const database = await resetDatabase(sqlite.url);
  await migrateToLatest(database);
  await seedDemo(database.db);
  // The history is made first, as `npm run demo` does, so the jobs' catch-up does not run during the load.
  await buildDemoHistory(database.db, systemClock);
  const sessions = await holderSessions(database);
  const ada = await adaAndTommaso(database);
  await database.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'ssol-wrk-'));
  const script = join(dir, 'absences.lua');
  writeFileSync(script, absenceScript(sessions));
  const server = startServer(sqlite.url, workers);
  try {
    await waitForHealth(Date.now() + 20_000);
    const absences = load('/demo/assenze', {}, script);
    const cookie = ada.cookie;
    const page = `/demo/refezione?utente=${ada.tommaso}&dal=2026-11-01&al=2026-11-30`;
    const check = await fetch(BASE + page, { headers: { cookie } });
    if (!(await check.text()).includes('Menù del giorno')) throw new Error('the benchmark did not see the Refezione page');
    const refezione = load(page, { cookie });
    return { workers, absences, refezione, holders: sessions.length };
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
    await sqlite.drop();
  }
}

function verdict(ok: boolean) {
  return ok ? 'met' : '**NOT met**';
}

async function main() {
  requireWrk();
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const freezes = await onEngines(freezeBenchmark);
  if (!process.env.BENCH_DATABASE_URL) console.error('PostgreSQL skipped: set BENCH_DATABASE_URL to include it.');
  const routes = [];
  for (const workers of [...new Set([1, CORES])]) routes.push(await routeBenchmarks(workers));
  const lines = [
    '## Issue 3 — canteen: daily freeze, absence notices, Refezione page',
    '',
    'By `npm run bench:canteen` (bench/canteen.ts).',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Freeze: one day of ${PUPILS.toLocaleString('en')} enrolled pupils in ${SCHOOLS} schools (5 % absent or light meal), through the freeze service`,
    `- Routes: the production build with one process and with one per core (WEB_CONCURRENCY), SQLite, demo data; wrk, ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARM_UP_S} s warm-up, on the same machine`,
    '',
    '| engine | freeze of one day | target < 10 s | (seeding the data) |',
    '| --- | ---: | --- | ---: |',
    ...freezes.map((f) => `| ${f.engine} | ${f.seconds.toFixed(2)} s | ${verdict(f.seconds < 10)} | ${f.seedSeconds.toFixed(1)} s |`),
    '',
    '| route | processes | requests/s | p50 ms | p99 ms | errors | non-2xx/3xx | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...routes.flatMap((r) => [
      `| POST /demo/assenze (a new notice each time, ${r.holders} holders) | ${r.workers} | ${r.absences.requestsPerSecond} | ${r.absences.p50} | ${r.absences.p99} | ${r.absences.errors} | ${r.absences.non2xx} | ≥ 500/s, p99 < 100 ms: ${verdict(r.absences.requestsPerSecond >= 500 && r.absences.p99 < 100)} |`,
      `| GET Refezione page, one month | ${r.workers} | ${r.refezione.requestsPerSecond} | ${r.refezione.p50} | ${r.refezione.p99} | ${r.refezione.errors} | ${r.refezione.non2xx} | ≥ 2,000/s: ${verdict(r.refezione.requestsPerSecond >= 2000)} |`,
    ]),
    '',
  ];
  writeSection('issue-3-canteen', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
