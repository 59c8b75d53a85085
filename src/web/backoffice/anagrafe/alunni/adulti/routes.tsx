import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../../../domain/errors';
import { may } from '../../../../../domain/operators/context';
import { OTHER_RELATIONS, PersonTakenError } from '../../../../../domain/registry/office-people';
import { fiscalCodeField } from '../../../../../domain/registry/person-values';
import type { Services } from '../../../../../domain/services';
import { parseForm } from '../../../../shared/form';
import { parseId } from '../../../../shared/forms';
import { enteContext, sendPage } from '../../../../shared/render';
import { officePath, parsePersonForm } from '../../person-form';
import { type AddAdultState, PupilAdultsPage } from './views';

const relationField = z.string().refine((value): value is (typeof OTHER_RELATIONS)[number] => (OTHER_RELATIONS as readonly string[]).includes(value), 'relationRequired');
const addForm = z.object({ codice_fiscale: fiscalCodeField, legame: relationField });
const relationForm = z.object({ legame: relationField });
const holderForm = z.object({ persona: z.string().regex(/^[1-9][0-9]{0,9}$/, 'notLinked').transform(Number) });

function idParam(request: FastifyRequest, name: 'id' | 'personId'): number {
  const id = parseId((request.params as Record<string, unknown>)[name]);
  if (id === undefined) throw new NotFoundError(name);
  return id;
}

/**
 * The adults of a pupil: /{ente}/ufficio/anagrafe/alunni/:id/adulti. Only the office changes the links;
 * every linked adult sees the pupil's pages in the portal (domain/registry/access.ts).
 */
export async function pupilAdultsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const people = services.officePeople;

  async function page(request: FastifyRequest, reply: FastifyReply, state: AddAdultState, status: number) {
    const office = request.office!;
    const view = await people.adults(office, idParam(request, 'id'));
    const done = (request.query as { fatto?: unknown }).fatto;
    return sendPage(
      reply,
      <PupilAdultsPage ctx={enteContext(request)} view={view} state={state} done={typeof done === 'string' ? done : undefined} canWrite={may(office, 'registry.write')} />,
      status,
    );
  }

  const done = (request: FastifyRequest, reply: FastifyReply, what: string) =>
    reply.redirect(`${officePath(request.office!.ente, `anagrafe/alunni/${idParam(request, 'id')}/adulti`)}?fatto=${what}`, 303);

  app.get('/anagrafe/alunni/:id/adulti', { config: { permission: 'registry.read' } }, async (request, reply) =>
    page(request, reply, { typed: {}, problems: {} }, 200),
  );

  app.post('/anagrafe/alunni/:id/adulti', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const office = request.office!;
    const pupilId = idParam(request, 'id');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const first = parseForm(addForm, body);
    if (!first.ok) return page(request, reply, { typed: first.typed, problems: first.problems }, 422);
    const { codice_fiscale: code, legame: relation } = first.values;
    try {
      const found = await people.findByFiscalCode(office, code);
      if (found) {
        await people.linkAdult(office, pupilId, { existing: code }, relation);
        return done(request, reply, 'collegato');
      }
      if (body.passo !== '2') return page(request, reply, { typed: { legame: relation }, problems: {}, newCode: code }, 200);
      const person = parsePersonForm(body, '', services.clock);
      const kept = parseForm(relationForm, body);
      const typed = { ...person.typed, ...kept.typed };
      if (!person.ok) return page(request, reply, { typed, problems: person.problems, newCode: code }, 422);
      await people.linkAdult(office, pupilId, { create: person.input }, relation);
      return done(request, reply, 'collegato');
    } catch (error) {
      if (error instanceof PersonTakenError) {
        return page(request, reply, { typed: first.typed, problems: { codice_fiscale: 'cfTaken' }, existing: error.existing }, 422);
      }
      if (error instanceof InvalidInputError) return page(request, reply, { typed: first.typed, problems: error.problems }, 422);
      throw error;
    }
  });

  app.post('/anagrafe/alunni/:id/adulti/:personId/rimuovi', { config: { permission: 'registry.write' } }, async (request, reply) => {
    try {
      await people.unlinkAdult(request.office!, idParam(request, 'id'), idParam(request, 'personId'));
      return done(request, reply, 'rimosso');
    } catch (error) {
      if (error instanceof InvalidInputError) return page(request, reply, { typed: {}, problems: error.problems }, 422);
      throw error;
    }
  });

  app.post('/anagrafe/alunni/:id/adulti/intestatario', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const form = parseForm(holderForm, request.body);
    if (!form.ok) return page(request, reply, { typed: {}, problems: form.problems }, 422);
    try {
      await people.changeHolder(request.office!, idParam(request, 'id'), form.values.persona);
      return done(request, reply, 'intestatario');
    } catch (error) {
      if (error instanceof InvalidInputError) return page(request, reply, { typed: {}, problems: error.problems }, 422);
      throw error;
    }
  });
}
