import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../../domain/calendar/local-time';
import type { MenuDiet, SpecialInput } from '../../../../domain/canteen/menu-office';
import { COURSES, DIET_CODES, SCHOOL_LEVELS } from '../../../../domain/canteen/menus';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { parseForm } from '../../../shared/form';
import { normaliseDate, parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { menuPath } from '../views';
import { type SpecialProblems, SpecialPage, SpecialsPage, type SpecialTyped, specialDishField } from './views';

const DIETS: readonly MenuDiet[] = ['', ...DIET_CODES];
const version = z.string().regex(/^\d{1,9}$/, 'invalid').transform(Number);
const dishChoice = z.string().refine((value) => value === '' || parseId(value) !== undefined, 'dishUnknown');
const dishFields = Object.fromEntries(DIETS.flatMap((diet) => COURSES.map((course) => [specialDishField(diet, course), dishChoice]))) as Record<string, typeof dishChoice>;
const specialForm = z.object({
  data: z
    .string()
    .transform((value) => normaliseDate(value))
    .refine((value) => value !== '', 'required')
    .refine(isCalendarDate, 'dateInvalid'),
  livello: z.enum(['', ...SCHOOL_LEVELS] as ['' | (typeof SCHOOL_LEVELS)[number], ...('' | (typeof SCHOOL_LEVELS)[number])[]], { message: 'levelUnknown' }),
  nome: z.string().trim().min(1, 'nameRequired').max(120, 'tooLong'),
  ...dishFields,
});
const editForm = specialForm.extend({ versione: version });
const removeForm = z.object({ versione: version });

/** The problems of the dish choices are the group's: one message above the menus. */
function grouped(problems: Record<string, string | undefined>): SpecialProblems {
  const result: SpecialProblems = {};
  for (const [field, problem] of Object.entries(problems)) {
    if (problem === undefined) continue;
    if (field.startsWith('piatto_')) result.piatti ??= problem;
    else result[field] = problem;
  }
  return result;
}

function specialInput(values: z.output<typeof specialForm>): SpecialInput {
  const chosen = values as unknown as Record<string, string>;
  return {
    date: values.data,
    schoolLevel: values.livello,
    name: values.nome,
    dishes: DIETS.flatMap((diet) =>
      COURSES.flatMap((course) => {
        const value = chosen[specialDishField(diet, course)] ?? '';
        return value === '' ? [] : [{ diet, course, dishId: Number(value) }];
      }),
    ),
  };
}

/** Menù speciali: /{ente}/ufficio/menu/speciali (list), …/nuovo, …/:id (edit), …/:id/elimina. */
export async function officeSpecialMenuRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'menus.manage' as const } };
  const menus = services.menuOffice;

  function specialId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('menu_special');
    return id;
  }

  app.get('/menu/speciali', manage, async (request, reply) => {
    const done = (request.query as { fatto?: unknown }).fatto;
    const specials = await menus.specials(request.office!);
    return sendPage(reply, <SpecialsPage ctx={enteContext(request)} specials={specials} done={typeof done === 'string' ? done : undefined} />);
  });

  async function specialPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { existing?: boolean; typed?: SpecialTyped; problems?: SpecialProblems; conflict?: boolean; status?: number } = {},
  ) {
    const office = request.office!;
    const [special, dishes] = await Promise.all([form.existing ? menus.special(office, specialId(request)) : undefined, menus.dishChoices(office)]);
    return sendPage(
      reply,
      <SpecialPage ctx={enteContext(request)} special={special} dishes={dishes} typed={form.typed} problems={form.problems} conflict={form.conflict} />,
      form.status,
    );
  }

  app.get('/menu/speciali/nuovo', manage, async (request, reply) => specialPage(request, reply));

  app.post('/menu/speciali/nuovo', manage, async (request, reply) => {
    const form = parseForm(specialForm, request.body);
    if (!form.ok) return specialPage(request, reply, { typed: form.typed, problems: grouped(form.problems), status: 422 });
    try {
      await menus.createSpecial(request.office!, specialInput(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return specialPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/speciali?fatto=aggiunto`, 303);
  });

  app.get('/menu/speciali/:id', manage, async (request, reply) => specialPage(request, reply, { existing: true }));

  app.post('/menu/speciali/:id', manage, async (request, reply) => {
    const id = specialId(request);
    await menus.special(request.office!, id);
    const form = parseForm(editForm, request.body);
    if (!form.ok) return specialPage(request, reply, { existing: true, typed: form.typed, problems: grouped(form.problems), status: 422 });
    try {
      await menus.updateSpecial(request.office!, id, form.values.versione, specialInput(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return specialPage(request, reply, { existing: true, typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return specialPage(request, reply, { existing: true, typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/speciali?fatto=salvato`, 303);
  });

  app.post('/menu/speciali/:id/elimina', manage, async (request, reply) => {
    const id = specialId(request);
    const form = parseForm(removeForm, request.body);
    if (!form.ok) return specialPage(request, reply, { existing: true, problems: { piatti: 'invalid' }, status: 422 });
    try {
      await menus.removeSpecial(request.office!, id, form.values.versione);
    } catch (error) {
      if (error instanceof ConflictError) return specialPage(request, reply, { existing: true, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/speciali?fatto=eliminato`, 303);
  });
}
