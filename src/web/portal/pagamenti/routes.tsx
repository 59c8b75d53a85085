import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import { PaymentUnavailableError } from '../../../domain/payments/payments';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { parseIdList } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { CartReturnPage, PaymentsPage, RETURN_SLUGS } from './views';

const cartParams = z.object({ cart: z.uuid(), esito: z.enum(Object.keys(RETURN_SLUGS) as [keyof typeof RETURN_SLUGS]) });
const abandonParams = z.object({ cart: z.uuid() });
const pageQuery = z.object({ abbandonato: z.uuid().optional() });
/** Whatever the form sends: one value or many, each a document id; the service enforces the limit. */
const payForm = z.object({ documento: z.union([z.string(), z.array(z.string())]).optional() });

/** Pagamento dei servizi scolastici: /{ente}/pagamenti, the cart to pagoPA Checkout and the way back. */
export async function paymentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/pagamenti', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const query = pageQuery.safeParse(request.query);
    // Carts first: releasing a cart's notices changes what can be chosen below.
    const carts = await services.payments.openCarts(request.ente!, caller);
    const documents = await services.payments.unpaidDocuments(request.ente!, caller);
    const abandoned = query.success && !!query.data.abbandonato && !carts.some((cart) => cart.id === query.data.abbandonato);
    return sendPage(reply, <PaymentsPage ctx={enteContext(request)} documents={documents} carts={carts} abandoned={abandoned} />);
  });

  app.post('/pagamenti/carrelli/:cart/abbandona', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const params = abandonParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('cart');
    await services.payments.abandonCart(request.ente!, caller, params.data.cart);
    return reply.redirect(`/${request.ente!.slug}/pagamenti?abbandonato=${params.data.cart}`, 303);
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
      const carts = await services.payments.openCarts(request.ente!, caller);
      const documents = await services.payments.unpaidDocuments(request.ente!, caller);
      return sendPage(reply, <PaymentsPage ctx={enteContext(request)} documents={documents} carts={carts} chosen={chosen} problems={problems} />, 422);
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
}
