import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { OfficeMessageInput } from '../../../domain/messages/office';
import type { Services } from '../../../domain/services';
import { type FormProblems, parseForm } from '../../shared/form';
import { parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { MessageHistoryPage, type OfficeMessageField, OfficeMessagePage, OfficeMessagePreviewPage, type Typed } from './views';

const optionalId = z.string().refine((v) => v === '' || parseId(v) !== undefined, 'invalid');
const messageForm = z.object({
  destinatari: z.enum(['school', 'class', 'service'], 'choose'),
  scuola: optionalId,
  classe: z.string().trim().max(10, 'tooLong'),
  servizio: optionalId,
  oggetto: z.string().trim().min(5, 'subjectLength').max(100, 'subjectLength'),
  testo: z.string().trim().min(20, 'bodyLength').max(5000, 'bodyLength'),
});
const submissionKey = z.string().regex(/^[A-Za-z0-9-]{8,100}$/);
const dueDaysForm = z.object({
  giorni: z
    .string()
    .trim()
    .regex(/^\d{1,2}$/, 'dueDays')
    .transform(Number)
    .refine((n) => n <= 60, 'dueDays'),
});

/** The form's values as the service takes them, or the problems of the target's fields. */
function toInput(values: z.output<typeof messageForm>): { input?: OfficeMessageInput; problems?: FormProblems<OfficeMessageField> } {
  const school = parseId(values.scuola);
  const service = parseId(values.servizio);
  const common = { subject: values.oggetto, body: values.testo };
  if (values.destinatari === 'service') return service === undefined ? { problems: { servizio: 'service' } } : { input: { target: { kind: 'service', serviceId: service }, ...common } };
  if (school === undefined) return { problems: { scuola: 'school' } };
  if (values.destinatari === 'school') return { input: { target: { kind: 'school', schoolId: school }, ...common } };
  if (values.classe === '') return { problems: { classe: 'className' } };
  return { input: { target: { kind: 'class', schoolId: school, className: values.classe }, ...common } };
}

/**
 * The office's messages to families (issue 16): /{ente}/ufficio/messaggi — write, preview, send; and
 * /{ente}/ufficio/messaggi/persone/:id, what was sent to one adult.
 */
export async function officeMessageRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const send = { config: { permission: 'messages.send' as const } };
  const read = { config: { permission: 'registry.read' as const } };
  const office = services.messages.office;

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    typed: Typed,
    problems?: FormProblems<OfficeMessageField | 'giorni'>,
    status?: number,
    sent?: number,
    dueDays?: { value: string; saved?: boolean },
  ) {
    const choices = await office.choices(request.office!);
    const days = dueDays ?? { value: String(await office.dueDays(request.office!)) };
    return sendPage(reply, <OfficeMessagePage ctx={enteContext(request)} choices={choices} typed={typed} problems={problems} sent={sent} dueDays={days} />, status);
  }

  /** The form checked and its target resolved; a page of problems (422) when anything is wrong. */
  async function checked(request: FastifyRequest) {
    const form = parseForm(messageForm, request.body, { multiline: ['testo'], maxLength: 5000 });
    if (!form.ok) return { typed: form.typed, problems: form.problems };
    const { input, problems } = toInput(form.values);
    return { typed: form.typed, input, problems };
  }

  app.get('/messaggi', send, async (request, reply) => {
    const query = request.query as { inviato?: unknown; fatto?: unknown };
    const sent = parseId(query.inviato);
    const saved = query.fatto === 'scadenze';
    return formPage(request, reply, {}, undefined, undefined, sent, saved ? { value: String(await office.dueDays(request.office!)), saved } : undefined);
  });

  app.post('/messaggi/scadenze', send, async (request, reply) => {
    const form = parseForm(dueDaysForm, request.body);
    if (!form.ok) return formPage(request, reply, {}, form.problems, 422, undefined, { value: form.typed.giorni ?? '' });
    await office.setDueDays(request.office!, form.values.giorni);
    return reply.redirect(`/${request.ente!.slug}/ufficio/messaggi?fatto=scadenze`, 303);
  });

  app.post('/messaggi/modifica', send, async (request, reply) => {
    const form = parseForm(messageForm, request.body, { multiline: ['testo'], maxLength: 5000 });
    return formPage(request, reply, form.typed);
  });

  app.post('/messaggi/anteprima', send, async (request, reply) => {
    const { typed, input, problems } = await checked(request);
    if (!input) return formPage(request, reply, typed, problems, 422);
    try {
      const preview = await office.preview(request.office!, input);
      return sendPage(reply, <OfficeMessagePreviewPage ctx={enteContext(request)} typed={typed} preview={preview} submissionKey={randomUUID()} />);
    } catch (error) {
      if (error instanceof InvalidInputError) return formPage(request, reply, typed, error.problems, 422);
      if (error instanceof NotFoundError) return formPage(request, reply, typed, input.target.kind === 'service' ? { servizio: 'service' } : { scuola: 'school' }, 422);
      throw error;
    }
  });

  app.post('/messaggi', send, async (request, reply) => {
    const { typed, input, problems } = await checked(request);
    const key = submissionKey.safeParse((request.body as Record<string, unknown> | undefined)?.submissionKey);
    if (!input || !key.success) return formPage(request, reply, typed, problems ?? {}, 422);
    try {
      const result = await office.send(request.office!, input, key.data);
      return reply.redirect(`/${request.ente!.slug}/ufficio/messaggi?inviato=${result.pupils}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return formPage(request, reply, typed, error.problems, 422);
      if (error instanceof NotFoundError) return formPage(request, reply, typed, input.target.kind === 'service' ? { servizio: 'service' } : { scuola: 'school' }, 422);
      throw error;
    }
  });

  app.get('/messaggi/persone/:id', read, async (request, reply) => {
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('person');
    const rows = await office.historyOf(request.office!, id);
    const person = await office.personName(request.office!, id);
    return sendPage(reply, <MessageHistoryPage ctx={enteContext(request)} person={person} rows={rows} />);
  });
}
