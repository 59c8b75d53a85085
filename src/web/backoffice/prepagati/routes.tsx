import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { YearEndInput } from '../../../domain/prepaid/service';
import type { Services } from '../../../domain/services';
import { type FormProblems, parseForm } from '../../shared/form';
import { euroInputToCents, MAX_DB_INTEGER, parseId } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { xlsxDocument, XLSX_CONTENT_TYPE } from '../../shared/xlsx';
import { base, ConfirmPage, LOW_BALANCE_HEADER, lowBalanceCsv, lowBalanceRows, PrepaidPage, type Typed, YearEndPage } from './views';

/** A signed amount in euro ("-2,50", "5") in cents; undefined when it is not one. */
function signedEuroToCents(value: string): number | undefined {
  const match = /^\s*([-−])?\s*(.*)$/.exec(value);
  const cents = euroInputToCents(match?.[2] ?? '');
  if (cents === undefined) return undefined;
  return match?.[1] ? -cents : cents;
}

const thresholdForm = z.object({
  versione: z.string().regex(/^\d{1,9}$/, 'invalid').transform(Number),
  unita: z.enum(['euro', 'pasti'], 'choose'),
  soglia: z.string().trim().min(1, 'required'),
});

/** The threshold's value in its unit: cents for euro, a whole number of meals; undefined when it is neither. */
function thresholdValue(unit: 'euro' | 'pasti', typed: string): number | undefined {
  if (unit === 'euro') return signedEuroToCents(typed);
  return /^[-−]?\d{1,6}$/.test(typed) ? Number(typed.replace('−', '-')) : undefined;
}

const optionalId = z
  .string()
  .refine((v) => v === '' || parseId(v) !== undefined, 'choose')
  .transform((v) => (v === '' ? null : Number(v)));

const yearEndForm = z.object({
  anno: z.string().refine((v) => parseId(v) !== undefined, 'choose').transform(Number),
  azione: z.enum(['riporto', 'trasferimento', 'rimborso'], 'choose'),
  tessera_destinazione: optionalId,
  iban: z.string().trim().max(42, 'ibanInvalid'),
  richiesta: optionalId,
  nota: z.string().trim().max(300, 'tooLong'),
});

const confirmForm = yearEndForm.extend({
  importo: z.string().regex(/^\d{1,10}$/, 'invalid').transform(Number).refine((v) => v <= MAX_DB_INTEGER, 'invalid'),
});

function inputOf(v: z.output<typeof yearEndForm>): YearEndInput {
  return {
    schoolYearId: v.anno,
    action: v.azione,
    targetBadgeId: v.azione === 'trasferimento' ? v.tessera_destinazione : null,
    iban: v.azione === 'rimborso' ? v.iban || null : null,
    attachmentId: v.azione === 'rimborso' ? v.richiesta : null,
    note: v.nota || null,
  };
}

function badgeParam(request: FastifyRequest): number {
  const id = parseId((request.params as { id?: string }).id);
  if (id === undefined) throw new NotFoundError('badge');
  return id;
}

/**
 * Prepaid badges in the office (issue 15, point 4): /{ente}/ufficio/prepagati — the low-balance threshold, the
 * badges at or below it with the holder's contacts (filter by school, CSV and XLSX), and a badge's year end:
 * the form, the confirmation page with the movements it will write, the confirmation.
 */
export async function officePrepaidRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'prepaid.manage' as const } };
  const prepaid = services.prepaid;

  async function schoolFilter(request: FastifyRequest) {
    const schools = await prepaid.schools(request.office!);
    const asked = parseId((request.query as { scuola?: unknown }).scuola);
    return { schools, schoolId: schools.some((s) => s.id === asked) ? asked : undefined };
  }

  async function listPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems; status?: number } = {}) {
    const { schools, schoolId } = await schoolFilter(request);
    const cursor = (request.query as { dopo?: unknown }).dopo;
    const list = await prepaid.lowBalances(request.office!, { schoolId, cursor: typeof cursor === 'string' ? cursor : undefined });
    const done = (request.query as { fatto?: unknown }).fatto;
    const saved = !form.status && done === 'soglia' ? messagesFor(request).officePrepaid.saved.threshold : undefined;
    return sendPage(
      reply,
      <PrepaidPage
        ctx={enteContext(request)}
        threshold={list.threshold}
        rows={list.page.rows}
        next={list.page.next}
        first={typeof cursor !== 'string' || cursor === ''}
        balanceDate={list.balanceDate}
        schools={schools}
        schoolId={schoolId}
        typed={form.typed}
        problems={form.problems}
        saved={saved}
      />,
      form.status,
    );
  }

  app.get('/prepagati', manage, async (request, reply) => listPage(request, reply));

  app.post('/prepagati/soglia', manage, async (request, reply) => {
    const form = parseForm(thresholdForm, request.body);
    if (!form.ok) return listPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const value = thresholdValue(form.values.unita, form.values.soglia);
    if (value === undefined) return listPage(request, reply, { typed: form.typed, problems: { soglia: 'thresholdInvalid' }, status: 422 });
    try {
      await prepaid.setThreshold(request.office!, form.values.versione, { unit: form.values.unita, value });
    } catch (error) {
      if (error instanceof InvalidInputError) return listPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return listPage(request, reply, { typed: form.typed, problems: { soglia: 'conflict' }, status: 409 });
      throw error;
    }
    return reply.redirect(`${base(request.ente!)}?fatto=soglia`, 303);
  });

  app.get('/prepagati/elenco.csv', manage, async (request, reply) => {
    const { schoolId } = await schoolFilter(request);
    const { rows, balanceDate } = await prepaid.lowBalanceExport(request.office!, { schoolId });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="badge-sotto-soglia-${balanceDate}.csv"`)
      .send(lowBalanceCsv(rows));
  });

  app.get('/prepagati/elenco.xlsx', manage, async (request, reply) => {
    const { schoolId } = await schoolFilter(request);
    const { rows, balanceDate } = await prepaid.lowBalanceExport(request.office!, { schoolId });
    return reply
      .header('content-type', XLSX_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="badge-sotto-soglia-${balanceDate}.xlsx"`)
      .send(Buffer.from(xlsxDocument('Badge sotto soglia', LOW_BALANCE_HEADER, lowBalanceRows(rows))));
  });

  async function yearEndPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems; status?: number } = {}) {
    const view = await prepaid.yearEndView(request.office!, badgeParam(request));
    const done = (request.query as { fatto?: unknown }).fatto;
    const saved = !form.status && done === 'chiuso' ? messagesFor(request).officePrepaid.saved.closed : undefined;
    return sendPage(reply, <YearEndPage ctx={enteContext(request)} view={view} typed={form.typed} problems={form.problems} saved={saved} />, form.status);
  }

  app.get('/prepagati/tessere/:id', manage, async (request, reply) => yearEndPage(request, reply));

  app.post('/prepagati/tessere/:id/anteprima', manage, async (request, reply) => {
    const badgeId = badgeParam(request);
    const form = parseForm(yearEndForm, request.body);
    if (!form.ok) return yearEndPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      const effect = await prepaid.yearEndPreview(request.office!, badgeId, inputOf(form.values));
      return sendPage(reply, <ConfirmPage ctx={enteContext(request)} badgeId={badgeId} effect={effect} typed={form.typed} />);
    } catch (error) {
      if (error instanceof InvalidInputError) return yearEndPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
  });

  app.post('/prepagati/tessere/:id/chiudi', manage, async (request, reply) => {
    const badgeId = badgeParam(request);
    const form = parseForm(confirmForm, request.body);
    if (!form.ok) return yearEndPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const input = inputOf(form.values);
    try {
      await prepaid.closeYear(request.office!, badgeId, input, form.values.importo);
    } catch (error) {
      if (error instanceof InvalidInputError) return yearEndPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) {
        // The credit changed since the confirmation page: show the effect as it is now, to be confirmed again.
        const effect = await prepaid.yearEndPreview(request.office!, badgeId, input);
        return sendPage(reply, <ConfirmPage ctx={enteContext(request)} badgeId={badgeId} effect={effect} typed={form.typed} problem="creditChanged" />, 409);
      }
      throw error;
    }
    return reply.redirect(`${base(request.ente!)}/tessere/${badgeId}?fatto=chiuso`, 303);
  });
}
