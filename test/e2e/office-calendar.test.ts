import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { AbsencesPage, CanteenPage, TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office closes a school for a day in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      // Thursday 26 November 2026, before the cut-off.
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo closes Via dei Tigli on Monday with a reason; Ada reads it on Tommaso’s Refezione and cannot notify that day', async () => {
      const office = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await office.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Calendario', exact: true }).click();
      await onPage(page, /^Calendario$/);
      const calendar = await page.locator('main').innerText();
      assert.match(calendar, /2026\/2027/);
      assert.match(calendar, /Vacanze di Natale/);

      // The form refused first (no reason), with the error summary; then sent right.
      await page.getByRole('link', { name: 'Aggiungi una chiusura' }).click();
      await onPage(page, /Nuova chiusura/);
      await page.getByLabel('Dove').selectOption({ label: 'Scuola primaria Via dei Tigli' });
      await page.getByLabel('Dal giorno').fill('30/11/2026');
      await page.getByRole('button', { name: 'Aggiungi la chiusura' }).click();
      await onPage(page, /Nuova chiusura/);
      assert.match(await page.locator('.error-summary').innerText(), /Motivo: Campo obbligatorio\./);
      assert.equal(await page.getByLabel('Dal giorno').inputValue(), '30/11/2026', 'what was typed stays');
      await page.getByLabel('Motivo').fill('Uscita didattica al museo');
      await page.getByRole('button', { name: 'Aggiungi la chiusura' }).click();
      await onPage(page, /^Calendario$/);
      assert.match(await page.getByRole('status').innerText(), /Chiusura aggiunta\./);
      const row = page.locator('tr', { hasText: 'Uscita didattica al museo' });
      assert.match(await row.innerText(), /30\/11\/2026[\s\S]*Scuola primaria Via dei Tigli[\s\S]*Da venire/);

      // Its page, with the removal still possible; the school years' pages.
      await row.getByRole('link').click();
      await onPage(page, /Chiusura del 30\/11\/2026/);
      assert.ok(await page.getByRole('button', { name: 'Rimuovi la chiusura' }).isVisible());
      await page.getByRole('link', { name: 'Torna al calendario' }).click();
      await onPage(page, /^Calendario$/);
      await page.getByRole('link', { name: 'Modifica le date 2026/2027' }).click();
      await onPage(page, /Anno scolastico 2026\/2027/);
      assert.equal(await page.getByLabel('Primo giorno').inputValue(), '14/09/2026');
      await page.goto(`${t.baseUrl}/demo/ufficio/calendario/anni/nuovo`);
      await onPage(page, /Nuovo anno scolastico/);
      await office.close();

      // Ada, on her phone: Tommaso goes to Via dei Tigli.
      const tommaso = (
        await t.database.db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Tommaso').where('person.family_name', '=', 'Lovelace').executeTakeFirstOrThrow()
      ).id;
      const parent = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const phone = await parent.newPage();
      await phone.goto(`${t.baseUrl}/demo/refezione?utente=${tommaso}&dal=2026-11-30&al=2026-11-30`);
      await (await TestIdpLoginPage.on(phone)).logInAs(/Ada Lovelace/);
      const canteen = await CanteenPage.on(phone);
      assert.match(await canteen.rowOf('lunedì 30/11/2026'), /Nessun servizio: chiusura \(Uscita didattica al museo\)/);
      await phone.goto(`${t.baseUrl}/demo/assenze?utente=${tommaso}`);
      const absences = await AbsencesPage.on(phone);
      await absences.notify({ pupil: 'Tommaso Lovelace', from: '2026-11-30', kind: 'Assenza' });
      await AbsencesPage.on(phone);
      assert.match(await absences.text(), /Nel periodo scelto non c’è nessun giorno di mensa/);
      await parent.close();
    });
  });
}
