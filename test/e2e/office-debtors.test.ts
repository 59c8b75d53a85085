import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import { it as messages } from '../../src/web/i18n/it';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

/** "1.234,56 €" → cents. */
const cents = (text: string) => Math.round(Number(text.replace(/[^\d,]/g, '').replace(',', '.')) * 100);

/** What Ada sees overdue on "Pagamento dei servizi scolastici": the amounts of the rows marked "scaduto". */
async function overdueOnPaymentsPage(page: Page): Promise<number> {
  const rows = page.locator('table tbody tr');
  let total = 0;
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const due = await row.locator(`[data-label="${messages.payments.dueDate}"]`).innerText();
    if (due.includes(messages.payments.overdue)) total += cents(await row.locator(`[data-label="${messages.payments.amount}"]`).innerText());
  }
  return total;
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's debtors in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      // The demo's history: Ada has documents since September 2025, some of them overdue.
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' }, undefined, { history: true });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo finds Ada among the debtors with the overdue amount she sees; the page passes axe at 375 px', async () => {
      // Ada, on her phone: what she sees overdue.
      const parent = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const adaPage = await parent.newPage();
      await adaPage.goto(`${t.baseUrl}/demo/pagamenti`);
      await (await TestIdpLoginPage.on(adaPage)).logInAs(/Ada Lovelace/);
      await adaPage.waitForLoadState('domcontentloaded');
      const adaOverdue = await overdueOnPaymentsPage(adaPage);
      assert.ok(adaOverdue > 0, 'the demo gives Ada something overdue');
      await parent.close();

      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Morosi', exact: true }).click();
      await onPage(page, /^Morosi$/);

      // Sorted by name, at least the amount Ada owes: she is there, with her amount to the cent.
      await page.getByLabel('Scaduto almeno (€)').fill((adaOverdue / 100).toFixed(2).replace('.', ','));
      await page.locator('[name="ordina"]').selectOption('nome');
      await page.locator('[name="verso"]').selectOption('asc');
      await page.getByRole('button', { name: 'Filtra' }).click();
      await onPage(page, /^Morosi$/);
      const ada = page.locator('table tbody tr', { has: page.getByRole('link', { name: 'Lovelace Ada', exact: true }) });
      assert.equal(await ada.count(), 1, 'Ada is listed');
      assert.equal(cents(await ada.locator('[data-label="Scaduto"]').innerText()), adaOverdue);

      // A wrong minimum: refused on the page, with the input kept.
      await page.getByLabel('Scaduto almeno (€)').fill('molti');
      await page.getByRole('button', { name: 'Filtra' }).click();
      await onPage(page, /^Morosi$/);
      assert.match(await page.locator('.alert-danger').first().innerText(), /Scrivi un importo in euro/);
      assert.equal(await page.getByLabel('Scaduto almeno (€)').inputValue(), 'molti');
      assert.equal(await page.locator('[name="ordina"]').inputValue(), 'nome', 'the order chosen is kept too');

      // On a wide screen the headers sort: by name, then the other way.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.getByLabel('Scaduto almeno (€)').fill('');
      await page.getByRole('button', { name: 'Filtra' }).click();
      await onPage(page, /^Morosi$/);
      const holderHeader = page.locator('thead th').first();
      assert.equal(await holderHeader.getAttribute('aria-sort'), 'ascending');
      await holderHeader.getByRole('link').click();
      await onPage(page, /^Morosi$/);
      assert.equal(await page.locator('thead th').first().getAttribute('aria-sort'), 'descending');
      await page.locator('thead th', { hasText: 'Scaduto' }).first().getByRole('link').click();
      await onPage(page, /^Morosi$/);
      assert.equal(await page.locator('thead th', { hasText: 'Scaduto' }).first().getAttribute('aria-sort'), 'descending');
      const amounts = await page.locator('tbody td[data-label="Scaduto"]').allInnerTexts();
      for (let i = 1; i < amounts.length; i++) assert.ok(cents(amounts[i - 1]!) >= cents(amounts[i]!), 'largest overdue first');

      // Her row leads to her page in the registry.
      await page.getByRole('link', { name: 'Lovelace Ada', exact: true }).click();
      await page.waitForLoadState('domcontentloaded');
      assert.match((await page.locator('h1').first().innerText()).trim(), /Ada Lovelace|Lovelace Ada/);
      const adaPath = new URL(page.url()).pathname;

      // He sends today's first reminders now, rather than waiting for the scheduler: Ada's is among them.
      await page.goto(`${t.baseUrl}/demo/ufficio/solleciti`);
      await onPage(page, /^Solleciti$/);
      await page.getByRole('button', { name: messages.officeReminders.runNow }).click();
      await onPage(page, /Solleciti/);
      assert.match(await page.locator('[role="status"], .alert-success').first().innerText(), /eseguiti/);
      const adaReminder = page.locator('table tbody tr', { hasText: 'Lovelace' }).first();
      assert.match(await adaReminder.innerText(), new RegExp(messages.officeReminders.steps.primo!));
      // Pressed again: nothing twice.
      await page.goto(`${t.baseUrl}/demo/ufficio/solleciti`);
      await page.getByRole('button', { name: messages.officeReminders.runNow }).click();
      await onPage(page, /Solleciti/);
      assert.match(await page.locator('[role="status"], .alert-success').first().innerText(), /già/);
      // Her page says so, and the debtors list shows the day of her last reminder.
      await page.goto(`${t.baseUrl}${adaPath}`);
      await page.waitForLoadState('domcontentloaded');
      assert.match(await page.locator('main').innerText(), new RegExp(messages.officeReminders.steps.primo!));
      await page.goto(`${t.baseUrl}/demo/ufficio/morosi`);
      await page.getByLabel('Scaduto almeno (€)').fill((adaOverdue / 100).toFixed(2).replace('.', ','));
      await page.getByRole('button', { name: 'Filtra' }).click();
      await onPage(page, /^Morosi$/);
      const adaRow = page.locator('table tbody tr', { has: page.getByRole('link', { name: 'Lovelace Ada', exact: true }) });
      assert.match(await adaRow.locator('[data-label="Ultimo sollecito"]').innerText(), /26\/11\/2026/);
      await context.close();
    });
  });
}
