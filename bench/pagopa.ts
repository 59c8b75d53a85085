/**
 * Benchmark of pagoPA (issue 5):
 *  (a) notice PDFs: the "Scarica avviso pagoPA" download of the production build, one process (one core
 *      of JavaScript), under wrk; and, for comparison, the PDF alone rendered in a loop in this process;
 *  (b) receipts applied through the push endpoint (paSendRTV2, SOAP over HTTP) of the production build,
 *      with one process and with two (WEB_CONCURRENCY): RECEIPTS distinct receipts for as many open top-up notices, sent by PUSH_CONCURRENCY
 *      clients at once; every one must end applied, each top-up crediting its badge once.
 *
 *   npm run bench:pagopa                                                       # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:pagopa   # and PostgreSQL
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { createDatabase, type Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import type { Ente } from '../src/db/schema';
import { seedDemo } from '../src/demo/seed';
import { navFor, takeNoticeBases, topupDueDate } from '../src/domain/payments/notices';
import { euroDecimalFromCents } from '../src/integrations/pagopa/amounts';
import { paSendRTV2RequestXml, parsePaSendRTV2Response, type PagopaReceipt } from '../src/integrations/pagopa/receipt-xml';
import { paymentNoticePdf } from '../src/integrations/pdf/notice';
import {
  adaAndTommaso,
  BASE,
  BENCH_BROKER_ID,
  BENCH_RECEIPT_KEY,
  BENCH_STATION_ID,
  CONNECTIONS,
  DURATION_S,
  load,
  onEngines,
  requireWrk,
  startServer,
  stopServer,
  WARM_UP_S,
  waitForHealth,
} from './harness';
import { writeSection } from './results';

const RECEIPTS = Number(process.env.BENCH_RECEIPTS ?? 10_000);
const PUSH_CONCURRENCY = 32;
const IN_PROCESS_PDFS = 200;
const TOPUP_CENTS = 2_000;

/** RECEIPTS open top-up notices spread over the demo's badges, published as the platform would have them. */
async function seedOpenNotices(database: Database): Promise<{ ente: Ente; notices: { id: number; nav: string; iuv: string; debtor: string; name: string }[] }> {
  const db = database.db;
  const ente = (await db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente & { segregation_code: string };
  const badges = await db
    .selectFrom('badge as b')
    .innerJoin('pupil_holder as ph', 'ph.pupil_id', 'b.pupil_id')
    .innerJoin('person as h', 'h.id', 'ph.person_id')
    .select(['b.id', 'b.pupil_id', 'b.service_id', 'h.id as holderId'])
    .where('b.ente_id', '=', ente.id)
    .where('b.active', '=', 1)
    .execute();
  const now = new Date();
  const batch = 500;
  const total = 2 * RECEIPTS; // one set for one process, one for two
  for (let done = 0; done < total; done += batch) {
    const size = Math.min(batch, total - done);
    await db.transaction().execute(async (trx) => {
      const topups = await trx
        .insertInto('topup')
        .values(Array.from({ length: size }, (_, i) => {
          const badge = badges[(done + i) % badges.length]!;
          return { ente_id: ente.id, badge_id: badge.id, holder_person_id: badge.holderId, amount_cents: TOPUP_CENTS, state: 'in_attesa' as const, created_at: now.toISOString(), credited_at: null, cancelled_at: null };
        }))
        .returning(['id', 'badge_id'])
        .execute();
      const first = await takeNoticeBases(trx, ente.id, size);
      await trx
        .insertInto('payment_notice')
        .values(topups.map((topup, i) => {
          const badge = badges.find((b) => b.id === topup.badge_id)!;
          const nav = navFor(ente, first + i);
          return {
            ente_id: ente.id, nav, iuv: nav.slice(1), kind: 'topup' as const, document_id: null, topup_id: topup.id, holder_person_id: badge.holderId,
            pupil_id: badge.pupil_id, service_id: badge.service_id, amount_cents: TOPUP_CENTS, due_date: topupDueDate(now), description: 'Ricarica badge (benchmark)',
            state: 'open' as const, position_state: 'published' as const, position_next_at: null, position_error: null, published_at: now.toISOString(),
            cart_id: null, cart_until: null, paid_at: null, created_at: now.toISOString(),
          };
        }))
        .execute();
    });
  }
  const notices = await db
    .selectFrom('payment_notice as n')
    .innerJoin('person as h', 'h.id', 'n.holder_person_id')
    .select(['n.id', 'n.nav', 'n.iuv', 'h.fiscal_code as debtor', 'h.given_name', 'h.family_name'])
    .where('n.ente_id', '=', ente.id)
    .where('n.kind', '=', 'topup')
    .where('n.state', '=', 'open')
    .execute();
  return { ente, notices: notices.map((n) => ({ id: n.id, nav: n.nav, iuv: n.iuv, debtor: n.debtor, name: `${n.given_name} ${n.family_name}` })) };
}

function receiptFor(ente: Ente, notice: { nav: string; iuv: string; debtor: string; name: string }, i: number): PagopaReceipt {
  const amount = euroDecimalFromCents(TOPUP_CENTS);
  const debtor = { uniqueIdentifier: { entityUniqueIdentifierType: 'F' as const, entityUniqueIdentifierValue: notice.debtor }, fullName: notice.name };
  return {
    receiptId: `BENCH${String(i).padStart(10, '0')}`,
    noticeNumber: notice.nav,
    fiscalCode: ente.tax_code,
    outcome: 'OK',
    creditorReferenceId: notice.iuv,
    paymentAmount: amount,
    description: 'Ricarica badge (benchmark)',
    companyName: ente.name,
    debtor,
    transferList: { transfer: [{ idTransfer: '1', transferAmount: amount, fiscalCodePA: ente.tax_code, IBAN: ente.iban ?? undefined, remittanceInformation: 'Ricarica badge (benchmark)', transferCategory: '9/0107101TS/' }] },
    idPSP: 'BENCHPSP',
    PSPCompanyName: 'PSP del benchmark',
    idChannel: 'BENCHPSP_01',
    channelDescription: 'app',
    paymentMethod: 'CP',
    paymentDateTime: '2026-11-26T10:00:00',
  };
}

async function pushAll(bodies: string[]): Promise<{ seconds: number; notOk: number }> {
  let next = 0;
  let notOk = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: PUSH_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${BASE}/pagopa/paForNode`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: 'paSendRTV2', 'Ocp-Apim-Subscription-Key': BENCH_RECEIPT_KEY },
          body,
        });
        if (response.status !== 200 || parsePaSendRTV2Response(await response.text()).outcome !== 'OK') notOk++;
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, notOk };
}

async function inProcessPdfs(): Promise<number> {
  const input = {
    subject: 'Refezione scolastica — ottobre 2026 — Tommaso',
    creditor: { taxCode: '00100010016', name: 'Comune di Esempio', office: 'Ufficio Scuola', info: 'ufficio.scuola@esempio.example · 0123 456789', cbill: 'AB1CD' },
    debtor: { fiscalCode: 'LVLDAA85T50G702B', fullName: 'Ada Lovelace', address: 'Via dei Tigli 1, 00100 Esempio' },
    nav: '312000000000000119',
    amountCents: 8_610,
    dueDate: '2026-11-30',
    createdAt: new Date(),
  };
  for (let i = 0; i < 20; i++) await paymentNoticePdf(input); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < IN_PROCESS_PDFS; i++) await paymentNoticePdf(input);
  return IN_PROCESS_PDFS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  requireWrk();
  const loadBefore = loadavg()[0]!;
  const pdfLoop = await inProcessPdfs();
  const rows = await onEngines(async (engine, url) => {
    const database = createDatabase(url);
    await migrateToLatest(database);
    await seedDemo(database.db);
    const { ente, notices } = await seedOpenNotices(database);
    const { cookie } = await adaAndTommaso(database);
    const ada = await database.db.selectFrom('person').select('id').where('fiscal_code', '=', 'LVLDAA85T50G702B').executeTakeFirstOrThrow();
    const adaTopup = await database.db.selectFrom('topup').select('id').where('holder_person_id', '=', ada.id).orderBy('id').executeTakeFirstOrThrow();
    await database.db.destroy();

    const counts = async () => {
      const check = createDatabase(url);
      const applied = Number((await check.db.selectFrom('payment_receipt').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'applied').executeTakeFirstOrThrow()).n);
      const credited = Number((await check.db.selectFrom('movement').select((eb) => eb.fn.countAll<number>().as('n')).where('topup_id', 'is not', null).executeTakeFirstOrThrow()).n);
      await check.destroy();
      return { applied, credited };
    };
    const bodies = notices.map((notice, i) => paSendRTV2RequestXml({ idPA: ente.tax_code, idBrokerPA: BENCH_BROKER_ID, idStation: BENCH_STATION_ID, receipt: receiptFor(ente, notice, i) }));
    const receipts: { workers: number; rate: number; notOk: number; applied: number; credited: number }[] = [];
    let pdf: ReturnType<typeof load> | undefined;
    for (const workers of [1, 2]) {
      const server = startServer(url, workers);
      try {
        await waitForHealth(Date.now() + 30_000);
        if (workers === 1) pdf = load(`/demo/ricariche/${adaTopup.id}/avviso.pdf`, { cookie });
        const share = bodies.slice((workers - 1) * RECEIPTS, workers * RECEIPTS);
        const before = await counts();
        const pushed = await pushAll(share);
        const after = await counts();
        receipts.push({ workers, rate: Math.round(share.length / pushed.seconds), notOk: pushed.notOk, applied: after.applied - before.applied, credited: after.credited - before.credited });
      } finally {
        await stopServer(server);
      }
    }
    return { engine, pdf: pdf!, receipts };
  });

  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}; load average (1 min) before the run ${loadBefore.toFixed(2)}`;
  const lines = [
    '## Issue 5 — pagoPA: notice PDFs and receipts',
    '',
    'By `npm run bench:pagopa` (bench/pagopa.ts); PostgreSQL with `BENCH_DATABASE_URL` set.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine}`,
    `- (a) GET /demo/ricariche/{id}/avviso.pdf as Ada (session cookie), the production build with one process (WEB_CONCURRENCY=1: one core of JavaScript), wrk ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARM_UP_S} s warm-up; and the same PDF rendered ${IN_PROCESS_PDFS} times in a loop in one process, without HTTP or database`,
    `- (b) ${RECEIPTS.toLocaleString('en')} distinct receipts (paSendRTV2 SOAP requests) for as many open top-up notices, POSTed to /pagopa/paForNode of the production build, with one process and then (another set) two, by ${PUSH_CONCURRENCY} concurrent clients in the benchmark process; afterwards every receipt must be applied and every top-up credited once`,
    '',
    `(a) in-process rendering of the notice PDF: **${Math.round(pdfLoop)} PDFs/s** on one core (target ≥ 50/s: ${pdfLoop >= 50 ? 'met' : '**NOT met**'}).`,
    '',
    '| engine | (a) notice PDFs/s over HTTP, 1 process | p50 ms | p99 ms | errors | target ≥ 50/s |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.engine} | ${r.pdf.requestsPerSecond} | ${r.pdf.p50} | ${r.pdf.p99} | ${r.pdf.errors + r.pdf.non2xx} | ${r.pdf.requestsPerSecond >= 50 ? 'met' : '**NOT met**'} |`),
    '',
    '| engine | (b) processes (WEB_CONCURRENCY) | receipts applied/s | receipts applied | top-ups credited | answers not OK | target ≥ 500/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.flatMap((r) =>
      r.receipts.map((x) => {
        const allApplied = x.applied === RECEIPTS && x.credited === RECEIPTS && x.notOk === 0;
        return `| ${r.engine} | ${x.workers} | ${x.rate} | ${x.applied.toLocaleString('en')} | ${x.credited.toLocaleString('en')} | ${x.notOk} | ${x.rate >= 500 && allApplied ? 'met' : '**NOT met**'} |`;
      }),
    ),
  ];
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);
  writeSection('5-pagopa', markdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
