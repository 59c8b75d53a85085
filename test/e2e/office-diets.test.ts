import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { buildEnrolment, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { browserSkipReason, expectAccessible, launchChromium } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { samplePdf } from '../helpers/files';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();
const PHONE = { width: 375, height: 740 };
/** A Wednesday of the demo's school year; the diet is approved from the next day. */
const NOW = '2027-01-20T10:00:00+01:00';

/** WCAG 2.1 AA by axe, and nothing wider than a 375 px screen. */
async function expectUsable(page: Page, what: string): Promise<void> {
  const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  assert.ok(widths[0] <= widths[1], `${what}: no horizontal scrolling at 375 px (${widths[0]} > ${widths[1]})`);
  await expectAccessible(page);
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's special diets in a browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };
    let pupilId: number;
    let schoolName: string;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      const db = t.database.db;
      const enteId = await enteIdOf(db);
      const holder = await buildPerson(db, enteId, { birthDate: '1981-06-02' });
      const pupil = await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Irene', familyName: 'Quaglia', className: '3C' });
      await buildEnrolment(db, enteId, pupil, holder);
      pupilId = pupil.pupilId;
      schoolName = (await db.selectFrom('school').select('name').where('id', '=', pupil.schoolId).executeTakeFirstOrThrow()).name;
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('an operator records a diet with its certificate on a phone, approves it, and the day’s sheet lists the pupil; every page passes axe', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/anagrafe/alunni/${pupilId}`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo — PLOMRC01P30L736Y/);
      await page.getByRole('heading', { level: 1, name: 'Quaglia Irene' }).waitFor();
      await page.getByRole('link', { name: 'Dieta speciale' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dieta speciale di Irene Quaglia' }).waitFor();
      await expectUsable(page, 'a pupil’s diets, none');

      await page.getByRole('link', { name: 'Registra una richiesta di dieta' }).click();
      await page.getByRole('heading', { level: 1, name: 'Nuova richiesta di dieta speciale' }).waitFor();
      await expectUsable(page, 'diet request');
      // Sent with the medical kind and no reason: the summary first, the form kept.
      await page.getByLabel('Dieta', { exact: true }).selectOption('senza-glutine');
      await page.getByLabel('Tipo di dieta').selectOption('medical');
      await page.getByRole('button', { name: 'Registra la richiesta' }).click();
      await page.getByText('Il modulo non è stato salvato').waitFor();
      assert.match((await page.locator('#motivo-problem').textContent())!, /Scrivi il motivo medico/);
      assert.equal(await page.getByLabel('Dieta', { exact: true }).inputValue(), 'senza-glutine');
      await expectUsable(page, 'diet request, refused');

      await page.getByLabel('Motivo medico o note').fill('Celiachia');
      await page.getByLabel('Oppure carica il certificato o la dichiarazione').setInputFiles({ name: 'certificato.pdf', mimeType: 'application/pdf', buffer: await samplePdf('Certificato di celiachia') });
      await page.getByRole('button', { name: 'Registra la richiesta' }).click();
      await page.getByText('Richiesta registrata.').waitFor();
      assert.ok(await page.getByText('Celiachia').isVisible());
      await expectUsable(page, 'a pupil’s diets, one requested');

      await page.getByRole('link', { name: /^Senza glutine/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Senza glutine — Da approvare' }).waitFor();
      assert.ok(await page.getByRole('link', { name: /^Scarica «Certificato medico/ }).isVisible());
      await expectUsable(page, 'a diet to approve');
      await page.getByLabel('Dal giorno').fill('21/01/2027');
      await page.getByRole('button', { name: 'Approva' }).click();
      await page.getByText('Dieta approvata.').waitFor();
      assert.match((await page.locator('h1').textContent())!, /Senza glutine — Approvata, non ancora in vigore/);
      await expectUsable(page, 'an approved diet');

      await page.goto(`${t.baseUrl}/demo/ufficio/diete?stato=approvata`);
      await page.getByRole('heading', { level: 1, name: 'Diete speciali' }).waitFor();
      assert.ok(await page.getByRole('link', { name: 'Quaglia Irene' }).isVisible());
      await expectUsable(page, 'the list of diets');

      await page.getByRole('link', { name: 'Foglio del giorno per scuola, da stampare' }).click();
      await page.getByRole('heading', { level: 1, name: 'Foglio delle diete del giorno' }).waitFor();
      await expectUsable(page, 'the sheet, no school chosen');
      await page.getByLabel('Scuola').selectOption({ label: schoolName });
      await page.getByLabel('Giorno').fill('21/01/2027');
      await page.getByRole('button', { name: 'Mostra' }).click();
      await page.getByRole('heading', { level: 1, name: `Diete speciali — ${schoolName} — giovedì 21/01/2027` }).waitFor();
      const row = page.getByRole('row', { name: /Quaglia Irene/ });
      assert.match((await row.textContent())!, /Senza glutine/);
      assert.ok(await page.getByRole('table', { name: 'Classe 3C' }).isVisible());
      // The deferred script shows the button once the page is parsed: wait for it rather than look at once.
      await page.getByRole('button', { name: 'Stampa' }).waitFor({ state: 'visible', timeout: 5000 });
      assert.ok(await page.getByRole('link', { name: 'Torna alle diete speciali' }).isVisible());
      await expectUsable(page, 'the sheet of a day');
      // Printed: the sheet without the forms, the button and the way back.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.getByRole('button', { name: 'Stampa' }).isVisible(), false);
      assert.equal(await page.getByRole('button', { name: 'Mostra' }).isVisible(), false);
      assert.equal(await page.getByRole('link', { name: 'Torna alle diete speciali' }).isVisible(), false);
      assert.ok(await row.isVisible());
      await context.close();

      // The kitchen's view of the pupil's diets: the diet and its days, not the reason.
      const kitchen = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const cook = await kitchen.newPage();
      await cook.goto(`${t.baseUrl}/demo/ufficio/diete/alunni/${pupilId}`);
      await (await TestIdpLoginPage.on(cook)).logInAs(/Luca Verdi — VRDLCU75C12L219L/);
      await cook.getByRole('heading', { level: 1, name: 'Dieta speciale di Irene Quaglia' }).waitFor();
      assert.ok(await cook.getByRole('rowheader', { name: 'Senza glutine' }).isVisible());
      assert.equal(await cook.getByText('Celiachia').count(), 0);
      await expectUsable(cook, 'a pupil’s diets, as the kitchen sees them');
      await kitchen.close();
    });
  });
}
