import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's tariffs in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2027-01-20T10:00:00+01:00' });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo changes a price from a date, sees its history, uses the preview; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();

      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Tariffe', exact: true }).click();
      await onPage(page, /^Tariffe$/);

      // The tariff table of the postpaid canteen this year.
      await page.locator('[name="servizio"]').selectOption({ label: 'Refezione scolastica (a consuntivo)' });
      await page.locator('[name="anno"]').selectOption({ label: '2026/2027' });
      await page.getByRole('button', { name: 'Mostra le tariffe' }).click();
      await onPage(page, /^Tariffe$/);
      assert.match(await page.locator('main').innerText(), /Refezione scolastica \(a consuntivo\), anno 2026\/2027/);

      // Band B: its price from 1 February.
      await page.getByRole('link', { name: /Fascia B/ }).click();
      await onPage(page, /Fascia B/);
      await page.getByLabel('Dal').fill('01/02/2027');
      await page.getByLabel('Prezzo (euro)').fill('3,60');
      await page.getByRole('button', { name: 'Salva il nuovo prezzo' }).click();
      await onPage(page, /Fascia B/);
      const history = await page.getByRole('table', { name: /Prezzi della fascia/ }).innerText();
      assert.match(history, /14\/09\/2026[\s\S]*3,20\s€[\s\S]*in vigore/);
      assert.match(history, /01\/02\/2027[\s\S]*3,60\s€[\s\S]*programmato/);
      assert.match(await page.getByRole('status').first().innerText(), /Nuovo prezzo salvato/);

      // A price that is no amount: refused, the problem under the field, the summary first, the form kept.
      await page.getByLabel('Dal').fill('01/03/2027');
      await page.getByLabel('Prezzo (euro)').fill('tre euro');
      await page.getByRole('button', { name: 'Salva il nuovo prezzo' }).click();
      await onPage(page, /Fascia B/);
      assert.match(await page.locator('.callout, [role="alert"], .alert-danger').first().innerText(), /Importo non valido/);
      assert.equal(await page.getByLabel('Dal').inputValue(), '01/03/2027');

      // What a family would pay: ISEE 8.500, second child, resident, on 1 February: 20% off 3,60 = 2,88.
      await page.getByRole('link', { name: 'Torna alle tariffe' }).click();
      await onPage(page, /^Tariffe$/);
      await page.getByRole('link', { name: 'Quanto pagherebbe una famiglia' }).click();
      await onPage(page, /Quanto pagherebbe una famiglia/);
      await page.getByLabel('Valore ISEE (euro)').fill('8.500');
      await page.locator('[name="figlio"]').selectOption('2');
      await page.getByLabel('Alla data').fill('01/02/2027');
      await page.getByRole('button', { name: 'Calcola' }).click();
      await onPage(page, /Quanto pagherebbe una famiglia/);
      const result = await page.locator('section[aria-labelledby="result-title"]').innerText();
      assert.match(result, /Fascia B/);
      assert.match(result, /Riduzione fratelli \(20%\)/);
      assert.equal((await page.getByTestId('preview-total').innerText()).replace(/\s/g, ' '), '2,88 €');

      // The other new pages: sibling reductions, a new band, an enrolment's exemptions, the billing preview.
      await page.goto(`${t.baseUrl}/demo/ufficio/tariffe`);
      await page.getByRole('link', { name: 'Modifica le riduzioni da una data' }).click();
      await onPage(page, /Riduzioni per fratelli da una data/);
      await page.goto(`${t.baseUrl}/demo/ufficio/tariffe`);
      await page.getByRole('link', { name: 'Aggiungi una fascia' }).click();
      await onPage(page, /Nuova fascia/);
      // An enrolment with an exemption (the demo's): its list, with a form to end each one.
      const exempted = await t.database.db.selectFrom('tariff_exemption').select('enrolment_id').orderBy('id').executeTakeFirstOrThrow();
      await page.goto(`${t.baseUrl}/demo/ufficio/tariffe/iscrizioni/${exempted.enrolment_id}/esenzioni`);
      await onPage(page, /Esenzioni di/);
      assert.ok((await page.getByRole('button', { name: 'Termina' }).count()) > 0);
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await page.getByRole('link', { name: 'Fatturazione', exact: true }).click();
      await onPage(page, /Fatturazione/);
      assert.match(await page.locator('main').innerText(), /Anteprima di gennaio 2027/);
      await context.close();
    });
  });
}
