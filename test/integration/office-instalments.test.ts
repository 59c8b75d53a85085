import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { buildCanteenEnrolment, buildDocument } from '../helpers/money-builders';
import { valueOf } from '../helpers/office-people';
import { pdfText } from '../helpers/pdf';
import { okReceiptFor } from '../helpers/receipts';

const NOW = '2026-12-07T10:00:00+01:00';
const t = messages.officeCorrections.instalments;
const BASE = '/demo/ufficio/rateizzazioni';

for (const { engine, skip } of testEngines()) {
  describe(`instalment plans in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let holder: BuiltPerson;
    let pupil: BuiltPupil;
    let overdue: { id: number; totalCents: number }[];
    let notDue: { id: number };
    const db = () => app.database.db;
    const plans = async () => Number((await db().selectFrom('instalment_plan').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const instalmentRows = async () => Number((await db().selectFrom('instalment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      const family = await buildFamily(db(), enteId);
      holder = family.holder;
      pupil = family.pupils[0]!;
      const postpaid = await buildCanteenEnrolment(db(), enteId, pupil, holder, 'postpaid');
      const doc = (period: string, dueDate: string, lines: number[]) =>
        buildDocument(db(), enteId, { ...postpaid, pupilId: pupil.pupilId, holderId: holder.id, period, dueDate, lines, withNotice: true });
      overdue = [await doc('2026-09', '2026-10-31', [2080]), await doc('2026-10', '2026-11-30', [999]), await doc('2026-08', '2026-09-30', [1234])];
      notDue = await doc('2026-11', '2026-12-31', [500]);
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    const holderPath = () => `${BASE}/intestatari/${holder.id}`;

    it('finds the holder with the overdue amount', async () => {
      const page = await office.get(`${BASE}?q=${encodeURIComponent(holder.fiscalCode)}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`href="${holderPath()}"`));
      assert.match(page.body, /43,13/);
      assert.equal((await office.get(`${BASE}?q=x`)).statusCode, 422);
      assert.equal((await office.get(`${BASE}?q=${'a'.repeat(101)}`)).statusCode, 422);
    });

    it('refuses bad input with 422 and writes nothing: counts out of range, huge numbers, NUL, impossible or past dates', async () => {
      const page = await office.get(holderPath());
      assert.equal(page.statusCode, 200);
      const form = { _csrf: office.csrfFrom(page.body), chiave: valueOf(page.body, 'chiave')!, totale: valueOf(page.body, 'totale')! };
      assert.equal(form.totale, '4313');
      const valid = { ...form, rate: '3', prima_scadenza: '15/01/2027', motivo: 'Difficoltà economiche documentate dai servizi sociali' };
      for (const [fields, problem] of [
        [{ rate: '1' }, t.problems.countRange],
        [{ rate: '37' }, t.problems.countRange],
        [{ rate: '99999999999999999999' }, t.problems.countRange],
        [{ rate: '3\u0000' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'Motivo\u0000' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'no' }, t.problems.reasonRequired],
        [{ prima_scadenza: '31/02/2027' }, t.problems.dateInvalid],
        [{ prima_scadenza: '01/12/2026' }, t.problems.dueInPast],
        [{ prima_scadenza: '01/12/2099' }, t.problems.dueTooFar],
        [{ totale: '999999999999999999999' }, t.problems.invalid],
      ] as const) {
        for (const passo of ['verifica', 'conferma']) {
          const refused = await office.post(holderPath(), { ...valid, ...fields, passo });
          assert.equal(refused.statusCode, 422, `${JSON.stringify(fields)} ${passo}`);
          assert.ok(refused.body.includes(problem!), `${JSON.stringify(fields)} ${passo}`);
        }
      }
      // A total that is not the documents' (they changed since the preview): refused.
      const changed = await office.post(holderPath(), { ...valid, totale: '4000', passo: 'conferma' });
      assert.equal(changed.statusCode, 422);
      assert.ok(changed.body.includes(t.problems.changedMeanwhile!));
      assert.equal(await plans(), 0);
      assert.equal(await instalmentRows(), 0);
    });

    it('shows the instalments first, then makes the plan once: the documents read "in rateizzazione", their notices withdrawn', async () => {
      const page = await office.get(holderPath());
      const form = { _csrf: office.csrfFrom(page.body), chiave: valueOf(page.body, 'chiave')!, totale: valueOf(page.body, 'totale')!, rate: '3', prima_scadenza: '31/01/2027', motivo: 'Accordo con la famiglia' };
      const review = await office.post(holderPath(), { ...form, passo: 'verifica' });
      assert.equal(review.statusCode, 200);
      assert.match(review.body, /14,38[\s\S]*14,38[\s\S]*14,37/);
      assert.match(review.body, /28\/02\/2027/);
      assert.match(review.body, /Totale delle rate: 43,13/);
      assert.equal(await plans(), 0);
      const confirm = { ...form, prima_scadenza: valueOf(review.body, 'prima_scadenza')!, passo: 'conferma' };
      const done = await office.post(holderPath(), confirm);
      assert.equal(done.statusCode, 303);
      assert.match(done.headers.location as string, /\/rateizzazioni\/piani\/\d+\?fatto=creato/);
      const again = await office.post(holderPath(), confirm);
      assert.match(again.headers.location as string, /fatto=ripetuto/);
      assert.equal(await plans(), 1);
      // Another form: nothing overdue is left outside the plan.
      const other = await office.post(holderPath(), { ...confirm, chiave: 'another-form-key' });
      assert.equal(other.statusCode, 422);
      assert.equal(await plans(), 1);

      const plan = await db().selectFrom('instalment_plan').selectAll().executeTakeFirstOrThrow();
      assert.equal(plan.total_cents, 4313);
      const rows = await db().selectFrom('instalment').selectAll().where('plan_id', '=', plan.id).orderBy('position').execute();
      assert.deepEqual(rows.map((r) => r.amount_cents), [1438, 1438, 1437]);
      assert.deepEqual(rows.map((r) => r.due_date), ['2027-01-31', '2027-02-28', '2027-03-31']);
      assert.equal(new Set(rows.map((r) => r.nav)).size, 3);
      assert.ok(rows.every((r) => /^\d{18}$/.test(r.nav) && r.iuv === r.nav.slice(1)));
      // A notice number never given to any other notice of the ente.
      const clash = await db().selectFrom('payment_notice').select('id').where('nav', 'in', rows.map((r) => r.nav)).executeTakeFirst();
      assert.equal(clash, undefined);
      const notices = await db().selectFrom('payment_notice').select(['document_id', 'state']).where('document_id', 'in', [...overdue.map((d) => d.id), notDue.id]).execute();
      for (const n of notices) assert.equal(n.state, n.document_id === notDue.id ? 'open' : 'cancelled');
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.instalments.create').executeTakeFirstOrThrow();
      assert.equal(JSON.parse(event.after_json!).total_cents, 4313);

      // The instalments' positions go to the platform (the sandbox here), once.
      assert.deepEqual(await app.app.services.instalments.publishDue(), { published: 3, failed: 0 });
      assert.deepEqual(await app.app.services.instalments.publishDue(), { published: 0, failed: 0 });
      const positions = await db().selectFrom('sandbox_position').select(['nav', 'amount_cents']).where('nav', 'in', rows.map((r) => r.nav)).orderBy('nav').execute();
      assert.equal(positions.length, 3);
      assert.equal(positions.reduce((sum, p) => sum + p.amount_cents, 0), 4313);

      const planPath = (done.headers.location as string).replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '');
      const planPage = await office.get(planPath);
      assert.equal(planPage.statusCode, 200);
      assert.match(planPage.body, new RegExp(rows[0]!.nav));
      assert.match(planPage.body, /In rateizzazione/);
      // Each unpaid instalment's pagoPA notice, printable for the family, with its own code and amount.
      assert.match(planPage.body, new RegExp(`href="${planPath}/rate/2/avviso.pdf"`));
      const notice = await office.get(`${planPath}/rate/2/avviso.pdf`);
      assert.equal(notice.statusCode, 200);
      assert.equal(notice.headers['content-type'], 'application/pdf');
      const text = pdfText(notice.rawPayload);
      assert.match(text, new RegExp(rows[1]!.nav.replace(/(\d{4})(?=\d)/g, '$1\\s*')));
      assert.match(text, /14,38/);
      assert.equal((await office.get(`${planPath}/rate/9/avviso.pdf`)).statusCode, 404);

      // A document in the plan is paid by its instalments: it cannot be cancelled from the corrections.
      const inPlan = `/demo/ufficio/documenti/${overdue[0]!.id}`;
      assert.match((await office.get(inPlan)).body, /In rateizzazione/);
      assert.equal((await office.get(`${inPlan}/annulla`)).statusCode, 303);
      const cancel = await office.post(`${inPlan}/annulla`, { _csrf: form._csrf, chiave: 'cancel-in-plan-key', motivo: 'Annullamento di prova', passo: 'conferma' });
      assert.equal(cancel.statusCode, 303);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', overdue[0]!.id).executeTakeFirstOrThrow()).state, 'da_pagare');

      // The parent reads the documents "In rateizzazione" in Documenti contabili.
      const parent = new Browser(app.app);
      await parent.loginAs(holder, { returnTo: '/demo/documenti-contabili' });
      const portal = await parent.get(`/demo/documenti-contabili?utente=${pupil.pupilId}`);
      assert.equal(portal.statusCode, 200);
      assert.equal((portal.body.match(/In rateizzazione/g) ?? []).length, 3);

      // Owed through the instalments now: not among the debtors' overdue documents, not reminded.
      const debtors = await office.get('/demo/ufficio/morosi');
      assert.equal(debtors.statusCode, 200);
      assert.doesNotMatch(debtors.body, new RegExp(`/anagrafe/persone/${holder.id}"`), 'nothing overdue outside the plan');
      const ente = await app.app.services.enti.bySlug('demo');
      await app.app.services.reminders.runDay(ente!, '2027-06-30');
      const reminded = await db().selectFrom('reminder').select('id').where('document_id', 'in', overdue.map((d) => d.id)).execute();
      assert.deepEqual(reminded, []);
    });

    it('pays the documents when the last instalment is paid, not before; a receipt sent twice changes nothing', async () => {
      const rows = await db().selectFrom('instalment').selectAll().orderBy('position').execute();
      const receive = (nav: string, amount: number, id: string) =>
        app.app.services.receipts.apply(
          okReceiptFor({ nav, iuv: nav.slice(1), amount_cents: amount, description: 'Rata', tax_code: ente.tax_code, name: ente.name, fiscal_code: holder.fiscalCode, given_name: holder.givenName, family_name: holder.familyName }, id),
          '<receipt/>',
          'push',
        );
      const states = async () => (await db().selectFrom('document').select('state').where('id', 'in', overdue.map((d) => d.id)).execute()).map((d) => d.state);
      assert.deepEqual(await receive(rows[0]!.nav, rows[0]!.amount_cents, `rata-${process.pid}-1`), { result: 'applied' });
      assert.deepEqual(await receive(rows[0]!.nav, rows[0]!.amount_cents, `rata-${process.pid}-1`), { result: 'duplicate' });
      // A wrong amount pays nothing: the receipt is kept for the office.
      assert.equal((await receive(rows[1]!.nav, 1, `rata-${process.pid}-x`)).result, 'flagged');
      assert.deepEqual(await receive(rows[1]!.nav, rows[1]!.amount_cents, `rata-${process.pid}-2`), { result: 'applied' });
      assert.deepEqual(await states(), ['da_pagare', 'da_pagare', 'da_pagare']);
      assert.deepEqual(await receive(rows[2]!.nav, rows[2]!.amount_cents, `rata-${process.pid}-3`), { result: 'applied' });
      assert.deepEqual(await states(), ['pagato', 'pagato', 'pagato']);
      assert.equal((await db().selectFrom('instalment_plan').select('state').executeTakeFirstOrThrow()).state, 'pagato');
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', notDue.id).executeTakeFirstOrThrow()).state, 'da_pagare');
    });

    it('lets only the roles with the permission in', async () => {
      const kitchen = await buildOperator(db(), enteId, 'cucina');
      const cook = new Browser(app.app);
      await cook.loginAs(kitchen, { returnTo: '/demo/ufficio/' });
      assert.equal((await cook.get(BASE)).statusCode, 403);
      assert.equal((await cook.get(holderPath())).statusCode, 403);
      assert.equal((await office.get(`${BASE}/piani/999999999`)).statusCode, 404);
      assert.equal((await office.get(`${BASE}/intestatari/999999999`)).statusCode, 404);
    });
  });
}
