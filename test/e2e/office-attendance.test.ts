import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import type { Ente } from '../../src/db/schema';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { type BuiltPerson, buildOperator } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { ErrorPage, TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

// Thursday 26 November 2026, 08:00 in Rome: before the demo ente's cut-off (09:30).
const NOW = '2026-11-26T08:00:00+01:00';
const YESTERDAY = '2026-11-25';

/** Logs an operator a test built in, through the test identity provider's form for anyone. */
async function logInAs(page: Page, person: BuiltPerson): Promise<void> {
  const form = page.locator('form[action$="/login-as"]');
  await form.getByLabel('Codice fiscale').fill(person.fiscalCode);
  await form.getByLabel('Nome', { exact: true }).fill(person.givenName);
  await form.getByLabel('Cognome').fill(person.familyName);
  await form.getByRole('button', { name: 'Accedi come questa persona' }).click();
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`attendance at school in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };
    let ente: Ente;
    let arcobaleno: number;
    let tigli: number;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      chromium = await launchChromium();
      const db = t.database.db;
      ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      const school = (name: string) => db.selectFrom('school').select('id').where('ente_id', '=', ente.id).where('name', '=', name).executeTakeFirstOrThrow();
      arcobaleno = (await school('Scuola primaria Arcobaleno')).id;
      tigli = (await school('Scuola primaria Via dei Tigli')).id;
      // Yesterday closed and charged, as the jobs would have done it.
      await t.app.services.freeze.freezeDay(ente, YESTERDAY);
      await t.app.services.charging.chargeDay(ente, YESTERDAY);
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('a scuola operator marks an absence in its own school\'s list and cannot see another school\'s', async () => {
      const operator = await buildOperator(t.database.db, ente.id, 'scuola', arcobaleno);
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/presenze`);
      await TestIdpLoginPage.on(page);
      await logInAs(page, operator);
      await onPage(page, /Presenze a scuola — Scuola primaria Arcobaleno/);
      assert.match((await page.locator('main').textContent()) ?? '', /Fino alle 09:30 del 26\/11\/2026/);

      // The first pupil of the first class, ticked absent and saved with the class's button.
      const section = page.locator('main section').first();
      const box = section.locator('input[name="assente"]').first();
      const pupilId = await box.getAttribute('value');
      assert.equal(await box.isChecked(), false);
      await box.check();
      await section.getByRole('button', { name: /Salva le presenze della classe/ }).click();
      await onPage(page, /Presenze a scuola — Scuola primaria Arcobaleno/);
      assert.match((await page.getByRole('status').first().textContent()) ?? '', /Salvata 1 modifica/);
      assert.equal(await page.locator(`#assente-${pupilId}`).isChecked(), true);
      const row = page.locator('tr', { has: page.locator(`#assente-${pupilId}`) });
      assert.match((await row.textContent()) ?? '', /Assente\s*\(segnata dalla scuola\)/);
      const change = await t.database.db.selectFrom('attendance_change').select(['status', 'source']).where('pupil_id', '=', Number(pupilId)).where('date', '=', '2026-11-26').executeTakeFirstOrThrow();
      assert.deepEqual(change, { status: 'absent', source: 'school' });

      // Another school's list: refused, and the school chooser offers only the operator's own.
      assert.equal(await page.locator('select#scuola option').count(), 1);
      const refused = await page.goto(`${t.baseUrl}/demo/ufficio/presenze?scuola=${tigli}&data=2026-11-26`);
      assert.equal(refused?.status(), 403);
      await ErrorPage.on(page, 'Accesso non consentito');
      await context.close();
    });

    it('the office corrects a closed day, enters a phoned-in absence, and the kitchen sees provisional and final counts', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/presenze?scuola=${arcobaleno}&data=${YESTERDAY}`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Presenze a scuola — Scuola primaria Arcobaleno/);
      assert.match((await page.locator('main').textContent()) ?? '', /Giornata chiusa il/);

      await page.getByRole('link', { name: 'Correggi', exact: true }).first().click();
      await onPage(page, /Correzione della presenza di/);
      await page.getByRole('button', { name: 'Registra la correzione' }).click();
      await onPage(page, /Correzione della presenza di/);
      assert.match((await page.locator('#errori').textContent()) ?? '', /Scrivi il motivo della correzione/);
      await page.locator('[name="stato"]').selectOption('absent');
      await page.locator('[name="motivo"]').fill('Mandato a casa per malattia');
      await page.getByRole('button', { name: 'Registra la correzione' }).click();
      await onPage(page, /Correzione della presenza di/);
      assert.match((await page.getByRole('status').first().textContent()) ?? '', /Correzione registrata/);
      await page.getByRole('link', { name: 'Torna all’elenco delle presenze' }).click();
      await onPage(page, /Presenze a scuola/);
      assert.match((await page.locator('main').textContent()) ?? '', /Corretto dopo l’orario limite/);

      await page.goto(`${t.baseUrl}/demo/ufficio/presenze?scuola=${arcobaleno}&data=2026-11-26`);
      await onPage(page, /Presenze a scuola/);
      await page.getByRole('link', { name: 'Assenza telefonata', exact: true }).first().click();
      await onPage(page, /Assenza comunicata per telefono/);
      await page.locator('[name="dal"]').fill('27/11/2026');
      await page.getByRole('button', { name: 'Registra l’assenza' }).click();
      await onPage(page, /Ricevuta dell’assenza registrata/);
      assert.match((await page.locator('main').textContent()) ?? '', /Numero di protocollo: 2026\/\d{6}/);

      await page.goto(`${t.baseUrl}/demo/ufficio/pasti`);
      await onPage(page, /Pasti del giorno — giovedì 26\/11\/2026 \(provvisori\)/);
      await page.getByRole('link', { name: /Versione da stampare per Scuola primaria Arcobaleno/ }).click();
      await onPage(page, /Scuola primaria Arcobaleno — giovedì 26\/11\/2026 \(provvisori\)/);
      // The deferred script shows the button once the page is parsed: wait for it rather than look at once.
      await page.getByRole('button', { name: 'Stampa' }).waitFor({ state: 'visible', timeout: 5000 });
      await page.getByRole('link', { name: 'Torna ai pasti del giorno' }).click();
      await onPage(page, /Pasti del giorno/);

      await page.goto(`${t.baseUrl}/demo/ufficio/pasti?data=${YESTERDAY}`);
      await onPage(page, /Pasti del giorno — mercoledì 25\/11\/2026$/);
      const changes = page.getByRole('table', { name: /Variazioni dopo l’orario limite/ });
      assert.match((await changes.textContent()) ?? '', /−1/);
      await context.close();
    });
  });
}
