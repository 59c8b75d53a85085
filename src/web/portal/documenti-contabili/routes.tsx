import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { paper } from '../papers';
import { forOnePupil } from '../pupil';
import { DocumentDetailPage, DocumentsPage } from './views';

/** Documenti contabili: /{ente}/documenti-contabili, one document, and its pagoPA papers. */
export async function documentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/documenti-contabili', async (request, reply) =>
    forOnePupil(services, request, reply, 'documenti-contabili', async (_caller, { pupil, pupils, handle }) => {
      const documents = await services.documents.ofPupil(handle);
      return sendPage(reply, <DocumentsPage ctx={enteContext(request)} pupil={pupil} pupils={pupils} documents={documents} />);
    }),
  );

  app.get('/documenti-contabili/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('document');
    const detail = await services.documents.detail(request.ente!, caller, id);
    return sendPage(reply, <DocumentDetailPage ctx={enteContext(request)} detail={detail} />);
  });

  app.get('/documenti-contabili/:id/avviso.pdf', (request, reply) => paper(services, request, reply, 'notice', (id) => ({ documentId: id })));
  app.get('/documenti-contabili/:id/ricevuta.pdf', (request, reply) => paper(services, request, reply, 'receipt', (id) => ({ documentId: id })));
}
