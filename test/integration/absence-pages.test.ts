import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, MARIO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

function formKey(html: string): string {
  return /name="submissionKey" value="([^"]+)"/.exec(html)![1]!;
}

for (const { engine, skip } of testEngines()) {
  describe(`Comunicazioni assenze pages on ${engine}`, { skip }, () => {
    let t: TestApp;
    let tommaso: number;
    before(async () => {
      // Thursday 26 November 2026, 08:00 in Rome.
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      tommaso = (
        await t.database.db
          .selectFrom('pupil')
          .innerJoin('person', 'person.id', 'pupil.person_id')
          .select('pupil.id')
          .where('person.given_name', '=', 'Tommaso')
          .executeTakeFirstOrThrow()
      ).id;
    });
    after(async () => {
      await t?.close();
    });

    it('lets Ada notify an absence, shows the receipt, and the same form twice gives the same receipt', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/assenze' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<label for="pupil">Alunno<\/label>/);
      assert.match(page.body, /entro le 09:30/);
      const form = {
        _csrf: ada.csrfFrom(page.body),
        submissionKey: formKey(page.body),
        utente: String(tommaso),
        dal: '27/11/2026',
        al: '2026-11-30',
        tipo: 'absent',
      };
      const sent = await ada.post('/demo/assenze', form);
      assert.equal(sent.statusCode, 303);
      const receipt = await ada.get(String(sent.headers.location));
      assert.equal(receipt.statusCode, 200);
      assert.match(receipt.body, /Numero di protocollo: 2026\/\d{6}/);
      assert.match(receipt.body, /venerdì 27\/11\/2026/);
      assert.match(receipt.body, /lunedì 30\/11\/2026/);
      assert.match(receipt.body, /sabato 28\/11\/2026: la mensa non è in servizio in quel giorno della settimana/);
      const again = await ada.post('/demo/assenze', form);
      assert.equal(again.headers.location, sent.headers.location, 'double click → same receipt');

      const list = await ada.get(`/demo/assenze?utente=${tommaso}`);
      assert.match(list.body, /Giorni comunicati per Tommaso Lovelace/);
      assert.match(list.body, /aria-label="Annulla la comunicazione del 27\/11\/2026"/);
    });

    it('keeps the form and explains every mistake, writing nothing', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/assenze' });
      const base = { _csrf: ada.csrfFrom(page.body), submissionKey: formKey(page.body), utente: String(tommaso), tipo: 'absent' };
      const reversed = await ada.post('/demo/assenze', { ...base, dal: '2026-12-10', al: '2026-12-09' });
      assert.equal(reversed.statusCode, 422);
      assert.match(reversed.body, /La data finale deve essere uguale o successiva/);
      assert.match(reversed.body, /value="2026-12-10"/);
      assert.match(reversed.body, /aria-invalid="true"/);
      const bad = await ada.post('/demo/assenze', { ...base, dal: '31/02/2026', al: '' });
      assert.match(bad.body, /Scrivi una data valida/);
      const none = await ada.post('/demo/assenze', { ...base, utente: '', dal: '2026-12-09', al: '' });
      assert.match(none.body, /Scegli l’alunno\./);
      const pietro = (
        await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Pietro').executeTakeFirstOrThrow()
      ).id;
      const other = await ada.post('/demo/assenze', { ...base, utente: String(pietro), dal: '2026-12-09', al: '' });
      assert.equal(other.statusCode, 422);
      assert.match(other.body, /non risulta tra quelli di cui sei intestatario/);
      assert.doesNotMatch(other.body, /Bianchi/);
      const noCsrf = await ada.post('/demo/assenze', { ...base, _csrf: '', dal: '2026-12-09', al: '' });
      assert.equal(noCsrf.statusCode, 403);
    });

    it('cancels a day with its own receipt', async () => {
      const ada = new Browser(t.app);
      const list = await ada.login(ADA, { returnTo: `/demo/assenze?utente=${tommaso}` });
      const cancelForm = /<form method="post" action="\/demo\/assenze\/annulla"[^>]*>([\s\S]*?)<\/form>/.exec(list.body)![1]!;
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(cancelForm)![1]!;
      const sent = await ada.post('/demo/assenze/annulla', {
        _csrf: field('_csrf'),
        submissionKey: field('submissionKey'),
        utente: field('utente'),
        giorno: field('giorno'),
      });
      assert.equal(sent.statusCode, 303);
      const receipt = await ada.get(String(sent.headers.location));
      assert.match(receipt.body, /Annullamento/);
      assert.match(receipt.body, /Giorni registrati/);
      const after = await ada.get(`/demo/assenze?utente=${tommaso}`);
      assert.doesNotMatch(after.body, new RegExp(`name="giorno" value="${field('giorno')}"`));
    });

    it('keeps receipts and pupils of one family from another, and non-holders out', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/assenze' });
      const sent = await ada.post('/demo/assenze', {
        _csrf: ada.csrfFrom(page.body), submissionKey: formKey(page.body), utente: String(tommaso), dal: '2026-12-14', al: '', tipo: 'absent',
      });
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      assert.equal((await giulia.get(String(sent.headers.location))).statusCode, 404);
      assert.equal((await giulia.get(`/demo/assenze?utente=${tommaso}`)).statusCode, 404);
      const mario = new Browser(t.app);
      assert.equal((await mario.login(MARIO, { returnTo: '/demo/assenze' })).statusCode, 403);
    });
  });
}
