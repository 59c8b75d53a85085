import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate, romeDate } from '../../../domain/calendar/local-time';
import { type ClosureScope, MAX_REASON_LENGTH } from '../../../domain/calendar/management';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { normaliseDate, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import {
  CalendarPage,
  ClosurePage,
  type ClosureProblems,
  type ClosureTyped,
  NewClosurePage,
  NewYearPage,
  type YearProblems,
  type YearTyped,
  YearPage,
} from './views';

const date = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v !== '', 'required')
  .refine((v) => isCalendarDate(v), 'dateInvalid');
/** The last day of a closure: empty means the first day only. */
const optionalDate = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v === '' || isCalendarDate(v), 'dateInvalid');
/** "2026/2027": two years in a row. */
const label = z
  .string()
  .trim()
  .min(1, 'required')
  .refine((v) => /^[12]\d{3}\/[12]\d{3}$/.test(v) && Number(v.slice(5)) === Number(v.slice(0, 4)) + 1, 'labelInvalid');
const version = z.string().refine((v) => parseId(v) !== undefined, 'versionInvalid').transform(Number);
/** Where a closure holds: the whole ente, or a school (checked to be the ente's by the service). */
const where = z
  .string()
  .refine((v) => v === 'ente' || parseId(v) !== undefined, 'choose')
  .transform((v) => (v === 'ente' ? null : Number(v)));
const reason = z.string().trim().min(1, 'required').min(3, 'reasonShort').max(MAX_REASON_LENGTH, 'tooLong');

const yearForm = z.object({ anno: label, inizio: date, fine: date });
const datesForm = z.object({ inizio: date, fine: date, versione: version });
const closureForm = z.object({ scuola: where, dal: date, al: optionalDate, motivo: reason });

/**
 * The ente's calendar (issue 14): /{ente}/ufficio/calendario lists the school years and a year's closures
 * (filtered by school); …/anni/nuovo and …/anni/:id create a year and change its dates; …/chiusure/nuova
 * adds a closure, …/chiusure/:id shows one and …/chiusure/:id/rimuovi removes it. The rules (open days
 * only, one year per day, no overlapping closures) are the service's.
 */
export async function officeCalendarRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'calendar.manage' as const } };
  const calendar = services.calendar;

  function idParam(request: FastifyRequest, what: string): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError(what);
    return id;
  }

  app.get('/calendario', manage, async (request, reply) => {
    const office = request.office!;
    const query = request.query as { anno?: unknown; scuola?: unknown; dopo?: unknown; fatto?: unknown };
    const [years, schools] = await Promise.all([calendar.years(office), calendar.schools(office)]);
    const today = romeDate(services.clock.now());
    // The year asked for; otherwise the one in course, or the next to come, or the latest.
    const asked = parseId(query.anno);
    const chosenYear =
      years.find((y) => y.id === asked) ??
      years.find((y) => y.startsOn <= today && today <= y.endsOn) ??
      [...years].reverse().find((y) => y.startsOn > today) ??
      years[0];
    const schoolId = parseId(query.scuola);
    const known = schoolId !== undefined && schools.some((s) => s.id === schoolId);
    const scope: ClosureScope = query.scuola === 'ente' ? { kind: 'ente' } : known ? { kind: 'school', schoolId: schoolId! } : { kind: 'all' };
    const scopeValue = scope.kind === 'ente' ? 'ente' : scope.kind === 'school' ? String(scope.schoolId) : '';
    const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
    const closures = chosenYear ? await calendar.closures(office, chosenYear.id, scope, cursor) : undefined;
    return sendPage(
      reply,
      <CalendarPage
        ctx={enteContext(request)}
        years={years}
        chosenYear={chosenYear}
        schools={schools}
        scope={scopeValue}
        closures={closures}
        cursor={cursor}
        today={today}
        done={typeof query.fatto === 'string' ? query.fatto : undefined}
      />,
    );
  });

  // --- School years ---

  app.get('/calendario/anni/nuovo', manage, async (request, reply) => sendPage(reply, <NewYearPage ctx={enteContext(request)} />));

  app.post('/calendario/anni/nuovo', manage, async (request, reply) => {
    const refused = (typed: YearTyped, problems: YearProblems) => sendPage(reply, <NewYearPage ctx={enteContext(request)} typed={typed} problems={problems} />, 422);
    const form = parseForm(yearForm, request.body);
    if (!form.ok) return refused(form.typed, form.problems);
    try {
      await services.calendar.createYear(request.office!, { label: form.values.anno, startsOn: form.values.inizio, endsOn: form.values.fine });
    } catch (error) {
      if (error instanceof InvalidInputError) return refused(form.typed, error.problems);
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/calendario?fatto=anno`, 303);
  });

  async function yearPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: YearTyped; problems?: YearProblems; conflict?: boolean; status?: number } = {}) {
    const year = await calendar.year(request.office!, idParam(request, 'school year'));
    return sendPage(reply, <YearPage ctx={enteContext(request)} year={year} typed={form.typed} problems={form.problems} conflict={form.conflict} />, form.status);
  }

  app.get('/calendario/anni/:id', manage, async (request, reply) => yearPage(request, reply));

  app.post('/calendario/anni/:id', manage, async (request, reply) => {
    const id = idParam(request, 'school year');
    const form = parseForm(datesForm, request.body);
    if (!form.ok) return yearPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await calendar.changeYearDates(request.office!, id, form.values.versione, { startsOn: form.values.inizio, endsOn: form.values.fine });
    } catch (error) {
      if (error instanceof InvalidInputError) return yearPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      // The page is made again from the dates saved now, with what this operator typed kept.
      if (error instanceof ConflictError) return yearPage(request, reply, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/calendario?fatto=date&anno=${id}`, 303);
  });

  // --- Closures ---

  async function newClosurePage(request: FastifyRequest, reply: FastifyReply, form: { typed?: ClosureTyped; problems?: ClosureProblems; status?: number } = {}) {
    const office = request.office!;
    const [schools, firstOpenDay] = await Promise.all([calendar.schools(office), calendar.openFrom(office)]);
    return sendPage(reply, <NewClosurePage ctx={enteContext(request)} schools={schools} firstOpenDay={firstOpenDay} typed={form.typed} problems={form.problems} />, form.status);
  }

  app.get('/calendario/chiusure/nuova', manage, async (request, reply) => newClosurePage(request, reply));

  app.post('/calendario/chiusure/nuova', manage, async (request, reply) => {
    const form = parseForm(closureForm, request.body);
    if (!form.ok) return newClosurePage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const { scuola, dal, al, motivo } = form.values;
    let closureId: number;
    try {
      closureId = await calendar.addClosure(request.office!, { schoolId: scuola, from: dal, to: al === '' ? dal : al, reason: motivo });
    } catch (error) {
      if (error instanceof InvalidInputError) return newClosurePage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    const closure = await calendar.closure(request.office!, closureId);
    const year = (await calendar.years(request.office!)).find((y) => y.startsOn <= closure.startsOn && closure.startsOn <= y.endsOn);
    return reply.redirect(`/${request.ente!.slug}/ufficio/calendario?fatto=chiusura${year ? `&anno=${year.id}` : ''}`, 303);
  });

  async function closurePage(request: FastifyRequest, reply: FastifyReply, form: { problems?: ClosureProblems & { rimuovi?: string }; status?: number } = {}) {
    const closure = await calendar.closure(request.office!, idParam(request, 'closure'));
    return sendPage(reply, <ClosurePage ctx={enteContext(request)} closure={closure} problems={form.problems} />, form.status);
  }

  app.get('/calendario/chiusure/:id', manage, async (request, reply) => closurePage(request, reply));

  app.post('/calendario/chiusure/:id/rimuovi', manage, async (request, reply) => {
    const id = idParam(request, 'closure');
    try {
      await calendar.removeClosure(request.office!, id);
    } catch (error) {
      if (error instanceof InvalidInputError) return closurePage(request, reply, { problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/calendario?fatto=rimossa`, 303);
  });
}
