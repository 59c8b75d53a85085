import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { ADA, startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import type { Ente } from '../../src/db/schema';
import { buildFamily, enteIdOf } from '../helpers/builders';
import { buildBadge, buildCanteenEnrolment, buildCharge, buildDocument } from '../helpers/money-builders';
import { okReceiptFor } from '../helpers/receipts';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's corrections in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };
    let tommaso: number;
    let documentNumber: string;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-12-07T10:00:00+01:00' });
      chromium = await launchChromium();
      const db = t.database.db;
      // Ada's son Tommaso has the postpaid canteen: one document of October, built here (no billing run).
      const enrolment = await db
        .selectFrom('enrolment as e')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .innerJoin('person as h', 'h.id', 'e.holder_person_id')
        .select(['e.id', 'e.ente_id', 'e.pupil_id', 'e.service_id', 'e.holder_person_id', 'e.tariff_id'])
        .where('h.fiscal_code', '=', ADA)
        .where('s.kind', '=', 'refezione')
        .where('s.billing', '=', 'postpaid')
        .executeTakeFirstOrThrow();
      tommaso = enrolment.pupil_id;
      const doc = await buildDocument(db, enrolment.ente_id, {
        enrolmentId: enrolment.id, pupilId: tommaso, holderId: enrolment.holder_person_id, serviceId: enrolment.service_id,
        period: '2026-10', dueDate: '2026-11-30', lines: [4160, -832], withNotice: true,
      });
      documentNumber = `${doc.number}/${doc.year}`;
      // A prepaid meal of another pupil of the demo, to reverse; a badge to credit.
      const prepaid = await db
        .selectFrom('badge as b')
        .innerJoin('enrolment as e', (join) => join.onRef('e.pupil_id', '=', 'b.pupil_id').onRef('e.service_id', '=', 'b.service_id'))
        .select(['b.id as badgeId', 'b.pupil_id', 'b.service_id', 'e.id as enrolmentId', 'e.tariff_id', 'e.ente_id'])
        .where('b.active', '=', 1)
        .executeTakeFirst();
      if (prepaid) {
        await buildCharge(db, prepaid.ente_id, { enrolmentId: prepaid.enrolmentId, pupilId: prepaid.pupil_id, tariffId: prepaid.tariff_id, date: '2026-12-02', amountCents: 450, badgeId: prepaid.badgeId });
      } else {
        await buildBadge(db, enrolment.ente_id, { pupilId: tommaso, serviceId: enrolment.service_id });
      }
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco cancels one of Ada’s documents with its credit note, and Ada sees the credit note; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Documenti e rettifiche', exact: true }).click();
      await onPage(page, /^Documenti e rettifiche$/);

      await page.getByLabel(/Numero del documento/).fill('lovelace');
      await page.getByRole('button', { name: 'Cerca' }).click();
      await onPage(page, /^Documenti e rettifiche$/);
      await page.getByRole('link', { name: new RegExp(`Documento ${documentNumber}`) }).click();
      await onPage(page, new RegExp(`Documento n\\. ${documentNumber}`));
      assert.match(await page.locator('main').innerText(), /33,28\s€/);

      await page.getByRole('link', { name: /Annulla il documento/ }).click();
      await onPage(page, /Annulla il documento/);
      // No reason: refused, the summary first.
      await page.getByRole('button', { name: 'Verifica l’effetto' }).click();
      await onPage(page, /Annulla il documento/);
      assert.match(await page.locator('.alert-danger, [role="alert"]').first().innerText(), /Scrivi il motivo/);
      await page.getByLabel('Motivo').fill('Documento emesso per errore: il bambino era in gita');
      await page.getByRole('button', { name: 'Verifica l’effetto' }).click();
      await onPage(page, /Conferma la correzione/);
      assert.match(await page.locator('main').innerText(), /nota di credito di -33,28\s€/);
      await page.getByRole('button', { name: 'Conferma' }).click();
      await onPage(page, new RegExp(`Documento n\\. ${documentNumber}`));
      assert.match(await page.getByRole('status').first().innerText(), /Documento annullato/);
      await page.getByRole('link', { name: /Annullato dalla nota di credito/ }).click();
      await onPage(page, /Nota di credito n\./);

      // The pupil's charges and badges, a reversal's and a manual movement's forms and their effect pages.
      await page.getByRole('link', { name: 'Addebiti e badge dell’alunno' }).click();
      await onPage(page, /Addebiti e badge di/);
      const prepaid = await t.database.db.selectFrom('charge').select(['id', 'pupil_id']).where('date', '=', '2026-12-02').where('amount_cents', '=', 450).executeTakeFirst();
      if (prepaid) {
        await page.goto(`${t.baseUrl}/demo/ufficio/documenti/addebiti/${prepaid.id}/storno`);
        await onPage(page, /Storno di un addebito/);
        await page.getByLabel('Motivo').fill('Uscito prima di pranzo');
        await page.getByRole('button', { name: 'Verifica l’effetto' }).click();
        await onPage(page, /Conferma la correzione/);
        await page.getByRole('button', { name: 'Conferma' }).click();
        await onPage(page, /Addebiti e badge di/);
        assert.match(await page.getByRole('status').first().innerText(), /Addebito stornato/);
      }
      await page.getByRole('link', { name: /Accredito o addebito manuale/ }).first().click();
      await onPage(page, /Accredito o addebito manuale/);
      await page.getByLabel('Importo in euro').fill('5');
      await page.getByLabel('Motivo').fill('Rimborso della gita annullata');
      await page.getByRole('button', { name: 'Verifica l’effetto' }).click();
      await onPage(page, /Conferma la correzione/);
      await page.getByRole('button', { name: 'Conferma' }).click();
      await onPage(page, /Addebiti e badge di/);
      assert.match(await page.getByRole('status').first().innerText(), /Movimento registrato/);
      await context.close();

      // Ada, in Documenti contabili, sees the credit note beside the cancelled document.
      const parent = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const portal = await parent.newPage();
      await portal.goto(`${t.baseUrl}/demo/documenti-contabili?utente=${tommaso}`);
      await (await TestIdpLoginPage.on(portal)).logInAs(/Ada Lovelace/);
      await portal.goto(`${t.baseUrl}/demo/documenti-contabili?utente=${tommaso}`);
      const listed = await portal.locator('main').innerText();
      assert.match(listed, /Nota di credito/);
      assert.match(listed, /-33,28\s€|−33,28\s€/);
      assert.match(listed, /Annullato/);
      await parent.close();
    });

    it('Marco resolves a kept receipt and splits a family’s overdue documents into instalments; every page passes axe at 375 px', async () => {
      const db = t.database.db;
      const enteId = await enteIdOf(db);
      const ente = (await db.selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      const { holder, pupils } = await buildFamily(db, enteId);
      const postpaid = await buildCanteenEnrolment(db, enteId, pupils[0]!, holder, 'postpaid');
      for (const [period, due, amount] of [['2026-09', '2026-10-31', 3120], ['2026-10', '2026-11-30', 2890]] as const) {
        await buildDocument(db, enteId, { ...postpaid, pupilId: pupils[0]!.pupilId, holderId: holder.id, period, dueDate: due, lines: [amount], withNotice: true });
      }
      const nav = `3${String(98_000_000_000_000_000n + BigInt(process.pid)).slice(-17)}`;
      await t.app.services.receipts.apply(
        okReceiptFor({ nav, iuv: nav.slice(1), amount_cents: 1500, description: 'Pagamento di prova', tax_code: ente.tax_code, name: ente.name, fiscal_code: holder.fiscalCode, given_name: holder.givenName, family_name: holder.familyName }, `e2e-${process.pid}`),
        '<receipt/>',
        'push',
      );

      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/ricevute`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ricevute pagoPA da controllare/);
      await page.getByRole('link', { name: /Risolvi/ }).first().click();
      await onPage(page, /Risolvi una ricevuta pagoPA/);
      await page.locator('[name="azione"]').selectOption('rimborso');
      await page.getByLabel('Importo da rimborsare in euro').fill('15');
      await page.getByLabel('Motivo').fill('Pagamento doppio: da rimborsare');
      await page.getByRole('button', { name: 'Registra' }).click();
      await onPage(page, /Ricevute pagoPA da controllare/);
      assert.match(await page.getByRole('status').first().innerText(), /Ricevuta risolta/);
      assert.match(await page.locator('main').innerText(), /Rimborso da fare: 15,00/);

      await page.goto(`${t.baseUrl}/demo/ufficio/rateizzazioni`);
      await onPage(page, /^Rateizzazioni$/);
      await page.getByLabel(/Codice fiscale o cognome/).fill(holder.fiscalCode);
      await page.getByRole('button', { name: 'Cerca' }).click();
      await onPage(page, /^Rateizzazioni$/);
      await page.getByRole('link', { name: `${holder.familyName} ${holder.givenName}` }).click();
      await onPage(page, /Rateizzazione per/);
      await page.getByLabel('Numero di rate').fill('4');
      await page.getByLabel('Scadenza della prima rata').fill('15/01/2027');
      await page.getByLabel('Motivo').fill('Accordo con la famiglia');
      await page.getByRole('button', { name: 'Verifica le rate' }).click();
      await onPage(page, /Conferma la rateizzazione/);
      assert.match(await page.locator('main').innerText(), /Totale delle rate: 60,10\s€/);
      await page.getByRole('button', { name: 'Conferma la rateizzazione' }).click();
      await onPage(page, /Piano di rateizzazione n\./);
      assert.match(await page.getByRole('status').first().innerText(), /Rateizzazione registrata/);
      assert.match(await page.locator('main').innerText(), /15,03\s€[\s\S]*15,03\s€[\s\S]*15,02\s€[\s\S]*15,02\s€/);
      await context.close();
    });
  });
}
