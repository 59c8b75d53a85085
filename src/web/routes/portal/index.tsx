import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../render';
import { callerOrLogin } from '../caller';
import { absenceRoutes } from './absences';
import { ChoosePupilPage, ComingSoonPage, PORTAL_SERVICES, SchedaPage, ServiceListPage } from '../../views/portal';

const pupilQuery = z.object({ utente: z.coerce.number().int().positive().optional() });

function requestedPupil(request: FastifyRequest): number | undefined {
  const parsed = pupilQuery.safeParse(request.query);
  // A malformed id is nobody's pupil: the same answer as someone else's.
  if (!parsed.success) throw new NotFoundError('pupil');
  return parsed.data.utente;
}

/** Parents' portal of one ente: /{ente}/… */
export async function portalRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/', async (request, reply) => sendPage(reply, <ServiceListPage ctx={enteContext(request)} />));

  app.get('/scheda-anagrafica', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const ente = request.ente!;
    const selection = await services.registry.selectPupil(ente, caller, requestedPupil(request));
    const ctx = enteContext(request);
    if (selection.kind === 'choose') {
      return sendPage(reply, <ChoosePupilPage ctx={ctx} service="scheda-anagrafica" pupils={selection.pupils} />);
    }
    const record = await services.registry.pupilRecord(ente, caller, selection.pupil);
    return sendPage(reply, <SchedaPage ctx={ctx} pupil={selection.pupil} pupils={selection.pupils} record={record} />);
  });

  app.get('/allegati/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = z.coerce.number().int().positive().safeParse((request.params as { id: string }).id);
    if (!id.success) throw new NotFoundError('attachment');
    const file = await services.registry.attachment(request.ente!, caller, id.data);
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(file.content));
  });

  await app.register(absenceRoutes, { services });

  /** Services still to be built: behind the log-in, and never for someone who is not a holder. */
  for (const service of PORTAL_SERVICES.filter((s) => s.key !== 'scheda-anagrafica' && s.key !== 'assenze')) {
    app.get(`/${service.key}`, async (request, reply) => {
      const caller = callerOrLogin(request, reply);
      if (!caller) return reply;
      await services.registry.selectPupil(request.ente!, caller, undefined);
      return sendPage(reply, <ComingSoonPage ctx={enteContext(request)} service={service.key} />);
    });
  }
}
