import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { romeDate } from '../../../domain/calendar/local-time';
import { REASON_MAX, REASON_MIN } from '../../../domain/corrections/service';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { euroInputToCents, hasControlCharacters, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { CancelPage, type CorrectionProblems, correctionsBase, DocumentPage, MovementPage, PupilAccountPage, SearchPage, StornoPage, type Typed } from './views';

/** The form's one-time key, as our page makes it (a UUID); anything else was not made by our page. */
const submissionKey = z.string().regex(/^[A-Za-z0-9-]{8,100}$/, 'invalid');
const reason = z
  .string()
  .transform((v) => v.trim())
  .refine((v) => v.length >= REASON_MIN, 'reasonRequired')
  .refine((v) => v.length <= REASON_MAX, 'tooLong');
const step = z.enum(['verifica', 'conferma'], { message: 'invalid' });
const reasonForm = z.object({ motivo: reason, chiave: submissionKey, passo: step });
const movementForm = z.object({
  tipo: z.enum(['accredito', 'addebito'], { message: 'choose' }),
  importo: z
    .string()
    .refine((v) => euroInputToCents(v) !== undefined, 'amountPositive')
    .transform((v) => euroInputToCents(v)!)
    .refine((v) => v > 0, 'amountPositive'),
  motivo: reason,
  chiave: submissionKey,
  passo: step,
});

function idParam(request: FastifyRequest, name: string): number {
  const id = parseId((request.params as Record<string, string | undefined>)[name]);
  if (id === undefined) throw new NotFoundError(name);
  return id;
}

function doneParam(request: FastifyRequest): string | undefined {
  const value = (request.query as { fatto?: unknown }).fatto;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Corrections of accounts (issue 15, point 5; decision 0028): /{ente}/ufficio/documenti — find a document, its
 * page, cancel it with its credit note; /alunni/{id} a pupil's charges and badges; reverse a charge; a manual
 * credit or debit of a badge. Each change: form → "Verifica l'effetto" (nothing written) → Conferma (once).
 */
export async function officeCorrectionRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const correct = { config: { permission: 'accounts.correct' as const } };
  const corrections = services.corrections;
  const today = () => romeDate(services.clock.now());

  app.get('/documenti', correct, async (request, reply) => {
    const raw = (request.query as { q?: unknown }).q;
    const ctx = enteContext(request);
    if (raw === undefined || raw === '') return sendPage(reply, <SearchPage ctx={ctx} query="" today={today()} />);
    if (typeof raw !== 'string' || raw.length > 100 || hasControlCharacters(raw)) {
      // eslint-disable-next-line no-control-regex
      const typed = typeof raw === 'string' ? raw.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 100) : '';
      return sendPage(reply, <SearchPage ctx={ctx} query={typed} problem={typeof raw === 'string' && raw.length > 100 ? 'tooLong' : 'controlCharacters'} today={today()} />, 422);
    }
    try {
      const results = await corrections.search(request.office!, raw);
      return sendPage(reply, <SearchPage ctx={ctx} query={raw} results={results} today={today()} />);
    } catch (error) {
      if (error instanceof InvalidInputError) return sendPage(reply, <SearchPage ctx={ctx} query={raw} problem={error.problems.q ?? 'invalid'} today={today()} />, 422);
      throw error;
    }
  });

  app.get('/documenti/:id', correct, async (request, reply) => {
    const doc = await corrections.document(request.office!, idParam(request, 'id'));
    return sendPage(reply, <DocumentPage ctx={enteContext(request)} doc={doc} done={doneParam(request)} />);
  });

  async function cancelPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: CorrectionProblems; key?: string; status?: number; confirm?: boolean } = {}) {
    const id = idParam(request, 'id');
    const office = request.office!;
    const doc = await corrections.document(office, id);
    if (!doc.cancellable) return reply.redirect(`${correctionsBase(request.ente!)}/${id}`, 303);
    const confirm = form.confirm ? await corrections.cancelPreview(office, id) : undefined;
    return sendPage(
      reply,
      <CancelPage ctx={enteContext(request)} doc={doc} typed={form.typed} problems={form.problems} submissionKey={form.key ?? randomUUID()} confirm={confirm} />,
      form.status,
    );
  }

  app.get('/documenti/:id/annulla', correct, async (request, reply) => cancelPage(request, reply));

  app.post('/documenti/:id/annulla', correct, async (request, reply) => {
    const id = idParam(request, 'id');
    const form = parseForm(reasonForm, request.body, { multiline: ['motivo'] });
    if (!form.ok) return cancelPage(request, reply, { typed: form.typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const { motivo, chiave, passo } = form.values;
    try {
      if (passo === 'verifica') return await cancelPage(request, reply, { typed: form.typed, key: chiave, confirm: true });
      const result = await corrections.cancelDocument(request.office!, { documentId: id, reason: motivo, submissionKey: chiave });
      return reply.redirect(`${correctionsBase(request.ente!)}/${result.documentId}?fatto=${result.repeated ? 'ripetuto' : 'annullato'}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        // Cancelled meanwhile (another operator, another tab): the document's page says so.
        if (error.problems.documento) return reply.redirect(`${correctionsBase(request.ente!)}/${id}`, 303);
        return cancelPage(request, reply, { typed: form.typed, problems: error.problems, key: chiave, status: 422 });
      }
      throw error;
    }
  });

  app.get('/documenti/alunni/:id', correct, async (request, reply) => {
    const account = await corrections.pupilAccount(request.office!, idParam(request, 'id'));
    return sendPage(reply, <PupilAccountPage ctx={enteContext(request)} account={account} done={doneParam(request)} today={today()} />);
  });

  async function stornoPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: CorrectionProblems; key?: string; status?: number; confirming?: boolean } = {}) {
    const chargeId = idParam(request, 'id');
    try {
      const preview = await corrections.stornoPreview(request.office!, chargeId);
      return sendPage(
        reply,
        <StornoPage ctx={enteContext(request)} preview={preview} typed={form.typed} problems={form.problems} submissionKey={form.key ?? randomUUID()} confirming={form.confirming} />,
        form.status,
      );
    } catch (error) {
      // Reversed meanwhile, or a storno: the pupil's page shows the charge as it stands.
      if (error instanceof InvalidInputError) {
        const pupil = await pupilOfCharge(request, chargeId);
        return reply.redirect(`${correctionsBase(request.ente!)}/alunni/${pupil}`, 303);
      }
      throw error;
    }
  }

  async function pupilOfCharge(request: FastifyRequest, chargeId: number): Promise<number> {
    return corrections.pupilOfCharge(request.office!, chargeId);
  }

  app.get('/documenti/addebiti/:id/storno', correct, async (request, reply) => stornoPage(request, reply));

  app.post('/documenti/addebiti/:id/storno', correct, async (request, reply) => {
    const chargeId = idParam(request, 'id');
    const form = parseForm(reasonForm, request.body, { multiline: ['motivo'] });
    if (!form.ok) return stornoPage(request, reply, { typed: form.typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const { motivo, chiave, passo } = form.values;
    if (passo === 'verifica') return stornoPage(request, reply, { typed: form.typed, key: chiave, confirming: true });
    try {
      const result = await corrections.reverseCharge(request.office!, { chargeId, reason: motivo, submissionKey: chiave });
      return reply.redirect(`${correctionsBase(request.ente!)}/alunni/${result.pupilId}?fatto=${result.repeated ? 'ripetuto' : 'stornato'}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        if (error.problems.addebito) return reply.redirect(`${correctionsBase(request.ente!)}/alunni/${await pupilOfCharge(request, chargeId)}`, 303);
        return stornoPage(request, reply, { typed: form.typed, problems: error.problems, key: chiave, status: 422 });
      }
      throw error;
    }
  });

  async function movementPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: Typed; problems?: CorrectionProblems; key?: string; status?: number; preview?: { direction: 'accredito' | 'addebito'; amountCents: number } } = {},
  ) {
    const office = request.office!;
    const badgeId = idParam(request, 'id');
    const badge = await corrections.badgeOf(office, badgeId);
    const preview = form.preview ? await corrections.movementPreview(office, { badgeId, ...form.preview }) : undefined;
    return sendPage(
      reply,
      <MovementPage ctx={enteContext(request)} badge={badge} typed={form.typed} problems={form.problems} submissionKey={form.key ?? randomUUID()} preview={preview} />,
      form.status,
    );
  }

  app.get('/documenti/badge/:id/movimento', correct, async (request, reply) => movementPage(request, reply));

  app.post('/documenti/badge/:id/movimento', correct, async (request, reply) => {
    const badgeId = idParam(request, 'id');
    const form = parseForm(movementForm, request.body, { multiline: ['motivo'] });
    if (!form.ok) return movementPage(request, reply, { typed: form.typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const { tipo, importo, motivo, chiave, passo } = form.values;
    try {
      if (passo === 'verifica') return await movementPage(request, reply, { typed: form.typed, key: chiave, preview: { direction: tipo, amountCents: importo } });
      const result = await corrections.manualMovement(request.office!, { badgeId, direction: tipo, amountCents: importo, reason: motivo, submissionKey: chiave });
      return reply.redirect(`${correctionsBase(request.ente!)}/alunni/${result.pupilId}?fatto=${result.repeated ? 'ripetuto' : 'movimento'}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return movementPage(request, reply, { typed: form.typed, problems: error.problems, key: chiave, status: 422 });
      throw error;
    }
  });
}
