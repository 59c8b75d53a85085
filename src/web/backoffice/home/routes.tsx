import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../shared/render';
import { BackofficeHomePage } from './views';

/** The office's home: /{ente}/ufficio/ — what the operator's role may do. */
export async function backofficeHomeRoutes(app: FastifyInstance, _options: { services: Services }) {
  app.get('/', { config: { permission: 'backoffice.home' } }, async (request, reply) =>
    sendPage(reply, <BackofficeHomePage ctx={enteContext(request)} office={request.office!} />),
  );
}
