import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { buildBadge, buildCanteenEnrolment, buildDocument } from '../helpers/money-builders';
import { okReceiptFor } from '../helpers/receipts';

const NOW = '2026-12-07T10:00:00+01:00';
const t = messages.officeCorrections.receipts;

for (const { engine, skip } of testEngines()) {
  describe(`kept receipts resolved by the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let holder: BuiltPerson;
    let pupil: BuiltPupil;
    let postpaid: Awaited<ReturnType<typeof buildCanteenEnrolment>>;
    let prepaid: Awaited<ReturnType<typeof buildCanteenEnrolment>>;
    let sequence = 0;
    const db = () => app.database.db;
    const resolutions = async () => Number((await db().selectFrom('receipt_resolution').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      const family = await buildFamily(db(), enteId);
      holder = family.holder;
      pupil = family.pupils[0]!;
      postpaid = await buildCanteenEnrolment(db(), enteId, pupil, holder, 'postpaid');
      prepaid = await buildCanteenEnrolment(db(), enteId, pupil, holder, 'prepaid');
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    /** A receipt of the holder for a notice number we never issued: kept, flagged "unknown notice". */
    async function keptReceipt(amountCents: number) {
      const nav = `3${String(99_000_000_000_000_000n + BigInt(process.pid) * 1000n + BigInt(++sequence)).slice(-17)}`;
      const receiptId = `corr-${process.pid}-${sequence}`;
      const outcome = await app.app.services.receipts.apply(
        okReceiptFor(
          { nav, iuv: nav.slice(1), amount_cents: amountCents, description: 'Pagamento di prova', tax_code: ente.tax_code, name: ente.name, fiscal_code: holder.fiscalCode, given_name: holder.givenName, family_name: holder.familyName },
          receiptId,
        ),
        '<receipt/>',
        'push',
      );
      assert.equal(outcome.result, 'flagged');
      return (await db().selectFrom('payment_receipt').select('id').where('receipt_id', '=', receiptId).executeTakeFirstOrThrow()).id;
    }

    async function csrf(path: string) {
      const page = await office.get(path);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      return office.csrfFrom(page.body);
    }

    it('assigns a receipt to the document it pays: refused without a reason, with two items, NUL or huge amounts; then once', async () => {
      const doc = await buildDocument(db(), enteId, { ...postpaid, pupilId: pupil.pupilId, holderId: holder.id, period: '2026-10', dueDate: '2026-11-30', lines: [2080], withNotice: true });
      const other = await buildDocument(db(), enteId, { ...postpaid, pupilId: pupil.pupilId, holderId: holder.id, period: '2026-09', dueDate: '2026-10-31', lines: [999], withNotice: true });
      const receiptId = await keptReceipt(2080);
      const list = await office.get('/demo/ufficio/ricevute');
      assert.match(list.body, new RegExp(`href="/demo/ufficio/ricevute/${receiptId}"`));
      const path = `/demo/ufficio/ricevute/${receiptId}`;
      const page = await office.get(path);
      assert.match(page.body, new RegExp(`n\\. ${doc.number}/${doc.year}`));
      const token = await csrf(path);
      const valid = { _csrf: token, azione: 'assegnata', documento: String(doc.id), ricarica: '', importo: '', motivo: 'Pagato con un vecchio avviso' };
      for (const [fields, problem] of [
        [{ motivo: '' }, t.problems.reasonRequired],
        [{ motivo: 'Pagato\u0000' }, messages.forms.problems.controlCharacters],
        [{ documento: '' }, t.problems.chooseItem],
        [{ ricarica: '12' }, t.problems.chooseItem],
        [{ documento: '99999999999999999999' }, t.problems.chooseItem],
        [{ documento: String(other.id) }, t.problems.amountDiffers],
        [{ azione: 'rimborso', importo: '99999999999' }, t.problems.amountPositive],
        [{ azione: 'rimborso', importo: '21' }, t.problems.refundTooLarge],
        [{ azione: 'regalo' }, t.problems.choose],
      ] as const) {
        const refused = await office.post(path, { ...valid, ...fields });
        assert.equal(refused.statusCode, 422, JSON.stringify(fields));
        assert.ok(refused.body.includes(problem!), JSON.stringify(fields));
      }
      assert.equal(await resolutions(), 0);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc.id).executeTakeFirstOrThrow()).state, 'da_pagare');

      const done = await office.post(path, valid);
      assert.equal(done.statusCode, 303);
      const paid = await db().selectFrom('document').select(['state', 'paid_at']).where('id', '=', doc.id).executeTakeFirstOrThrow();
      assert.equal(paid.state, 'pagato');
      const notice = await db().selectFrom('payment_notice').select(['state', 'position_state']).where('document_id', '=', doc.id).executeTakeFirstOrThrow();
      assert.deepEqual(notice, { state: 'paid', position_state: 'invalidated' });
      // Sent again: nothing more; another resolution of the same receipt: refused.
      assert.equal((await office.post(path, valid)).statusCode, 303);
      const second = await office.post(path, { ...valid, azione: 'verificata', documento: '' });
      assert.equal(second.statusCode, 422);
      assert.equal(await resolutions(), 1);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.receipt.assegnata').where('subject_id', '=', receiptId).executeTakeFirstOrThrow();
      assert.equal(JSON.parse(event.after_json!).document_id, doc.id);
      assert.match((await office.get('/demo/ufficio/ricevute')).body, new RegExp(`Assegnata a documento n\\. ${doc.number}/${doc.year}`));
    });

    it('assigns a receipt to a waiting top-up: the badge is credited once', async () => {
      const badge = await buildBadge(db(), enteId, { pupilId: pupil.pupilId, serviceId: prepaid.serviceId });
      const topup = await db()
        .insertInto('topup')
        .values({ ente_id: enteId, badge_id: badge.id, holder_person_id: holder.id, amount_cents: 2500, state: 'in_attesa', created_at: '2026-12-01T08:00:00Z', credited_at: null, cancelled_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const receiptId = await keptReceipt(2500);
      const path = `/demo/ufficio/ricevute/${receiptId}`;
      const form = { _csrf: await csrf(path), azione: 'assegnata', documento: '', ricarica: String(topup.id), importo: '', motivo: 'Ricarica pagata in tabaccheria' };
      assert.equal((await office.post(path, form)).statusCode, 303);
      assert.equal((await office.post(path, form)).statusCode, 303);
      const movements = await db().selectFrom('movement').select(['amount_cents', 'kind']).where('badge_id', '=', badge.id).execute();
      assert.deepEqual(movements, [{ amount_cents: 2500, kind: 'topup' }]);
      assert.equal((await db().selectFrom('topup').select('state').where('id', '=', topup.id).executeTakeFirstOrThrow()).state, 'accreditata');
    });

    it('records a refund to make and marks a receipt checked', async () => {
      const refund = await keptReceipt(1500);
      const checked = await keptReceipt(700);
      const before = await resolutions();
      const refundPath = `/demo/ufficio/ricevute/${refund}`;
      assert.equal((await office.post(refundPath, { _csrf: await csrf(refundPath), azione: 'rimborso', documento: '', ricarica: '', importo: '15', motivo: 'Doppio pagamento' })).statusCode, 303);
      const checkedPath = `/demo/ufficio/ricevute/${checked}`;
      assert.equal((await office.post(checkedPath, { _csrf: await csrf(checkedPath), azione: 'verificata', documento: '', ricarica: '', importo: '', motivo: 'Verificata con la tesoreria' })).statusCode, 303);
      assert.equal(await resolutions(), before + 2);
      const row = await db().selectFrom('receipt_resolution').selectAll().where('receipt_id', '=', refund).executeTakeFirstOrThrow();
      assert.equal(row.refund_cents, 1500);
      const list = (await office.get('/demo/ufficio/ricevute')).body;
      assert.match(list, /Rimborso da fare: 15,00/);
      assert.match(list, /Verificata con la tesoreria/);
    });

    it('lets only the roles with the permission in; a missing receipt is 404', async () => {
      assert.equal((await office.get('/demo/ufficio/ricevute/999999999')).statusCode, 404);
      const kitchen = await buildOperator(db(), enteId, 'cucina');
      const cook = new Browser(app.app);
      await cook.loginAs(kitchen, { returnTo: '/demo/ufficio/' });
      assert.equal((await cook.get('/demo/ufficio/ricevute/1')).statusCode, 403);
    });
  });
}
