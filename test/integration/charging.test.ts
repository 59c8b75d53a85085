import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { InvalidInputError } from '../../src/domain/errors';
import { startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { spawnJob } from '../helpers/job';

const NOW = '2026-11-26T10:00:00+01:00';

for (const { engine, skip } of testEngines()) {
  describe(`charging after the freeze on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    const db = () => t.database.db;
    const badgeId = async (code: string) => (await db().selectFrom('badge').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
    const balance = async (badge: number) =>
      Number((await db().selectFrom('movement').select((eb) => eb.fn.sum<number>('amount_cents').as('cents')).where('badge_id', '=', badge).executeTakeFirstOrThrow()).cents ?? 0);

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      ente = (await db().selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
    });
    after(async () => {
      await t?.close();
    });

    it('charges nothing before the day is frozen', async () => {
      assert.equal(await t.app.services.charging.chargeDay(ente, '2026-11-25'), 'not-frozen');
      assert.equal((await db().selectFrom('charge').select('id').execute()).length, 0);
    });

    it('charges each booked meal of a frozen day exactly once, prepaid meals as badge debits', async () => {
      const { freeze, charging } = t.app.services;
      await freeze.freezeDay(ente, '2026-11-25');
      // Two runs at once (two instances, a double start): one charges, the other finds the day done.
      const runs = await Promise.all([charging.chargeDay(ente, '2026-11-25'), charging.chargeDay(ente, '2026-11-25')]);
      assert.deepEqual(runs.sort(), ['already-charged', 'charged']);
      assert.equal(await charging.chargeDay(ente, '2026-11-25'), 'already-charged');

      const booked = await db()
        .selectFrom('attendance')
        .select(['pupil_id', 'enrolment_id'])
        .where('ente_id', '=', ente.id)
        .where('date', '=', '2026-11-25')
        .where('status', 'in', ['present', 'light_meal'])
        .execute();
      const charges = await db().selectFrom('charge').selectAll().where('ente_id', '=', ente.id).where('date', '=', '2026-11-25').execute();
      assert.ok(booked.length > 50, 'the demo has many pupils at table');
      assert.deepEqual(charges.map((c) => c.pupil_id).sort(), booked.map((b) => b.pupil_id).sort(), 'one charge per booked meal, none for the absent');
      for (const c of charges) assert.equal(c.amount_cents, c.unit_price_cents - c.sibling_cents - c.exemption_cents);

      const prepaid = await db()
        .selectFrom('charge as c')
        .innerJoin('enrolment as e', 'e.id', 'c.enrolment_id')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .leftJoin('movement as m', 'm.charge_id', 'c.id')
        .select(['c.id', 'c.amount_cents as charged', 'm.amount_cents as debited', 's.billing'])
        .where('c.date', '=', '2026-11-25')
        .execute();
      for (const row of prepaid) {
        if (row.billing === 'prepaid') assert.equal(row.debited! + row.charged, 0, 'a prepaid meal is a debit of its price');
        else assert.equal(row.debited, null, 'a postpaid meal waits for the monthly document');
      }

      // Sofia: band C 4,10 €, second child of Ada in the canteen (−20 %): 3,28 € on her badge.
      const sofia = await db().selectFrom('movement').select(['amount_cents', 'kind', 'value_date']).where('badge_id', '=', await badgeId('B100001')).execute();
      assert.deepEqual(sofia, [{ amount_cents: -328, kind: 'meal', value_date: '2026-11-25' }]);
    });

    it('catches up every frozen day left uncharged, oldest first, and then has nothing to do', async () => {
      const { freeze, charging } = t.app.services;
      for (const date of ['2026-11-23', '2026-11-24']) await freeze.freezeDay(ente, date);
      const done = (await charging.chargeDueDays()).filter((d) => d.ente === 'demo').map((d) => d.date);
      assert.deepEqual(done, ['2026-11-23', '2026-11-24']);
      assert.deepEqual(await charging.chargeDueDays(), []);
    });

    it('reverses a charge once with a new movement and a reason, never by editing', async () => {
      const badge = await badgeId('B100001');
      const before = await balance(badge);
      const charge = await db()
        .selectFrom('charge')
        .innerJoin('badge', 'badge.pupil_id', 'charge.pupil_id')
        .select('charge.id')
        .where('badge.code', '=', 'B100001')
        .where('charge.date', '=', '2026-11-24')
        .executeTakeFirstOrThrow();
      const { charging } = t.app.services;
      await assert.rejects(charging.reverseCharge(ente, { chargeId: charge.id, reason: ' ', author: 'PLOMRC01P30L736Y' }), InvalidInputError);
      const storno = await charging.reverseCharge(ente, { chargeId: charge.id, reason: 'Uscita didattica, pasto non consumato', author: 'PLOMRC01P30L736Y' });
      assert.equal(storno.badgeCredited, true);
      assert.equal(await balance(badge), before + 328);
      await assert.rejects(charging.reverseCharge(ente, { chargeId: charge.id, reason: 'di nuovo', author: 'PLOMRC01P30L736Y' }), InvalidInputError);
      assert.equal(await balance(badge), before + 328, 'a charge is reversed at most once');
      const other = (await db().selectFrom('ente').selectAll().where('slug', '=', 'unione-colline').executeTakeFirstOrThrow()) as Ente;
      await assert.rejects(charging.reverseCharge(other, { chargeId: charge.id, reason: 'altro ente', author: 'PLOMRC01P30L736Y' }), /not found/);
    });

    it('keeps every balance equal to the sum of its movements, and the ledger append-only in the database', async () => {
      const badge = await badgeId('B100001');
      const movement = await db().selectFrom('movement').select('id').where('badge_id', '=', badge).executeTakeFirstOrThrow();
      await assert.rejects(db().updateTable('movement').set({ amount_cents: 0 }).where('id', '=', movement.id).execute(), /append-only/);
      await assert.rejects(db().deleteFrom('movement').where('id', '=', movement.id).execute(), /append-only/);
      // The unique index refuses a second charge of the same meal even from code that skips the lock.
      const first = await db().selectFrom('charge').selectAll().where('kind', '=', 'meal').executeTakeFirstOrThrow();
      const { id: _id, ...copy } = first;
      await assert.rejects(db().insertInto('charge').values(copy).execute(), /UNIQUE constraint failed: charge\.date, charge\.enrolment_id|"charge_once_per_day"/);
    });

    it('is safe when two processes charge the same days at once', async () => {
      const { freeze } = t.app.services;
      for (const date of ['2026-11-18', '2026-11-19', '2026-11-20']) await freeze.freezeDay(ente, date);
      const env = { DATABASE_URL: t.config.databaseUrl, FAKE_NOW: NOW };
      const runs = await Promise.all([spawnJob(['charge'], env).output, spawnJob(['charge'], env).output]);
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const charged = runs.flatMap((run) => run.stdout.trim().split('\n').filter(Boolean)).map((line) => JSON.parse(line).charged.date).sort();
      assert.deepEqual(charged, ['2026-11-18', '2026-11-19', '2026-11-20'], 'each day charged by one of the two');
      const twice = await db()
        .selectFrom('charge')
        .select(['enrolment_id', 'date', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['enrolment_id', 'date'])
        .having((eb) => eb.fn.countAll(), '>', 1)
        .execute();
      assert.deepEqual(twice, [], 'no meal charged twice');
    });
  });
}
