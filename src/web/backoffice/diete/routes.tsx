import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { DIET_CODES, DIET_KINDS } from '../../../domain/diets/codes';
import { DIET_LIST_STATES } from '../../../domain/diets/service';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { type FormProblems, parseForm } from '../../shared/form';
import { normaliseDate, parseId } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { acceptUploads, readUpload } from '../../shared/upload';
import { DietPage, type DietForm, DietListPage, DietRequestPage, DietSheetPage, PupilDietsPage } from './views';

const date = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v !== '', 'dateRequired')
  .refine((v) => isCalendarDate(v), 'dateInvalid');
const optionalDate = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v === '' || isCalendarDate(v), 'dateInvalid')
  .transform((v) => (v === '' ? null : v));
const version = z.string().refine((v) => parseId(v) !== undefined, 'invalid').transform(Number);

const requestForm = z.object({
  dieta: z.enum(DIET_CODES, 'choose'),
  tipo: z.enum(DIET_KINDS, 'choose'),
  motivo: z.string().trim().max(1000, 'tooLong'),
  documento: z
    .string()
    .refine((v) => v === '' || parseId(v) !== undefined, 'choose')
    .transform((v) => (v === '' ? null : Number(v))),
  dichiarazione_del: optionalDate,
});
const editForm = requestForm.extend({ versione: version });
const approveForm = z.object({ versione: version, dal: date, al: optionalDate });
const refuseForm = z.object({ versione: version });
const endForm = z.object({ versione: version, ultimo_giorno: date });

/** The list's filters, as a GET form sends them: each wrong one is a problem of its field, never a 500. */
const listFilters = z.object({
  scuola: z
    .string()
    .refine((v) => v === '' || parseId(v) !== undefined, 'schoolUnknown')
    .transform((v) => (v === '' ? undefined : Number(v))),
  classe: z
    .string()
    .trim()
    .max(10, 'classInvalid')
    .regex(/^([\p{L}\p{N}][\p{L}\p{N} ]*)?$/u, 'classInvalid'),
  stato: z.enum(['', ...DIET_LIST_STATES], 'stateInvalid'),
});
const sheetQuery = z.object({
  scuola: z.string().refine((v) => parseId(v) !== undefined, 'schoolUnknown').transform(Number),
  data: date,
});

/** A GET query's fields as strings (a field sent twice stays a list, which parseForm refuses). */
function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/**
 * Special diets (issue 14, decision 0024): /{ente}/ufficio/diete (the list), …/foglio (a school's day for
 * the serving staff), …/alunni/:id (a pupil's diets), …/alunni/:id/nuova (record a request, with its
 * document), …/:did (one diet: approve, refuse, end). The kitchen reads the list, the sheet and a pupil's
 * diets as codes (the service decides what it gets); only who manages diets reads reasons and changes them.
 */
export async function officeDietRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const read = { config: { permission: 'diets.read' as const } };
  const manage = { config: { permission: 'diets.manage' as const } };
  const base = (request: FastifyRequest) => `/${request.ente!.slug}/ufficio/diete`;
  const idParam = (request: FastifyRequest, name: 'id' | 'did') => {
    const id = parseId((request.params as Record<string, string | undefined>)[name]);
    if (id === undefined) throw new NotFoundError(name === 'id' ? 'pupil' : 'diet');
    return id;
  };
  const savedText = (request: FastifyRequest) => {
    const key = (request.query as { esito?: unknown }).esito;
    return typeof key === 'string' ? messagesFor(request).officeDiets.saved[key] : undefined;
  };

  app.get('/diete', read, async (request, reply) => {
    const office = request.office!;
    const query = queryOf(request);
    const form = parseForm(listFilters, query, { maxLength: 100 });
    const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
    const schools = await services.diets.schools(office);
    const problems: Record<string, string> = form.ok ? {} : { ...form.problems };
    if (form.ok && form.values.scuola !== undefined && !schools.some((s) => s.id === form.values.scuola)) problems.scuola = 'schoolUnknown';
    const refused = !form.ok || Object.keys(problems).length > 0;
    // A refused filter lists nothing (and reads nothing): the page says what to correct.
    const page =
      form.ok && !refused
        ? await services.diets.list(office, { schoolId: form.values.scuola, className: form.values.classe, state: form.values.stato || undefined }, cursor)
        : { rows: [] };
    return sendPage(
      reply,
      <DietListPage
        ctx={enteContext(request)}
        schools={schools}
        page={page}
        typed={form.typed}
        problems={problems}
        cursor={cursor}
        manages={services.diets.readsReasons(office)}
      />,
      refused ? 422 : 200,
    );
  });

  app.get('/diete/foglio', read, async (request, reply) => {
    const office = request.office!;
    const query = queryOf(request);
    const schools = await services.diets.schools(office);
    const asked = query.scuola !== undefined || query.data !== undefined;
    const form = parseForm(sheetQuery, query, { maxLength: 100 });
    const typed = { scuola: form.typed.scuola ?? '', data: form.typed.data ?? services.diets.today() };
    if (!asked) return sendPage(reply, <DietSheetPage ctx={enteContext(request)} schools={schools} typed={typed} />);
    const problems: Record<string, string> = form.ok ? {} : { ...form.problems };
    if (form.ok && !schools.some((s) => s.id === form.values.scuola)) problems.scuola = 'schoolUnknown';
    if (!form.ok || Object.keys(problems).length > 0) {
      return sendPage(reply, <DietSheetPage ctx={enteContext(request)} schools={schools} typed={typed} problems={problems} />, 422);
    }
    const sheet = await services.diets.sheet(office, form.values.scuola, form.values.data);
    return sendPage(reply, <DietSheetPage ctx={enteContext(request)} schools={schools} typed={typed} sheet={sheet} />);
  });

  app.get('/diete/alunni/:id', read, async (request, reply) => {
    const diets = await services.diets.ofPupil(request.office!, idParam(request, 'id'));
    return sendPage(reply, <PupilDietsPage ctx={enteContext(request)} diets={diets} saved={savedText(request)} />);
  });

  async function requestPage(request: FastifyRequest, reply: FastifyReply, pupilId: number, typed: Record<string, string> = {}, problems: FormProblems = {}, status = 200) {
    const form = await services.diets.requestForm(request.office!, pupilId);
    return sendPage(reply, <DietRequestPage ctx={enteContext(request)} form={form} typed={typed} problems={problems} maxBytes={services.attachments.maxBytes} />, status);
  }

  app.get('/diete/alunni/:id/nuova', manage, async (request, reply) => requestPage(request, reply, idParam(request, 'id')));

  // The request's form carries a file: multipart is accepted by this route's own plugin, nowhere else.
  await app.register(async (uploads) => {
    await acceptUploads(uploads, services.attachments.maxBytes);
    uploads.post('/diete/alunni/:id/nuova', { config: { permission: 'diets.manage', csrf: 'multipart' } }, recordRequest);
  });

  async function recordRequest(request: FastifyRequest, reply: FastifyReply) {
    const pupilId = idParam(request, 'id');
    const upload = await readUpload(request, { fileField: 'file' });
    const form = parseForm(requestForm, upload.fields, { multiline: ['motivo'] });
    const problems: Record<string, string> = form.ok ? {} : { ...form.problems };
    // The file is optional: only a file that was sent and is wrong is a problem.
    const fileProblem = upload.problem && upload.problem !== 'fileMissing' ? upload.problem : upload.file ? services.attachments.fileProblem(upload.file.content) : undefined;
    if (fileProblem) problems.file = fileProblem;
    if (!form.ok || Object.keys(problems).length > 0) return requestPage(request, reply, pupilId, form.typed, problems, 422);
    const v = form.values;
    const messages = messagesFor(request);
    const t = messages.officeDiets;
    try {
      await services.diets.record(
        request.office!,
        pupilId,
        { dietCode: v.dieta, kind: v.tipo, reason: v.motivo, certificateAttachmentId: v.documento, declaredOn: v.dichiarazione_del },
        upload.file && { ...upload.file, title: t.documentTitle[v.tipo === 'medical' ? 'medical' : 'declaration'](messages.kitchen.diets[v.dieta] ?? v.dieta) },
      );
    } catch (error) {
      if (error instanceof InvalidInputError) return requestPage(request, reply, pupilId, form.typed, error.problems, 422);
      throw error;
    }
    return reply.redirect(`${base(request)}/alunni/${pupilId}?esito=recorded`, 303);
  }

  async function dietPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { which?: DietForm; typed?: Record<string, string>; problems?: FormProblems; conflict?: boolean; status?: number } = {},
  ) {
    const detail = await services.diets.one(request.office!, idParam(request, 'did'));
    return sendPage(
      reply,
      <DietPage ctx={enteContext(request)} detail={detail} form={form.which} typed={form.typed} problems={form.problems} conflict={form.conflict} saved={savedText(request)} />,
      form.status,
    );
  }

  app.get('/diete/:did', manage, async (request, reply) => dietPage(request, reply));

  /** One change of a diet: the form parsed, the service called, the page again on a refusal (422) or a conflict (409). */
  function change<Schema extends z.ZodObject>(which: DietForm, schema: Schema, run: (request: FastifyRequest, dietId: number, values: z.output<Schema>) => Promise<void>, outcome: string) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const dietId = idParam(request, 'did');
      const form = parseForm(schema, request.body, { multiline: ['motivo'] });
      if (!form.ok) return dietPage(request, reply, { which, typed: form.typed, problems: form.problems, status: 422 });
      try {
        await run(request, dietId, form.values);
      } catch (error) {
        if (error instanceof InvalidInputError) return dietPage(request, reply, { which, typed: form.typed, problems: error.problems, status: 422 });
        if (error instanceof ConflictError) return dietPage(request, reply, { which, typed: form.typed, conflict: true, status: 409 });
        throw error;
      }
      return reply.redirect(`${base(request)}/${dietId}?esito=${outcome}`, 303);
    };
  }

  app.post(
    '/diete/:did/approva',
    manage,
    change('approva', approveForm, (request, id, v) => services.diets.approve(request.office!, id, v.versione, { from: v.dal, to: v.al }), 'approved'),
  );
  app.post(
    '/diete/:did/modifica',
    manage,
    change(
      'modifica',
      editForm,
      (request, id, v) =>
        services.diets.edit(request.office!, id, v.versione, { dietCode: v.dieta, kind: v.tipo, reason: v.motivo, certificateAttachmentId: v.documento, declaredOn: v.dichiarazione_del }),
      'edited',
    ),
  );
  app.post('/diete/:did/respingi', manage, change('respingi', refuseForm, (request, id, v) => services.diets.refuse(request.office!, id, v.versione), 'refused'));
  app.post('/diete/:did/termina', manage, change('termina', endForm, (request, id, v) => services.diets.end(request.office!, id, v.versione, v.ultimo_giorno), 'ended'));
}
