/**
 * Benchmark of the reminders run (issue 15 point 2, decision 0027) over a Rome year: 120,000 holders,
 * 150,000 pupils and enrolments, 1.2 million documents (eight months of 2025/2026, due at the end of the
 * month after each), one in ten still unpaid, 1,000 families suspended. Measured, each the run of one day
 * as the scheduler makes it:
 *   1. the first run ever (30 June 2026): every unpaid document gets its first reminder (120,000 steps);
 *   2. the next day's run: nothing is due (each document waits for its next step): the cost of a quiet day;
 *   3. the run a month later: the second reminders of the documents due long enough ago.
 * Target: a run under 60 s. Documents are inserted in bulk (src/db/bulk.ts), not made by the billing job.
 *
 *   npm run bench:reminders                                                                   # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:reminders   # and PostgreSQL
 *
 * BENCH_DOCUMENTS=120000 makes a smaller year; BENCH_ONLY=1 prints without touching bench/RESULTS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { sql } from 'kysely';
import { bulkInsert } from '../src/db/bulk';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import type { Ente } from '../src/db/schema';
import { seedDemo } from '../src/demo/seed';
import { fixedClock } from '../src/domain/clock';
import { createEnteDirectory } from '../src/domain/registry/enti';
import { createReminderService } from '../src/domain/reminders/service';
import { onEngines } from './harness';
import { writeSection } from './results';

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 1_200_000);
const MONTHS = 8;
const ENROLMENTS = Math.ceil(DOCUMENTS / MONTHS);
const HOLDERS = Math.round(ENROLMENTS * 0.8);
const UNPAID_ONE_IN = 10;
const SUSPENDED = Math.round(HOLDERS / 120);
const PERIODS = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04'];
/** Due on the last day of the month after the period. */
const DUE = ['2025-10-31', '2025-11-30', '2025-12-31', '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31'];
const RUNS = ['2026-06-30', '2026-07-01', '2026-07-31'];

const int = (name: string) => ({ name, pg: 'int4' as const });
const text = (name: string) => ({ name, pg: 'text' as const });

const load = loadavg()[0]!;
const startedAt = new Date();

interface Outcome {
  engine: string;
  insertSeconds: number;
  documents: number;
  unpaid: number;
  runs: { date: string; seconds: number; recorded: number; messages: number }[];
}

const results = await onEngines(async (engine, url): Promise<Outcome> => {
  const database = createDatabase(url);
  await migrateToLatest(database);
  await seedDemo(database.db);
  const db = database.db;
  if (database.dialect === 'sqlite') await sql`pragma cache_size = -1000000`.execute(db);
  const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
  const school = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id').executeTakeFirstOrThrow();
  const service = await db.selectFrom('service').select('id').where('ente_id', '=', ente.id).where('kind', '=', 'refezione').orderBy('id').executeTakeFirstOrThrow();
  const year = await db.selectFrom('school_year').select('id').where('ente_id', '=', ente.id).orderBy('starts_on').executeTakeFirstOrThrow();
  const tariff = await db.selectFrom('tariff').select('id').where('ente_id', '=', ente.id).where('service_id', '=', service.id).orderBy('id').executeTakeFirstOrThrow();

  const inserting = performance.now();
  const personColumns = ['ente_id', 'fiscal_code', 'given_name', 'family_name', 'sex', 'birth_date', 'birth_place', 'address', 'postcode', 'city', 'province', 'email', 'phone', 'search_key'];
  const personRow = (code: string, i: number) => [ente.id, code, 'Maria', `Romana${i}`, 'F', '1980-01-01', 'Roma', `Via della Città ${i}`, '00100', 'Roma', 'RM', null, null, `romana${i} maria`];
  const holderCodes = Array.from({ length: HOLDERS }, (_, i) => `BNCHR${String(i).padStart(11, '0')}`);
  const pupilCodes = Array.from({ length: ENROLMENTS }, (_, i) => `BNCHP${String(i).padStart(11, '0')}`);
  const columnsOf = (names: string[], ints: string[]) => names.map((n) => (ints.includes(n) ? int(n) : text(n)));
  const personCols = columnsOf(personColumns, ['ente_id']);
  const holders = await bulkInsert<{ id: number; fiscal_code: string }>(db, 'person', personCols, holderCodes.map(personRow), ['id', 'fiscal_code']);
  const holderId = new Map(holders.map((h) => [h.fiscal_code, h.id]));
  const children = await bulkInsert<{ id: number; fiscal_code: string }>(db, 'person', personCols, pupilCodes.map(personRow), ['id', 'fiscal_code']);
  const childId = new Map(children.map((c) => [c.fiscal_code, c.id]));
  const pupils = await bulkInsert<{ id: number; person_id: number }>(
    db, 'pupil', [int('ente_id'), int('person_id'), int('school_id'), text('class_name')],
    pupilCodes.map((code) => [ente.id, childId.get(code)!, school.id, '3A']), ['id', 'person_id'],
  );
  const pupilOf = new Map(pupils.map((p) => [p.person_id, p.id]));
  const enrolmentRows = pupilCodes.map((code, i) => [
    ente.id, pupilOf.get(childId.get(code)!)!, service.id, year.id, school.id, holderId.get(holderCodes[i % HOLDERS]!)!, tariff.id, 'attiva', '2025-09-15', null, 'pagopa',
    null, `Maria Romana${i % HOLDERS}`, 'Via della Città, 00100 Roma (RM)', null, null, '2025-09-01T08:00:00Z',
  ]);
  const enrolments = await bulkInsert<{ id: number; pupil_id: number; holder_person_id: number }>(
    db, 'enrolment',
    columnsOf(['ente_id', 'pupil_id', 'service_id', 'school_year_id', 'school_id', 'holder_person_id', 'tariff_id', 'state', 'starts_on', 'ends_on', 'payment_mode', 'debit_iban',
      'invoice_recipient', 'invoice_address', 'invoice_email', 'reduction_note', 'created_at'], ['ente_id', 'pupil_id', 'service_id', 'school_year_id', 'school_id', 'holder_person_id', 'tariff_id']),
    enrolmentRows, ['id', 'pupil_id', 'holder_person_id'],
  );
  enrolments.sort((a, b) => a.id - b.id);
  // Each pupil's intestatario, as the registry links them: every step told to the family queues its message
  // (issue 16) in the run's own transaction, so the run's time includes it.
  await bulkInsert(db, 'pupil_holder', columnsOf(['ente_id', 'pupil_id', 'person_id', 'relation'], ['ente_id', 'pupil_id', 'person_id']),
    enrolments.map((e) => [ente.id, e.pupil_id, e.holder_person_id, 'intestatario']));
  const documentCols = columnsOf(
    ['ente_id', 'kind', 'year', 'number', 'enrolment_id', 'pupil_id', 'holder_person_id', 'service_id', 'period', 'issue_date', 'due_date', 'total_cents', 'state', 'paid_at', 'created_at'],
    ['ente_id', 'year', 'number', 'enrolment_id', 'pupil_id', 'holder_person_id', 'service_id', 'total_cents'],
  );
  let number = 0;
  let unpaid = 0;
  for (let month = 0; month < MONTHS; month++) {
    const rows: unknown[][] = [];
    for (const e of enrolments) {
      if (number >= DOCUMENTS) break;
      number++;
      // One document in ten unpaid, spread over families and months.
      const open = (e.id * 7 + month * 3) % UNPAID_ONE_IN === 0;
      if (open) unpaid++;
      rows.push([
        ente.id, 'documento', 2090, number, e.id, e.pupil_id, e.holder_person_id, service.id, PERIODS[month], `${PERIODS[month]}-28`, DUE[month], 4_000 + (number % 3_000),
        open ? 'da_pagare' : 'pagato', open ? null : `${DUE[month]}T10:00:00Z`, `${PERIODS[month]}-28T08:00:00Z`,
      ]);
    }
    await bulkInsert(db, 'document', documentCols, rows);
  }
  const suspended = holders.slice(0, SUSPENDED).map((h) => [ente.id, h.id, 'Servizi sociali', '2026-01-01', '2026-12-31', null, 'BENCH', '2026-01-01T08:00:00Z']);
  await bulkInsert(db, 'family_suspension', columnsOf(['ente_id', 'person_id', 'reason', 'starts_on', 'until_date', 'ended_on', 'author', 'created_at'], ['ente_id', 'person_id']), suspended);
  // The planner's view of the new rows (autovacuum would analyse them in time; SQLite ships its own, migration 0011).
  if (database.dialect === 'postgres') await sql`analyze`.execute(db);
  const insertSeconds = (performance.now() - inserting) / 1000;
  console.error(`${engine}: ${number} documents (${unpaid} unpaid), ${HOLDERS} holders, ${SUSPENDED} suspended, inserted in ${insertSeconds.toFixed(1)} s`);

  const runs: Outcome['runs'] = [];
  for (const date of RUNS) {
    const reminders = createReminderService(db, fixedClock(new Date(`${date}T01:00:00+02:00`)), createEnteDirectory(db));
    const started = performance.now();
    const result = await reminders.runDay(ente, date);
    const seconds = (performance.now() - started) / 1000;
    if (result.outcome !== 'run') throw new Error(`run of ${date}: ${result.outcome}`);
    const queued = Number((await db.selectFrom('message_outbox').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'reminder').executeTakeFirstOrThrow()).n);
    runs.push({ date, seconds, recorded: result.recorded, messages: queued });
    console.error(`${engine}: run of ${date}: ${result.recorded} steps in ${seconds.toFixed(2)} s`);
  }
  await database.destroy();
  return { engine, insertSeconds, documents: number, unpaid, runs };
});

const lines = [
  '## Reminders run over a Rome year (issue 15)',
  '',
  `\`npm run bench:reminders\`, ${startedAt.toISOString().slice(0, 16)}Z; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load.toFixed(1)} at the start`,
  `(${process.env.BENCH_CONDITIONS ?? 'a machine shared with other sessions: the figures are upper bounds'}). One run of the ente per day, as the scheduler makes it, with each step's message to the family queued in it (issue 16);`,
  `${DOCUMENTS.toLocaleString('en')} documents of ${ENROLMENTS.toLocaleString('en')} enrolments (eight months), one in ${UNPAID_ONE_IN} unpaid, ${SUSPENDED} families suspended. Target: under 60 s.`,
  '',
  '| Engine | Data inserted (s) | Run | Steps recorded | Messages queued (total) | Seconds |',
  '|---|---:|---|---:|---:|---:|',
  ...results.flatMap((r) =>
    r.runs.map((run, i) => `| ${r.engine} | ${i === 0 ? r.insertSeconds.toFixed(0) : ''} | ${run.date}${i === 0 ? ' (first ever)' : i === 1 ? ' (next day)' : ' (a month later)'} | ${run.recorded.toLocaleString('en')} | ${run.messages.toLocaleString('en')} | ${run.seconds.toFixed(1)} |`),
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (!process.env.BENCH_ONLY) writeSection('reminders', lines.join('\n'));
