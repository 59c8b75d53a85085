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
/** Whatever the form sends: one value or many, each a document id; the service enforces the limit. */
const payForm = z.object({ documento: z.union([z.string(), z.array(z.string())]).optional() });

/** Pagamento dei servizi scolastici: /{ente}/pagamenti, the cart to pagoPA Checkout and the way back. */
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
}
