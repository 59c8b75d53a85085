import type { Kysely } from 'kysely';
import type { Config } from '../config/index';
import type { DB } from '../db/schema';
import { createPagopaClients } from '../integrations/pagopa/clients';
import { createActivityService } from './audit/activity';
import { createAttachmentService } from './attachments/service';
import { createAuditTrail } from './audit/audit';
import { createAbsenceService } from './canteen/absences';
import { createCanteenDaysService } from './canteen/canteen-days';
import { createFreezeService } from './canteen/freeze';
import { createBillingService } from './billing/billing';
import { createDocumentService } from './billing/documents';
import { createAccountService } from './ledger/account';
import { createChargingService } from './ledger/charging';
import type { Clock } from './clock';
import { createOperatorManagement } from './operators/management';
import { createOperatorService } from './operators/service';
import { createNoticeService } from './payments/notices';
import { createPaperService } from './payments/papers';
import { createPaymentService } from './payments/payments';
import { createReceiptService } from './payments/receipts';
import { createImportService } from './import/service';
import { createEnteDirectory } from './registry/enti';
import { createOfficePeopleService } from './registry/office-people';
import { createRegistryService } from './registry/service';
import { createRegistrySearchService } from './registry/search';
import { createOfficePupilService } from './registry/office-pupil';
import { createEnrolmentService } from './registry/enrolments';
import { createBadgeService } from './registry/badges';
import { createEnteSettingsService } from './settings/ente-settings';
import { createSchoolService } from './settings/schools';
import { createCalendarManagement } from './calendar/management';
import { createMenuOffice } from './canteen/menu-office';
import { createTariffService } from './tariffs/management';
import { createBillingPreviewService } from './billing/preview';
import { createDietService } from './diets/service';
import { createAttendanceService } from './attendance/service';
import { createKitchenService } from './attendance/kitchen';
// issue 15/16 anchor: debtors service import
import { createDebtorService } from './debtors/debtors';
// issue 15/16 anchor: reminders service import
import { createReminderService } from './reminders/service';
// issue 15/16 anchor: instalments service import
import { createCorrectionService } from './corrections/service';
import { createReceiptResolutionService } from './corrections/receipts';
import { createInstalmentService } from './instalments/service';
// issue 15/16 anchor: prepaid service import
import { createPrepaidService } from './prepaid/service';
import { createAccountingService } from './accounting/receipts';
// issue 15/16 anchor: reconciliation service import
import { createFdrClient } from '../integrations/pagopa/fdr';
import { createReconciliationService } from './reconciliation/service';
// issue 15/16 anchor: messages service import
import { createMessageService } from './messages/service';

/** Data access → services → app: the web layer reaches the database only through these. */
export function createServices(
  db: Kysely<DB>,
  clock: Clock,
  onError: (error: unknown) => void,
  config: Pick<Config, 'pagopa' | 'publicUrl' | 'attachments' | 'messages'>,
) {
  const audit = createAuditTrail(db, clock, onError);
  const pagopa = createPagopaClients(config.pagopa);
  const enti = createEnteDirectory(db);
  const notices = createNoticeService(db, clock, pagopa, enti);
  const freeze = createFreezeService(db, clock);
  const base = {
    clock,
    audit,
    enti,
    registry: createRegistryService(db, clock, audit),
    operators: createOperatorService(db, audit),
    absences: createAbsenceService(db, clock, audit),
    freeze,
    canteenDays: createCanteenDaysService(db, clock, audit),
    charging: createChargingService(db, clock),
    billing: createBillingService(db, clock),
    accounts: createAccountService(db, clock, audit),
    documents: createDocumentService(db, clock, audit),
    notices,
    payments: createPaymentService(db, clock, audit, pagopa, notices, { cartMinutes: config.pagopa.cartMinutes, publicUrl: config.publicUrl }),
    receipts: createReceiptService(db, clock, pagopa, config.pagopa, enti),
    papers: createPaperService(db, clock, audit),
    registrySearch: createRegistrySearchService(db),
    activity: createActivityService(db),
    attachments: createAttachmentService(db, clock, audit, config.attachments),
    operatorManagement: createOperatorManagement(db, clock),
    officePeople: createOfficePeopleService(db, clock, audit),
    enrolments: createEnrolmentService(db, clock),
    badges: createBadgeService(db, clock),
    imports: createImportService(db, clock, audit),
    settings: createEnteSettingsService(db, clock),
    schools: createSchoolService(db, clock),
    calendar: createCalendarManagement(db, clock),
    menuOffice: createMenuOffice(db, clock),
    attendance: createAttendanceService(db, clock),
    kitchen: createKitchenService(db, clock, freeze),
  };
  return {
    ...base,
    officePupil: createOfficePupilService(db, audit, base),
    tariffs: createTariffService(db, clock),
    billingPreview: createBillingPreviewService(db, clock, base.billing),
    diets: createDietService(db, clock, audit, base.attachments),
    // issue 15/16 anchor: debtors services
    debtors: createDebtorService(db, clock, base.audit),
    // issue 15/16 anchor: reminders services
    reminders: createReminderService(db, clock, enti),
    // issue 15/16 anchor: instalments services
    corrections: createCorrectionService(db, clock),
    receiptResolutions: createReceiptResolutionService(db, clock),
    instalments: createInstalmentService(db, clock, pagopa, enti),
    // issue 15/16 anchor: prepaid services
    prepaid: createPrepaidService(db, clock, audit),
    accounting: createAccountingService(db, clock, audit),
    // issue 15/16 anchor: reconciliation services
    reconciliation: createReconciliationService(db, clock, createFdrClient(config.pagopa), pagopa, base.receipts),
    // issue 15/16 anchor: messages services
    messages: createMessageService(db, clock, config),
  };
}

export type Services = ReturnType<typeof createServices>;
