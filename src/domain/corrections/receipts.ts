import { type Kysely, sql } from 'kysely';
import type { DB, ReceiptResolutionAction } from '../../db/schema';
import { writeChange } from '../audit/audit';
import { markDocumentPaid } from '../billing/billing';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';
import { checkedReason } from './service';

export type ResolutionField = 'azione' | 'documento' | 'ricarica' | 'importo' | 'motivo';

/**
 * Kept pagoPA receipts resolved by the office (issue 15, point 6; decision 0028): assigned to the item they pay
 * (a document or a top-up of the debtor, of the same amount), a refund to be made recorded, or marked checked —
 * each with a reason, audited, once (the unique receipt of `receipt_resolution`). Assigning pays the item as a
 * receipt would have: the document "pagato", the top-up credited to its badge; its own notice closes (withdrawn
 * from the platform if published), so the family is not asked to pay twice.
 */
export function createReceiptResolutionService(db: Kysely<DB>, clock: Clock) {
  /** A flagged receipt the operator may see: the ente's, or for an amministratore one of no ente of ours. */
  async function receipt(office: OperatorContext, receiptId: number) {
    requirePermission(office, 'receipts.read');
    const row = await db
      .selectFrom('payment_receipt')
      .select([
        'id', 'ente_id as enteId', 'receipt_id as receiptId', 'notice_number as noticeNumber', 'amount_cents as amountCents', 'paid_at as paidAt',
        'debtor_fiscal_code as debtorFiscalCode', 'debtor_name as debtorName', 'psp_name as pspName', 'flag', 'description', 'received_at as receivedAt',
        'creditor_tax_code as creditorTaxCode',
      ])
      .where('id', '=', receiptId)
      .where('status', '=', sql.lit('flagged'))
      .where((eb) => (office.operator.role === 'amministratore' ? eb.or([eb('ente_id', '=', office.ente.id), eb('ente_id', 'is', null)]) : eb('ente_id', '=', office.ente.id)))
      .executeTakeFirst();
    if (!row) throw new NotFoundError('receipt');
    return row;
  }

  /** The resolutions of the receipts listed, by receipt id. */
  async function resolutionsOf(office: OperatorContext, receiptIds: readonly number[]) {
    requirePermission(office, 'receipts.read');
    if (receiptIds.length === 0) return new Map<number, Resolution>();
    const rows = await db
      .selectFrom('receipt_resolution as r')
      .leftJoin('document as d', 'd.id', 'r.document_id')
      .select([
        'r.receipt_id as receiptId', 'r.action', 'r.reason', 'r.author', 'r.created_at as createdAt', 'r.refund_cents as refundCents', 'r.topup_id as topupId',
        'd.number as documentNumber', 'd.year as documentYear',
      ])
      .where('r.receipt_id', 'in', [...receiptIds])
      .execute();
    return new Map(rows.map((r) => [r.receiptId, r]));
  }

  /** A receipt with what it could be assigned to: the unpaid documents and the waiting top-ups of its debtor. */
  async function detail(office: OperatorContext, receiptId: number) {
    const found = await receipt(office, receiptId);
    const resolution = (await resolutionsOf(office, [found.id])).get(found.id);
    const ente = office.ente;
    const [documents, topups] = found.enteId === null
      ? [[], []]
      : await Promise.all([
          db
            .selectFrom('document as d')
            .innerJoin('person as h', 'h.id', 'd.holder_person_id')
            .innerJoin('service as s', 's.id', 'd.service_id')
            .select(['d.id', 'd.number', 'd.year', 'd.period', 'd.total_cents as totalCents', 's.name as serviceName'])
            .where('d.ente_id', '=', ente.id)
            .where('h.fiscal_code', '=', found.debtorFiscalCode)
            .where('d.kind', '=', sql.lit('documento'))
            .where('d.state', '=', 'da_pagare')
            // A document in an instalment plan is paid by its instalments (decision 0028).
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('instalment_plan_document as ipd').select('ipd.plan_id').whereRef('ipd.document_id', '=', 'd.id'))))
            .orderBy('d.due_date')
            .limit(sql.lit(100))
            .execute(),
          db
            .selectFrom('topup as t')
            .innerJoin('person as h', 'h.id', 't.holder_person_id')
            .innerJoin('badge as b', 'b.id', 't.badge_id')
            .select(['t.id', 't.amount_cents as amountCents', 't.created_at as createdAt', 'b.code as badgeCode'])
            .where('t.ente_id', '=', ente.id)
            .where('h.fiscal_code', '=', found.debtorFiscalCode)
            .where('t.state', '=', 'in_attesa')
            .orderBy('t.id')
            .limit(sql.lit(100))
            .execute(),
        ]);
    return { receipt: found, resolution, documents, topups };
  }

  /** Closes an item's own notice: paid by the receipt the office assigned; withdrawn from the platform if it was published. */
  async function closeNotice(trx: Kysely<DB>, enteId: number, item: { documentId?: number; topupId?: number }, paidAt: string) {
    for (const [from, to] of [['published', 'to_invalidate'], ['to_publish', 'invalidated']] as const) {
      let query = trx
        .updateTable('payment_notice')
        .set({ state: 'paid', paid_at: paidAt, position_state: to, position_next_at: null, position_attempts: 0 })
        .where('ente_id', '=', enteId)
        .where('state', '=', 'open')
        .where('position_state', '=', from);
      query = item.documentId !== undefined ? query.where('document_id', '=', item.documentId) : query.where('topup_id', '=', item.topupId!);
      await query.execute();
    }
  }

  async function resolve(
    office: OperatorContext,
    input: { receiptId: number; action: ReceiptResolutionAction; documentId?: number; topupId?: number; refundCents?: number; reason: string },
  ): Promise<{ repeated: boolean }> {
    requirePermission(office, 'receipts.resolve');
    const reason = checkedReason(input.reason);
    const found = await receipt(office, input.receiptId);
    const ente = office.ente;
    if (input.action === 'assegnata' && found.enteId === null) throw new InvalidInputError<ResolutionField>({ azione: 'otherCreditor' });
    if (input.action === 'assegnata' && input.documentId === undefined && input.topupId === undefined) throw new InvalidInputError<ResolutionField>({ documento: 'chooseItem' });
    if (input.action === 'rimborso') {
      const cents = input.refundCents;
      if (cents === undefined || cents <= 0) throw new InvalidInputError<ResolutionField>({ importo: 'amountPositive' });
      if (cents > found.amountCents) throw new InvalidInputError<ResolutionField>({ importo: 'refundTooLarge' });
    }
    const now = clock.now();
    const paidAt = found.paidAt ?? now.toISOString();
    return db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('receipt_resolution')
        .values({
          ente_id: ente.id, receipt_id: found.id, action: input.action,
          document_id: input.action === 'assegnata' ? (input.documentId ?? null) : null,
          topup_id: input.action === 'assegnata' && input.documentId === undefined ? (input.topupId ?? null) : null,
          refund_cents: input.action === 'rimborso' ? input.refundCents! : null,
          reason, author: office.operator.fiscalCode, created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.column('receipt_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        // Resolved already: the same form again (a double click) changes nothing; a different one is refused.
        const existing = await trx.selectFrom('receipt_resolution').select(['action', 'author']).where('receipt_id', '=', found.id).executeTakeFirstOrThrow();
        if (existing.action === input.action && existing.author === office.operator.fiscalCode) return { repeated: true };
        throw new InvalidInputError<ResolutionField>({ azione: 'alreadyResolved' });
      }
      let after: Record<string, unknown> = { action: input.action, reason };
      if (input.action === 'assegnata' && input.documentId !== undefined) {
        const doc = await trx
          .selectFrom('document as d')
          .innerJoin('person as h', 'h.id', 'd.holder_person_id')
          .select(['d.id', 'd.total_cents', 'd.state', 'd.pupil_id'])
          .where('d.ente_id', '=', ente.id)
          .where('d.id', '=', input.documentId)
          .where('d.kind', '=', sql.lit('documento'))
          .where('h.fiscal_code', '=', found.debtorFiscalCode)
          .executeTakeFirst();
        if (!doc) throw new InvalidInputError<ResolutionField>({ documento: 'chooseItem' });
        const inPlan = await trx.selectFrom('instalment_plan_document').select('plan_id').where('document_id', '=', doc.id).executeTakeFirst();
        if (inPlan) throw new InvalidInputError<ResolutionField>({ documento: 'notPayable' });
        if (doc.total_cents !== found.amountCents) throw new InvalidInputError<ResolutionField>({ documento: 'amountDiffers' });
        if (!(await markDocumentPaid(trx, ente.id, doc.id, paidAt))) throw new InvalidInputError<ResolutionField>({ documento: 'notPayable' });
        await closeNotice(trx, ente.id, { documentId: doc.id }, paidAt);
        after = { ...after, document_id: doc.id, document_state: 'pagato', pupil_id: doc.pupil_id };
      } else if (input.action === 'assegnata') {
        const topup = await trx
          .selectFrom('topup as t')
          .innerJoin('person as h', 'h.id', 't.holder_person_id')
          .select(['t.id', 't.amount_cents', 't.badge_id'])
          .where('t.ente_id', '=', ente.id)
          .where('t.id', '=', input.topupId!)
          .where('h.fiscal_code', '=', found.debtorFiscalCode)
          .executeTakeFirst();
        if (!topup) throw new InvalidInputError<ResolutionField>({ ricarica: 'chooseItem' });
        if (topup.amount_cents !== found.amountCents) throw new InvalidInputError<ResolutionField>({ ricarica: 'amountDiffers' });
        const credited = await trx
          .updateTable('topup')
          .set({ state: 'accreditata', credited_at: now.toISOString() })
          .where('id', '=', topup.id)
          .where('state', '=', 'in_attesa')
          .where('cancelled_at', 'is', null)
          .executeTakeFirst();
        if (Number(credited.numUpdatedRows) !== 1) throw new InvalidInputError<ResolutionField>({ ricarica: 'notPayable' });
        // The unique topup_id of movement: a top-up credits its badge once, whoever credits it.
        const movement = await trx
          .insertInto('movement')
          .values({
            ente_id: ente.id, badge_id: topup.badge_id, amount_cents: topup.amount_cents, kind: 'topup', value_date: romeDate(new Date(paidAt)),
            charge_id: null, reverses_movement_id: null, topup_id: topup.id, note: reason, author: office.operator.fiscalCode, created_at: now.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await closeNotice(trx, ente.id, { topupId: topup.id }, paidAt);
        after = { ...after, topup_id: topup.id, movement_id: movement.id };
      } else if (input.action === 'rimborso') {
        after = { ...after, refund_cents: input.refundCents };
      }
      await writeChange(trx, clock, office, {
        action: `office.receipt.${input.action}`, subjectType: 'payment_receipt', subjectId: found.id, before: { resolved: false, flag: found.flag }, after: { resolved: true, ...after },
      });
      return { repeated: false };
    });
  }

  return { receipt, resolutionsOf, detail, resolve };
}

export type Resolution = {
  receiptId: number;
  action: ReceiptResolutionAction;
  reason: string;
  author: string;
  createdAt: string;
  refundCents: number | null;
  topupId: number | null;
  documentNumber: number | null;
  documentYear: number | null;
};
export type ReceiptResolutionService = ReturnType<typeof createReceiptResolutionService>;
export type ReceiptDetail = Awaited<ReturnType<ReceiptResolutionService['detail']>>;
