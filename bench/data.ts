/**
 * The benchmark datasets (issue 18): the demo, and the demo with a city's families added to its ente —
 * Rome's numbers at `--scale rome` (400 schools, 150,000 pupils, 120,000 holders), a few hundred at
 * `--scale small` (for tests). Ada and every demo family are kept as they are, so that their pages can
 * be compared between the demo and Rome.
 *
 *   npm run bench:data -- --scale rome                 # SQLite, /tmp/ssol-bench/rome.db
 *   npm run bench:data -- --scale rome --engine pg     # PostgreSQL database ssol_bench_rome on BENCH_DATABASE_URL
 *   npm run bench:data -- --scale demo|small|rome [--engine sqlite|pg] [--history year|term|week] [--out sqlite:/path.db | postgres://…/name]
 *   npm run bench:data -- --scale rome --engine pg --from sqlite:/tmp/ssol-bench/rome.db   # the SQLite dataset copied (bench/copy-dataset.ts)
 *
 * What is written, and by whom:
 * - the families, their enrolments (the school year 2025/2026, ended, and 2026/2027), badges (one school
 *   in two runs the prepaid canteen) and exemptions are inserted here, as the office would have entered
 *   them; so are the parents' absences and light meals of each day (attendance_change, about 7 % of the
 *   pupils a day), which the freeze reads;
 * - all the history is then made by the project's own jobs, through the demo's history builder
 *   (src/demo/history.ts): every day since 15 September 2025 frozen (attendance, kitchen counts) and
 *   charged (charges, badge debits), every month billed (documents, lines), the documents' pagoPA
 *   notices issued — exactly the rows the jobs write, because the jobs write them. The demo's families
 *   then get their top-ups and payments as in `npm run demo`; the city's families pay nothing (their
 *   documents stay unpaid) and one badge in ten has a top-up waiting for payment;
 * - the city's notices are marked published on the platform, as the position outbox would have left
 *   them by now (here nothing is sent: it would be a million calls to GPD).
 *
 * `--history` sets how far back the city's families go (`year`, the default; `term`; `week`, see History).
 * Timings at Rome scale are in bench/RESULTS.md ("Issue 18 — Rome scale"). The jobs take most of it.
 */
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import type { DB, Ente } from '../src/db/schema';
import { buildDemoHistory } from '../src/demo/history';
import { seedDemo } from '../src/demo/seed';
import { addDays, isoWeekday, romeDate } from '../src/domain/calendar/local-time';
import { systemClock } from '../src/domain/clock';
import { openTopup } from '../src/domain/payments/payments';
import { copyDataset } from './copy-dataset';
import { searchKeyOf } from '../src/domain/registry/search-key';

export type Scale = 'demo' | 'small' | 'rome';
/**
 * How much history the city's families get: `year`, the school year 2025/2026 (ended) and the current
 * term; `term`, the current term only (2026/2027 from 14 September to today); `week`, enrolled since the
 * Monday of last week — the same families, badges and top-ups with a week of days, for a shared machine
 * on which a year of the jobs takes hours.
 */
export type History = 'year' | 'term' | 'week';

/** The first day of the city's history. */
function citySince(history: History, today: string): string {
  if (history === 'year') return PREVIOUS_YEAR.startsOn;
  if (history === 'term') return CURRENT_YEAR.startsOn;
  let monday = addDays(today, -7);
  while (isoWeekday(monday) !== 1) monday = addDays(monday, -1);
  return monday > CURRENT_YEAR.startsOn ? monday : CURRENT_YEAR.startsOn;
}

export const SCALES: Record<Exclude<Scale, 'demo'>, { schools: number; pupils: number; holders: number }> = {
  small: { schools: 8, pupils: 600, holders: 480 },
  rome: { schools: 400, pupils: 150_000, holders: 120_000 },
};

/** The city's fiscal codes: holders ROMAH…, pupils ROMAP…, numbered from 0 (16 characters, never a real code). */
export const cityHolderCode = (i: number) => `ROMAH${String(i).padStart(11, '0')}`;
export const cityPupilCode = (i: number) => `ROMAP${String(i).padStart(11, '0')}`;

const CHUNK = 1000;
const PREVIOUS_YEAR = { label: '2025/2026', startsOn: '2025-09-15', endsOn: '2026-06-10' };
const CURRENT_YEAR = { label: '2026/2027', startsOn: '2026-09-14' };
/** What the previous year's prepaid canteen cost per band A…D, as the demo's postpaid one. */
const PREVIOUS_PREPAID_CENTS = { A: 190, B: 310, C: 400, D: 480 } as const;
const BANDS = ['A', 'B', 'C', 'D'] as const;
const GIVEN = ['Giulia', 'Marco', 'Sara', 'Luca', 'Chiara', 'Matteo', 'Elena', 'Davide', 'Anna', 'Paolo'];
const FAMILY = ['Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Costa'];

const log = (message: string) => console.error(`[bench:data] ${message}`);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function insertChunked<T extends keyof DB & string>(db: Kysely<DB>, table: T, count: number, row: (i: number) => Record<string, unknown>) {
  for (let start = 0; start < count; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, count - start) }, (_, k) => row(start + k));
    await db.insertInto(table).values(rows as never).execute();
  }
}

async function firstId(db: Kysely<DB>, table: 'person' | 'pupil' | 'badge', enteId: number, after: number): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).where('id', '>', after).executeTakeFirstOrThrow();
  return Number(row.id);
}

async function maxId(db: Kysely<DB>, table: 'person' | 'pupil' | 'badge'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
  return Number(row.id ?? 0);
}

/** The city's families in the demo's ente, as the office would have registered and enrolled them; the first city holder's and pupil's ids. */
async function addCityFamilies(database: Database, ente: Ente, size: { schools: number; pupils: number; holders: number }, history: History, since: string) {
  const db = database.db;
  const twoChildren = size.pupils - size.holders; // holders 0…twoChildren-1 have two children, the others one
  const holderOf = (p: number) => (p < 2 * twoChildren ? Math.floor(p / 2) : p - twoChildren);
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const service = async (name: string) => (await trx.selectFrom('service').select('id').where('ente_id', '=', ente.id).where('name', '=', name).executeTakeFirstOrThrow()).id;
    const year = async (label: string) => (await trx.selectFrom('school_year').select('id').where('ente_id', '=', ente.id).where('label', '=', label).executeTakeFirstOrThrow()).id;
    const prepaid = await service('Refezione scolastica (prepagata)');
    const postpaid = await service('Refezione scolastica (a consuntivo)');
    const previousYear = await year(PREVIOUS_YEAR.label);
    const currentYear = await year(CURRENT_YEAR.label);

    // The demo ran no prepaid canteen last year; the city did, at last year's prices.
    const currentPrepaid = await trx.selectFrom('tariff').selectAll().where('service_id', '=', prepaid).where('school_year_id', '=', currentYear).execute();
    for (const t of currentPrepaid.filter((t) => t.band_code in PREVIOUS_PREPAID_CENTS)) {
      await trx.insertInto('tariff').values({ ...t, id: undefined, school_year_id: previousYear, amount_cents: PREVIOUS_PREPAID_CENTS[t.band_code as keyof typeof PREVIOUS_PREPAID_CENTS] } as never).execute();
    }
    await trx.insertInto('sibling_reduction').values([
      { ente_id: ente.id, service_id: prepaid, school_year_id: previousYear, child_rank: 2, percent_bp: 2000 },
      { ente_id: ente.id, service_id: prepaid, school_year_id: previousYear, child_rank: 3, percent_bp: 3000 },
    ]).execute();
    const tariffs = await trx.selectFrom('tariff').select(['id', 'service_id', 'school_year_id', 'band_code']).where('ente_id', '=', ente.id).execute();
    const tariffOf = (serviceId: number, yearId: number, band: string) => tariffs.find((t) => t.service_id === serviceId && t.school_year_id === yearId && t.band_code === band)!.id;

    const lastSchool = Number((await trx.selectFrom('school').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
    const levels = ['infanzia', 'primaria', 'secondaria'] as const;
    await insertChunked(trx, 'school', size.schools, (s) => ({
      ente_id: ente.id, name: `Scuola ${levels[s % 3]} n. ${s + 1} (benchmark)`, level: levels[s % 3], address: `Via della Scuola ${s + 1}, Roma`, service_weekdays: '1,2,3,4,5',
    }));
    const schools = (await trx.selectFrom('school').select('id').where('id', '>', lastSchool).orderBy('id').execute()).map((r) => r.id);
    const schoolOf = (p: number) => schools[p % schools.length]!;
    const prepaidSchool = (p: number) => (p % schools.length) % 2 === 0;

    const person = (code: string, given: string, family: string, sex: 'F' | 'M', birthDate: string, i: number) => ({
      ente_id: ente.id, fiscal_code: code, given_name: given, family_name: family, search_key: searchKeyOf({ givenName: given, familyName: family }), sex, birth_date: birthDate, birth_place: 'Roma',
      address: `Via del Benchmark ${(i % 300) + 1}`, postcode: '00100', city: 'Roma', province: 'RM', email: null, phone: null,
    });
    const afterPersons = await maxId(trx, 'person');
    await insertChunked(trx, 'person', size.holders, (h) => person(cityHolderCode(h), GIVEN[h % 10]!, FAMILY[h % 10]!, h % 2 ? 'M' : 'F', `19${80 + (h % 12)}-0${1 + (h % 9)}-1${h % 10}`, h));
    // Siblings are born in different years: the elder is the first child (sibling ranks follow birth dates).
    await insertChunked(trx, 'person', size.pupils, (p) =>
      person(cityPupilCode(p), GIVEN[(p + 3) % 10]!, FAMILY[holderOf(p) % 10]!, p % 2 ? 'F' : 'M', `${2014 + (p % 8)}-0${1 + (p % 9)}-2${p % 8}`, holderOf(p)),
    );
    const firstHolder = await firstId(trx, 'person', ente.id, afterPersons);
    const firstChild = firstHolder + size.holders;

    const afterPupils = await maxId(trx, 'pupil');
    const diets = ['senza-glutine', 'senza-lattosio', 'vegetariana'];
    await insertChunked(trx, 'pupil', size.pupils, (p) => ({
      ente_id: ente.id, person_id: firstChild + p, school_id: schoolOf(p), class_name: `${1 + (p % 5)}ª ${'ABC'[p % 3]}`,
    }));
    const firstPupil = await firstId(trx, 'pupil', ente.id, afterPupils);
    // One pupil in 30 has a special diet, approved for the whole year (decision 0024).
    await insertChunked(trx, 'pupil_diet', Math.ceil(size.pupils / 30), (k) => ({
      ente_id: ente.id, pupil_id: firstPupil + k * 30, diet_code: diets[(k * 30) % 3], kind: 'medical', reason: 'benchmark', certificate_attachment_id: null,
      declared_on: null, state: 'approvata', approved_from: CURRENT_YEAR.startsOn, approved_to: null, approved_by: 'bench', approved_at: now, recorded_by: 'bench', created_at: now,
    }));
    await insertChunked(trx, 'pupil_holder', size.pupils, (p) => ({ ente_id: ente.id, pupil_id: firstPupil + p, person_id: firstHolder + holderOf(p), relation: 'intestatario' }));

    const enrolment = (p: number, yearId: number, current: boolean) => {
      const serviceId = prepaidSchool(p) ? prepaid : postpaid;
      const h = holderOf(p);
      return {
        ente_id: ente.id, pupil_id: firstPupil + p, service_id: serviceId, school_year_id: yearId, school_id: schoolOf(p), holder_person_id: firstHolder + h,
        tariff_id: tariffOf(serviceId, yearId, BANDS[h % 4]!), state: current ? 'attiva' : 'cessata', starts_on: current ? (since > CURRENT_YEAR.startsOn ? since : CURRENT_YEAR.startsOn) : PREVIOUS_YEAR.startsOn,
        ends_on: current ? null : PREVIOUS_YEAR.endsOn, payment_mode: 'pagopa', debit_iban: null, invoice_recipient: `${GIVEN[h % 10]} ${FAMILY[h % 10]}`,
        invoice_address: `Via del Benchmark ${(h % 300) + 1}, 00100 Roma (RM)`, invoice_email: null, reduction_note: null, created_at: now,
      };
    };
    if (history === 'year') await insertChunked(trx, 'enrolment', size.pupils, (p) => enrolment(p, previousYear, false));
    await insertChunked(trx, 'enrolment', size.pupils, (p) => enrolment(p, currentYear, true));
    // One enrolment in a hundred of this year has a 50 % exemption from the social services.
    await sql`
      insert into tariff_exemption (ente_id, enrolment_id, percent_bp, reason, valid_from, valid_to, created_at)
      select ente_id, id, 5000, 'Esenzione parziale (benchmark)', cast(${CURRENT_YEAR.startsOn} as text), null, cast(${now} as text)
      from enrolment where ente_id = ${ente.id} and pupil_id >= ${firstPupil} and school_year_id = ${currentYear} and (pupil_id - ${firstPupil}) % 100 = 0`.execute(trx);
    // Every enrolment has its first term, as the office's form and the import write it (decision 0018), so
    // that the jobs' and pages' look-ups of the term in force find one, as in a real ente.
    await sql`
      insert into enrolment_term (ente_id, enrolment_id, valid_from, school_id, class_name, tariff_id, isee_cents, isee_attested_on, holder_person_id, payment_mode, debit_iban, author, created_at)
      select e.ente_id, e.id, e.starts_on, e.school_id, p.class_name, e.tariff_id, e.isee_cents, e.isee_attested_on, e.holder_person_id, e.payment_mode, e.debit_iban, 'bench', cast(${now} as text)
      from enrolment e join pupil p on p.id = e.pupil_id
      where e.ente_id = ${ente.id} and e.pupil_id >= ${firstPupil}`.execute(trx);
    const prepaidPupils = Array.from({ length: size.pupils }, (_, p) => p).filter(prepaidSchool);
    await insertChunked(trx, 'badge', prepaidPupils.length, (k) => ({
      ente_id: ente.id, code: `R${String(prepaidPupils[k]).padStart(6, '0')}`, pupil_id: firstPupil + prepaidPupils[k]!, service_id: prepaid, issued_on: '2025-09-10', active: 1,
    }));
    return { firstHolder, firstPupil };
  });
}

/**
 * The parents' absences and light meals of every school day up to today: what the freeze reads. About
 * one pupil in twenty is absent and one in fifty has a light meal each day, a different set every day.
 */
async function addDailyChanges(db: Kysely<DB>, ente: Ente, firstPupil: number, today: string, since: string) {
  let n = 0;
  for (let date = since; date <= today; date = addDays(date, 1)) {
    if (isoWeekday(date) > 5 || (date > PREVIOUS_YEAR.endsOn && date < CURRENT_YEAR.startsOn)) continue;
    n++;
    await sql`
      insert into attendance_change (ente_id, pupil_id, date, status, source, notice_id, set_at)
      select ente_id, id, cast(${date} as text), case when (id + ${sql.lit(n)}) % 50 = 7 then 'light_meal' else 'absent' end, 'parent', null, cast(${`${date}T06:00:00.000Z`} as text)
      from pupil
      where ente_id = ${ente.id} and id >= ${firstPupil} and ((id * 7 + ${sql.lit(n)}) % 20 = 0 or (id + ${sql.lit(n)}) % 50 = 7)`.execute(db);
  }
}

/** One badge in ten of the city has a top-up asked for this morning and not paid yet (Ricariche, Conto corrente). */
async function addPendingTopUps(db: Kysely<DB>, ente: Ente, firstHolder: number) {
  const badges = await db
    .selectFrom('badge as b')
    .innerJoin('pupil_holder as ph', 'ph.pupil_id', 'b.pupil_id')
    .select(['b.id', 'ph.person_id as holderId'])
    .where('b.ente_id', '=', ente.id)
    .where('ph.person_id', '>=', firstHolder)
    .orderBy('b.id')
    .execute();
  const chosen = badges.filter((_, i) => i % 10 === 0);
  const askedAt = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < chosen.length; i += 500) {
    await db.transaction().execute(async (trx) => {
      for (const badge of chosen.slice(i, i + 500)) await openTopup(trx, ente, badge.id, badge.holderId, 2_000, askedAt);
    });
  }
  return chosen.length;
}

/** The dataset in a fresh database at `url`; returns counts of what it holds. */
export async function buildDataset(url: string, scale: Scale, history: History = 'year'): Promise<Record<string, number>> {
  const started = performance.now();
  const database = await resetDatabase(url);
  try {
    const db = database.db;
    if (database.dialect === 'sqlite') {
      // A dataset is rebuilt, never recovered: its writer keeps the rollback journal in memory and does not
      // wait for the disk (a crash means building it again), and keeps 4 GB of pages — the indexes the
      // jobs insert into at random (by pupil, enrolment, badge) grow to gigabytes over a year. WAL wrote
      // every page twice (log, then checkpoint) and synced at each checkpoint. WAL is back at the end.
      await sql`pragma journal_mode = memory`.execute(db);
      await sql`pragma synchronous = off`.execute(db);
      await sql`pragma cache_size = -4000000`.execute(db);
    }
    await migrateToLatest(database);
    await seedDemo(db);
    const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
    const today = romeDate(systemClock.now());
    const analyze = async () => {
      // Autovacuum would analyse the tables as they grow; on this server it is off, so the dataset does it.
      if (database.dialect === 'postgres') await sql`analyze`.execute(db);
    };
    let firstHolder = Number.MAX_SAFE_INTEGER;
    if (scale !== 'demo') {
      let phase = performance.now();
      const since = citySince(history, today);
      const city = await addCityFamilies(database, ente, SCALES[scale], history, since);
      firstHolder = city.firstHolder;
      log(`${scale}: families, enrolments and badges (enrolled since ${since}) in ${seconds(phase)} s`);
      phase = performance.now();
      await addDailyChanges(db, ente, city.firstPupil, today, since);
      await analyze();
      log(`${scale}: parents' daily changes in ${seconds(phase)} s`);
    }
    let phaseStart = performance.now();
    await buildDemoHistory(db, systemClock, {
      notPaying: (holderId) => holderId >= firstHolder,
      after: async (phase) => {
        await analyze();
        log(`${scale}: history ${phase} in ${seconds(phaseStart)} s`);
        phaseStart = performance.now();
      },
    });
    if (scale !== 'demo') {
      const topUps = await addPendingTopUps(db, ente, firstHolder);
      const published = await db
        .updateTable('payment_notice')
        .set({ position_state: 'published', published_at: new Date().toISOString() })
        .where('ente_id', '=', ente.id)
        .where('holder_person_id', '>=', firstHolder)
        .where('position_state', '=', 'to_publish')
        .executeTakeFirst();
      log(`${scale}: ${topUps} pending top-ups; ${Number(published.numUpdatedRows)} notices marked published`);
    }
    // Vacuumed as well as analysed at the end, as autovacuum would have left the tables by now: it also sets
    // the visibility map, without which PostgreSQL's index-only scans (decision 0035) visit the table anyway.
    if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
    if (database.dialect === 'sqlite') {
      await sql`pragma synchronous = normal`.execute(db);
      await sql`pragma journal_mode = wal`.execute(db);
    }
    const counts: Record<string, number> = {};
    for (const table of ['school', 'pupil', 'person', 'enrolment', 'badge', 'attendance', 'charge', 'movement', 'document', 'payment_notice', 'topup'] as const) {
      counts[table] = Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    }
    counts.seconds = Math.round((performance.now() - started) / 1000);
    return counts;
  } finally {
    await database.destroy();
  }
}

/** Where a scale's dataset lives by default: outside the repository. */
export function defaultUrl(scale: Scale, engine: 'sqlite' | 'pg'): string {
  if (engine === 'sqlite') return `sqlite:/tmp/ssol-bench/${scale}.db`;
  const url = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/ssol_bench_${scale}`;
  return url.href;
}

async function ensurePostgresDatabase(url: string) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^\w+$/.test(name)) throw new Error(`unexpected database name: ${name}`);
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.href });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { scale: { type: 'string', default: 'rome' }, engine: { type: 'string', default: 'sqlite' }, history: { type: 'string', default: 'year' }, out: { type: 'string' }, from: { type: 'string' } },
  });
  const scale = values.scale as Scale;
  if (!['demo', 'small', 'rome'].includes(scale)) throw new Error('--scale is demo, small or rome');
  const history = values.history as History;
  if (!['year', 'term', 'week'].includes(history)) throw new Error('--history is year, term or week');
  const engine = values.engine === 'pg' || values.engine === 'postgres' ? 'pg' : 'sqlite';
  const url = values.out ?? defaultUrl(scale, engine);
  if (url.startsWith('sqlite:')) mkdirSync(url.slice('sqlite:'.length).replace(/\/[^/]+$/, ''), { recursive: true });
  else await ensurePostgresDatabase(url);
  if (values.from) {
    if (engine !== 'pg') throw new Error('--from copies a SQLite dataset into PostgreSQL: add --engine pg');
    log(`copying ${values.from} to ${url.replace(/\/\/[^@/]*@/, '//')}`);
    const counts = await copyDataset(values.from, url);
    process.stdout.write(`${JSON.stringify({ scale, from: values.from, url: url.replace(/\/\/[^@/]*@/, '//'), ...counts })}\n`);
    return;
  }
  log(`building ${scale} (history: ${history}) at ${url.replace(/\/\/[^@/]*@/, '//')}`);
  const counts = await buildDataset(url, scale, history);
  process.stdout.write(`${JSON.stringify({ scale, history, url: url.replace(/\/\/[^@/]*@/, '//'), ...counts })}\n`);
}

if (process.argv[1]?.endsWith('bench/data.ts')) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
