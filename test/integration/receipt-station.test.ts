import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type PagopaReceipt, paSendRTV2RequestXml, parsePaSendRTV2Response } from '../../src/integrations/pagopa/receipt-xml';
import { ADA, Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { okReceiptFor } from '../helpers/receipts';
import { assertSoapContract, EXAMPLE_PA_SEND_RT_V2 } from '../helpers/soap-contract';

const NOW = '2026-11-26T09:00:00+01:00';
/** The intermediary and station of the official example request: this app is them. */
const BROKER = '77777777777';
const STATION = '77777777777_01';
const SUBJECT = 'CN=nodo-dei-pagamenti.pagopa.it,O=PagoPA S.p.A.,L=Roma,C=IT';

interface Answer {
  status: number;
  contentType: string;
  body: string;
  outcome: 'OK' | 'KO';
  faultCode?: string;
  faultId?: string;
}

/** Every answer of our station, whatever was sent, is a paSendRTV2Response valid against the official XSD. */
function readAnswer(status: number, contentType: string, body: string, what: string): Answer {
  assert.match(contentType, /^text\/xml/, `${what}: a SOAP answer, not a page`);
  assert.ok(status < 500, `${what}: never a 5xx (${status})`);
  assertSoapContract(body, `our station's answer to ${what}`);
  const parsed = parsePaSendRTV2Response(body);
  return { status, contentType, body, outcome: parsed.outcome, faultCode: parsed.fault?.faultCode, faultId: parsed.fault?.id };
}

for (const { engine, skip } of testEngines()) {
  describe(`our receipt station (paSendRTV2) on ${engine}`, { skip }, () => {
    let t: TestApp;
    const db = () => t.database.db;
    const storedReceipts = async () => Number((await db().selectFrom('payment_receipt').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    /** A push over HTTP from this host, as the sandbox (and, behind the proxy, the forwarder) makes it. */
    /** `contentType` null: none at all. */
    async function post(body: string | Blob, contentType: string | null = 'text/xml; charset=utf-8', what = 'a push'): Promise<Answer> {
      const response = await fetch(`${t.baseUrl}/pagopa/paForNode`, {
        method: 'POST',
        headers: { ...(contentType ? { 'content-type': contentType } : {}), SOAPAction: 'paSendRTV2' },
        body,
      });
      return readAnswer(response.status, response.headers.get('content-type') ?? '', await response.text(), what);
    }
    const requestXml = (receipt: PagopaReceipt, idPA = receipt.fiscalCode) => {
      const xml = paSendRTV2RequestXml({ idPA, idBrokerPA: BROKER, idStation: STATION, receipt });
      return xml;
    };
    const pushReceipt = (receipt: PagopaReceipt, idPA?: string) => {
      const xml = requestXml(receipt, idPA);
      assertSoapContract(xml, 'the request of a test');
      return post(xml);
    };

    async function openNotice() {
      return db()
        .selectFrom('payment_notice as n')
        .innerJoin('ente as e', 'e.id', 'n.ente_id')
        .innerJoin('person as h', 'h.id', 'n.holder_person_id')
        .innerJoin('document as d', 'd.id', 'n.document_id')
        .select(['n.id', 'n.nav', 'n.iuv', 'n.amount_cents', 'n.description', 'e.tax_code', 'e.name', 'h.fiscal_code', 'h.given_name', 'h.family_name', 'd.id as documentId'])
        .where('h.fiscal_code', '=', ADA)
        .where('n.state', '=', 'open')
        .where('d.state', '=', 'da_pagare')
        .orderBy('n.id')
        .executeTakeFirstOrThrow();
    }

    async function receiptFor(overrides: Partial<PagopaReceipt> = {}): Promise<PagopaReceipt> {
      const n = await openNotice();
      // Microseconds in the payment time, as the platform may send them.
      return okReceiptFor(n, `R${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}`, { paymentDateTime: '2026-11-26T08:30:00.123456', ...overrides });
    }

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW, PAGOPA_BROKER_ID: BROKER, PAGOPA_STATION_ID: STATION }, undefined, { history: true });
    });
    after(async () => {
      await t?.close();
    });

    it('accepts the official example request end to end, then answers its repetition PAA_RECEIPT_DUPLICATA', { skip: !existsSync(EXAMPLE_PA_SEND_RT_V2) && 'the official example is absent' }, async () => {
      // The example is addressed to the ente 77777777777: here, the second ente of the demo.
      await db().updateTable('ente').set({ tax_code: '77777777777' }).where('slug', '=', 'unione-colline').execute();
      const example = readFileSync(EXAMPLE_PA_SEND_RT_V2, 'utf8');
      assertSoapContract(example, 'the official example');
      const first = await post(example, 'text/xml; charset=utf-8', 'the official example');
      assert.equal(first.status, 200);
      assert.equal(first.outcome, 'OK', first.body);
      const stored = await db()
        .selectFrom('payment_receipt as r')
        .innerJoin('ente as e', 'e.id', 'r.ente_id')
        .select(['e.slug', 'r.status', 'r.flag', 'r.amount_cents', 'r.fee_cents', 'r.source'])
        .where('r.receipt_id', '=', 'c110729d258c4ab1b765fe902aae41d6')
        .execute();
      // Its notice is none of ours: kept for the office, paying nothing.
      assert.deepEqual(stored, [{ slug: 'unione-colline', status: 'flagged', flag: 'unknown_notice', amount_cents: 3000, fee_cents: 200, source: 'push' }]);

      const again = await post(example, 'text/xml; charset=utf-8', 'the example again');
      assert.equal(again.status, 200);
      assert.equal(again.outcome, 'KO');
      assert.equal(again.faultCode, 'PAA_RECEIPT_DUPLICATA');
      assert.equal(again.faultId, BROKER, 'the fault names our intermediary');
      assert.match(again.body, /<faultString>pagamento duplicato<\/faultString>/);
      assert.equal((await db().selectFrom('payment_receipt').select('id').where('receipt_id', '=', 'c110729d258c4ab1b765fe902aae41d6').execute()).length, 1);
    });

    it('applies a receipt whose receiptId is longer than 35 characters, as the XSD allows, and SOAP 1.2 too', async () => {
      const notice = await openNotice();
      const receipt = await receiptFor({ receiptId: `${'f'.repeat(32)}-${'0'.repeat(31)}-secondo-tentativo` });
      // stIdTransfer is an xsd:int: "01" is 1.
      receipt.transferList.transfer[0]!.idTransfer = '01';
      assert.ok(receipt.receiptId.length > 35);
      const answer = await pushReceipt(receipt);
      assert.equal(answer.outcome, 'OK', answer.body);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', notice.documentId).executeTakeFirstOrThrow()).state, 'pagato');
      const row = await db().selectFrom('payment_receipt').select(['status', 'paid_at']).where('receipt_id', '=', receipt.receiptId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'applied', paid_at: '2026-11-26T07:30:00.123Z' });

      // 70 characters are 70 for the XSD, also when one of them takes two UTF-16 units.
      const longName = await receiptFor();
      longName.debtor.fullName = `${'A'.repeat(69)}\u{1F600}`;
      const named = await pushReceipt(longName);
      assert.equal(named.outcome, 'OK', named.body);

      const soap12 = await receiptFor();
      const answer12 = await post(requestXml(soap12), 'application/soap+xml; charset=utf-8', 'a SOAP 1.2 push');
      assert.equal(answer12.outcome, 'OK', answer12.body);
    });

    it('refuses a receipt sent to an ente it does not serve with PAA_ID_DOMINIO_ERRATO, storing nothing', async () => {
      const receipt = await receiptFor();
      const before = await storedReceipts();
      const answer = await pushReceipt(receipt, '99999999999');
      assert.equal(answer.faultCode, 'PAA_ID_DOMINIO_ERRATO');
      assert.equal(answer.faultId, BROKER);
      assert.equal(await storedReceipts(), before);
      const otherStation = await post(paSendRTV2RequestXml({ idPA: receipt.fiscalCode, idBrokerPA: BROKER, idStation: '77777777777_99', receipt }));
      assert.equal(otherStation.faultCode, 'PAA_STAZIONE_INT_ERRATA');
      assert.equal(otherStation.faultId, BROKER);
    });

    it('keeps a receipt for a creditor none of our enti is, and shows it to every amministratore', async () => {
      const demo = await db().selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow();
      // Sent to us (idPA) as a beneficiary of a payment whose creditor is another ente.
      const receipt = await receiptFor({ fiscalCode: '99999999999', noticeNumber: '301000000000000099' });
      const answer = await pushReceipt(receipt, demo.tax_code);
      assert.equal(answer.outcome, 'OK', answer.body);
      const row = await db().selectFrom('payment_receipt').select(['ente_id', 'status', 'creditor_tax_code']).where('receipt_id', '=', receipt.receiptId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { ente_id: null, status: 'flagged', creditor_tax_code: '99999999999' });

      // Marco is amministratore of demo and operatore of unione-colline.
      const marco = new Browser(t.app);
      const asAdministrator = await marco.login(MARCO, { returnTo: '/demo/ufficio/ricevute' });
      assert.equal(asAdministrator.statusCode, 200);
      assert.match(asAdministrator.body, new RegExp(receipt.receiptId));
      assert.match(asAdministrator.body, /Ente creditore non servito da questa installazione \(codice fiscale 99999999999\)/);
      const asOperator = await marco.get('/unione-colline/ufficio/ricevute');
      assert.equal(asOperator.statusCode, 200);
      assert.doesNotMatch(asOperator.body, new RegExp(receipt.receiptId), 'an operatore sees only the receipts of its ente');
    });

    it('answers every unreadable push with a SOAP fault carrying our id, and stores nothing, on both engines', async () => {
      const valid = requestXml(await receiptFor());
      const withDescription = (description: string) => valid.replace(/<description>[^<]*<\/description>/, `<description>${description}</description>`);
      const withAmount = (amount: string) => valid.replace(/<paymentAmount>[^<]*<\/paymentAmount>/, `<paymentAmount>${amount}</paymentAmount>`);
      const cases: { what: string; body: string | Blob; type?: string | null; status: number; fault: string }[] = [
        { what: 'an oversize body', body: valid.replace('</soapenv:Body>', `<!--${'x'.repeat(300 * 1024)}--></soapenv:Body>`), status: 413, fault: 'PAA_SINTASSI_XSD' },
        { what: 'JSON', body: JSON.stringify({ idPA: '1' }), type: 'application/json', status: 415, fault: 'PAA_SINTASSI_XSD' },
        { what: 'XML as text/plain', body: valid, type: 'text/plain', status: 415, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a form', body: 'idPA=1&receipt=x', type: 'application/x-www-form-urlencoded', status: 415, fault: 'PAA_SINTASSI_XSD' },
        { what: 'an unknown type', body: valid, type: 'application/octet-stream', status: 415, fault: 'PAA_SINTASSI_XSD' },
        { what: 'no content type', body: new Blob([valid]), type: null, status: 415, fault: 'PAA_SINTASSI_XSD' },
        { what: 'an empty body', body: '', status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'not XML', body: 'buongiorno', status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a NUL byte', body: withDescription('Refezione\u0000ottobre'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a NUL character reference', body: withDescription('Refezione&#0;ottobre'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a control character reference', body: withDescription('Refezione&#x1B;ottobre'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a control character', body: withDescription('Refezione\u0007ottobre'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        {
          what: 'an internal DTD entity',
          body: valid.replace('<soapenv:Envelope', '<!DOCTYPE soapenv:Envelope [<!ENTITY boom "Refezione espansa">]><soapenv:Envelope').replace(/<description>[^<]*<\/description>/, '<description>&boom;</description>'),
          status: 200,
          fault: 'PAA_SINTASSI_XSD',
        },
        { what: 'an amount beyond the XSD', body: withAmount('1000000000.00'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'an amount with three decimals', body: withAmount('12.345'), status: 200, fault: 'PAA_SINTASSI_XSD' },
        { what: 'a valid amount beyond our columns', body: withAmount('999999999.99'), status: 200, fault: 'PAA_SEMANTICA' },
        { what: 'a fee beyond our columns', body: valid.replace('<paymentDateTime>', '<fee>21474836.48</fee><paymentDateTime>'), status: 200, fault: 'PAA_SEMANTICA' },
        { what: 'a notice number of 17 digits', body: valid.replace(/<noticeNumber>\d+<\/noticeNumber>/, '<noticeNumber>30100000000000009</noticeNumber>'), status: 200, fault: 'PAA_SINTASSI_XSD' },
      ];
      const before = await storedReceipts();
      for (const c of cases) {
        const answer = await post(c.body, c.type === undefined ? 'text/xml; charset=utf-8' : c.type, c.what);
        assert.equal(answer.status, c.status, `${c.what}: HTTP ${answer.status} ${answer.body.slice(0, 400)}`);
        assert.equal(answer.outcome, 'KO', c.what);
        assert.equal(answer.faultCode, c.fault, `${c.what}: ${answer.body.slice(0, 600)}`);
        assert.equal(answer.faultId, BROKER, `${c.what}: the fault's id`);
      }
      assert.equal(await storedReceipts(), before, 'nothing written');
      assert.doesNotMatch(JSON.stringify(await db().selectFrom('payment_receipt').select('description').execute()), /espansa/, 'no entity was expanded');
      // The station still works after all that, and decodes character references as XML does.
      const accented = withDescription('Refezione di ottobre &#8212; caff&#xE8; &amp; t&#232;');
      assert.equal((await post(accented)).outcome, 'OK');
      const receiptId = /<receiptId>([^<]+)<\/receiptId>/.exec(valid)![1]!;
      const stored = await db().selectFrom('payment_receipt').select('description').where('receipt_id', '=', receiptId).executeTakeFirstOrThrow();
      assert.equal(stored.description, 'Refezione di ottobre — caffè & tè');
    });

    it('refuses a caller outside the allowed networks before reading its body', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/pagopa/paForNode',
        remoteAddress: '203.0.113.9',
        headers: { 'content-type': 'text/xml' },
        payload: requestXml(await receiptFor()),
      });
      const answer = readAnswer(response.statusCode, String(response.headers['content-type']), response.body, 'a stranger');
      assert.equal(answer.status, 403);
      assert.equal(answer.faultCode, 'PAA_SYSTEM_ERROR');
      assert.equal(answer.faultId, BROKER);
    });
  });
}

/** Production-like: the platform behind our reverse proxy, judged by its network and its client certificate. */
for (const { engine, skip } of testEngines()) {
  describe(`our receipt station behind a reverse proxy on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, {
        FAKE_NOW: NOW,
        TRUST_PROXY: 'true',
        PAGOPA_PUSH_NETWORKS: '198.51.100.0/24',
        PAGOPA_PUSH_CERT_SUBJECT: SUBJECT,
      });
    });
    after(async () => {
      await t?.close();
    });

    const push = async (remoteAddress: string, headers: Record<string, string>) => {
      const demo = await t.database.db.selectFrom('ente').select('tax_code').where('slug', '=', 'demo').executeTakeFirstOrThrow();
      const receipt: PagopaReceipt = {
        receiptId: `PROXY${Math.random().toString(16).slice(2)}`, noticeNumber: '301000000000000099', fiscalCode: demo.tax_code, outcome: 'OK',
        creditorReferenceId: '01000000000000099', paymentAmount: '10.00', description: 'Refezione', companyName: 'Comune',
        debtor: { uniqueIdentifier: { entityUniqueIdentifierType: 'F', entityUniqueIdentifierValue: ADA }, fullName: 'Ada Lovelace' },
        transferList: { transfer: [{ idTransfer: '1', transferAmount: '10.00', fiscalCodePA: demo.tax_code, IBAN: 'IT60X0542811101000000123456', remittanceInformation: 'Refezione', transferCategory: '9/0107101TS/' }] },
        idPSP: 'PSP', PSPCompanyName: 'PSP', idChannel: 'PSP_01', channelDescription: 'app',
      };
      const response = await t.app.inject({
        method: 'POST',
        url: '/pagopa/paForNode',
        remoteAddress,
        headers: { 'content-type': 'text/xml', ...headers },
        payload: paSendRTV2RequestXml({ idPA: demo.tax_code, idBrokerPA: t.config.pagopa.brokerId, idStation: t.config.pagopa.stationId, receipt }),
      });
      return readAnswer(response.statusCode, String(response.headers['content-type']), response.body, `a push from ${remoteAddress}`);
    };
    const certificate = { 'x-ssl-client-verify': 'SUCCESS', 'x-ssl-client-s-dn': SUBJECT };

    it('accepts the platform through the proxy: its address in X-Forwarded-For, its verified certificate in the headers', async () => {
      const answer = await push('127.0.0.1', { 'x-forwarded-for': '198.51.100.20', ...certificate });
      assert.equal(answer.outcome, 'OK', answer.body);
    });

    it('refuses a wrong address, a missing or failed certificate, and headers not set by the proxy', async () => {
      const refusals = [
        await push('127.0.0.1', { 'x-forwarded-for': '203.0.113.20', ...certificate }),
        await push('127.0.0.1', { 'x-forwarded-for': '198.51.100.20' }),
        await push('127.0.0.1', { 'x-forwarded-for': '198.51.100.20', ...certificate, 'x-ssl-client-verify': 'FAILED:unable to verify' }),
        await push('127.0.0.1', { 'x-forwarded-for': '198.51.100.20', ...certificate, 'x-ssl-client-s-dn': 'CN=altro,O=Altri,C=IT' }),
        // Straight to the app from the platform's network, typing the proxy's headers itself.
        await push('198.51.100.20', certificate),
      ];
      for (const answer of refusals) {
        assert.equal(answer.status, 403, answer.body);
        assert.equal(answer.faultCode, 'PAA_SYSTEM_ERROR');
      }
    });
  });
}
