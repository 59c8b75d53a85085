import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import { PaymentUnavailableError } from '../../../domain/payments/payments';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { euroInputToCents, idField, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { paper } from '../papers';
import { TopupFormPage, TopupPage } from './views';

const idParam = z.object({ id: idField });
const topupForm = z.object({ badge: z.string().max(20).optional().default(''), importo: z.string().max(40).optional().default('') });

/** Ricariche con pagoPA: /{ente}/ricariche, one top-up, its choices and its pagoPA papers. */
export async function topupRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ricariche/:id/avviso.pdf', (request, reply) => paper(services, request, reply, 'notice', (id) => ({ topupId: id })));
  app.get('/ricariche/:id/ricevuta.pdf', (request, reply) => paper(services, request, reply, 'receipt', (id) => ({ topupId: id })));

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
