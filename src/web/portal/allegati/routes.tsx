import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { parseId } from '../../shared/forms';

/** The attachments listed on the Scheda anagrafica: /{ente}/allegati/:id */
export async function attachmentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/allegati/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('attachment');
    const file = await services.registry.attachment(request.ente!, caller, id);
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(file.content));
  });
}
