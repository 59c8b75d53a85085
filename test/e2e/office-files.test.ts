import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { buildEnrolment, buildFamily, enteIdOf } from '../helpers/builders';
import { browserSkipReason, expectAccessible, launchChromium } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { samplePdf } from '../helpers/files';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();
const PHONE = { width: 375, height: 740 };

/** WCAG 2.1 AA by axe, and nothing wider than a 375 px screen. */
async function expectUsable(page: Page, what: string): Promise<void> {
  const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  assert.ok(widths[0] <= widths[1], `${what}: no horizontal scrolling at 375 px (${widths[0]} > ${widths[1]})`);
  await expectAccessible(page);
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's attachments and operators in a browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };
    let pupilId: number;

    before(async () => {
      t = await startTestApp(engine);
      const enteId = await enteIdOf(t.database.db);
      const family = await buildFamily(t.database.db, enteId);
      await buildEnrolment(t.database.db, enteId, family.pupils[0]!, family.holder);
      pupilId = family.pupils[0]!.pupilId;
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo uploads a document on a phone, without JavaScript needed, and every page passes axe', async () => {
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const path = `${t.baseUrl}/demo/ufficio/anagrafe/alunni/${pupilId}/allegati`;
      await page.goto(path);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo — PLOMRC01P30L736Y/);
      await page.getByRole('heading', { level: 1, name: /^Allegati di / }).waitFor();
      await expectUsable(page, 'attachments, empty');

      // Submitted without a file: the summary first, focus on it, the field's message.
      await page.getByLabel('Titolo').fill('Certificato per la dieta');
      await page.getByRole('button', { name: 'Carica il documento' }).click();
      await page.getByText('Il modulo non è stato salvato').waitFor();
      assert.match((await page.locator('#file-problem').textContent())!, /Scegli il file da caricare/);
      await expectUsable(page, 'attachments, refused upload');

      await page.getByLabel('Tipo di documento').selectOption('certificato-medico');
      await page.locator('label[for="visibile_genitore"]').click();
      await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'certificato.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
      await page.getByRole('button', { name: 'Carica il documento' }).click();
      await page.getByText('Documento caricato.').waitFor();
      assert.ok(await page.getByRole('link', { name: 'Scarica «Certificato per la dieta»' }).isVisible());
      await expectUsable(page, 'attachments, one uploaded');

      await page.getByRole('link', { name: 'Elimina «Certificato per la dieta»' }).click();
      await page.getByRole('heading', { name: 'Eliminare il documento?' }).waitFor();
      await expectUsable(page, 'confirm deletion');
      await page.getByRole('link', { name: 'Torna agli allegati' }).click();

      await page.goto(`${t.baseUrl}/demo/ufficio/operatori`);
      await page.getByRole('heading', { level: 1, name: 'Operatori' }).waitFor();
      await expectUsable(page, 'operators');
      await page.getByRole('link', { name: 'Aggiungi un operatore' }).click();
      await page.getByLabel('Codice fiscale').fill('RSSMRA80A01H501X');
      await page.getByRole('button', { name: 'Aggiungi', exact: true }).click();
      await page.getByText('Il modulo non è stato salvato').waitFor();
      await expectUsable(page, 'add operator, refused');
      await page.goto(`${t.baseUrl}/demo/ufficio/operatori`);
      await page.getByRole('link', { name: 'Modifica Verdi Luca' }).click();
      await page.getByRole('heading', { level: 1, name: 'Operatore Luca Verdi' }).waitFor();
      await expectUsable(page, 'operator');
      await context.close();
    });
  });
}
