import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { euroDecimalFromCents } from '../../src/integrations/pagopa/amounts';
import { createFdrClient, fdrCents, FdrFormatError } from '../../src/integrations/pagopa/fdr';
import { receiptXml } from '../../src/integrations/pagopa/receipt-xml';
import { republishFlow } from '../../src/integrations/pagopa/sandbox/fdr';
import { insertReceipt } from '../../src/integrations/pagopa/sandbox/store';
import { it as messages } from '../../src/web/i18n/it';
import { ADA, Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { spawnJob } from '../helpers/job';
import { okReceiptFor } from '../helpers/receipts';

/** Thursday 26 November 2026: the flows of the 25th are published (a flow per PSP and day, once the day is over). */
const NOW = '2026-11-26T10:00:00+01:00';
const t = messages.officeReconciliation;

/** An IUV of ours: 17 digits; its notice number is "3" + IUV. */
const iuv = (n: number) => `01${String(n).padStart(15, '0')}`;

for (const { engine, skip } of testEngines()) {
  describe(`reconciliation with pagoPA's reporting flows on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let office: Browser;
    const db = () => app.database.db;
    const services = () => app.app.services;

    /**
     * A payment the platform knows of (the sandbox's receipt, paid at `paidAt`), and — unless `ours` is
     * false — the receipt we got of it by push.
     */
    async function paid(n: number, cents: number, paidAt: string, { psp = 'TESTPSP', ours = true } = {}) {
      const notice = {
        nav: `3${iuv(n)}`, iuv: iuv(n), amount_cents: cents, description: `Refezione ${n}`, tax_code: ente.tax_code, name: ente.name,
        fiscal_code: 'RSSMRA80A01H501U', given_name: 'Mario', family_name: 'Rossi',
      };
      const receipt = okReceiptFor(notice, `R${n}-${psp}`, { idPSP: psp, PSPCompanyName: `PSP ${psp}`, paymentDateTime: paidAt.slice(0, 19) });
      const xml = receiptXml(receipt);
      await insertReceipt(db(), { receiptId: receipt.receiptId, creditorTaxCode: ente.tax_code, iuv: iuv(n), debtorFiscalCode: notice.fiscal_code, paidAt: new Date(`${paidAt}+01:00`), xml });
      if (ours) await services().receipts.apply(receipt, xml, 'push');
    }

    const payments = async (match?: string) => {
      let query = db()
        .selectFrom('fdr_payment')
        .innerJoin('fdr_flow', 'fdr_flow.id', 'fdr_payment.flow_id')
        .select(['fdr_payment.iuv', 'fdr_payment.match', 'fdr_payment.amount_cents', 'fdr_flow.revision', 'fdr_flow.psp_id', 'fdr_flow.superseded_at'])
        .where('fdr_payment.ente_id', '=', ente.id)
        .where('fdr_flow.superseded_at', 'is', null);
      if (match) query = query.where('fdr_payment.match', '=', match as 'matched');
      return query.orderBy('fdr_flow.psp_id').orderBy('fdr_payment.idx').execute();
    };
    const count = async (table: 'fdr_flow' | 'fdr_payment' | 'payment_receipt') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      const enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      // Yesterday: two payments we have, one whose push never came (only the platform has its receipt), one at another PSP.
      await paid(1, 1000, '2026-11-25T09:00:00');
      await paid(2, 2000, '2026-11-25T09:30:00');
      await paid(3, 500, '2026-11-25T10:00:00', { ours: false });
      await paid(4, 750, '2026-11-25T11:00:00', { psp: 'OTHERPSP' });
      // Six days ago, a receipt we hold that no flow will ever report; and today's, whose flow is not due yet.
      await paid(5, 1200, '2026-11-20T12:00:00');
      await db().deleteFrom('sandbox_receipt').where('iuv', '=', iuv(5)).execute();
      await paid(6, 300, '2026-11-26T08:00:00');
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    it('fetches a flow per PSP and day, fetches and applies the receipt a push missed, and matches every payment', async () => {
      const receiptsBefore = await count('payment_receipt');
      const outcome = await services().reconciliation.fetchEnte(ente);
      assert.equal(outcome.failed, undefined);
      assert.equal(outcome.listed, 2);
      assert.equal(outcome.stored, 2);
      assert.equal(outcome.payments, 4);
      assert.equal(outcome.receiptsApplied, 1, 'the receipt of IUV 3 was fetched from the receipts API');
      assert.equal(await count('payment_receipt'), receiptsBefore + 1);
      const rows = await payments();
      assert.deepEqual(rows.map((r) => [r.psp_id, r.iuv, r.match]), [
        ['OTHERPSP', iuv(4), 'matched'],
        ['TESTPSP', iuv(1), 'matched'],
        ['TESTPSP', iuv(2), 'matched'],
        ['TESTPSP', iuv(3), 'matched'],
      ]);
      const flow = await db().selectFrom('fdr_flow').selectAll().where('psp_id', '=', 'TESTPSP').executeTakeFirstOrThrow();
      assert.equal(flow.fdr, '2026-11-25TESTPSP-0001');
      assert.equal(flow.payments_sum_cents, 3500);
      assert.equal(flow.declared_sum_cents, 3500);
      assert.equal(flow.declared_count, 3);
    });

    it('fetches again without storing anything twice, also when two fetches run at once', async () => {
      const flows = await count('fdr_flow');
      const rows = await count('fdr_payment');
      const [a, b] = await Promise.all([services().reconciliation.fetchEnte(ente), services().reconciliation.fetchEnte(ente)]);
      assert.equal(a.stored + b.stored, 0);
      assert.equal(await count('fdr_flow'), flows);
      assert.equal(await count('fdr_payment'), rows);
    });

    it('lists our receipt that no flow reported after N days, not before', async () => {
      const office = await services().operators.authorize(ente, { fiscalCode: MARCO }, 'reconciliation.manage');
      const three = await services().reconciliation.differences(office, 3);
      assert.deepEqual(three.unreported.map((r) => r.noticeNumber), [`3${iuv(5)}`]);
      assert.deepEqual(three.payments, []);
      const seven = await services().reconciliation.differences(office, 7);
      assert.deepEqual(seven.unreported, [], 'six days ago is within a wait of seven');
      await assert.rejects(() => services().reconciliation.differences(office, 0), /invalid input/);
    });

    it('takes a republished flow as a new revision: the earlier one stops counting; duplicates and other amounts are listed', async () => {
      const key = { creditorTaxCode: ente.tax_code, pspId: 'TESTPSP', fdr: '2026-11-25TESTPSP-0001' };
      const revision = await republishFlow(
        db(),
        key,
        (list) => [...list.map((p) => (p.iuv === iuv(2) ? { ...p, pay: 19 } : p)), { ...list[0]!, iur: 'IUR-AGAIN' }],
        new Date('2026-11-26T09:30:00Z'),
      );
      assert.equal(revision, 2);
      const [a, b] = await Promise.all([services().reconciliation.fetchEnte(ente), services().reconciliation.fetchEnte(ente)]);
      assert.equal(a.stored + b.stored, 1, 'the new revision is stored once');
      const revisions = await db().selectFrom('fdr_flow').select(['revision', 'superseded_at']).where('psp_id', '=', 'TESTPSP').orderBy('revision').execute();
      assert.equal(revisions.length, 2);
      assert.notEqual(revisions[0]!.superseded_at, null);
      assert.equal(revisions[1]!.superseded_at, null);
      const rows = (await payments()).filter((r) => r.psp_id === 'TESTPSP');
      assert.deepEqual(rows.map((r) => [r.iuv, r.match, r.revision]), [
        [iuv(1), 'matched', 2],
        [iuv(2), 'amount_differs', 2],
        [iuv(3), 'matched', 2],
        [iuv(1), 'duplicate', 2],
      ]);
      // The flow's total is what the PSP transferred: 10 + 19 + 5 + 10.
      const current = await db().selectFrom('fdr_flow').selectAll().where('psp_id', '=', 'TESTPSP').where('revision', '=', 2).executeTakeFirstOrThrow();
      assert.equal(current.payments_sum_cents, 4400);
      // Our receipt of IUV 2 is still reported (with another amount): not among the unreported.
      const context = await services().operators.authorize(ente, { fiscalCode: MARCO }, 'reconciliation.manage');
      const differences = await services().reconciliation.differences(context, 3);
      assert.deepEqual(differences.payments.map((p) => [p.iuv, p.match]).sort(), [[iuv(1), 'duplicate'], [iuv(2), 'amount_differs']]);
      assert.deepEqual(differences.unreported.map((r) => r.noticeNumber), [`3${iuv(5)}`]);
    });

    it('shows the office the flows, a flow with its totals, and the differences both ways', async () => {
      const home = await office.get('/demo/ufficio/rendicontazione');
      assert.equal(home.statusCode, 200, home.body.slice(0, 300));
      assert.match(home.body, /2026-11-25TESTPSP-0001/);
      assert.match(home.body, new RegExp(t.superseded));
      assert.match(home.body, /44,00\s€/);
      const id = (await db().selectFrom('fdr_flow').select('id').where('psp_id', '=', 'TESTPSP').where('revision', '=', 2).executeTakeFirstOrThrow()).id;
      const flow = await office.get(`/demo/ufficio/rendicontazione/flussi/${id}`);
      assert.equal(flow.statusCode, 200);
      assert.match(flow.body, new RegExp(t.matches.amount_differs!));
      assert.match(flow.body, new RegExp(t.matches.duplicate!));
      assert.match(flow.body, /19,00\s€/);
      const differences = await office.get('/demo/ufficio/rendicontazione/differenze?giorni=3');
      assert.equal(differences.statusCode, 200);
      assert.match(differences.body, new RegExp(`3${iuv(5)}`));
      assert.match(differences.body, /12,00\s€/);
    });

    it('refuses bad input with an Italian message and 422, the input kept; unknown flows are 404', async () => {
      // Control characters (NUL included) in an address are refused before any page, as everywhere in the app.
      for (const bad of ['%00', '1%0A2']) assert.equal((await office.get(`/demo/ufficio/rendicontazione/differenze?giorni=${bad}`)).statusCode, 400, bad);
      for (const bad of ['abc', '0', '61', '99999999999999999999', '-3', '3%20%2B1', '1.5']) {
        const page = await office.get(`/demo/ufficio/rendicontazione/differenze?giorni=${bad}`);
        assert.equal(page.statusCode, 422, bad);
        assert.match(page.body, /Il modulo non è stato salvato|Correggi/);
        assert.match(page.body, /(Scrivi un numero intero di giorni da 1 a 60|Contiene caratteri non ammessi|Testo troppo lungo)/, bad);
        assert.match(page.body, /name="giorni"/);
      }
      const kept = await office.get('/demo/ufficio/rendicontazione/differenze?giorni=abc');
      assert.match(kept.body, /name="giorni" value="abc"/);
      const twice = await office.get('/demo/ufficio/rendicontazione/differenze?giorni=3&giorni=4');
      assert.equal(twice.statusCode, 422);
      for (const bad of ['abc', '0', '99999999999', '1e3']) {
        const page = await office.get(`/demo/ufficio/rendicontazione/flussi/${bad}`);
        assert.equal(page.statusCode, 404, bad);
      }
      const other = await office.get('/demo/ufficio/rendicontazione/flussi/999999');
      assert.equal(other.statusCode, 404);
    });

    it('runs from the shell: npm run job -- rendicontazione --ente demo, idempotent; an unknown ente is a usage error', async () => {
      const env = { DATABASE_URL: app.config.databaseUrl, FAKE_NOW: NOW, PUBLIC_URL: app.baseUrl };
      const run = await spawnJob(['rendicontazione', '--ente', 'demo'], env).output;
      assert.equal(run.code, 0, run.stderr);
      const line = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { ente: string; stored: number; failed?: string };
      assert.deepEqual([line.ente, line.stored, line.failed], ['demo', 0, undefined]);
      const unknown = await spawnJob(['rendicontazione', '--ente', 'nessuno'], env).output;
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no ente "nessuno"/);
    });

    it('lists the flows in pages of 25, newest first, the next page after the last shown', async () => {
      const row = (n: number) => ({
        ente_id: ente.id, fdr: `2026-10-${String(1 + (n % 28)).padStart(2, '0')}PAGEPSP-${String(n).padStart(4, '0')}`, psp_id: 'PAGEPSP', revision: 1, psp_name: 'PSP delle pagine',
        flow_date: '2026-10-31T10:00:00.000Z', published_at: '2026-10-31T10:00:00.000Z', regulation: `SCTPAGE${n}`, regulation_date: '2026-11-02', bic: null,
        declared_count: 0, declared_sum_cents: 0, payments_count: 0, payments_sum_cents: 0, superseded_at: null, fetched_at: '2026-11-26T09:00:00.000Z',
      });
      await db().insertInto('fdr_flow').values(Array.from({ length: 30 }, (_, n) => row(n))).execute();
      const total = await count('fdr_flow');
      const seen: number[] = [];
      let path: string | undefined = '/demo/ufficio/rendicontazione';
      for (let pages = 0; path && pages < 5; pages++) {
        const page = await office.get(path);
        assert.equal(page.statusCode, 200);
        const ids = [...page.body.matchAll(/rendicontazione\/flussi\/(\d+)"/g)].map((m) => Number(m[1]));
        assert.ok(ids.length <= 25);
        seen.push(...ids);
        path = /href="([^"]+dopo=[^"]+)">Pagina successiva/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      }
      assert.equal(seen.length, total, 'every flow revision listed');
      assert.equal(new Set(seen).size, total, 'none twice');
      // A cursor that is not ours shows the first page, not an error.
      assert.equal((await office.get('/demo/ufficio/rendicontazione?dopo=not-a-cursor')).statusCode, 200);
    });

    it('fetches from the office with the form’s token, audited; without the token nothing happens; a kitchen operator is refused', async () => {
      const page = await office.get('/demo/ufficio/rendicontazione');
      const refused = await office.post('/demo/ufficio/rendicontazione/scarica', {});
      assert.equal(refused.statusCode, 403);
      const done = await office.post('/demo/ufficio/rendicontazione/scarica', { _csrf: office.csrfFrom(page.body) });
      assert.equal(done.statusCode, 303);
      assert.match(String(done.headers.location), /\/demo\/ufficio\/rendicontazione\?fatto=0-0-0$/);
      const after = await office.follow(done);
      assert.match(after.body, /Scaricamento completato: 0 flussi nuovi/);
      const audit = await db().selectFrom('audit_event').select(['action', 'actor_fiscal_code', 'after_json']).where('action', '=', 'office.reconciliation.fetch').execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_fiscal_code, MARCO);
      const cook = await buildOperator(db(), ente.id, 'cucina');
      const kitchen = new Browser(app.app);
      await kitchen.loginAs(cook, { returnTo: '/demo/ufficio/' });
      assert.equal((await kitchen.get('/demo/ufficio/rendicontazione')).statusCode, 403);
    });
  });
}

for (const { engine, skip } of testEngines()) {
  describe(`a notice paid without its receipt reaching us, found in a flow, on ${engine}`, { skip }, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
    });
    after(async () => {
      await app?.close();
    });

    it('fetches the receipt the flow reports, applies it (the document is paid) and matches the payment', async () => {
      const db = app.database.db;
      const notice = await db
        .selectFrom('payment_notice as n')
        .innerJoin('ente as e', 'e.id', 'n.ente_id')
        .innerJoin('person as h', 'h.id', 'n.holder_person_id')
        .innerJoin('document as d', 'd.id', 'n.document_id')
        .select(['n.nav', 'n.iuv', 'n.amount_cents', 'n.description', 'e.tax_code', 'e.name', 'e.slug', 'h.fiscal_code', 'h.given_name', 'h.family_name', 'd.id as documentId'])
        .where('h.fiscal_code', '=', ADA)
        .where('n.state', '=', 'open')
        .where('d.state', '=', 'da_pagare')
        .orderBy('n.id')
        .executeTakeFirstOrThrow();
      // Paid yesterday at a tobacconist; the platform's push never reached us.
      const receipt = okReceiptFor(notice, 'RMISSED1', { paymentDateTime: '2026-11-25T17:00:00' });
      const xml = receiptXml(receipt);
      await insertReceipt(db, { receiptId: receipt.receiptId, creditorTaxCode: notice.tax_code, iuv: notice.iuv, debtorFiscalCode: notice.fiscal_code, paidAt: new Date('2026-11-25T16:00:00Z'), xml });
      const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', notice.slug).executeTakeFirstOrThrow()) as Ente;
      const outcome = await app.app.services.reconciliation.fetchEnte(ente);
      assert.equal(outcome.failed, undefined);
      assert.equal(outcome.receiptsApplied, 1);
      assert.equal((await db.selectFrom('document').select('state').where('id', '=', notice.documentId).executeTakeFirstOrThrow()).state, 'pagato');
      const payment = await db.selectFrom('fdr_payment').select(['match', 'receipt_row_id']).where('iuv', '=', notice.iuv).executeTakeFirstOrThrow();
      assert.equal(payment.match, 'matched');
      const stored = await db.selectFrom('payment_receipt').select(['id', 'status', 'source']).where('receipt_id', '=', 'RMISSED1').executeTakeFirstOrThrow();
      assert.deepEqual({ status: stored.status, source: stored.source }, { status: 'applied', source: 'pull' });
      assert.equal(payment.receipt_row_id, stored.id);
    });
  });
}

describe('the FdR client refuses what the specification does not allow', () => {
  let server: Server;
  let url: string;
  let answer: unknown = {};
  before(async () => {
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(typeof answer === 'function' ? (answer as (u: string) => unknown)(request.url ?? '') : answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads decimal euro to cents exactly, and nothing else', () => {
    assert.equal(fdrCents(10.5), 1050);
    assert.equal(fdrCents(0.29), 29);
    assert.equal(fdrCents('12.34'), 1234);
    assert.equal(fdrCents(-3), -300);
    for (const bad of [0.001, Number.NaN, Infinity, 1e21, 21474836.48, '1,50', '', null, {}]) assert.equal(fdrCents(bad), undefined, String(bad));
    assert.equal(euroDecimalFromCents(fdrCents(21474836.47)!), '21474836.47');
  });

  it('throws FdrFormatError on a page without metadata, a payment without an amount, or a transfer index out of 1–5', async () => {
    const client = createFdrClient({ fdrUrl: url, fdrKey: 'k', timeoutMs: 2000 });
    const flow = { fdr: '2026-11-25PSP-0001', revision: 1, pspId: 'PSP' };
    answer = { data: [] };
    await assert.rejects(() => client.listFlows('00000000000', new Date(), new Date()), FdrFormatError);
    const good = { index: 1, iuv: '01', iur: 'x', idTransfer: 1, pay: 1.5, payStatus: 'EXECUTED', payDate: '2026-11-25T10:00:00Z' };
    answer = { metadata: { totPage: 1 }, data: [good] };
    assert.equal((await client.getPayments('00000000000', flow))[0]!.amountCents, 150);
    for (const bad of [{ ...good, pay: 'dieci' }, { ...good, pay: 1.234 }, { ...good, idTransfer: 6 }, { ...good, payStatus: 'PAID' }, { ...good, iuv: '\u0000'.repeat(36) }, { ...good, iuv: '0\u0000' }, { ...good, iur: 'a\nb' }, { ...good, index: 0 }]) {
      answer = { metadata: { totPage: 1 }, data: [bad] };
      await assert.rejects(() => client.getPayments('00000000000', flow), FdrFormatError, JSON.stringify(bad));
    }
  });
});
