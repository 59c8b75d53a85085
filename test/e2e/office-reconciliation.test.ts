import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { receiptXml } from '../../src/integrations/pagopa/receipt-xml';
import { insertReceipt } from '../../src/integrations/pagopa/sandbox/store';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { okReceiptFor } from '../helpers/receipts';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's pagoPA reconciliation in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' });
      chromium = await launchChromium();
      const db = t.database.db;
      const ente = await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow();
      // Yesterday three payments at one PSP: two receipts came to us, one did not; and a receipt of ours no flow reports.
      for (const [n, cents, ours, paidAt] of [[1, 1000, true, '2026-11-25T09:00:00'], [2, 2500, true, '2026-11-25T09:30:00'], [3, 480, false, '2026-11-25T10:00:00'], [4, 900, true, '2026-11-19T10:00:00']] as const) {
        const iuv = `01${String(n).padStart(15, '0')}`;
        const notice = { nav: `3${iuv}`, iuv, amount_cents: cents, description: `Refezione ${n}`, tax_code: ente.tax_code, name: ente.name, fiscal_code: 'RSSMRA80A01H501U', given_name: 'Mario', family_name: 'Rossi' };
        const receipt = okReceiptFor(notice, `E2E${n}`, { paymentDateTime: paidAt });
        const xml = receiptXml(receipt);
        if (n !== 4) await insertReceipt(db, { receiptId: receipt.receiptId, creditorTaxCode: ente.tax_code, iuv, debtorFiscalCode: notice.fiscal_code, paidAt: new Date(`${paidAt}+01:00`), xml });
        if (ours) await t.app.services.receipts.apply(receipt, xml, 'push');
      }
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo fetches the flows, reads a flow’s total and the differences; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();

      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Rendicontazione pagoPA', exact: true }).click();
      await onPage(page, /^Rendicontazione pagoPA$/);
      assert.match(await page.locator('main').innerText(), /Nessun flusso ancora scaricato/);

      await page.getByRole('button', { name: 'Scarica i flussi pubblicati' }).click();
      await onPage(page, /^Rendicontazione pagoPA$/);
      assert.match(await page.getByRole('status').first().innerText(), /1 flusso nuovo con 3 pagamenti; 1 ricevuta recuperata/);
      const flows = await page.getByRole('table', { name: /Flussi di rendicontazione/ }).innerText();
      assert.match(flows, /2026-11-25TESTPSP-0001/);
      assert.match(flows, /39,80\s€/);

      await page.getByRole('link', { name: '2026-11-25TESTPSP-0001' }).click();
      await onPage(page, /Flusso 2026-11-25TESTPSP-0001/);
      assert.match(await page.locator('main').innerText(), /Ogni pagamento del flusso corrisponde a una nostra ricevuta/);
      await page.getByRole('link', { name: 'Torna alla rendicontazione' }).click();
      await onPage(page, /^Rendicontazione pagoPA$/);

      await page.getByRole('link', { name: 'Differenze da controllare' }).click();
      await onPage(page, /Differenze della rendicontazione/);
      assert.match(await page.getByRole('table', { name: /Ricevute senza flusso/ }).innerText(), /9,00\s€/);

      // A number of days that is not one: refused, the summary first, the value kept.
      await page.getByLabel('Giorni di attesa del flusso').fill('tanti');
      await page.getByRole('button', { name: 'Mostra' }).click();
      await onPage(page, /Differenze della rendicontazione/);
      assert.match(await page.locator('[role="alert"]').first().innerText(), /Scrivi un numero intero di giorni da 1 a 60/);
      assert.equal(await page.getByLabel('Giorni di attesa del flusso').inputValue(), 'tanti');
      await page.getByLabel('Giorni di attesa del flusso').fill('10');
      await page.getByRole('button', { name: 'Mostra' }).click();
      await onPage(page, /Differenze della rendicontazione/);
      assert.match(await page.locator('main').innerText(), /Ogni ricevuta di quel periodo compare in un flusso/);

      // The PSP republishes the flow with its last payment 1 € lower (the sandbox's page): a new revision.
      const taxCode = (await t.database.db.selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow()).tax_code;
      await page.goto(`${t.baseUrl}/pagopa-sandbox/rendicontazione?ente=${taxCode}`);
      await onPage(page, /flussi di rendicontazione/);
      await page.getByLabel('Modifica nella nuova revisione').selectOption({ label: "l'ultimo pagamento con 1 € in meno" });
      await page.getByRole('button', { name: 'Ripubblica come nuova revisione' }).click();
      await onPage(page, /flussi di rendicontazione/);
      assert.match(await page.getByRole('table').innerText(), /2 \(ultima\)/);

      await page.goto(`${t.baseUrl}/demo/ufficio/rendicontazione`);
      await onPage(page, /^Rendicontazione pagoPA$/);
      await page.getByRole('button', { name: 'Scarica i flussi pubblicati' }).click();
      await onPage(page, /^Rendicontazione pagoPA$/);
      assert.match(await page.getByRole('status').first().innerText(), /1 flusso nuovo con 3 pagamenti/);
      assert.match(await page.getByRole('table', { name: /Flussi di rendicontazione/ }).innerText(), /Sostituita da una revisione successiva/);
      await page.getByRole('link', { name: 'Differenze da controllare' }).click();
      await onPage(page, /Differenze della rendicontazione/);
      const differences = await page.getByRole('table', { name: /Pagamenti dei flussi in vigore/ }).innerText();
      assert.match(differences, /Importo diverso dalla ricevuta/);
      assert.match(differences, /3,80\s€[\s\S]*4,80\s€/);
      await context.close();
    });
  });
}
