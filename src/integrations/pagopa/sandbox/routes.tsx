import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { Config } from '../../../config/index';
import type { DB } from '../../../db/schema';
import type { Clock } from '../../../domain/clock';
import { centsFromEuroDecimal } from '../amounts';
import { parseNav } from '../nav';
import { parseReceiptXml } from '../receipt-xml';
import { createReceiptCourier } from './delivery';
import { fdrSandboxRoutes } from './fdr';
import { fdrSandboxPage } from './fdr-page';
import { cancelCart, payCart, payNotice, romeDateTime } from './payment';
import {
  cartRequestSchema,
  creditorTaxCodeSchema,
  debtPositionSchema,
  describeIssues,
  gpdCreateRefusal,
  gpdInstant,
  receiptsQuerySchema,
  receiptsRange,
} from './schemas';
import {
  changePositionStatus,
  findCart,
  findPosition,
  findPositionByNav,
  findReceiptById,
  findReceiptXml,
  insertCart,
  insertPosition,
  listReceipts,
  type StoredCart,
  type StoredPosition,
} from './store';
import { DELIVERY_MODES, sandboxTexts } from './texts';
import { CartClosedPage, CheckoutPage, CounterDonePage, type CounterField, CounterPage, type CounterProblem, MessagePage } from './views';

export interface PagopaSandboxOptions {
  db: Kysely<DB>;
  clock: Clock;
  pagopa: Config['pagopa'];
  /** Our public origin: the checkout page's address is built on it, as the platform's is on its own. */
  publicUrl: string;
}

/** The sandbox plays an external site: its APIs and its pages' forms carry no session token of ours. */
const external = { config: { csrf: false } } as const;

function problem(reply: FastifyReply, status: number, detail: string, title = STATUS_CODES[status] ?? 'Error'): FastifyReply {
  return reply.code(status).type('application/json').send({ title, status, detail });
}

function sendHtml(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!DOCTYPE html>${renderToString(page)}`);
}

/** Compared as digests, so neither the key's content nor its length leaks through timing. */
function sameKey(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}

/**
 * A scope of the platform's REST APIs: the subscription key of that API is required (401 otherwise,
 * as the platform's API gateway answers), and every error is a ProblemJson, not one of our HTML pages.
 */
function apiScope(key: string, routes: (api: FastifyInstance) => void) {
  return async (api: FastifyInstance) => {
    api.addHook('onRequest', async (request, reply) => {
      if (!sameKey(request.headers['ocp-apim-subscription-key'], key)) {
        return problem(reply, 401, 'Ocp-Apim-Subscription-Key missing or wrong');
      }
    });
    api.setErrorHandler(async (error: FastifyError, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) request.log.error({ err: error }, 'pagoPA sandbox API failed');
      return problem(reply, status, status >= 500 ? 'sandbox internal error' : error.message);
    });
    routes(api);
  };
}

const positionJson = (position: StoredPosition) => ({ ...position.body, status: position.status });

/**
 * A position as GPD's GET answers it (PaymentPositionModelBaseResponse): the creditor's view, with each
 * payment option's own state, PO_UNPAID until paid and PO_PAID after; the debtor's data is not in it.
 */
function positionDetail(position: StoredPosition) {
  const { body } = position;
  const paid = position.status === 'PAID';
  const paymentDate = paid ? { paymentDate: position.updatedAt } : {};
  return {
    iupd: body.iupd,
    organizationFiscalCode: position.creditorTaxCode,
    type: body.type,
    companyName: body.companyName,
    ...(body.officeName ? { officeName: body.officeName } : {}),
    status: position.status,
    ...paymentDate,
    lastUpdatedDate: position.updatedAt,
    paymentOption: body.paymentOption.map((option) => ({
      nav: position.nav,
      iuv: option.iuv,
      organizationFiscalCode: position.creditorTaxCode,
      amount: option.amount,
      description: option.description,
      isPartialPayment: option.isPartialPayment,
      dueDate: option.dueDate,
      ...paymentDate,
      status: paid ? 'PO_PAID' : 'PO_UNPAID',
      lastUpdatedDate: position.updatedAt,
      transfer: option.transfer.map((transfer) => ({
        organizationFiscalCode: transfer.organizationFiscalCode ?? position.creditorTaxCode,
        idTransfer: transfer.idTransfer,
        amount: transfer.amount,
        remittanceInformation: transfer.remittanceInformation,
        category: transfer.category,
        ...(transfer.iban ? { iban: transfer.iban } : {}),
        status: 'T_UNREPORTED',
      })),
    })),
  };
}

const COUNTER_REFUSALS: Record<'unknown' | 'invalid' | 'already-paid', [CounterProblem, number]> = {
  unknown: ['unknown', 404],
  invalid: ['invalid', 409],
  'already-paid': ['paid', 409],
};

const deliveryForm = z.object({ consegna: z.enum(DELIVERY_MODES).default('normale') });
const checkoutForm = deliveryForm.extend({ 'doppio-pagamento': z.literal('si').optional() });

/**
 * The built-in pagoPA sandbox (development, tests, demo): the platform's HTTP contracts for debt
 * positions (GPD), Checkout carts and receipts, a checkout page where one pays or cancels, and a
 * "tobacconist" page that pays a notice by its code. Receipts are pushed to our paSendRTV2 endpoint.
 */
export async function pagopaSandboxRoutes(app: FastifyInstance, opts: PagopaSandboxOptions): Promise<void> {
  const { db, clock, pagopa, publicUrl } = opts;
  const courier = createReceiptCourier(
    { endpoint: pagopa.receiptEndpoint, brokerId: pagopa.brokerId, stationId: pagopa.stationId },
    app.log,
  );
  app.addHook('onClose', async () => courier.close());

  const cartPath = (id: string) => `${app.prefix}/checkout/carrello/${encodeURIComponent(id)}`;
  const counterPath = `${app.prefix}/tabaccheria`;

  await app.register(
    apiScope(pagopa.gpdKey, (gpd) => {
      type PositionParams = { taxCode: string; iupd: string };

      gpd.post<{ Params: { taxCode: string }; Querystring: { toPublish?: string } }>(
        '/organizations/:taxCode/debtpositions',
        external,
        async (request, reply) => {
          const taxCode = creditorTaxCodeSchema.safeParse(request.params.taxCode);
          if (!taxCode.success) return problem(reply, 400, 'organizationfiscalcode: 11 digits');
          const toPublish = request.query.toPublish ?? 'false';
          if (toPublish !== 'true' && toPublish !== 'false') return problem(reply, 400, 'toPublish: true or false');
          const parsed = debtPositionSchema.safeParse(request.body);
          if (!parsed.success) return problem(reply, 400, describeIssues(parsed.error), 'BAD REQUEST');
          // As GPD: a due date already past (read in UTC) is refused, so an overdue notice must be moved on.
          const refusal = gpdCreateRefusal(parsed.data, clock.now());
          if (refusal) return problem(reply, 400, refusal, 'Error in the debt position request data');
          const status = toPublish === 'true' ? 'VALID' : 'DRAFT';
          const created = await insertPosition(db, taxCode.data, parsed.data, status, clock.now());
          if (created === 'conflict') return problem(reply, 409, 'a debt position with this iupd or notice number already exists');
          return reply.code(201).send({ ...parsed.data, status });
        },
      );

      gpd.get<{ Params: PositionParams }>('/organizations/:taxCode/debtpositions/:iupd', async (request, reply) => {
        const position = await findPosition(db, request.params.taxCode, request.params.iupd);
        if (!position) return problem(reply, 404, 'debt position not found');
        return reply.send(positionDetail(position));
      });

      gpd.post<{ Params: PositionParams }>('/organizations/:taxCode/debtpositions/:iupd/publish', external, async (request, reply) => {
        const { taxCode, iupd } = request.params;
        const draft = await findPosition(db, taxCode, iupd);
        if (!draft) return problem(reply, 404, 'debt position not found');
        // As GPD: a draft whose due date passed meanwhile can no longer be published.
        if (draft.status === 'DRAFT' && draft.body.paymentOption.some((option) => gpdInstant(option.dueDate)!.getTime() < clock.now().getTime())) {
          return problem(
            reply,
            409,
            `A publish request occurred after the due date of a payment options has expired for the debt position with Organization Fiscal Code ${taxCode} and IUPD ${iupd}`,
            'Publish request occurred after the due date of a payment options has expired',
          );
        }
        if (!(await changePositionStatus(db, { creditorTaxCode: taxCode, iupd }, ['DRAFT'], 'VALID', clock.now()))) {
          return problem(reply, 409, 'only a DRAFT debt position can be published');
        }
        return reply.send(positionJson((await findPosition(db, taxCode, iupd))!));
      });

      gpd.post<{ Params: PositionParams }>('/organizations/:taxCode/debtpositions/:iupd/invalidate', external, async (request, reply) => {
        const { taxCode, iupd } = request.params;
        if (!(await findPosition(db, taxCode, iupd))) return problem(reply, 404, 'debt position not found');
        if (!(await changePositionStatus(db, { creditorTaxCode: taxCode, iupd }, ['DRAFT', 'VALID'], 'INVALID', clock.now()))) {
          return problem(reply, 409, 'the debt position is paid or already invalid');
        }
        return reply.send(positionJson((await findPosition(db, taxCode, iupd))!));
      });
    }),
    { prefix: '/gpd' },
  );

  await app.register(
    apiScope(pagopa.checkoutKey, (checkout) => {
      checkout.post('/carts', external, async (request, reply) => {
        const parsed = cartRequestSchema.safeParse(request.body);
        if (!parsed.success) return problem(reply, 400, describeIssues(parsed.error));
        const cart = parsed.data;
        // Checkout v2 documents only 302, 400 and 500: a cart it cannot take is a 400.
        const numbers = cart.paymentNotices.map((notice) => notice.noticeNumber);
        if (new Set(numbers).size !== numbers.length) return problem(reply, 400, 'duplicate noticeNumber');
        for (const [index, notice] of cart.paymentNotices.entries()) {
          const position = await findPositionByNav(db, notice.fiscalCode, notice.noticeNumber);
          const payable = position?.creditorTaxCode === notice.fiscalCode && position.status === 'VALID' && position.amountCents === notice.amount;
          if (!payable) return problem(reply, 400, `paymentNotices.${index}: unknown notice, not payable, or a different amount`);
        }
        const id = randomBytes(16).toString('hex');
        await insertCart(db, id, cart, clock.now());
        return reply.code(302).header('location', `${publicUrl}${cartPath(id)}`).send();
      });
    }),
    { prefix: '/checkout/ec/v2' },
  );

  const returnUrlOf = (cart: StoredCart): string => {
    const urls = cart.request.returnUrls;
    if (cart.state === 'paid') return urls.returnOkUrl;
    if (cart.state === 'cancelled') return urls.returnCancelUrl;
    return urls.returnErrorUrl;
  };
  const cartNotFound = (reply: FastifyReply) =>
    sendHtml(reply, <MessagePage title={sandboxTexts.checkout.notFoundTitle} body={sandboxTexts.checkout.notFoundBody} />, 404);

  app.get<{ Params: { id: string } }>('/checkout/carrello/:id', async (request, reply) => {
    const cart = await findCart(db, request.params.id);
    if (!cart) return cartNotFound(reply);
    if (cart.state !== 'open') return sendHtml(reply, <CartClosedPage state={cart.state} returnUrl={returnUrlOf(cart)} />);
    const path = cartPath(cart.id);
    return sendHtml(reply, <CheckoutPage cart={cart.request} payAction={`${path}/paga`} cancelAction={`${path}/annulla`} />);
  });

  app.post<{ Params: { id: string } }>('/checkout/carrello/:id/paga', external, async (request, reply) => {
    const form = checkoutForm.safeParse(request.body ?? {});
    if (!form.success) return sendHtml(reply, <MessagePage title={sandboxTexts.checkout.badRequestTitle} body={sandboxTexts.counter.problems.delivery} />, 400);
    const payment = await payCart(db, clock, request.params.id, form.data['doppio-pagamento'] === 'si');
    if (payment.outcome === 'unknown') return cartNotFound(reply);
    if (payment.outcome === 'paid') {
      // Awaited, so that when the browser lands on the creditor's page the receipt has normally arrived.
      await courier.deliver(payment.receipts, form.data.consegna);
      return reply.redirect(payment.cart.request.returnUrls.returnOkUrl, 303);
    }
    return reply.redirect(returnUrlOf({ ...payment.cart, state: payment.outcome }), 303);
  });

  app.post<{ Params: { id: string } }>('/checkout/carrello/:id/annulla', external, async (request, reply) => {
    const cart = await cancelCart(db, request.params.id);
    if (!cart) return cartNotFound(reply);
    return reply.redirect(returnUrlOf(cart), 303);
  });

  app.get('/tabaccheria', async (_request, reply) =>
    sendHtml(reply, <CounterPage action={counterPath} values={{ creditorTaxCode: '', noticeCode: '', delivery: 'normale' }} />),
  );

  app.post('/tabaccheria', external, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
    const creditorTaxCode = field('ente').trim();
    const delivery = deliveryForm.shape.consegna.safeParse(body.consegna);
    const values = { creditorTaxCode, noticeCode: field('avviso'), delivery: delivery.success ? delivery.data : 'normale' } as const;
    const refuse = (problems: Partial<Record<CounterField, CounterProblem>>, status: number) =>
      sendHtml(reply, <CounterPage action={counterPath} values={values} problems={problems} />, status);

    const problems: Partial<Record<CounterField, CounterProblem>> = {};
    if (!creditorTaxCodeSchema.safeParse(creditorTaxCode).success) problems.creditorTaxCode = 'taxCode';
    const nav = parseNav(values.noticeCode);
    if (!nav.ok) problems.noticeCode = nav.reason;
    if (!delivery.success) problems.delivery = 'delivery';
    if (!nav.ok || Object.keys(problems).length > 0) return refuse(problems, 400);

    const payment = await payNotice(db, clock, creditorTaxCode, nav.nav);
    if (payment.outcome !== 'paid') {
      const [reason, status] = COUNTER_REFUSALS[payment.outcome];
      return refuse({ noticeCode: reason }, status);
    }
    await courier.deliver([payment.issued], values.delivery);
    // Post/redirect/get: reloading the confirmation must not try to pay the notice again.
    return reply.redirect(`${counterPath}/ricevuta/${payment.issued.receipt.receiptId}`, 303);
  });

  app.get<{ Params: { receiptId: string } }>('/tabaccheria/ricevuta/:receiptId', async (request, reply) => {
    const xml = await findReceiptById(db, request.params.receiptId);
    if (!xml) {
      return sendHtml(reply, <MessagePage title={sandboxTexts.counter.receiptNotFoundTitle} body={sandboxTexts.counter.receiptNotFoundBody} />, 404);
    }
    const receipt = parseReceiptXml(xml);
    return sendHtml(reply, <CounterDonePage receipt={receipt} amountCents={centsFromEuroDecimal(receipt.paymentAmount)} formUrl={counterPath} />);
  });

  await app.register(
    apiScope(pagopa.receiptsKey, (receipts) => {
      receipts.get<{ Params: { taxCode: string } }>('/payments/:taxCode/receipts', async (request, reply) => {
        const query = receiptsQuerySchema.safeParse(request.query);
        if (!query.success) return problem(reply, 400, describeIssues(query.error));
        const { pageNum, pageSize } = query.data;
        const range = receiptsRange(query.data.from, query.data.to, clock.now());
        if (typeof range === 'string') return problem(reply, 400, range);
        const { rows, total } = await listReceipts(db, request.params.taxCode, { ...range, offset: pageNum * pageSize, limit: pageSize });
        if (total === 0) return problem(reply, 404, 'no receipts found');
        return reply.send({
          currentPageNumber: pageNum,
          length: rows.length,
          totalPages: Math.ceil(total / pageSize),
          results: rows.map((row) => ({
            organizationFiscalCode: request.params.taxCode,
            iuv: row.iuv,
            debtor: row.debtorFiscalCode,
            paymentDateTime: romeDateTime(new Date(row.paidAt)),
            status: 'PAID',
          })),
        });
      });

      receipts.get<{ Params: { taxCode: string; iuv: string } }>('/payments/:taxCode/receipts/:iuv', async (request, reply) => {
        const xml = await findReceiptXml(db, request.params.taxCode, request.params.iuv);
        if (!xml) return problem(reply, 404, 'no receipt found');
        // As the platform, a stored receipt that is not an XML document with a receipt is a 422; one that is
        // but misses fields goes out as it is, for the creditor's own checks to catch.
        if (XMLValidator.validate(xml) !== true || !/<(?:\w+:)?receipt[\s>]/.test(xml)) return problem(reply, 422, 'unable to process the receipt');
        return reply.type('application/xml').send(xml);
      });
    }),
    { prefix: '/gpd-receipts' },
  );

  // Reporting flows (FdR, issue 15): the Organizations API at the platform's paths.
  await app.register(
    apiScope(pagopa.fdrKey, (fdr) => fdrSandboxRoutes(fdr, { db, clock })),
    { prefix: '/fdr-org' },
  );
  fdrSandboxPage(app, { db, clock, external });
}
