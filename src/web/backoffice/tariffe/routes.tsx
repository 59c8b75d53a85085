import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { MAX_PRICE_CENTS } from '../../../domain/tariffs/management';
import { type FormProblems, parseForm } from '../../shared/form';
import { euroInputToCents, normaliseDate, parseId } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { iseeToCents } from '../anagrafe/alunni/iscrizioni/routes';
import {
  BandPage,
  type BandField,
  type Choices,
  ExemptionsPage,
  type ExemptionField,
  NewBandPage,
  PreviewPage,
  type PreviewField,
  type PriceField,
  SiblingsPage,
  type SiblingsField,
  TariffsPage,
  type Typed,
} from './views';

const choice = z.string().refine((v) => parseId(v) !== undefined, 'choose').transform(Number);
const date = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v !== '', 'textRequired')
  .refine((v) => isCalendarDate(v), 'dateInvalid');
const optionalDate = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v === '' || isCalendarDate(v), 'dateInvalid')
  .transform((v) => (v === '' ? null : v));
/** A price in euro: 4,50 — at most 9.999,99 (a larger one is a typing mistake, and never reaches a column). */
const price = z
  .string()
  .refine((v) => v.trim() !== '', 'textRequired')
  .refine((v) => {
    const cents = euroInputToCents(v);
    return cents !== undefined && cents <= MAX_PRICE_CENTS;
  }, 'euroInvalid')
  .transform((v) => euroInputToCents(v)!);
const isee = z
  .string()
  .refine((v) => v.trim() === '' || iseeToCents(v) !== undefined, 'iseeInvalid')
  .transform((v) => (v.trim() === '' ? null : iseeToCents(v)!));
/** A percentage 0–100 with up to two decimals, in basis points. */
function percentToBp(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,3}([.,]\d{1,2})?$/.test(text)) return undefined;
  const bp = Math.round(Number(text.replace(',', '.')) * 100);
  return bp <= 10_000 ? bp : undefined;
}
const percent = z
  .string()
  .refine((v) => v.trim() !== '', 'textRequired')
  .refine((v) => percentToBp(v) !== undefined, 'percentInvalid')
  .transform((v) => percentToBp(v)!);
const positivePercent = z
  .string()
  .refine((v) => v.trim() !== '', 'textRequired')
  .refine((v) => (percentToBp(v) ?? 0) > 0, 'percentPositive')
  .transform((v) => percentToBp(v)!);
const optionalPercent = z
  .string()
  .refine((v) => v.trim() === '' || (percentToBp(v) ?? 0) > 0, 'percentPositive')
  .transform((v) => (v.trim() === '' ? null : percentToBp(v)!));

const bandForm = z.object({
  servizio: choice,
  anno: choice,
  codice: z
    .string()
    .trim()
    .min(1, 'textRequired')
    .regex(/^[A-Za-z0-9]{1,10}$/, 'codeInvalid')
    .transform((v) => v.toUpperCase()),
  etichetta: z.string().trim().min(1, 'textRequired').max(120, 'tooLong'),
  residenti: z.enum(['si', 'no'], 'choose'),
  isee_da: isee,
  isee_a: isee,
  unita: z.enum(['pasto', 'mese'], 'choose'),
  importo: price,
});
const priceForm = z.object({ dal: date, importo: price });
const withdrawForm = z.object({ modifica: choice });
const siblingsForm = z.object({ dal: date, secondo: percent, terzo: percent });
const exemptionForm = z.object({ percentuale: positivePercent, motivo: z.string().trim().min(3, 'textRequired').max(300, 'tooLong'), dal: date, al: optionalDate });
const endForm = z.object({ ultimo_giorno: date, valido_al: optionalDate });
const previewForm = z.object({
  servizio: choice,
  anno: choice,
  isee,
  residente: z.enum(['si', 'no'], 'choose'),
  figlio: z.enum(['1', '2', '3'], 'rankInvalid').transform(Number),
  esenzione: optionalPercent,
  data: optionalDate,
});

function idParam(request: FastifyRequest, name: string): number {
  const id = parseId((request.params as Record<string, string | undefined>)[name]);
  if (id === undefined) throw new NotFoundError(name);
  return id;
}

function savedParam(request: FastifyRequest): string | undefined {
  const value = (request.query as { fatto?: unknown }).fatto;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The office's tariffs (issue 14): /{ente}/ufficio/tariffe — the table of a service and year, a band's price
 * history and its change from a date, a new band, sibling reductions from a date, the exemptions of an
 * enrolment, and what a family would pay.
 */
export async function officeTariffRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'tariffs.manage' as const } };
  const tariffs = services.tariffs;
  const root = (request: FastifyRequest) => `/${request.ente!.slug}/ufficio/tariffe`;

  async function choicesOf(request: FastifyRequest): Promise<Choices & { currentYear?: { id: number } }> {
    return tariffs.choices(request.office!);
  }

  /** The service and year a link or a GET form names; undefined when it names none of the ente's. */
  function tableParams(request: FastifyRequest, choices: Choices) {
    const query = request.query as { servizio?: unknown; anno?: unknown };
    const serviceId = parseId(query.servizio);
    const yearId = parseId(query.anno);
    return {
      serviceId: choices.services.some((s) => s.id === serviceId) ? serviceId : undefined,
      yearId: choices.years.some((y) => y.id === yearId) ? yearId : undefined,
    };
  }

  app.get('/tariffe', manage, async (request, reply) => {
    const choices = await choicesOf(request);
    const asked = tableParams(request, choices);
    const serviceId = asked.serviceId ?? choices.services[0]?.id;
    const yearId = asked.yearId ?? choices.currentYear?.id;
    const table = serviceId !== undefined && yearId !== undefined ? await tariffs.table(request.office!, serviceId, yearId) : undefined;
    const done = savedParam(request);
    const t = messagesFor(request).officeTariffs.saved;
    return sendPage(reply, <TariffsPage ctx={enteContext(request)} choices={choices} table={table} saved={done === 'fascia' ? t.band : done === 'riduzioni' ? t.siblings : undefined} />);
  });

  async function newBandPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems<BandField>; status?: number } = {}) {
    const choices = await choicesOf(request);
    const asked = tableParams(request, choices);
    const typed = form.typed ?? { servizio: asked.serviceId === undefined ? '' : String(asked.serviceId), anno: asked.yearId === undefined ? '' : String(asked.yearId) };
    return sendPage(reply, <NewBandPage ctx={enteContext(request)} choices={choices} typed={typed} problems={form.problems} />, form.status);
  }

  app.get('/tariffe/fasce/nuova', manage, async (request, reply) => newBandPage(request, reply));

  app.post('/tariffe/fasce/nuova', manage, async (request, reply) => {
    const form = parseForm(bandForm, request.body);
    if (!form.ok) return newBandPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const v = form.values;
    const resident = v.residenti === 'si';
    if (resident && v.isee_da === null) return newBandPage(request, reply, { typed: form.typed, problems: { isee_da: 'textRequired' }, status: 422 });
    try {
      const id = await tariffs.addBand(request.office!, {
        serviceId: v.servizio, schoolYearId: v.anno, bandCode: v.codice, bandLabel: v.etichetta, resident,
        iseeMinCents: v.isee_da ?? 0, iseeMaxCents: v.isee_a, unit: v.unita, amountCents: v.importo,
      });
      return reply.redirect(`${root(request)}/fasce/${id}?fatto=fascia`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return newBandPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
  });

  async function bandPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems<PriceField>; status?: number } = {}) {
    const view = await tariffs.band(request.office!, idParam(request, 'id'));
    const done = savedParam(request);
    const t = messagesFor(request).officeTariffs.saved;
    const saved = done === 'prezzo' ? t.price : done === 'fascia' ? t.band : done === 'annullata' ? t.withdrawn : undefined;
    return sendPage(reply, <BandPage ctx={enteContext(request)} view={view} typed={form.typed} problems={form.problems} saved={form.status ? undefined : saved} />, form.status);
  }

  app.get('/tariffe/fasce/:id', manage, async (request, reply) => bandPage(request, reply));

  app.post('/tariffe/fasce/:id', manage, async (request, reply) => {
    const id = idParam(request, 'id');
    const form = parseForm(priceForm, request.body);
    if (!form.ok) return bandPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await tariffs.changePrice(request.office!, id, { validFrom: form.values.dal, amountCents: form.values.importo });
    } catch (error) {
      if (error instanceof InvalidInputError) return bandPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${root(request)}/fasce/${id}?fatto=prezzo`, 303);
  });

  app.post('/tariffe/fasce/:id/annulla', manage, async (request, reply) => {
    const id = idParam(request, 'id');
    const form = parseForm(withdrawForm, request.body);
    if (!form.ok) return bandPage(request, reply, { problems: { modifica: 'notScheduled' }, status: 422 });
    try {
      await tariffs.withdrawPriceChange(request.office!, id, form.values.modifica);
    } catch (error) {
      if (error instanceof InvalidInputError) return bandPage(request, reply, { problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${root(request)}/fasce/${id}?fatto=annullata`, 303);
  });

  async function siblingsPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems<SiblingsField>; status?: number } = {}) {
    const choices = await choicesOf(request);
    const { serviceId, yearId } = tableParams(request, choices);
    if (serviceId === undefined || yearId === undefined) throw new NotFoundError('tariff table');
    const table = await tariffs.table(request.office!, serviceId, yearId);
    return sendPage(reply, <SiblingsPage ctx={enteContext(request)} table={table} typed={form.typed} problems={form.problems} />, form.status);
  }

  app.get('/tariffe/riduzioni', manage, async (request, reply) => siblingsPage(request, reply));

  app.post('/tariffe/riduzioni', manage, async (request, reply) => {
    const choices = await choicesOf(request);
    const { serviceId, yearId } = tableParams(request, choices);
    if (serviceId === undefined || yearId === undefined) throw new NotFoundError('tariff table');
    const form = parseForm(siblingsForm, request.body);
    if (!form.ok) return siblingsPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await tariffs.changeSiblingReductions(request.office!, {
        serviceId, schoolYearId: yearId, validFrom: form.values.dal, secondBp: form.values.secondo, thirdBp: form.values.terzo,
      });
    } catch (error) {
      if (error instanceof InvalidInputError) return siblingsPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${root(request)}?servizio=${serviceId}&anno=${yearId}&fatto=riduzioni`, 303);
  });

  app.get('/tariffe/anteprima', manage, async (request, reply) => {
    const choices = await choicesOf(request);
    const query = request.query as Record<string, unknown>;
    const ctx = enteContext(request);
    // The first visit: the form, with the table's service and year if a link named them.
    if (query.servizio === undefined) {
      const asked = tableParams(request, choices);
      const typed = { servizio: String(asked.serviceId ?? choices.services[0]?.id ?? ''), anno: String(asked.yearId ?? choices.currentYear?.id ?? '') };
      return sendPage(reply, <PreviewPage ctx={ctx} choices={choices} typed={typed} />);
    }
    const form = parseForm(previewForm, query);
    if (!form.ok) return sendPage(reply, <PreviewPage ctx={ctx} choices={choices} typed={form.typed} problems={form.problems} />, 422);
    const v = form.values;
    try {
      const result = await tariffs.preview(request.office!, {
        serviceId: v.servizio, schoolYearId: v.anno, iseeCents: v.isee, resident: v.residente === 'si', childRank: v.figlio, exemptionBp: v.esenzione, date: v.data,
      });
      return sendPage(reply, <PreviewPage ctx={ctx} choices={choices} typed={form.typed} result={result} />);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        return sendPage(reply, <PreviewPage ctx={ctx} choices={choices} typed={form.typed} problems={error.problems as FormProblems<PreviewField>} />, 422);
      }
      throw error;
    }
  });

  async function exemptionsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: Typed; problems?: FormProblems<ExemptionField>; end?: { exemptionId: number; typed: string; problem: string }; conflict?: boolean; status?: number } = {},
  ) {
    const view = await tariffs.exemptions(request.office!, idParam(request, 'eid'));
    const done = savedParam(request);
    const t = messagesFor(request).officeTariffs.saved;
    const saved = form.status ? undefined : done === 'aggiunta' ? t.exemptionAdded : done === 'terminata' ? t.exemptionEnded : undefined;
    return sendPage(
      reply,
      <ExemptionsPage ctx={enteContext(request)} view={view} typed={form.typed} problems={form.problems} end={form.end} conflict={form.conflict} saved={saved} />,
      form.status,
    );
  }

  app.get('/tariffe/iscrizioni/:eid/esenzioni', manage, async (request, reply) => exemptionsPage(request, reply));

  app.post('/tariffe/iscrizioni/:eid/esenzioni', manage, async (request, reply) => {
    const enrolmentId = idParam(request, 'eid');
    const form = parseForm(exemptionForm, request.body);
    if (!form.ok) return exemptionsPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const v = form.values;
    try {
      await tariffs.addExemption(request.office!, enrolmentId, { percentBp: v.percentuale, reason: v.motivo, validFrom: v.dal, validTo: v.al });
    } catch (error) {
      if (error instanceof InvalidInputError) return exemptionsPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${root(request)}/iscrizioni/${enrolmentId}/esenzioni?fatto=aggiunta`, 303);
  });

  app.post('/tariffe/iscrizioni/:eid/esenzioni/:xid/termina', manage, async (request, reply) => {
    const enrolmentId = idParam(request, 'eid');
    const exemptionId = idParam(request, 'xid');
    const form = parseForm(endForm, request.body);
    const typed = form.typed.ultimo_giorno ?? '';
    if (!form.ok) {
      const problem = form.problems.ultimo_giorno ?? form.problems.valido_al ?? 'invalid';
      return exemptionsPage(request, reply, { end: { exemptionId, typed, problem }, status: 422 });
    }
    try {
      await tariffs.endExemption(request.office!, enrolmentId, exemptionId, { lastDay: form.values.ultimo_giorno, shownValidTo: form.values.valido_al });
    } catch (error) {
      if (error instanceof InvalidInputError) {
        return exemptionsPage(request, reply, { end: { exemptionId, typed, problem: Object.values(error.problems)[0] ?? 'invalid' }, status: 422 });
      }
      if (error instanceof ConflictError) return exemptionsPage(request, reply, { conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${root(request)}/iscrizioni/${enrolmentId}/esenzioni?fatto=terminata`, 303);
  });
}
