import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidInputError } from '../../../../../domain/errors';
import { type PersonChoice, PersonTakenError } from '../../../../../domain/registry/office-people';
import { fiscalCodeField } from '../../../../../domain/registry/person-values';
import type { Services } from '../../../../../domain/services';
import { type FormProblems, parseForm } from '../../../../shared/form';
import { enteContext, sendPage } from '../../../../shared/render';
import { officePath, parsePersonForm, schoolClassShape, type Typed } from '../../person-form';
import { type KnownPerson, NewPupilStepOne, NewPupilStepTwo } from './views';

const codesForm = z.object({ alunno_codice_fiscale: fiscalCodeField, intestatario_codice_fiscale: fiscalCodeField });
const schoolForm = z.object(schoolClassShape);

/**
 * A new pupil: /{ente}/ufficio/anagrafe/alunni/nuovo, in two steps. Step 1 asks the child's and the
 * intestatario's codes; step 2 shows the forms of whoever is new (a person already in the registry is
 * taken as they are, never created twice), the school and the class. Who is new is decided again at
 * every submit from the registry, never from the form.
 */
export async function newPupilRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const people = services.officePeople;

  app.get('/anagrafe/alunni/nuovo', { config: { permission: 'registry.write' } }, async (request, reply) =>
    sendPage(reply, <NewPupilStepOne ctx={enteContext(request)} typed={{}} problems={{}} />),
  );

  app.post('/anagrafe/alunni/nuovo', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const office = request.office!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ctx = enteContext(request);
    const codes = parseForm(codesForm, body);
    const stepOne = (problems: FormProblems, existing?: KnownPerson) =>
      sendPage(reply, <NewPupilStepOne ctx={ctx} typed={codes.typed} problems={problems} existing={existing} />, 422);
    if (!codes.ok) return stepOne(codes.problems);
    const { alunno_codice_fiscale: childCode, intestatario_codice_fiscale: holderCode } = codes.values;
    if (childCode === holderCode) return stepOne({ intestatario_codice_fiscale: 'holderIsChild' });

    const lookUp = () => Promise.all([people.findByFiscalCode(office, childCode), people.findByFiscalCode(office, holderCode)]);
    const [child, holder] = await lookUp();
    if (child?.pupilId) return stepOne({ alunno_codice_fiscale: 'alreadyPupil' }, child);
    const schools = await people.schools(office);
    const stepTwo = (
      state: { child: KnownPerson | undefined; holder: KnownPerson | undefined; typed: Typed; problems: FormProblems; existing?: KnownPerson },
      status: number,
    ) => sendPage(reply, <NewPupilStepTwo ctx={ctx} codes={{ child: childCode, holder: holderCode }} schools={schools} {...state} />, status);

    if (body.passo !== '2') return stepTwo({ child, holder, typed: {}, problems: {} }, 200);

    const place = parseForm(schoolForm, body);
    const childForm = child ? undefined : parsePersonForm(body, 'alunno_', services.clock);
    const holderForm = holder ? undefined : parsePersonForm(body, 'intestatario_', services.clock);
    const typed = { ...place.typed, ...childForm?.typed, ...holderForm?.typed };
    const problems = {
      ...(childForm && !childForm.ok ? childForm.problems : {}),
      ...(place.ok ? {} : place.problems),
      ...(holderForm && !holderForm.ok ? holderForm.problems : {}),
    };
    if (!place.ok || (childForm && !childForm.ok) || (holderForm && !holderForm.ok)) return stepTwo({ child, holder, typed, problems }, 422);

    const choice = (known: KnownPerson | undefined, form: typeof childForm, code: string): PersonChoice =>
      known || !form?.ok ? { existing: code } : { create: form.input };
    try {
      const pupilId = await people.createPupil(office, {
        child: choice(child, childForm, childCode),
        holder: choice(holder, holderForm, holderCode),
        schoolId: place.values.scuola,
        className: place.values.classe,
      });
      return reply.redirect(officePath(office.ente, `anagrafe/alunni/${pupilId}`), 303);
    } catch (error) {
      if (error instanceof PersonTakenError) {
        // Created by someone else since step 1: now taken as existing, and said so.
        const [childNow, holderNow] = await lookUp();
        return stepTwo({ child: childNow, holder: holderNow, typed, problems: { [error.field]: 'cfTaken' }, existing: { ...error.existing, pupilId: null } }, 422);
      }
      if (error instanceof InvalidInputError) return stepTwo({ child, holder, typed, problems: error.problems }, 422);
      throw error;
    }
  });
}
