import type { FastifyInstance } from 'fastify';
import type { OperatorRole } from '../../../db/schema';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { enteContext, sendPage } from '../../shared/render';
import { FlaggedReceiptsPage } from './views';

/** Money matters: the office staff. */
const OFFICE_ROLES: readonly OperatorRole[] = ['operatore', 'amministratore'];

/** Ricevute pagoPA da controllare: /{ente}/ufficio/ricevute */
export async function officeReceiptRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ufficio/ricevute', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const operator = await services.operators.requireOperator(request.ente!, caller, OFFICE_ROLES);
    const [receipts, unreadable] = await Promise.all([services.receipts.flagged(request.ente!, operator), services.receipts.unreadable(request.ente!)]);
    return sendPage(
      reply,
      <FlaggedReceiptsPage ctx={enteContext(request)} receipts={receipts} unreadable={unreadable} administrator={operator.role === 'amministratore'} />,
    );
  });
}
