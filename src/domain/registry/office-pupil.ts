import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import type { ActivityService } from '../audit/activity';
import type { AuditTrail } from '../audit/audit';
import type { DocumentService } from '../billing/documents';
import type { CanteenDaysService } from '../canteen/canteen-days';
import type { AccountService } from '../ledger/account';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';
import { adultsOfPupil } from './queries';
import type { RegistryService } from './service';

/**
 * A pupil's page in the office (issue 13): what the parent sees — the Scheda, the accounting documents,
 * the canteen days of the month, the account — read by the portal's own services through the handle the
 * registry issues to the operator (decision 0016), and what only the office sees: every adult linked to
 * the pupil and the history of changes to the pupil and its records. The view is audited.
 */
export function createOfficePupilService(
  db: Kysely<DB>,
  audit: AuditTrail,
  services: { registry: RegistryService; documents: DocumentService; canteenDays: CanteenDaysService; accounts: AccountService; activity: ActivityService },
) {
  async function page(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const handle = await services.registry.pupilForOffice(office, pupilId);
    const month = services.canteenDays.currentMonth();
    const [record, adults, documents, canteen, account, history] = await Promise.all([
      services.registry.pupilRecord(handle),
      adultsOfPupil(db, office.ente.id, pupilId),
      services.documents.ofPupil(handle),
      services.canteenDays.days(handle, month.from, month.to),
      services.accounts.ofPupil(handle),
      services.activity.pupilHistory(office, pupilId),
    ]);
    audit.record({
      enteId: office.ente.id,
      actorFiscalCode: office.operator.fiscalCode,
      action: 'office.pupil.view',
      subjectType: 'pupil',
      subjectId: pupilId,
      requestId: office.requestId,
    });
    return { pupil: handle.pupil, record, adults, documents, canteen, month, account, history };
  }

  return { page };
}

export type OfficePupilPage = Awaited<ReturnType<ReturnType<typeof createOfficePupilService>['page']>>;
