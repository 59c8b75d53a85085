import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ALLERGENS } from '../../../../domain/canteen/menus';
import type { Allergen, DishRow } from '../../../../domain/canteen/menu-office';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { parseForm } from '../../../shared/form';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { menuPath } from '../views';
import { allergenField, DishesPage, type DishProblems, DishPage, type DishTyped, dishesCsv } from './views';

const version = z.string().regex(/^\d{1,9}$/, 'invalid').transform(Number);
const checkbox = z.string().regex(/^(1)?$/, 'allergenUnknown');

const allergenFields = Object.fromEntries(ALLERGENS.map((code) => [allergenField(code), checkbox])) as Record<`allergene_${Allergen}`, typeof checkbox>;
const dishForm = z.object({
  nome: z.string().trim().min(1, 'nameRequired').max(120, 'tooLong'),
  ingredienti: z.string().trim().max(2000, 'tooLong'),
  ...allergenFields,
});
const editForm = dishForm.extend({ versione: version });

/** The problems of the allergens' checkboxes are the group's: one message under the fieldset. */
function grouped(problems: Record<string, string | undefined>): DishProblems {
  const result: DishProblems = {};
  for (const [field, problem] of Object.entries(problems)) {
    if (problem === undefined) continue;
    if (field.startsWith('allergene_')) result.allergeni ??= 'allergenUnknown';
    else result[field] = problem;
  }
  return result;
}

function dishInput(values: { nome: string; ingredienti: string } & Record<string, unknown>) {
  return {
    name: values.nome,
    ingredients: values.ingredienti,
    allergens: ALLERGENS.filter((code) => values[allergenField(code)] === '1') as Allergen[],
  };
}

/** Piatti: /{ente}/ufficio/menu/piatti (list, CSV), …/nuovo, …/:id (edit, from the version the form was made from). */
export async function officeDishRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'menus.manage' as const } };
  const menus = services.menuOffice;

  function dishId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('dish');
    return id;
  }

  app.get('/menu/piatti', manage, async (request, reply) => {
    const query = request.query as { dopo?: unknown; fatto?: unknown };
    const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
    const page = await menus.dishes(request.office!, { cursor });
    return sendPage(reply, <DishesPage ctx={enteContext(request)} page={page} cursor={cursor} done={typeof query.fatto === 'string' ? query.fatto : undefined} />);
  });

  app.get('/menu/piatti.csv', manage, async (request, reply) => {
    // The list's own query, page after page.
    const rows: DishRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await menus.dishes(request.office!, { cursor });
      rows.push(...page.rows);
      cursor = page.next;
    } while (cursor);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="piatti-${request.ente!.slug}.csv"`)
      .header('cache-control', 'no-store')
      .send(dishesCsv(enteContext(request), rows));
  });

  async function dishPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { dish?: DishRow; typed?: DishTyped; problems?: DishProblems; conflict?: boolean; status?: number } = {},
  ) {
    return sendPage(reply, <DishPage ctx={enteContext(request)} dish={form.dish} typed={form.typed} problems={form.problems} conflict={form.conflict} />, form.status);
  }

  app.get('/menu/piatti/nuovo', manage, async (request, reply) => dishPage(request, reply));

  app.post('/menu/piatti/nuovo', manage, async (request, reply) => {
    const form = parseForm(dishForm, request.body, { multiline: ['ingredienti'] });
    if (!form.ok) return dishPage(request, reply, { typed: form.typed, problems: grouped(form.problems), status: 422 });
    try {
      await menus.createDish(request.office!, dishInput(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return dishPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/piatti?fatto=aggiunto`, 303);
  });

  app.get('/menu/piatti/:id', manage, async (request, reply) => dishPage(request, reply, { dish: await menus.dish(request.office!, dishId(request)) }));

  app.post('/menu/piatti/:id', manage, async (request, reply) => {
    const id = dishId(request);
    const dish = await menus.dish(request.office!, id);
    const form = parseForm(editForm, request.body, { multiline: ['ingredienti'] });
    if (!form.ok) return dishPage(request, reply, { dish, typed: form.typed, problems: grouped(form.problems), status: 422 });
    try {
      await menus.updateDish(request.office!, id, form.values.versione, dishInput(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return dishPage(request, reply, { dish, typed: form.typed, problems: error.problems, status: 422 });
      // The page is made again from the dish saved now, with what this operator typed kept.
      if (error instanceof ConflictError) return dishPage(request, reply, { dish: await menus.dish(request.office!, id), typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${menuPath(request.ente!)}/piatti?fatto=salvato`, 303);
  });
}
