import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/index';
import { createDatabase, type Database } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { fixedClock } from '../../src/domain/clock';
import { gpdDueDate } from '../../src/domain/payments/notices';
import { createPagopaClients, type DebtPosition, PagopaCallError, type PagopaClients } from '../../src/integrations/pagopa/clients';
import { groupInFours, makeNav } from '../../src/integrations/pagopa/nav';
import {
  paSendRTV2ResponseXml,
  parsePaSendRTV2Request,
  parseReceiptXml,
} from '../../src/integrations/pagopa/receipt-xml';
import { pagopaSandboxRoutes } from '../../src/integrations/pagopa/sandbox/routes';
import { createThrowawayDatabase, testEngines } from '../helpers/databases';
import { assertSoapContract } from '../helpers/soap-contract';
import { type ContractCheck, installContractCheck, OFF_CONTRACT_HEADER } from '../helpers/openapi-contract';

const CREDITOR = '80012345678';
// Thursday 26 November 2026, 10:15:30 in Rome.
const NOW = new Date('2026-11-26T09:15:30.000Z');
const RETURN = 'https://comune.example.it/pagamenti/carrello';
const returnUrls = {
  returnOkUrl: `${RETURN}/ok`,
  returnCancelUrl: `${RETURN}/annullato`,
  returnErrorUrl: `${RETURN}/errore`,
  returnWaitingUrl: `${RETURN}/attesa`,
};

let nextBase = 1_000n;
function newNav(): string {
  nextBase += 1n;
  return makeNav('01', nextBase);
}

function position(nav: string, amount: number, iupd = `SSOL-${nav}`): DebtPosition {
  return {
    iupd,
    type: 'F',
    fiscalCode: 'RSSMRA80A01H501U',
    fullName: 'Mario Rossi',
    companyName: 'Comune di Prova',
    switchToExpired: false,
    paymentOption: [
      {
        iuv: nav.slice(1),
        nav,
        amount,
        description: 'Refezione scolastica — ottobre 2026',
        isPartialPayment: false,
        dueDate: gpdDueDate('2026-12-31'),
        transfer: [
          { idTransfer: '1', amount, remittanceInformation: 'Refezione ottobre 2026', category: '9/0107101TS/', iban: 'IT60X0542811101000000123456' },
        ],
      },
    ],
  };
}

const notice = (nav: string, amount: number) => ({
  noticeNumber: nav,
  fiscalCode: CREDITOR,
  amount,
  companyName: 'Comune di Prova',
  description: 'Refezione scolastica — ottobre 2026',
});

interface Push {
  headers: IncomingHttpHeaders;
  body: string;
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const { engine, skip } of testEngines()) {
  describe(`pagoPA sandbox on ${engine}`, { skip }, () => {
    let throwaway: { url: string; drop(): Promise<void> };
    let database: Database;
    let server: Server;
    let app: FastifyInstance;
    let origin: string;
    let clients: PagopaClients;
    let contracts: ContractCheck;
    const pushes: Push[] = [];
    const keys = { checkoutKey: 'key-for-checkout', gpdKey: 'key-for-gpd', receiptsKey: 'key-for-receipts' };

    before(async () => {
      throwaway = await createThrowawayDatabase(engine);
      database = createDatabase(throwaway.url);
      await migrateToLatest(database);

      // The server listens before the plugin is registered: the sandbox must know its own public address.
      app = Fastify({
        logger: { level: 'silent' },
        serverFactory: (handler) => {
          server = createServer(handler);
          return server;
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const pagopa = { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: origin }).pagopa, ...keys };

      await app.register(fastifyFormbody);
      await app.register(pagopaSandboxRoutes, { prefix: '/pagopa-sandbox', db: database.db, clock: fixedClock(NOW), pagopa, publicUrl: origin });
      // Stands in for our paSendRTV2 endpoint: records every push and accepts it.
      await app.register(async (station) => {
        station.addContentTypeParser('text/xml', { parseAs: 'string' }, (_request, body, done) => done(null, body));
        station.post(new URL(pagopa.receiptEndpoint).pathname, async (request, reply) => {
          // Every push the sandbox makes is held to the official paForNode.xsd.
          assertSoapContract(request.body as string, 'a receipt push of the sandbox');
          pushes.push({ headers: request.headers, body: request.body as string });
          return reply.type('text/xml').send(paSendRTV2ResponseXml({ outcome: 'OK' }));
        });
      });
      contracts = installContractCheck(app);
      await app.ready();

      clients = createPagopaClients({
        checkoutUrl: pagopa.checkoutUrl,
        checkoutKey: keys.checkoutKey,
        gpdUrl: pagopa.gpdUrl,
        gpdKey: keys.gpdKey,
        receiptsUrl: pagopa.receiptsUrl,
        receiptsKey: keys.receiptsKey,
        timeoutMs: 5_000,
      });
    });

    after(async () => {
      const violations = contracts?.take() ?? [];
      await app?.close();
      if (server?.listening) await new Promise((resolve) => server.close(resolve));
      await database?.destroy();
      await throwaway?.drop();
      assert.deepEqual(violations, [], 'what our clients sent and the sandbox answered meets the official OpenAPI documents');
    });

    const sandbox = (path: string) => `${origin}/pagopa-sandbox${path}`;
    const gpd = (path: string, init: RequestInit = {}) =>
      fetch(sandbox(`/gpd/organizations/${CREDITOR}/debtpositions${path}`), {
        ...init,
        headers: { 'Ocp-Apim-Subscription-Key': keys.gpdKey, ...(init.body ? { 'content-type': 'application/json' } : {}), ...((init.headers as Record<string, string>) ?? {}) },
      });
    const postForm = (url: string, form: Record<string, string>) =>
      fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });

    async function publishedNotice(amount: number): Promise<string> {
      const nav = newNav();
      assert.equal(await clients.publishPosition(CREDITOR, position(nav, amount)), 'published');
      return nav;
    }

    it('creates and publishes debt positions; publishing again succeeds on the 409', async () => {
      const nav = newNav();
      assert.equal(await clients.publishPosition(CREDITOR, position(nav, 1234)), 'published');
      assert.equal(await clients.publishPosition(CREDITOR, position(nav, 1234)), 'published');
      const again = await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(position(nav, 1234)) });
      assert.equal(again.status, 409);
      const read = await gpd(`/SSOL-${nav}`);
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { status: string }).status, 'VALID');

      // A draft left by an earlier attempt is published by the client's retry.
      const draftNav = newNav();
      const draft = await gpd('?toPublish=false', { method: 'POST', body: JSON.stringify(position(draftNav, 500)) });
      assert.equal(draft.status, 201);
      assert.equal(((await draft.json()) as { status: string }).status, 'DRAFT');
      assert.equal(await clients.publishPosition(CREDITOR, position(draftNav, 500)), 'published');
      assert.equal(((await (await gpd(`/SSOL-${draftNav}`)).json()) as { status: string }).status, 'VALID');
      assert.equal((await gpd(`/SSOL-${draftNav}/publish`, { method: 'POST' })).status, 409);
      assert.equal((await gpd('/SSOL-nobody')).status, 404);
    });

    it('refuses malformed positions with a ProblemJson, and a notice number already used with 409', async () => {
      const nav = newNav();
      const badSum = position(nav, 1000);
      badSum.paymentOption[0]!.transfer[0]!.amount = 999;
      const refused = await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(badSum) });
      assert.equal(refused.status, 400);
      const problem = (await refused.json()) as { title: string; status: number; detail: string };
      assert.equal(problem.status, 400);
      assert.match(problem.detail, /transfer/);

      const wrongNav = { ...position(nav, 1000), paymentOption: [{ ...position(nav, 1000).paymentOption[0]!, nav: `0${nav.slice(1)}` }] };
      assert.equal((await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(wrongNav) })).status, 400);
      assert.equal((await gpd('?toPublish=true', { method: 'POST', body: '{"iupd":' })).status, 400);

      assert.equal((await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(position(nav, 1000)) })).status, 201);
      const sameNav = await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(position(nav, 1000, 'SSOL-other')) });
      assert.equal(sameNav.status, 409);
    });

    it('refuses a due date already past as GPD does (400 and its body), reading it in UTC; accepts a position without nav', async () => {
      // NOW is 09:15:30 UTC: GPD compares the due date, read without offset, with its clock in UTC.
      for (const dueDate of ['2026-11-26T09:15:29Z', '2026-11-25T23:59:59Z', '2026-11-26T09:15:29.999Z', '2026-11-26T09:15:29']) {
        const late = position(newNav(), 1000);
        late.paymentOption[0]!.dueDate = dueDate;
        // Without offset (what GPD reads) is not an RFC 3339 date-time: sent off contract.
        const headers: Record<string, string> = dueDate.endsWith('Z') ? {} : { [OFF_CONTRACT_HEADER]: '1' };
        const refused = await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(late), headers });
        assert.equal(refused.status, 400, dueDate);
        const body = (await refused.json()) as { title: string; status: number; detail: string };
        assert.equal(body.title, 'Error in the debt position request data');
        assert.equal(body.status, 400);
        assert.match(body.detail, /^Dates congruence error: due_date must be >= validity_date \(if provided\) or due_date must be >= current_date \[due_date=2026-11-2\d \d\d:\d\d:\d\d; validity_date=null; current_date=2026-11-26 09:15:30\]$/);
      }
      // Rome's end of yesterday is in the past; Rome's end of today, sent as our client sends it, is not.
      const yesterday = position(newNav(), 1000);
      yesterday.paymentOption[0]!.dueDate = gpdDueDate('2026-11-25');
      assert.equal((await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(yesterday) })).status, 400);
      assert.equal(gpdDueDate('2026-11-26'), '2026-11-26T22:59:59Z');
      assert.equal(gpdDueDate('2026-07-15'), '2026-07-15T21:59:59Z', 'summer time');
      const today = position(newNav(), 1000);
      today.paymentOption[0]!.dueDate = gpdDueDate('2026-11-26');
      assert.equal((await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(today) })).status, 201);
      // A draft (created while its due date was ahead) whose due date passed before it is published: GPD's 409.
      const draftNav = newNav();
      const soon = position(draftNav, 1000);
      soon.paymentOption[0]!.dueDate = '2026-11-26T09:15:29Z';
      await database.db.insertInto('sandbox_position').values({
        creditor_tax_code: CREDITOR, iupd: soon.iupd, nav: draftNav, status: 'DRAFT', amount_cents: 1000, body: JSON.stringify(soon), updated_at: NOW.toISOString(),
      }).execute();
      const late = await gpd(`/${soon.iupd}/publish`, { method: 'POST' });
      assert.equal(late.status, 409);
      assert.match(((await late.json()) as { detail: string }).detail, /after the due date/);

      // An offset is not a LocalDateTime: GPD cannot read it (sent off contract, by hand).
      const offset = position(newNav(), 1000);
      offset.paymentOption[0]!.dueDate = '2026-12-31T23:59:59+01:00';
      const unreadable = await fetch(sandbox(`/gpd/organizations/${CREDITOR}/debtpositions?toPublish=true`), {
        method: 'POST',
        headers: { 'Ocp-Apim-Subscription-Key': keys.gpdKey, 'content-type': 'application/json', [OFF_CONTRACT_HEADER]: '1' },
        body: JSON.stringify(offset),
      });
      assert.equal(unreadable.status, 400);

      // `nav` is optional in GPD's PaymentOptionModel: it becomes "3" + iuv.
      const nav = newNav();
      const withoutNav = position(nav, 1000);
      delete (withoutNav.paymentOption[0] as { nav?: string }).nav;
      const created = await gpd('?toPublish=true', { method: 'POST', body: JSON.stringify(withoutNav) });
      assert.equal(created.status, 201);
      assert.equal(((await created.json()) as { paymentOption: { nav: string }[] }).paymentOption[0]!.nav, nav);
      const { location } = await clients.createCart({ paymentNotices: [notice(nav, 1000)], returnUrls, idCart: 'cart-without-nav' });
      assert.ok(location);
    });

    it('refuses carts of more than 5 notices, unknown notices, duplicates and wrong amounts with 400, as Checkout v2', async () => {
      const navs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => publishedNotice(100)));
      // Off the contract (more than five, none): sent by hand, as no client of ours would; the answer is still checked.
      const offContract = (body: unknown) =>
        fetch(sandbox('/checkout/ec/v2/carts'), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Ocp-Apim-Subscription-Key': keys.checkoutKey, 'content-type': 'application/json', [OFF_CONTRACT_HEADER]: '1' },
          body: JSON.stringify(body),
        });
      assert.equal((await offContract({ paymentNotices: navs.map((nav) => notice(nav, 100)), returnUrls, idCart: 'cart-6' })).status, 400);
      assert.equal((await offContract({ paymentNotices: [], returnUrls, idCart: 'cart-empty' })).status, 400);
      // The check itself: the same request without the mark is reported as off the contract.
      if (!contracts.skipped) {
        const unmarked = await fetch(sandbox('/checkout/ec/v2/carts'), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Ocp-Apim-Subscription-Key': keys.checkoutKey, 'content-type': 'application/json' },
          body: JSON.stringify({ paymentNotices: navs.map((nav) => notice(nav, 100)), returnUrls }),
        });
        assert.equal(unmarked.status, 400);
        const seen = contracts.take();
        const expected = seen.filter((v) => /^checkout POST \/carts request: request body: value\/paymentNotices must NOT have more than 5 items/.test(v));
        assert.equal(expected.length, 1, seen.join('\n'));
        contracts.violations.push(...seen.filter((v) => !expected.includes(v)));
      }
      // v2 requires returnWaitingUrl.
      const { returnWaitingUrl: _waiting, ...v1Urls } = returnUrls;
      assert.equal((await offContract({ paymentNotices: [notice(navs[0]!, 100)], returnUrls: v1Urls })).status, 400);
      assert.equal((await fetch(sandbox('/checkout/ec/v1/carts'), { method: 'POST', headers: { 'Ocp-Apim-Subscription-Key': keys.checkoutKey } })).status, 404);
      await assert.rejects(
        clients.createCart({ paymentNotices: [notice(newNav(), 100)], returnUrls, idCart: 'cart-unknown' }),
        (error: unknown) => error instanceof PagopaCallError && error.status === 400,
      );
      await assert.rejects(
        clients.createCart({ paymentNotices: [notice(navs[0]!, 100), notice(navs[0]!, 100)], returnUrls, idCart: 'cart-dup' }),
        (error: unknown) => error instanceof PagopaCallError && error.status === 400,
      );
      await assert.rejects(
        clients.createCart({ paymentNotices: [notice(navs[0]!, 101)], returnUrls, idCart: 'cart-amount' }),
        (error: unknown) => error instanceof PagopaCallError && error.status === 400,
      );
      const ok = await clients.createCart({ paymentNotices: navs.slice(0, 5).map((nav) => notice(nav, 100)), returnUrls, idCart: 'cart-5' });
      assert.match(ok.location, /\/checkout\/carrello\//);
    });

    it('pays a cart: checkout page, double delivery of the same receipt, receipts API', async () => {
      const first = await publishedNotice(1234);
      const second = await publishedNotice(102099);
      const { location } = await clients.createCart({
        paymentNotices: [notice(first, 1234), notice(second, 102099)],
        returnUrls,
        idCart: 'our-cart-42',
      });
      assert.match(location, new RegExp(`^${origin}/pagopa-sandbox/checkout/carrello/[0-9a-f]{32}$`));

      const page = await fetch(location);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /^<!DOCTYPE html><html lang="it">/);
      assert.equal(html.match(/<h1[ >]/g)?.length, 1);
      assert.match(html, /<h1>Sandbox pagoPA — pagamento<\/h1>/);
      assert.match(html, /non è pagoPA/);
      assert.match(html, /<label for="consegna">Consegna della ricevuta<\/label>/);
      assert.match(html, new RegExp(groupInFours(first)));
      assert.match(html, /12,34 €/);
      assert.match(html, /1\.020,99 €/);
      assert.match(html, /1\.033,33 €/, 'total');
      assert.match(html, /<button type="submit" class="btn btn-primary" formAction="[^"]+\/paga">Paga<\/button>/i);
      assert.match(html, /formAction="[^"]+\/annulla">Annulla<\/button>/i);
      assert.doesNotMatch(html, /<script|<style| style=/);

      const before = pushes.length;
      const paid = await postForm(`${location}/paga`, { consegna: 'doppia' });
      assert.equal(paid.status, 303);
      assert.equal(paid.headers.get('location'), returnUrls.returnOkUrl);
      const delivered = pushes.slice(before);
      assert.equal(delivered.length, 4, 'two receipts, each pushed twice');
      for (const push of delivered) {
        assert.equal(push.headers['ocp-apim-subscription-key'], undefined, 'pushed as the forwarder does, without a key');
        assert.equal(push.headers.soapaction, 'paSendRTV2');
        assert.match(String(push.headers['content-type']), /^text\/xml/);
      }
      const requests = delivered.map((push) => parsePaSendRTV2Request(push.body));
      const firstReceipts = requests.filter((request) => request.receipt.noticeNumber === first);
      assert.equal(firstReceipts.length, 2);
      assert.equal(delivered.filter((push) => push.body === delivered[requests.indexOf(firstReceipts[0]!)]!.body).length, 2, 'identical pushes');
      const receipt = firstReceipts[0]!.receipt;
      assert.equal(firstReceipts[0]!.idPA, CREDITOR);
      assert.equal(receipt.paymentAmount, '12.34');
      assert.equal(receipt.creditorReferenceId, first.slice(1));
      assert.equal(receipt.fiscalCode, CREDITOR);
      assert.equal(receipt.paymentNote, 'our-cart-42');
      assert.equal(receipt.idPSP, 'SANDBOXPSP01');
      assert.equal(receipt.fee, '0.50');
      assert.equal(receipt.paymentDateTime, '2026-11-26T10:15:30');
      assert.equal(receipt.applicationDate, '2026-11-26');
      assert.equal(receipt.transferList.transfer[0]!.transferAmount, '12.34');
      assert.equal(receipt.debtor.uniqueIdentifier.entityUniqueIdentifierValue, 'RSSMRA80A01H501U');
      assert.equal(requests.find((request) => request.receipt.noticeNumber === second)!.receipt.paymentAmount, '1020.99');

      // Paying again (a double click) makes no second receipt and still lands on the ok page.
      const again = await postForm(`${location}/paga`, { consegna: 'normale' });
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), returnUrls.returnOkUrl);
      assert.equal(pushes.length, before + 4);

      const listed = await clients.listReceipts(CREDITOR, new Date('2026-11-25T23:00:00Z'), new Date('2026-11-26T22:59:59Z'));
      const item = listed.find((entry) => entry.iuv === first.slice(1));
      assert.deepEqual(item, {
        organizationFiscalCode: CREDITOR,
        iuv: first.slice(1),
        debtor: 'RSSMRA80A01H501U',
        paymentDateTime: '2026-11-26T10:15:30',
        status: 'PAID',
      });
      assert.deepEqual(await clients.listReceipts(CREDITOR, new Date('2026-11-26T09:15:31Z'), new Date('2026-11-30T00:00:00Z')), []);
      // The list as pagopa-gpd-payments answers it: pages, and from/to in Rome's wall clock without offset.
      const receiptsApi = (query: string) =>
        fetch(sandbox(`/gpd-receipts/payments/${CREDITOR}/receipts?${query}`), { headers: { 'Ocp-Apim-Subscription-Key': keys.receiptsKey } });
      const page0 = await receiptsApi('from=2026-11-26&to=2026-11-26&pageSize=1');
      assert.equal(page0.status, 200);
      const page0Body = (await page0.json()) as { currentPageNumber: number; length: number; totalPages: number; results: { iuv: string }[] };
      assert.equal(page0Body.currentPageNumber, 0);
      assert.equal(page0Body.length, 1);
      assert.ok(page0Body.totalPages >= 2);
      const page1Body = (await (await receiptsApi('from=2026-11-26&to=2026-11-26&pageSize=1&pageNum=1')).json()) as { currentPageNumber: number; results: { iuv: string }[] };
      assert.equal(page1Body.currentPageNumber, 1);
      assert.notEqual(page1Body.results[0]!.iuv, page0Body.results[0]!.iuv);
      assert.equal((await receiptsApi('from=2026-11-26T10:15:30&to=2026-11-26T10:15:30')).status, 200, 'paid at 10:15:30 in Rome');
      assert.equal((await receiptsApi('from=2026-11-26T10:15:31&to=2026-11-26T12:00:00')).status, 404);
      assert.equal((await receiptsApi('from=2026-11-26T09:15:30Z')).status, 400, 'no offset in from/to');
      assert.equal((await receiptsApi('from=2026-11-27&to=2026-11-26')).status, 400);

      const xml = await clients.getReceipt(CREDITOR, first.slice(1));
      assert.ok(typeof xml === 'string');
      const fetched = parseReceiptXml(xml);
      assert.equal(fetched.receiptId, receipt.receiptId);
      assert.equal(fetched.paymentAmount, '12.34');
      assert.equal(await clients.getReceipt(CREDITOR, newNav().slice(1)), undefined);
      // A stored receipt the platform cannot process is its 422, which the client reports as refused.
      const broken = newNav().slice(1);
      await database.db
        .insertInto('sandbox_receipt')
        .values({ receipt_id: `broken-${broken}`, creditor_tax_code: CREDITOR, iuv: broken, debtor_fiscal_code: 'RSSMRA80A01H501U', paid_at: NOW.toISOString(), xml: '<receipt>' })
        .execute();
      assert.deepEqual(await clients.getReceipt(CREDITOR, broken), { refused: JSON.stringify({ title: 'Unprocessable Entity', status: 422, detail: 'unable to process the receipt' }) });

      assert.equal(await clients.invalidatePosition(CREDITOR, `SSOL-${first}`), 'not-invalidable');
      assert.equal((await gpd(`/SSOL-${first}/invalidate`, { method: 'POST' })).status, 409);
    });

    it('cancels a cart back to the cancel address, and a withdrawn notice can no longer be put in a cart', async () => {
      const nav = await publishedNotice(900);
      const { location } = await clients.createCart({ paymentNotices: [notice(nav, 900)], returnUrls, idCart: 'our-cart-43' });
      const cancelled = await postForm(`${location}/annulla`, { consegna: 'normale' });
      assert.equal(cancelled.status, 303);
      assert.equal(cancelled.headers.get('location'), returnUrls.returnCancelUrl);
      const closed = await fetch(location);
      assert.match(await closed.text(), /annullato/);

      assert.equal(await clients.invalidatePosition(CREDITOR, `SSOL-${nav}`), 'invalidated');
      await assert.rejects(
        clients.createCart({ paymentNotices: [notice(nav, 900)], returnUrls, idCart: 'our-cart-44' }),
        (error: unknown) => error instanceof PagopaCallError && error.status === 400,
      );
      assert.equal(await clients.invalidatePosition(CREDITOR, 'SSOL-nobody'), 'not-invalidable');

      // Withdrawn after the cart was made: nothing of the cart is paid, the payer goes to the error page.
      const kept = await publishedNotice(250);
      const withdrawn = await publishedNotice(350);
      const cart = await clients.createCart({ paymentNotices: [notice(kept, 250), notice(withdrawn, 350)], returnUrls, idCart: 'our-cart-45' });
      assert.equal(await clients.invalidatePosition(CREDITOR, `SSOL-${withdrawn}`), 'invalidated');
      const before = pushes.length;
      const failed = await postForm(`${cart.location}/paga`, { consegna: 'normale' });
      assert.equal(failed.status, 303);
      assert.equal(failed.headers.get('location'), returnUrls.returnErrorUrl);
      assert.equal(pushes.length, before);
      assert.equal(await clients.getReceipt(CREDITOR, kept.slice(1)), undefined);
      assert.equal(((await (await gpd(`/SSOL-${kept}`)).json()) as { status: string }).status, 'VALID');
    });

    it('pays a notice by its grouped code at the tobacconist, once', async () => {
      const form = await fetch(sandbox('/tabaccheria'));
      assert.equal(form.status, 200);
      const formHtml = await form.text();
      assert.match(formHtml, /<label for="ente" class="active">Codice fiscale dell'ente creditore<\/label>/);
      assert.match(formHtml, /<label for="avviso" class="active">Codice avviso<\/label>/);
      assert.match(formHtml, />Paga l'avviso<\/button>/);

      const nav = await publishedNotice(4550);
      const wrongCheck = `${nav.slice(0, 16)}${nav.slice(16) === '00' ? '01' : '00'}`;
      const refused = await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: groupInFours(wrongCheck), consegna: 'normale' });
      assert.equal(refused.status, 400);
      const refusedHtml = await refused.text();
      assert.match(refusedHtml, /Il codice avviso non è corretto/);
      assert.match(refusedHtml, new RegExp(`value="${groupInFours(wrongCheck)}"`));
      assert.match(refusedHtml, /aria-invalid="true"/);
      assert.equal((await postForm(sandbox('/tabaccheria'), { ente: '123', avviso: nav, consegna: 'normale' })).status, 400);
      assert.equal((await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: newNav(), consegna: 'normale' })).status, 404);

      const before = pushes.length;
      const paid = await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: groupInFours(nav), consegna: 'normale' });
      assert.equal(paid.status, 303);
      assert.equal(pushes.length, before + 1);
      const { receipt } = parsePaSendRTV2Request(pushes.at(-1)!.body);
      assert.equal(receipt.noticeNumber, nav);
      assert.equal(receipt.idPSP, 'SANDBOXTABACCHI');
      assert.equal(receipt.paymentMethod, 'PO');
      assert.equal(receipt.paymentNote, undefined);
      assert.equal(receipt.paymentAmount, '45.50');

      const done = await fetch(new URL(paid.headers.get('location')!, origin));
      assert.equal(done.status, 200);
      const doneHtml = await done.text();
      assert.match(doneHtml, /45,50 €/);
      assert.match(doneHtml, new RegExp(receipt.receiptId));

      const twice = await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: nav, consegna: 'normale' });
      assert.equal(twice.status, 409);
      assert.match(await twice.text(), /già pagato/);
      assert.equal(pushes.length, before + 1);
    });

    it('delivers a receipt late, and none at all when asked, keeping it in the receipts API', async () => {
      const late = await publishedNotice(300);
      const none = await publishedNotice(400);
      const before = pushes.length;
      assert.equal((await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: none, consegna: 'nessuna' })).status, 303);
      assert.equal((await postForm(sandbox('/tabaccheria'), { ente: CREDITOR, avviso: late, consegna: 'in-ritardo' })).status, 303);
      assert.equal(pushes.length, before, 'nothing pushed yet');
      assert.ok(await clients.getReceipt(CREDITOR, none.slice(1)));
      await until(() => pushes.length > before, 5_000);
      assert.equal(parsePaSendRTV2Request(pushes.at(-1)!.body).receipt.noticeNumber, late);
      assert.equal(pushes.length, before + 1);
    });

    it('requires the subscription key of each API', async () => {
      const gpdWithout = await fetch(sandbox(`/gpd/organizations/${CREDITOR}/debtpositions/SSOL-x`));
      assert.equal(gpdWithout.status, 401);
      assert.equal(((await gpdWithout.json()) as { status: number }).status, 401);
      const wrongKey = await fetch(sandbox(`/gpd-receipts/payments/${CREDITOR}/receipts`), {
        headers: { 'Ocp-Apim-Subscription-Key': keys.gpdKey },
      });
      assert.equal(wrongKey.status, 401);
      const cart = await fetch(sandbox('/checkout/ec/v2/carts'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paymentNotices: [], returnUrls }),
        redirect: 'manual',
      });
      assert.equal(cart.status, 401);
    });
  });
}
