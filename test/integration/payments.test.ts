import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createNoticeService } from '../../src/domain/payments/notices';
import { euroDecimalFromCents } from '../../src/integrations/pagopa/amounts';
import { createPagopaClients } from '../../src/integrations/pagopa/clients';
import { type PagopaReceipt, paSendRTV2RequestXml, parsePaSendRTV2Response } from '../../src/integrations/pagopa/receipt-xml';
import { ADA, Browser, GIULIA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { okReceiptFor } from '../helpers/receipts';
import { assertSoapContract } from '../helpers/soap-contract';
import { testEngines } from '../helpers/databases';
import { decodeQr, firstPagePng, pdfText, saved } from '../helpers/pdf';

const NOW = '2026-11-26T09:00:00+01:00';

/** The sandbox's pages are another site: plain HTTP, no cookies of ours. */
async function sandboxForm(url: string, form: Record<string, string>) {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}

for (const { engine, skip } of testEngines()) {
  describe(`pagoPA payments on ${engine}`, { skip }, () => {
    let t: TestApp;
    const db = () => t.database.db;
    const adaDocuments = () =>
      db()
        .selectFrom('document as d')
        .innerJoin('person as h', 'h.id', 'd.holder_person_id')
        .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
        .select(['d.id', 'd.state', 'd.total_cents', 'n.nav', 'n.iuv', 'n.id as noticeId'])
        .where('h.fiscal_code', '=', ADA)
        .where('d.state', '=', 'da_pagare')
        .orderBy('d.id')
        .execute();
    /** A push as pagoPA's forwarder makes it (no subscription key); every answer held to the official XSD. */
    const receiptPush = async (xml: string) => {
      const response = await fetch(`${t.baseUrl}/pagopa/paForNode`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: 'paSendRTV2' }, body: xml });
      const body = await response.text();
      assertSoapContract(body, `our station's answer (HTTP ${response.status})`);
      return { status: response.status, text: async () => body };
    };
    /** A receipt as the platform would send it for one of our notices. */
    const receiptOf = async (noticeId: number, overrides: Partial<PagopaReceipt> = {}): Promise<PagopaReceipt> => {
      const n = await db()
        .selectFrom('payment_notice as n')
        .innerJoin('ente as e', 'e.id', 'n.ente_id')
        .innerJoin('person as h', 'h.id', 'n.holder_person_id')
        .select(['n.nav', 'n.iuv', 'n.amount_cents', 'n.description', 'e.tax_code', 'e.name', 'h.fiscal_code', 'h.given_name', 'h.family_name'])
        .where('n.id', '=', noticeId)
        .executeTakeFirstOrThrow();
      return okReceiptFor(n, `TEST${noticeId}${Math.random().toString(16).slice(2, 10)}`, overrides);
    };
    const push = (receipt: PagopaReceipt) => {
      const xml = paSendRTV2RequestXml({ idPA: receipt.fiscalCode, idBrokerPA: t.config.pagopa.brokerId, idStation: t.config.pagopa.stationId, receipt });
      assertSoapContract(xml, 'the paSendRTV2 request of a test');
      return receiptPush(xml);
    };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
      // The scheduler does this in a serving app: every notice goes to the platform (the sandbox, over HTTP).
      const sent = await t.app.services.notices.publishDue();
      assert.equal(sent.failed, 0);
      assert.ok(sent.published >= 7, `positions published (${sent.published})`);
    });
    after(async () => {
      await t?.close();
    });

    it('lists every unpaid document of Ada across her pupils, and refuses six in one payment whatever the form sends', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      assert.equal(page.statusCode, 200);
      const unpaid = await adaDocuments();
      assert.ok(unpaid.length >= 6, `at least six unpaid (${unpaid.length})`);
      assert.equal((page.body.match(/name="documento"/g) ?? []).length, unpaid.length);
      const six = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: '' });
      assert.equal(six.statusCode, 404, 'a malformed id is nobody’s document');
      const payload = new URLSearchParams([['_csrf', ada.csrfFrom(page.body)], ...unpaid.slice(0, 6).map((d) => ['documento', String(d.id)] as [string, string])]).toString();
      const refused = await ada.request({ method: 'POST', url: '/demo/pagamenti', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /più di 5 documenti/);
      assert.equal((await db().selectFrom('payment_cart').select('id').execute()).length, 0, 'no cart was made');
      const none = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body) });
      assert.equal(none.statusCode, 422);
      assert.match(none.body, /almeno un documento/);
    });

    it('pulls past a receipt the platform refuses (422) and one our parser refuses: both set aside for the office, the rest applied', async () => {
      // Three notices of another family of the demo, paid at the tobacconist; no receipt pushed.
      const ente = await db().selectFrom('ente').select(['id', 'tax_code']).where('slug', '=', 'demo').executeTakeFirstOrThrow();
      const docs = await db()
        .selectFrom('payment_notice as n')
        .innerJoin('person as h', 'h.id', 'n.holder_person_id')
        .select(['n.id as noticeId', 'n.document_id as id', 'n.iuv', 'n.nav'])
        .where('n.ente_id', '=', ente.id)
        .where('n.kind', '=', 'document')
        .where('n.state', '=', 'open')
        .where('n.position_state', '=', 'published')
        .where('h.fiscal_code', 'not in', [ADA, GIULIA])
        .orderBy('n.id')
        .limit(3)
        .execute()
        .then((rows) => rows.map((row) => ({ ...row, id: row.id! })));
      assert.equal(docs.length, 3);
      for (const d of docs) assert.equal((await sandboxForm(`${t.baseUrl}/pagopa-sandbox/tabaccheria`, { ente: ente.tax_code, avviso: d.nav, consegna: 'nessuna' })).status, 303);
      // What the platform holds for two of them cannot be used: not a document at all, and a receipt without its fields.
      const [refused, unreadable, good] = docs;
      await db().updateTable('sandbox_receipt').set({ xml: '<receipt' }).where('iuv', '=', refused!.iuv).execute();
      await db().updateTable('sandbox_receipt').set({ xml: '<receipt><outcome>OK</outcome></receipt>' }).where('iuv', '=', unreadable!.iuv).execute();
      const markBefore = await db().selectFrom('receipt_pull').select('pulled_until').executeTakeFirst();

      const pulled = await t.app.services.receipts.pullReceipts();
      const demo = pulled.find((p) => p.ente === 'demo');
      assert.deepEqual({ applied: demo?.applied, unreadable: demo?.unreadable, failed: demo?.failed }, { applied: 1, unreadable: 2, failed: undefined });
      const state = async (id: number) => (await db().selectFrom('document').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
      assert.equal(await state(good!.id), 'pagato');
      assert.equal(await state(refused!.id), 'da_pagare');
      assert.equal(await state(unreadable!.id), 'da_pagare');
      const mark = await db().selectFrom('receipt_pull').select('pulled_until').executeTakeFirstOrThrow();
      assert.notEqual(mark.pulled_until, markBefore?.pulled_until, 'the watermark moved past them');
      assert.equal(mark.pulled_until, new Date(NOW).toISOString());

      // The next pull overlaps: it meets them again and records nothing twice.
      await t.app.services.receipts.pullReceipts();
      const problems = await db().selectFrom('receipt_pull_problem').select(['iuv', 'problem']).orderBy('iuv').execute();
      assert.deepEqual(problems, [{ iuv: refused!.iuv, problem: 'platform_refused' }, { iuv: unreadable!.iuv, problem: 'unreadable' }].sort((a, b) => a.iuv.localeCompare(b.iuv)));

      const office = new Browser(t.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/ricevute' });
      const list = await office.get('/demo/ufficio/ricevute');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /Ricevute che non è stato possibile leggere/);
      assert.match(list.body, new RegExp(refused!.iuv));
      assert.match(list.body, /pagoPA non ha potuto restituire la ricevuta/);
      assert.match(list.body, new RegExp(unreadable!.iuv));
      assert.match(list.body, /Ricevuta in un formato non valido/);
    });

    it('publishes an overdue document payable until today + the ente’s days, keeps its own due date, and shows both', async () => {
      // NOW is 26 November 2026 in Rome; the demo ente keeps the default of 30 days.
      const overdue = await db()
        .selectFrom('document as d')
        .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
        .innerJoin('person as h', 'h.id', 'd.holder_person_id')
        .innerJoin('ente as e', 'e.id', 'd.ente_id')
        .select(['d.id', 'd.due_date as documentDue', 'd.pupil_id as pupilId', 'n.id as noticeId', 'n.due_date as payableBy', 'n.iuv', 'n.position_state as positionState', 'e.tax_code as taxCode'])
        .where('h.fiscal_code', '=', ADA)
        .where('d.state', '=', 'da_pagare')
        .where('d.due_date', '<', '2026-11-26')
        .orderBy('d.id')
        .executeTakeFirstOrThrow();
      assert.equal(overdue.payableBy, '2026-12-26');
      assert.equal(overdue.positionState, 'published', 'GPD (the sandbox) took it: its due date is not past');
      const position = await db().selectFrom('sandbox_position').select('body').where('iupd', '=', `${overdue.taxCode}-${overdue.iuv}`).executeTakeFirstOrThrow();
      assert.equal((JSON.parse(position.body) as { paymentOption: { dueDate: string }[] }).paymentOption[0]!.dueDate, '2026-12-26T22:59:59Z', 'the end of 26 December in Rome, in UTC');
      assert.equal((await db().selectFrom('document').select('due_date').where('id', '=', overdue.id).executeTakeFirstOrThrow()).due_date, overdue.documentDue, 'the document keeps its due date');

      const ada = new Browser(t.app);
      await ada.login(ADA);
      const list = await ada.get(`/demo/documenti-contabili?utente=${overdue.pupilId}`);
      assert.match(list.body, /avviso pagabile entro il 26\/12\/2026/);
      assert.match(list.body, />Scaduto</);
      const detail = await ada.get(`/demo/documenti-contabili/${overdue.id}`);
      assert.match(detail.body, /<dt class="col-sm-4">Avviso pagoPA pagabile entro<\/dt><dd class="col-sm-8">26\/12\/2026<\/dd>/);
      const pdf = await ada.get(`/demo/documenti-contabili/${overdue.id}/avviso.pdf`);
      assert.equal(pdf.statusCode, 200);
      assert.match(pdfText(pdf.rawPayload), /26\/12\/2026/);
      const images = execFileSync('pdfimages', ['-list', saved(pdf.rawPayload)], { encoding: 'utf8' });
      assert.match(images, /\bimage\s+160\s+160\b/, 'the demo Comune’s logo (ente_logo, set by the seed)');

      // A position that waited in the outbox past its date (an outage) is moved on when it is finally sent.
      await db().deleteFrom('sandbox_position').where('iupd', '=', `${overdue.taxCode}-${overdue.iuv}`).execute();
      await db().updateTable('payment_notice').set({ position_state: 'to_publish', due_date: '2026-11-20', position_next_at: null }).where('id', '=', overdue.noticeId).execute();
      const sent = await t.app.services.notices.publishDue(overdue.noticeId);
      assert.deepEqual(sent, { published: 1, invalidated: 0, failed: 0 });
      assert.equal((await db().selectFrom('payment_notice').select('due_date').where('id', '=', overdue.noticeId).executeTakeFirstOrThrow()).due_date, '2026-12-26');
    });

    it('pays two documents through Checkout (the sandbox over HTTP) and shows them paid only when the receipt arrives', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const [first, second] = await adaDocuments();
      const payload = new URLSearchParams([['_csrf', ada.csrfFrom(page.body)], ['documento', String(first!.id)], ['documento', String(second!.id)]]).toString();
      const started = await ada.request({ method: 'POST', url: '/demo/pagamenti', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      assert.equal(started.statusCode, 303);
      const location = String(started.headers.location);
      assert.match(location, new RegExp(`^${t.baseUrl}/pagopa-sandbox/checkout/carrello/`));

      // The same documents cannot go into a second cart while this one is open.
      const again = await ada.request({ method: 'POST', url: '/demo/pagamenti', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      assert.equal(again.statusCode, 422);
      assert.match(again.body, /già in un pagamento in corso/);
      assert.match((await ada.get('/demo/pagamenti')).body, /In pagamento/);

      const checkout = await fetch(location);
      assert.equal(checkout.status, 200);
      const paid = await sandboxForm(`${location}/paga`, { consegna: 'normale' });
      assert.equal(paid.status, 303);
      const back = String(paid.headers.get('location'));
      assert.match(back, /\/demo\/pagamenti\/esito\/[\w-]+\/ok$/);

      const result = await ada.get(back);
      assert.equal(result.statusCode, 200);
      assert.equal((result.body.match(/Pagato: ricevuta arrivata/g) ?? []).length, 2, result.body.slice(0, 500));
      const states = await db().selectFrom('document').select('state').where('id', 'in', [first!.id, second!.id]).execute();
      assert.deepEqual(states.map((s) => s.state), ['pagato', 'pagato']);

      const list = await ada.get('/demo/documenti-contabili?utente=' + (await db().selectFrom('document').select('pupil_id').where('id', '=', first!.id).executeTakeFirstOrThrow()).pupil_id);
      assert.match(list.body, new RegExp(`/demo/documenti-contabili/${first!.id}/ricevuta.pdf`));
      const receipt = await ada.get(`/demo/documenti-contabili/${first!.id}/ricevuta.pdf`);
      assert.equal(receipt.statusCode, 200);
      assert.equal(receipt.headers['content-type'], 'application/pdf');
      assert.ok(receipt.rawPayload.subarray(0, 5).toString() === '%PDF-');
      // A paid document has no notice to download any more.
      assert.equal((await ada.get(`/demo/documenti-contabili/${first!.id}/avviso.pdf`)).statusCode, 404);
    });

    it('says so when the parent cancels on pagoPA, and keeps the documents unpaid', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const unpaid = await adaDocuments();
      const last = unpaid.at(-1)!;
      const started = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(last.id) });
      const cancelled = await sandboxForm(`${started.headers.location}/annulla`, { consegna: 'normale' });
      assert.equal(cancelled.status, 303);
      assert.match(String(cancelled.headers.get('location')), /\/annullato$/);
      const result = await ada.get(String(cancelled.headers.get('location')));
      assert.match(result.body, /Hai annullato il pagamento/);
      assert.match(result.body, /Pagamento in verifica/, 'no receipt: not paid, and not claimed to be');
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', last.id).executeTakeFirstOrThrow()).state, 'da_pagare');
    });

    it('retries a position the platform did not take, with back-off, and keeps it out of carts until published', async () => {
      const [doc] = await adaDocuments();
      await db().updateTable('payment_notice').set({ position_state: 'to_publish', published_at: null }).where('id', '=', doc!.noticeId).execute();
      const unreachable = createPagopaClients({ ...t.config.pagopa, gpdUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
      const outbox = createNoticeService(db(), t.app.services.clock, unreachable, t.app.services.enti);
      assert.deepEqual(await outbox.publishDue(), { published: 0, invalidated: 0, failed: 1 });
      const waiting = await db().selectFrom('payment_notice').select(['position_attempts', 'position_next_at', 'position_error']).where('id', '=', doc!.noticeId).executeTakeFirstOrThrow();
      assert.equal(waiting.position_attempts, 1);
      assert.equal(waiting.position_next_at, new Date(t.app.services.clock.now().getTime() + 30_000).toISOString(), 'the first retry after 30 s');
      assert.match(waiting.position_error ?? '', /debtpositions/);
      assert.deepEqual(await outbox.publishDue(), { published: 0, invalidated: 0, failed: 0 }, 'not again before its time');

      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      assert.match(page.body, /Avviso in preparazione/);
      const refused = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /non è ancora pronto/);

      assert.deepEqual(await t.app.services.notices.publishDue(doc!.noticeId), { published: 1, invalidated: 0, failed: 0 }, 'the platform is back');
    });

    it('refuses another holder’s document everywhere: cart, notice, receipt', async () => {
      const [adaDocument] = await adaDocuments();
      const giulia = new Browser(t.app);
      const page = await giulia.login(GIULIA, { returnTo: '/demo/pagamenti' });
      assert.equal(page.statusCode, 200);
      const forged = await giulia.post('/demo/pagamenti', { _csrf: giulia.csrfFrom(page.body), documento: String(adaDocument!.id) });
      assert.equal(forged.statusCode, 404);
      assert.equal((await giulia.get(`/demo/documenti-contabili/${adaDocument!.id}/avviso.pdf`)).statusCode, 404);
      const paidOfAda = await db().selectFrom('document as d').innerJoin('person as h', 'h.id', 'd.holder_person_id').select('d.id').where('h.fiscal_code', '=', ADA).where('d.state', '=', 'pagato').executeTakeFirstOrThrow();
      assert.equal((await giulia.get(`/demo/documenti-contabili/${paidOfAda.id}/ricevuta.pdf`)).statusCode, 404);
      const ada = new Browser(t.app);
      await ada.login(ADA);
      assert.equal((await ada.get(`/demo/documenti-contabili/${adaDocument!.id}/avviso.pdf`)).statusCode, 200);
    });

    it('prints a notice whose QR code a payment app reads as exactly its document: NAV, creditor, amount', async () => {
      const [doc] = await adaDocuments();
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const response = await ada.get(`/demo/documenti-contabili/${doc!.id}/avviso.pdf`);
      assert.equal(response.headers['content-type'], 'application/pdf');
      const ente = await db().selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow();
      assert.equal(decodeQr(firstPagePng(response.rawPayload)), `PAGOPA|002|${doc!.nav}|${ente.tax_code}|${doc!.total_cents}`);
      const text = pdfText(response.rawPayload);
      assert.ok(text.includes(doc!.nav.replace(/(\d{4})(?=\d)/g, '$1 ')), 'the notice code in groups of four');
      assert.ok(text.includes((doc!.total_cents / 100).toFixed(2).replace('.', ',')), 'the amount in Italian format');
      assert.ok(text.includes('Ada Lovelace'), 'the recipient');
    });

    it('applies a receipt once: twice in a row, twice at once; OK once, then PAA_RECEIPT_DUPLICATA as GPD answers', async () => {
      const [, , third] = await adaDocuments();
      const receipt = await receiptOf(third!.noticeId);
      const answers = await Promise.all([push(receipt), push(receipt)]);
      const outcomes = await Promise.all(answers.map(async (answer) => parsePaSendRTV2Response(await answer.text())));
      assert.deepEqual(outcomes.map((o) => o.fault?.faultCode ?? o.outcome).sort(), ['OK', 'PAA_RECEIPT_DUPLICATA']);
      const late = parsePaSendRTV2Response(await (await push(receipt)).text());
      assert.equal(late.outcome, 'KO');
      assert.equal(late.fault?.faultCode, 'PAA_RECEIPT_DUPLICATA');
      assert.equal(late.fault?.id, t.config.pagopa.brokerId);
      const rows = await db().selectFrom('payment_receipt').select(['status']).where('receipt_id', '=', receipt.receiptId).execute();
      assert.deepEqual(rows, [{ status: 'applied' }]);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', third!.id).executeTakeFirstOrThrow()).state, 'pagato');

      // A second, different receipt for the same notice (paid twice) is kept for the office, not applied.
      const double = await receiptOf(third!.noticeId);
      await push(double);
      assert.deepEqual(await db().selectFrom('payment_receipt').select(['status', 'flag']).where('receipt_id', '=', double.receiptId).execute(), [{ status: 'flagged', flag: 'already_paid' }]);
    });

    it('keeps and flags a KO receipt, an unknown notice and a wrong amount, and pays nothing with them', async () => {
      const [doc] = await adaDocuments();
      const ko = await receiptOf(doc!.noticeId, { outcome: 'KO' });
      const wrongAmount = await receiptOf(doc!.noticeId, { paymentAmount: euroDecimalFromCents(doc!.total_cents + 1) });
      const unknown = await receiptOf(doc!.noticeId, { noticeNumber: '312000009999999920'.slice(0, 16) + String(Number(BigInt('3120000099999999') % 93n)).padStart(2, '0') });
      for (const receipt of [ko, wrongAmount, unknown]) assert.equal(parsePaSendRTV2Response(await (await push(receipt)).text()).outcome, 'OK');
      const flags = await db().selectFrom('payment_receipt').select(['receipt_id', 'flag']).where('receipt_id', 'in', [ko.receiptId, wrongAmount.receiptId, unknown.receiptId]).execute();
      assert.deepEqual(new Map(flags.map((f) => [f.receipt_id, f.flag])), new Map([[ko.receiptId, 'ko'], [wrongAmount.receiptId, 'amount_mismatch'], [unknown.receiptId, 'unknown_notice']]));
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc!.id).executeTakeFirstOrThrow()).state, 'da_pagare');

      // The office sees them, with the reason in words; a parent does not.
      const office = new Browser(t.app);
      const list = await office.login(MARCO, { returnTo: '/demo/ufficio/ricevute' });
      assert.equal(list.statusCode, 200);
      for (const receipt of [ko, wrongAmount, unknown]) assert.match(list.body, new RegExp(receipt.receiptId));
      assert.match(list.body, /Importo diverso da quello dell’avviso/);
      const parent = new Browser(t.app);
      assert.equal((await parent.login(ADA, { returnTo: '/demo/ufficio/ricevute' })).statusCode, 403);
    });

    it('refuses a push malformed, or from another broker', async () => {
      const [doc] = await adaDocuments();
      const receipt = await receiptOf(doc!.noticeId);
      const malformed = await receiptPush('<Envelope><Body><paSendRTV2Request><idPA>1</idPA></paSendRTV2Request></Body></Envelope>');
      assert.equal(parsePaSendRTV2Response(await malformed.text()).fault?.faultCode, 'PAA_SINTASSI_XSD');
      const otherBroker = await receiptPush(paSendRTV2RequestXml({ idPA: receipt.fiscalCode, idBrokerPA: '99999999999', idStation: t.config.pagopa.stationId, receipt }));
      assert.equal(parsePaSendRTV2Response(await otherBroker.text()).fault?.faultCode, 'PAA_ID_INTERMEDIARIO_ERRATO');
      assert.equal((await db().selectFrom('payment_receipt').select('id').where('receipt_id', '=', receipt.receiptId).execute()).length, 0);
    });

    it('catches a receipt that was never pushed with the pull job', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const [doc] = await adaDocuments();
      const started = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      assert.equal(started.statusCode, 303);
      const paid = await sandboxForm(`${started.headers.location}/paga`, { consegna: 'nessuna' });
      assert.equal(paid.status, 303);
      const waiting = await ada.get(String(paid.headers.get('location')));
      assert.match(waiting.body, /Pagamento in verifica/);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc!.id).executeTakeFirstOrThrow()).state, 'da_pagare');
      const pulled = await t.app.services.receipts.pullReceipts();
      assert.ok(pulled.some((p) => p.applied >= 1), JSON.stringify(pulled));
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc!.id).executeTakeFirstOrThrow()).state, 'pagato');
      const applied = await db()
        .selectFrom('payment_receipt as r')
        .innerJoin('payment_notice as n', 'n.id', 'r.notice_id')
        .select('r.source')
        .where('n.document_id', '=', doc!.id)
        .where('r.status', '=', 'applied')
        .execute();
      assert.deepEqual(applied, [{ source: 'pull' }]);
    });

    it('tops up €20 to pay later: in attesa in the Conto corrente, paid at the tobacconist by its code, then credited once', async () => {
      const ada = new Browser(t.app);
      const form = await ada.login(ADA, { returnTo: '/demo/ricariche' });
      assert.equal(form.statusCode, 200);
      const badge = await db().selectFrom('badge').select('id').where('code', '=', 'B100001').executeTakeFirstOrThrow();
      const tooSmall = await ada.post('/demo/ricariche', { _csrf: ada.csrfFrom(form.body), badge: String(badge.id), importo: '4,99' });
      assert.equal(tooSmall.statusCode, 422);
      assert.match(tooSmall.body, /sotto il minimo/);
      assert.match(tooSmall.body, /value="4,99"/, 'the form is kept');
      const garbage = await ada.post('/demo/ricariche', { _csrf: ada.csrfFrom(form.body), badge: String(badge.id), importo: '20 euro e 5' });
      assert.equal(garbage.statusCode, 422);
      const created = await ada.post('/demo/ricariche', { _csrf: ada.csrfFrom(form.body), badge: String(badge.id), importo: '20' });
      assert.equal(created.statusCode, 303);
      const topupPage = await ada.get(String(created.headers.location));
      assert.match(topupPage.body, /Paga subito/);
      assert.match(topupPage.body, /Paga dopo/);
      const topupId = Number(/ricariche\/(\d+)/.exec(String(created.headers.location))![1]);
      assert.match((await ada.get('/demo/ricariche')).body, new RegExp(`href="/demo/ricariche/${topupId}"`), 'listed to find its notice again');
      // No notice until the holder chooses how to pay: "Paga dopo" makes it, and then its PDF is there.
      assert.equal(await db().selectFrom('payment_notice').select('id').where('topup_id', '=', topupId).executeTakeFirst(), undefined);
      assert.equal((await ada.get(`/demo/ricariche/${topupId}/avviso.pdf`)).statusCode, 404);
      const later = await ada.post(`/demo/ricariche/${topupId}/avviso`, { _csrf: ada.csrfFrom(topupPage.body) });
      assert.equal(later.statusCode, 303);
      assert.match((await ada.get(`/demo/ricariche/${topupId}`)).body, new RegExp(`href="/demo/ricariche/${topupId}/avviso.pdf"`));
      const again = await ada.post(`/demo/ricariche/${topupId}/avviso`, { _csrf: ada.csrfFrom(topupPage.body) });
      assert.equal(again.statusCode, 303);
      assert.equal((await db().selectFrom('payment_notice').select('id').where('topup_id', '=', topupId).execute()).length, 1, 'one notice whatever is clicked twice');
      const pdf = await ada.get(`/demo/ricariche/${topupId}/avviso.pdf`);
      assert.equal(pdf.statusCode, 200);
      const balance = async () => Number((await db().selectFrom('movement').select((eb) => eb.fn.sum<number>('amount_cents').as('c')).where('badge_id', '=', badge.id).executeTakeFirstOrThrow()).c);
      const before = await balance();
      const ledger = await ada.get(`/demo/conto-corrente?badge=${badge.id}`);
      assert.match(ledger.body, /Ricariche in attesa di pagamento/);
      assert.match(ledger.body, /20,00\s€/);

      const notice = await db().selectFrom('payment_notice').select(['nav']).where('topup_id', '=', topupId).executeTakeFirstOrThrow();
      const ente = await db().selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow();
      const grouped = notice.nav.replace(/(\d{4})(?=\d)/g, '$1 ');
      const counter = await sandboxForm(`${t.baseUrl}/pagopa-sandbox/tabaccheria`, { ente: ente.tax_code, avviso: grouped, consegna: 'doppia' });
      assert.equal(counter.status, 303);
      assert.equal(await balance(), before + 2_000);
      assert.equal((await db().selectFrom('topup').select('state').where('id', '=', topupId).executeTakeFirstOrThrow()).state, 'accreditata');
      assert.equal((await db().selectFrom('movement').select('id').where('topup_id', '=', topupId).execute()).length, 1, 'delivered twice, credited once');
      const after = await ada.get(`/demo/ricariche/${topupId}`);
      assert.match(after.body, /Ricarica accreditata/);
      assert.doesNotMatch((await ada.get('/demo/ricariche')).body, new RegExp(`href="/demo/ricariche/${topupId}"`), 'no longer waiting');
    });

    it('lets a parent keep at most 3 top-ups waiting, none with a notice until chosen, and cancel one (its position withdrawn), only their own and with CSRF', async () => {
      const ada = new Browser(t.app);
      const form = await ada.login(ADA, { returnTo: '/demo/ricariche' });
      const csrf = ada.csrfFrom(form.body);
      const badge = await db().selectFrom('badge').select('id').where('code', '=', 'B100001').executeTakeFirstOrThrow();
      const ente = await db().selectFrom('ente').select(['id', 'tax_code', 'max_pending_topups']).where('slug', '=', 'demo').executeTakeFirstOrThrow();
      assert.equal(ente.max_pending_topups, 3, 'the default');
      const holder = await db().selectFrom('person').select('id').where('fiscal_code', '=', ADA).where('ente_id', '=', ente.id).executeTakeFirstOrThrow();
      const waiting = () =>
        db().selectFrom('topup').select('id').where('holder_person_id', '=', holder.id).where('state', '=', 'in_attesa').where('cancelled_at', 'is', null).execute();
      const noticesBefore = (await db().selectFrom('payment_notice').select('id').execute()).length;

      // Asked for again and again (the probe made 210): only up to the limit wait, and none takes a notice or a position.
      const waitingBefore = (await waiting()).length;
      const answers: number[] = [];
      for (let i = 0; i < 6; i++) answers.push((await ada.post('/demo/ricariche', { _csrf: csrf, badge: String(badge.id), importo: '7,50' })).statusCode);
      assert.equal((await waiting()).length, 3);
      assert.deepEqual(answers, [...Array(3 - waitingBefore).fill(303), ...Array(3 + waitingBefore).fill(422)]);
      assert.equal((await db().selectFrom('payment_notice').select('id').execute()).length, noticesBefore, 'no notice for a top-up not chosen');
      const refused = await ada.post('/demo/ricariche', { _csrf: csrf, badge: String(badge.id), importo: '7,50' });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /numero massimo di ricariche in attesa/);
      assert.match(refused.body, /value="7,50"/, 'the form is kept');

      // Cancel one that has a published position: it stops waiting and the platform withdraws it.
      const [first] = await waiting();
      const page = await ada.get(`/demo/ricariche/${first!.id}`);
      assert.match(page.body, /Annulla la ricarica/);
      assert.equal((await ada.post(`/demo/ricariche/${first!.id}/avviso`, { _csrf: csrf })).statusCode, 303);
      const notice = await db().selectFrom('payment_notice').select(['id', 'iuv', 'position_state']).where('topup_id', '=', first!.id).executeTakeFirstOrThrow();
      assert.equal(notice.position_state, 'published');
      assert.equal((await ada.post(`/demo/ricariche/${first!.id}/annulla`, {})).statusCode, 403, 'CSRF');
      const giulia = new Browser(t.app);
      const giuliaPage = await giulia.login(GIULIA, { returnTo: '/demo/ricariche' });
      assert.equal((await giulia.post(`/demo/ricariche/${first!.id}/annulla`, { _csrf: giulia.csrfFrom(giuliaPage.body) })).statusCode, 404, 'not her top-up');
      const cancelled = await ada.post(`/demo/ricariche/${first!.id}/annulla`, { _csrf: csrf });
      assert.equal(cancelled.statusCode, 303);
      assert.match((await ada.get(`/demo/ricariche/${first!.id}`)).body, /Ricarica annullata/);
      const after = await db().selectFrom('payment_notice').select(['state', 'position_state']).where('id', '=', notice.id).executeTakeFirstOrThrow();
      assert.deepEqual(after, { state: 'cancelled', position_state: 'invalidated' });
      const position = await db().selectFrom('sandbox_position').select('status').where('iupd', '=', `${ente.tax_code}-${notice.iuv}`).executeTakeFirstOrThrow();
      assert.equal(position.status, 'INVALID');
      assert.equal((await ada.get(`/demo/ricariche/${first!.id}/avviso.pdf`)).statusCode, 404);
      assert.equal((await ada.post(`/demo/ricariche/${first!.id}/paga`, { _csrf: csrf })).statusCode, 422, 'a cancelled top-up cannot be paid');
      assert.doesNotMatch((await ada.get('/demo/ricariche')).body, new RegExp(`href="/demo/ricariche/${first!.id}"`));

      // A place is free again.
      assert.equal((await ada.post('/demo/ricariche', { _csrf: csrf, badge: String(badge.id), importo: '7,50' })).statusCode, 303);
      assert.equal((await waiting()).length, 3);
    });

    /** A holder's unpaid documents whose notice no cart holds now. */
    const freeDocuments = async (holder = ADA) => {
      const nowIso = new Date(NOW).toISOString();
      return db()
        .selectFrom('document as d')
        .innerJoin('person as h', 'h.id', 'd.holder_person_id')
        .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
        .select(['d.id', 'n.nav', 'n.id as noticeId'])
        .where('h.fiscal_code', '=', holder)
        .where('d.state', '=', 'da_pagare')
        .where('n.position_state', '=', 'published')
        .where((eb) => eb.or([eb('n.cart_until', 'is', null), eb('n.cart_until', '<=', nowIso)]))
        .orderBy('d.id')
        .execute();
    };
    const enteTaxCode = async () => (await db().selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow()).tax_code;

    it('asks the platform after a cancelled payment: an unpaid notice can be paid again at once, one paid elsewhere stays held and says so', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const [doc] = await freeDocuments();
      const started = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      assert.equal(started.statusCode, 303);
      const cancelled = await sandboxForm(`${started.headers.location}/annulla`, { consegna: 'normale' });
      const result = await ada.get(String(cancelled.headers.get('location')));
      assert.equal(result.statusCode, 200);
      assert.match(result.body, /Non pagato: di nuovo da pagare/);
      assert.match(result.body, /pagoPA conferma che non è stato pagato/);
      assert.doesNotMatch(result.body, /potrai riprovare dopo le/, 'no wait of the cart’s minutes');
      const notice = await db().selectFrom('payment_notice').select(['cart_id', 'cart_until']).where('id', '=', doc!.noticeId).executeTakeFirstOrThrow();
      assert.deepEqual(notice, { cart_id: null, cart_until: null }, 'released from the cancelled cart');
      assert.match((await ada.get('/demo/pagamenti')).body, new RegExp(`name="documento" value="${doc!.id}"`), 'choosable again');
      const retried = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      assert.equal(retried.statusCode, 303, 'a new payment at once');

      // Paid at a tobacconist while this cart was open, its receipt not arrived yet: the platform says paid.
      const counter = await sandboxForm(`${t.baseUrl}/pagopa-sandbox/tabaccheria`, { ente: await enteTaxCode(), avviso: doc!.nav, consegna: 'nessuna' });
      assert.equal(counter.status, 303);
      const back = await sandboxForm(`${retried.headers.location}/annulla`, { consegna: 'normale' });
      const held = await ada.get(String(back.headers.get('location')));
      assert.match(held.body, /Pagamento in verifica/);
      assert.match(held.body, /pagoPA lo risulta pagato: aspettiamo la ricevuta/);
      const again = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      assert.equal(again.statusCode, 422, 'held: a second cart could pay it twice');
      assert.match(again.body, /già in un pagamento in corso/);
      // The pull brings the receipt that was never pushed: paid once.
      await t.app.services.receipts.pullReceipts();
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc!.id).executeTakeFirstOrThrow()).state, 'pagato');
    });

    it('lists a cart left open in another tab with Riprendi and Abbandona; abandoned, its notice is free; paid twice, the second receipt is flagged for a refund', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const [doc] = await freeDocuments();
      assert.ok(doc, 'Ada has a document to pay');
      const first = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(page.body), documento: String(doc!.id) });
      const firstCheckout = String(first.headers.location);
      const list = await ada.get('/demo/pagamenti');
      assert.match(list.body, /Pagamenti già avviati/);
      assert.ok(list.body.includes(`href="${firstCheckout}"`), 'Riprendi il pagamento goes back to Checkout');
      assert.match(list.body, /Riprendi il pagamento/);
      const ours = await db().selectFrom('payment_cart').select('id').where('checkout_url', '=', firstCheckout).executeTakeFirstOrThrow();
      const abandonUrl = `/demo/pagamenti/carrelli/${ours.id}/abbandona`;
      assert.ok(list.body.includes(`action="${abandonUrl}"`));
      assert.equal((await ada.post(abandonUrl, {})).statusCode, 403, 'CSRF');
      const giulia = new Browser(t.app);
      const giuliaPage = await giulia.login(GIULIA, { returnTo: '/demo/pagamenti' });
      assert.equal((await giulia.post(abandonUrl, { _csrf: giulia.csrfFrom(giuliaPage.body) })).statusCode, 404, 'only the holder’s cart');
      const abandoned = await ada.post(abandonUrl, { _csrf: ada.csrfFrom(list.body) });
      assert.equal(abandoned.statusCode, 303);
      const after = await ada.get(String(abandoned.headers.location));
      assert.match(after.body, /Hai abbandonato il pagamento/);
      assert.doesNotMatch(after.body, /Pagamenti già avviati/);

      // Chosen again at once; meanwhile the first tab's cart is still open at Checkout.
      const second = await ada.post('/demo/pagamenti', { _csrf: ada.csrfFrom(after.body), documento: String(doc!.id) });
      assert.equal(second.statusCode, 303);
      // The platform takes both: a tobacconist pays the notice while the second cart's payment goes through.
      const counter = await sandboxForm(`${t.baseUrl}/pagopa-sandbox/tabaccheria`, { ente: await enteTaxCode(), avviso: doc!.nav, consegna: 'normale' });
      assert.equal(counter.status, 303);
      const paid = await sandboxForm(`${second.headers.location}/paga`, { consegna: 'normale', 'doppio-pagamento': 'si' });
      assert.equal(paid.status, 303);
      const receipts = await db().selectFrom('payment_receipt').select(['receipt_id', 'status', 'flag']).where('notice_number', '=', doc!.nav).orderBy('id').execute();
      assert.equal(receipts.length, 2, 'two payments, two receipts');
      assert.deepEqual(receipts.map((r) => [r.status, r.flag]), [['applied', null], ['flagged', 'already_paid']]);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc!.id).executeTakeFirstOrThrow()).state, 'pagato');
      const office = new Browser(t.app);
      const flagged = await office.login(MARCO, { returnTo: '/demo/ufficio/ricevute' });
      assert.ok(flagged.body.includes(receipts[1]!.receipt_id), 'listed for the office');
      assert.match(flagged.body, /possibile doppio pagamento da rimborsare/);
    });

    it('lists the statement for the 730 among the attached documents, and serves it only to the holder', async () => {
      const ada = new Browser(t.app);
      const tommaso = await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Tommaso').executeTakeFirstOrThrow();
      const scheda = await ada.login(ADA, { returnTo: `/demo/scheda-anagrafica?utente=${tommaso.id}` });
      assert.match(scheda.body, /attestazione-730\?utente=\d+&amp;anno=2026/);
      const pdf = await ada.get(`/demo/scheda-anagrafica/attestazione-730?utente=${tommaso.id}&anno=2026`);
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal((await ada.get(`/demo/scheda-anagrafica/attestazione-730?utente=${tommaso.id}&anno=2019`)).statusCode, 404);
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      assert.equal((await giulia.get(`/demo/scheda-anagrafica/attestazione-730?utente=${tommaso.id}&anno=2026`)).statusCode, 404);
    });
  });
}
