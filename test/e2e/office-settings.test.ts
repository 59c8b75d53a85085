import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { AbsenceReceiptPage, AbsencesPage, TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

/** Thursday 26 November 2026, 09:45 in Rome: a quarter of an hour after the demo's cut-off of 09:30. */
const FAKE_NOW = '2026-11-26T09:45:00+01:00';
const TODAY = '2026-11-26';

async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the ente's settings in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo moves the cut-off to 10:00, and at 09:45 Ada’s absence for today, refused before, is taken', async () => {
      // Ada, on her phone: at 09:45 today is closed with the cut-off at 09:30.
      const parent = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const adaPage = await parent.newPage();
      await adaPage.goto(`${t.baseUrl}/demo/assenze`);
      await (await TestIdpLoginPage.on(adaPage)).logInAs(/Ada Lovelace/);
      const absences = await AbsencesPage.on(adaPage);
      assert.match(await absences.text(), /entro le 09:30/);
      await absences.notify({ pupil: 'Tommaso Lovelace', from: TODAY, kind: 'Assenza' });
      const refused = await AbsencesPage.on(adaPage);
      assert.match(await refused.text(), /I giorni scelti non si possono più modificare/);

      // Marco Polo, amministratore of the demo ente, on the settings page at 375 px.
      const office = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await office.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Impostazioni dell’ente', exact: true }).click();
      await onPage(page, /Impostazioni dell’ente/);
      assert.equal(await page.getByLabel('Orario limite').inputValue(), '09:30');

      // A mistake first: the page says what is wrong, keeps what was typed, saves nothing.
      await page.getByLabel('Orario limite').fill('13:00');
      await page.getByRole('button', { name: 'Salva le impostazioni' }).click();
      await onPage(page, /Impostazioni dell’ente/);
      assert.match(await mainText(page), /L’orario limite deve essere tra le 06:00 e le 12:00\./);
      assert.equal(await page.getByLabel('Orario limite').inputValue(), '13:00');

      await page.getByLabel('Orario limite').fill('10:00');
      await page.getByRole('button', { name: 'Salva le impostazioni' }).click();
      await onPage(page, /Impostazioni dell’ente/);
      assert.match(await mainText(page), /Impostazioni salvate/);
      assert.equal(await page.getByLabel('Orario limite').inputValue(), '10:00');

      // The schools, under the settings: the list, a new one, its page.
      await page.getByRole('link', { name: 'Le scuole dell’ente' }).click();
      await onPage(page, /^Scuole$/);
      await page.getByRole('link', { name: 'Aggiungi una scuola' }).click();
      await onPage(page, /Nuova scuola/);
      await page.getByLabel('Nome (obbligatorio)', { exact: true }).fill('Scuola dell’infanzia Via dei Gelsi');
      await page.getByLabel('Grado').selectOption('infanzia');
      await page.getByLabel('Indirizzo').fill('Via dei Gelsi 2');
      await page.getByLabel('venerdì').uncheck();
      await page.getByRole('button', { name: 'Aggiungi la scuola' }).click();
      await onPage(page, /^Scuole$/);
      assert.match(await mainText(page), /Scuola aggiunta\./);
      assert.match(await mainText(page), /Scuola dell’infanzia Via dei Gelsi/);
      await page.getByRole('link', { name: /Scuola dell’infanzia Via dei Gelsi/ }).click();
      await onPage(page, /^Scuola dell’infanzia Via dei Gelsi$/);
      assert.equal(await page.getByLabel('venerdì').isChecked(), false);
      assert.equal(await page.getByLabel('giovedì').isChecked(), true);

      // The ente's accessibility statement, linked from the footer inside the ente.
      await page.getByRole('link', { name: 'Dichiarazione di accessibilità' }).click();
      await onPage(page, /Dichiarazione di accessibilità/);
      assert.equal(new URL(page.url()).pathname, '/demo/dichiarazione-accessibilita');
      await office.close();

      // Back to Ada at 09:45: today is open until 10:00, and the absence is taken.
      await adaPage.goto(`${t.baseUrl}/demo/assenze`);
      const again = await AbsencesPage.on(adaPage);
      assert.match(await again.text(), /entro le 10:00/);
      await again.notify({ pupil: 'Tommaso Lovelace', from: TODAY, kind: 'Assenza' });
      const receipt = await AbsenceReceiptPage.on(adaPage);
      assert.match(await receipt.text(), /giovedì 26\/11\/2026/);
      const overflow = await adaPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the receipt scrolls sideways by ${overflow}px`);
      await parent.close();
    });

    it('refuses the settings to an operatore', async () => {
      const clerk = await buildOperator(t.database.db, await enteIdOf(t.database.db), 'operatore');
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await TestIdpLoginPage.on(page);
      const form = page.locator('form[action$="/login-as"]');
      await form.getByLabel('Codice fiscale').fill(clerk.fiscalCode);
      await form.getByLabel('Nome', { exact: true }).fill(clerk.givenName);
      await form.getByLabel('Cognome').fill(clerk.familyName);
      await form.getByRole('button', { name: 'Accedi come questa persona' }).click();
      await onPage(page, /Ufficio comunale/);
      assert.equal(await page.getByRole('link', { name: 'Impostazioni dell’ente' }).count(), 0, 'the office home does not offer it');
      const response = await page.goto(`${t.baseUrl}/demo/ufficio/impostazioni`);
      assert.equal(response?.status(), 403);
      await onPage(page, /Accesso non consentito|non autorizzat/i);
      assert.equal(await page.getByLabel('Orario limite').count(), 0);
      await context.close();
    });
  });
}
