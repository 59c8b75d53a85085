import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services';
import { backofficeHomeRoutes } from './home/routes';
import { kitchenRoutes } from './pasti/routes';
import { officeReceiptRoutes } from './ricevute/routes';

/** The municipal office: /{ente}/ufficio/… — operators only, whatever links a parent may guess; one folder per area. */
export async function backofficeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  await app.register(kitchenRoutes, { services });
  await app.register(officeReceiptRoutes, { services });
  await app.register(backofficeHomeRoutes, { services });
}
