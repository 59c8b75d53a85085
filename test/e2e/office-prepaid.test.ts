import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, expectPhoneReady, launchChromium, onPage, PHONE } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's prepaid badges and accounting exports in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      // July 2027: the school year 2026/2027 ended on 10 June.
      t = await startTestApp(engine, { FAKE_NOW: '2027-07-10T10:00:00+02:00' });
      chromium = await launchChromium();
      // Sofia's badge (the demo's B100001) had 30 € topped up and one meal of 4,10 € charged.
      const db = t.database.db;
      const badge = await db.selectFrom('badge').select(['id', 'ente_id']).where('code', '=', 'B100001').executeTakeFirstOrThrow();
      for (const [day, cents, kind] of [['2027-03-01', 3_000, 'topup'], ['2027-03-02', -410, 'meal']] as const) {
        await db
          .insertInto('movement')
          .values({ ente_id: badge.ente_id, badge_id: badge.id, amount_cents: cents, kind, value_date: day, charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: `${day}T10:00:00Z` })
          .execute();
      }
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo sets a threshold, finds Sofia’s badge with Ada’s contacts, carries its credit to the next year after seeing the effect, and reads the receipts by month; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();

      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Badge prepagati', exact: true }).click();
      await onPage(page, /^Badge prepagati$/);

      // A threshold that is not a number: refused, the problem shown, the input kept.
      await page.getByLabel('Valore della soglia').fill('tanti');
      await page.getByRole('button', { name: 'Salva la soglia' }).click();
      await onPage(page, /^Badge prepagati$/);
      assert.match(await page.locator('.callout, [role="alert"], .alert-danger').first().innerText(), /Scrivi un numero/);
      assert.equal(await page.getByLabel('Valore della soglia').inputValue(), 'tanti');

      // 30 € in euro: Sofia's 25,90 € is below it.
      await page.getByLabel('Valore della soglia').fill('30');
      await page.getByRole('button', { name: 'Salva la soglia' }).click();
      await onPage(page, /^Badge prepagati$/);
      assert.match(await page.getByRole('status').first().innerText(), /Soglia salvata/);
      await page.locator('[name="scuola"]').selectOption({ label: 'Scuola primaria Arcobaleno' });
      await page.getByRole('button', { name: 'Filtra' }).click();
      await onPage(page, /^Badge prepagati$/);
      const list = await page.getByRole('table', { name: /Badge con il credito/ }).innerText();
      assert.match(list, /Sofia Lovelace[\s\S]*B100001[\s\S]*25,90\s€[\s\S]*Ada Lovelace/);

      // Sofia's year end: the credit of 2026/2027 carried to the next year.
      await page.getByRole('link', { name: 'Chiusura anno del badge di Sofia Lovelace' }).click();
      await onPage(page, /Chiusura anno del badge B100001/);
      assert.match(await page.getByRole('table', { name: /Anni scolastici finiti/ }).innerText(), /2026\/2027[\s\S]*25,90\s€[\s\S]*Da chiudere/);
      // A refund without an IBAN: refused at the field.
      await page.locator('[name="azione"]').selectOption('rimborso');
      await page.getByRole('button', { name: 'Mostra l’effetto' }).click();
      await onPage(page, /Chiusura anno del badge B100001/);
      assert.match(await page.locator('#errori').innerText(), /IBAN/);
      await page.locator('[name="azione"]').selectOption('riporto');
      await page.getByRole('button', { name: 'Mostra l’effetto' }).click();
      await onPage(page, /Conferma la chiusura dell’anno/);
      const effect = await page.getByRole('table', { name: /Movimenti che saranno registrati/ }).innerText();
      assert.match(effect, /10\/06\/2027[\s\S]*-25,90\s€/);
      assert.match(effect, /11\/06\/2027[\s\S]*25,90\s€/);
      await page.getByRole('button', { name: 'Conferma e registra' }).click();
      await onPage(page, /Chiusura anno del badge B100001/);
      assert.match(await page.getByRole('status').first().innerText(), /Chiusura dell’anno registrata/);
      assert.match(await page.getByRole('table', { name: /Anni scolastici finiti/ }).innerText(), /25,90\s€ riportati all’anno successivo/);

      // The accounting exports: the page by month, with its CSV and XLSX links.
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await page.getByRole('link', { name: 'Esportazioni contabili', exact: true }).click();
      await onPage(page, /^Esportazioni contabili$/);
      await page.locator('[name="dal"]').fill('2027-01-01');
      await page.locator('[name="per"]').selectOption('mese');
      await page.getByRole('button', { name: 'Mostra' }).click();
      await onPage(page, /^Esportazioni contabili$/);
      assert.match(await page.getByTestId('accounting-total').innerText(), /Totale: \d+ ricevut/);
      assert.ok(await page.getByRole('link', { name: 'Scarica in CSV' }).isVisible());
      // A reversed period: refused at the field.
      await page.locator('[name="dal"]').fill('2027-06-01');
      await page.locator('[name="al"]').fill('2027-05-01');
      await page.getByRole('button', { name: 'Mostra' }).click();
      await onPage(page, /^Esportazioni contabili$/);
      assert.match(await page.locator('#errori').innerText(), /La data finale viene prima/);
      await context.close();
    });

    it('on a phone: no page wider than the screen, targets of 44 × 44 px, axe clean', async () => {
      // Pietro's badge with a credit at the year's end: its page shows the closing form.
      const badge = await t.database.db.selectFrom('badge').select(['id', 'ente_id']).where('code', '=', 'B100002').executeTakeFirstOrThrow();
      await t.database.db
        .insertInto('movement')
        .values({ ente_id: badge.ente_id, badge_id: badge.id, amount_cents: 2_000, kind: 'topup', value_date: '2027-02-01', charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: '2027-02-01T10:00:00Z' })
        .execute();
      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      const problems: string[] = [];
      for (const [path, what] of [
        ['/demo/ufficio/prepagati', 'the badges below the threshold'],
        [`/demo/ufficio/prepagati/tessere/${badge.id}`, 'a badge’s year end'],
        ['/demo/ufficio/contabilita?dal=2027-01-01&al=2027-07-10&per=mese', 'the receipts by month'],
      ] as const) {
        const response = await page.goto(`${t.baseUrl}${path}`);
        assert.equal(response?.status(), 200, path);
        if (what === 'a badge’s year end') assert.ok(await page.getByRole('button', { name: 'Mostra l’effetto' }).isVisible());
        await expectPhoneReady(page, what).catch((error: Error) => problems.push(error.message.split('\n').slice(0, 12).join('\n')));
      }
      await context.close();
      if (problems.length > 0) throw new Error(problems.join('\n\n'));
    });
  });
}
