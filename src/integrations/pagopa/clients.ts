import { romeDateTime } from '../../domain/calendar/local-time';

/**
 * Clients of the pagoPA REST APIs we call: Checkout carts, GPD debt positions, and the receipts API.
 * The same code talks to the platform and to the built-in sandbox; only the base URLs and keys differ.
 */

export interface PagopaEndpoints {
  checkoutUrl: string;
  checkoutKey: string;
  gpdUrl: string;
  gpdKey: string;
  receiptsUrl: string;
  receiptsKey: string;
  timeoutMs: number;
}

/** A call that did not get the answer we need; `retryable` when trying again later may help. */
export class PagopaCallError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export async function call(url: string, key: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { 'Ocp-Apim-Subscription-Key': key, ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new PagopaCallError(`${init.method ?? 'GET'} ${new URL(url).pathname}: ${(error as Error).message}`, undefined, true);
  }
}

export function failure(what: string, response: Response, detail = ''): PagopaCallError {
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
  return new PagopaCallError(`${what}: HTTP ${response.status}${detail ? ` ${detail.slice(0, 300)}` : ''}`, response.status, retryable);
}

export interface CartNotice {
  noticeNumber: string;
  fiscalCode: string;
  amount: number;
  companyName: string;
  description: string;
}

export interface CartRequest {
  paymentNotices: CartNotice[];
  returnUrls: { returnOkUrl: string; returnCancelUrl: string; returnErrorUrl: string; returnWaitingUrl: string };
  emailNotice?: string;
  idCart: string;
}

export interface DebtPosition {
  iupd: string;
  type: 'F' | 'G';
  fiscalCode: string;
  fullName: string;
  companyName: string;
  switchToExpired: boolean;
  paymentOption: {
    iuv: string;
    nav: string;
    amount: number;
    description: string;
    isPartialPayment: false;
    dueDate: string;
    transfer: { idTransfer: '1'; amount: number; remittanceInformation: string; category: string; iban: string }[];
  }[];
}

export interface ReceiptListItem {
  organizationFiscalCode: string;
  iuv: string;
  debtor: string;
  paymentDateTime: string;
  status: string;
}

/** The receipts API's largest page (pagopa-gpd-payments: pageSize at most 100). */
const RECEIPTS_PAGE_SIZE = 100;
/** A bound on one pull's pages: 100,000 receipts between two pulls a minute apart is not a real ente. */
const MAX_RECEIPT_PAGES = 1000;

export function createPagopaClients(endpoints: PagopaEndpoints) {
  const { timeoutMs } = endpoints;
  const gpd = (taxCode: string, rest = '') => `${endpoints.gpdUrl}/organizations/${encodeURIComponent(taxCode)}/debtpositions${rest}`;

  /**
   * POST /ec/v2/carts (checkout_v2.json): the platform answers 302 with where to send the payer's browser.
   * Version 2, because only it carries `returnWaitingUrl`.
   */
  async function createCart(cart: CartRequest): Promise<{ location: string }> {
    const response = await call(
      `${endpoints.checkoutUrl}/ec/v2/carts`,
      endpoints.checkoutKey,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cart) },
      timeoutMs,
    );
    const location = response.headers.get('location');
    if (response.status === 302 && location) return { location };
    throw failure('carts', response, await response.text().catch(() => ''));
  }

  /**
   * Creates and publishes a position. 409 means an earlier attempt already created it (the answer got
   * lost): then it is read back and published if still a draft, so a retry never fails on its own success.
   */
  async function publishPosition(creditorTaxCode: string, position: DebtPosition): Promise<'published'> {
    const created = await call(
      gpd(creditorTaxCode, '?toPublish=true'),
      endpoints.gpdKey,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(position) },
      timeoutMs,
    );
    if (created.status === 201) return 'published';
    if (created.status !== 409) throw failure('debtpositions', created, await created.text().catch(() => ''));
    const existing = await call(gpd(creditorTaxCode, `/${encodeURIComponent(position.iupd)}`), endpoints.gpdKey, { method: 'GET' }, timeoutMs);
    if (existing.status !== 200) throw failure('debtpositions get', existing);
    const { status } = (await existing.json()) as { status?: string };
    if (status === 'DRAFT') {
      const published = await call(gpd(creditorTaxCode, `/${encodeURIComponent(position.iupd)}/publish`), endpoints.gpdKey, { method: 'POST' }, timeoutMs);
      if (published.status !== 200) throw failure('debtpositions publish', published);
    }
    return 'published';
  }

  /**
   * Whether one notice of a position is still unpaid, as GPD says (getOrganizationDebtPositionByIUPD,
   * the option's `status`): `unpaid` only for PO_UNPAID; `paid` for PO_PAID and the reported states;
   * `unknown` when GPD has no such position or option. A failed call throws: the caller cannot tell.
   */
  async function paymentOptionState(creditorTaxCode: string, iupd: string, nav: string): Promise<'unpaid' | 'paid' | 'unknown'> {
    const response = await call(gpd(creditorTaxCode, `/${encodeURIComponent(iupd)}`), endpoints.gpdKey, { method: 'GET' }, timeoutMs);
    if (response.status === 404) return 'unknown';
    if (response.status !== 200) throw failure('debtpositions get', response);
    const position = (await response.json().catch(() => undefined)) as { paymentOption?: { nav?: unknown; status?: unknown }[] } | undefined;
    const option = Array.isArray(position?.paymentOption) ? position.paymentOption.find((o) => o?.nav === nav) : undefined;
    if (option?.status === 'PO_UNPAID') return 'unpaid';
    if (option?.status === 'PO_PAID' || option?.status === 'PO_PARTIALLY_REPORTED' || option?.status === 'PO_REPORTED') return 'paid';
    return 'unknown';
  }

  /** Withdraws a position (a cancelled document); a position already gone or paid needs nothing more. */
  async function invalidatePosition(creditorTaxCode: string, iupd: string): Promise<'invalidated' | 'not-invalidable'> {
    const response = await call(gpd(creditorTaxCode, `/${encodeURIComponent(iupd)}/invalidate`), endpoints.gpdKey, { method: 'POST' }, timeoutMs);
    if (response.status === 200) return 'invalidated';
    if (response.status === 404 || response.status === 409) return 'not-invalidable';
    throw failure('debtpositions invalidate', response);
  }

  /**
   * The receipts of an ente paid between two instants (receipts API list, every page). The API reads
   * `from` and `to` as Rome's wall clock without offset (yyyy-MM-dd'T'HH:mm:ss) and answers pages of
   * `{currentPageNumber, length, totalPages, results[]}`; 404 means none.
   */
  async function listReceipts(creditorTaxCode: string, from: Date, to: Date): Promise<ReceiptListItem[]> {
    const items: ReceiptListItem[] = [];
    for (let pageNum = 0, totalPages = 1; pageNum < totalPages && pageNum < MAX_RECEIPT_PAGES; pageNum++) {
      const query = new URLSearchParams({ from: romeDateTime(from), to: romeDateTime(to), pageNum: String(pageNum), pageSize: String(RECEIPTS_PAGE_SIZE) });
      const response = await call(
        `${endpoints.receiptsUrl}/payments/${encodeURIComponent(creditorTaxCode)}/receipts?${query}`,
        endpoints.receiptsKey,
        { method: 'GET' },
        timeoutMs,
      );
      if (response.status === 404) break;
      if (response.status !== 200) throw failure('receipts list', response, await response.text().catch(() => ''));
      const page = (await response.json()) as { totalPages?: unknown; results?: unknown };
      if (!Array.isArray(page.results) || typeof page.totalPages !== 'number') throw new PagopaCallError('receipts list: not a page of results', 200, true);
      totalPages = page.totalPages;
      for (const item of page.results as Partial<ReceiptListItem>[]) {
        // A listed item without its IUV cannot be fetched: nothing to do with it here.
        if (item && typeof item.iuv === 'string') items.push(item as ReceiptListItem);
      }
    }
    return items;
  }

  /**
   * The receipt XML of one IUV: `undefined` when the platform has none (404), `refused` with its detail
   * when it cannot give it (422, "unable to process the request").
   */
  async function getReceipt(creditorTaxCode: string, iuv: string): Promise<string | undefined | { refused: string }> {
    const response = await call(
      `${endpoints.receiptsUrl}/payments/${encodeURIComponent(creditorTaxCode)}/receipts/${encodeURIComponent(iuv)}`,
      endpoints.receiptsKey,
      { method: 'GET', headers: { accept: 'application/xml' } },
      timeoutMs,
    );
    if (response.status === 404) return undefined;
    if (response.status === 422) return { refused: (await response.text().catch(() => '')).slice(0, 500) || 'HTTP 422' };
    if (response.status !== 200) throw failure('receipt', response);
    return response.text();
  }

  return { createCart, publishPosition, paymentOptionState, invalidatePosition, listReceipts, getReceipt };
}

export type PagopaClients = ReturnType<typeof createPagopaClients>;
