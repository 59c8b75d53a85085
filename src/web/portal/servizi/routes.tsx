import type { FastifyInstance } from 'fastify';
import { enteContext, sendPage } from '../../shared/render';
import { ServiceListPage } from './views';

/** Lista servizi: /{ente}/ */
export async function serviceListRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => sendPage(reply, <ServiceListPage ctx={enteContext(request)} />));
}
