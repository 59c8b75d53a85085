import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { SCHOOL_LEVELS, SERVICE_WEEKDAYS, type SchoolInput, type SchoolLevel, type SchoolRow } from '../../../../domain/settings/schools';
import { parseForm } from '../../../shared/form';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { type SchoolProblems, SchoolFormPage, SchoolsPage, type SchoolTyped, schoolTyped, weekdayField } from './views';

const tidy = (value: string) => value.replace(/\s+/g, ' ').trim();
const requiredText = (max: number) => z.string().transform(tidy).pipe(z.string().min(1, 'required').max(max, 'tooLong'));
/** A weekday's checkbox: sent as "1" when ticked, absent (read as '') when not. */
const tick = z.enum(['', '1'], { message: 'weekdaysInvalid' });

const schoolShape = {
  nome: requiredText(200),
  grado: z.enum(SCHOOL_LEVELS as [SchoolLevel, ...SchoolLevel[]], { message: 'levelInvalid' }),
  indirizzo: requiredText(200),
  giorno_1: tick,
  giorno_2: tick,
  giorno_3: tick,
  giorno_4: tick,
  giorno_5: tick,
  giorno_6: tick,
};
const newSchoolForm = z.object(schoolShape);
const schoolForm = z.object({
  ...schoolShape,
  versione: z
    .string()
    .regex(/^\d{1,9}$/, 'invalid')
    .transform(Number),
});

function inputOf(values: z.output<typeof newSchoolForm>): SchoolInput {
  const ticked = values as Record<string, unknown>;
  return { name: values.nome, level: values.grado, address: values.indirizzo, weekdays: SERVICE_WEEKDAYS.filter((day) => ticked[weekdayField(day)] === '1') };
}

/** A tampered weekday (a value other than the checkbox's) is a problem of the days, named as such. */
function problemsOf(problems: Record<string, string | undefined>): SchoolProblems {
  const result: SchoolProblems = {};
  for (const [field, problem] of Object.entries(problems)) {
    if (!problem) continue;
    if (field.startsWith('giorno_')) result.giorni ??= 'weekdaysInvalid';
    else result[field as keyof SchoolProblems] = problem;
  }
  return result;
}

/**
 * The ente's schools, under its settings: /{ente}/ufficio/impostazioni/scuole (the list), …/nuova (add),
 * …/:id (edit). No deletion: a school is referenced by its pupils, enrolments, operators and days.
 */
export async function schoolRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'settings.manage' as const } };
  const schools = services.schools;
  const base = (request: FastifyRequest) => `/${request.ente!.slug}/ufficio/impostazioni/scuole`;

  function schoolId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('school');
    return id;
  }

  app.get('/impostazioni/scuole', manage, async (request, reply) => {
    const query = request.query as { dopo?: unknown; fatto?: unknown };
    const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
    const page = await schools.list(request.office!, cursor);
    return sendPage(reply, <SchoolsPage ctx={enteContext(request)} page={page} cursor={cursor} done={typeof query.fatto === 'string' ? query.fatto : undefined} />);
  });

  app.get('/impostazioni/scuole/nuova', manage, async (request, reply) =>
    sendPage(reply, <SchoolFormPage ctx={enteContext(request)} typed={Object.fromEntries([1, 2, 3, 4, 5].map((day) => [weekdayField(day), '1']))} />),
  );

  app.post('/impostazioni/scuole/nuova', manage, async (request, reply) => {
    const form = parseForm(newSchoolForm, request.body);
    const refuse = (problems: SchoolProblems) => sendPage(reply, <SchoolFormPage ctx={enteContext(request)} typed={form.typed} problems={problems} />, 422);
    if (!form.ok) return refuse(problemsOf(form.problems));
    try {
      await schools.create(request.office!, inputOf(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return refuse(error.problems);
      throw error;
    }
    return reply.redirect(`${base(request)}?fatto=aggiunta`, 303);
  });

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: SchoolTyped; problems?: SchoolProblems; conflict?: boolean; version?: number; status?: number } = {},
  ) {
    const school: SchoolRow = await schools.get(request.office!, schoolId(request));
    const query = request.query as { fatto?: unknown };
    return sendPage(
      reply,
      <SchoolFormPage
        ctx={enteContext(request)}
        school={school}
        typed={form.typed ?? schoolTyped(school)}
        problems={form.problems}
        saved={form.conflict ? schoolTyped(school) : undefined}
        version={form.conflict ? school.version : (form.version ?? school.version)}
        done={typeof query.fatto === 'string' ? query.fatto : undefined}
      />,
      form.status,
    );
  }

  app.get('/impostazioni/scuole/:id', manage, async (request, reply) => editPage(request, reply));

  app.post('/impostazioni/scuole/:id', manage, async (request, reply) => {
    const id = schoolId(request);
    const form = parseForm(schoolForm, request.body);
    // A refused form keeps the version it was made from, so that its next save still meets a change made meanwhile.
    const typedVersion = /^\d{1,9}$/.test(form.typed.versione ?? '') ? Number(form.typed.versione) : undefined;
    if (!form.ok) return editPage(request, reply, { typed: form.typed, problems: problemsOf(form.problems), version: typedVersion, status: 422 });
    try {
      await schools.update(request.office!, id, form.values.versione, inputOf(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return editPage(request, reply, { typed: form.typed, problems: error.problems, version: typedVersion, status: 422 });
      if (error instanceof ConflictError) return editPage(request, reply, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${base(request)}/${id}?fatto=salvata`, 303);
  });
}
