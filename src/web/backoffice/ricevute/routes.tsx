import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../shared/render';
import { FlaggedReceiptsPage } from './views';

/** Ricevute pagoPA da controllare: /{ente}/ufficio/ricevute */
export async function officeReceiptRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/ricevute', { config: { permission: 'receipts.read' } }, async (request, reply) => {
    const office = request.office!;
    const [receipts, unreadable] = await Promise.all([services.receipts.flagged(office), services.receipts.unreadable(office)]);
    return sendPage(
      reply,
      <FlaggedReceiptsPage ctx={enteContext(request)} receipts={receipts} unreadable={unreadable} administrator={office.operator.role === 'amministratore'} />,
    );
  });
}
