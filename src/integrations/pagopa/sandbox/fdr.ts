import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema';
import { romeDate, romeInstant } from '../../../domain/calendar/local-time';
import type { Clock } from '../../../domain/clock';
import { centsFromEuroDecimal, euroDecimalFromCents } from '../amounts';
import { parseReceiptXml } from '../receipt-xml';

/**
 * The sandbox's reporting flows (FdR): what a PSP publishes for the money it collected. One flow per
 * creditor, PSP and Rome day, made of the sandbox's receipts of that day (each transfer to the creditor a
 * payment), published once the day is over — when the creditor first asks for its flows afterwards. A
 * flow can be republished as a new revision (`republishFlow`), as a PSP corrects one. Served at the paths
 * and with the bodies of the FdR Organizations API (pagopa/pagopa-fdr, openapi/org/openapi.json 1.1.60).
 */

type Db = Kysely<DB>;

/** How far back the platform keeps flows, and so how far back the sandbox publishes. */
const KEPT_DAYS = 30;

export interface SandboxFdrPayment {
  index: number;
  iuv: string;
  iur: string;
  idTransfer: number;
  pay: number;
  payStatus: 'EXECUTED' | 'REVOKED' | 'STAND_IN' | 'STAND_IN_NO_RPT' | 'NO_RPT';
  payDate: string;
}

interface FlowBody {
  fdr: string;
  fdrDate: string;
  regulation: string;
  regulationDate: string;
  bicCodePouringBank: string;
  sender: { type: 'LEGAL_PERSON'; id: string; pspId: string; pspName: string; pspBrokerId: string; channelId: string };
  receiver: { id: string; organizationId: string; organizationName: string };
}

const sumOf = (payments: readonly SandboxFdrPayment[]) => payments.reduce((sum, p) => sum + centsFromEuroDecimal(p.pay.toFixed(2)), 0);
const decimal = (cents: number) => Number(euroDecimalFromCents(cents));

/**
 * Publishes the flows of every past day with receipts of the creditor that has none yet (a day's flow is
 * published once: the day's key is the primary key of `sandbox_fdr_day`).
 */
export async function publishDueFlows(db: Db, creditorTaxCode: string, now: Date, { includeToday = false } = {}): Promise<number> {
  // A PSP reports a day once it is over; the sandbox's page may publish today's so far, for a demo.
  const today = includeToday ? new Date(now.getTime() + 1).toISOString() : romeInstant(romeDate(now), '00:00').toISOString();
  const since = new Date(now.getTime() - KEPT_DAYS * 86_400_000).toISOString();
  const receipts = await db
    .selectFrom('sandbox_receipt')
    .select(['receipt_id', 'paid_at', 'xml'])
    .where('creditor_tax_code', '=', creditorTaxCode)
    .where('paid_at', '>=', since)
    .where('paid_at', '<', today)
    .orderBy('paid_at')
    .orderBy('receipt_id')
    .execute();
  if (receipts.length === 0) return 0;
  const published = new Set(
    (await db.selectFrom('sandbox_fdr_day').select(['psp_id', 'day']).where('creditor_tax_code', '=', creditorTaxCode).where('day', '>=', since.slice(0, 10)).execute()).map(
      (row) => `${row.psp_id} ${row.day}`,
    ),
  );
  const groups = new Map<string, { pspId: string; day: string; xml: { receiptId: string; paidAt: string; xml: string }[] }>();
  for (const row of receipts) {
    const pspId = /<idPSP>([^<]{1,35})<\/idPSP>/.exec(row.xml)?.[1];
    if (!pspId) continue;
    const day = romeDate(new Date(row.paid_at));
    const key = `${pspId} ${day}`;
    if (published.has(key)) continue;
    const group = groups.get(key) ?? { pspId, day, xml: [] };
    group.xml.push({ receiptId: row.receipt_id, paidAt: row.paid_at, xml: row.xml });
    groups.set(key, group);
  }
  let count = 0;
  for (const group of groups.values()) {
    const payments: SandboxFdrPayment[] = [];
    let pspName = group.pspId;
    let companyName = creditorTaxCode;
    for (const { receiptId, paidAt, xml } of group.xml) {
      const receipt = parseReceiptXml(xml);
      if (receipt.outcome !== 'OK') continue;
      pspName = receipt.PSPCompanyName;
      companyName = receipt.companyName ?? companyName;
      for (const transfer of receipt.transferList.transfer) {
        if (transfer.fiscalCodePA !== creditorTaxCode) continue;
        payments.push({
          index: payments.length + 1,
          iuv: receipt.creditorReferenceId,
          iur: receiptId.slice(0, 35),
          idTransfer: Number(transfer.idTransfer),
          pay: Number(transfer.transferAmount),
          payStatus: 'EXECUTED',
          payDate: paidAt,
        });
      }
    }
    if (payments.length === 0) continue;
    const fdr = `${group.day}${group.pspId}-0001`;
    const body: FlowBody = {
      fdr,
      fdrDate: now.toISOString(),
      regulation: `SCT${group.day.replaceAll('-', '')}${group.pspId}`.slice(0, 35),
      regulationDate: romeDate(now),
      bicCodePouringBank: 'SANDITM1XXX',
      sender: { type: 'LEGAL_PERSON', id: group.pspId, pspId: group.pspId, pspName: pspName.slice(0, 70), pspBrokerId: group.pspId, channelId: `${group.pspId}_01` },
      receiver: { id: creditorTaxCode, organizationId: creditorTaxCode, organizationName: companyName.slice(0, 140) },
    };
    const stored = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('sandbox_fdr_day')
        .values({ creditor_tax_code: creditorTaxCode, psp_id: group.pspId, day: group.day, fdr })
        .onConflict((oc) => oc.columns(['creditor_tax_code', 'psp_id', 'day']).doNothing())
        .returning('fdr')
        .executeTakeFirst();
      if (!claimed) return false;
      await insertRevision(trx, creditorTaxCode, body, group.pspId, 1, payments, now);
      return true;
    });
    if (stored) count++;
  }
  return count;
}

async function insertRevision(db: Db, creditorTaxCode: string, body: FlowBody, pspId: string, revision: number, payments: SandboxFdrPayment[], now: Date) {
  await db
    .insertInto('sandbox_fdr_flow')
    .values({
      creditor_tax_code: creditorTaxCode,
      fdr: body.fdr,
      psp_id: pspId,
      revision,
      flow_date: body.fdrDate,
      published_at: now.toISOString(),
      is_latest: 1,
      body: JSON.stringify(body),
      payments: JSON.stringify(payments),
    })
    .execute();
}

/**
 * A PSP republishes a flow: a new revision with the payments `edit` returns (a payment added, removed or
 * with another amount), published now; the earlier revision stays, no longer the latest.
 */
export async function republishFlow(
  db: Db,
  key: { creditorTaxCode: string; pspId: string; fdr: string },
  edit: (payments: SandboxFdrPayment[]) => SandboxFdrPayment[],
  now: Date,
): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const latest = await trx
      .selectFrom('sandbox_fdr_flow')
      .selectAll()
      .where('creditor_tax_code', '=', key.creditorTaxCode)
      .where('psp_id', '=', key.pspId)
      .where('fdr', '=', key.fdr)
      .where('is_latest', '=', 1)
      .executeTakeFirst();
    if (!latest) return undefined;
    const payments = edit(JSON.parse(latest.payments) as SandboxFdrPayment[]).map((p, i) => ({ ...p, index: i + 1 }));
    await trx
      .updateTable('sandbox_fdr_flow')
      .set({ is_latest: 0 })
      .where('creditor_tax_code', '=', key.creditorTaxCode)
      .where('psp_id', '=', key.pspId)
      .where('fdr', '=', key.fdr)
      .execute();
    const body = { ...(JSON.parse(latest.body) as FlowBody), fdrDate: now.toISOString() };
    await insertRevision(trx, key.creditorTaxCode, body, key.pspId, latest.revision + 1, payments, now);
    return latest.revision + 1;
  });
}

/** Stores a whole flow as given (benchmarks, tests): revision 1, published now. */
export async function publishFlow(
  db: Db,
  flow: { creditorTaxCode: string; pspId: string; pspName: string; day: string; payments: SandboxFdrPayment[] },
  now: Date,
): Promise<string> {
  const fdr = `${flow.day}${flow.pspId}-0001`;
  const body: FlowBody = {
    fdr,
    fdrDate: now.toISOString(),
    regulation: `SCT${flow.day.replaceAll('-', '')}${flow.pspId}`.slice(0, 35),
    regulationDate: romeDate(now),
    bicCodePouringBank: 'SANDITM1XXX',
    sender: { type: 'LEGAL_PERSON', id: flow.pspId, pspId: flow.pspId, pspName: flow.pspName, pspBrokerId: flow.pspId, channelId: `${flow.pspId}_01` },
    receiver: { id: flow.creditorTaxCode, organizationId: flow.creditorTaxCode, organizationName: flow.creditorTaxCode },
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('sandbox_fdr_day').values({ creditor_tax_code: flow.creditorTaxCode, psp_id: flow.pspId, day: flow.day, fdr }).execute();
    await insertRevision(trx, flow.creditorTaxCode, body, flow.pspId, 1, flow.payments, now);
  });
  return fdr;
}

/** The FdR API's error body (ErrorResponse). */
function fdrError(reply: FastifyReply, status: number, appErrorCode: string, message: string, path = ''): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send({
      errorId: crypto.randomUUID(),
      httpStatusCode: status,
      httpStatusDescription: STATUS_CODES[status] ?? 'Error',
      appErrorCode,
      errors: [{ ...(path ? { path } : {}), message }],
    });
}

function instantQuery(value: unknown): Date | undefined | 'invalid' {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return 'invalid';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? 'invalid' : date;
}

function positiveQuery(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number | 'invalid' {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return 'invalid';
  const n = Number(value);
  return n >= 1 && n <= max ? n : 'invalid';
}

const ID = /^.{1,35}$/;

type FlowParams = { organizationId: string; fdr: string; revision: string; pspId: string };

/** The three GET routes of the FdR Organizations API, inside the sandbox's key-checked API scope. */
export function fdrSandboxRoutes(api: FastifyInstance, { db, clock }: { db: Db; clock: Clock }): void {
  api.get<{ Params: { organizationId: string }; Querystring: Record<string, unknown> }>('/organizations/:organizationId/fdrs', async (request, reply) => {
    const { organizationId } = request.params;
    const query = request.query;
    const page = positiveQuery(query.page, 1);
    const size = positiveQuery(query.size, 1000, 1000);
    const publishedGt = instantQuery(query.publishedGt);
    const flowDate = instantQuery(query.flowDate);
    const pspId = query.pspId;
    if (!ID.test(organizationId)) return fdrError(reply, 400, 'FDR-0702', 'organizationId: 1 to 35 characters', 'organizationId');
    if (page === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'page: a whole number from 1', 'page');
    if (size === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'size: a whole number from 1 to 1000', 'size');
    if (publishedGt === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'publishedGt: an ISO-8601 instant', 'publishedGt');
    if (flowDate === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'flowDate: an ISO-8601 instant', 'flowDate');
    if (pspId !== undefined && (typeof pspId !== 'string' || !ID.test(pspId))) return fdrError(reply, 400, 'FDR-0400', 'pspId: 1 to 35 characters', 'pspId');
    const now = clock.now();
    await publishDueFlows(db, organizationId, now);
    // As the platform: without a bound, the start of the previous month (UTC).
    const fallback = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString();
    let base = db
      .selectFrom('sandbox_fdr_flow')
      .where('creditor_tax_code', '=', organizationId)
      .where('is_latest', '=', 1)
      .where('published_at', '>', publishedGt?.toISOString() ?? fallback)
      .where('flow_date', '>', flowDate?.toISOString() ?? fallback);
    if (typeof pspId === 'string') base = base.where('psp_id', '=', pspId);
    const { total } = await base.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow();
    // The page comes with the request: bound, as on the platform (the sandbox's listing is no hot path).
    // eslint-disable-next-line no-restricted-syntax
    const rows = await base.select(['fdr', 'psp_id', 'revision', 'published_at', 'flow_date']).orderBy('flow_date').orderBy('fdr').offset((page - 1) * size).limit(size).execute();
    return reply.send({
      metadata: { pageSize: size, pageNumber: page, totPage: Math.ceil(Number(total) / size) },
      count: Number(total),
      data: rows.map((row) => ({ fdr: row.fdr, pspId: row.psp_id, revision: row.revision, published: row.published_at, flowDate: row.flow_date })),
    });
  });

  async function findRevision(params: FlowParams) {
    if (!/^\d{1,9}$/.test(params.revision) || Number(params.revision) < 1) return 'invalid' as const;
    return db
      .selectFrom('sandbox_fdr_flow')
      .selectAll()
      .where('creditor_tax_code', '=', params.organizationId)
      .where('psp_id', '=', params.pspId)
      .where('fdr', '=', params.fdr)
      .where('revision', '=', Number(params.revision))
      .executeTakeFirst();
  }

  const flowPath = '/organizations/:organizationId/fdrs/:fdr/revisions/:revision/psps/:pspId';

  api.get<{ Params: FlowParams }>(flowPath, async (request, reply) => {
    const row = await findRevision(request.params);
    if (row === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'revision: a whole number from 1', 'revision');
    if (!row) return fdrError(reply, 404, 'FDR-3001', `The flow ${request.params.fdr} does not exist`);
    const body = JSON.parse(row.body) as FlowBody;
    const payments = JSON.parse(row.payments) as SandboxFdrPayment[];
    const sum = decimal(sumOf(payments));
    return reply.send({
      status: 'PUBLISHED',
      revision: row.revision,
      created: row.flow_date,
      updated: row.published_at,
      ...body,
      published: row.published_at,
      computedTotPayments: payments.length,
      computedSumPayments: sum,
      totPayments: payments.length,
      sumPayments: sum,
    });
  });

  api.get<{ Params: FlowParams; Querystring: Record<string, unknown> }>(`${flowPath}/payments`, async (request, reply) => {
    const page = positiveQuery(request.query.page, 1);
    const size = positiveQuery(request.query.size, 1000);
    if (page === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'page: a whole number from 1', 'page');
    if (size === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'size: a whole number from 1', 'size');
    const row = await findRevision(request.params);
    if (row === 'invalid') return fdrError(reply, 400, 'FDR-0400', 'revision: a whole number from 1', 'revision');
    if (!row) return fdrError(reply, 404, 'FDR-3001', `The flow ${request.params.fdr} does not exist`);
    const payments = JSON.parse(row.payments) as SandboxFdrPayment[];
    const data = payments.slice((page - 1) * size, page * size);
    return reply.send({ metadata: { pageSize: size, pageNumber: page, totPage: Math.ceil(payments.length / size) }, count: payments.length, data });
  });
}
