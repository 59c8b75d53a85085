import type { FastifyInstance } from 'fastify';
import { ALL_ROLES } from '../../../domain/operators/service';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { enteContext, sendPage } from '../../shared/render';
import { BackofficeHomePage } from './views';

/** The office's home: /{ente}/ufficio/ */
export async function backofficeHomeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ufficio/', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const operator = await services.operators.requireOperator(request.ente!, caller, ALL_ROLES);
    return sendPage(reply, <BackofficeHomePage ctx={enteContext(request)} operator={operator} />);
  });
}
