import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../../domain/operators/context';
import { PERMISSIONS, type Permission } from '../../domain/operators/permissions';
import type { Services } from '../../domain/services';
import { CsrfError } from '../plugins/csrf';
import { callerOrLogin } from '../shared/caller';
import { registrySearchRoutes } from './anagrafe/routes';
import { activityLogRoutes } from './registro-attivita/routes';
import { officeAttachmentRoutes } from './anagrafe/allegati/routes';
import { officePeopleRoutes } from './anagrafe/people-routes';
import { backofficeHomeRoutes } from './home/routes';
import { officeOperatorRoutes } from './operatori/routes';
import { importRoutes } from './importa/routes';
import { kitchenRoutes } from './pasti/routes';
import { officeAttendanceRoutes } from './presenze/routes';
import { officeReceiptRoutes } from './ricevute/routes';
import { officeEnrolmentRoutes } from './anagrafe/alunni/iscrizioni/routes';
import { officeBadgeRoutes } from './anagrafe/alunni/badge/routes';
import { officeSettingsRoutes } from './impostazioni/routes';
import { officeCalendarRoutes } from './calendario/routes';
import { officeMenuRoutes } from './menu/routes';
import { officeTariffRoutes } from './tariffe/routes';
import { officeBillingRoutes } from './fatturazione/routes';
import { officeDietRoutes } from './diete/routes';
// issue 15/16 anchor: debtors routes import
import { officeDebtorRoutes } from './morosi/routes';
// issue 15/16 anchor: reminders routes import
import { officeReminderRoutes } from './solleciti/routes';
// issue 15/16 anchor: instalments routes import
import { officeCorrectionRoutes } from './documenti/routes';
import { officeInstalmentRoutes } from './rateizzazioni/routes';
// issue 15/16 anchor: prepaid routes import
import { officePrepaidRoutes } from './prepagati/routes';
import { officeAccountingRoutes } from './contabilita/routes';
// issue 15/16 anchor: reconciliation routes import
import { officeReconciliationRoutes } from './rendicontazione/routes';
// issue 15/16 anchor: messages routes import
import { officeMessageRoutes } from './messaggi/routes';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every back-office route with the permission it names: walked by the permission test. */
    officeRouteTable: { method: string; url: string; permission: Permission }[];
  }
  interface FastifyContextConfig {
    /** What a back-office route requires; every route under /{ente}/ufficio names one (decision 0016). */
    permission?: Permission;
  }
  interface FastifyRequest {
    /** The operator of a back-office request, resolved once by the scope below. */
    office?: OperatorContext;
  }
}

/**
 * The municipal office: /{ente}/ufficio/… One scope resolves the operator once per request and checks the
 * permission the route names; a route that names none is refused when the app starts. Each area is a
 * folder whose routes are relative to /ufficio.
 */
export async function backofficeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission || !PERMISSIONS.includes(permission)) {
      throw new Error(`back-office route ${route.method} ${route.url} names no permission (config.permission)`);
    }
    for (const method of [route.method].flat()) if (method !== 'HEAD') app.officeRouteTable.push({ method, url: route.url, permission });
  });

  app.addHook('onRequest', async (request, reply) => {
    // A change sent without a logged-in session (expired, or never there) carries no token of ours: it is
    // refused as a stale form, not sent to log-in — its body could not be replayed after it anyway.
    if (request.method !== 'GET' && request.method !== 'HEAD' && !request.session?.user) throw new CsrfError();
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    // The ente's scope has read the caller's operator row already (for the header's link).
    request.office = await services.operators.authorize(request.ente!, caller, request.routeOptions.config.permission!, request.operatorRow);
  });

  await app.register(backofficeHomeRoutes, { services });
  await app.register(kitchenRoutes, { services });
  await app.register(officeAttendanceRoutes, { services });
  await app.register(officeReceiptRoutes, { services });
  await app.register(registrySearchRoutes, { services });
  await app.register(activityLogRoutes, { services });
  await app.register(officeAttachmentRoutes, { services });
  await app.register(officeOperatorRoutes, { services });
  await app.register(officePeopleRoutes, { services });
  await app.register(officeEnrolmentRoutes, { services });
  await app.register(officeBadgeRoutes, { services });
  await app.register(importRoutes, { services });
  await app.register(officeSettingsRoutes, { services });
  await app.register(officeCalendarRoutes, { services });
  await app.register(officeMenuRoutes, { services });
  await app.register(officeTariffRoutes, { services });
  await app.register(officeBillingRoutes, { services });
  await app.register(officeDietRoutes, { services });
  // issue 15/16 anchor: debtors routes
  await app.register(officeDebtorRoutes, { services });
  // issue 15/16 anchor: reminders routes
  await app.register(officeReminderRoutes, { services });
  // issue 15/16 anchor: instalments routes
  await app.register(officeCorrectionRoutes, { services });
  await app.register(officeInstalmentRoutes, { services });
  // issue 15/16 anchor: prepaid routes
  await app.register(officePrepaidRoutes, { services });
  await app.register(officeAccountingRoutes, { services });
  // issue 15/16 anchor: reconciliation routes
  await app.register(officeReconciliationRoutes, { services });
  // issue 15/16 anchor: messages routes
  await app.register(officeMessageRoutes, { services });
}
