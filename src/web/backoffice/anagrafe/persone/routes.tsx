import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PersonValues } from '../../../../domain/registry/person-values';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../domain/errors';
import { may } from '../../../../domain/operators/context';
import { PersonTakenError } from '../../../../domain/registry/office-people';
import type { Services } from '../../../../domain/services';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { officePath, parsePersonForm, personTyped, versionField } from '../person-form';
import { EditPersonPage, NewPersonPage, PersonPage, type PersonFormState } from './views';
import { PersonRemindersSection } from '../../solleciti/views';

function personIdOf(request: FastifyRequest): number {
  const id = parseId((request.params as { id?: unknown }).id);
  if (id === undefined) throw new NotFoundError('person');
  return id;
}

/** Persons of the registry: /{ente}/ufficio/anagrafe/persone/… (create, a person's page, edit). */
export async function officePersonRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const people = services.officePeople;

  app.get('/anagrafe/persone/nuova', { config: { permission: 'registry.write' } }, async (request, reply) =>
    sendPage(reply, <NewPersonPage ctx={enteContext(request)} state={{ typed: {}, problems: {} }} />),
  );

  app.post('/anagrafe/persone/nuova', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const office = request.office!;
    const form = parsePersonForm(request.body, '', services.clock);
    const refuse = (state: PersonFormState) => sendPage(reply, <NewPersonPage ctx={enteContext(request)} state={state} />, 422);
    if (!form.ok) return refuse({ typed: form.typed, problems: form.problems });
    try {
      const id = await people.createPerson(office, form.input);
      return reply.redirect(`${officePath(office.ente, `anagrafe/persone/${id}`)}?fatto=creata`, 303);
    } catch (error) {
      if (error instanceof PersonTakenError) return refuse({ typed: form.typed, problems: { codice_fiscale: 'cfTaken' }, existing: error.existing });
      if (error instanceof InvalidInputError) return refuse({ typed: form.typed, problems: error.problems });
      throw error;
    }
  });

  app.get('/anagrafe/persone/:id', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const office = request.office!;
    const view = await people.person(office, personIdOf(request));
    const done = (request.query as { fatto?: unknown }).fatto;
    const ctx = enteContext(request);
    // The reminders of the person's documents (issue 15), for those who manage reminders.
    const reminders = may(office, 'reminders.manage') ? await services.reminders.ofPerson(office, view.person.id) : undefined;
    return sendPage(
      reply,
      <PersonPage ctx={ctx} view={view} done={done === 'creata' || done === 'salvata' ? done : undefined} canEdit={may(office, 'registry.write')}>
        {reminders && <PersonRemindersSection ctx={ctx} view={reminders} fiscalCode={view.person.fiscal_code} />}
      </PersonPage>,
    );
  });

  app.get('/anagrafe/persone/:id/modifica', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { person } = await people.person(request.office!, personIdOf(request));
    return sendPage(
      reply,
      <EditPersonPage
        ctx={enteContext(request)}
        personId={person.id}
        name={`${person.given_name} ${person.family_name}`}
        version={person.version}
        state={{ typed: personTyped(person), problems: {} }}
      />,
    );
  });

  app.post('/anagrafe/persone/:id/modifica', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const office = request.office!;
    const { person } = await people.person(office, personIdOf(request));
    const form = parsePersonForm(request.body, '', services.clock);
    const version = versionField.safeParse((request.body as Record<string, unknown> | undefined)?.versione);
    const page = (state: PersonFormState, status: number, shownVersion = version.success ? version.data : person.version) =>
      sendPage(
        reply,
        <EditPersonPage ctx={enteContext(request)} personId={person.id} name={`${person.given_name} ${person.family_name}`} version={shownVersion} state={state} />,
        status,
      );
    if (!form.ok || !version.success) {
      return page({ typed: form.typed, problems: { ...(form.ok ? {} : form.problems), ...(version.success ? {} : { versione: 'invalid' }) } }, 422);
    }
    try {
      await people.updatePerson(office, person.id, version.data, form.input);
      return reply.redirect(`${officePath(office.ente, `anagrafe/persone/${person.id}`)}?fatto=salvata`, 303);
    } catch (error) {
      if (error instanceof ConflictError) {
        const saved = error.current as unknown as PersonValues & { version: number };
        return page({ typed: form.typed, problems: {}, saved: personTyped(saved) }, 409, saved.version);
      }
      if (error instanceof PersonTakenError) return page({ typed: form.typed, problems: { codice_fiscale: 'cfTaken' }, existing: error.existing }, 422);
      if (error instanceof InvalidInputError) return page({ typed: form.typed, problems: error.problems }, 422);
      throw error;
    }
  });
}
