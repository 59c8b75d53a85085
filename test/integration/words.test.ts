import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, MARIO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** The main content of a page, where its own words are (the header and footer are shared). */
const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));

// What the parents' pages say, and how: true banners, dates and times, names with their article,
// accessible names said once, the error summary first.
for (const { engine, skip } of testEngines()) {
  describe(`words and formats of the parents' pages on ${engine}`, { skip }, () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' }, undefined, { history: true });
    });
    after(async () => {
      await t?.close();
    });

    it('says "solo consultabili" only where nothing can be submitted, and what can be done on the other pages', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const tommaso = (await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Tommaso').executeTakeFirstOrThrow()).id;
      for (const path of [`/demo/scheda-anagrafica?utente=${tommaso}`, `/demo/documenti-contabili?utente=${tommaso}`, `/demo/refezione?utente=${tommaso}`, '/demo/conto-corrente']) {
        assert.match(main((await ada.get(path)).body), /I dati di questa pagina sono solo consultabili/, path);
      }
      const forms: [string, RegExp][] = [
        ['/demo/pagamenti', /Da questa pagina puoi pagare online con pagoPA i documenti che scegli/],
        ['/demo/ricariche', /Da questa pagina puoi chiedere una ricarica del badge/],
        ['/demo/assenze', /Da questa pagina puoi comunicare assenze e pasti in bianco, e annullarli, fino alle 09:30 del giorno/],
      ];
      for (const [path, notice] of forms) {
        const body = main((await ada.get(path)).body);
        assert.match(body, /<form method="post"/, `${path} has a form the parent submits`);
        assert.match(body, notice, path);
        assert.doesNotMatch(body, /solo consultabili\. Se trovi/, path);
      }
    });

    it('writes dates gg/mm/aaaa and times hh:mm, with no two-digit year and no seconds', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      // The top-up Ada asked for at 07:45 this morning is listed with the time it was asked.
      const page = main((await ada.get('/demo/ricariche')).body);
      assert.match(page, /data-label="Richiesta il">26\/11\/2026 07:45<\/td>/);
      assert.doesNotMatch(page, /\b\d\d\/\d\d\/\d\d\b(?!\d)|\d\d:\d\d:\d\d/);
      await ada.get('/lingua/en?torna=%2F');
      assert.match(main((await ada.get('/demo/ricariche')).body), /data-label="Requested on">26\/11\/2026 07:45<\/td>/);
    });

    it('writes the ente’s name with its own article, and pagoPA as the platform writes it', async () => {
      const mario = new Browser(t.app);
      await mario.login(MARIO);
      const union = await mario.get('/unione-colline/scheda-anagrafica');
      assert.equal(union.statusCode, 403);
      assert.match(union.body, /iscritto ai servizi scolastici dell’Unione dei Comuni delle Colline\./);
      assert.match((await mario.get('/demo/scheda-anagrafica')).body, /iscritto ai servizi scolastici del Comune di Esempio\./);
      const list = await new Browser(t.app).get('/demo/');
      assert.match(list.body, />Ricariche con pagoPA</);
      assert.doesNotMatch(list.body, /PagoPA/);
    });

    it('names each link once: visible words and hidden ones make one sentence', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const topups = main((await ada.get('/demo/ricariche')).body);
      assert.match(topups, />Apri<span class="visually-hidden"> la ricarica di 20,00\s€<\/span><\/a>/);
      assert.doesNotMatch(topups, /Apri<span class="visually-hidden"> Apri/);
      const tommaso = (await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Tommaso').executeTakeFirstOrThrow()).id;
      const documents = main((await ada.get(`/demo/documenti-contabili?utente=${tommaso}`)).body);
      assert.match(documents, />Dettaglio<span class="visually-hidden"> del documento \d+\/\d{4}<\/span>/);
      assert.match(documents, />Scarica ricevuta<span class="visually-hidden"> del documento \d+\/\d{4}<\/span>/);
      assert.doesNotMatch(documents, /Dettaglio<span class="visually-hidden"> Dettaglio|ricevuta<span class="visually-hidden"> Scarica/);
    });

    it('puts the error summary of a refused form first in the main content, as an anchor the focus can go to', async () => {
      const ada = new Browser(t.app);
      const form = await ada.login(ADA, { returnTo: '/demo/ricariche' });
      const refused = await ada.post('/demo/ricariche', { _csrf: ada.csrfFrom(form.body), badge: '', importo: 'abc' });
      assert.equal(refused.statusCode, 422);
      assert.match(main(refused.body), /^<main id="main" class="container my-4"><div class="alert alert-danger error-summary" role="alert" id="errori" tabindex="-1">/);
      assert.match(refused.body, /<script src="\/static\/app\/js\/error-summary.js" defer=""><\/script>|<script src="\/static\/app\/js\/error-summary.js" defer><\/script>/);
      const script = await ada.get('/static/app/js/error-summary.js');
      assert.equal(script.statusCode, 200);
      assert.match(script.body, /summary\.focus\(\)/);
    });
  });
}
