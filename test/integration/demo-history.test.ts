import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** Wednesday 17 February 2027, 10:00 in Rome: past today's cut-off (09:30). */
const NOW = '2027-02-17T10:00:00+01:00';

// The demo's history runs up to the day it is loaded, whatever that day is: here, months after the
// day the seed was written (26 November 2026).
for (const { engine, skip } of testEngines()) {
  describe(`the demo loaded on 17 February 2027 (${engine})`, { skip }, () => {
    let t: TestApp;
    let sofia: number;
    const db = () => t.database.db;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
      sofia = (await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Sofia').where('person.family_name', '=', 'Lovelace').executeTakeFirstOrThrow()).id;
    });
    after(async () => {
      await t?.close();
    });

    it('shows Sofia’s meals charged up to today in her Conto corrente, ending in a small credit', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/conto-corrente' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<dt class="col-sm-5">Saldo al 17\/02\/2027<\/dt><dd class="col-sm-7"><strong>\+(\d+),(\d\d)\s€<\/strong> \([^)]* a credito\)/);
      const balance = /Saldo al 17\/02\/2027<\/dt><dd class="col-sm-7"><strong>\+(\d+),(\d\d)/.exec(page.body)!;
      assert.ok(Number(balance[1]) < 10, `a small credit (${balance[1]},${balance[2]} €)`);
      // Newest first: today's meal (frozen at 09:30 and charged), then the days before.
      const dates = [...page.body.matchAll(/<tr><td data-label="Data">([\d/]+)<\/td><td data-label="Descrizione">([^<]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(dates.slice(0, 3), ['17/02/2027 Pasto 17/02/2027', '16/02/2027 Pasto 16/02/2027', '15/02/2027 Pasto 15/02/2027']);
      assert.ok(dates.includes('01/02/2027 Ricarica pagoPA'), 'Ada tops up each month');
      assert.match(page.body, /Ricariche in attesa di pagamento/, 'the top-up asked for this morning');
    });

    it('shows the days before as charged in Sofia’s Refezione, and the days ahead as booked', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/refezione?utente=${sofia}&dal=2027-02-15&al=2027-02-19`);
      assert.equal(page.statusCode, 200);
      const row = (day: string) => new RegExp(`${day}</th>(.*?)</tr>`).exec(page.body)?.[1] ?? '';
      for (const day of ['lunedì 15/02/2027', 'martedì 16/02/2027', 'mercoledì 17/02/2027']) {
        assert.match(row(day), /<strong>Presente<\/strong>/, day);
        assert.match(row(day), /data-label="Addebito">3,28\s€<\/td>/, day);
      }
      assert.match(row('giovedì 18/02/2027'), /Pasto prenotato — puoi comunicare l’assenza fino alle 09:30 del giorno/);
      assert.match(row('giovedì 18/02/2027'), /data-label="Addebito">—<\/td>/);
    });

    it('froze each day at its own cut-off, not at the time of loading', async () => {
      const days = await db().selectFrom('day_freeze as f').innerJoin('ente as e', 'e.id', 'f.ente_id').select(['f.date', 'f.frozen_at']).where('e.slug', '=', 'demo').where('f.date', '>=', '2027-02-01').orderBy('f.date').execute();
      assert.equal(days.at(-1)!.date, '2027-02-17', 'up to today, past its cut-off');
      for (const day of days) assert.equal(day.frozen_at, new Date(`${day.date}T09:30:00+01:00`).toISOString(), day.date);
      const attendance = await db().selectFrom('attendance').select('frozen_at').where('date', '=', '2027-02-16').limit(1).executeTakeFirstOrThrow();
      assert.equal(attendance.frozen_at, '2027-02-16T08:30:00.000Z');
    });

    it('has a believable spread of absences up to yesterday, and every month that is over billed', async () => {
      const pupils = Number((await db().selectFrom('attendance').select((eb) => eb.fn.count<number>('pupil_id').distinct().as('n')).where('date', '=', '2027-02-16').executeTakeFirstOrThrow()).n);
      const perDay = await db()
        .selectFrom('attendance')
        .select(['date', (eb) => eb.fn.countAll<number>().as('absent')])
        .where('status', '=', 'absent')
        .where('date', '>=', '2026-09-14')
        .groupBy('date')
        .execute();
      const busiest = Math.max(...perDay.map((d) => Number(d.absent)));
      assert.ok(busiest < pupils / 4, `never most of the school at once (at most ${busiest} of ${pupils})`);
      const schoolDays = Number((await db().selectFrom('attendance').select((eb) => eb.fn.count<string>('date').distinct().as('n')).where('date', '>=', '2026-09-14').executeTakeFirstOrThrow()).n);
      assert.ok(perDay.length > schoolDays * 0.8, `absences on most school days (${perDay.length} of ${schoolDays})`);
      assert.ok(perDay.some((d) => d.date.startsWith('2027-02')), 'absences in the month of loading');
      const changes = await db().selectFrom('attendance_change').select(['date', 'set_at']).execute();
      assert.ok(changes.every((c) => c.date < '2027-02-17' && c.set_at < new Date(NOW).toISOString()), 'nothing notified after the moment of loading');

      const january = await db().selectFrom('document').select((eb) => eb.fn.countAll<number>().as('n')).where('period', '=', '2027-01').executeTakeFirstOrThrow();
      assert.ok(Number(january.n) > 0, 'January is billed');
      const adaUnpaid = await db()
        .selectFrom('document as d')
        .innerJoin('person as p', 'p.id', 'd.holder_person_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('p.fiscal_code', '=', ADA)
        .where('d.state', '=', 'da_pagare')
        .executeTakeFirstOrThrow();
      assert.ok(Number(adaUnpaid.n) >= 6, 'Ada has at least six documents to pay, as the README says');
    });
  });
}
