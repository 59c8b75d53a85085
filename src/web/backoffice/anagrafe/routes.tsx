import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../domain/services';
import { parseId } from '../../shared/forms';
import { parseForm } from '../../shared/form';
import { enteContext, sendPage } from '../../shared/render';
import { officePupilRoutes } from './alunni/routes';
import { RegistrySearchPage } from './views';

/** The search's GET form: what was typed, the school, the class, and the page's cursor. */
const searchForm = z.object({
  q: z.string().trim().max(100, 'tooLong'),
  scuola: z.string().trim().max(12, 'tooLong'),
  classe: z.string().trim().max(20, 'tooLong'),
  dopo: z.string().max(500, 'tooLong'),
});

/** Anagrafe: /{ente}/ufficio/anagrafe — the registry search. */
export async function registrySearchRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // The area's pages, each in the folder of its address.
  await app.register(officePupilRoutes, { services });

  app.get('/anagrafe', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const office = request.office!;
    const ctx = enteContext(request);
    const schools = await services.registrySearch.schools(office);
    const form = parseForm(searchForm, request.query, { maxLength: 500 });
    const problems: Record<string, string> = form.ok ? {} : { ...form.problems };
    let schoolId: number | undefined;
    if (form.ok && form.values.scuola !== '') {
      schoolId = parseId(form.values.scuola);
      if (schoolId === undefined || !schools.some((s) => s.id === schoolId)) problems.scuola = 'schoolUnknown';
    }
    if (!form.ok || Object.keys(problems).length > 0) {
      return sendPage(reply, <RegistrySearchPage ctx={ctx} schools={schools} typed={form.typed} problems={problems} />, 422);
    }
    const outcome = await services.registrySearch.search(office, {
      text: form.values.q,
      schoolId,
      className: form.values.classe || undefined,
      after: form.values.dopo || undefined,
    });
    return sendPage(reply, <RegistrySearchPage ctx={ctx} schools={schools} typed={form.typed} problems={{}} outcome={outcome} first={!form.values.dopo} />);
  });
}
