import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, BrowserContext } from 'playwright-core';
import type { Ente } from '../../src/db/schema';
import { SERVICE_TITLES, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { browserSkipReason, expectAccessible, launchChromium } from '../helpers/browser';
import {
  AbsenceReceiptPage,
  AbsencesPage,
  CanteenPage,
  ChoosePupilPage,
  DocumentDetailPage,
  DocumentsPage,
  ErrorPage,
  KitchenPage,
  LedgerPage,
  LegalPage,
  markWithoutScript,
  SchedaPage,
  ServiceListPage,
  TestIdpLoginPage,
} from './pages';

const skip = browserSkipReason();

// On both engines: what a parent does in the browser must work on PostgreSQL as on SQLite.
for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`parents in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      // A fixed school day (Thursday 26 November 2026, 08:00 in Rome), so the canteen flows do not depend on the date of the run.
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' }, undefined, { history: true });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    for (const javaScriptEnabled of [true, false]) {
      it(`Ada logs in, chooses a pupil, reads the Scheda and logs out (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
        const context: BrowserContext = await chromium.browser.newContext({ javaScriptEnabled });
        const page = await context.newPage();
        if (!javaScriptEnabled) markWithoutScript(page);
        const list = await ServiceListPage.open(page, t.baseUrl, 'demo');
        assert.deepEqual(await list.serviceTitles(), SERVICE_TITLES);
        await list.openService('Scheda anagrafica');

        const idp = await TestIdpLoginPage.on(page);
        await idp.logInAs(/Ada Lovelace — LVLDAA85T50G702B/);

        const choose = await ChoosePupilPage.on(page, 'Scheda anagrafica');
        await choose.choose('Tommaso Lovelace');

        const scheda = await SchedaPage.on(page);
        assert.deepEqual(await scheda.sectionHeadings(), [
          'Dati dell’alunno',
          'Residenza',
          'Dati del genitore intestatario',
          'Iscrizioni ai servizi',
          'Tipologia di pagamento',
          'Domiciliazione della fattura',
          'Costo del servizio',
          'Documenti allegati',
          'Contatti',
        ]);
        const text = await scheda.text();
        assert.match(text, /Tommaso/);
        assert.match(text, /Scuola primaria Via dei Tigli/);
        assert.match(text, /Refezione scolastica \(a consuntivo\)/);
        assert.match(text, /ufficio\.scuola@esempio\.example/);

        const logout = await scheda.logOut();
        await logout.confirm();
        const back = await ServiceListPage.on(page);
        assert.ok(await back.page.getByRole('link', { name: 'Entra con SPID o CIE' }).isVisible());
        await context.close();
      });
    }

    it('Mario Rossi, holder of nothing, gets the error page and no data', async () => {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      const response = await page.goto(`${t.baseUrl}/demo/scheda-anagrafica`);
      assert.ok(response);
      const idp = await TestIdpLoginPage.on(page);
      const [errorResponse] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/demo/scheda-anagrafica')),
        idp.logInAs(/Mario Rossi — RSSMRA80A01H501U/),
      ]);
      assert.equal(errorResponse.status(), 403);
      const error = await ErrorPage.on(page, 'Nessun alunno associato');
      assert.match(await error.text(), /non risulta associata come intestatario/);
      assert.equal(await page.locator('table').count(), 0);
      await context.close();
    });

    it('refuses SPID level 1 with a clear message', async () => {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/scheda-anagrafica`);
      const idp = await TestIdpLoginPage.on(page);
      await idp.logInAs(/Ada Lovelace/, 'Livello 1');
      const error = await ErrorPage.on(page, 'Accesso non riuscito');
      assert.match(await error.text(), /livello 2/);
      await context.close();
    });

    it('Ada notifies an absence for tomorrow and gets the receipt', async () => {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      const list = await ServiceListPage.open(page, t.baseUrl, 'demo');
      await list.openService('Comunicazioni assenze');
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace/);
      const absences = await AbsencesPage.on(page);
      await absences.notify({ pupil: 'Tommaso Lovelace', from: '2026-11-27', kind: 'Assenza' });
      const receipt = await AbsenceReceiptPage.on(page);
      assert.match(await receipt.text(), /Numero di protocollo: 2026\/\d{6}/);
      assert.match(await receipt.text(), /venerdì 27\/11\/2026/);
      await receipt.backToNotices();
      const again = await AbsencesPage.on(page);
      assert.match(await again.text(), /Giorni comunicati per Tommaso Lovelace/);
      // The Refezione page shows the day as absent, with that day's menu.
      await page.goto(`${t.baseUrl}/demo/refezione?utente=${await again.chosenPupilId()}&dal=2026-11-27&al=2026-11-27`);
      const canteen = await CanteenPage.on(page);
      const row = await canteen.rowOf('venerdì 27/11/2026');
      // Still open: told as what the parent can still do, until the ente's cut-off.
      assert.match(row, /Assenza comunicata — puoi annullarla fino alle 09:30 del giorno/);
      assert.match(row, /Pane comune/);
      await context.close();
    });

    for (const javaScriptEnabled of [true, false]) {
      it(`Ada reads Sofia's Conto corrente for October and Tommaso's documents (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
        const context = await chromium.browser.newContext({ javaScriptEnabled });
        const page = await context.newPage();
        if (!javaScriptEnabled) markWithoutScript(page);
        const list = await ServiceListPage.open(page, t.baseUrl, 'demo');
        await list.openService('Conto corrente virtuale');
        await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace/);
        const ledger = await LedgerPage.on(page);
        await ledger.showPeriod('2026-10-01', '2026-10-31');
        const october = await LedgerPage.on(page);
        const rows = await october.rows();
        assert.ok(rows.length > 20, 'a meal on each school day of October, and the top-ups');
        // Newest first: the last school day of October on top, the first at the bottom.
        assert.equal(rows[0]![0], '30/10/2026');
        assert.deepEqual(rows.at(-1), ['01/10/2026', 'Pasto 01/10/2026', '−3,28 €', rows.at(-1)![3]]);
        assert.ok(rows.some((row) => row[1] === 'Ricarica pagoPA' && /^\+\d+,00 €$/.test(row[2]!)), 'the top-up of 1 October, a round sum');
        assert.ok(rows.some((row) => row[1] === 'Pasto in bianco 21/10/2026'));
        assert.match(await october.summary(), /Saldo al 31\/10\/2026/);
        assert.match(await october.summary(), /a credito|debito di|saldo a zero/, 'the balance in words');

        await page.goto(`${t.baseUrl}/demo/`);
        await (await ServiceListPage.on(page)).openService('Documenti contabili');
        await (await ChoosePupilPage.on(page, 'Documenti contabili')).choose('Tommaso Lovelace');
        const documents = await DocumentsPage.on(page);
        const numbers = await documents.numbers();
        assert.ok(numbers.length >= 10, 'this year and the last');
        assert.match(await documents.rowOf(numbers[0]!), /ottobre 2026/, 'newest first');
        await documents.open(numbers[0]!);
        const detail = await DocumentDetailPage.on(page, numbers[0]!);
        assert.match(await detail.text(), /Righe del documento/);
        assert.match(await detail.text(), /Totale/);
        await context.close();
      });
    }

    it('the cook reads the frozen meal counts of a day', async () => {
      const ente = (await t.database.db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      await t.app.services.freeze.freezeDay(ente, '2026-11-25');
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/pasti?data=2026-11-25`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Luca Verdi/);
      const kitchen = await KitchenPage.on(page);
      assert.match(await kitchen.text(), /Senza glutine/);
      await context.close();
    });

    it('home, legal pages and the English version are accessible', async () => {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/`);
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Dichiarazione di accessibilità' }).click();
      await LegalPage.on(page, 'Dichiarazione di accessibilità');
      await page.getByRole('link', { name: 'Informativa sulla privacy' }).click();
      await LegalPage.on(page, 'Informativa sulla privacy');
      await page.goto(`${t.baseUrl}/demo/`);
      await page.getByRole('link', { name: 'Read this site in English' }).click();
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      await expectAccessible(page);
      await context.close();
    });
  });
}
