import type { Kysely } from 'kysely';
import { prepared } from '../../db/prepared';
import type { DB, DocumentState, Ente } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { pupilsVisibleTo } from '../registry/access';
import type { Caller } from '../registry/service';
import { type AuthorizedPupil, requireAuthorizedPupil, viewAction } from '../registry/authorized-pupil';

/**
 * What a parent reads of a document's state: an unpaid one past its due date is "scaduto"; an unpaid one in an
 * instalment plan (decision 0028) is "in rateizzazione", whatever its due date.
 */
export type ShownState = DocumentState | 'scaduto' | 'rateizzato';

const documentsOfPupil = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('document as d')
    .innerJoin('service as s', 's.id', 'd.service_id')
    .leftJoin('payment_notice as n', 'n.document_id', 'd.id')
    .select([
      // A probe of the plan's key per document (a join made PostgreSQL read the whole index), decision 0028.
      (eb) => eb.selectFrom('instalment_plan_document as ipd').select('ipd.plan_id').whereRef('ipd.document_id', '=', 'd.id').as('planId'),
      'd.id', 'd.kind', 'd.year', 'd.number', 'd.period', 'd.issue_date as issueDate', 'd.due_date as dueDate',
      'd.total_cents as totalCents', 'd.state', 'd.paid_at as paidAt', 's.name as serviceName', 'd.cancels_document_id as cancelsDocumentId',
      'n.state as noticeState', 'n.position_state as positionState', 'n.due_date as payableBy',
    ])
    .where('d.ente_id', '=', enteId)
    .where('d.pupil_id', '=', pupilId)
    .orderBy('d.issue_date', 'desc')
    .orderBy('d.year', 'desc')
    .orderBy('d.number', 'desc'),
);

const documentById = prepared((db: Kysely<DB>, enteId: number, documentId: number) =>
  db
    .selectFrom('document as d')
    .innerJoin('service as s', 's.id', 'd.service_id')
    .innerJoin('enrolment as e', 'e.id', 'd.enrolment_id')
    .leftJoin('payment_notice as n', 'n.document_id', 'd.id')
    .select([
      // A probe of the plan's key per document (a join made PostgreSQL read the whole index), decision 0028.
      (eb) => eb.selectFrom('instalment_plan_document as ipd').select('ipd.plan_id').whereRef('ipd.document_id', '=', 'd.id').as('planId'),
      'n.state as noticeState', 'n.position_state as positionState', 'n.nav', 'n.due_date as payableBy',
      'd.id', 'd.kind', 'd.year', 'd.number', 'd.period', 'd.issue_date as issueDate', 'd.due_date as dueDate',
      'd.total_cents as totalCents', 'd.state', 'd.paid_at as paidAt', 'd.reason', 's.name as serviceName', 'd.pupil_id as pupilId',
      'd.cancels_document_id as cancelsDocumentId', 'e.invoice_recipient as recipient', 'e.invoice_address as address',
    ])
    .where('d.ente_id', '=', enteId)
    .where('d.id', '=', documentId),
);

const linesOf = prepared((db: Kysely<DB>, documentId: number) =>
  db
    .selectFrom('document_line')
    .select(['position', 'kind', 'description', 'quantity', 'unit_price_cents as unitPriceCents', 'amount_cents as amountCents'])
    .where('document_id', '=', documentId)
    .orderBy('position'),
);

/** Documenti contabili: a pupil's accounting documents and the detail of one. */
export function createDocumentService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  function shownState(state: DocumentState, dueDate: string, today: string, planId: number | null = null): ShownState {
    if (state === 'da_pagare' && planId !== null) return 'rateizzato';
    return state === 'da_pagare' && dueDate < today ? 'scaduto' : state;
  }

  /** For a pupil already resolved by the registry's selectPupil (the gate to a pupil's data). */
  async function ofPupil(handle: AuthorizedPupil) {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    const today = romeDate(clock.now());
    const rows = await documentsOfPupil(db, ente.id, pupil.id);
    audit.record({ enteId: ente.id, actorFiscalCode: handle.viewer.fiscalCode, action: viewAction(handle, 'documenti.view'), subjectType: 'pupil', subjectId: pupil.id, requestId: handle.requestId });
    return rows.map((row) => ({ ...row, shownState: shownState(row.state, row.dueDate, today, row.planId) }));
  }

  /** One document with its lines, only if its pupil is one of the caller's. */
  async function detail(ente: Ente, caller: Caller, documentId: number) {
    const [[document], pupils] = await Promise.all([documentById(db, ente.id, documentId), pupilsVisibleTo(db, ente.id, caller.fiscalCode)]);
    const pupil = document && pupils.find((p) => p.id === document.pupilId);
    if (!document || !pupil) throw new NotFoundError('document');
    const lines = await linesOf(db, document.id);
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.documento.view', subjectType: 'document', subjectId: document.id, requestId: caller.requestId });
    return { document: { ...document, shownState: shownState(document.state, document.dueDate, romeDate(clock.now()), document.planId) }, lines, pupil, pupils };
  }

  return { ofPupil, detail };
}

export type DocumentService = ReturnType<typeof createDocumentService>;
export type DocumentList = Awaited<ReturnType<DocumentService['ofPupil']>>;
export type DocumentDetail = Awaited<ReturnType<DocumentService['detail']>>;
