import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../../domain/errors';
import { PersonTakenError } from '../../../../../domain/registry/office-people';
import type { Services } from '../../../../../domain/services';
import { parseForm } from '../../../../shared/form';
import { parseId } from '../../../../shared/forms';
import { enteContext, sendPage } from '../../../../shared/render';
import { officePath, parsePersonForm, personTyped, schoolClassShape, versionField } from '../../person-form';
import { EditPupilPage, type EditPupilState } from './views';

const placeForm = z.object({ ...schoolClassShape, versione: versionField, versione_persona: versionField });

function pupilIdOf(request: FastifyRequest): number {
  const id = parseId((request.params as { id?: unknown }).id);
  if (id === undefined) throw new NotFoundError('pupil');
  return id;
}

/** Editing a pupil: /{ente}/ufficio/anagrafe/alunni/:id/modifica — the child's data, school and class (the diet: ufficio/diete). */
export async function editPupilRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const people = services.officePeople;

  async function current(request: FastifyRequest) {
    const office = request.office!;
    const [{ pupil, person }, schools] = await Promise.all([people.pupil(office, pupilIdOf(request)), people.schools(office)]);
    return {
      pupil,
      person,
      schools,
      name: `${person.given_name} ${person.family_name}`,
      typed: { ...personTyped(person), scuola: String(pupil.school_id), classe: pupil.class_name },
      versions: { pupil: pupil.version, person: person.version },
    };
  }

  app.get('/anagrafe/alunni/:id/modifica', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const now = await current(request);
    return sendPage(
      reply,
      <EditPupilPage ctx={enteContext(request)} pupilId={now.pupil.id} name={now.name} versions={now.versions} schools={now.schools} state={{ typed: now.typed, problems: {} }} />,
    );
  });

  app.post('/anagrafe/alunni/:id/modifica', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const office = request.office!;
    const before = await current(request);
    const person = parsePersonForm(request.body, '', services.clock);
    const place = parseForm(placeForm, request.body);
    const typed = { ...person.typed, ...place.typed };
    const page = (state: EditPupilState, status: number, versions = place.ok ? { pupil: place.values.versione, person: place.values.versione_persona } : before.versions) =>
      sendPage(
        reply,
        <EditPupilPage ctx={enteContext(request)} pupilId={before.pupil.id} name={before.name} versions={versions} schools={before.schools} state={state} />,
        status,
      );
    if (!person.ok || !place.ok) {
      const problems = { ...(person.ok ? {} : person.problems), ...(place.ok ? {} : place.problems) };
      // A tampered version field is a problem of the form, named as one.
      if (problems.versione_persona && !problems.versione) problems.versione = problems.versione_persona;
      delete problems.versione_persona;
      return page({ typed, problems }, 422);
    }
    try {
      await people.updatePupil(office, before.pupil.id, {
        pupilVersion: place.values.versione,
        personVersion: place.values.versione_persona,
        person: person.input,
        schoolId: place.values.scuola,
        className: place.values.classe,
      });
      return reply.redirect(officePath(office.ente, `anagrafe/alunni/${before.pupil.id}`), 303);
    } catch (error) {
      if (error instanceof ConflictError) {
        const now = await current(request);
        return page({ typed, problems: {}, saved: now.typed }, 409, now.versions);
      }
      if (error instanceof PersonTakenError) return page({ typed, problems: { codice_fiscale: 'cfTaken' }, existing: error.existing }, 422);
      if (error instanceof InvalidInputError) return page({ typed, problems: error.problems }, 422);
      throw error;
    }
  });
}
