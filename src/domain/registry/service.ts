import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { decidePupilAccess, pupilsVisibleTo } from './access';
import { type AuthorizedPupil, issueAuthorizedPupil, requireAuthorizedPupil, viewAction } from './authorized-pupil';
import { type OperatorContext, requirePermission } from '../operators/context';
import type { AuditTrail } from '../audit/audit';
import { NotFoundError, NotHolderError } from '../errors';
import * as queries from './queries';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { loadTariffContext, type TariffContext } from '../tariffs/context';
import type { Price } from '../tariffs/resolution';

/** Who is asking, as the web layer knows it after log-in. */
export interface Caller {
  fiscalCode: string;
  requestId?: string;
}

export type PupilSummary = Awaited<ReturnType<typeof queries.pupilsOfHolder>>[number];

export type PupilSelection =
  | { kind: 'choose'; pupils: PupilSummary[] }
  | { kind: 'pupil'; pupil: PupilSummary; pupils: PupilSummary[]; handle: AuthorizedPupil };

export function createRegistryService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  /** Resolves which pupil the caller is looking at; the only gate to a pupil's data in the portal. */
  async function selectPupil(ente: Ente, caller: Caller, requestedPupilId: number | undefined): Promise<PupilSelection> {
    const pupils = await pupilsVisibleTo(db, ente.id, caller.fiscalCode);
    const access = decidePupilAccess(
      pupils.map((p) => p.id),
      requestedPupilId,
    );
    switch (access.kind) {
      case 'not-holder':
        throw new NotHolderError();
      case 'not-found':
        throw new NotFoundError('pupil');
      case 'choose':
        return { kind: 'choose', pupils };
      case 'pupil': {
        const pupil = pupils.find((p) => p.id === access.pupilId)!;
        const handle = issueAuthorizedPupil({ ente, pupil, viewer: { kind: 'parent', fiscalCode: caller.fiscalCode }, requestId: caller.requestId });
        return { kind: 'pupil', pupil, pupils, handle };
      }
    }
  }

  /** A pupil of the ente for an operator who may read the registry: the office sees what the parent sees. */
  async function pupilForOffice(office: OperatorContext, pupilId: number): Promise<AuthorizedPupil> {
    requirePermission(office, 'registry.read');
    const [pupil] = await queries.pupilById(db, office.ente.id, pupilId);
    if (!pupil) throw new NotFoundError('pupil');
    return issueAuthorizedPupil({ ente: office.ente, pupil, viewer: { kind: 'office', fiscalCode: office.operator.fiscalCode }, requestId: office.requestId });
  }

  /** Everything the Scheda anagrafica shows, for a pupil already resolved by selectPupil. */
  async function pupilRecord(handle: AuthorizedPupil) {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    const [holder, enrolments, attachments] = await Promise.all([
      queries.pupilAccountHolder(db, ente.id, pupil.id),
      queries.enrolmentsOfPupil(db, ente.id, pupil.id, romeDate(clock.now())),
      queries.attachmentsOfPupil(db, ente.id, pupil.id),
    ]);
    const prices = await pricesInForce(ente, enrolments);
    audit.record({
      enteId: ente.id,
      actorFiscalCode: handle.viewer.fiscalCode,
      action: viewAction(handle, 'scheda.view'),
      subjectType: 'pupil',
      subjectId: pupil.id,
      requestId: handle.requestId,
    });
    return { person: pupil, holder, enrolments: enrolments.map((e) => ({ ...e, price: prices.get(e.id) })), attachments };
  }

  /** What each enrolment in force costs today (from its first day if it starts later), by the same rules as charging. */
  async function pricesInForce(ente: Ente, enrolments: Awaited<ReturnType<typeof queries.enrolmentsOfPupil>>): Promise<Map<number, Price>> {
    const today = romeDate(clock.now());
    const prices = new Map<number, Price>();
    // Read afresh on every view (a few index look-ups of the holder's enrolments, issue 18): an office
    // change of tariffs, reductions or enrolments shows at once, in every process.
    const contexts = new Map<string, TariffContext>();
    for (const e of enrolments) {
      if (e.state === 'cessata') continue;
      const day = e.startsOn > today ? e.startsOn : today;
      const key = `${day}/${e.holderPersonId}`;
      let tariffs = contexts.get(key);
      if (!tariffs) contexts.set(key, (tariffs = await loadTariffContext(db, ente, day, { holderPersonId: e.holderPersonId })));
      prices.set(e.id, tariffs.priceOf({ enrolmentId: e.id, serviceId: e.serviceId, schoolYearId: e.schoolYearId, tariffId: e.tariffId }));
    }
    return prices;
  }

  /** An attached document, only if it belongs to one of the caller's pupils and the office made it visible. */
  async function attachment(ente: Ente, caller: Caller, attachmentId: number) {
    const [found, pupils] = await Promise.all([queries.attachmentById(db, ente.id, attachmentId), pupilsVisibleTo(db, ente.id, caller.fiscalCode)]);
    // An attachment the office keeps for itself is, to a parent, one that does not exist.
    if (!found || found.pupilId === null || found.visibleToParent !== 1 || !pupils.some((p) => p.id === found.pupilId)) {
      throw new NotFoundError('attachment');
    }
    audit.record({
      enteId: ente.id,
      actorFiscalCode: caller.fiscalCode,
      action: 'portal.attachment.download',
      subjectType: 'attachment',
      subjectId: found.id,
      requestId: caller.requestId,
    });
    return found;
  }

  return { selectPupil, pupilForOffice, pupilRecord, attachment };
}

export type RegistryService = ReturnType<typeof createRegistryService>;
export type PupilRecord = Awaited<ReturnType<RegistryService['pupilRecord']>>;
