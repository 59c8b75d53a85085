import type { FastifyInstance } from 'fastify';
import { enteContext, sendPage } from '../../shared/render';
import { AccessibilityStatementPage } from './views';

/**
 * /{ente}/dichiarazione-accessibilita: the statement of the ente whose pages these are, from the facts its
 * office keeps in the settings (decision 0020). Public, like the general one at /dichiarazione-accessibilita.
 */
export async function accessibilityStatementRoutes(app: FastifyInstance) {
  app.get('/dichiarazione-accessibilita', async (request, reply) => sendPage(reply, <AccessibilityStatementPage ctx={enteContext(request)} />));
}
