import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OperatorRole } from '../../../db/schema';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import { ROLES } from '../../../domain/operators/permissions';
import { parseFiscalCode } from '../../../domain/registry/fiscal-code';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { AddOperatorPage, type AddProblems, type AddTyped, OperatorPage, OperatorsPage, type RoleProblems, type RoleTyped } from './views';

/** A name as people write it: letters (any alphabet, accents), spaces, apostrophes, dots and hyphens. */
const NAME = /^\p{L}[\p{L}\p{M}'’ .-]*$/u;
const name = z.string().trim().min(1, 'required').max(100, 'tooLong').regex(NAME, 'nameInvalid');

/** An operator is a person: a personal codice fiscale (16 characters), check character right. */
const fiscalCode = z
  .string()
  .trim()
  .min(1, 'required')
  .transform((value, ctx) => {
    const parsed = parseFiscalCode(value);
    if (!parsed.ok || parsed.code.length !== 16) {
      ctx.addIssue({ code: 'custom', message: 'cfInvalid' });
      return z.NEVER;
    }
    return parsed.code;
  });

const role = z.enum(ROLES as unknown as [OperatorRole, ...OperatorRole[]], { message: 'roleInvalid' });
const school = z
  .string()
  .trim()
  .regex(/^\d{0,9}$/, 'schoolUnknown')
  .transform((value) => (value === '' ? null : Number(value)));
const version = z
  .string()
  .regex(/^\d{1,9}$/, 'invalid')
  .transform(Number);

const addForm = z.object({ codice_fiscale: fiscalCode, nome: name, cognome: name, ruolo: role, scuola: school });
const roleForm = z.object({ ruolo: role, scuola: school, versione: version });
const removeForm = z.object({ versione: version });

/**
 * Operators of the ente, managed by its amministratore: /{ente}/ufficio/operatori (list), …/nuovo (add, or
 * reactivate a removed one), …/:id (change the role), …/:id/rimuovi (remove). The last active amministratore
 * is protected by the service.
 */
export async function officeOperatorRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'operators.manage' as const } };
  const operators = services.operatorManagement;

  function operatorId(request: FastifyRequest): number {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('operator');
    return id;
  }

  app.get('/operatori', manage, async (request, reply) => {
    const query = request.query as { dopo?: unknown; stato?: unknown; fatto?: unknown };
    const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
    const includeRemoved = query.stato === 'tutti';
    const page = await operators.list(request.office!, { cursor, includeRemoved });
    return sendPage(
      reply,
      <OperatorsPage ctx={enteContext(request)} page={page} cursor={cursor} includeRemoved={includeRemoved} done={typeof query.fatto === 'string' ? query.fatto : undefined} />,
    );
  });

  async function addPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: AddTyped; problems?: AddProblems; status?: number } = {}) {
    const schools = await operators.schools(request.office!);
    return sendPage(reply, <AddOperatorPage ctx={enteContext(request)} schools={schools} typed={form.typed} problems={form.problems} />, form.status);
  }

  app.get('/operatori/nuovo', manage, async (request, reply) => addPage(request, reply));

  app.post('/operatori/nuovo', manage, async (request, reply) => {
    const form = parseForm(addForm, request.body);
    if (!form.ok) return addPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const { codice_fiscale, nome, cognome, ruolo, scuola } = form.values;
    try {
      const added = await operators.add(request.office!, { fiscalCode: codice_fiscale, givenName: nome, familyName: cognome, role: ruolo, schoolId: scuola });
      return reply.redirect(`/${request.ente!.slug}/ufficio/operatori?fatto=${added.reactivated ? 'riattivato' : 'aggiunto'}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return addPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
  });

  async function operatorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: RoleTyped; problems?: RoleProblems; conflict?: boolean; status?: number } = {},
  ) {
    const office = request.office!;
    const [operator, schools] = await Promise.all([operators.get(office, operatorId(request)), operators.schools(office)]);
    const query = request.query as { fatto?: unknown };
    return sendPage(
      reply,
      <OperatorPage
        ctx={enteContext(request)}
        operator={operator}
        schools={schools}
        typed={form.typed}
        problems={form.problems}
        conflict={form.conflict}
        done={typeof query.fatto === 'string' ? query.fatto : undefined}
      />,
      form.status,
    );
  }

  app.get('/operatori/:id', manage, async (request, reply) => operatorPage(request, reply));

  app.post('/operatori/:id', manage, async (request, reply) => {
    const id = operatorId(request);
    const form = parseForm(roleForm, request.body);
    if (!form.ok) return operatorPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await operators.changeRole(request.office!, id, form.values.versione, { role: form.values.ruolo, schoolId: form.values.scuola });
    } catch (error) {
      if (error instanceof InvalidInputError) return operatorPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      // The page is made again from the version saved now, with what this operator chose kept.
      if (error instanceof ConflictError) return operatorPage(request, reply, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/operatori/${id}?fatto=salvato`, 303);
  });

  app.post('/operatori/:id/rimuovi', manage, async (request, reply) => {
    const id = operatorId(request);
    const form = parseForm(removeForm, request.body);
    if (!form.ok) return operatorPage(request, reply, { problems: form.problems, status: 422 });
    try {
      await operators.remove(request.office!, id, form.values.versione);
    } catch (error) {
      if (error instanceof InvalidInputError) return operatorPage(request, reply, { problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return operatorPage(request, reply, { conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/operatori?fatto=rimosso`, 303);
  });
}
