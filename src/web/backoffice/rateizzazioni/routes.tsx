import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REASON_MAX, REASON_MIN } from '../../../domain/corrections/service';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import { MAX_INSTALMENTS, MIN_INSTALMENTS } from '../../../domain/instalments/service';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { hasControlCharacters, normaliseDate, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { HolderPage, InstalmentsSearchPage, instalmentsBase, PlanPage, type PlanProblems } from './views';

const planForm = z.object({
  rate: z
    .string()
    .trim()
    .regex(/^\d{1,2}$/, 'countRange')
    .transform(Number)
    .refine((n) => n >= MIN_INSTALMENTS && n <= MAX_INSTALMENTS, 'countRange'),
  prima_scadenza: z
    .string()
    .transform((v) => normaliseDate(v))
    .refine((v) => isCalendarDate(v), 'dateInvalid'),
  motivo: z
    .string()
    .transform((v) => v.trim())
    .refine((v) => v.length >= REASON_MIN, 'reasonRequired')
    .refine((v) => v.length <= REASON_MAX, 'tooLong'),
  totale: z.string().regex(/^\d{1,12}$/, 'invalid').transform(Number),
  chiave: z.string().regex(/^[A-Za-z0-9-]{8,100}$/, 'invalid'),
  passo: z.enum(['verifica', 'conferma'], { message: 'invalid' }),
});

function idParam(request: FastifyRequest): number {
  const id = parseId((request.params as { id?: string }).id);
  if (id === undefined) throw new NotFoundError('id');
  return id;
}

/**
 * Instalment plans (issue 15, point 3; decision 0028): /{ente}/ufficio/rateizzazioni — find a holder with overdue
 * documents, split them into instalments (form → the instalments shown → Conferma, once), and a plan's page.
 */
export async function officeInstalmentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'instalments.manage' as const } };
  const instalments = services.instalments;

  app.get('/rateizzazioni', manage, async (request, reply) => {
    const raw = (request.query as { q?: unknown }).q;
    const ctx = enteContext(request);
    if (raw === undefined || raw === '') return sendPage(reply, <InstalmentsSearchPage ctx={ctx} query="" />);
    if (typeof raw !== 'string' || raw.length > 100 || hasControlCharacters(raw)) {
      return sendPage(reply, <InstalmentsSearchPage ctx={ctx} query="" problem={typeof raw === 'string' && raw.length > 100 ? 'tooLong' : 'controlCharacters'} />, 422);
    }
    try {
      return sendPage(reply, <InstalmentsSearchPage ctx={ctx} query={raw} results={await instalments.searchHolders(request.office!, raw)} />);
    } catch (error) {
      if (error instanceof InvalidInputError) return sendPage(reply, <InstalmentsSearchPage ctx={ctx} query={raw} problem={error.problems.q ?? 'invalid'} />, 422);
      throw error;
    }
  });

  async function holderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: Record<string, string>; problems?: PlanProblems; key?: string; status?: number; preview?: { count: number; firstDueDate: string } } = {},
  ) {
    const office = request.office!;
    const personId = idParam(request);
    const view = await instalments.holder(office, personId);
    const preview = form.preview ? await instalments.preview(office, personId, form.preview) : undefined;
    return sendPage(
      reply,
      <HolderPage ctx={enteContext(request)} view={view} typed={form.typed} problems={form.problems} submissionKey={form.key ?? randomUUID()} preview={preview} />,
      form.status,
    );
  }

  app.get('/rateizzazioni/intestatari/:id', manage, async (request, reply) => holderPage(request, reply));

  app.post('/rateizzazioni/intestatari/:id', manage, async (request, reply) => {
    const form = parseForm(planForm, request.body, { multiline: ['motivo'] });
    if (!form.ok) return holderPage(request, reply, { typed: form.typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const v = form.values;
    try {
      if (v.passo === 'verifica') return await holderPage(request, reply, { typed: form.typed, key: v.chiave, preview: { count: v.rate, firstDueDate: v.prima_scadenza } });
      const result = await instalments.create(request.office!, idParam(request), {
        count: v.rate, firstDueDate: v.prima_scadenza, reason: v.motivo, submissionKey: v.chiave, expectedTotalCents: v.totale,
      });
      return reply.redirect(`${instalmentsBase(request.ente!)}/piani/${result.planId}?fatto=${result.repeated ? 'ripetuto' : 'creato'}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return holderPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
  });

  app.get('/rateizzazioni/piani/:id', manage, async (request, reply) => {
    const plan = await instalments.plan(request.office!, idParam(request));
    const done = (request.query as { fatto?: unknown }).fatto;
    return sendPage(reply, <PlanPage ctx={enteContext(request)} plan={plan} done={typeof done === 'string' ? done : undefined} />);
  });

  // An unpaid instalment's pagoPA notice, printable for the family (404 once paid, or before its position is published).
  app.get('/rateizzazioni/piani/:id/rate/:n/avviso.pdf', manage, async (request, reply) => {
    const position = parseId((request.params as { n?: string }).n);
    if (position === undefined) throw new NotFoundError('instalment');
    const { fileName, pdf } = await instalments.noticePdf(request.office!, idParam(request), position);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });
}
