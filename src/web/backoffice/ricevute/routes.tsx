import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REASON_MAX, REASON_MIN } from '../../../domain/corrections/service';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import { may } from '../../../domain/operators/context';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { euroInputToCents, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { ResolveReceiptPage, type ResolveProblems } from './resolve-views';
import { FlaggedReceiptsPage } from './views';

const optionalId = z
  .string()
  .refine((v) => v === '' || parseId(v) !== undefined, 'chooseItem')
  .transform((v) => (v === '' ? undefined : Number(v)));
const resolveForm = z.object({
  azione: z.enum(['assegnata', 'rimborso', 'verificata'], { message: 'choose' }),
  documento: optionalId,
  ricarica: optionalId,
  importo: z
    .string()
    .refine((v) => v.trim() === '' || euroInputToCents(v) !== undefined, 'amountPositive')
    .transform((v) => (v.trim() === '' ? undefined : euroInputToCents(v))),
  motivo: z
    .string()
    .transform((v) => v.trim())
    .refine((v) => v.length >= REASON_MIN, 'reasonRequired')
    .refine((v) => v.length <= REASON_MAX, 'tooLong'),
});

/** Ricevute pagoPA da controllare: /{ente}/ufficio/ricevute; /ricevute/{id} resolves one (decision 0028). */
export async function officeReceiptRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ricevute', { config: { permission: 'receipts.read' } }, async (request, reply) => {
    const office = request.office!;
    const [receipts, unreadable] = await Promise.all([services.receipts.flagged(office), services.receipts.unreadable(office)]);
    const resolutions = await services.receiptResolutions.resolutionsOf(office, receipts.map((r) => r.id));
    return sendPage(
      reply,
      <FlaggedReceiptsPage
        ctx={enteContext(request)}
        receipts={receipts}
        unreadable={unreadable}
        administrator={office.operator.role === 'amministratore'}
        resolutions={resolutions}
        mayResolve={may(office, 'receipts.resolve')}
        done={(request.query as { fatto?: unknown }).fatto === 'risolta'}
      />,
    );
  });

  function receiptId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('receipt');
    return id;
  }

  async function resolvePage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Record<string, string>; problems?: ResolveProblems; status?: number } = {}) {
    const detail = await services.receiptResolutions.detail(request.office!, receiptId(request));
    return sendPage(reply, <ResolveReceiptPage ctx={enteContext(request)} detail={detail} typed={form.typed} problems={form.problems} />, form.status);
  }

  const resolve = { config: { permission: 'receipts.resolve' as const } };
  app.get('/ricevute/:id', resolve, async (request, reply) => resolvePage(request, reply));

  app.post('/ricevute/:id', resolve, async (request, reply) => {
    const form = parseForm(resolveForm, request.body, { multiline: ['motivo'] });
    if (!form.ok) return resolvePage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const v = form.values;
    if (v.azione === 'assegnata' && (v.documento === undefined) === (v.ricarica === undefined)) {
      return resolvePage(request, reply, { typed: form.typed, problems: { documento: 'chooseItem' }, status: 422 });
    }
    if (v.azione === 'rimborso' && (v.importo === undefined || v.importo <= 0)) {
      return resolvePage(request, reply, { typed: form.typed, problems: { importo: 'amountPositive' }, status: 422 });
    }
    try {
      await services.receiptResolutions.resolve(request.office!, {
        receiptId: receiptId(request), action: v.azione, documentId: v.documento, topupId: v.ricarica, refundCents: v.importo, reason: v.motivo,
      });
    } catch (error) {
      if (error instanceof InvalidInputError) return resolvePage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/ricevute?fatto=risolta`, 303);
  });
}
