import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { createAbsenceService } from '../../src/domain/canteen/absences';
import { createFreezeService } from '../../src/domain/canteen/freeze';
import type { Clock } from '../../src/domain/clock';
import { ADA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

function settableClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => new Date(now.getTime()), set: (next) => (now = new Date(next)) };
}

for (const { engine, skip } of testEngines()) {
  describe(`daily freeze on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    let tommaso: number;
    const clock = settableClock('2026-11-23T07:00:00Z'); // Monday 23 November 2026, 08:00 in Rome
    let freeze: ReturnType<typeof createFreezeService>;

    const counts = async (date: string) =>
      t.database.db.selectFrom('meal_count').selectAll().where('date', '=', date).where('ente_id', '=', ente.id).orderBy('school_id').orderBy('diet_code').execute();
    const booked = async (date: string) =>
      t.database.db.selectFrom('attendance').select(['pupil_id', 'status', 'source']).where('date', '=', date).where('ente_id', '=', ente.id).execute();

    before(async () => {
      t = await startTestApp(engine);
      ente = (await t.database.db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      tommaso = (
        await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Tommaso').executeTakeFirstOrThrow()
      ).id;
      freeze = createFreezeService(t.database.db, clock);
      const absences = createAbsenceService(t.database.db, clock, t.app.services.audit);
      await absences.submit(ente, { fiscalCode: ADA }, { pupilId: tommaso, from: '2026-11-23', to: '', kind: 'absent', submissionKey: 'freeze-1' });
      await absences.submit(ente, { fiscalCode: ADA }, { pupilId: tommaso, from: '2026-11-24', to: '', kind: 'light_meal', submissionKey: 'freeze-2' });
    });
    after(async () => {
      await t?.close();
    });

    it('books every enrolled pupil of a serving school, present unless absent, and counts meals per school and diet', async () => {
      assert.equal(await freeze.freezeDay(ente, '2026-11-23'), 'frozen');
      const rows = await booked('2026-11-23');
      const enrolled = await t.database.db
        .selectFrom('enrolment')
        .innerJoin('service', 'service.id', 'enrolment.service_id')
        .select('enrolment.pupil_id')
        .where('service.kind', '=', 'refezione')
        .where('enrolment.ente_id', '=', ente.id)
        .where('enrolment.state', '=', 'attiva')
        .where('enrolment.school_year_id', 'in', t.database.db.selectFrom('school_year').select('id').where('label', '=', '2026/2027'))
        .execute();
      assert.equal(rows.length, enrolled.length, 'every canteen pupil of the demo has a Monday service day');
      assert.deepEqual(
        rows.find((r) => r.pupil_id === tommaso),
        { pupil_id: tommaso, status: 'absent', source: 'parent' },
      );
      const perSchool = await counts('2026-11-23');
      const sum = perSchool.reduce((acc, c) => acc + c.meals + c.light_meals, 0);
      assert.equal(sum, rows.filter((r) => r.status !== 'absent').length, 'counts equal the booked meals');
      assert.equal(perSchool.reduce((acc, c) => acc + c.absences, 0), rows.filter((r) => r.status === 'absent').length);
      assert.ok(perSchool.some((c) => c.diet_code === 'senza-glutine'), 'diet variants are counted apart');
      const day = await t.database.db.selectFrom('day_freeze').selectAll().where('date', '=', '2026-11-23').executeTakeFirstOrThrow();
      assert.equal(day.meals, sum);
    });

    it('changes nothing when run again, also twice at once', async () => {
      const before = JSON.stringify(await counts('2026-11-23'));
      assert.equal(await freeze.freezeDay(ente, '2026-11-23'), 'already-frozen');
      const results = await Promise.all([freeze.freezeDay(ente, '2026-11-24'), freeze.freezeDay(ente, '2026-11-24')]);
      assert.deepEqual([...results].sort(), ['already-frozen', 'frozen']);
      assert.equal(JSON.stringify(await counts('2026-11-23')), before);
      assert.equal((await booked('2026-11-24')).find((r) => r.pupil_id === tommaso)?.status, 'light_meal');
    });

    it('freezes only schools that serve that day', async () => {
      // Wednesday: Il Faro serves Mondays and Wednesdays; 4 December: the strike at Via dei Tigli.
      const friday = await freeze.schoolsServing(ente, '2026-12-04');
      const thursday = await freeze.schoolsServing(ente, '2026-11-26');
      assert.equal(thursday.length, 3, 'all but the Monday/Wednesday school');
      assert.equal(friday.length, 2, 'and not the school on strike');
      assert.deepEqual(await freeze.schoolsServing(ente, '2026-12-08'), [], 'holiday');
      assert.deepEqual(await freeze.schoolsServing(ente, '2026-11-28'), [], 'Saturday');
    });

    it('catches up the days missed, and today only after the cut-off', async () => {
      clock.set('2026-11-27T08:29:00Z'); // Friday 09:29 in Rome: today is not due yet
      const caughtUp = await freeze.freezeDueDays();
      // demo: from the day after the last frozen one; the other ente, never frozen: from its school year's start.
      assert.deepEqual(caughtUp.filter((d) => d.ente === 'demo').map((d) => d.date), ['2026-11-25', '2026-11-26']);
      const colline = caughtUp.filter((d) => d.ente === 'unione-colline').map((d) => d.date);
      assert.equal(colline[0], '2026-09-14');
      assert.equal(colline.at(-1), '2026-11-26');
      assert.equal(colline.length, 74, 'every calendar day from 14 September to 26 November');
      clock.set('2026-11-27T08:30:00Z');
      assert.deepEqual((await freeze.freezeDueDays()).filter((d) => d.ente === 'demo').map((d) => d.date), ['2026-11-27']);
      assert.deepEqual(await freeze.freezeDueDays(), [], 'nothing left to do');
    });
  });
}
