/**
 * The back office of issue 13 on a 375 px phone: every page an amministratore opens in the registry,
 * the import, the operators and the logs — nothing wider than the screen, every link, button and field
 * at least 44 × 44 px, axe's WCAG 2.1 AA scan clean. (The forms' flows are tested in backoffice.test.ts
 * and office-files.test.ts; here, what each page is on a phone.)
 */
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { ADA, startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, expectPhoneReady, launchChromium, PHONE } from '../helpers/browser';
import { enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the office's registry on a 375 px phone (${engine})`, { skip: skip || engineSkip }, () => {
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

    it('Marco Polo opens every page of the registry, the import, the operators and the logs', async () => {
      const db = t.database.db;
      const demo = await enteIdOf(db);
      const ada = await db.selectFrom('person').select('id').where('ente_id', '=', demo).where('fiscal_code', '=', ADA).executeTakeFirstOrThrow();
      const sofia = await db
        .selectFrom('pupil')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .select(['pupil.id', 'pupil.person_id as personId'])
        .where('pupil.ente_id', '=', demo)
        .where('person.given_name', '=', 'Sofia')
        .where('person.family_name', '=', 'Lovelace')
        .executeTakeFirstOrThrow();
      const enrolment = await db.selectFrom('enrolment').select('id').where('pupil_id', '=', sofia.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      const operator = await db.selectFrom('operator').select('id').where('ente_id', '=', demo).orderBy('id').executeTakeFirstOrThrow();

      const context = await chromium.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await expectPhoneReady(page, 'the office home');
      const pupil = `/demo/ufficio/anagrafe/alunni/${sofia.id}`;
      const pages: [string, string][] = [
        ['/demo/ufficio/anagrafe', 'the search, empty'],
        ['/demo/ufficio/anagrafe?q=lovelace', 'the search with results'],
        ['/demo/ufficio/anagrafe?q=%00', 'the search refusing a text'],
        [pupil, 'a pupil'],
        [`${pupil}/modifica`, 'a pupil’s edit form'],
        [`${pupil}/adulti`, 'the adults of a pupil'],
        [`${pupil}/iscrizioni/nuova`, 'a new enrolment'],
        [`${pupil}/iscrizioni/${enrolment.id}`, 'an enrolment'],
        [`${pupil}/badge`, 'the badges of a pupil'],
        [`${pupil}/allegati`, 'the attachments of a pupil'],
        ['/demo/ufficio/anagrafe/alunni/nuovo', 'a new pupil'],
        [`/demo/ufficio/anagrafe/persone/${ada.id}`, 'a person'],
        [`/demo/ufficio/anagrafe/persone/${ada.id}/modifica`, 'a person’s edit form'],
        [`/demo/ufficio/anagrafe/persone/${ada.id}/allegati`, 'the attachments of a person'],
        ['/demo/ufficio/anagrafe/persone/nuova', 'a new person'],
        ['/demo/ufficio/importa', 'the import'],
        ['/demo/ufficio/operatori', 'the operators'],
        ['/demo/ufficio/operatori/nuovo', 'a new operator'],
        [`/demo/ufficio/operatori/${operator.id}`, 'an operator'],
        ['/demo/ufficio/registro-attivita', 'the activity log'],
        ['/demo/ufficio/ricevute', 'the receipts to check'],
        ['/demo/ufficio/pasti?data=2026-11-25', 'the kitchen’s counts'],
      ];
      const problems: string[] = [];
      for (const [path, what] of pages) {
        const response = await page.goto(`${t.baseUrl}${path}`);
        if (!response || response.status() >= 500 || response.status() === 404) problems.push(`${what}: ${path} answered ${response?.status()}`);
        else await expectPhoneReady(page, what).catch((error: Error) => problems.push(error.message.split('\n').slice(0, 12).join('\n')));
      }
      await context.close();
      if (problems.length > 0) throw new Error(problems.join('\n\n'));
    });
  });
}
