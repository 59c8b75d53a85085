import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../shared/render';
import { officeDishRoutes } from './piatti/routes';
import { officePlanRoutes } from './piani/routes';
import { officeSpecialMenuRoutes } from './speciali/routes';
import { MenuHomePage } from './views';

/** Menù e allergeni: /{ente}/ufficio/menu (the plans) and its sub-areas: piatti, piani, speciali. */
export async function officeMenuRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/menu', { config: { permission: 'menus.manage' } }, async (request, reply) => {
    const plans = await services.menuOffice.plans(request.office!);
    return sendPage(reply, <MenuHomePage ctx={enteContext(request)} plans={plans} />);
  });
  await app.register(officeDishRoutes, { services });
  await app.register(officePlanRoutes, { services });
  await app.register(officeSpecialMenuRoutes, { services });
}
