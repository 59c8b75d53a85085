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
      assert.equal((page.body.match(/<th scope="row">/g) ?? []).length, 30, 'every day of November');
      assert.match(page.body, /domenica 01\/11\/2026<\/th><td colSpan="3">Nessun servizio: la mensa non è in servizio/i);
      assert.match(page.body, /lunedì 02\/11\/2026<\/th><td colSpan="3">Nessun servizio: chiusura \(Ponte della Commemorazione dei defunti\)/i);
      assert.match(page.body, /Assente<\/strong><br\/><span class="small">comunicata dal genitore/, 'the history of 9 November');
      assert.match(page.body, /Allergeni: glutine/);
      assert.match(page.body, /Pane comune/);
    });

    it('shows a gluten-free pupil the variants of her diet, and frozen days as final', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/refezione?utente=${sofia}&dal=2026-10-12&al=2026-10-23`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Menù per la dieta: Senza glutine/);
      assert.match(page.body, /Pane comune senza glutine/);
      assert.doesNotMatch(page.body, /Pane comune<span|Pane comune \(/, 'never the ordinary bread');
      assert.match(page.body, /Assente<\/strong><br\/><span class="small">comunicata dal genitore; definitiva/);
      assert.match(page.body, /Pasto in bianco<\/strong><br\/><span class="small">comunicata dal genitore; definitiva/);
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

    it('refuses another family’s pupil', async () => {
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      assert.equal((await giulia.get(`/demo/refezione?utente=${tommaso}`)).statusCode, 404);
    });
  });
}
