import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium, Page } from 'playwright-core';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

/** A fictitious family the office registers from nothing: none of them is in the demo data. */
interface Person { familyName: string; givenName: string; sex: 'F' | 'M'; birthDate: string; placeCode: string }
const CHILD: Person = { familyName: 'Valori', givenName: 'Bianca', sex: 'F', birthDate: '2019-03-14', placeCode: 'H501' };
const HOLDER: Person = { familyName: 'Valori', givenName: 'Carlo', sex: 'M', birthDate: '1984-07-02', placeCode: 'H501' };
const SECOND: Person = { familyName: 'Neri', givenName: 'Dora', sex: 'F', birthDate: '1986-11-23', placeCode: 'F205' };
const cf = (person: Person) => fiscalCodeFor(person);

async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const field = page.locator(`[name="${name}"]`);
    if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption({ label: value });
    else await field.fill(value);
  }
}

function personFields(prefix: string, person: Person): Record<string, string> {
  const [y, m, d] = person.birthDate.split('-');
  return {
    [`${prefix}cognome`]: person.familyName,
    [`${prefix}nome`]: person.givenName,
    [`${prefix}sesso`]: person.sex === 'F' ? 'Femmina' : 'Maschio',
    [`${prefix}data_nascita`]: `${d}/${m}/${y}`,
    [`${prefix}luogo_nascita`]: 'Roma',
    [`${prefix}indirizzo`]: 'Via delle Prove 7',
    [`${prefix}cap`]: '00100',
    [`${prefix}comune`]: 'Roma',
    [`${prefix}provincia`]: 'RM',
  };
}

/** Logs a person in through the test identity provider's form for anyone with a valid codice fiscale. */
async function logInAsAnyone(page: Page, person: Person): Promise<void> {
  const form = page.locator('form[action$="/login-as"]');
  await form.getByLabel('Codice fiscale').fill(cf(person));
  await form.getByLabel('Nome', { exact: true }).fill(person.givenName);
  await form.getByLabel('Cognome').fill(person.familyName);
  await form.getByRole('button', { name: 'Accedi come questa persona' }).click();
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office registers a family in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo creates a holder, a pupil, a canteen enrolment and a badge, and adds a second parent; both parents see the Scheda, nobody else does', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();

      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Anagrafe', exact: true }).click();
      await onPage(page, /Anagrafe/);

      // The pupil and the holder, both new: step 1 the two codes, step 2 their data, school and class.
      await page.goto(`${t.baseUrl}/demo/ufficio/anagrafe/alunni/nuovo`);
      await onPage(page, /Nuovo alunno/);
      await fill(page, { alunno_codice_fiscale: cf(CHILD), intestatario_codice_fiscale: cf(HOLDER) });
      await page.getByRole('button', { name: 'Continua' }).click();
      await onPage(page, /Nuovo alunno/);
      const school = (await page.locator('[name="scuola"] option').nth(1).textContent())!.trim();
      await fill(page, { ...personFields('alunno_', CHILD), scuola: school, classe: '1A', ...personFields('intestatario_', HOLDER) });
      await page.getByRole('button', { name: 'Crea l’alunno' }).click();
      await onPage(page, /Valori Bianca|Bianca Valori/);
      const pupilPath = new URL(page.url()).pathname;
      assert.match(pupilPath, /^\/demo\/ufficio\/anagrafe\/alunni\/\d+$/);

      // The enrolment in the prepaid canteen of this school year.
      await page.goto(`${t.baseUrl}${pupilPath}/iscrizioni/nuova`);
      await onPage(page, /iscrizione/i);
      await fill(page, { servizio: 'Refezione scolastica (prepagata)', anno: '2026/2027' });
      const band = page.locator('[name="fascia"] option[value]:not([value=""])').first();
      await page.locator('[name="fascia"]').selectOption(await band.getAttribute('value'));
      await page.getByRole('button', { name: /Crea l’iscrizione|Salva l’iscrizione|Iscrivi/ }).click();
      await onPage(page, /Refezione scolastica \(prepagata\), 2026\/2027/);

      // The badge of that service.
      await page.goto(`${t.baseUrl}${pupilPath}/badge`);
      await onPage(page, /[Bb]adge/);
      await fill(page, { codice: 'B777001' });
      await page.locator('form[action$="/badge"] button[type="submit"]').click();
      await onPage(page, /[Bb]adge/);
      assert.match(await page.locator('main').innerText(), /B777001/);

      // The second parent: a new person, linked as cointestatario.
      await page.goto(`${t.baseUrl}${pupilPath}/adulti`);
      await onPage(page, /Adulti collegati/);
      await page.locator('[name="legame"]').selectOption('cointestatario');
      await fill(page, { codice_fiscale: cf(SECOND) });
      await page.locator('form[action$="/adulti"] button[type="submit"]').click();
      await onPage(page, /Adulti collegati/);
      await page.locator('[name="legame"]').selectOption('cointestatario');
      await fill(page, personFields('', SECOND));
      await page.locator('form[action$="/adulti"] button[type="submit"]').click();
      await onPage(page, /Adulti collegati/);
      assert.match(await page.locator('main').innerText(), /Dora Neri|Neri Dora/);

      // What the office sees of the pupil: the parent's pages and the history of the changes just made.
      await page.goto(`${t.baseUrl}${pupilPath}`);
      await onPage(page, /Valori Bianca|Bianca Valori/);
      const office = await page.locator('main').innerText();
      assert.match(office, /Carlo Valori|Valori Carlo/);
      assert.match(office, /Dora Neri|Neri Dora/);
      await page.goto(`${t.baseUrl}/demo/ufficio/registro-attivita`);
      await onPage(page, /Registro attività/);
      await page.goto(`${t.baseUrl}/demo/ufficio/anagrafe?q=valori`);
      await onPage(page, /Anagrafe/);
      assert.match(await page.locator('main').innerText(), /Valori Bianca|Bianca Valori/);
      await context.close();

      // Each parent logs in with their own codice fiscale and sees the pupil's Scheda.
      for (const parent of [HOLDER, SECOND]) {
        const own = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
        const parentPage = await own.newPage();
        await parentPage.goto(`${t.baseUrl}/demo/scheda-anagrafica`);
        await TestIdpLoginPage.on(parentPage);
        await logInAsAnyone(parentPage, parent);
        await onPage(parentPage, /Scheda anagrafica/);
        const scheda = await parentPage.locator('main').innerText();
        assert.match(scheda, /Bianca/);
        assert.match(scheda, /Refezione scolastica \(prepagata\)/);
        assert.match(scheda, /B777001/);
        await own.close();
      }

      // Someone linked to no pupil sees the error page and no data.
      const stranger = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const strangerPage = await stranger.newPage();
      await strangerPage.goto(`${t.baseUrl}/demo/scheda-anagrafica`);
      await TestIdpLoginPage.on(strangerPage);
      await logInAsAnyone(strangerPage, { familyName: 'Estranei', givenName: 'Ugo', sex: 'M', birthDate: '1970-01-05', placeCode: 'H501' });
      await onPage(strangerPage, /Nessun alunno associato/);
      assert.doesNotMatch(await strangerPage.locator('main').innerText(), /Bianca/);
      await stranger.close();
    });
  });
}
