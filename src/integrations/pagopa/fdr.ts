import { centsFromEuroDecimal } from './amounts';
import { call, failure, PagopaCallError } from './clients';

/**
 * Client of pagoPA's reporting flows API for creditors (FdR "Organizations", FDR3), as published in
 * pagopa/pagopa-fdr, openapi/org/openapi.json, version 1.1.60 (repository release 1.2.0, February 2026):
 *
 *   GET /organizations/{organizationId}/fdrs?publishedGt&flowDate&pspId&page&size     the latest revision of each published flow
 *   GET /organizations/{organizationId}/fdrs/{fdr}/revisions/{revision}/psps/{pspId}  one flow revision (SingleFlowResponse)
 *   GET …/psps/{pspId}/payments?page&size                                             its payments (PaginatedPaymentsResponse)
 *
 * Pages count from 1, at most 1000 elements; amounts are decimal euro; instants ISO-8601 with "Z".
 * The platform's base address is https://api.platform.pagopa.it/fdr-org/service/v1, the key the
 * Ocp-Apim-Subscription-Key of the subscription to that API. The same code talks to the built-in sandbox.
 */

export interface FdrEndpoints {
  fdrUrl: string;
  fdrKey: string;
  timeoutMs: number;
}

/** A flow in the list: the latest revision the platform has of it. */
export interface FdrListedFlow {
  fdr: string;
  pspId: string;
  revision: number;
  published: string;
  flowDate: string;
}

export interface FdrFlow {
  fdr: string;
  revision: number;
  pspId: string;
  pspName: string;
  fdrDate: string;
  published: string;
  regulation: string;
  regulationDate: string;
  bicCodePouringBank: string | null;
  totPayments: number;
  sumCents: number;
}

export const FDR_PAY_STATUSES = ['EXECUTED', 'REVOKED', 'STAND_IN', 'STAND_IN_NO_RPT', 'NO_RPT'] as const;
export type FdrPayStatus = (typeof FDR_PAY_STATUSES)[number];

export interface FdrPayment {
  index: number;
  iuv: string;
  iur: string;
  idTransfer: number;
  amountCents: number;
  payStatus: FdrPayStatus;
  payDate: string;
}

/** The API's largest page. */
export const FDR_PAGE_SIZE = 1000;
/** A bound on one listing: 1,000 pages of 1,000 flows is no real ente. */
const MAX_PAGES = 1000;
/** Amounts are integer cents in 32-bit columns (PostgreSQL `integer`). */
const MAX_CENTS = 2_147_483_647;

/** What the platform sent is not what the specification promises: not retried, reported. */
export class FdrFormatError extends PagopaCallError {
  constructor(message: string) {
    super(`fdr: ${message}`, 200, false);
  }
}

/** Text we keep and show: bounded, and without control characters (PostgreSQL refuses NUL in text). */
// eslint-disable-next-line no-control-regex
const isText = (value: unknown, max = 35): value is string => typeof value === 'string' && value.length >= 1 && value.length <= max && !/[\u0000-\u001f\u007f]/.test(value);
const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Decimal euro as JSON gives it (a number such as 10.5, or its text) to cents; undefined when it is not an amount we can keep. */
export function fdrCents(value: unknown): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? value.toFixed(2) : '') : typeof value === 'string' ? value : '';
  if (!/^-?\d{1,12}(\.\d{1,2})?$/.test(text)) return undefined;
  if (typeof value === 'number' && Math.abs(Math.round(value * 100) - value * 100) > 1e-6) return undefined;
  const negative = text.startsWith('-');
  const cents = centsFromEuroDecimal(negative ? text.slice(1) : text);
  if (cents > MAX_CENTS) return undefined;
  return negative ? -cents : cents;
}

function page(body: unknown): { totPage: number; data: unknown[] } {
  const { metadata, data } = (body ?? {}) as { metadata?: { totPage?: unknown }; data?: unknown };
  if (!Array.isArray(data) || !isCount(metadata?.totPage)) throw new FdrFormatError('not a page (metadata.totPage, data[])');
  return { totPage: metadata.totPage, data };
}

function listedFlow(item: unknown): FdrListedFlow {
  const flow = (item ?? {}) as Record<string, unknown>;
  if (!isText(flow.fdr) || !isText(flow.pspId) || !isCount(flow.revision) || flow.revision < 1 || !isInstant(flow.published) || !isInstant(flow.flowDate)) {
    throw new FdrFormatError('a listed flow without fdr, pspId, revision, published or flowDate');
  }
  return { fdr: flow.fdr, pspId: flow.pspId, revision: flow.revision, published: flow.published, flowDate: flow.flowDate };
}

function singleFlow(body: unknown): FdrFlow {
  const flow = (body ?? {}) as Record<string, unknown>;
  const sender = (flow.sender ?? {}) as Record<string, unknown>;
  const sumCents = fdrCents(flow.sumPayments);
  if (
    !isText(flow.fdr) || !isCount(flow.revision) || !isText(sender.pspId) || !isInstant(flow.fdrDate) || !isInstant(flow.published) ||
    !isText(flow.regulation) || typeof flow.regulationDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(flow.regulationDate) ||
    !isCount(flow.totPayments) || sumCents === undefined || flow.status !== 'PUBLISHED'
  ) {
    throw new FdrFormatError('a flow without its published fields (fdr, revision, sender.pspId, fdrDate, published, regulation, regulationDate, totPayments, sumPayments)');
  }
  return {
    fdr: flow.fdr,
    revision: flow.revision,
    pspId: sender.pspId,
    pspName: isText(sender.pspName, 70) ? sender.pspName : sender.pspId,
    fdrDate: flow.fdrDate,
    published: flow.published,
    regulation: flow.regulation,
    regulationDate: flow.regulationDate,
    bicCodePouringBank: isText(flow.bicCodePouringBank) ? flow.bicCodePouringBank : null,
    totPayments: flow.totPayments,
    sumCents,
  };
}

function payment(item: unknown): FdrPayment {
  const p = (item ?? {}) as Record<string, unknown>;
  const amountCents = fdrCents(p.pay);
  if (
    !isCount(p.index) || p.index < 1 || !isText(p.iuv) || !isText(p.iur) || !isCount(p.idTransfer) || p.idTransfer < 1 || p.idTransfer > 5 ||
    amountCents === undefined || !FDR_PAY_STATUSES.includes(p.payStatus as FdrPayStatus) || !isInstant(p.payDate)
  ) {
    throw new FdrFormatError('a payment without index, iuv, iur, idTransfer (1–5), pay, payStatus or payDate');
  }
  return { index: p.index, iuv: p.iuv, iur: p.iur, idTransfer: p.idTransfer, amountCents, payStatus: p.payStatus as FdrPayStatus, payDate: p.payDate };
}

/** An instant as the API's query takes it: ISO-8601 UTC, whole seconds. */
const instantParam = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function createFdrClient(endpoints: FdrEndpoints) {
  const base = (organizationId: string) => `${endpoints.fdrUrl}/organizations/${encodeURIComponent(organizationId)}/fdrs`;
  const revisionPath = (organizationId: string, flow: { fdr: string; revision: number; pspId: string }) =>
    `${base(organizationId)}/${encodeURIComponent(flow.fdr)}/revisions/${flow.revision}/psps/${encodeURIComponent(flow.pspId)}`;

  async function getJson(url: string, what: string): Promise<unknown> {
    const response = await call(url, endpoints.fdrKey, { method: 'GET', headers: { accept: 'application/json' } }, endpoints.timeoutMs);
    if (response.status !== 200) throw failure(what, response, await response.text().catch(() => ''));
    try {
      return await response.json();
    } catch {
      throw new FdrFormatError(`${what}: not JSON`);
    }
  }

  /**
   * The flows published for a creditor after `publishedAfter` (the latest revision of each), every page.
   * `flowDate` is sent too: omitted, the platform would apply its own default (a month back) to it.
   */
  async function listFlows(organizationId: string, publishedAfter: Date, flowsAfter: Date): Promise<FdrListedFlow[]> {
    const flows: FdrListedFlow[] = [];
    for (let pageNumber = 1, totPage = 1; pageNumber <= totPage && pageNumber <= MAX_PAGES; pageNumber++) {
      const query = new URLSearchParams({
        publishedGt: instantParam(publishedAfter),
        flowDate: instantParam(flowsAfter),
        page: String(pageNumber),
        size: String(FDR_PAGE_SIZE),
      });
      const answer = page(await getJson(`${base(organizationId)}?${query}`, 'fdrs list'));
      totPage = answer.totPage;
      for (const item of answer.data) flows.push(listedFlow(item));
    }
    return flows;
  }

  async function getFlow(organizationId: string, flow: { fdr: string; revision: number; pspId: string }): Promise<FdrFlow> {
    return singleFlow(await getJson(revisionPath(organizationId, flow), 'fdr'));
  }

  /** Every payment of one flow revision, in index order, page after page. */
  async function getPayments(organizationId: string, flow: { fdr: string; revision: number; pspId: string }): Promise<FdrPayment[]> {
    const payments: FdrPayment[] = [];
    for (let pageNumber = 1, totPage = 1; pageNumber <= totPage && pageNumber <= MAX_PAGES; pageNumber++) {
      const query = new URLSearchParams({ page: String(pageNumber), size: String(FDR_PAGE_SIZE) });
      const answer = page(await getJson(`${revisionPath(organizationId, flow)}/payments?${query}`, 'fdr payments'));
      totPage = answer.totPage;
      for (const item of answer.data) payments.push(payment(item));
    }
    return payments;
  }

  return { listFlows, getFlow, getPayments };
}

export type FdrClient = ReturnType<typeof createFdrClient>;
