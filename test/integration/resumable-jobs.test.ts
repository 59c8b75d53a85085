import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Ente } from '../../src/db/schema';
import { createFreezeService } from '../../src/domain/canteen/freeze';
import type { Clock } from '../../src/domain/clock';
import { STALE_CLAIM_MS } from '../../src/domain/jobs/day-claim';
import { createChargingService } from '../../src/domain/ledger/charging';
import { startTestApp, type TestApp } from '../helpers/app';
import { assertBooksAreSound, assertLedgerMatchesCharges } from '../helpers/books';
import { testEngines } from '../helpers/databases';

function settableClock(iso: string): Clock & { advance(ms: number): void } {
  let now = new Date(iso).getTime();
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

/** What a process that dies between two batches leaves behind: the batches before it, committed. */
class Crash extends Error {}
const crashAfterFirstBatch = () => {
  throw new Crash('the process died here');
};

const DAY = '2026-11-25'; // a Wednesday: every demo school serves

for (const { engine, skip } of testEngines()) {
  describe(`the freeze and the charging of a day in batches, after a crash part-way, on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    const clock = settableClock('2026-11-25T09:00:00Z'); // 10:00 in Rome, past the cut-off
    let freeze: ReturnType<typeof createFreezeService>;
    let charging: ReturnType<typeof createChargingService>;
    const db = () => t.database.db;
    const dayRow = (table: 'day_freeze' | 'day_charge') =>
      db().selectFrom(table).select(['claimed_at', 'completed_at']).where('ente_id', '=', ente.id).where('date', '=', DAY).executeTakeFirst();

    before(async () => {
      t = await startTestApp(engine);
      ente = (await db().selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      freeze = createFreezeService(db(), clock);
      charging = createChargingService(db(), clock);
    });
    after(async () => {
      await t?.close();
    });

    it('a freeze that died part-way is neither counted nor charged, is left alone while its claim is fresh, then finished once', async () => {
      const schools = await freeze.schoolsServing(ente, DAY);
      assert.ok(schools.length >= 3, 'several schools, so that the day takes several batches');
      await assert.rejects(freeze.freezeDay(ente, DAY, { schoolsPerBatch: 1, afterBatch: crashAfterFirstBatch }), Crash);

      const partial = await db().selectFrom('attendance').select('school_id').distinct().where('ente_id', '=', ente.id).where('date', '=', DAY).execute();
      assert.equal(partial.length, 1, 'the first batch (one school) was committed before the crash');
      assert.equal((await dayRow('day_freeze'))?.completed_at, null);
      assert.equal((await freeze.mealCounts(ente, DAY)).frozenAt, undefined, 'the kitchen does not see a half-frozen day as frozen');
      assert.deepEqual(await db().selectFrom('meal_count').select('school_id').where('date', '=', DAY).execute(), []);
      assert.equal(await charging.chargeDay(ente, DAY), 'not-frozen', 'nothing is charged from a half-frozen day');

      clock.advance(60_000);
      assert.deepEqual((await freeze.freezeDueDays()).filter((d) => d.ente === 'demo' && d.date === DAY), [], 'a fresh claim may belong to a live run: left alone');
      assert.equal((await dayRow('day_freeze'))?.completed_at, null);

      clock.advance(STALE_CLAIM_MS);
      // Two processes find the stale claim at once: exactly one takes the day over.
      const runs = await Promise.all([freeze.freezeDay(ente, DAY), freeze.freezeDay(ente, DAY)]);
      assert.deepEqual([...runs].sort(), ['already-frozen', 'frozen']);
      assert.notEqual((await dayRow('day_freeze'))?.completed_at, null);

      const booked = await db().selectFrom('attendance').select(['pupil_id', 'status', 'frozen_at']).where('ente_id', '=', ente.id).where('date', '=', DAY).execute();
      const enrolled = await db()
        .selectFrom('enrolment as e')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
        .select('e.pupil_id')
        .where('s.kind', '=', 'refezione')
        .where('e.ente_id', '=', ente.id)
        .where('e.state', 'in', ['attiva', 'cessata'])
        .where('y.starts_on', '<=', DAY)
        .where('y.ends_on', '>=', DAY)
        .where('e.school_id', 'in', schools)
        .execute();
      assert.deepEqual(booked.map((b) => b.pupil_id).sort(), enrolled.map((e) => e.pupil_id).sort(), 'every pupil booked exactly once');
      const { frozen_at } = await db().selectFrom('day_freeze').select('frozen_at').where('ente_id', '=', ente.id).where('date', '=', DAY).executeTakeFirstOrThrow();
      assert.ok(booked.every((b) => b.frozen_at === frozen_at), 'the whole day carries the instant its freeze began');
      const counts = await db().selectFrom('meal_count').selectAll().where('ente_id', '=', ente.id).where('date', '=', DAY).execute();
      assert.equal(new Set(counts.map((c) => c.school_id)).size, schools.length, 'counts for every school, written once');
      assert.equal(
        counts.reduce((sum, c) => sum + c.meals + c.light_meals + c.absences, 0),
        booked.length,
        'the counts add up to the pupils booked',
      );
      assert.equal(await freeze.freezeDay(ente, DAY), 'already-frozen');
    });

    it('a charging that died part-way charges and debits each meal exactly once when taken over', async () => {
      await assert.rejects(charging.chargeDay(ente, DAY, { chargesPerBatch: 5, afterBatch: crashAfterFirstBatch }), Crash);
      const partial = await db().selectFrom('charge').select('id').where('ente_id', '=', ente.id).where('date', '=', DAY).execute();
      assert.equal(partial.length, 5, 'the first batch was committed before the crash');
      assert.equal((await dayRow('day_charge'))?.completed_at, null);

      clock.advance(60_000);
      assert.deepEqual((await charging.chargeDueDays()).filter((d) => d.ente === 'demo' && d.date === DAY), [], 'a fresh claim is left to its run');

      clock.advance(STALE_CLAIM_MS);
      const runs = await Promise.all([charging.chargeDay(ente, DAY, { chargesPerBatch: 7 }), charging.chargeDay(ente, DAY, { chargesPerBatch: 7 })]);
      assert.deepEqual([...runs].sort(), ['already-charged', 'charged']);

      const meals = await db()
        .selectFrom('attendance as a')
        .innerJoin('enrolment as e', 'e.id', 'a.enrolment_id')
        .innerJoin('tariff as t', 't.id', 'e.tariff_id')
        .select('a.enrolment_id')
        .where('a.ente_id', '=', ente.id)
        .where('a.date', '=', DAY)
        .where('a.status', 'in', ['present', 'light_meal'])
        .where('t.unit', '=', 'pasto')
        .execute();
      const charges = await db().selectFrom('charge').select(['enrolment_id', 'amount_cents']).where('ente_id', '=', ente.id).where('date', '=', DAY).execute();
      assert.deepEqual(charges.map((c) => c.enrolment_id).sort(), meals.map((m) => m.enrolment_id).sort(), 'one charge per booked meal');
      const day = await db().selectFrom('day_charge').selectAll().where('ente_id', '=', ente.id).where('date', '=', DAY).executeTakeFirstOrThrow();
      assert.equal(day.charges, charges.length, "the day's totals count what both runs wrote");
      assert.equal(day.total_cents, charges.reduce((sum, c) => sum + c.amount_cents, 0));
      await assertLedgerMatchesCharges(db());
      await assertBooksAreSound(db());
      assert.equal(await charging.chargeDay(ente, DAY), 'already-charged');
    });

    it("on SQLite a day's batches run with 64 MB of page cache, and the connection keeps 2 MB otherwise, a crash included", { skip: engine !== 'sqlite' }, async () => {
      const cacheKib = async () => -Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(db())).rows[0]!.cache_size);
      assert.equal(await cacheKib(), 2_000, 'a serving connection keeps SQLite’s default');
      const seen: number[] = [];
      const next = '2026-11-26';
      clock.advance(24 * 3600_000);
      await freeze.freezeDay(ente, next, { schoolsPerBatch: 1, afterBatch: async () => void seen.push(await cacheKib()) });
      await assert.rejects(
        charging.chargeDay(ente, next, {
          chargesPerBatch: 5,
          afterBatch: async () => {
            seen.push(await cacheKib());
            throw new Crash('the process died here');
          },
        }),
        Crash,
      );
      assert.ok(seen.length >= 2 && seen.every((kib) => kib === 65_536), `64 MB during every batch: ${seen.join(', ')}`);
      assert.equal(await cacheKib(), 2_000, 'back to 2 MB after the runs, the one that failed included');
    });
  });
}
