import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { browserSkipReason, launchChromium } from '../helpers/browser';
import {
  ChoosePupilPage,
  DocumentsPage,
  LedgerPage,
  markWithoutScript,
  PaymentResultPage,
  PaymentsPage,
  SandboxPage,
  ServiceListPage,
  TestIdpLoginPage,
  TopupFormPage,
  TopupPage,
} from './pages';

const skip = browserSkipReason();

/** "+12,34 €" / "−3,28 €" as the Conto corrente prints balances → cents. */
function cents(text: string): number {
  const sign = /[−-]/.test(text.trim()[0] ?? '') ? -1 : 1;
  return sign * Number(text.replace(/[^\d]/g, ''));
}

// On both engines: what a parent does in the browser must work on PostgreSQL as on SQLite.
for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`paying with pagoPA in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' }, undefined, { history: true });
      // What the scheduler of a serving app does within a minute: the notices go to the platform (the sandbox).
      await t.app.services.notices.publishDue();
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Ada pays two documents through the sandbox Checkout and sees them paid, with a receipt to download', async () => {
      const context = await chromium.browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      await (await ServiceListPage.open(page, t.baseUrl, 'demo')).openService('Pagamento dei servizi scolastici');
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      const payments = await PaymentsPage.on(page);
      const chosen = await payments.checkedLabels(2);
      await payments.payFirst(2);

      await SandboxPage.on(page, 'Sandbox pagoPA — pagamento');
      assert.match((await page.locator('header').textContent()) ?? '', /non è pagoPA/);
      await page.getByRole('button', { name: 'Paga', exact: true }).click();

      const result = await PaymentResultPage.on(page);
      const text = await result.text();
      assert.equal((text.match(/Pagato: ricevuta arrivata/g) ?? []).length, 2, text);
      assert.match(text, /Tutti i pagamenti sono confermati/);

      await page.getByRole('link', { name: 'Vai ai documenti contabili' }).click();
      const pupil = /— (\w+),/.exec(chosen[0]!)![1]!;
      await (await ChoosePupilPage.on(page, 'Documenti contabili')).choose(`${pupil} Lovelace`);
      const documents = await DocumentsPage.on(page);
      const number = /Scegli ([\d/]+) —/.exec(chosen[0]!)![1]!;
      assert.match(await documents.rowOf(number), /Pagato/);
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: `Scarica ricevuta del documento ${number}`, exact: true }).click();
      const file = await download;
      assert.match(file.suggestedFilename(), /^ricevuta-pagopa-3\d{17}\.pdf$/);
      assert.equal(readFileSync(await file.path()).subarray(0, 5).toString(), '%PDF-');
      await context.close();
    });

    it('Ada tops up €20 to pay later (JavaScript off), pays the notice by its code at the sandbox tobacconist, and sees the balance rise by €20.00', async () => {
      const context = await chromium.browser.newContext({ acceptDownloads: true, javaScriptEnabled: false });
      const page = await context.newPage();
      markWithoutScript(page);
      await (await ServiceListPage.open(page, t.baseUrl, 'demo')).openService('Conto corrente virtuale');
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace — LVLDAA85T50G702B/);
      const before = cents(/Saldo al [^:]*?(?:\d{2}\/\d{2}\/\d{4})\s*([+−-][\d.,]+\s€)/.exec(await (await LedgerPage.on(page)).summary())![1]!);

      await page.goto(`${t.baseUrl}/demo/ricariche`);
      await (await TopupFormPage.on(page)).request(/B100001/, '20');
      const topup = await (await TopupPage.on(page)).payLater();
      const code = await topup.noticeCode();
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'Scarica l’avviso pagoPA (PDF)' }).click();
      assert.equal(readFileSync(await (await download).path()).subarray(0, 5).toString(), '%PDF-');

      await page.goto(`${t.baseUrl}/demo/conto-corrente`);
      assert.match(await page.locator('main').textContent() ?? '', /Ricariche in attesa di pagamento/);

      await page.goto(`${t.baseUrl}/pagopa-sandbox/tabaccheria`);
      await SandboxPage.on(page, 'Sandbox pagoPA — paga un avviso');
      await page.getByLabel('Codice fiscale dell’ente creditore'.replace('’', "'")).fill('00100010016');
      await page.getByLabel('Codice avviso').fill(code);
      await page.getByRole('button', { name: "Paga l'avviso" }).click();
      const done = await SandboxPage.on(page, 'Sandbox pagoPA — avviso pagato');
      assert.match(await done.text(), /20,00/);

      await page.goto(`${t.baseUrl}/demo/conto-corrente`);
      const ledger = await LedgerPage.on(page);
      const after = cents(/Saldo al [^:]*?(?:\d{2}\/\d{2}\/\d{4})\s*([+−-][\d.,]+\s€)/.exec(await ledger.summary())![1]!);
      assert.equal(after - before, 2_000);
      await context.close();
    });
  });
}
