import { CompiledQuery, type Kysely, PostgresAdapter, sql } from 'kysely';
import { queueMessages, type MessageEvent } from '../messages/outbox';
import type { DB, Ente, ReminderStep } from '../../db/schema';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { writeChange } from '../audit/audit';
import { addDays, isCalendarDate, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { completeDay, existingClaim, inBatches, incompleteDays, yieldToEventLoop } from '../jobs/day-claim';
import { type OperatorContext, requirePermission } from '../operators/context';
import type { EnteDirectory } from '../registry/enti';
import { DEFAULT_LADDER, type Ladder, ladderFor, ladderProblems, nextStep, smallestFirstDays, type TakenStep } from './ladder';
import { candidatesWithSteps, suspendedHolders } from './queries';

/** Steps written per transaction: short enough not to hold the writer long, long enough to cost little each. */
const RUN_BATCH = 5_000;
/** The longest a suspension may be decided for at once (it can be renewed): two years. */
const MAX_SUSPENSION_DAYS = 731;
/** Rows of a run's list per page. */
export const RUN_PAGE_SIZE = 50;

/** A step as it is recorded: the columns of `reminder`, in this order (the bulk insert's). */
const STEP_COLUMNS = [
  ['ente_id', 'int4'], ['document_id', 'int4'], ['step', 'text'], ['run_date', 'text'], ['holder_person_id', 'int4'], ['pupil_id', 'int4'],
  ['service_id', 'int4'], ['amount_cents', 'int4'], ['due_date', 'text'], ['new_due_date', 'text'], ['ladder_id', 'int4'], ['created_at', 'text'],
] as const;
type StepRow = [number, number, ReminderStep, string, number, number, number, number, string, string | null, number | null, string];

/**
 * THE place where reminder steps are recorded (decision 0027). Each row is inserted at most once per
 * document and step (unique key, conflicts ignored), and only while its document is still unpaid: a run
 * that another process or a dead run's taker did already, or a document paid a moment ago, writes nothing.
 * Returns the steps this call recorded — where the messages issue hooks its e-mail and App IO sending
 * (today a reminder is a letter and a line of the run's list).
 */
export async function recordSteps(trx: Kysely<DB>, rows: readonly StepRow[]): Promise<{ id: number; document_id: number; step: ReminderStep }[]> {
  if (rows.length === 0) return [];
  const names = STEP_COLUMNS.map(([name]) => name).join(', ');
  const unpaid = `exists (select 1 from document d where d.id = v.document_id and d.state = 'da_pagare' and d.instalment_plan_id is null)`;
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    const arrays = STEP_COLUMNS.map((_, i) => rows.map((row) => row[i] ?? null));
    const text = `insert into reminder (${names}) select * from unnest(${STEP_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) as v(${names})
      where ${unpaid} on conflict (document_id, step) do nothing returning id, document_id, step`;
    const recorded = (await trx.executeQuery<{ id: number; document_id: number; step: ReminderStep }>(CompiledQuery.raw(text, arrays))).rows;
    await queueReminderMessages(trx, rows, recorded);
    return recorded;
  }
  const recorded: { id: number; document_id: number; step: ReminderStep }[] = [];
  // SQLite: VALUES lists under its limit of bound parameters; a VALUES table's columns are column1, column2…
  const tuple = `(${STEP_COLUMNS.map(() => '?').join(', ')})`;
  for (const part of inBatches(rows, Math.floor(30_000 / STEP_COLUMNS.length))) {
    const text = `with v(${names}) as (values ${Array(part.length).fill(tuple).join(', ')})
      insert into reminder (${names}) select ${names} from v where ${unpaid} on conflict (document_id, step) do nothing returning id, document_id, step`;
    recorded.push(...(await trx.executeQuery<{ id: number; document_id: number; step: ReminderStep }>(CompiledQuery.raw(text, part.flat()))).rows);
  }
  await queueReminderMessages(trx, rows, recorded);
  return recorded;
}

/**
 * The families' messages of the steps just recorded (issue 16), in the same transaction: one event per step
 * ("reminder:{id}"), so a step is told once whatever reruns. The forced-collection step is the collector's
 * list, not a message to the family.
 */
async function queueReminderMessages(trx: Kysely<DB>, rows: readonly StepRow[], recorded: readonly { id: number; document_id: number; step: ReminderStep }[]) {
  const byDocumentStep = new Map(rows.map((row) => [`${row[1]}:${row[2]}`, row]));
  const events: MessageEvent[] = [];
  for (const step of recorded) {
    if (step.step === 'coattiva') continue;
    const row = byDocumentStep.get(`${step.document_id}:${step.step}`)!;
    events.push({
      enteId: row[0], kind: 'reminder', eventKey: `reminder:${step.id}`, pupilId: row[5],
      params: { documentId: row[1], step: row[2], amountCents: row[7], dueDate: row[9] ?? row[8] },
    });
  }
  if (events.length > 0) await queueMessages(trx, events, new Date(rows[0]![11]));
}

export interface LadderInput {
  firstDays: number;
  secondDays: number | null;
  formalDays: number;
  formalTermDays: number;
  collectionDays: number;
}

type LadderRow = {
  id: number; valid_from: string; first_days: number; second_days: number | null; formal_days: number; formal_term_days: number; collection_days: number;
  author: string; created_at: string;
};

function ladderOf(row: LadderRow): Ladder {
  return {
    id: row.id, validFrom: row.valid_from, firstDays: row.first_days, secondDays: row.second_days, formalDays: row.formal_days,
    formalTermDays: row.formal_term_days, collectionDays: row.collection_days,
  };
}

/** The fields of a ladder as the audit trail keeps them. */
function ladderRecord(ladder: Ladder) {
  return {
    valid_from: ladder.validFrom, first_days: ladder.firstDays, second_days: ladder.secondDays, formal_days: ladder.formalDays,
    formal_term_days: ladder.formalTermDays, collection_days: ladder.collectionDays,
  };
}

/** The versions of an ente's ladder, oldest first (the order `ladderFor` reads them in). */
async function ladderVersions(db: Kysely<DB>, enteId: number): Promise<(Ladder & { author: string; createdAt: string })[]> {
  const rows = await db
    .selectFrom('reminder_ladder')
    .select(['id', 'valid_from', 'first_days', 'second_days', 'formal_days', 'formal_term_days', 'collection_days', 'author', 'created_at'])
    .where('ente_id', '=', enteId)
    .orderBy('valid_from')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...ladderOf(row), author: row.author, createdAt: row.created_at }));
}

/** A document's pagoPA notice, as a letter prints it. */
export interface LetterNotice {
  nav: string;
  amountCents: number;
  state: string;
  positionState: string;
}

export type RunOutcome = { outcome: 'run'; date: string; recorded: number } | { outcome: 'already-run' | 'busy'; date: string };

/**
 * Reminders (solleciti, issue 15 point 2, decision 0027): the ente's ladder, the daily run that takes each
 * unpaid document's next step once, the suspended families it leaves alone, the run's list of letters to
 * send, the list for forced collection, and the steps on a family's page.
 */
export function createReminderService(db: Kysely<DB>, clock: Clock, enti: EnteDirectory) {
  const today = () => romeDate(clock.now());

  /**
   * The run of one ente and day: claimed once however many processes try (a row per ente and day, taken
   * over when its run died: src/domain/jobs/day-claim.ts), then every step due written in batches, each
   * batch idempotent, then the day completed with its count.
   */
  async function runDay(ente: Ente, date: string, options: { batchSize?: number; afterBatch?: (recorded: number) => void } = {}): Promise<RunOutcome> {
    const started = clock.now();
    const inserted = await db
      .insertInto('reminder_run')
      .values({ ente_id: ente.id, date, started_at: started.toISOString(), claimed_at: started.toISOString(), completed_at: null })
      .onConflict((oc) => oc.columns(['ente_id', 'date']).doNothing())
      .returning('date')
      .executeTakeFirst();
    if (!inserted) {
      const claim = await existingClaim(db, 'reminder_run', ente.id, date, started);
      if (claim === 'done') return { outcome: 'already-run', date };
      if (claim === 'busy') return { outcome: 'busy', date };
    }
    const [versions, suspended] = await Promise.all([ladderVersions(db, ente.id), suspendedHolders(db, ente.id, date)]);
    const rows = await candidatesWithSteps(db, ente.id, addDays(date, -smallestFirstDays(versions)));
    // The rows come a line per step taken: gather each document's steps.
    const documents = new Map<number, { row: (typeof rows)[number]; taken: TakenStep[] }>();
    for (const row of rows) {
      let document = documents.get(row.id);
      if (!document) documents.set(row.id, (document = { row, taken: [] }));
      if (row.step && row.runDate) document.taken.push({ step: row.step, runDate: row.runDate, newDueDate: row.newDueDate });
    }
    const now = started.toISOString();
    const due: StepRow[] = [];
    for (const { row, taken } of documents.values()) {
      if (suspended.has(row.holderId)) continue;
      const ladder = ladderFor(versions, row.dueDate);
      const next = nextStep(ladder, row.dueDate, taken, date);
      if (!next) continue;
      due.push([ente.id, row.id, next.step, date, row.holderId, row.pupilId, row.serviceId, row.totalCents, row.dueDate, next.newDueDate, ladder.id, now]);
    }
    let recorded = 0;
    for (const batch of inBatches(due, options.batchSize ?? RUN_BATCH)) {
      recorded += (await db.transaction().execute((trx) => recordSteps(trx, batch))).length;
      options.afterBatch?.(recorded);
      await yieldToEventLoop();
    }
    const completed = await db.transaction().execute(async (trx) => {
      if (!(await completeDay(trx, 'reminder_run', ente.id, date, clock.now()))) return false;
      const count = await trx.selectFrom('reminder').select((eb) => eb.fn.countAll<number>().as('n')).where('ente_id', '=', ente.id).where('run_date', '=', date).executeTakeFirstOrThrow();
      await trx.updateTable('reminder_run').set({ reminders: Number(count.n) }).where('ente_id', '=', ente.id).where('date', '=', date).execute();
      return true;
    });
    return completed ? { outcome: 'run', date, recorded } : { outcome: 'already-run', date };
  }

  /** The scheduler's step: each ente's runs left unfinished (resumed), then today's, once a day. */
  async function runDue(): Promise<{ ente: string; date: string; recorded: number }[]> {
    const done: { ente: string; date: string; recorded: number }[] = [];
    const date = today();
    for (const ente of await enti.all()) {
      const days = [...new Set([...(await incompleteDays(db, 'reminder_run', ente.id)), date])];
      for (const day of days) {
        const result = await runDay(ente, day);
        if (result.outcome === 'run') done.push({ ente: ente.slug, date: day, recorded: result.recorded });
      }
    }
    return done;
  }

  /** The ladder in force for documents falling due today, and every version saved (newest first). */
  async function ladder(office: OperatorContext) {
    requirePermission(office, 'reminders.manage');
    const versions = await ladderVersions(db, office.ente.id);
    const current = versions.at(-1) ?? null;
    return { current: current ?? DEFAULT_LADDER, isDefault: current === null, version: current?.id ?? 0, history: [...versions].reverse(), today: today() };
  }

  /**
   * A new version of the ladder, in force for the documents falling due from today. Refused when the form
   * was made from a version someone has replaced since (the unique successor makes two such saves collide).
   */
  async function saveLadder(office: OperatorContext, input: LadderInput, fromVersion: number): Promise<number> {
    requirePermission(office, 'reminders.manage');
    const problems = ladderProblems(input);
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
    const enteId = office.ente.id;
    try {
      return await transaction(db, async (tx) => {
        const versions = await ladderVersions(tx.db, enteId);
        const latest = versions.at(-1);
        if ((latest?.id ?? 0) !== fromVersion) throw new ConflictError(ladderRecord(latest ?? DEFAULT_LADDER));
        const values = {
          ente_id: enteId, replaces_id: fromVersion, valid_from: today(), first_days: input.firstDays, second_days: input.secondDays,
          formal_days: input.formalDays, formal_term_days: input.formalTermDays, collection_days: input.collectionDays,
          author: office.operator.fiscalCode, created_at: clock.now().toISOString(),
        };
        const { id } = await tx.db.insertInto('reminder_ladder').values(values).returning('id').executeTakeFirstOrThrow();
        await writeChange(tx.db, clock, office, {
          action: 'office.reminders.ladder', subjectType: 'reminder_ladder', subjectId: id,
          before: ladderRecord(latest ?? DEFAULT_LADDER), after: ladderRecord({ ...input, id, validFrom: values.valid_from }),
        });
        return id;
      });
    } catch (error) {
      if (uniqueViolation(error)) throw new ConflictError(ladderRecord((await ladderVersions(db, enteId)).at(-1) ?? DEFAULT_LADDER));
      throw error;
    }
  }

  /** The ente's runs, newest first, with how many steps of each kind each took. */
  async function runs(office: OperatorContext, limit = 60) {
    requirePermission(office, 'reminders.manage');
    const enteId = office.ente.id;
    const list = await db
      .selectFrom('reminder_run')
      .select(['date', 'started_at as startedAt', 'completed_at as completedAt', 'reminders'])
      .where('ente_id', '=', enteId)
      .orderBy('date', 'desc')
      .limit(sql.lit(limit))
      .execute();
    const counts = list.length
      ? await db
          .selectFrom('reminder')
          .select(['run_date as date', 'step', (eb) => eb.fn.countAll<number>().as('n')])
          .where('ente_id', '=', enteId)
          .where('run_date', 'in', list.map((r) => r.date))
          .groupBy(['run_date', 'step'])
          .execute()
      : [];
    return list.map((run) => ({
      ...run,
      steps: Object.fromEntries(counts.filter((c) => c.date === run.date).map((c) => [c.step, Number(c.n)])) as Partial<Record<ReminderStep, number>>,
    }));
  }

  function reminderRows(enteId: number) {
    return db
      .selectFrom('reminder as r')
      .innerJoin('document as d', 'd.id', 'r.document_id')
      .innerJoin('person as h', 'h.id', 'r.holder_person_id')
      .innerJoin('pupil as p', 'p.id', 'r.pupil_id')
      .innerJoin('person as c', 'c.id', 'p.person_id')
      .innerJoin('service as s', 's.id', 'r.service_id')
      .leftJoin('payment_notice as n', (join) => join.onRef('n.document_id', '=', 'r.document_id').on('n.kind', '=', sql.lit('document')))
      .select([
        'r.id', 'r.step', 'r.run_date as runDate', 'r.amount_cents as amountCents', 'r.due_date as dueDate', 'r.new_due_date as newDueDate',
        'r.holder_person_id as holderId', 'h.fiscal_code as holderFiscalCode', 'h.given_name as holderGivenName', 'h.family_name as holderFamilyName',
        'h.address as holderAddress', 'h.postcode as holderPostcode', 'h.city as holderCity', 'h.province as holderProvince', 'h.email as holderEmail',
        'c.given_name as pupilGivenName', 'c.family_name as pupilFamilyName', 's.name as serviceName',
        'd.id as documentId', 'd.year as documentYear', 'd.number as documentNumber', 'd.period', 'd.state as documentState', 'n.nav',
      ])
      .where('r.ente_id', '=', enteId);
  }
  type ReminderRow = Awaited<ReturnType<ReturnType<typeof reminderRows>['execute']>>[number];

  /** A run's steps, a page at a time (keyset on the reminder's id), optionally of one step. */
  async function runList(office: OperatorContext, date: string, filter: { step?: ReminderStep; after?: string; all?: boolean } = {}): Promise<Page<ReminderRow>> {
    requirePermission(office, 'reminders.manage');
    if (!isCalendarDate(date)) throw new NotFoundError('run');
    let query = reminderRows(office.ente.id).where('r.run_date', '=', date);
    if (filter.step) query = query.where('r.step', '=', filter.step);
    const cursor = decodeCursor(filter.after, ['number'] as const);
    if (cursor) query = query.where('r.id', '>', cursor[0]);
    if (filter.all) return { rows: await query.orderBy('r.id').execute() };
    return pageOf(await query.orderBy('r.id').limit(sql.lit(RUN_PAGE_SIZE + 1)).execute(), RUN_PAGE_SIZE, (row) => [row.id]);
  }

  /** The forced-collection list: the documents sent to it and still unpaid, for the collector. */
  async function collectionList(office: OperatorContext) {
    requirePermission(office, 'reminders.manage');
    return reminderRows(office.ente.id)
      .where('r.step', '=', sql.lit('coattiva'))
      .where('d.state', '=', sql.lit('da_pagare'))
      .orderBy('h.family_name')
      .orderBy('h.given_name')
      .orderBy('r.id')
      .execute();
  }

  /** The pagoPA notices of these documents, by document. */
  async function noticesOf(enteId: number, documentIds: readonly number[]) {
    if (documentIds.length === 0) return new Map<number, LetterNotice>();
    const rows = await db
      .selectFrom('payment_notice')
      .select(['document_id', 'nav', 'amount_cents as amountCents', 'state', 'position_state as positionState'])
      .where('ente_id', '=', enteId)
      .where('document_id', 'in', documentIds)
      .where('kind', '=', sql.lit('document'))
      .execute();
    return new Map(rows.map((row) => [row.document_id!, row as LetterNotice]));
  }

  /** What the letter of one step prints: the step, the family, the document, its pagoPA notice. */
  async function letter(office: OperatorContext, reminderId: number) {
    requirePermission(office, 'reminders.manage');
    const row = await reminderRows(office.ente.id).where('r.id', '=', reminderId).executeTakeFirst();
    if (!row) throw new NotFoundError('reminder');
    const [notices, logo] = await Promise.all([
      noticesOf(office.ente.id, [row.documentId]),
      db.selectFrom('ente_logo').select('png').where('ente_id', '=', office.ente.id).executeTakeFirst(),
    ]);
    return { letters: [{ reminder: row, notice: notices.get(row.documentId) ?? null }], logoPng: logo?.png ?? null, createdAt: clock.now() };
  }

  /** The letters of one page of a run's list (the same filter and cursor as the page), to print at once. */
  async function lettersOfPage(office: OperatorContext, date: string, filter: { step?: ReminderStep; after?: string }) {
    const page = await runList(office, date, filter);
    const [notices, logo] = await Promise.all([
      noticesOf(office.ente.id, page.rows.map((r) => r.documentId)),
      db.selectFrom('ente_logo').select('png').where('ente_id', '=', office.ente.id).executeTakeFirst(),
    ]);
    return { letters: page.rows.map((row) => ({ reminder: row, notice: notices.get(row.documentId) ?? null })), logoPng: logo?.png ?? null, createdAt: clock.now() };
  }

  /** The reminders of a holder's documents and their suspensions: the section of the family's page. */
  async function ofPerson(office: OperatorContext, personId: number) {
    requirePermission(office, 'reminders.manage');
    const [reminders, suspensions] = await Promise.all([
      reminderRows(office.ente.id).where('r.holder_person_id', '=', personId).orderBy('r.run_date', 'desc').orderBy('r.id', 'desc').limit(sql.lit(100)).execute(),
      suspensionRows(office.ente.id).where('f.person_id', '=', personId).orderBy('f.id', 'desc').execute(),
    ]);
    const date = today();
    return { reminders, suspensions: suspensions.map((s) => ({ ...s, active: activeOn(s, date) })) };
  }

  function suspensionRows(enteId: number) {
    return db
      .selectFrom('family_suspension as f')
      .innerJoin('person as h', 'h.id', 'f.person_id')
      .select([
        'f.id', 'f.person_id as personId', 'f.reason', 'f.starts_on as startsOn', 'f.until_date as untilDate', 'f.ended_on as endedOn', 'f.version',
        'h.fiscal_code as fiscalCode', 'h.given_name as givenName', 'h.family_name as familyName',
      ])
      .where('f.ente_id', '=', enteId);
  }

  const activeOn = (s: { startsOn: string; untilDate: string; endedOn: string | null }, date: string) =>
    s.startsOn <= date && s.untilDate >= date && (s.endedOn === null || s.endedOn > date);

  /** The suspensions in force, then those ended or over in the last year. */
  async function suspensions(office: OperatorContext) {
    requirePermission(office, 'reminders.manage');
    const date = today();
    const rows = await suspensionRows(office.ente.id).where('f.until_date', '>=', addDays(date, -366)).orderBy('f.id', 'desc').limit(sql.lit(500)).execute();
    return { today: date, rows: rows.map((s) => ({ ...s, active: activeOn(s, date) })) };
  }

  /** A family suspended from today until a day, with its reason (a social-services case). */
  async function addSuspension(office: OperatorContext, input: { fiscalCode: string; reason: string; untilDate: string }): Promise<number> {
    requirePermission(office, 'reminders.manage');
    const enteId = office.ente.id;
    const date = today();
    const problems: Record<string, string> = {};
    const person = await db.selectFrom('person').select(['id']).where('ente_id', '=', enteId).where('fiscal_code', '=', input.fiscalCode).executeTakeFirst();
    if (!person) problems.codice_fiscale = 'personUnknown';
    if (input.untilDate < date) problems.fino_al = 'untilPast';
    else if (input.untilDate > addDays(date, MAX_SUSPENSION_DAYS)) problems.fino_al = 'untilTooFar';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
    return transaction(db, async (tx) => {
      const values = {
        ente_id: enteId, person_id: person!.id, reason: input.reason, starts_on: date, until_date: input.untilDate, ended_on: null,
        author: office.operator.fiscalCode, created_at: clock.now().toISOString(),
      };
      const { id } = await tx.db.insertInto('family_suspension').values(values).returning('id').executeTakeFirstOrThrow();
      await writeChange(tx.db, clock, office, { action: 'office.reminders.suspension.create', subjectType: 'family_suspension', subjectId: id, before: null, after: values });
      return id;
    });
  }

  /** Ends a suspension today: the reminders take the family's documents up again from tomorrow's run. */
  async function endSuspension(office: OperatorContext, suspensionId: number, version: number): Promise<void> {
    requirePermission(office, 'reminders.manage');
    const enteId = office.ente.id;
    const date = today();
    await transaction(db, async (tx) => {
      const row = await tx.db.selectFrom('family_suspension').selectAll().where('ente_id', '=', enteId).where('id', '=', suspensionId).executeTakeFirst();
      if (!row) throw new NotFoundError('suspension');
      if (row.version !== version) throw new ConflictError({ ended_on: row.ended_on, until_date: row.until_date });
      if (!activeOn({ startsOn: row.starts_on, untilDate: row.until_date, endedOn: row.ended_on }, date)) throw new InvalidInputError({ sospensione: 'notActive' });
      const updated = await tx.db
        .updateTable('family_suspension')
        .set({ ended_on: date, version: row.version + 1 })
        .where('id', '=', suspensionId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new ConflictError({ ended_on: row.ended_on });
      await writeChange(tx.db, clock, office, {
        action: 'office.reminders.suspension.end', subjectType: 'family_suspension', subjectId: suspensionId,
        before: { ended_on: row.ended_on }, after: { ended_on: date },
      });
    });
  }

  /**
   * The office's "run today's reminders now" (the scheduler would run them at its next tick): the same run,
   * claimed the same way, so pressed twice, or with the scheduler at work, each step is still taken once.
   */
  async function runTodayForOffice(office: OperatorContext): Promise<RunOutcome> {
    requirePermission(office, 'reminders.manage');
    const outcome = await runDay(office.ente, today());
    if (outcome.outcome === 'run') {
      await writeChange(db, clock, office, { action: 'office.reminders.run', subjectType: 'reminder_run', subjectId: 0, before: null, after: { date: outcome.date, recorded: outcome.recorded } });
    }
    return outcome;
  }

  return { runDay, runDue, runTodayForOffice, ladder, saveLadder, runs, runList, collectionList, letter, lettersOfPage, ofPerson, suspensions, addSuspension, endSuspension, today };
}

export type ReminderService = ReturnType<typeof createReminderService>;
