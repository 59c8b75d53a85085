import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services';
import { attachmentRoutes } from './allegati/routes';
import { absenceRoutes } from './assenze/routes';
import { ledgerRoutes } from './conto-corrente/routes';
import { documentRoutes } from './documenti-contabili/routes';
import { accessibilityStatementRoutes } from './dichiarazione-accessibilita/routes';
import { paymentRoutes } from './pagamenti/routes';
import { messagePreferencesRoutes } from './preferenze-messaggi/routes';
import { canteenRoutes } from './refezione/routes';
import { topupRoutes } from './ricariche/routes';
import { schedaRoutes } from './scheda-anagrafica/routes';
import { serviceListRoutes } from './servizi/routes';

/** Parents' portal of one ente: /{ente}/…, one folder per page, named as its URL. */
export async function portalRoutes(app: FastifyInstance, { services }: { services: Services }) {
  await app.register(serviceListRoutes);
  await app.register(schedaRoutes, { services });
  await app.register(attachmentRoutes, { services });
  await app.register(canteenRoutes, { services });
  await app.register(documentRoutes, { services });
  await app.register(absenceRoutes, { services });
  await app.register(ledgerRoutes, { services });
  await app.register(paymentRoutes, { services });
  await app.register(topupRoutes, { services });
  await app.register(accessibilityStatementRoutes);
  await app.register(messagePreferencesRoutes, { services });
}
