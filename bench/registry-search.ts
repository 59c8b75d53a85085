/**
 * The office's registry search at Rome's size (issue 13): 150,000 pupils and 120,000 holders of 400
 * schools in one ente, searched by 50 callers at once with varied texts — starts of family and given
 * names (with and without accents, in capitals), "family given" pairs, whole fiscal codes and their
 * first eight characters, badge codes, a school and a class — for p50 and p99 of a result page.
 *
 *   npm run bench:registry-search                       # both engines (PostgreSQL on BENCH_DATABASE_URL)
 *   npm run bench:registry-search -- --engine sqlite    # one engine; --rebuild makes the data again
 *
 * The data: only the registry (persons, pupils, the adults' links, this year's enrolments, badges), written
 * here with bulk inserts over the demo's seed (ente, services, tariffs), every person's `search_key` from
 * `searchKeyOf` — as the office's import would write it. The names are drawn from 300 family names and
 * 120 given names (some of two words), the family names skewed as a city's are (the commonest about 3 %
 * of the people, as Rossi is more common than Zanella): a start of a common name matches thousands of
 * persons, which is the case to measure. `npm run bench:data -- --scale rome` would make the whole city
 * with a year of history (hours on a shared machine), and its ten family names would make every name
 * search match a tenth of the city.
 *
 * What is timed: `searchPupils` — every query of a result page (the matches, the holders, the enrolments)
 * — by 50 callers each starting its next search when its last one has answered, for BENCH_SECONDS (15 s)
 * after 3 s of warm-up: in one process, then split over as many processes as the machine has cores, as
 * `npm start` serves a busy installation with WEB_CONCURRENCY (`--processes N` for one count only).
 * Each process: SQLite, one connection, as a serving process has (better-sqlite3 answers one statement
 * at a time: its callers wait for each other, which p99 includes); PostgreSQL, a pool of 10 connections.
 * Page rendering and HTTP are not included (a few milliseconds, bench/RESULTS.md's page benchmarks).
 * BENCH_CONDITIONS describes the machine's state for the results (e.g. "quiet").
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';
import type { DB } from '../src/db/schema';
import { fiscalCodeFor } from '../src/demo/fiscal-code-generator';
import { seedDemo } from '../src/demo/seed';
import { searchPupils } from '../src/domain/registry/search';
import { searchKeyOf } from '../src/domain/registry/search-key';
import { writeSection } from './results';
import { ensurePostgresDatabase, insertChunked, percentile } from './in-process';

const SIZE = { schools: 400, pupils: 150_000, holders: 120_000 };
const CONCURRENCY = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const WARM_UP_S = 3;

const FAMILY_ROOTS = [
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini',
  'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti', 'Barbieri', 'Fontana', 'Santoro', 'Mariani', 'Rinaldi', 'Caruso', 'Ferrara', 'Galli', 'Martini', 'Leone',
  'Longo', 'Gentile', 'Martinelli', 'Vitale', 'Lombardo', 'Serra', 'Coppola', 'De Santis', 'D’Angelo', 'Marchetti', 'Parisi', 'Villa', 'Conte', 'Ferraro', 'Ferri',
  'Fabbri', 'Bianco', 'Marini', 'Grasso', 'Valentini', 'Messina', 'Sala', 'De Angelis', 'Gatti', 'Pellegrini', 'Palumbo', 'Sanna', 'Farina', 'Rizzi', 'Monti',
];
const FAMILY_SUFFIXES = ['', 'ello', 'etti', 'ini', 'one'];
/** 300 family names: the 60 commonest, and variants of them (Rossetti, Bianchini…), rarer. */
const FAMILY = FAMILY_SUFFIXES.flatMap((suffix) => FAMILY_ROOTS.map((root) => (suffix ? `${root.replace(/[aeio]$/, '')}${suffix}` : root)));
const GIVEN_ROOTS = [
  'Francesco', 'Sofia', 'Alessandro', 'Giulia', 'Lorenzo', 'Aurora', 'Leonardo', 'Alice', 'Mattia', 'Ginevra', 'Andrea', 'Emma', 'Gabriele', 'Giorgia',
  'Riccardo', 'Greta', 'Tommaso', 'Beatrice', 'Edoardo', 'Anna', 'Matteo', 'Vittoria', 'Giuseppe', 'Chiara', 'Nicolò', 'Martina', 'Antonio', 'Nicole',
  'Federico', 'Sara', 'Diego', 'Matilde', 'Samuele', 'Noemi', 'Pietro', 'Gaia', 'Marco', 'Elena', 'Luca', 'Rebecca', 'Giovanni', 'Arianna', 'Filippo',
  'Camilla', 'Davide', 'Alessia', 'Christian', 'Francesca', 'Simone', 'Bianca', 'Michele', 'Adele', 'Gioele', 'Irene', 'Elia', 'Ludovica', 'Daniele',
  'Viola', 'Emanuele', 'Mia',
];
/** 120 given names: 60, and 60 of two words (Maria Sofia, Gian Marco…). */
const GIVEN = [...GIVEN_ROOTS, ...GIVEN_ROOTS.map((name, i) => (i % 2 ? `Maria ${name}` : `Gian ${name}`))];
const PLACES = ['H501', 'F205', 'L219', 'D612', 'F839', 'A662', 'G273', 'C351', 'L736', 'G702', 'E202', 'I726', 'B354', 'A944', 'H703'];

/** A deterministic pseudo-random sequence: the same city at every run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A family name by a city's skew: rank r drawn with weight 1/sqrt(r). */
function familySampler(next: () => number) {
  const weights = FAMILY.map((_, r) => 1 / Math.sqrt(r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const x = next();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return FAMILY[lo]!;
  };
}

const log = (message: string) => console.error(`[bench:registry-search] ${message}`);


/** The city's registry in the demo's ente; returns what the searches draw their texts from. */
async function build(url: string) {
  const started = performance.now();
  const database = await resetDatabase(url);
  try {
    await migrateToLatest(database);
    const db = database.db;
    await seedDemo(db);
    const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const next = random(13);
    const familyName = familySampler(next);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const codes = new Set<string>();
    const person = (given: string, family: string, sex: 'F' | 'M', fromYear: number, years: number) => {
      for (;;) {
        const day = Math.floor(next() * 365 * years);
        const birthDate = new Date(Date.UTC(fromYear, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        const code = fiscalCodeFor({ familyName: family, givenName: given, sex, birthDate, placeCode: pick(PLACES) });
        if (codes.has(code)) continue;
        codes.add(code);
        return {
          ente_id: ente.id, fiscal_code: code, given_name: given, family_name: family, search_key: searchKeyOf({ givenName: given, familyName: family }), sex,
          birth_date: birthDate, birth_place: 'Roma', address: `Via della Città ${1 + Math.floor(next() * 900)}`, postcode: '00100', city: 'Roma', province: 'RM', email: null, phone: null,
        };
      }
    };
    await db.transaction().execute(async (trx) => {
      const levels = ['infanzia', 'primaria', 'secondaria'] as const;
      const lastSchool = Number((await trx.selectFrom('school').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      await insertChunked(trx, 'school', Array.from({ length: SIZE.schools }, (_, s) => ({ ente_id: ente.id, name: `Scuola ${levels[s % 3]} n. ${s + 1}`, level: levels[s % 3], address: `Via della Scuola ${s + 1}, Roma`, service_weekdays: '1,2,3,4,5' })));
      const schools = (await trx.selectFrom('school').select('id').where('id', '>', lastSchool).orderBy('id').execute()).map((r) => r.id);
      const holderFamily: string[] = [];
      const holders = Array.from({ length: SIZE.holders }, (_, h) => {
        const family = familyName();
        holderFamily.push(family);
        const sex = h % 2 ? 'M' : 'F';
        return person(pick(GIVEN), family, sex, 1975, 15);
      });
      const lastPerson = Number((await trx.selectFrom('person').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      await insertChunked(trx, 'person', holders);
      const twoChildren = SIZE.pupils - SIZE.holders;
      const holderOf = (p: number) => (p < 2 * twoChildren ? Math.floor(p / 2) : p - twoChildren);
      await insertChunked(trx, 'person', Array.from({ length: SIZE.pupils }, (_, p) => person(pick(GIVEN), holderFamily[holderOf(p)]!, p % 2 ? 'F' : 'M', 2014, 8)));
      const firstHolder = lastPerson + 1;
      const firstChild = firstHolder + SIZE.holders;
      const lastPupil = Number((await trx.selectFrom('pupil').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);
      const schoolOf = (p: number) => schools[Math.floor(p / 25) % schools.length]!;
      await insertChunked(trx, 'pupil', Array.from({ length: SIZE.pupils }, (_, p) => ({ ente_id: ente.id, person_id: firstChild + p, school_id: schoolOf(p), class_name: `${1 + (Math.floor(p / 400) % 5)}${'ABCDEF'[Math.floor(p / 2000) % 6]}` })));
      const firstPupil = lastPupil + 1;
      await insertChunked(trx, 'pupil_holder', Array.from({ length: SIZE.pupils }, (_, p) => ({ ente_id: ente.id, pupil_id: firstPupil + p, person_id: firstHolder + holderOf(p), relation: 'intestatario' })));
      const year = await trx.selectFrom('school_year').select(['id', 'starts_on']).where('ente_id', '=', ente.id).orderBy('starts_on', 'desc').executeTakeFirstOrThrow();
      const services = await trx.selectFrom('service').select(['id', 'billing']).where('ente_id', '=', ente.id).where('kind', '=', 'refezione').execute();
      const tariffs = await trx.selectFrom('tariff').select(['id', 'service_id']).where('ente_id', '=', ente.id).where('school_year_id', '=', year.id).execute();
      const prepaid = services.find((s) => s.billing === 'prepaid') ?? services[0]!;
      const postpaid = services.find((s) => s.billing === 'postpaid') ?? services[0]!;
      const serviceOf = (p: number) => (p % 2 ? prepaid : postpaid);
      const now = new Date().toISOString();
      await insertChunked(trx, 'enrolment', Array.from({ length: SIZE.pupils }, (_, p) => ({
        ente_id: ente.id, pupil_id: firstPupil + p, service_id: serviceOf(p).id, school_year_id: year.id, school_id: schoolOf(p), holder_person_id: firstHolder + holderOf(p),
        tariff_id: tariffs.find((t) => t.service_id === serviceOf(p).id)!.id, state: 'attiva', starts_on: year.starts_on, ends_on: null, payment_mode: 'pagopa', debit_iban: null,
        invoice_recipient: 'Intestatario', invoice_address: 'Via della Città 1, 00100 Roma (RM)', invoice_email: null, reduction_note: null, created_at: now,
      })));
      await insertChunked(trx, 'badge', Array.from({ length: SIZE.pupils / 2 }, (_, k) => ({ ente_id: ente.id, code: `RM${String(k).padStart(7, '0')}`, pupil_id: firstPupil + 2 * k + 1, service_id: prepaid.id, issued_on: '2026-09-10', active: 1 })));
    });
    // What autovacuum does to a table after a load: statistics, and the visibility map index-only scans need.
    if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
    else await sql`pragma wal_checkpoint(truncate)`.execute(db);
    log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await database.destroy();
  }
}

interface Sample {
  kind: string;
  text: string;
  schoolId?: number;
  className?: string;
}

/** The texts searched: drawn from the data, so that they find what an office would look for. */
async function samples(db: Kysely<DB>, enteId: number): Promise<Sample[]> {
  const next = random(99);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const pupils = await db
    .selectFrom('pupil')
    .innerJoin('person', 'person.id', 'pupil.person_id')
    .leftJoin('badge', 'badge.pupil_id', 'pupil.id')
    .select(['person.given_name as given', 'person.family_name as family', 'person.fiscal_code as code', 'badge.code as badge', 'pupil.school_id as schoolId', 'pupil.class_name as className'])
    .where('pupil.ente_id', '=', enteId)
    .where('pupil.id', 'in', Array.from({ length: 2000 }, () => 1 + Math.floor(next() * SIZE.pupils)))
    .execute();
  const list: Sample[] = [];
  for (let i = 0; i < 400; i++) {
    const p = pick(pupils);
    const length = 3 + Math.floor(next() * 4);
    switch (i % 8) {
      case 0: list.push({ kind: 'family name start', text: p.family.slice(0, length).toLowerCase() }); break;
      case 1: list.push({ kind: 'given name start', text: p.given.split(' ').at(-1)!.slice(0, length).toUpperCase() }); break;
      case 2: list.push({ kind: 'family and given', text: `${p.family} ${p.given.split(' ')[0]!.slice(0, 3)}` }); break;
      case 3: list.push({ kind: 'given and family, accents', text: `${p.given} ${p.family}`.replace(/o\b/, 'ò') }); break;
      case 4: list.push({ kind: 'fiscal code', text: p.code }); break;
      case 5: list.push({ kind: 'fiscal code start', text: p.code.slice(0, 8).toLowerCase() }); break;
      case 6: list.push({ kind: 'badge', text: p.badge ?? pick(pupils.filter((q) => q.badge)).badge! }); break;
      default: list.push({ kind: 'school and class', text: '', schoolId: p.schoolId, className: p.className });
    }
  }
  return list;
}


type Latency = { kind: string; ms: number; rows: number };

/**
 * `callers` callers searching in a closed loop from `measureFrom` (earlier: warm-up) to `stopAt`, in this
 * process, on its own connection (SQLite) or pool (PostgreSQL), as one serving process has.
 */
async function runCallers(url: string, callers: number, offset: number, measureFrom: number, stopAt: number): Promise<Latency[]> {
  const database = createDatabase(url, { poolSize: 10 });
  try {
    await migrateToLatest(database); // ships SQLite's planner statistics, as every start does
    const db = database.db;
    const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const list = await samples(db, ente.id);
    const latencies: Latency[] = [];
    let cursor = offset;
    // better-sqlite3 answers within microtasks, so no timer would fire meanwhile: the clock decides.
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (Date.now() < stopAt) {
          const sample = list[cursor++ % list.length]!;
          const wall = Date.now();
          const start = performance.now();
          const outcome = await searchPupils(db, ente.id, { text: sample.text, schoolId: sample.schoolId, className: sample.className });
          const ms = performance.now() - start;
          if (wall >= measureFrom) latencies.push({ kind: sample.kind, ms, rows: outcome.kind === 'results' ? outcome.page.rows.length : 0 });
        }
      }),
    );
    return latencies;
  } finally {
    await database.destroy();
  }
}

/** The callers split over `processes` serving processes (child processes of this script), started together. */
async function loadFrom(url: string, processes: number): Promise<Latency[]> {
  const measureFrom = Date.now() + 2_000 + WARM_UP_S * 1000; // two seconds for the processes to start
  const stopAt = measureFrom + DURATION_S * 1000;
  const callers = CONCURRENCY / processes;
  if (processes === 1) return runCallers(url, callers, 0, measureFrom, stopAt);
  const children = Array.from({ length: processes }, (_, i) =>
    new Promise<Latency[]>((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, BENCH_CALLER: JSON.stringify({ url, callers, offset: i * 50, measureFrom, stopAt }) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.once('message', (latencies) => resolve(latencies as Latency[]));
      child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`caller process exited with ${code}`))));
    }),
  );
  return (await Promise.all(children)).flat();
}

async function measure(url: string, engine: string, processes: number) {
  const database = createDatabase(url, { poolSize: 10 });
  try {
    await migrateToLatest(database);
    const db = database.db;
    const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const counts = {
      pupils: Number((await db.selectFrom('pupil').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      persons: Number((await db.selectFrom('person').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    };
    const list = await samples(db, ente.id);
    const loadBefore = loadavg()[0]!;
    const latencies = await loadFrom(url, processes);
    const loadAfter = loadavg()[0]!;
    // The cost of one search alone: each text once, one after the other.
    const alone = new Map<string, number[]>();
    for (const sample of list) {
      const start = performance.now();
      await searchPupils(db, ente.id, { text: sample.text, schoolId: sample.schoolId, className: sample.className });
      alone.set(sample.kind, [...(alone.get(sample.kind) ?? []), performance.now() - start]);
    }
    const all = latencies.map((l) => l.ms).sort((a, b) => a - b);
    const byKind = new Map<string, number[]>();
    for (const l of latencies) byKind.set(l.kind, [...(byKind.get(l.kind) ?? []), l.ms]);
    const empty = latencies.filter((l) => l.rows === 0).length;
    return {
      engine,
      processes,
      counts,
      searches: all.length,
      perSecond: Math.round(all.length / DURATION_S),
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      empty,
      kinds: [...byKind.entries()].map(([kind, values]) => {
        const sorted = values.sort((a, b) => a - b);
        const single = alone.get(kind)!.sort((a, b) => a - b);
        return { kind, n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), aloneP50: percentile(single, 50), aloneMax: percentile(single, 100) };
      }),
      alone: (() => {
        const single = [...alone.values()].flat().sort((a, b) => a - b);
        return { p50: percentile(single, 50), p99: percentile(single, 99), mean: Math.round((single.reduce((a, b) => a + b, 0) / single.length) * 10) / 10 };
      })(),
      load: [loadBefore, loadAfter],
    };
  } finally {
    await database.destroy();
  }
}


async function main() {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, rebuild: { type: 'boolean', default: false }, processes: { type: 'string' } } });
  // As `npm start` runs on this machine with WEB_CONCURRENCY at the number of cores (README), and one process.
  const processCounts = values.processes ? [Number(values.processes)] : [...new Set([1, cpus().length])];
  const engines = values.engine ? [values.engine === 'pg' ? 'postgres' : values.engine] : ['sqlite', 'postgres'];
  const results = [];
  for (const engine of engines) {
    let url: string;
    let exists: boolean;
    if (engine === 'sqlite') {
      mkdirSync('/tmp/ssol-bench', { recursive: true });
      url = 'sqlite:/tmp/ssol-bench/registry-search.db';
      exists = existsSync('/tmp/ssol-bench/registry-search.db');
    } else {
      const target = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
      target.pathname = '/ssol_bench_registry_search';
      url = target.href;
      exists = await ensurePostgresDatabase(url);
      if (exists) {
        const probe = createDatabase(url);
        exists = await sql`select count(*) as n from pupil`.execute(probe.db).then((r) => Number((r.rows[0] as { n: number }).n) >= SIZE.pupils, () => false);
        await probe.destroy();
      }
    }
    if (values.rebuild || !exists) {
      log(`${engine}: building 150,000 pupils`);
      await build(url);
    }
    log(`${engine}: measuring ${CONCURRENCY} concurrent searches for ${DURATION_S} s`);
    for (const processes of processCounts) {
      const result = await measure(url, engine, processes);
      log(JSON.stringify(result));
      results.push(result);
    }
  }
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const lines = [
    '## Registry search (issue 13) — `npm run bench:registry-search`',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpu}), Node.js ${process.version}.`,
    'Data: the registry only — 150,000 pupils, 120,000 holders, 400 schools, this year’s enrolments, 75,000 badges — made by the script with bulk inserts (not `bench:data`: its ten family names would make every name match a tenth of the city); 300 family names skewed as a city’s, 120 given names.',
    `Machine conditions: ${process.env.BENCH_CONDITIONS ?? 'see the load average before and after each run in the table'} (2 cores: a load above 2 means queued work).`,
    `Reading: ${CONCURRENCY} callers in a closed loop queue behind each other in a serving process (SQLite answers one statement at a time), so their latency is about ${CONCURRENCY} ÷ searches per second, whatever one search costs; “alone” is the cost of one search with no other search running. Processes: one, and as many as the machine's cores — how \`npm start\` runs a busy installation (\`WEB_CONCURRENCY\`, README) — the ${CONCURRENCY} callers split between them.`,
    `Load: ${CONCURRENCY} callers, each searching again as soon as answered, ${DURATION_S} s after ${WARM_UP_S} s of warm-up; varied texts (starts of family and given names, pairs, accents, capitals, whole and partial fiscal codes, badges, school and class). Timed: \`searchPupils\`, every query of a result page (matches, holders, enrolments), without HTTP and rendering. Target: p99 under 100 ms.`,
    '',
    `| Engine | Processes | Pupils | Searches/s (${CONCURRENCY} callers) | p50 ms | p99 ms | One search alone: mean / p50 / p99 ms | Load average (1 min) before → after |`,
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...results.map((r) => `| ${r.engine} | ${r.processes} | ${r.counts.pupils.toLocaleString('en')} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.alone.mean} / ${r.alone.p50} / ${r.alone.p99} | ${r.load[0]!.toFixed(2)} → ${r.load[1]!.toFixed(2)} |`),
    '',
    `| Engine | Processes | Kind of search | n | p50 ms | p99 ms | alone: p50 ms | alone: max ms |`,
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...results.flatMap((r) => r.kinds.map((k) => `| ${r.engine} | ${r.processes} | ${k.kind} | ${k.n} | ${k.p50} | ${k.p99} | ${k.aloneP50} | ${k.aloneMax} |`)),
  ];
  writeSection('registry-search', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A caller process of `loadFrom`: its latencies go back to the parent. */
async function caller(spec: { url: string; callers: number; offset: number; measureFrom: number; stopAt: number }) {
  const latencies = await runCallers(spec.url, spec.callers, spec.offset, spec.measureFrom, spec.stopAt);
  await new Promise<void>((resolve, reject) => process.send!(latencies, (error: Error | null) => (error ? reject(error) : resolve())));
}

(process.env.BENCH_CALLER ? caller(JSON.parse(process.env.BENCH_CALLER)) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
