/**
 * Benchmark of money (issue 4):
 *  (a) charging one frozen day of 150,000 booked meals (`chargeDay`), a quarter of them on a prepaid
 *      service (a debit on the badge each) and the rest postpaid, with the month's earlier days already
 *      charged;
 *  (b) the monthly billing (`billMonth`) of 150,000 postpaid enrolments with every day of the month
 *      frozen and charged (about 3 million charges on its 21 service days);
 *  (c) the Conto corrente virtuale page of a badge with a whole school year of daily meals, under wrk
 *      against the production build (SQLite, demo data).
 *
 *   npm run bench:money            # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:money   # (a) and (b) on PostgreSQL too
 *
 * BENCH_MONEY_ONLY=charge|billing|page runs one part and prints it without touching bench/RESULTS.md.
 * The billing runs in a child process stopped after BENCH_MONEY_BILLING_LIMIT_S seconds (default 300).
 *
 * The data the measured jobs read is seeded with set-based SQL (`insert … select` per day over the
 * enrolments); the seeding is timed and printed but not measured against any target. Each engine gets a
 * throw-away database per part. On PostgreSQL the seeded tables are ANALYZEd, as autovacuum would have
 * done in production long before a month is billed; SQLite gets no ANALYZE, as the application runs none.
 */
import { execFileSync, fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RawBuilder, sql, type UnknownRow } from 'kysely';
import { createDatabase, type Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import type { DB, Ente } from '../src/db/schema';
import { buildDemoHistory } from '../src/demo/history';
import { seedDemo } from '../src/demo/seed';
import { createBillingService } from '../src/domain/billing/billing';
import { firstOfMonth, lastOfMonth } from '../src/domain/billing/periods';
import { italianHolidays } from '../src/domain/calendar/holidays';
import { addDays, isoWeekday, romeDate } from '../src/domain/calendar/local-time';
import { createFreezeService } from '../src/domain/canteen/freeze';
import { fixedClock, systemClock } from '../src/domain/clock';
import { createChargingService, SYSTEM_AUTHOR } from '../src/domain/ledger/charging';
import { createThrowawayDatabase } from '../test/helpers/databases';
import { adaAndTommaso, BASE, CONNECTIONS, DURATION_S, load, onEngines, requireWrk, startServer, stopServer, WARM_UP_S, waitForHealth } from './harness';
import { writeSection } from './results';

const PUPILS = 150_000;
const SCHOOLS = 400;
/** (a) One school in PREPAID_EVERY is on the prepaid canteen (badges), the others postpaid. */
const PREPAID_EVERY = 4;
const CHARGE_DAY = '2026-11-23'; // a Monday of the school year
const MONTH = '2026-11';
/** (b) The monthly job runs early on the first of the next month. */
const BILLING_INSTANT = new Date('2026-12-01T06:00:00+01:00');
const CHUNK = 500;
/** (b) A billing still running after this long (five times the target) is stopped and reported as such. */
const BILLING_LIMIT_S = Number(process.env.BENCH_MONEY_BILLING_LIMIT_S ?? 300);
const BILLING_CHILD = '--billing-child';
const MEAL_CENTS = 400;
const YEAR_END = '2027-06-10';

const BADGE_CODE = 'B100001';

/** The rows of the movements table (the page may also list top-ups waiting for payment, in a table of their own). */
function movementRows(html: string): number {
  const table = html.slice(html.indexOf(`Movimenti del badge ${BADGE_CODE}`));
  return (table.slice(0, table.indexOf('</table>')).match(/<tr>/g) ?? []).length - 1; // less the header row
}
const SOFIA_MEAL_CENTS = -328;
/** (c) The period of the comparison run of the page. */
const COMPARISON_MONTH = ['2026-11-01', '2026-11-30'] as const;
/** (c) Top-ups Ada makes later in the year, so that the account does not sink ever deeper. */
const LATER_TOP_UPS: [string, number][] = [
  ['2026-12-01', 7_000], ['2027-01-08', 7_000], ['2027-02-01', 7_000], ['2027-03-01', 7_000],
  ['2027-04-01', 7_000], ['2027-05-03', 7_000], ['2027-06-01', 3_000],
];

const seconds = (since: number) => (performance.now() - since) / 1000;
const progress = (message: string) => console.error(`[bench:money] ${message}`);

/** The service days of a month for the large ente: weekdays that are no national holiday (it has no closures). */
function serviceDaysOf(period: string): string[] {
  const holidays = new Set(italianHolidays(Number(period.slice(0, 4))).map((h) => h.date));
  const days: string[] = [];
  for (let date = firstOfMonth(period); date <= lastOfMonth(period); date = addDays(date, 1)) {
    if (isoWeekday(date) <= 5 && !holidays.has(date)) days.push(date);
  }
  return days;
}

/**
 * Sums the time of the queries a job runs, per statement (its kind and tables, or the start of a raw
 * SQL text). Each query is given the wall time from its start, or from the end of the query before it if
 * that is later: on SQLite, whose one connection runs one query at a time, that is its own execution;
 * queries run concurrently on PostgreSQL share their common time. The sum is the wall time with a query
 * in flight; the rest of a job's time is JavaScript. Times are absolute (ms since the epoch), so that a
 * child process can report them.
 */
class QueryTally {
  private readonly totals = new Map<string, { count: number; ms: number }>();
  private readonly running = new Map<number, { label: string; at: number }>();
  private lastEnd = 0;

  start(id: number, label: string, at: number) {
    this.running.set(id, { label, at });
  }

  end(id: number, at: number) {
    const start = this.running.get(id);
    if (!start) return;
    this.running.delete(id);
    const total = this.totals.get(start.label) ?? { count: 0, ms: 0 };
    total.count++;
    total.ms += Math.max(0, at - Math.max(start.at, this.lastEnd));
    this.lastEnd = Math.max(this.lastEnd, at);
    this.totals.set(start.label, total);
  }

  /** Queries started and not finished, with the seconds since they started. */
  inFlight(now: number): { label: string; seconds: number }[] {
    return [...this.running.values()].map((q) => ({ label: q.label, seconds: (now - q.at) / 1000 }));
  }

  report(): QueryReport {
    const queries = [...this.totals.entries()].map(([label, t]) => ({ label, count: t.count, seconds: t.ms / 1000 })).sort((a, b) => b.seconds - a.seconds);
    return { seconds: queries.reduce((sum, q) => sum + q.seconds, 0), queries };
  }
}

interface QueryReport {
  seconds: number;
  queries: { label: string; count: number; seconds: number }[];
}

const clockMs = () => performance.timeOrigin + performance.now();

/** A Kysely plugin that tells `events` when each query starts and ends. */
class QueryTimer implements KyselyPlugin {
  private readonly ids = new WeakMap<object, number>();
  private next = 0;

  constructor(private readonly events: { start(id: number, label: string, at: number): void; end(id: number, at: number): void }) {}

  transformQuery(args: PluginTransformQueryArgs) {
    const id = ++this.next;
    this.ids.set(args.queryId, id);
    this.events.start(id, labelOf(args.node), clockMs());
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const id = this.ids.get(args.queryId);
    if (id !== undefined) this.events.end(id, clockMs());
    return args.result;
  }
}

function tableName(node: unknown): string {
  const n = node as { kind?: string; node?: unknown; table?: { identifier?: { name?: string } } } | undefined;
  if (n?.kind === 'AliasNode') return tableName(n.node);
  return n?.table?.identifier?.name ?? '?';
}

function labelOf(node: unknown): string {
  const n = node as {
    kind: string;
    from?: { froms: unknown[] };
    joins?: { table: unknown }[];
    into?: unknown;
    table?: unknown;
    sqlFragments?: string[];
  };
  const joined = n.joins?.length ? ` ⋈ ${n.joins.map((j) => tableName(j.table)).join(', ')}` : '';
  switch (n.kind) {
    case 'SelectQueryNode':
      return `select from ${tableName(n.from?.froms[0])}${joined}`;
    case 'InsertQueryNode':
      return `insert into ${tableName(n.into)}`;
    case 'UpdateQueryNode':
      return `update ${tableName(n.table)}`;
    case 'RawNode':
      return `sql: ${(n.sqlFragments?.[0] ?? '').replace(/\s+/g, ' ').trim().slice(0, 60)}…`;
    default:
      return n.kind;
  }
}

async function insertChunked<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
  }
}

interface LargeEnte {
  ente: Ente;
  /** Pupil ids are consecutive from here: pupil `firstPupil + i` is the i-th. */
  firstPupil: number;
  prepaidPupils: number;
}

/**
 * A large fictitious ente: 400 schools, 150,000 pupils enrolled in the canteen at band price 4,00 €;
 * pupils 2k and 2k+1 share a holder (the second child has 20 % off); one pupil in a hundred has a 50 %
 * exemption. With `prepaidEvery` set, that share of the schools is on a prepaid canteen and each of its
 * pupils has an active badge.
 */
async function seedLargeEnte(database: Database, options: { prepaidEvery: number; lightMealsOn?: string }): Promise<LargeEnte> {
  const skipChecks = await canSkipChecks(database);
  return database.db.transaction().execute(async (trx) => {
    if (skipChecks) await sql`set local session_replication_role = replica`.execute(trx);
    const now = new Date().toISOString();
    const { id: enteId } = await trx
      .insertInto('ente')
      .values({
        slug: 'grande', name: 'Comune Grande (benchmark)', tax_code: '00300030038', cbill: null, iban: null, segregation_code: null,
        postal_account: null, cutoff_time: '09:30', office_name: 'Ufficio', office_email: 'ufficio@grande.example',
        office_phone: '000', office_hours: '-', office_address: '-', created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const schoolIds: number[] = [];
    for (let s = 0; s < SCHOOLS; s++) {
      const row = await trx
        .insertInto('school')
        .values({ ente_id: enteId, name: `Scuola ${s + 1}`, level: s % 3 === 0 ? 'infanzia' : 'primaria', address: '-', service_weekdays: '1,2,3,4,5' })
        .returning('id')
        .executeTakeFirstOrThrow();
      schoolIds.push(row.id);
    }
    const year = await trx.insertInto('school_year').values({ ente_id: enteId, label: '2026/2027', starts_on: '2026-09-14', ends_on: YEAR_END }).returning('id').executeTakeFirstOrThrow();
    const canteen = async (name: string, billing: 'prepaid' | 'postpaid') => {
      const service = await trx.insertInto('service').values({ ente_id: enteId, kind: 'refezione', name, billing, taxonomy_code: '9/0107101TS/' }).returning('id').executeTakeFirstOrThrow();
      const tariff = await trx
        .insertInto('tariff')
        .values({
          ente_id: enteId, service_id: service.id, school_year_id: year.id, band_code: 'A', band_label: 'Fascia A', isee_min_cents: 0, isee_max_cents: null,
          resident: 1, unit: 'pasto', amount_cents: MEAL_CENTS, valid_from: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('sibling_reduction').values({ ente_id: enteId, service_id: service.id, school_year_id: year.id, child_rank: 2, percent_bp: 2000 }).execute();
      return { serviceId: service.id, tariffId: tariff.id };
    };
    const postpaid = await canteen('Refezione scolastica (a consuntivo)', 'postpaid');
    const prepaid = options.prepaidEvery ? await canteen('Refezione scolastica (prepagata)', 'prepaid') : postpaid;
    const prepaidSchool = (i: number) => options.prepaidEvery > 0 && (i % SCHOOLS) % options.prepaidEvery === 0;

    const person = (i: number) => ({
      ente_id: enteId, fiscal_code: `BENCH${String(i).padStart(11, '0')}`, given_name: 'N', family_name: `F${i}`, sex: 'F',
      birth_date: '2018-01-01', birth_place: '-', address: '-', postcode: '-', city: '-', province: '-', email: null, phone: null,
    });
    // Persons 0…PUPILS-1 are pupils, the next PUPILS/2 their holders: ids follow insertion order.
    await insertChunked(trx, 'person', Array.from({ length: PUPILS + PUPILS / 2 }, (_, i) => person(i)));
    const firstPerson = (await trx.selectFrom('person').select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id as number;
    await insertChunked(
      trx,
      'pupil',
      Array.from({ length: PUPILS }, (_, i) => ({ ente_id: enteId, person_id: firstPerson + i, school_id: schoolIds[i % SCHOOLS], class_name: '1A' })),
    );
    const firstPupil = (await trx.selectFrom('pupil').select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id as number;
    await insertChunked(
      trx,
      'enrolment',
      Array.from({ length: PUPILS }, (_, i) => {
        const canteenOf = prepaidSchool(i) ? prepaid : postpaid;
        return {
          ente_id: enteId, pupil_id: firstPupil + i, service_id: canteenOf.serviceId, school_year_id: year.id, school_id: schoolIds[i % SCHOOLS],
          holder_person_id: firstPerson + PUPILS + Math.floor(i / 2), tariff_id: canteenOf.tariffId, state: 'attiva', starts_on: '2026-09-14',
          ends_on: null, payment_mode: 'pagopa', debit_iban: null, invoice_recipient: '-', invoice_address: '-', invoice_email: null,
          reduction_note: null, created_at: now,
        };
      }),
    );
    const firstEnrolment = (await trx.selectFrom('enrolment').select((eb) => eb.fn.min('id').as('id')).where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id as number;
    const indices = Array.from({ length: PUPILS }, (_, i) => i);
    // Each pupil's intestatario, linked as the registry links them: the billing queues each new document's
    // message to the adults who follow the pupil (issue 16) in its own batches, so its time includes them.
    await insertChunked(
      trx,
      'pupil_holder',
      indices.map((i) => ({ ente_id: enteId, pupil_id: firstPupil + i, person_id: firstPerson + PUPILS + Math.floor(i / 2), relation: 'intestatario' })),
    );
    await insertChunked(
      trx,
      'tariff_exemption',
      indices.filter((i) => i % 100 === 0).map((i) => ({
        ente_id: enteId, enrolment_id: firstEnrolment + i, percent_bp: 5000, reason: 'Esenzione parziale (benchmark)', valid_from: '2026-09-14', valid_to: null, created_at: now,
      })),
    );
    const prepaidIndices = indices.filter(prepaidSchool);
    if (options.prepaidEvery) {
      await insertChunked(
        trx,
        'badge',
        prepaidIndices.map((i) => ({ ente_id: enteId, code: `G${i}`, pupil_id: firstPupil + i, service_id: prepaid.serviceId, issued_on: '2026-09-10', active: 1 })),
      );
    }
    if (options.lightMealsOn) {
      // One pupil in fifty has a light meal: still a booked (and charged) meal.
      await insertChunked(
        trx,
        'attendance_change',
        indices.filter((i) => i % 50 === 7).map((i) => ({
          ente_id: enteId, pupil_id: firstPupil + i, date: options.lightMealsOn, status: 'light_meal', source: 'parent', notice_id: null, set_at: now,
        })),
      );
    }
    const ente = (await trx.selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
    return { ente, firstPupil, prepaidPupils: options.prepaidEvery ? prepaidIndices.length : 0 };
  });
}

/**
 * Days already frozen and charged, `from` … `to`, as the jobs leave them: every calendar day has its
 * day_freeze and day_charge rows (a day without service with none of meals or charges). On each service
 * day one `insert … select` over the enrolments gives each its charge as the charging job prices it
 * (20 % off for the second child, 50 % exemption for one in a hundred), with about one absence in 23
 * (no charge) and one light meal in 50; then the prepaid debits exactly as the job writes them. No
 * attendance rows: neither charging another day nor billing reads them.
 */
async function seedChargedDays(database: Database, large: LargeEnte, from: string, to: string) {
  const db = database.db;
  const enteId = large.ente.id;
  const idx = sql`(e.pupil_id - ${sql.lit(large.firstPupil)})`;
  const siblingBp = sql`(case when ${idx} % 2 = 1 then 2000 else 0 end)`;
  const siblingCents = sql`((t.amount_cents * ${siblingBp} + 5000) / 10000)`;
  const exemptionBp = sql`(case when ${idx} % 100 = 0 then 5000 else 0 end)`;
  const exemptionCents = sql`(((t.amount_cents - ${siblingCents}) * ${exemptionBp} + 5000) / 10000)`;
  const now = new Date().toISOString();
  const serviceDays = new Set([...new Set([from.slice(0, 7), to.slice(0, 7)])].flatMap(serviceDaysOf));
  const skipChecks = await canSkipChecks(database);
  let n = 0;
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const serviceDay = serviceDays.has(date);
    await db.transaction().execute(async (trx) => {
      if (skipChecks) await sql`set local session_replication_role = replica`.execute(trx);
      if (serviceDay) {
        n++;
        await sql`
          insert into charge (ente_id, enrolment_id, pupil_id, date, kind, tariff_id, unit_price_cents, sibling_bp, sibling_cents,
                              exemption_bp, exemption_cents, amount_cents, reverses_charge_id, reason, author, created_at)
          select e.ente_id, e.id, e.pupil_id, cast(${date} as text),
                 case when (${idx} + ${sql.lit(n)}) % 50 = 7 then 'light_meal' else 'meal' end,
                 e.tariff_id, t.amount_cents, ${siblingBp}, ${siblingCents}, ${exemptionBp}, ${exemptionCents},
                 t.amount_cents - ${siblingCents} - ${exemptionCents}, null, null, cast(${SYSTEM_AUTHOR} as text), cast(${now} as text)
          from enrolment e
          join tariff t on t.id = e.tariff_id
          where e.ente_id = ${enteId} and (${idx} * 7 + ${sql.lit(n)}) % 23 <> 0`.execute(trx);
        // With no statistics on charge (on the first day the table was empty when last analysed) PostgreSQL
        // plans the join below as nested loops that scan the badge index once per charge: hours for 37,500
        // debits. The seeding analyses the tables first.
        if (database.dialect === 'postgres') await sql`analyze charge, enrolment, badge`.execute(trx);
        await sql`
          insert into movement (ente_id, badge_id, amount_cents, kind, value_date, charge_id, author, created_at)
          select c.ente_id, b.id, -c.amount_cents, c.kind, c.date, c.id, cast(${SYSTEM_AUTHOR} as text), cast(${now} as text)
          from charge c
          join enrolment e on e.id = c.enrolment_id
          join service s on s.id = e.service_id and s.billing = 'prepaid'
          join badge b on b.pupil_id = c.pupil_id and b.service_id = e.service_id and b.active = 1
          where c.ente_id = ${enteId} and c.date = ${date} and c.kind in ('meal', 'light_meal')`.execute(trx);
      }
      await sql`
        insert into day_freeze (ente_id, date, frozen_at, meals, claimed_at, completed_at)
        values (${sql.lit(enteId)}, cast(${date} as text), cast(${now} as text), (select count(*) from charge where ente_id = ${enteId} and date = ${date}),
                cast(${now} as text), cast(${now} as text))`.execute(trx);
      await sql`
        insert into day_charge (ente_id, date, charged_at, charges, total_cents, claimed_at, completed_at)
        select ${sql.lit(enteId)}, cast(${date} as text), cast(${now} as text), count(*), coalesce(sum(amount_cents), 0), cast(${now} as text), cast(${now} as text)
        from charge where ente_id = ${enteId} and date = ${date}`.execute(trx);
    });
  }
}

/**
 * On PostgreSQL the foreign-key checks are most of a seeding insert's time (about 5 of 8 s for a day of
 * charges): a superuser skips them (and the triggers) in the seeding transactions, whose rows are made
 * from rows that exist. Elsewhere the seeding runs with every check.
 */
async function canSkipChecks(database: Database): Promise<boolean> {
  if (database.dialect !== 'postgres') return false;
  const role = await sql<{ yes: boolean }>`select rolsuper as yes from pg_roles where rolname = current_user`.execute(database.db);
  return role.rows[0]?.yes === true;
}

async function analyzeIfPostgres(database: Database) {
  if (database.dialect === 'postgres') await sql`analyze`.execute(database.db);
}

async function count(database: Database, query: RawBuilder<{ n: number }>): Promise<number> {
  return Number((await query.execute(database.db)).rows[0]?.n ?? 0);
}

/** (a) One day of 150,000 booked meals, frozen by the freeze service, then charged by the charging service. */
async function chargeBenchmark(engine: string, url: string) {
  const database = await resetDatabase(url);
  try {
    await migrateToLatest(database);
    const seedStart = performance.now();
    const large = await seedLargeEnte(database, { prepaidEvery: PREPAID_EVERY, lightMealsOn: CHARGE_DAY });
    await seedChargedDays(database, large, firstOfMonth(MONTH), addDays(CHARGE_DAY, -1));
    await analyzeIfPostgres(database);
    const seedSeconds = seconds(seedStart);
    const chargesBefore = await count(database, sql<{ n: number }>`select count(*) as n from charge`);
    progress(`${engine} (a): seeded ${chargesBefore.toLocaleString('en')} earlier charges in ${seedSeconds.toFixed(1)} s`);

    const freezeStart = performance.now();
    const frozen = await createFreezeService(database.db, fixedClock(new Date('2026-11-23T09:00:00Z'))).freezeDay(large.ente, CHARGE_DAY);
    const freezeSeconds = seconds(freezeStart);
    if (frozen !== 'frozen') throw new Error(`the day was ${frozen}`);

    const tally = new QueryTally();
    const timer = new QueryTimer({ start: (id, label, at) => tally.start(id, label, at), end: (id, at) => tally.end(id, at) });
    const charging = createChargingService(database.db.withPlugin(timer), fixedClock(new Date('2026-11-23T10:05:00+01:00')));
    const start = performance.now();
    const outcome = await charging.chargeDay(large.ente, CHARGE_DAY);
    const chargeSeconds = seconds(start);
    if (outcome !== 'charged') throw new Error(`chargeDay answered ${outcome}`);

    const enteId = large.ente.id;
    const booked = await count(database, sql<{ n: number }>`select count(*) as n from attendance where ente_id = ${enteId} and date = ${CHARGE_DAY} and status in ('present', 'light_meal')`);
    const charges = await count(database, sql<{ n: number }>`select count(*) as n from charge where ente_id = ${enteId} and date = ${CHARGE_DAY}`);
    const debits = await count(database, sql<{ n: number }>`select count(*) as n from movement where ente_id = ${enteId} and value_date = ${CHARGE_DAY}`);
    const recorded = await count(database, sql<{ n: number }>`select charges as n from day_charge where ente_id = ${enteId} and date = ${CHARGE_DAY}`);
    if (booked !== PUPILS || charges !== booked || recorded !== charges || debits !== large.prepaidPupils) {
      throw new Error(`(a) implausible: booked ${booked}, charges ${charges}, day_charge ${recorded}, debits ${debits} of ${large.prepaidPupils} prepaid`);
    }
    return { engine, seedSeconds, chargesBefore, freezeSeconds, seconds: chargeSeconds, charges, debits, queries: tally.report() };
  } finally {
    await database.destroy();
  }
}

type ChildMessage =
  | { type: 'begin'; at: number }
  | { type: 'start'; id: number; label: string; at: number }
  | { type: 'end'; id: number; at: number }
  | { type: 'batch'; at: number }
  | { type: 'done'; at: number; status: string; documents: number };

/**
 * The billing job runs in a child process, which is stopped after BILLING_LIMIT_S: a query of SQLite
 * blocks its process, so a time limit cannot be kept from inside it. The child reports each query and
 * batch as it happens, so a run that is stopped still tells where its time went.
 */
async function billInChild(url: string) {
  const tally = new QueryTally();
  const batchEnds: number[] = [];
  let begin: number | undefined;
  let firstBatchAt: number | undefined;
  let done: Extract<ChildMessage, { type: 'done' }> | undefined;
  const child = fork(fileURLToPath(import.meta.url), [BILLING_CHILD, url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'begin') begin = message.at;
    else if (message.type === 'start') {
      tally.start(message.id, message.label, message.at);
      if (firstBatchAt === undefined && message.label === 'insert into document_counter') firstBatchAt = message.at;
    } else if (message.type === 'end') tally.end(message.id, message.at);
    else if (message.type === 'batch') batchEnds.push(message.at);
    else done = message;
  });
  let stopped = false;
  const timer = setTimeout(() => {
    stopped = true;
    child.kill('SIGKILL');
  }, BILLING_LIMIT_S * 1000);
  const exit = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  const end = done?.at ?? clockMs();
  if (!stopped && (exit !== 0 || !done)) throw new Error(`the billing process failed (exit code ${exit})`);
  const started = begin ?? end;
  return {
    finished: !stopped,
    status: done?.status,
    reportedDocuments: done?.documents,
    seconds: (end - started) / 1000,
    // Readiness, monthly fees and the month's charges grouped per enrolment, before the first batch.
    preparationSeconds: ((firstBatchAt ?? end) - started) / 1000,
    batchSeconds: firstBatchAt !== undefined && batchEnds.length ? (batchEnds.at(-1)! - firstBatchAt) / 1000 : 0,
    batches: batchEnds.length,
    stoppedIn: stopped ? tally.inFlight(end) : [],
    queries: tally.report(),
  };
}

async function billingChild(url: string) {
  const send = (message: ChildMessage) => process.send!(message);
  const database = createDatabase(url);
  try {
    const ente = (await database.db.selectFrom('ente').selectAll().where('slug', '=', 'grande').executeTakeFirstOrThrow()) as Ente;
    const timer = new QueryTimer({ start: (id, label, at) => send({ type: 'start', id, label, at }), end: (id, at) => send({ type: 'end', id, at }) });
    const billing = createBillingService(database.db.withPlugin(timer), fixedClock(BILLING_INSTANT));
    send({ type: 'begin', at: clockMs() });
    const result = await billing.billMonth(ente, MONTH, { afterBatch: () => send({ type: 'batch', at: clockMs() }) });
    send({ type: 'done', at: clockMs(), status: result.status, documents: result.documents });
  } finally {
    await database.destroy();
  }
}

/** (b) The month's billing of 150,000 postpaid enrolments, every service day of the month charged. */
async function billingBenchmark(engine: string, url: string) {
  const database = await resetDatabase(url);
  try {
    await migrateToLatest(database);
    const seedStart = performance.now();
    const large = await seedLargeEnte(database, { prepaidEvery: 0 });
    const days = serviceDaysOf(MONTH);
    await seedChargedDays(database, large, firstOfMonth(MONTH), lastOfMonth(MONTH));
    await analyzeIfPostgres(database);
    const seedSeconds = seconds(seedStart);
    const enteId = large.ente.id;
    const charges = await count(database, sql<{ n: number }>`select count(*) as n from charge where ente_id = ${enteId}`);
    progress(`${engine} (b): seeded ${charges.toLocaleString('en')} charges over ${days.length} days in ${seedSeconds.toFixed(1)} s; billing (stopped after ${BILLING_LIMIT_S} s)`);

    const run = await billInChild(url);
    const year = Number(romeDate(BILLING_INSTANT).slice(0, 4));
    const numbering = (
      await sql<{ n: number; lo: number; hi: number; distinct_numbers: number; total: number }>`
        select count(*) as n, min(number) as lo, max(number) as hi, count(distinct number) as distinct_numbers, sum(total_cents) as total
        from document where ente_id = ${enteId} and year = ${year} and period = ${MONTH}`.execute(database.db)
    ).rows[0]!;
    const lines = await count(database, sql<{ n: number }>`select count(*) as n from document_line l join document d on d.id = l.document_id where d.ente_id = ${enteId}`);
    const messages = await count(database, sql<{ n: number }>`select count(*) as n from message_outbox where ente_id = ${enteId} and kind = 'new_document'`);
    const [n, lo, hi, distinct] = [numbering.n, numbering.lo, numbering.hi, numbering.distinct_numbers].map(Number) as [number, number, number, number];
    if (run.finished) {
      const billedCents = await count(database, sql<{ n: number }>`select sum(amount_cents) as n from charge where ente_id = ${enteId}`);
      if (run.status !== 'billed' || run.reportedDocuments !== PUPILS || n !== PUPILS || lo !== 1 || hi !== n || distinct !== n || Number(numbering.total) !== billedCents) {
        throw new Error(`(b) implausible: ${run.status}, ${run.reportedDocuments} documents reported, ${n} stored, numbers ${lo}…${hi} (${distinct} distinct), ${numbering.total} billed of ${billedCents} charged`);
      }
    } else if (n > 0 && (lo !== 1 || hi !== n || distinct !== n)) {
      throw new Error(`(b) the stopped run left numbers ${lo}…${hi} (${distinct} distinct) on ${n} documents`);
    }
    progress(`${engine} (b): ${run.finished ? `billed in ${run.seconds.toFixed(1)} s` : `stopped after ${run.seconds.toFixed(0)} s in ${run.stoppedIn.map((q) => q.label).join(', ')}`}, ${messages} messages queued`);
    return { engine, seedSeconds, days: days.length, charges, documents: n, lines, messages, ...run };
  } finally {
    await database.destroy();
  }
}

/**
 * (c) The demo as `npm run demo` makes it (history by the jobs up to today), then Sofia's badge gets the
 * rest of the school year: a meal movement (no charge row, charge_id null) on each later service day of
 * her school, and a top-up at the start of each month.
 */
async function pageBenchmark() {
  const sqlite = await createThrowawayDatabase('sqlite');
  try {
    const database = await resetDatabase(sqlite.url);
    let badgeId: number;
    let movements: number;
    let cookie: string;
    try {
      await migrateToLatest(database);
      await seedDemo(database.db);
      const historyStart = performance.now();
      await buildDemoHistory(database.db, systemClock);
      progress(`(c): demo history built in ${seconds(historyStart).toFixed(1)} s`);
      const db = database.db;
      const badge = await db
        .selectFrom('badge')
        .innerJoin('ente', 'ente.id', 'badge.ente_id')
        .innerJoin('pupil', 'pupil.id', 'badge.pupil_id')
        .select(['badge.id', 'badge.ente_id as enteId', 'pupil.school_id as schoolId'])
        .where('ente.slug', '=', 'demo')
        .where('badge.code', '=', BADGE_CODE)
        .executeTakeFirstOrThrow();
      badgeId = badge.id;
      const ente = (await db.selectFrom('ente').selectAll().where('id', '=', badge.enteId).executeTakeFirstOrThrow()) as Ente;
      const lastMeal = await db.selectFrom('movement').select((eb) => eb.fn.max('value_date').as('date')).where('badge_id', '=', badge.id).where('kind', 'in', ['meal', 'light_meal']).executeTakeFirst();
      const today = romeDate(new Date());
      const freeze = createFreezeService(db, systemClock);
      const rows = [];
      const now = new Date().toISOString();
      for (let date = addDays([lastMeal?.date ?? '2026-09-13', today].sort().at(-1)!, 1); date <= YEAR_END; date = addDays(date, 1)) {
        if (!(await freeze.schoolsServing(ente, date)).includes(badge.schoolId)) continue;
        rows.push({ ente_id: ente.id, badge_id: badge.id, amount_cents: SOFIA_MEAL_CENTS, kind: 'meal' as const, value_date: date, charge_id: null, reverses_movement_id: null, note: null, author: SYSTEM_AUTHOR, created_at: now });
      }
      for (const [date, cents] of LATER_TOP_UPS) {
        if (date <= today) continue;
        rows.push({ ente_id: ente.id, badge_id: badge.id, amount_cents: cents, kind: 'topup' as const, value_date: date, charge_id: null, reverses_movement_id: null, note: null, author: 'pagoPA', created_at: now });
      }
      if (rows.length) await db.insertInto('movement').values(rows).execute();
      const year = await db.selectFrom('school_year').select(['starts_on', 'ends_on']).where('ente_id', '=', ente.id).where('starts_on', '<=', today).orderBy('starts_on', 'desc').executeTakeFirstOrThrow();
      movements = await count(database, sql<{ n: number }>`select count(*) as n from movement where badge_id = ${badge.id} and value_date >= ${year.starts_on} and value_date <= ${year.ends_on}`);
      cookie = (await adaAndTommaso(database)).cookie;
    } finally {
      await database.destroy();
    }
    const path = `/demo/conto-corrente?badge=${badgeId}`;
    const runs = [];
    // One process, and the two a 2-core server runs (WEB_CONCURRENCY=2).
    for (const workers of [1, 2]) {
      const server = startServer(sqlite.url, workers);
      try {
        await waitForHealth(Date.now() + 20_000);
        const check = await fetch(BASE + path, { headers: { cookie } });
        const html = await check.text();
        const shown = movementRows(html);
        if (check.status !== 200 || !html.includes(`Movimenti del badge ${BADGE_CODE}`) || shown !== movements || movements < 180) {
          throw new Error(`the benchmark did not see the whole year on the page (HTTP ${check.status}, ${shown} rows shown of ${movements})`);
        }
        const result = load(path, { cookie });
        // For comparison (no target): the same page for one month, to tell the cost of the rows from the rest.
        const monthPath = `${path}&dal=${COMPARISON_MONTH[0]}&al=${COMPARISON_MONTH[1]}`;
        const monthHtml = await (await fetch(BASE + monthPath, { headers: { cookie } })).text();
        const month = { ...load(monthPath, { cookie }), movements: movementRows(monthHtml), bytes: Buffer.byteLength(monthHtml) };
        runs.push({ ...result, workers, movements, bytes: Buffer.byteLength(html), month });
      } finally {
        await stopServer(server);
      }
    }
    return runs;
  } finally {
    await sqlite.drop();
  }
}

function verdict(ok: boolean) {
  return ok ? 'met' : '**NOT met**';
}

function breakdown(total: number, report: QueryReport, top = 5): string {
  const queries = report.queries
    .slice(0, top)
    .map((q) => `\`${q.label}\` ×${q.count} ${q.seconds.toFixed(1)} s`)
    .join(', ');
  return `queries ${report.seconds.toFixed(1)} s (${queries}); JavaScript and the rest ${(total - report.seconds).toFixed(1)} s`;
}


async function main() {
  const only = process.env.BENCH_MONEY_ONLY;
  if (only && !['charge', 'billing', 'page'].includes(only)) throw new Error('BENCH_MONEY_ONLY is one of charge, billing, page');
  const wanted = (part: string) => !only || only === part;
  if (wanted('page')) {
    requireWrk();
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  }
  if (!process.env.BENCH_DATABASE_URL) console.error('PostgreSQL skipped: set BENCH_DATABASE_URL to include it in (a) and (b).');

  const loadAtStart = loadavg()[0]!;
  let autovacuum = '';
  if (process.env.BENCH_DATABASE_URL) {
    // Off, the statistics of tables written during a job stay those of before it (the documents of (b)).
    const server = createDatabase(process.env.BENCH_DATABASE_URL);
    autovacuum = (await sql<{ autovacuum: string }>`show autovacuum`.execute(server.db)).rows[0]?.autovacuum ?? '?';
    await server.destroy();
  }
  const charging = wanted('charge') ? await onEngines(chargeBenchmark) : [];
  const billing = wanted('billing') ? await onEngines(billingBenchmark) : [];
  const page = wanted('page') ? await pageBenchmark() : undefined;

  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}`;
  const lines = [
    '## Issue 4 — money: charging a day, monthly billing, Conto corrente virtuale',
    '',
    'By `npm run bench:money` (bench/money.ts); PostgreSQL with `BENCH_DATABASE_URL` set.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine}; load average (1 min) before the run ${loadAtStart.toFixed(2)} (work running beside the benchmark slows every figure)`,
    `- (a) \`chargeDay\` of ${CHARGE_DAY}, frozen beforehand by the freeze service: ${PUPILS.toLocaleString('en')} booked meals (1 in 50 a light meal) in ${SCHOOLS} schools, 1 school in ${PREPAID_EVERY} prepaid (a badge debit per meal), sibling reductions and exemptions to price; the month's earlier days already frozen and charged (seeded set-based)`,
    `- (b) \`billMonth\` of ${MONTH} at ${BILLING_INSTANT.toISOString()}: ${PUPILS.toLocaleString('en')} postpaid enrolments (tariff per meal), every day of the month frozen and charged (seeded set-based: no attendance rows, which billing does not read), one document each`,
    `- (c) the production build, with one process and with two (WEB_CONCURRENCY=2), SQLite, demo data with its history made by the jobs up to today; badge ${BADGE_CODE} (Sofia, Ada Lovelace's daughter) then gets a meal movement (${(SOFIA_MEAL_CENTS / 100).toFixed(2)} €, charge_id null) on every later service day of her school up to ${YEAR_END}, and monthly top-ups; wrk, ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARM_UP_S} s warm-up`,
    `- Seeding times are printed for information and are not measured against a target. On PostgreSQL the tables are ANALYZEd after seeding${autovacuum ? `; autovacuum is ${autovacuum} on this server` : ''}.`,
    '',
  ];
  if (charging.length) {
    lines.push(
      '| (a) engine | chargeDay | target < 10 s | charges | badge debits | charges already in the table | (freeze of the day) | (seeding) |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
      ...charging.map(
        (r) =>
          `| ${r.engine} | ${r.seconds.toFixed(1)} s | ${verdict(r.seconds < 10)} | ${r.charges.toLocaleString('en')} | ${r.debits.toLocaleString('en')} | ${r.chargesBefore.toLocaleString('en')} | ${r.freezeSeconds.toFixed(1)} s | ${r.seedSeconds.toFixed(1)} s |`,
      ),
      '',
      ...charging.map((r) => `- (a) ${r.engine}: ${breakdown(r.seconds, r.queries)}`),
      '',
    );
  }
  if (billing.length) {
    lines.push(
      '| (b) engine | billMonth | target < 60 s | documents (numbers 1…N, no gap) | lines | messages queued (issue 16) | charges of the month | before the first batch | batches | (seeding) |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...billing.map((r) => {
        const time = r.finished ? `${r.seconds.toFixed(1)} s` : `> ${r.seconds.toFixed(0)} s (stopped)`;
        return `| ${r.engine} | ${time} | ${verdict(r.finished && r.seconds < 60)} | ${r.documents.toLocaleString('en')} | ${r.lines.toLocaleString('en')} | ${r.messages.toLocaleString('en')} | ${r.charges.toLocaleString('en')} (${r.days} days) | ${r.preparationSeconds.toFixed(1)} s | ${r.batches} in ${r.batchSeconds.toFixed(1)} s | ${r.seedSeconds.toFixed(1)} s |`;
      }),
      '',
      ...billing.map((r) => {
        const stopped = r.finished ? '' : ` Stopped after ${r.seconds.toFixed(0)} s while in ${r.stoppedIn.map((q) => `\`${q.label}\` (running for ${q.seconds.toFixed(0)} s)`).join(', ') || 'JavaScript'}.`;
        return `- (b) ${r.engine}: ${breakdown(r.seconds, r.queries)}.${stopped}`;
      }),
      '',
    );
  }
  if (page) {
    lines.push(
      '| (c) route | movements shown | requests/s | p50 ms | p99 ms | errors (wrk: connect, read, write, timeout) | non-2xx/3xx | target |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...page.flatMap((run) => [
        `| GET /demo/conto-corrente?badge=… (default period: the school year; ${Math.round(run.bytes / 1024)} KiB), ${run.workers} process${run.workers > 1 ? 'es' : ''} | ${run.movements} | ${run.requestsPerSecond} | ${run.p50} | ${run.p99} | ${run.errors} | ${run.non2xx} | ≥ 2,000/s: ${verdict(run.requestsPerSecond >= 2000)}; p99 < 50 ms: ${verdict(run.p99 < 50)} |`,
        `| for comparison: the same with &dal=${COMPARISON_MONTH[0]}&al=${COMPARISON_MONTH[1]} (${Math.round(run.month.bytes / 1024)} KiB), ${run.workers} process${run.workers > 1 ? 'es' : ''} | ${run.month.movements} | ${run.month.requestsPerSecond} | ${run.month.p50} | ${run.month.p99} | ${run.month.errors} | ${run.month.non2xx} | (none) |`,
      ]),
      '',
    );
  }
  if (!only) writeSection('money', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

(process.argv[2] === BILLING_CHILD ? billingChild(process.argv[3]!) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
