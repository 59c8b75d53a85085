import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { createAbsenceService } from '../../src/domain/canteen/absences';
import type { Clock } from '../../src/domain/clock';
import { InvalidInputError, NotFoundError } from '../../src/domain/errors';
import { ADA, GIULIA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** A clock the test moves by hand. */
function settableClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => new Date(now.getTime()), set: (next) => (now = new Date(next)) };
}

let keys = 0;
const key = () => `test-${++keys}`;

for (const { engine, skip } of testEngines()) {
  describe(`absence notices on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    let tommaso: number;
    let pietro: number;
    // Thursday 26 November 2026, 08:00 in Rome: before the 09:30 cut-off.
    const clock = settableClock('2026-11-26T07:00:00Z');
    const ada = { fiscalCode: ADA };
    let service: ReturnType<typeof createAbsenceService>;

    const pupilId = async (givenName: string) =>
      (
        await t.database.db
          .selectFrom('pupil')
          .innerJoin('person', 'person.id', 'pupil.person_id')
          .select('pupil.id')
          .where('person.given_name', '=', givenName)
          .executeTakeFirstOrThrow()
      ).id;
    const outcomes = async (noticeId: number) =>
      Object.fromEntries((await service.receipt(ente, ada, noticeId)).days.map((d) => [d.date, d.outcome]));
    // Days from the test's today on (the demo data has a history before it).
    const changes = (pupil: number) =>
      t.database.db
        .selectFrom('attendance_change')
        .select(['date', 'status'])
        .where('pupil_id', '=', pupil)
        .where('date', '>=', '2026-11-26')
        .orderBy('date')
        .execute();

    const noticeCount = async () =>
      Number((await t.database.db.selectFrom('absence_notice').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    /** A request that would change no day: refused with this reason, and nothing written (no receipt). */
    const refused = async (attempt: () => Promise<number>, problems: Record<string, string>) => {
      const before = await noticeCount();
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, String(error));
        assert.deepEqual(error.problems, problems);
        return true;
      });
      assert.equal(await noticeCount(), before, 'no receipt, no protocol number');
    };

    before(async () => {
      t = await startTestApp(engine);
      ente = (await t.database.db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      tommaso = await pupilId('Tommaso');
      pietro = await pupilId('Pietro');
      service = createAbsenceService(t.database.db, clock, t.app.services.audit);
    });
    after(async () => {
      await t?.close();
    });

    it('records an absence for today before the cut-off, and skips weekends with the reason', async () => {
      const id = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-11-26', to: '2026-12-01', kind: 'absent', submissionKey: key() });
      assert.deepEqual(await outcomes(id), {
        '2026-11-26': 'applied',
        '2026-11-27': 'applied',
        '2026-11-28': 'not-a-service-weekday',
        '2026-11-29': 'not-a-service-weekday',
        '2026-11-30': 'applied',
        '2026-12-01': 'applied',
      });
      assert.deepEqual((await changes(tommaso)).map((c) => c.date), ['2026-11-26', '2026-11-27', '2026-11-30', '2026-12-01']);
    });

    it('gives the same receipt for the same form sent twice, and never two states for one day', async () => {
      const submissionKey = key();
      const request = { pupilId: tommaso, from: '2026-12-02', to: '2026-12-02', kind: 'absent' as const, submissionKey };
      const [first, second] = await Promise.all([service.submit(ente, ada, request), service.submit(ente, ada, request)]);
      assert.equal(first, second, 'double click → one receipt');
      // Another device, another form: the day is already absent, so there is nothing to record.
      await refused(() => service.submit(ente, ada, { ...request, submissionKey: key() }), { from: 'alreadySet' });
      // A range with one new day among the one already set records the new one, and says so of the other.
      const wider = await service.submit(ente, ada, { ...request, to: '2026-12-03', submissionKey: key() });
      assert.deepEqual(await outcomes(wider), { '2026-12-02': 'already-set', '2026-12-03': 'applied' });
      await service.cancelDay(ente, ada, tommaso, '2026-12-03', key());
      const rows = (await changes(tommaso)).filter((c) => c.date === '2026-12-02');
      assert.equal(rows.length, 1);
    });

    it('refuses today from 09:30:00 and past days, and says why', async () => {
      clock.set('2026-11-26T08:29:59Z');
      const before = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-03', to: '', kind: 'absent', submissionKey: key() });
      assert.deepEqual(await outcomes(before), { '2026-12-03': 'applied' });
      clock.set('2026-11-26T08:30:00Z');
      await refused(() => service.submit(ente, ada, { pupilId: tommaso, from: '2026-11-25', to: '2026-11-26', kind: 'absent', submissionKey: key() }), { from: 'tooLate' });
      const sofia = await pupilId('Sofia');
      await refused(() => service.submit(ente, ada, { pupilId: sofia, from: '2026-11-26', to: '2026-11-26', kind: 'absent', submissionKey: key() }), { from: 'tooLate' });
      // A range reaching past the cut-off records what it can, and says why the rest was not.
      const partly = await service.submit(ente, ada, { pupilId: sofia, from: '2026-11-26', to: '2026-11-27', kind: 'absent', submissionKey: key() });
      assert.deepEqual(await outcomes(partly), { '2026-11-26': 'after-cutoff', '2026-11-27': 'applied' });
      clock.set('2026-11-26T07:00:00Z');
    });

    it('skips holidays, closures and days the school is closed for a strike', async () => {
      const id = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-04', to: '2026-12-08', kind: 'absent', submissionKey: key() });
      assert.deepEqual(await outcomes(id), {
        '2026-12-04': 'closure',
        '2026-12-05': 'not-a-service-weekday',
        '2026-12-06': 'not-a-service-weekday',
        '2026-12-07': 'applied',
        '2026-12-08': 'holiday',
      });
      const nothing = { from: 'noServiceDay' };
      await refused(() => service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-23', to: '2026-12-23', kind: 'absent', submissionKey: key() }), nothing);
      await refused(() => service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-05', to: '2026-12-06', kind: 'absent', submissionKey: key() }), nothing);
      await refused(() => service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-08', to: '2026-12-08', kind: 'light_meal', submissionKey: key() }), nothing);
      await refused(() => service.submit(ente, ada, { pupilId: tommaso, from: '2027-07-15', to: '2027-07-20', kind: 'absent', submissionKey: key() }), nothing);
    });

    it('refuses bad input with a reason per field, writing nothing', async () => {
      const before = await t.database.db.selectFrom('absence_notice').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const cases: [Parameters<typeof service.submit>[2], Record<string, string>][] = [
        [{ pupilId: undefined, from: '2026-12-09', to: '', kind: 'absent', submissionKey: key() }, { pupil: 'pupilMissing' }],
        [{ pupilId: pietro, from: '2026-12-09', to: '', kind: 'absent', submissionKey: key() }, { pupil: 'pupilNotYours' }],
        [{ pupilId: tommaso, from: '2026-13-01', to: '', kind: 'absent', submissionKey: key() }, { from: 'dateInvalid', to: 'dateInvalid' }],
        [{ pupilId: tommaso, from: '2026-12-10', to: '2026-12-09', kind: 'absent', submissionKey: key() }, { to: 'rangeReversed' }],
        [{ pupilId: tommaso, from: '2026-12-09', to: '2027-06-10', kind: 'absent', submissionKey: key() }, { to: 'tooManyServiceDays' }],
        [{ pupilId: tommaso, from: '2026-12-09', to: '2026-12-14', kind: 'light_meal', submissionKey: key() }, { kind: 'lightMealTooLong' }],
      ];
      for (const [request, expected] of cases) {
        await assert.rejects(service.submit(ente, ada, request), (error: unknown) => {
          assert.ok(error instanceof InvalidInputError);
          assert.deepEqual(error.problems, expected);
          return true;
        });
      }
      const afterCount = await t.database.db.selectFrom('absence_notice').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n), 'no partial write');
    });

    it('accepts a light meal for up to three service days', async () => {
      const id = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-09', to: '2026-12-11', kind: 'light_meal', submissionKey: key() });
      assert.deepEqual(Object.values(await outcomes(id)), ['applied', 'applied', 'applied']);
      assert.equal((await changes(tommaso)).find((c) => c.date === '2026-12-10')?.status, 'light_meal');
    });

    it('cancels a day before its cut-off only, with a receipt', async () => {
      const cancel = await service.cancelDay(ente, ada, tommaso, '2026-11-27', key());
      assert.deepEqual(await outcomes(cancel), { '2026-11-27': 'applied' });
      assert.ok(!(await changes(tommaso)).some((c) => c.date === '2026-11-27'));
      await refused(() => service.cancelDay(ente, ada, tommaso, '2026-11-27', key()), { cancel: 'nothingToCancel' });
      await refused(() => service.cancelDay(ente, ada, tommaso, '2026-11-25', key()), { cancel: 'cancelTooLate' });
      clock.set('2026-11-26T08:30:00Z');
      await refused(() => service.cancelDay(ente, ada, tommaso, '2026-11-26', key()), { cancel: 'cancelTooLate' });
      assert.ok((await changes(tommaso)).some((c) => c.date === '2026-11-26'), 'the frozen day keeps its absence');
      clock.set('2026-11-26T07:00:00Z');
    });

    it('lists the pupil’s days from today with what can still be cancelled', async () => {
      clock.set('2026-11-26T08:30:00Z');
      const view = await service.overview(ente, ada, tommaso);
      const today = view.changes.find((c) => c.date === '2026-11-26');
      const later = view.changes.find((c) => c.date === '2026-11-30');
      assert.equal(today?.cancellable, false);
      assert.equal(later?.cancellable, true);
      clock.set('2026-11-26T07:00:00Z');
    });

    it('binds a form’s key to its sender: another holder’s key does not swallow a submission', async () => {
      const giulia = { fiscalCode: GIULIA };
      const shared = key();
      const adas = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-15', to: '', kind: 'absent', submissionKey: shared });
      const giulias = await service.submit(ente, giulia, { pupilId: pietro, from: '2026-12-15', to: '', kind: 'absent', submissionKey: shared });
      assert.notEqual(giulias, adas, 'her own receipt, not Ada’s');
      assert.deepEqual(Object.values(Object.fromEntries((await service.receipt(ente, giulia, giulias)).days.map((d) => [d.date, d.outcome]))), ['applied']);
      assert.ok((await changes(pietro)).some((c) => c.date === '2026-12-15'), 'Pietro’s day recorded');
      // Still one receipt per sender and key.
      assert.equal(await service.submit(ente, giulia, { pupilId: pietro, from: '2026-12-15', to: '', kind: 'absent', submissionKey: shared }), giulias);
    });

    it('shows nothing of another family', async () => {
      const giulia = { fiscalCode: GIULIA };
      await assert.rejects(service.overview(ente, giulia, tommaso), NotFoundError);
      await assert.rejects(service.cancelDay(ente, giulia, tommaso, '2026-11-30', key()), NotFoundError);
      const mine = await service.submit(ente, ada, { pupilId: tommaso, from: '2026-12-14', to: '', kind: 'absent', submissionKey: key() });
      await assert.rejects(service.receipt(ente, giulia, mine), NotFoundError);
    });
  });
}
