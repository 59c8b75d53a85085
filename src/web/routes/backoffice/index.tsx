import type { FastifyInstance } from 'fastify';
import { ALL_ROLES } from '../../../domain/operators/service';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../render';
import { BackofficeHomePage } from '../../views/misc';
import { callerOrLogin } from '../caller';

/** The municipal office: /{ente}/ufficio/… — operators only, whatever links a parent may guess. */
export async function backofficeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ufficio/', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const operator = await services.operators.requireOperator(request.ente!, caller, ALL_ROLES);
    return sendPage(reply, <BackofficeHomePage ctx={enteContext(request)} operator={operator} />);
  });
}
