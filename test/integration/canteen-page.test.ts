import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { ADA, Browser, GIULIA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

for (const { engine, skip } of testEngines()) {
  describe(`Refezione scolastica page on ${engine}`, { skip }, () => {
    let t: TestApp;
    let sofia: number;
    let tommaso: number;
    const pupilId = async (name: string) =>
      (await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', name).executeTakeFirstOrThrow()).id;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      sofia = await pupilId('Sofia');
      tommaso = await pupilId('Tommaso');
      const ente = (await t.database.db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      await t.app.services.freeze.freezeDay(ente, '2026-10-12');
      await t.app.services.freeze.freezeDay(ente, '2026-10-21');
    });
    after(async () => {
      await t?.close();
    });

    it('shows one row per day of the current month by default, with menus and reasons', async () => {
      const ada = new Browser(t.app);
      const choose = await ada.login(ADA, { returnTo: '/demo/refezione' });
      assert.match(choose.body, /Scegli l’alunno/, 'one pupil at a time');
      const page = await ada.get(`/demo/refezione?utente=${tommaso}`);
      assert.equal(page.statusCode, 200);
      assert.equal((page.body.match(/<th scope="row" data-label="Giorno">/g) ?? []).length, 30, 'every day of November');
      assert.match(page.body, /domenica 01\/11\/2026<\/th><td colSpan="3" data-label="Presenza">Nessun servizio: la mensa non è in servizio/i);
      assert.match(page.body, /lunedì 02\/11\/2026<\/th><td colSpan="3" data-label="Presenza">Nessun servizio: chiusura \(Ponte della Commemorazione dei defunti\)/i);
      assert.match(page.body, /lunedì 09\/11\/2026<\/th><td data-label="Presenza">Assenza comunicata — orario limite passato/, 'the history of 9 November (not frozen in this suite)');
      assert.match(page.body, /Allergeni: cereali con glutine/, 'allergens in words, never codes');
      assert.match(page.body, /Pane comune/);
    });

    it('shows a gluten-free pupil the variants of her diet, and frozen days as final', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/refezione?utente=${sofia}&dal=2026-10-12&al=2026-10-23`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Menù per la dieta: Senza glutine/);
      assert.match(page.body, /Pane comune senza glutine/);
      assert.doesNotMatch(page.body, />Pane comune<\/span>/, 'never the ordinary bread');
      assert.match(page.body, /Assente<\/strong><span class="d-block small">comunicata dal genitore<\/span>/);
      assert.match(page.body, /Pasto in bianco<\/strong><span class="d-block small">comunicata dal genitore<\/span>/);
    });

    it('tells each day in a parent’s words: booked and until when it can change, closing, or final; a dash explained once', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      // Now is Thursday 26 November 2026, 08:00: today's cut-off (09:30) has not passed, yesterday's has.
      const page = await ada.get(`/demo/refezione?utente=${tommaso}&dal=2026-11-25&al=2026-11-30`);
      assert.equal(page.statusCode, 200);
      const row = (day: string) => new RegExp(`${day}</th><td data-label="Presenza">([^<]*)<`).exec(page.body)?.[1];
      assert.equal(row('venerdì 27/11/2026'), 'Pasto prenotato — puoi comunicare l’assenza fino alle 09:30 del giorno');
      assert.equal(row('giovedì 26/11/2026'), 'Pasto prenotato — puoi comunicare l’assenza fino alle 09:30 del giorno');
      assert.equal(row('mercoledì 25/11/2026'), 'Pasto prenotato — orario limite passato, la giornata si sta chiudendo', 'not frozen yet, but no longer open');
      assert.doesNotMatch(page.body, /dopo l’orario limite|prevista, modificabile/);
      // No charge is known for these days: a dash in each row, and one explanation for the table.
      assert.equal((page.body.match(/data-label="Addebito">—<\/td>/g) ?? []).length, 4);
      assert.equal((page.body.match(/Un trattino \(—\) nella colonna Addebito/g) ?? []).length, 1);
      assert.match(page.body, /<table class="table table-stack" aria-describedby="charge-note">/);
      // The English page says the same in English, allergens included.
      await ada.get('/lingua/en?torna=%2Fdemo%2F');
      const english = await ada.get(`/demo/refezione?utente=${tommaso}&dal=2026-11-27&al=2026-11-27`);
      assert.match(english.body, /Meal booked — you can report an absence until 09:30 on the day/);
      assert.match(english.body, /Allergens: cereals containing gluten/);
      assert.doesNotMatch(english.body, /Allergens: [^)]*glutine/);
    });

    it('explains a wrong period and keeps what was typed', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const reversed = await ada.get(`/demo/refezione?utente=${tommaso}&dal=2026-11-30&al=2026-11-01`);
      assert.equal(reversed.statusCode, 422);
      assert.match(reversed.body, /La data finale deve essere uguale o successiva/);
      assert.match(reversed.body, /value="2026-11-30"/);
      const long = await ada.get(`/demo/refezione?utente=${tommaso}&dal=2026-09-01&al=2027-09-30`);
      assert.match(long.body, /al massimo di un anno scolastico/);
    });

    it('puts a wrong date in an error summary at the top too, linked to its field, with a 422 and the input kept', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/refezione?utente=${tommaso}&dal=2026-11-31&al=2026-11-01`);
      assert.equal(page.statusCode, 422);
      const main = page.body.slice(page.body.indexOf('<main'));
      assert.ok(main.indexOf('id="errori"') >= 0 && main.indexOf('id="errori"') < main.indexOf('<form'), 'the summary comes before the form');
      assert.match(main, /La ricerca non è stata fatta/);
      assert.match(main, /<a href="#dal">/);
      assert.match(main, /value="2026-11-31"/);
    });

    it('refuses another family’s pupil', async () => {
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      assert.equal((await giulia.get(`/demo/refezione?utente=${tommaso}`)).statusCode, 404);
    });
  });
}
