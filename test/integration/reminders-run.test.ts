import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../src/db/schema';
import { addDays } from '../../src/domain/calendar/local-time';
import type { Clock } from '../../src/domain/clock';
import { STALE_CLAIM_MS } from '../../src/domain/jobs/day-claim';
import { issueOperatorContext } from '../../src/domain/operators/context';
import { createEnteDirectory } from '../../src/domain/registry/enti';
import { lastReminderOfHolders } from '../../src/domain/reminders/queries';
import { createReminderService, recordSteps } from '../../src/domain/reminders/service';
import { startTestApp, type TestApp } from '../helpers/app';
import { buildEnrolment, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { spawnJob } from '../helpers/job';

/** Noon in Rome: the run's day is the date of this instant. */
function settableClock(day: string): Clock & { setDay(day: string): void; advance(ms: number): void } {
  let now = new Date(`${day}T11:00:00Z`).getTime();
  return { now: () => new Date(now), setDay: (d) => (now = new Date(`${d}T11:00:00Z`).getTime()), advance: (ms) => (now += ms) };
}

class Crash extends Error {}

const DUE = '2027-01-31';
let numbers = 0;

/** `count` unpaid documents of one enrolment due on `dueDate` (periods far in the past, numbers of a year of their own). */
async function makeDocuments(db: Kysely<DB>, enteId: number, family: { holderId: number; pupilId: number; enrolmentId: number; serviceId: number }, count: number, dueDate = DUE) {
  const rows = [];
  for (let i = 0; i < count; i++) {
    const n = ++numbers;
    rows.push({
      ente_id: enteId, kind: 'documento' as const, year: 1990, number: n, enrolment_id: family.enrolmentId, pupil_id: family.pupilId,
      holder_person_id: family.holderId, service_id: family.serviceId, period: `${1800 + Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`,
      issue_date: addDays(dueDate, -30), due_date: dueDate, total_cents: 4_500 + i, state: 'da_pagare' as const, cancels_document_id: null, reason: null,
      paid_at: null, created_at: '2027-01-01T08:00:00Z',
    });
  }
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    ids.push(...(await db.insertInto('document').values(rows.slice(i, i + 500)).returning('id').execute()).map((r) => r.id));
  }
  return ids;
}

for (const { engine, skip } of testEngines()) {
  describe(`the reminders run on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    let enteId: number;
    const db = () => t.database.db;
    const clock = settableClock(DUE);
    let reminders: ReturnType<typeof createReminderService>;

    async function family() {
      const { holder, pupils } = await buildFamily(db(), enteId);
      const enrolmentId = await buildEnrolment(db(), enteId, pupils[0]!, holder);
      const { service_id } = await db().selectFrom('enrolment').select('service_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow();
      return { holder, holderId: holder.id, pupilId: pupils[0]!.pupilId, enrolmentId, serviceId: service_id };
    }
    const stepsOf = async (documentIds: number[]) =>
      db().selectFrom('reminder').select(['document_id', 'step', 'run_date', 'new_due_date']).where('document_id', 'in', documentIds).orderBy('document_id').orderBy('id').execute();
    const ofDay = async (day: string) =>
      Number((await db().selectFrom('reminder').select((eb) => eb.fn.countAll<number>().as('n')).where('ente_id', '=', enteId).where('run_date', '=', day).executeTakeFirstOrThrow()).n);
    /** Every (document, step) pair at most once, whatever the database would let through. */
    const assertOnce = (rows: { document_id: number; step: string }[]) => {
      const keys = rows.map((r) => `${r.document_id}/${r.step}`);
      assert.equal(new Set(keys).size, keys.length, 'a step taken twice for a document');
    };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: `${DUE}T12:00:00+01:00` });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      reminders = createReminderService(db(), clock, createEnteDirectory(db()));
    });
    after(async () => {
      await t?.close();
    });

    it('takes the default ladder’s steps in order, each once however often it runs, and skips paid and cancelled documents', async () => {
      const f = await family();
      const [a, paid, cancelled] = await makeDocuments(db(), enteId, f, 3);
      await db().updateTable('document').set({ state: 'pagato', paid_at: '2027-02-01T10:00:00Z' }).where('id', '=', paid!).execute();
      await db().updateTable('document').set({ state: 'annullato' }).where('id', '=', cancelled!).execute();
      const ids = [a!, paid!, cancelled!];

      clock.setDay(addDays(DUE, 14));
      await reminders.runDay(ente, addDays(DUE, 14));
      assert.deepEqual(await stepsOf(ids), [], 'nothing before 15 days');

      const first = addDays(DUE, 15);
      clock.setDay(first);
      assert.equal((await reminders.runDay(ente, first)).outcome, 'run');
      assert.equal((await reminders.runDay(ente, first)).outcome, 'already-run');
      assert.deepEqual(await stepsOf(ids), [{ document_id: a, step: 'primo', run_date: first, new_due_date: null }]);

      // Runs of later days: the second at 45, the formal notice at 90 with 30 days to pay, forced collection at 150.
      for (let day = addDays(first, 1); day <= addDays(DUE, 160); day = addDays(day, 1)) {
        clock.setDay(day);
        await reminders.runDay(ente, day);
        if (day === addDays(DUE, 100)) await reminders.runDay(ente, day);
      }
      assert.deepEqual(await stepsOf(ids), [
        { document_id: a, step: 'primo', run_date: first, new_due_date: null },
        { document_id: a, step: 'secondo', run_date: addDays(DUE, 45), new_due_date: null },
        { document_id: a, step: 'formale', run_date: addDays(DUE, 90), new_due_date: addDays(DUE, 120) },
        { document_id: a, step: 'coattiva', run_date: addDays(DUE, 150), new_due_date: null },
      ]);
      // Each step but forced collection is told to the family once (issue 16): the rerun of day 100 added none.
      const told = await db().selectFrom('message_outbox').select(['event_key', 'person_id', 'channel', 'params']).where('kind', '=', 'reminder').where('pupil_id', '=', f.pupilId).orderBy('id').execute();
      assert.equal(told.length, 3, 'first, second and formal: one e-mail each to the holder');
      assert.ok(told.every((m) => m.person_id === f.holderId && m.channel === 'email'));
      assert.equal(new Set(told.map((m) => m.event_key)).size, 3);
      assert.deepEqual(told.map((m) => JSON.parse(m.params).step), ['primo', 'secondo', 'formale']);
      const last = await lastReminderOfHolders(db(), enteId, [f.holderId, 999_999]);
      assert.deepEqual(last.get(f.holderId), { personId: f.holderId, step: 'coattiva', runDate: addDays(DUE, 150), count: 4 });
      assert.equal(last.has(999_999), false);
    });

    it('records a step only while its document is unpaid, and once: the guard of a payment made during the run', async () => {
      const f = await family();
      const [open, paid] = await makeDocuments(db(), enteId, f, 2, '2027-02-01');
      await db().updateTable('document').set({ state: 'pagato' }).where('id', '=', paid!).execute();
      const row = (id: number) => [enteId, id, 'primo', '2027-02-20', f.holderId, f.pupilId, f.serviceId, 4_500, '2027-02-01', null, null, '2027-02-20T11:00:00Z'] as const;
      const recorded = await db().transaction().execute((trx) => recordSteps(trx, [row(open!), row(paid!), row(open!)] as never));
      assert.deepEqual(recorded.map((r) => [r.document_id, r.step]), [[open, 'primo']]);
      assert.deepEqual(await db().transaction().execute((trx) => recordSteps(trx, [row(open!)] as never)), [], 'a second time: nothing');
      await db().deleteFrom('reminder').where('document_id', '=', open!).execute();
    });

    it('a document found long overdue starts at the first reminder and keeps the ladder’s gaps', async () => {
      const f = await family();
      const [doc] = await makeDocuments(db(), enteId, f, 1, '2027-06-30');
      const day = '2028-03-01';
      clock.setDay(day);
      await reminders.runDay(ente, day);
      await reminders.runDay(ente, addDays(day, 29));
      await reminders.runDay(ente, addDays(day, 30));
      assert.deepEqual((await stepsOf([doc!])).map((r) => [r.step, r.run_date]), [['primo', day], ['secondo', addDays(day, 30)]]);
    });

    it('leaves a suspended family alone until its suspension ends, then takes the step', async () => {
      const f = await family();
      const [doc] = await makeDocuments(db(), enteId, f, 1, '2028-04-01');
      const operator = await buildOperator(db(), enteId, 'operatore');
      const opRow = await db().selectFrom('operator').selectAll().where('id', '=', operator.id).executeTakeFirstOrThrow();
      const office = issueOperatorContext({
        ente, operator: { id: opRow.id, fiscalCode: opRow.fiscal_code, givenName: opRow.given_name, familyName: opRow.family_name, role: opRow.role, schoolId: null },
      });
      clock.setDay('2028-04-10');
      const id = await reminders.addSuspension(office, { fiscalCode: f.holder.fiscalCode, reason: 'Presa in carico dai servizi sociali', untilDate: '2028-06-30' });
      for (const day of ['2028-04-16', '2028-04-20', '2028-05-01']) {
        clock.setDay(day);
        await reminders.runDay(ente, day);
      }
      assert.deepEqual(await stepsOf([doc!]), [], 'no step while suspended');
      clock.setDay('2028-05-02');
      const { version } = await db().selectFrom('family_suspension').select('version').where('id', '=', id).executeTakeFirstOrThrow();
      await reminders.endSuspension(office, id, version);
      await assert.rejects(reminders.endSuspension(office, id, version), /changed by someone else/);
      const audit = await db().selectFrom('audit_event').select(['action', 'before_json', 'after_json']).where('subject_type', '=', 'family_suspension').where('subject_id', '=', id).orderBy('id').execute();
      assert.deepEqual(audit.map((a) => a.action), ['office.reminders.suspension.create', 'office.reminders.suspension.end']);
      assert.deepEqual(JSON.parse(audit[1]!.after_json!), { ended_on: '2028-05-02' });
      await reminders.runDay(ente, '2028-05-02');
      // Ended today: today's run (not yet made) takes the step.
      assert.deepEqual((await stepsOf([doc!])).map((r) => [r.step, r.run_date]), [['primo', '2028-05-02']]);
    });

    it('a run that died part-way is left to its claim, then taken over by exactly one of two runs, each step once', async () => {
      const f = await family();
      const docs = await makeDocuments(db(), enteId, f, 40, '2028-07-01');
      const day = '2028-07-20';
      clock.setDay(day);
      await assert.rejects(
        reminders.runDay(ente, day, {
          batchSize: 7,
          afterBatch: () => {
            throw new Crash('the process died here');
          },
        }),
        Crash,
      );
      const committed = await ofDay(day);
      assert.ok(committed === 7, `the first batch was committed before the crash (${committed})`);
      assert.equal((await reminders.runDay(ente, day)).outcome, 'busy', 'a fresh claim may belong to a live run');
      clock.advance(STALE_CLAIM_MS + 1000);
      const outcomes = await Promise.all([reminders.runDay(ente, day, { batchSize: 5 }), reminders.runDay(ente, day, { batchSize: 5 })]);
      // Exactly one takes the stale claim over; the other finds it busy (or, on PostgreSQL, done when it looks after the first finished).
      assert.equal(outcomes.filter((o) => o.outcome === 'run').length, 1, JSON.stringify(outcomes));
      const steps = await stepsOf(docs);
      assertOnce(steps);
      assert.equal(steps.length, docs.length, 'every document got its first reminder');
      const run = await db().selectFrom('reminder_run').selectAll().where('ente_id', '=', enteId).where('date', '=', day).executeTakeFirstOrThrow();
      assert.notEqual(run.completed_at, null);
      assert.equal(run.reminders, await db().selectFrom('reminder').select((eb) => eb.fn.countAll<number>().as('n')).where('ente_id', '=', enteId).where('run_date', '=', day).executeTakeFirstOrThrow().then((r) => Number(r.n)));
    });

    it('two processes running the same day, and a third killed with SIGKILL part-way, leave each step once', { timeout: 120_000 }, async () => {
      const f = await family();
      const docs = await makeDocuments(db(), enteId, f, 1500, '2028-09-01');
      const env = { DATABASE_URL: t.config.databaseUrl, FAKE_NOW: '2028-09-20T12:00:00+02:00' };
      // The first process is killed as soon as it reports a committed batch.
      const killed = spawnJob(['solleciti', '--ente', 'demo', '--batch-size', '20'], env);
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          if (chunk.toString().includes('"progress"')) {
            killed.stdout!.off('data', onData);
            killed.kill('SIGKILL');
            resolve();
          }
        };
        killed.stdout!.on('data', onData);
        void killed.output.then(() => resolve());
      });
      const dead = await killed.output;
      assert.equal(dead.signal, 'SIGKILL', `killed mid-run: ${dead.stdout.slice(-300)} ${dead.stderr.slice(-300)}`);
      const partial = await ofDay('2028-09-20');
      assert.ok(partial > 0 && partial < docs.length, `part of the run committed (${partial})`);
      // Its claim is fresh: both processes that come now leave it alone.
      const [b, c] = await Promise.all([spawnJob(['solleciti', '--ente', 'demo'], env).output, spawnJob(['solleciti', '--ente', 'demo'], env).output]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(c.code, 0, c.stderr);
      assert.match(b.stdout + c.stdout, /"outcome":"busy"/);
      // Ten minutes later two processes find the stale claim at once: one takes it over and finishes the day.
      const later = { ...env, FAKE_NOW: '2028-09-20T12:11:00+02:00' };
      const [d, e] = await Promise.all([spawnJob(['solleciti', '--ente', 'demo', '--batch-size', '100'], later).output, spawnJob(['solleciti', '--ente', 'demo', '--batch-size', '100'], later).output]);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(e.code, 0, e.stderr);
      const outcomes = [...`${d.stdout}${e.stdout}`.matchAll(/"outcome":"([a-z-]+)"/g)].map((m) => m[1]);
      assert.equal(outcomes.filter((o) => o === 'run').length, 1, outcomes.join(','));
      const steps = await stepsOf(docs);
      assertOnce(steps);
      assert.equal(steps.length, docs.length);
      assert.ok(steps.every((s) => s.step === 'primo' && s.run_date === '2028-09-20'));
    });

    it('the scheduler’s step, called by two processes at once, runs each ente’s day once', async () => {
      const f = await family();
      const docs = await makeDocuments(db(), enteId, f, 30, '2028-11-01');
      const day = '2028-11-20';
      clock.setDay(day);
      // Two processes: each its own services over the same database.
      const other = createReminderService(db(), clock, createEnteDirectory(db()));
      const [a, b] = await Promise.all([reminders.runDue(), other.runDue()]);
      const demoRuns = [...a, ...b].filter((r) => r.ente === 'demo' && r.date === day);
      assert.equal(demoRuns.length, 1, JSON.stringify([a, b]));
      const steps = await stepsOf(docs);
      assertOnce(steps);
      assert.equal(steps.length, docs.length);
      assert.deepEqual(await Promise.all([reminders.runDue(), other.runDue()]), [[], []], 'the rest of the day: nothing more');
    });

    it('a new ladder applies to documents falling due from the day it is saved; a stale form is refused', async () => {
      const operator = await buildOperator(db(), enteId, 'operatore');
      const opRow = await db().selectFrom('operator').selectAll().where('id', '=', operator.id).executeTakeFirstOrThrow();
      const office = issueOperatorContext({
        ente, operator: { id: opRow.id, fiscalCode: opRow.fiscal_code, givenName: opRow.given_name, familyName: opRow.family_name, role: opRow.role, schoolId: null },
      });
      clock.setDay('2028-10-01');
      const before = await reminders.ladder(office);
      assert.equal(before.isDefault, true);
      const id = await reminders.saveLadder(office, { firstDays: 5, secondDays: null, formalDays: 20, formalTermDays: 10, collectionDays: 40 }, before.version);
      await assert.rejects(
        reminders.saveLadder(office, { firstDays: 6, secondDays: null, formalDays: 20, formalTermDays: 10, collectionDays: 40 }, before.version),
        /changed by someone else/,
      );
      await assert.rejects(reminders.saveLadder(office, { firstDays: 6, secondDays: 5, formalDays: 20, formalTermDays: 10, collectionDays: 40 }, id), /invalid input: secondo/);
      const audit = await db().selectFrom('audit_event').select(['action', 'before_json', 'after_json']).where('subject_type', '=', 'reminder_ladder').execute();
      assert.equal(audit.length, 1);
      assert.equal(JSON.parse(audit[0]!.before_json!).first_days, 15);
      assert.equal(JSON.parse(audit[0]!.after_json!).first_days, 5);

      const f = await family();
      const [old] = await makeDocuments(db(), enteId, f, 1, '2028-09-30');
      const [fresh] = await makeDocuments(db(), enteId, f, 1, '2028-10-01');
      clock.setDay('2028-10-06');
      await reminders.runDay(ente, '2028-10-06');
      assert.deepEqual((await stepsOf([old!, fresh!])).map((r) => [r.document_id, r.step]), [[fresh, 'primo']], 'the old document waits for the default 15 days');
      clock.setDay('2028-10-15');
      await reminders.runDay(ente, '2028-10-15');
      assert.deepEqual((await stepsOf([old!])).map((r) => r.step), ['primo']);
    });
  });
}
