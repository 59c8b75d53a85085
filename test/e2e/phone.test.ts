import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { browserSkipReason, expectPhoneReady, launchChromium, PHONE } from '../helpers/browser';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

// On both engines, like every browser suite.
for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`every parent page on a 375 px phone (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' }, undefined, { history: true });
      await t.app.services.notices.publishDue();
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Ada sees the total of the documents she ticks, and cannot tick a sixth', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/pagamenti`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      const total = page.locator('#chosen-total');
      await total.waitFor({ state: 'visible' }); // shown by the page's script once it has run
      assert.equal(await total.textContent(), 'Nessun documento scelto.');
      const boxes = page.getByRole('checkbox');
      assert.ok((await boxes.count()) >= 6, 'Ada has at least six documents to pay');
      const euroCents = (text: string) => Number(text.replace(/[^\d]/g, ''));
      let expected = 0;
      for (let i = 0; i < 5; i++) {
        await boxes.nth(i).check();
        // The amount as the row shows it to the parent.
        const row = boxes.nth(i).locator('xpath=ancestor::tr');
        expected += euroCents((await row.locator('td[data-label="Importo"]').textContent())!);
        const shown = (await total.textContent())!;
        assert.match(shown, new RegExp(`^Documenti scelti: ${i + 1}, totale `));
        assert.equal(euroCents(/totale ([\d.,]+\s€)/.exec(shown)![1]!), expected, shown);
      }
      assert.match((await total.textContent())!, /Hai raggiunto il massimo di 5/);
      assert.ok(await boxes.nth(5).isDisabled(), 'a sixth box cannot be ticked');
      await boxes.nth(0).uncheck();
      assert.ok(await boxes.nth(5).isEnabled(), 'unticking one frees a place');
      await expectPhoneReady(page, 'Pagamento with five documents chosen');
      await context.close();
    });

    it('Ada walks through every service, the esito pages and the error pages without sideways scrolling', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const open = async (path: string, what: string) => {
        await page.goto(`${t.baseUrl}${path}`);
        await expectPhoneReady(page, what);
      };
      await open('/demo/', 'Lista servizi (logged out)');
      await page.goto(`${t.baseUrl}/demo/scheda-anagrafica`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      await expectPhoneReady(page, 'choice of the pupil');
      const pupilOf = async (name: string) => new URL((await page.getByRole('link', { name: `Scegli ${name}` }).getAttribute('href'))!, t.baseUrl).searchParams.get('utente')!;
      const sofia = await pupilOf('Sofia Lovelace');
      const tommaso = await pupilOf('Tommaso Lovelace');

      await open('/demo/', 'Lista servizi');
      for (const pupil of [sofia, tommaso]) {
        await open(`/demo/scheda-anagrafica?utente=${pupil}`, 'Scheda anagrafica');
        await open(`/demo/refezione?utente=${pupil}&dal=2026-11-16&al=2026-12-04`, 'Refezione');
      }
      await open(`/demo/documenti-contabili?utente=${tommaso}`, 'Documenti contabili');
      const detail = await page.locator('main table tbody a', { hasText: 'Dettaglio' }).first().getAttribute('href');
      await open(detail!, 'a document');
      await open('/demo/conto-corrente', 'Conto corrente');
      await open('/demo/ricariche', 'Ricariche');
      await page.getByLabel('Importo in euro').fill('20');
      await page.getByRole('button', { name: 'CONFERMA' }).click();
      await expectPhoneReady(page, 'a top-up');
      await open('/demo/assenze', 'Assenze');
      // The "Alunno" label stands between the form's heading and its field, overlapping neither.
      const [heading, label, select] = await Promise.all(
        ['#new-notice', 'label[for="pupil"]', '#pupil'].map(async (selector) => (await page.locator(selector).boundingBox())!),
      );
      assert.ok(heading!.y + heading!.height <= label!.y && label!.y + label!.height <= select!.y, `label clear of heading and field: ${JSON.stringify({ heading, label, select })}`);
      await open(`/demo/assenze?utente=${tommaso}`, 'Assenze of a pupil');
      await page.getByRole('button', { name: 'CONFERMA' }).click();
      await expectPhoneReady(page, 'Assenze after a refused submit');

      await open('/demo/pagamenti', 'Pagamento');
      await page.getByRole('checkbox').first().check();
      await page.getByRole('button', { name: 'AVVIA PAGAMENTO' }).click();
      await page.getByRole('button', { name: 'Paga', exact: true }).click();
      await page.waitForURL(/\/pagamenti\/esito\/[^/]+\/ok/);
      await expectPhoneReady(page, 'esito ok');
      const cart = /\/esito\/([^/]+)\//.exec(page.url())![1];
      for (const outcome of ['annullato', 'errore', 'in-attesa']) await open(`/demo/pagamenti/esito/${cart}/${outcome}`, `esito ${outcome}`);

      const notFound = await page.goto(`${t.baseUrl}/demo/documenti-contabili/999999`);
      assert.equal(notFound?.status(), 404);
      await expectPhoneReady(page, 'page not found');
      await context.close();
    });

    it('the pages with tables fit the narrowest and the widest phones too (320 and 414 px)', async () => {
      for (const width of [320, 414]) {
        const context = await chromium.browser.newContext({ viewport: { width, height: 740 }, isMobile: true, hasTouch: true });
        const page = await context.newPage();
        await page.goto(`${t.baseUrl}/demo/pagamenti`);
        await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
        await expectPhoneReady(page, `Pagamento at ${width} px`);
        for (const path of ['/demo/conto-corrente', '/demo/ricariche', '/demo/scheda-anagrafica?utente=2', '/demo/documenti-contabili?utente=2', '/demo/refezione?utente=1']) {
          await page.goto(`${t.baseUrl}${path}`);
          await expectPhoneReady(page, `${path} at ${width} px`);
        }
        await context.close();
      }
    });

    it('Ada cancels a payment on pagoPA and pays the same document again at once; a payment left in another tab is abandoned from Pagamento', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/pagamenti`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      const first = page.getByRole('checkbox').first();
      const chosen = await first.getAttribute('value');
      await first.check();
      await page.getByRole('button', { name: 'AVVIA PAGAMENTO' }).click();
      await page.getByRole('button', { name: 'Annulla', exact: true }).click();
      await page.waitForURL(/\/pagamenti\/esito\/[^/]+\/annullato$/);
      await expectPhoneReady(page, 'esito annullato, the notice released');
      const main = (await page.locator('main').textContent()) ?? '';
      assert.match(main, /Non pagato: di nuovo da pagare/);
      assert.doesNotMatch(main, /potrai riprovare dopo le/);
      await page.getByRole('link', { name: 'Torna ai pagamenti' }).click();
      const again = page.locator(`input[name="documento"][value="${chosen}"]`);
      assert.ok(await again.isEnabled(), 'the same document can be chosen again at once');
      await again.check();
      await page.getByRole('button', { name: 'AVVIA PAGAMENTO' }).click();
      await page.waitForURL(/\/pagopa-sandbox\/checkout\/carrello\//);
      const checkout = page.url();

      // That payment stays open in this tab; in another one, Pagamento offers to resume or abandon it.
      const other = await context.newPage();
      await other.goto(`${t.baseUrl}/demo/pagamenti`);
      assert.ok(await other.getByRole('heading', { name: 'Pagamenti già avviati' }).isVisible());
      assert.equal(await other.getByRole('link', { name: /^Riprendi il pagamento/ }).getAttribute('href'), checkout);
      await expectPhoneReady(other, 'Pagamento with a payment started in another tab');
      await other.getByRole('button', { name: /^Abbandona/ }).click();
      await other.waitForURL(/\/pagamenti\?abbandonato=/);
      assert.match((await other.locator('main').textContent()) ?? '', /Hai abbandonato il pagamento/);
      assert.ok(await other.locator(`input[name="documento"][value="${chosen}"]`).isEnabled(), 'free again');
      await expectPhoneReady(other, 'Pagamento after abandoning');
      await context.close();
    });

    it('Ada chooses a pupil once: every page says whose data it shows, and Cambia alunno brings the choice back', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/documenti-contabili`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      await page.getByRole('link', { name: 'Scegli Sofia Lovelace' }).click();
      const line = () => page.locator('p.pupil-line').textContent();
      assert.match((await line()) ?? '', /Stai consultando i dati di Sofia Lovelace — Cambia alunno/);
      for (const path of ['/demo/refezione', '/demo/scheda-anagrafica', '/demo/assenze']) {
        await page.goto(`${t.baseUrl}${path}`);
        assert.match((await line()) ?? '', /Sofia Lovelace/, path);
        await expectPhoneReady(page, `${path} of the remembered pupil`);
      }
      await page.getByRole('link', { name: 'Cambia alunno' }).click();
      await page.waitForURL(/\/demo\/assenze\?cambia=1$/);
      await page.goto(`${t.baseUrl}/demo/refezione?cambia=1`);
      assert.ok(await page.getByRole('heading', { name: 'Scegli l’alunno' }).isVisible(), 'the chooser, not the remembered pupil');
      await expectPhoneReady(page, 'the chooser after Cambia alunno');
      await page.getByRole('link', { name: 'Scegli Tommaso Lovelace' }).click();
      assert.match((await line()) ?? '', /Tommaso Lovelace/);
      await page.goto(`${t.baseUrl}/demo/documenti-contabili`);
      assert.match((await line()) ?? '', /Tommaso Lovelace/);
      await context.close();
    });

    it('Mario, holder of nothing, reads his error page on the phone', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/refezione`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Mario Rossi — RSSMRA80A01H501U/);
      await page.waitForURL(/\/demo\/refezione$/);
      await expectPhoneReady(page, 'not a holder');
      await context.close();
    });
  });
}
