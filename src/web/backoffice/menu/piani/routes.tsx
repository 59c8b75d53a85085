import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../../domain/calendar/local-time';
import { cellKey, type MenuDiet, MAX_ROTATION_WEEKS, type PlanInput, type PlanRow } from '../../../../domain/canteen/menu-office';
import { COURSES, DIET_CODES, SCHOOL_LEVELS, type SchoolLevel } from '../../../../domain/canteen/menus';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { parseForm } from '../../../shared/form';
import { normaliseDate, parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { menuPath } from '../views';
import { cellField, NewPlanPage, type PlanProblems, PlanPage, type PlanTyped, WeekPage } from './views';

const version = z.string().regex(/^\d{1,9}$/, 'invalid').transform(Number);
const date = z
  .string()
  .transform((value) => normaliseDate(value))
  .refine((value) => value !== '', 'required')
  .refine(isCalendarDate, 'dateInvalid');
const planForm = z.object({
  nome: z.string().trim().min(1, 'nameRequired').max(120, 'tooLong'),
  livello: z.enum(SCHOOL_LEVELS, { message: 'levelUnknown' }),
  dal: date,
  al: date,
  settimane: z
    .string()
    .trim()
    .regex(/^\d{1,2}$/, 'weeksRange')
    .transform(Number)
    .refine((weeks) => weeks >= 1 && weeks <= MAX_ROTATION_WEEKS, 'weeksRange'),
  inizio_rotazione: date,
});
const editForm = planForm.extend({ versione: version });
const publishForm = z.object({ versione: version });
const dietField = z.enum(['', ...DIET_CODES] as [MenuDiet, ...MenuDiet[]], { message: 'dietUnknown' });

function planInput(values: z.output<typeof planForm>): PlanInput {
  return {
    name: values.nome,
    schoolLevel: values.livello as SchoolLevel,
    startsOn: values.dal,
    endsOn: values.al,
    rotationWeeks: values.settimane,
    rotationStart: values.inizio_rotazione,
  };
}

/**
 * Piani dei menù: /{ente}/ufficio/menu (the plans), …/piani/nuovo, …/piani/:id (details; pubblica, ritira),
 * …/piani/:id/settimane/:week?dieta= (one week's grid of the ordinary menu or a diet's variant).
 */
export async function officePlanRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'menus.manage' as const } };
  const menus = services.menuOffice;

  function planId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('menu_plan');
    return id;
  }

  app.get('/menu/piani/nuovo', manage, async (request, reply) => sendPage(reply, <NewPlanPage ctx={enteContext(request)} />));

  app.post('/menu/piani/nuovo', manage, async (request, reply) => {
    const form = parseForm(planForm, request.body);
    const refused = (problems: PlanProblems) => sendPage(reply, <NewPlanPage ctx={enteContext(request)} typed={form.typed} problems={problems} />, 422);
    if (!form.ok) return refused(form.problems);
    try {
      const id = await menus.createPlan(request.office!, planInput(form.values));
      return reply.redirect(`${menuPath(request.ente!)}/piani/${id}?fatto=aggiunto`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return refused(error.problems);
      throw error;
    }
  });

  async function planPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: PlanTyped; problems?: PlanProblems; conflict?: boolean; status?: number } = {}) {
    const office = request.office!;
    const plan = await menus.plan(office, planId(request));
    const [weekdays, dishes] = await Promise.all([menus.weekdaysOf(office, plan.school_level), menus.planDishes(office, plan.id)]);
    const query = request.query as { fatto?: unknown };
    return sendPage(
      reply,
      <PlanPage
        ctx={enteContext(request)}
        plan={plan}
        weekdays={weekdays}
        dishes={dishes}
        typed={form.typed}
        problems={form.problems}
        conflict={form.conflict}
        done={typeof query.fatto === 'string' ? query.fatto : undefined}
      />,
      form.status,
    );
  }

  app.get('/menu/piani/:id', manage, async (request, reply) => planPage(request, reply));

  app.post('/menu/piani/:id', manage, async (request, reply) => {
    const id = planId(request);
    const form = parseForm(editForm, request.body);
    if (!form.ok) return planPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await menus.updatePlan(request.office!, id, form.values.versione, planInput(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return planPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return planPage(request, reply, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/piani/${id}?fatto=salvato`, 303);
  });

  for (const [action, published] of [['pubblica', true], ['ritira', false]] as const) {
    app.post(`/menu/piani/:id/${action}`, manage, async (request, reply) => {
      const id = planId(request);
      const form = parseForm(publishForm, request.body);
      if (!form.ok) return planPage(request, reply, { problems: { pubblica: 'invalid' }, status: 422 });
      try {
        await menus.setPublished(request.office!, id, form.values.versione, published);
      } catch (error) {
        if (error instanceof InvalidInputError) return planPage(request, reply, { problems: error.problems, status: 422 });
        if (error instanceof ConflictError) return planPage(request, reply, { conflict: true, status: 409 });
        throw error;
      }
      return reply.redirect(`${menuPath(request.ente!)}/piani/${id}?fatto=${published ? 'pubblicato' : 'ritirato'}`, 303);
    });
  }

  function weekOf(request: FastifyRequest, plan: PlanRow): number {
    const week = parseId((request.params as { week?: string }).week);
    if (week === undefined || week > plan.rotation_weeks) throw new NotFoundError('week');
    return week;
  }

  async function weekPage(
    request: FastifyRequest,
    reply: FastifyReply,
    diet: MenuDiet,
    form: { typed?: Record<string, string>; problems?: PlanProblems; conflict?: boolean; status?: number } = {},
  ) {
    const office = request.office!;
    const plan = await menus.plan(office, planId(request));
    const week = weekOf(request, plan);
    const [weekdays, dishes, cells] = await Promise.all([menus.weekdaysOf(office, plan.school_level), menus.dishChoices(office), menus.week(office, plan.id, diet, week)]);
    return sendPage(
      reply,
      <WeekPage
        ctx={enteContext(request)}
        plan={plan}
        diet={diet}
        week={week}
        weekdays={weekdays}
        dishes={dishes}
        cells={cells}
        typed={form.typed}
        problems={form.problems}
        conflict={form.conflict}
        done={(request.query as { fatto?: unknown }).fatto === 'salvato'}
      />,
      form.status,
    );
  }

  app.get('/menu/piani/:id/settimane/:week', manage, async (request, reply) => {
    const asked = (request.query as { dieta?: unknown }).dieta ?? '';
    const diet = dietField.safeParse(asked);
    // A diet we do not know is no page of ours.
    if (!diet.success) throw new NotFoundError('diet');
    return weekPage(request, reply, diet.data);
  });

  app.post('/menu/piani/:id/settimane/:week', manage, async (request, reply) => {
    const office = request.office!;
    const plan = await menus.plan(office, planId(request));
    const week = weekOf(request, plan);
    const weekdays = await menus.weekdaysOf(office, plan.school_level);
    const cellFields = Object.fromEntries(
      weekdays.flatMap((weekday) =>
        COURSES.map((course) => [cellField(weekday, course), z.string().refine((value) => value === '' || parseId(value) !== undefined, 'dishUnknown')]),
      ),
    );
    const form = parseForm(z.object({ dieta: dietField, versione: version, ...cellFields }), request.body);
    const typedDiet = dietField.safeParse(form.typed.dieta ?? '');
    const diet = typedDiet.success ? typedDiet.data : '';
    if (!form.ok) return weekPage(request, reply, diet, { typed: form.typed, problems: { settimana: Object.values(form.problems)[0] ?? 'invalid' }, status: 422 });
    const values = form.values as Record<string, string> & { versione: number; dieta: MenuDiet };
    const cells = new Map<string, number | null>();
    for (const weekday of weekdays) {
      for (const course of COURSES) {
        const value = values[cellField(weekday, course)] ?? '';
        cells.set(cellKey(weekday, course), value === '' ? null : Number(value));
      }
    }
    try {
      await menus.saveWeek(office, plan.id, values.versione, values.dieta, week, cells);
    } catch (error) {
      if (error instanceof InvalidInputError) return weekPage(request, reply, diet, { typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return weekPage(request, reply, diet, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/piani/${plan.id}/settimane/${week}${diet ? `?dieta=${diet}&fatto=salvato` : '?fatto=salvato'}`, 303);
  });
}
