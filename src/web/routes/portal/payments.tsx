import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { PaidItem } from '../../../domain/payments/papers';
import { PaymentUnavailableError } from '../../../domain/payments/payments';
import type { Services } from '../../../domain/services';
import { euroInputToCents, idField, parseId, parseIdList } from '../../forms';
import { enteContext, sendPage } from '../../render';
import { CartReturnPage, PaymentsPage, RETURN_SLUGS, TopupFormPage, TopupPage } from '../../views/payments';
import { callerOrLogin } from '../caller';

const idParam = z.object({ id: idField });
const cartParams = z.object({ cart: z.uuid(), esito: z.enum(Object.keys(RETURN_SLUGS) as [keyof typeof RETURN_SLUGS]) });
/** Whatever the form sends: one value or many, each a document id; the service enforces the limit. */
const payForm = z.object({ documento: z.union([z.string(), z.array(z.string())]).optional() });
const topupForm = z.object({ badge: z.string().max(20).optional().default(''), importo: z.string().max(40).optional().default('') });

function sendPdf(reply: FastifyReply, file: { fileName: string; pdf: Buffer }) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(file.pdf);
}

/** Pagamento dei servizi scolastici, Ricariche con pagoPA, and the pagoPA papers: /{ente}/… */
export async function paymentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/pagamenti', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const documents = await services.payments.unpaidDocuments(request.ente!, caller);
    return sendPage(reply, <PaymentsPage ctx={enteContext(request)} documents={documents} />);
  });

  app.post('/pagamenti', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const form = payForm.safeParse(request.body);
    if (!form.success) throw new NotFoundError('form');
    const parsed = parseIdList(form.data.documento);
    // A malformed id is nobody's document: the same answer as someone else's. A repeated one is refused,
    // not merged: our page sends each checkbox once.
    if (!parsed.ok) throw new NotFoundError('document');
    const chosen = parsed.ids;
    try {
      const { location } = await services.payments.payDocuments(request.ente!, caller, chosen);
      return reply.redirect(location, 303);
    } catch (error) {
      const problems =
        error instanceof InvalidInputError ? error.problems : error instanceof PaymentUnavailableError ? { documents: 'unavailable' } : undefined;
      if (!problems) throw error;
      if (error instanceof PaymentUnavailableError) request.log.warn({ err: error }, 'checkout refused the cart');
      const documents = await services.payments.unpaidDocuments(request.ente!, caller);
      return sendPage(reply, <PaymentsPage ctx={enteContext(request)} documents={documents} chosen={chosen} problems={problems} />, 422);
    }
  });

  app.get('/pagamenti/esito/:cart/:esito', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const params = cartParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('cart');
    const result = await services.payments.cartReturn(request.ente!, caller, params.data.cart, RETURN_SLUGS[params.data.esito]);
    return sendPage(reply, <CartReturnPage ctx={enteContext(request)} result={result} />);
  });

  async function paper(request: FastifyRequest, reply: FastifyReply, kind: 'notice' | 'receipt', item: (id: number) => PaidItem) {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const params = idParam.safeParse(request.params);
    if (!params.success) throw new NotFoundError('item');
    const file = kind === 'notice' ? await services.papers.noticePdf(request.ente!, caller, item(params.data.id)) : await services.papers.receiptPdf(request.ente!, caller, item(params.data.id));
    return sendPdf(reply, file);
  }
  app.get('/documenti-contabili/:id/avviso.pdf', (request, reply) => paper(request, reply, 'notice', (id) => ({ documentId: id })));
  app.get('/documenti-contabili/:id/ricevuta.pdf', (request, reply) => paper(request, reply, 'receipt', (id) => ({ documentId: id })));
  app.get('/ricariche/:id/avviso.pdf', (request, reply) => paper(request, reply, 'notice', (id) => ({ topupId: id })));
  app.get('/ricariche/:id/ricevuta.pdf', (request, reply) => paper(request, reply, 'receipt', (id) => ({ topupId: id })));

  app.get('/ricariche', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const [badges, pending] = await Promise.all([services.payments.topupBadges(request.ente!, caller), services.payments.pendingTopups(request.ente!, caller)]);
    const query = z.object({ badge: idField.optional() }).safeParse(request.query);
    return sendPage(
      reply,
      <TopupFormPage ctx={enteContext(request)} badges={badges} pending={pending} values={{ badgeId: query.success ? query.data.badge : undefined, amount: '' }} />,
    );
  });

  app.post('/ricariche', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const form = topupForm.safeParse(request.body);
    if (!form.success) throw new NotFoundError('form');
    const badgeId = parseId(form.data.badge);
    const values = { badgeId, amount: form.data.importo };
    const [badges, pending] = await Promise.all([services.payments.topupBadges(request.ente!, caller), services.payments.pendingTopups(request.ente!, caller)]);
    try {
      if (badgeId === undefined) throw new InvalidInputError({ badge: 'badge' });
      const cents = euroInputToCents(form.data.importo);
      if (cents === undefined) throw new InvalidInputError({ amount: 'amountInvalid' });
      const topupId = await services.payments.requestTopup(request.ente!, caller, badgeId, cents);
      return reply.redirect(`/${request.ente!.slug}/ricariche/${topupId}`, 303);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return sendPage(reply, <TopupFormPage ctx={enteContext(request)} badges={badges} pending={pending} values={values} problems={error.problems} />, 422);
    }
  });

  app.get('/ricariche/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const params = idParam.safeParse(request.params);
    if (!params.success) throw new NotFoundError('topup');
    const topup = await services.payments.topup(request.ente!, caller, params.data.id);
    return sendPage(reply, <TopupPage ctx={enteContext(request)} topup={topup} />);
  });

  /** "Paga subito", "Paga dopo" and "Annulla": the holder's choices for one of their top-ups, each a POST with CSRF. */
  async function topupChoice(request: FastifyRequest, reply: FastifyReply, choice: 'paga' | 'avviso' | 'annulla') {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const params = idParam.safeParse(request.params);
    if (!params.success) throw new NotFoundError('topup');
    const ente = request.ente!;
    try {
      if (choice === 'paga') return reply.redirect((await services.payments.payTopup(ente, caller, params.data.id)).location, 303);
      if (choice === 'avviso') await services.payments.payTopupLater(ente, caller, params.data.id);
      else await services.payments.cancelTopup(ente, caller, params.data.id);
      return reply.redirect(`/${ente.slug}/ricariche/${params.data.id}`, 303);
    } catch (error) {
      const problem = error instanceof InvalidInputError ? Object.values(error.problems)[0] : error instanceof PaymentUnavailableError ? 'unavailable' : undefined;
      if (!problem) throw error;
      if (error instanceof PaymentUnavailableError) request.log.warn({ err: error }, 'pagoPA refused the top-up');
      const topup = await services.payments.topup(ente, caller, params.data.id);
      return sendPage(reply, <TopupPage ctx={enteContext(request)} topup={topup} problem={problem} />, 422);
    }
  }
  app.post('/ricariche/:id/paga', (request, reply) => topupChoice(request, reply, 'paga'));
  app.post('/ricariche/:id/avviso', (request, reply) => topupChoice(request, reply, 'avviso'));
  app.post('/ricariche/:id/annulla', (request, reply) => topupChoice(request, reply, 'annulla'));
}
