import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AttendanceStatus } from '../../../db/schema';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { hasControlCharacters, normaliseDate, parseId, parseIdList } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import {
  AttendancePage,
  CorrectionPage,
  type CorrectionProblems,
  type CorrectionTyped,
  type ListProblems,
  listPath,
  OfficeReceiptPage,
  PhonedAbsencePage,
  type PhonedProblems,
  type PhonedTyped,
} from './views';

const id = z.string().refine((value) => parseId(value) !== undefined, 'invalid').transform(Number);
const day = z
  .string()
  .trim()
  .transform(normaliseDate)
  .refine((value) => isCalendarDate(value), 'dateInvalid');
/** The form's one-time key, as our page makes it (a UUID); anything else was not made by our page. */
const submissionKey = z.string().regex(/^[A-Za-z0-9-]{8,100}$/, 'invalid');
/** Ids of the pupils a class's form showed absent, as the page wrote them: "12,15,40". */
const idList = z
  .string()
  .regex(/^(\d{1,10}(,\d{1,10})*)?$/, 'invalid')
  .transform((value, ctx) => {
    const ids = value === '' ? [] : value.split(',').map((item) => parseId(item));
    if (ids.some((item) => item === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'invalid' });
      return z.NEVER;
    }
    return ids as number[];
  });

/** A class as the registry writes it ("2A", "3 B", "Sezione Gialli"): printable, short. */
const CLASS_NAME = /^[\p{L}\p{N} ’'.-]{1,40}$/u;
const classForm = z.object({ scuola: id, data: day, mostrati_assenti: idList, classe: z.string().regex(CLASS_NAME, 'invalid').or(z.literal('')) });
const correctionForm = z.object({
  alunno: id,
  data: day,
  stato: z.enum(['present', 'absent', 'light_meal'], { message: 'statusInvalid' }),
  motivo: z.string(),
  chiave: submissionKey,
});
const phonedForm = z.object({
  alunno: id,
  scuola: id,
  data: day,
  dal: z.string().max(20, 'dateInvalid'),
  al: z.string().max(20, 'dateInvalid'),
  tipo: z.enum(['absent', 'light_meal'], { message: 'invalid' }),
  chiave: submissionKey,
});

/** What a link or a bookmark asks for: a school and a day; unreadable values are the field's problem. */
function listQuery(query: unknown): { schoolId?: number; date?: string; className?: string; problems: ListProblems; done?: number } {
  const raw = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const problems: ListProblems = {};
  let schoolId: number | undefined;
  if (raw.scuola !== undefined && raw.scuola !== '') {
    schoolId = parseId(raw.scuola);
    if (schoolId === undefined) problems.scuola = 'invalid';
  }
  let date: string | undefined;
  if (raw.data !== undefined && raw.data !== '') {
    const text = typeof raw.data === 'string' && raw.data.length <= 20 ? normaliseDate(raw.data) : '';
    if (isCalendarDate(text)) date = text;
    else problems.data = 'dateInvalid';
  }
  const done = typeof raw.fatto === 'string' && /^\d{1,6}$/.test(raw.fatto) ? Number(raw.fatto) : undefined;
  // A class is only a filter of the list: one we do not know shows no class, never an error.
  const className = typeof raw.classe === 'string' && raw.classe !== '' && raw.classe.length <= 40 && !hasControlCharacters(raw.classe) ? raw.classe : undefined;
  return { schoolId, date, className, problems, done };
}

/**
 * Presenze a scuola: /{ente}/ufficio/presenze (the day's list by class, marking before the cut-off),
 * …/classe (a class's marks), …/correzione (a frozen day corrected, with a reason), …/telefonata (a notice
 * a parent phoned in) and …/ricevute/:id (its receipt). A `scuola` operator's school is checked by the service.
 */
export async function officeAttendanceRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const mark = { config: { permission: 'attendance.mark' as const } };
  const correct = { config: { permission: 'attendance.correct' as const } };
  const attendance = services.attendance;

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { schoolId?: number; date?: string; className?: string; problems?: ListProblems; done?: number; status?: number },
  ) {
    const office = request.office!;
    const schools = await attendance.schools(office);
    const date = input.date ?? attendance.today();
    const schoolId = input.schoolId ?? (await attendance.defaultSchool(office));
    const problems = input.problems ?? {};
    const list = schoolId !== undefined && !problems.scuola ? await attendance.dayList(office, { schoolId, date }) : undefined;
    const status = input.status ?? (Object.keys(problems).length > 0 ? 422 : 200);
    return sendPage(
      reply,
      <AttendancePage ctx={enteContext(request)} schools={schools} schoolId={schoolId} date={date} list={list} className={input.className} problems={problems} done={input.done} />,
      status,
    );
  }

  app.get('/presenze', mark, async (request, reply) => {
    const query = listQuery(request.query);
    return listPage(request, reply, query);
  });

  app.post('/presenze/classe', mark, async (request, reply) => {
    const form = parseForm(classForm, request.body);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const absent = parseIdList(body.assente);
    if (!form.ok || !absent.ok) {
      const problems: ListProblems = form.ok ? {} : { ...form.problems };
      if (!absent.ok) problems.assenti = 'invalid';
      const date = normaliseDate(form.typed.data);
      return listPage(request, reply, { schoolId: parseId(form.typed.scuola), date: isCalendarDate(date) ? date : undefined, problems, status: 422 });
    }
    const { scuola, data, mostrati_assenti, classe } = form.values;
    try {
      const { changed } = await attendance.markClass(request.office!, { schoolId: scuola, date: data, shownAbsent: mostrati_assenti, absent: absent.ids });
      return reply.redirect(`${listPath(request.ente!, scuola, data, classe)}&fatto=${changed}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return listPage(request, reply, { schoolId: scuola, date: data, className: classe || undefined, problems: error.problems, status: 422 });
      throw error;
    }
  });

  async function correctionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { pupilId: number; date: string; typed?: CorrectionTyped; problems?: CorrectionProblems; key?: string; done?: string; status?: number },
  ) {
    const pupil = await attendance.bookedPupil(request.office!, { pupilId: input.pupilId, date: input.date });
    return sendPage(
      reply,
      <CorrectionPage ctx={enteContext(request)} pupil={pupil} typed={input.typed} problems={input.problems} submissionKey={input.key ?? randomUUID()} done={input.done} />,
      input.status,
    );
  }

  app.get('/presenze/correzione', correct, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const pupilId = parseId(query.alunno);
    const date = typeof query.data === 'string' ? query.data : '';
    if (pupilId === undefined || !isCalendarDate(date)) throw new NotFoundError('attendance');
    return correctionPage(request, reply, { pupilId, date, done: typeof query.fatto === 'string' ? query.fatto : undefined });
  });

  app.post('/presenze/correzione', correct, async (request, reply) => {
    const form = parseForm(correctionForm, request.body, { multiline: ['motivo'] });
    const typed = form.typed as CorrectionTyped;
    const pupilId = parseId(form.typed.alunno);
    const date = form.typed.data ?? '';
    // Without the pupil and the day there is no page to show the problems on: the form was not ours.
    if (pupilId === undefined || !isCalendarDate(date)) throw new NotFoundError('attendance');
    if (!form.ok) return correctionPage(request, reply, { pupilId, date, typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const { stato, motivo, chiave } = form.values;
    try {
      const result = await attendance.correct(request.office!, { pupilId, date, status: stato as AttendanceStatus, reason: motivo, submissionKey: chiave });
      const done = result.outcome === 'unchanged' ? 'invariato' : result.chargeId !== null ? 'addebito' : 'corretto';
      return reply.redirect(`/${request.ente!.slug}/ufficio/presenze/correzione?alunno=${pupilId}&data=${date}&fatto=${done}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return correctionPage(request, reply, { pupilId, date, typed, problems: error.problems, key: chiave, status: 422 });
      throw error;
    }
  });

  async function phonedPage(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { pupilId: number; schoolId: number; date: string; typed?: PhonedTyped; problems?: PhonedProblems; key?: string; status?: number },
  ) {
    const pupil = await attendance.listedPupil(request.office!, { schoolId: input.schoolId, pupilId: input.pupilId, date: input.date });
    return sendPage(
      reply,
      <PhonedAbsencePage ctx={enteContext(request)} pupil={pupil} date={input.date} typed={input.typed} problems={input.problems} submissionKey={input.key ?? randomUUID()} />,
      input.status,
    );
  }

  app.get('/presenze/telefonata', correct, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const pupilId = parseId(query.alunno);
    const schoolId = parseId(query.scuola);
    const date = typeof query.data === 'string' ? query.data : '';
    if (pupilId === undefined || schoolId === undefined || !isCalendarDate(date)) throw new NotFoundError('pupil');
    return phonedPage(request, reply, { pupilId, schoolId, date });
  });

  app.post('/presenze/telefonata', correct, async (request, reply) => {
    const form = parseForm(phonedForm, request.body);
    const typed = form.typed as PhonedTyped;
    const pupilId = parseId(form.typed.alunno);
    const schoolId = parseId(form.typed.scuola);
    const date = form.typed.data ?? '';
    if (pupilId === undefined || schoolId === undefined || !isCalendarDate(date)) throw new NotFoundError('pupil');
    if (!form.ok) return phonedPage(request, reply, { pupilId, schoolId, date, typed, problems: form.problems, key: form.typed.chiave, status: 422 });
    const { dal, al, tipo, chiave } = form.values;
    try {
      const noticeId = await services.absences.submitForOffice(request.office!, {
        pupilId,
        from: normaliseDate(dal),
        to: normaliseDate(al),
        kind: tipo,
        submissionKey: chiave,
      });
      return reply.redirect(`/${request.ente!.slug}/ufficio/presenze/ricevute/${noticeId}`, 303);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // The absence service names its fields in English (the portal's form): these are this form's.
      const names: Record<string, keyof PhonedProblems> = { pupil: 'alunno', from: 'dal', to: 'al', kind: 'tipo', cancel: 'dal' };
      const problems: PhonedProblems = {};
      for (const [field, problem] of Object.entries(error.problems as Record<string, string>)) problems[names[field] ?? 'dal'] = problem;
      return phonedPage(request, reply, { pupilId, schoolId, date, typed, problems, key: chiave, status: 422 });
    }
  });

  app.get('/presenze/ricevute/:id', correct, async (request, reply) => {
    const noticeId = parseId((request.params as { id?: string }).id);
    if (noticeId === undefined) throw new NotFoundError('notice');
    const receipt = await services.absences.officeReceipt(request.office!, noticeId);
    return sendPage(reply, <OfficeReceiptPage ctx={enteContext(request)} receipt={receipt} />);
  });
}
