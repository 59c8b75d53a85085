import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { DB, Ente } from '../../src/db/schema';
import { InvalidInputError } from '../../src/domain/errors';
import { startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { spawnJob } from '../helpers/job';
import { assertBooksAreSound } from '../helpers/books';

const NOW = '2026-11-26T10:00:00+01:00';

async function demoEnte(db: Kysely<DB>): Promise<Ente> {
  return (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
}

async function snapshot(db: Kysely<DB>) {
  const [documents, lines, charges, movements] = await Promise.all([
    db.selectFrom('document').selectAll().orderBy('id').execute(),
    db.selectFrom('document_line').selectAll().orderBy('document_id').orderBy('position').execute(),
    db.selectFrom('charge').select(['id', 'amount_cents']).orderBy('id').execute(),
    db.selectFrom('movement').select(['id', 'amount_cents']).orderBy('id').execute(),
  ]);
  return JSON.stringify({ documents, lines, charges, movements });
}

for (const { engine, skip } of testEngines()) {
  describe(`monthly billing on ${engine}, with the demo's history`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    const db = () => t.database.db;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
      ente = await demoEnte(db());
    });
    after(async () => {
      await t?.close();
    });

    it('has billed every month that is over, with sound books', async () => {
      await assertBooksAreSound(db());
      const periods = await db().selectFrom('billing_run').select('period').where('ente_id', '=', ente.id).orderBy('period').execute();
      assert.deepEqual(periods.at(0)?.period, '2025-09');
      assert.deepEqual(periods.at(-1)?.period, '2026-10', 'November is not over');
      const ada = await db()
        .selectFrom('document as d')
        .innerJoin('person as p', 'p.id', 'd.holder_person_id')
        .select(['d.state', 'd.due_date'])
        .where('p.fiscal_code', '=', 'LVLDAA85T50G702B')
        .execute();
      assert.ok(ada.filter((d) => d.state === 'da_pagare').length >= 6, 'Ada has at least six unpaid documents');
      assert.ok(ada.filter((d) => d.state === 'pagato').length >= 2, 'and paid ones');
    });

    it('changes nothing when billing and charging run again', async () => {
      const before = await snapshot(db());
      assert.deepEqual(await t.app.services.billing.billDueMonths(), []);
      assert.deepEqual(await t.app.services.charging.chargeDueDays(), []);
      assert.equal((await t.app.services.billing.billMonth(ente, '2026-10')).documents, 0);
      assert.equal(await snapshot(db()), before);
    });

    it('refuses to bill a month that is not over', async () => {
      assert.deepEqual(await t.app.services.billing.billMonth(ente, '2026-11'), { status: 'month-not-over', documents: 0 });
    });

    it('cancels an unpaid document with a credit note that takes the next number; never deletes', async () => {
      const unpaid = await db().selectFrom('document').selectAll().where('ente_id', '=', ente.id).where('state', '=', 'da_pagare').where('year', '=', 2026).orderBy('id').executeTakeFirstOrThrow();
      const { last_number: last } = await db().selectFrom('document_counter').select('last_number').where('ente_id', '=', ente.id).where('year', '=', 2026).executeTakeFirstOrThrow();
      const result = await t.app.services.billing.cancelDocument(ente, { documentId: unpaid.id, reason: 'Tariffa errata', author: 'PLOMRC01P30L736Y' });
      assert.equal(result.number, last + 1);
      const [cancelled, credit] = await Promise.all([
        db().selectFrom('document').selectAll().where('id', '=', unpaid.id).executeTakeFirstOrThrow(),
        db().selectFrom('document').selectAll().where('id', '=', result.creditNoteId).executeTakeFirstOrThrow(),
      ]);
      assert.equal(cancelled.state, 'annullato');
      assert.equal(cancelled.total_cents, unpaid.total_cents, 'the cancelled document keeps its figures');
      assert.equal(credit.kind, 'nota_credito');
      assert.equal(credit.total_cents, -unpaid.total_cents);
      await assert.rejects(t.app.services.billing.cancelDocument(ente, { documentId: unpaid.id, reason: 'di nuovo', author: 'PLOMRC01P30L736Y' }), InvalidInputError);
      const paid = await db().selectFrom('document').select('id').where('ente_id', '=', ente.id).where('state', '=', 'pagato').executeTakeFirstOrThrow();
      await assert.rejects(t.app.services.billing.cancelDocument(ente, { documentId: paid.id, reason: 'pagato', author: 'PLOMRC01P30L736Y' }), InvalidInputError);
      await assertBooksAreSound(db());
    });

    it('refuses to rewrite the lines of an issued document, in the database itself', async () => {
      await assert.rejects(db().updateTable('document_line').set({ amount_cents: 0 }).execute(), /append-only/);
      await assert.rejects(db().deleteFrom('document_line').execute(), /append-only/);
    });
  });

  describe(`monthly billing on ${engine}: two instances at once, and a process killed half-way`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    const db = () => t.database.db;
    const env = () => ({ DATABASE_URL: t.config.databaseUrl, FAKE_NOW: NOW });
    const postpaidEnrolments = async (period: string) =>
      Number(
        (
          await sql<{ n: number }>`
            select count(*) as n from (
              select c.enrolment_id from charge c
              join enrolment e on e.id = c.enrolment_id join service s on s.id = e.service_id and s.billing = 'postpaid'
              where c.ente_id = ${ente.id} and c.date >= ${`${period}-01`} and c.date <= ${`${period}-31`}
              group by c.enrolment_id having sum(c.amount_cents) > 0) owing`.execute(db())
        ).rows[0]!.n,
      );

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      ente = await demoEnte(db());
      await t.app.services.freeze.freezeDueDays();
      await t.app.services.charging.chargeDueDays();
    });
    after(async () => {
      await t?.close();
    });

    it('numbers without gaps or duplicates when two processes bill the same month together', async () => {
      const args = ['bill', '--ente', 'demo', '--month', '2026-10', '--batch-size', '7'];
      const runs = await Promise.all([spawnJob(args, env()).output, spawnJob(args, env()).output]);
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const made = runs.map((run) => JSON.parse(run.stdout.trim().split('\n').at(-1)!).documents as number);
      const expected = await postpaidEnrolments('2026-10');
      assert.ok(expected > 20, 'enough documents for batches to interleave');
      assert.equal(made[0]! + made[1]!, expected, 'each enrolment billed by exactly one of the two');
      await assertBooksAreSound(db());
    });

    it('leaves no gap, duplicate or half-written document when killed mid-run and started again', async () => {
      const child = spawnJob(['bill', '--ente', 'demo', '--month', '2026-09', '--batch-size', '1'], env());
      await new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('progress') && resolve()));
      child.kill('SIGKILL');
      const killed = await child.output;
      assert.equal(killed.signal, 'SIGKILL');
      const written = await db().selectFrom('document').select('id').where('period', '=', '2026-09').execute();
      await assertBooksAreSound(db());

      const again = await spawnJob(['bill', '--ente', 'demo', '--month', '2026-09'], env()).output;
      assert.equal(again.code, 0, again.stderr);
      const all = await db().selectFrom('document').select('id').where('period', '=', '2026-09').execute();
      assert.equal(all.length, await postpaidEnrolments('2026-09'), 'the second run finished the month');
      assert.ok(written.length > 0 && written.length < all.length, `the first run was killed half-way (${written.length} of ${all.length})`);
      await assertBooksAreSound(db());
    });
  });
}
