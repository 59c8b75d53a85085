import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import type { Ente } from '../../src/db/schema';
import { addDays } from '../../src/domain/calendar/local-time';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { buildEnrolment, buildFamily, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();
const DUE = '2026-10-31';

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's reminders in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };
    let holder: { id: number; fiscalCode: string; givenName: string; familyName: string };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2027-03-10T10:00:00+01:00' });
      chromium = await launchChromium();
      const db = t.database.db;
      const enteId = await enteIdOf(db);
      const ente = (await db.selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      const family = await buildFamily(db, enteId);
      holder = family.holder;
      const enrolmentId = await buildEnrolment(db, enteId, family.pupils[0]!, holder);
      const { service_id } = await db.selectFrom('enrolment').select('service_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow();
      await db
        .insertInto('document')
        .values({
          ente_id: enteId, kind: 'documento', year: 1992, number: 1, enrolment_id: enrolmentId, pupil_id: family.pupils[0]!.pupilId, holder_person_id: holder.id,
          service_id, period: '2026-09', issue_date: '2026-10-05', due_date: DUE, total_cents: 5_120, state: 'da_pagare', cancels_document_id: null, reason: null,
          paid_at: null, created_at: '2026-10-05T08:00:00Z',
        })
        .execute();
      for (const days of [15, 45, 90, 150]) await t.app.services.reminders.runDay(ente, addDays(DUE, days));
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo changes the ladder, reads a run’s letters, the forced-collection list, suspends a family; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Solleciti', exact: true }).click();
      await onPage(page, /^Solleciti$/);
      assert.match(await page.locator('main').innerText(), /Primo sollecito[\s\S]*15/);

      // The ladder: a wrong order is refused with the summary and the form kept; then saved.
      await page.getByRole('link', { name: 'Modifica la scala' }).click();
      await onPage(page, /Modifica la scala dei solleciti/);
      await page.getByLabel('Secondo sollecito: giorni dopo la scadenza').fill('10');
      await page.getByRole('button', { name: 'Salva' }).click();
      await onPage(page, /Modifica la scala dei solleciti/);
      assert.match(await page.locator('[role="alert"], .alert-danger, .callout').first().innerText(), /Deve venire dopo il passo precedente/);
      assert.equal(await page.getByLabel('Secondo sollecito: giorni dopo la scadenza').inputValue(), '10');
      await page.getByLabel('Secondo sollecito: giorni dopo la scadenza').fill('40');
      await page.getByRole('button', { name: 'Salva' }).click();
      await onPage(page, /^Solleciti$/);
      assert.match(await page.getByRole('status').first().innerText(), /Scala salvata/);

      // A run's list: the formal notice of 29 January, its letter to download.
      await page.getByRole('link', { name: 'Elenco del 29/01/2027' }).click();
      await onPage(page, /Solleciti del 29\/01\/2027/);
      assert.match(await page.getByRole('table').innerText(), /Sollecito formale/);
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: /Scarica la lettera/ }).first().click();
      assert.match((await download).suggestedFilename(), /^sollecito-formale-1-1992\.pdf$/);

      await page.goto(`${t.baseUrl}/demo/ufficio/solleciti/coattiva`);
      await onPage(page, /Elenco per la riscossione coattiva/);
      assert.match(await page.getByRole('table').innerText(), new RegExp(holder.fiscalCode));

      // A family suspended, from the person's page.
      await page.goto(`${t.baseUrl}/demo/ufficio/anagrafe/persone/${holder.id}`);
      await onPage(page, new RegExp(holder.familyName));
      assert.match(await page.locator('section[aria-labelledby="solleciti-persona"]').innerText(), /Riscossione coattiva/);
      await page.getByRole('link', { name: 'Gestisci le sospensioni' }).click();
      await onPage(page, /Famiglie sospese/);
      assert.equal(await page.getByLabel('Codice fiscale dell’intestatario').inputValue(), holder.fiscalCode);
      await page.getByLabel('Motivo').fill('Presa in carico dei servizi sociali');
      await page.getByLabel('Sospesa fino al (compreso)').fill('30/06/2027');
      await page.getByRole('button', { name: 'Sospendi i solleciti' }).click();
      await onPage(page, /Famiglie sospese/);
      assert.match(await page.getByRole('table').innerText(), /Presa in carico dei servizi sociali/);
      await page.getByRole('button', { name: /Termina ora/ }).click();
      await onPage(page, /Famiglie sospese/);
      assert.match(await page.getByRole('status').first().innerText(), /Sospensione terminata/);
      await context.close();
    });
  });
}
