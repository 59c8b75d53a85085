/**
 * Benchmark of the import from the previous supplier at Rome scale (issue 13): a file of 150,000 rows
 * (one per enrolment; 400 schools, 120,000 holders, every other pupil with a second parent, the prepaid
 * canteen's pupils with a badge), checked (the dry run) and imported into a fresh database with the demo
 * ente extended by the 400 schools the file names; then imported again (nothing to change). Targets:
 * dry run and import each under 60 s on SQLite and under 120 s on PostgreSQL.
 *
 *   npm run bench:import                                     # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:import   # and PostgreSQL
 *
 * BENCH_ROWS=20000 makes a smaller file; BENCH_ONLY=1 prints without touching bench/RESULTS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import type { DB, Ente } from '../src/db/schema';
import { fiscalCodeFor } from '../src/demo/fiscal-code-generator';
import { seedDemo } from '../src/demo/seed';
import { createAuditTrail } from '../src/domain/audit/audit';
import { fixedClock } from '../src/domain/clock';
import { type ImportColumn, type ImportReport } from '../src/domain/import/columns';
import { createImportService } from '../src/domain/import/service';
import { issueOperatorContext } from '../src/domain/operators/context';
import { importCsv } from '../src/web/backoffice/importa/views';
import { onEngines } from './harness';
import { writeSection } from './results';
import type { Kysely } from 'kysely';

const ROWS = Number(process.env.BENCH_ROWS ?? 150_000);
const SCHOOLS = 400;
const HOLDERS = Math.round(ROWS * 0.8);
const NOW = new Date('2026-11-20T09:00:00Z');
const MARCO = 'PLOMRC01P30L736Y';

const FAMILY = ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti'];
const GIVEN_F = ['Sofia', 'Giulia', 'Aurora', 'Alice', 'Ginevra', 'Emma', 'Giorgia', 'Greta', 'Beatrice', 'Anna'];
const GIVEN_M = ['Leonardo', 'Francesco', 'Alessandro', 'Lorenzo', 'Mattia', 'Andrea', 'Gabriele', 'Riccardo', 'Tommaso', 'Edoardo'];

function dayOf(base: string, offset: number): string {
  const d = new Date(`${base}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

/** A distinct valid fiscal code per (kind, i): the birth day and the place vary with i. */
function person(kind: 'pupil' | 'holder' | 'other', i: number) {
  const family = FAMILY[i % FAMILY.length]!;
  const sex = kind === 'holder' ? 'M' : 'F';
  const given = (sex === 'F' ? GIVEN_F : GIVEN_M)[Math.floor(i / FAMILY.length) % 10]!;
  const base = kind === 'pupil' ? '2014-01-01' : '1965-01-01';
  const birthDate = dayOf(base, i % 2900);
  const placeCode = `${kind === 'pupil' ? 'A' : kind === 'holder' ? 'B' : 'C'}${String(100 + (Math.floor(i / 2900) % 900)).padStart(3, '0')}`;
  return { cf: fiscalCodeFor({ familyName: family, givenName: given, sex, birthDate, placeCode }), family, given, sex, birthDate };
}

function buildFile(): Buffer {
  const rows: Record<ImportColumn, string>[] = [];
  for (let p = 0; p < ROWS; p++) {
    // Holders: 120,000 for 150,000 pupils, so one in four has two children in the file.
    const h = p % HOLDERS;
    const pupil = person('pupil', p);
    const holder = person('holder', h);
    const other = h % 2 === 0 ? person('other', h) : undefined;
    const school = p % SCHOOLS;
    const prepaid = school % 2 === 0;
    rows.push({
      cf_alunno: pupil.cf,
      cognome_alunno: pupil.family,
      nome_alunno: pupil.given,
      data_nascita_alunno: `${pupil.birthDate.slice(8, 10)}/${pupil.birthDate.slice(5, 7)}/${pupil.birthDate.slice(0, 4)}`,
      sesso_alunno: pupil.sex,
      comune_nascita_alunno: 'Roma',
      indirizzo: `Via della Città ${h}`,
      cap: '00100',
      comune: 'Roma',
      provincia: 'RM',
      scuola: `Scuola romana ${String(school).padStart(3, '0')}`,
      classe: `${1 + (p % 5)}ª ${'ABCD'[p % 4]}`,
      cf_intestatario: holder.cf,
      cognome_intestatario: holder.family,
      nome_intestatario: holder.given,
      email_intestatario: `famiglia${h}@example.org`,
      telefono_intestatario: h % 3 === 0 ? '' : `333 ${String(h).padStart(7, '0')}`,
      servizio: 'refezione',
      anno_scolastico: '2026/2027',
      fascia: 'ABCD'[h % 4]!,
      modalita_pagamento: prepaid ? 'prepagato' : 'postpagato',
      badge: prepaid ? `R${String(p).padStart(7, '0')}` : '',
      cf_altro_genitore: other?.cf ?? '',
      cognome_altro_genitore: other?.family ?? '',
      nome_altro_genitore: other?.given ?? '',
    });
  }
  return Buffer.from(importCsv(rows));
}

async function counts(db: Kysely<DB>) {
  const out: Record<string, number> = {};
  for (const table of ['person', 'pupil', 'pupil_holder', 'enrolment', 'badge', 'audit_event'] as const) {
    out[table] = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  }
  return out;
}

const load = loadavg()[0]!;
const startedAt = new Date();
const built = performance.now();
const file = buildFile();
const buildSeconds = (performance.now() - built) / 1000;
console.error(`file: ${ROWS} rows, ${(file.length / 2 ** 20).toFixed(1)} MiB, made in ${buildSeconds.toFixed(1)} s`);

interface Outcome {
  engine: string;
  check: number;
  apply: number;
  again: number;
  report: ImportReport;
  againChanges: number;
  rows: Record<string, number>;
  peakMiB: number;
}

const results = await onEngines(async (engine, url): Promise<Outcome> => {
  const database = createDatabase(url);
  await migrateToLatest(database);
  await seedDemo(database.db);
  const db = database.db;
  const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
  // Rome: 400 schools more for the demo ente, named as the file names them.
  for (let start = 0; start < SCHOOLS; start += 100) {
    await db
      .insertInto('school')
      .values(Array.from({ length: 100 }, (_, k) => ({ ente_id: ente.id, name: `Scuola romana ${String(start + k).padStart(3, '0')}`, level: 'primaria' as const, address: `Via ${start + k}, Roma`, service_weekdays: '1,2,3,4,5' })))
      .execute();
  }
  const operator = await db.selectFrom('operator').selectAll().where('ente_id', '=', ente.id).where('fiscal_code', '=', MARCO).executeTakeFirstOrThrow();
  const office = issueOperatorContext({
    ente,
    operator: { id: operator.id, fiscalCode: MARCO, givenName: operator.given_name, familyName: operator.family_name, role: operator.role, schoolId: null },
  });
  const clock = fixedClock(NOW);
  const audit = createAuditTrail(db, clock, (error) => console.error(error));
  const imports = createImportService(db, clock, audit);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);

  const timed = async <T>(name: string, run: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const value = await run();
    const seconds = (performance.now() - started) / 1000;
    console.error(`${engine}: ${name} ${seconds.toFixed(1)} s`);
    return [value, seconds];
  };
  const [checked, check] = await timed('dry run', () => imports.check(office, file));
  if (checked.problems.length) throw new Error(`the benchmark file has problems: ${JSON.stringify(checked.problems.slice(0, 5))}`);
  const [report, apply] = await timed('import', () => imports.apply(office, file));
  if (!report.applied) throw new Error('not imported');
  const rows = await counts(db);
  const [againReport, again] = await timed('import again', () => imports.apply(office, file));
  const againChanges = Object.values(againReport.created).concat(Object.values(againReport.changed)).reduce((a, b) => a + b, 0);
  clearInterval(sampler);
  await audit.flush();
  await database.destroy();
  return { engine, check, apply, again, report, againChanges, rows, peakMiB: Math.round(peak / 2 ** 20) };
});

const target = (engine: string) => (engine === 'SQLite' ? 60 : 120);
const met = (engine: string, seconds: number) => (seconds < target(engine) ? 'met' : '**NOT met**');
const lines = [
  '## Issue 13 — import from the previous supplier: 150,000 rows',
  '',
  'By `npm run bench:import` (bench/import.ts); PostgreSQL with `BENCH_DATABASE_URL` set.',
  '',
  `- Date: ${startedAt.toISOString()}`,
  `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (nproc), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}; load average (1 min) before the run ${load.toFixed(2)} — the machine is shared with other engineers' test runs`,
  `- The file: ${ROWS.toLocaleString('en')} rows (${(file.length / 2 ** 20).toFixed(1)} MiB, UTF-8, \`;\`), one per enrolment in the demo ente's canteen for 2026/2027 at ${SCHOOLS} schools added to the demo ente; ${HOLDERS.toLocaleString('en')} holders (one in four with two children), every other holder's pupils with a second parent, the prepaid canteen's pupils (every other school) with a badge`,
  '- Each engine: a fresh database with the demo seed; the dry run (`check`), the import (`apply`: the same checks again inside one transaction, then batched inserts and one audit event per row created), and the import of the same file again (nothing to change), each timed in this process',
  '',
  '| engine | dry run | import | same file again | created (persons, pupils, links, enrolments, badges) | audit events | peak RSS | target |',
  '| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |',
  ...results.map((r) => {
    const c = r.report.created;
    const verdict = r.check < target(r.engine) && r.apply < target(r.engine) ? 'met' : `**NOT met** (dry run ${met(r.engine, r.check)}, import ${met(r.engine, r.apply)})`;
    return `| ${r.engine} | ${r.check.toFixed(1)} s | ${r.apply.toFixed(1)} s | ${r.again.toFixed(1)} s (${r.againChanges} changes) | ${[c.persons, c.pupils, c.links, c.enrolments, c.badges].map((n) => n.toLocaleString('en')).join(', ')} | ${r.rows.audit_event!.toLocaleString('en')} | ${r.peakMiB} MiB | < ${target(r.engine)} s: ${verdict} |`;
  }),
];
const markdown = lines.join('\n');
process.stdout.write(`${markdown}\n`);
if (!process.env.BENCH_ONLY) writeSection('issue-13-import', markdown);
