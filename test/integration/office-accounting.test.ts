import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { strFromU8, unzipSync } from 'fflate';
import type { Ente } from '../../src/db/schema';
import { romeDate } from '../../src/domain/calendar/local-time';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

const NOW = '2027-07-10T10:00:00+02:00';
const ROOT = '/demo/ufficio/contabilita';
const t = messages.officeAccounting;

/** "1.234,56 €" → 123456 */
function centsOf(text: string): number {
  return Number(text.replace(/[^\d,-]/g, '').replace(',', ''));
}

for (const { engine, skip } of testEngines()) {
  describe(`accounting exports of receipts on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let services: { id: number; name: string; taxonomy_code: string }[];
    let badgeId: number;
    let holderId: number;
    let pupilId: number;
    let sequence = 0;
    const db = () => app.database.db;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      services = await db().selectFrom('service').select(['id', 'name', 'taxonomy_code']).where('ente_id', '=', enteId).orderBy('id').execute();
      const holder = await buildPerson(db(), enteId);
      const pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }]);
      holderId = holder.id;
      pupilId = pupil.pupilId;
      const prepaid = services.find((s) => s.name.includes('prepagata'))!;
      badgeId = (await db().insertInto('badge').values({ ente_id: enteId, code: `ACC${process.pid}`, pupil_id: pupilId, service_id: prepaid.id, issued_on: '2026-09-01', active: 1 }).returning('id').executeTakeFirstOrThrow()).id;
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    /**
     * A receipt paid at an instant for a notice of a service (a top-up's notice: the accounting reads only the
     * notice's service), or for no notice of ours; `outcome` KO receipts are kept too, and must not count.
     */
    async function receipt(paidAt: string, cents: number, serviceIndex: number | null, extra: { outcome?: string; flag?: 'already_paid' | 'unknown_notice'; enteId?: number | null } = {}) {
      const n = ++sequence;
      let noticeId: number | null = null;
      if (serviceIndex !== null) {
        const topup = await db().insertInto('topup').values({ ente_id: enteId, badge_id: badgeId, holder_person_id: holderId, amount_cents: cents, state: 'accreditata', created_at: paidAt, credited_at: paidAt, cancelled_at: null }).returning('id').executeTakeFirstOrThrow();
        const nav = `3${String(engine === 'sqlite' ? 1 : 2)}${String(process.pid % 100_000).padStart(5, '0')}${String(n).padStart(11, '0')}`;
        noticeId = (
          await db()
            .insertInto('payment_notice')
            .values({
              ente_id: enteId, nav, iuv: nav.slice(1), kind: 'topup', document_id: null, topup_id: topup.id, holder_person_id: holderId, pupil_id: pupilId,
              service_id: services[serviceIndex]!.id, amount_cents: cents, due_date: '2027-12-31', description: 'Ricarica di prova', state: 'paid',
              position_state: 'published', position_next_at: null, position_error: null, published_at: paidAt, cart_id: null, cart_until: null, paid_at: paidAt, created_at: paidAt,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      }
      const outcome = extra.outcome ?? 'OK';
      const flag = outcome !== 'OK' ? 'ko' : (extra.flag ?? null);
      await db()
        .insertInto('payment_receipt')
        .values({
          ente_id: extra.enteId === undefined ? enteId : extra.enteId, creditor_tax_code: ente.tax_code, receipt_id: `acc-${engine}-${process.pid}-${n}`, notice_number: '300000000000000000',
          outcome, amount_cents: cents, fee_cents: 100, paid_at: paidAt, psp_id: 'PSP', psp_name: 'PSP di prova', payment_method: null, payment_note: null, description: 'Ricarica',
          debtor_fiscal_code: 'RSSMRA80A01H501U', debtor_name: 'Famiglia di prova', payer_fiscal_code: null, payer_name: null, source: 'push',
          notice_id: flag === 'already_paid' || flag === null ? noticeId : null, status: flag ? 'flagged' : 'applied', flag, xml: '<receipt/>', received_at: paidAt,
        })
        .execute();
    }

    it('March 2027 by day: Rome’s days, by service and taxonomy; KO receipts and others’ do not count; totals equal the receipts to the cent in the page, the CSV and the XLSX', async () => {
      await receipt('2027-03-01T09:00:00.000Z', 1_234, 1);
      await receipt('2027-02-28T23:30:00.000Z', 500, 1); // 00:30 of 1 March in Rome
      await receipt('2027-03-01T23:30:00.000Z', 2_000, 1); // 00:30 of 2 March in Rome
      await receipt('2027-03-02T10:00:00.000Z', 3_333, 2);
      await receipt('2027-03-02T11:00:00.000Z', 4_000, 2, { outcome: 'KO' });
      await receipt('2027-03-02T12:00:00.000Z', 701, 2, { flag: 'already_paid' }); // paid twice: the money came in twice
      await receipt('2027-03-03T12:00:00.000Z', 999, null, { flag: 'unknown_notice' });
      await receipt('2027-03-03T12:00:00.000Z', 5_000, null, { enteId: null, flag: 'unknown_notice' }); // a receipt for no ente of ours
      await receipt('2027-03-31T22:30:00.000Z', 800, 1); // 00:30 of 1 April in Rome (summer time)

      const page = await office.get(`${ROOT}?dal=01%2F03%2F2027&al=2027-03-31&per=giorno`);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      const total = /data-testid="accounting-total">([^<]+)</.exec(page.body)![1]!;
      assert.match(total, /6 ricevute/);
      assert.equal(centsOf(total.split(',').slice(1).join(',')), 1_234 + 500 + 2_000 + 3_333 + 701 + 999);
      assert.match(page.body, new RegExp(services[1]!.taxonomy_code.replace(/[/]/g, '\\/')));
      assert.match(page.body, new RegExp(t.notAttributed));

      const csv = await office.get(`${ROOT}/incassi.csv?dal=2027-03-01&al=2027-03-31&per=giorno`);
      assert.equal(csv.statusCode, 200);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0], 'periodo;servizio;tassonomia;ricevute;importo');
      const cells = lines.slice(1).map((line) => line.split(';'));
      const euro = (cell: string) => Number(cell.replace(',', ''));
      const body = cells.slice(0, -1);
      const last = cells.at(-1)!;
      assert.deepEqual(
        body.map((c) => [c[0], c[2], c[3], c[4]]),
        [
          ['"2027-03-01"', `"${services[1]!.taxonomy_code}"`, '2', '17,34'],
          ['"2027-03-02"', `"${services[1]!.taxonomy_code}"`, '1', '20,00'],
          ['"2027-03-02"', `"${services[2]!.taxonomy_code}"`, '2', '40,34'],
          ['"2027-03-03"', '""', '1', '9,99'],
        ],
      );
      assert.equal(last[0], `"${t.total}"`);
      assert.equal(euro(last[4]!), body.reduce((sum, c) => sum + euro(c[4]!), 0), 'the total line is the sum of the rows');
      assert.equal(euro(last[4]!), 8_767);

      const xlsx = await office.get(`${ROOT}/incassi.xlsx?dal=2027-03-01&al=2027-03-31&per=giorno`);
      assert.equal(xlsx.statusCode, 200);
      const sheet = strFromU8(unzipSync(xlsx.rawPayload)['xl/worksheets/sheet1.xml']!);
      assert.match(sheet, /<v>87\.67<\/v>/);
      assert.equal((sheet.match(/<row /g) ?? []).length, lines.length);

      // By month from January to April: March and April apart, the same total for March.
      const months = await office.get(`${ROOT}/incassi.csv?dal=2027-01-01&al=2027-04-30&per=mese`);
      const monthRows = months.body.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1).map((l) => l.split(';'));
      const march = monthRows.filter((c) => c[0] === '"2027-03"').reduce((sum, c) => sum + euro(c[4]!), 0);
      assert.equal(march, 8_767);
      assert.ok(monthRows.some((c) => c[0] === '"2027-04"' && c[4] === '8,00'));
    });

    it('any receipts at any instants: the rows add up to the total, and the total is the sum of the positive receipts of the period, to the cent', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ minute: fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }), cents: fc.integer({ min: 1, max: 99_999_99 }), service: fc.integer({ min: 0, max: 2 }), ko: fc.boolean() }), { maxLength: 12 }),
          async (receipts) => {
            // Each run in a year of its own, years ahead: its January holds only its receipts, and a receipt
            // two hours before or days after January (Rome's day, not UTC's) belongs to another period.
            const year = 2040 + run++;
            const month = '01';
            const start = new Date(`${year}-${month}-01T00:00:00Z`).getTime() - 2 * 3_600_000;
            let expected = 0;
            const from = `${year}-${month}-01`;
            const lastDay = new Date(Date.UTC(year, Number(month), 0)).getUTCDate();
            const to = `${year}-${month}-${String(lastDay).padStart(2, '0')}`;
            for (const r of receipts) {
              const paidAt = new Date(start + r.minute * 60_000).toISOString();
              await receipt(paidAt, r.cents, r.service, r.ko ? { outcome: 'KO' } : {});
              const day = romeDate(new Date(paidAt));
              if (!r.ko && day >= from && day <= to) expected += r.cents;
            }
            const summary = await app.app.services.accounting.summary(await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'accounting.export'), { from, to, grouping: 'giorno' });
            assert.equal(summary.totalCents, expected);
            assert.equal(summary.rows.reduce((sum, row) => sum + row.amountCents, 0), expected);
            assert.equal(summary.rows.reduce((sum, row) => sum + row.receipts, 0), summary.totalReceipts);
          },
        ),
        { numRuns: engine === 'sqlite' ? 15 : 10 },
      );
    });

    it('bad filters are a 422 with the problem at the field, for the page and the exports; control characters are refused before any route', async () => {
      for (const query of ['dal=31%2F02%2F2027&al=2027-03-31&per=giorno', 'dal=2027-03-31&al=2027-03-01&per=giorno', 'dal=2026-01-01&al=2027-03-01&per=mese', 'dal=2027-03-01&al=2027-03-31&per=settimana', 'dal=99999-03-01&al=2027-03-31&per=giorno', 'dal=&al=&per=']) {
        for (const path of [ROOT, `${ROOT}/incassi.csv`, `${ROOT}/incassi.xlsx`]) {
          const response = await office.get(`${path}?${query}`);
          assert.equal(response.statusCode, 422, `${path}?${query}`);
          assert.match(response.body, /id="errori"/);
        }
      }
      // A NUL byte in an address is refused before any route, as everywhere (probe-findings).
      for (const control of ['%00', '%07']) assert.equal((await office.get(`${ROOT}?dal=2027-03-01${control}&al=2027-03-31&per=giorno`)).statusCode, 400);
      // The first visit: this month by day.
      const first = await office.get(ROOT);
      assert.equal(first.statusCode, 200);
      assert.match(first.body, /value="2027-07-01"/);
    });

    it('only roles with accounting.export reach it', async () => {
      const cook = await buildOperator(db(), enteId, 'cucina');
      const kitchen = new Browser(app.app);
      await kitchen.loginAs(cook, { returnTo: '/demo/ufficio/' });
      assert.equal((await kitchen.get(ROOT)).statusCode, 403);
      assert.equal((await kitchen.get(`${ROOT}/incassi.csv`)).statusCode, 403);
    });
  });
}
