import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { fixedClock } from '../../src/domain/clock';
import { createServices } from '../../src/domain/services';
import { ADA, startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, expectPhoneReady, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`messages to families in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00', MAIL_SANDBOX_PORT: String(await freePort()) }, undefined, { history: true });
      // The demo's past queued its own messages (September to October); this test is about the next billing.
      await t.database.db.deleteFrom('message_outbox').execute();
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Ada chooses App IO only for new documents; after the monthly billing she has an App IO message about Tommaso\'s new document and no e-mail', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();

      await page.goto(`${t.baseUrl}/demo/preferenze-messaggi`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace/);
      await onPage(page, /^Preferenze messaggi$/);
      assert.match(await page.locator('main').innerText(), /ada\.lovelace@example\.org/);
      const notices = page.getByRole('group', { name: 'Nuovo documento da pagare' });
      // Bootstrap Italia draws its own check boxes: a person clicks the label.
      assert.ok(await notices.getByLabel('E-mail').isChecked(), 'e-mail is the default');
      await notices.locator('label', { hasText: 'E-mail' }).click();
      await notices.locator('label', { hasText: 'App IO' }).click();
      await page.getByRole('button', { name: 'Salva le preferenze' }).click();
      await onPage(page, /^Preferenze messaggi$/);
      assert.match(await page.getByRole('status').innerText(), /Preferenze salvate/);
      assert.ok(!(await notices.getByLabel('E-mail').isChecked()));
      assert.ok(await notices.getByLabel('App IO').isChecked());
      await expectPhoneReady(page, 'the preferences page');
      await page.goto(`${t.baseUrl}/demo/`);
      await expectPhoneReady(page, 'the service list with its link to the preferences');

      // Ada is on App IO and accepts the Comune's messages (the sandbox's page plays her app).
      await page.goto(`${t.baseUrl}/io-sandbox/`);
      await onPage(page, /Sandbox App IO/);
      await page.getByLabel('Codice fiscale').fill(ADA);
      await page.getByRole('button', { name: 'Salva il profilo' }).click();
      await onPage(page, /Sandbox App IO/);

      // December 2nd: the scheduler's steps freeze and charge the last days, bill November, issue its notices, send.
      const december = createServices(t.database.db, fixedClock(new Date('2026-12-02T10:00:00+01:00')), () => {}, t.config);
      try {
        await december.freeze.freezeDueDays();
        await december.charging.chargeDueDays();
        const billed = await december.billing.billDueMonths();
        assert.ok(billed.some((b) => b.period === '2026-11' && b.documents > 0), 'November is billed');
        await december.notices.issueDueNotices();
        await december.messages.deliverDue();
      } finally {
        december.messages.close();
        await december.audit.flush();
      }
      const db = t.database.db;
      const tommaso = await db
        .selectFrom('document as d')
        .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
        .innerJoin('person as c', 'c.id', 'p.person_id')
        .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
        .select(['d.id', 'n.nav', 'n.amount_cents'])
        .where('c.given_name', '=', 'Tommaso')
        .where('c.family_name', '=', 'Lovelace')
        .where('d.period', '=', '2026-11')
        .execute();
      assert.ok(tommaso.length >= 1, 'Tommaso has a new document');

      await page.goto(`${t.baseUrl}/io-sandbox/`);
      await onPage(page, /Sandbox App IO/);
      const received = await db.selectFrom('sandbox_io_message').selectAll().where('fiscal_code', '=', ADA).execute();
      assert.equal(received.length, tommaso.length, 'one App IO message per new document of Tommaso');
      for (const message of received) {
        assert.match(message.subject, /^Tommaso: nuovo documento/);
        const payment = JSON.parse(message.payment_data!) as { notice_number: string; amount: number };
        assert.ok(tommaso.some((d) => d.nav === payment.notice_number && d.amount_cents === payment.amount), 'the notice of one of his documents');
      }
      const list = await page.locator('main').innerText();
      assert.match(list, /Tommaso: nuovo documento dei servizi scolastici/);
      assert.match(list, /Avviso di pagamento: [\d.,]+ € · codice avviso \d{18}/);

      await page.goto(`${t.baseUrl}/mail-sandbox/`);
      await onPage(page, /Posta di prova/);
      const mails = await db.selectFrom('sandbox_mail').select('subject').where('envelope_to', '=', 'ada.lovelace@example.org').execute();
      assert.deepEqual(mails.filter((m) => /nuovo documento/.test(m.subject)), [], 'no e-mail about a new document');
      await context.close();
    });

    it('Marco Polo writes to the families of a class, previews and sends; Ada\'s history shows the messages; every page passes axe at 375 px', async () => {
      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Messaggi alle famiglie' }).first().click();
      await onPage(page, /^Messaggi alle famiglie$/);
      const tommaso = await t.database.db
        .selectFrom('pupil as p')
        .innerJoin('person as c', 'c.id', 'p.person_id')
        .innerJoin('school as s', 's.id', 'p.school_id')
        .select(['p.class_name', 's.name as school'])
        .where('c.given_name', '=', 'Tommaso')
        .where('c.family_name', '=', 'Lovelace')
        .executeTakeFirstOrThrow();

      // Too short a subject: refused, the summary first, the text kept.
      await page.getByLabel('Destinatari').selectOption({ label: 'Una classe di una scuola' });
      await page.getByLabel('Scuola').selectOption({ label: tommaso.school });
      await page.getByLabel('Classe').fill(tommaso.class_name);
      await page.getByLabel('Oggetto').fill('No');
      await page.getByLabel('Testo del messaggio').fill('Venerdì la mensa resta chiusa per lo sciopero del personale.');
      await page.getByRole('button', { name: 'Anteprima' }).click();
      await onPage(page, /^Messaggi alle famiglie$/);
      assert.match(await page.locator('.alert-danger').first().innerText(), /Oggetto: L’oggetto deve avere da 5 a 100 caratteri/);
      assert.equal(await page.getByLabel('Testo del messaggio').inputValue(), 'Venerdì la mensa resta chiusa per lo sciopero del personale.');

      await page.getByLabel('Oggetto').fill('Sciopero di venerdì');
      await page.getByRole('button', { name: 'Anteprima' }).click();
      await onPage(page, /^Anteprima del messaggio$/);
      await expectPhoneReady(page, 'the preview of a message');
      assert.match(await page.locator('main').innerText(), /: Sciopero di venerdì/);
      await page.getByRole('button', { name: 'Invia il messaggio' }).click();
      await onPage(page, /^Messaggi alle famiglie$/);
      assert.match(await page.getByRole('status').innerText(), /Messaggio accodato per le famiglie di \d+ alunni/);

      await t.app.services.messages.deliverDue();
      const ada = await t.database.db.selectFrom('person').select('id').where('fiscal_code', '=', ADA).executeTakeFirstOrThrow();
      await page.goto(`${t.baseUrl}/demo/ufficio/anagrafe/persone/${ada.id}`);
      await page.getByRole('link', { name: 'Messaggi inviati' }).click();
      await onPage(page, /^Messaggi inviati: Ada Lovelace$/);
      await expectPhoneReady(page, 'a person’s messages');
      const history = await page.getByRole('table').innerText();
      assert.match(history, /Comunicazioni dell’ufficio[\s\S]*E-mail[\s\S]*Inviato[\s\S]*ada\.lovelace@example\.org/);
      assert.match(history, /Nuovo documento da pagare[\s\S]*App IO[\s\S]*Inviato/);
      await context.close();
    });
  });
}
