import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../domain/services';
import { enteContext, sendPage } from '../../shared/render';
import { BillingPage } from './views';

/** /{ente}/ufficio/fatturazione: what the month's billing would make now, and the log of the runs made. Read-only. */
export async function officeBillingRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/fatturazione', { config: { permission: 'billing.preview' as const } }, async (request, reply) => {
    const overview = await services.billingPreview.overview(request.office!);
    return sendPage(reply, <BillingPage ctx={enteContext(request)} overview={overview} />);
  });
}
