import { type Kysely, sql } from 'kysely';
import type { DB, Ente, OfficeCorrectionKind } from '../../db/schema';
import { writeChange } from '../audit/audit';
import { writeCancellation } from '../billing/billing';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { writeStorno } from '../ledger/charging';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';
import { normaliseSearchText } from '../registry/search-key';

/** A manual credit or debit larger than this is a typing mistake (5.000,00 €). */
export const MAX_MANUAL_CENTS = 500_000;
export const REASON_MIN = 3;
export const REASON_MAX = 500;
/** Documents a search shows. */
const SEARCH_LIMIT = 50;

export type CorrectionField = 'motivo' | 'importo' | 'tipo' | 'chiave' | 'q';

/** The reason every correction carries: trimmed, 3 to 500 characters. */
export function checkedReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length < REASON_MIN) throw new InvalidInputError<CorrectionField>({ motivo: 'reasonRequired' });
  if (reason.length > REASON_MAX) throw new InvalidInputError<CorrectionField>({ motivo: 'tooLong' });
  return reason;
}

/** A document number as the office types it: "12", "12/2026", "N. 12/2026". */
export function parseDocumentNumber(text: string): { number: number; year?: number } | undefined {
  const match = /^\s*(?:n\.?\s*)?(\d{1,9})(?:\s*\/\s*(\d{4}))?\s*$/i.exec(text);
  if (!match) return undefined;
  const number = Number(match[1]);
  if (number > 2_147_483_647) return undefined;
  return { number, year: match[2] ? Number(match[2]) : undefined };
}

const FISCAL_CODE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/**
 * Corrections of accounts in the office (issue 15, point 5; decision 0028): find a document, cancel it with its
 * credit note, reverse a charge, credit or debit a badge by hand. Each change is previewed first (what it
 * writes, the amounts), then made once: the form's one-time key is kept with the correction (unique per
 * author), so a form sent twice finds the first's correction; the ledger's own unique keys (a charge
 * reversed once, a document cancelled once) hold the rule across different forms.
 */
export function createCorrectionService(db: Kysely<DB>, clock: Clock) {
  const documentColumns = [
    'd.id', 'd.kind', 'd.year', 'd.number', 'd.period', 'd.issue_date as issueDate', 'd.due_date as dueDate', 'd.total_cents as totalCents',
    'd.state', 'd.pupil_id as pupilId', 'd.cancels_document_id as cancelsDocumentId', 's.name as serviceName',
    'holder.given_name as holderGivenName', 'holder.family_name as holderFamilyName', 'holder.fiscal_code as holderFiscalCode',
    'child.given_name as pupilGivenName', 'child.family_name as pupilFamilyName',
  ] as const;

  function documents(ente: Ente) {
    return db
      .selectFrom('document as d')
      .innerJoin('service as s', 's.id', 'd.service_id')
      .innerJoin('person as holder', 'holder.id', 'd.holder_person_id')
      .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select([...documentColumns])
      .where('d.ente_id', '=', ente.id);
  }

  /** Documents by number ("12/2026"), the holder's fiscal code, or the start of the holder's names; newest first. */
  async function search(office: OperatorContext, text: string) {
    requirePermission(office, 'accounts.correct');
    const typed = text.trim();
    if (typed === '') return [];
    let query = documents(office.ente);
    const number = parseDocumentNumber(typed);
    if (number) {
      query = query.where('d.number', '=', number.number);
      if (number.year !== undefined) query = query.where('d.year', '=', number.year);
    } else if (FISCAL_CODE.test(typed.toUpperCase())) {
      query = query.where('holder.fiscal_code', '=', typed.toUpperCase());
    } else {
      const key = normaliseSearchText(typed);
      if (key.length < 2) throw new InvalidInputError<CorrectionField>({ q: 'searchTooShort' });
      // The start of the family name, or of the whole "family given" key.
      query = query.where((eb) => eb.or([eb('holder.search_key', 'like', `${key}%`), eb('holder.search_key', 'like', `% ${key}%`)]));
    }
    return query.orderBy('d.issue_date', 'desc').orderBy('d.id', 'desc').limit(sql.lit(SEARCH_LIMIT)).execute();
  }

  /** One document with its lines, its credit note (or the document it cancels), and the corrections made to it. */
  async function document(office: OperatorContext, documentId: number) {
    requirePermission(office, 'accounts.correct');
    const found = await documents(office.ente).where('d.id', '=', documentId).executeTakeFirst();
    if (!found) throw new NotFoundError('document');
    const [lines, creditNote, cancelled, notice, corrections, plan] = await Promise.all([
      db.selectFrom('document_line').select(['position', 'description', 'quantity', 'unit_price_cents as unitPriceCents', 'amount_cents as amountCents'])
        .where('document_id', '=', found.id).orderBy('position').execute(),
      db.selectFrom('document').select(['id', 'number', 'year', 'total_cents as totalCents']).where('cancels_document_id', '=', found.id).executeTakeFirst(),
      found.cancelsDocumentId === null ? undefined
        : db.selectFrom('document').select(['id', 'number', 'year']).where('id', '=', found.cancelsDocumentId).executeTakeFirst(),
      db.selectFrom('payment_notice').select(['nav', 'state']).where('document_id', '=', found.id).executeTakeFirst(),
      db.selectFrom('office_correction').select(['kind', 'reason', 'author', 'created_at as createdAt', 'amount_cents as amountCents'])
        .where('ente_id', '=', office.ente.id).where('document_id', '=', found.id).execute(),
      db.selectFrom('instalment_plan_document').select('plan_id as planId').where('document_id', '=', found.id).executeTakeFirst(),
    ]);
    const today = romeDate(clock.now());
    return {
      ...found,
      overdue: found.state === 'da_pagare' && found.dueDate < today,
      // A document in an instalment plan is paid by its instalments (decision 0028): not cancelled from here.
      cancellable: found.kind === 'documento' && found.state === 'da_pagare' && !plan,
      planId: plan?.planId ?? null,
      lines, creditNote, cancelled, notice, corrections,
    };
  }

  /** A pupil's account as the corrections need it: charges (newest first), badges with balance, documents. */
  async function pupilAccount(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'accounts.correct');
    const ente = office.ente;
    const pupil = await db
      .selectFrom('pupil as p')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select(['p.id', 'child.given_name as givenName', 'child.family_name as familyName', 'child.fiscal_code as fiscalCode'])
      .where('p.ente_id', '=', ente.id)
      .where('p.id', '=', pupilId)
      .executeTakeFirst();
    if (!pupil) throw new NotFoundError('pupil');
    const [charges, badges, docs] = await Promise.all([
      db
        .selectFrom('charge as c')
        .innerJoin('enrolment as e', 'e.id', 'c.enrolment_id')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .leftJoin('charge as r', 'r.reverses_charge_id', 'c.id')
        .select(['c.id', 'c.date', 'c.kind', 'c.amount_cents as amountCents', 'c.reason', 's.name as serviceName', 's.billing', 'r.id as reversedBy'])
        .where('c.ente_id', '=', ente.id)
        .where('c.pupil_id', '=', pupil.id)
        .orderBy('c.date', 'desc')
        .orderBy('c.id', 'desc')
        .limit(sql.lit(200))
        .execute(),
      db
        .selectFrom('badge as b')
        .innerJoin('service as s', 's.id', 'b.service_id')
        .select([
          'b.id', 'b.code', 'b.active', 's.name as serviceName',
          sql<number>`(select coalesce(sum(m.amount_cents), 0) from movement m where m.badge_id = b.id)`.as('balanceCents'),
        ])
        .where('b.ente_id', '=', ente.id)
        .where('b.pupil_id', '=', pupil.id)
        .orderBy('b.id')
        .execute(),
      documents(ente).where('d.pupil_id', '=', pupil.id).orderBy('d.issue_date', 'desc').orderBy('d.id', 'desc').limit(sql.lit(100)).execute(),
    ]);
    return { pupil, charges, badges: badges.map((b) => ({ ...b, balanceCents: Number(b.balanceCents ?? 0) })), documents: docs };
  }

  /** The correction a form already made (its one-time key), if any. */
  function previous(executor: Kysely<DB>, office: OperatorContext, submissionKey: string) {
    return executor
      .selectFrom('office_correction')
      .select(['id', 'kind', 'result_id as resultId', 'document_id as documentId', 'charge_id as chargeId', 'badge_id as badgeId', 'pupil_id as pupilId'])
      .where('ente_id', '=', office.ente.id)
      .where('author', '=', office.operator.fiscalCode)
      .where('submission_key', '=', submissionKey)
      .executeTakeFirst();
  }

  async function record(
    trx: Kysely<DB>,
    office: OperatorContext,
    row: { kind: OfficeCorrectionKind; pupilId: number; chargeId?: number; documentId?: number; badgeId?: number; resultId: number; amountCents: number; reason: string; submissionKey: string },
  ) {
    const inserted = await trx
      .insertInto('office_correction')
      .values({
        ente_id: office.ente.id, kind: row.kind, pupil_id: row.pupilId, charge_id: row.chargeId ?? null, document_id: row.documentId ?? null,
        badge_id: row.badgeId ?? null, result_id: row.resultId, amount_cents: row.amountCents, reason: row.reason, author: office.operator.fiscalCode,
        submission_key: row.submissionKey, created_at: clock.now().toISOString(),
      })
      // The same form sent twice at once: the second finds the key taken and makes nothing.
      .onConflict((oc) => oc.columns(['ente_id', 'author', 'submission_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new SameForm();
    return inserted.id;
  }

  /** Runs a correction once per form: a resent form (before or during the first) returns the first's result. */
  async function once<T extends object>(office: OperatorContext, submissionKey: string, work: (trx: Kysely<DB>) => Promise<T>, replay: (row: NonNullable<Awaited<ReturnType<typeof previous>>>) => T): Promise<T & { repeated?: boolean }> {
    const before = await previous(db, office, submissionKey);
    if (before) return { ...replay(before), repeated: true };
    try {
      return (await db.transaction().execute(work)) as T & { repeated?: boolean };
    } catch (error) {
      if (!(error instanceof SameForm)) throw error;
      const after = await previous(db, office, submissionKey);
      if (!after) throw error;
      return { ...replay(after), repeated: true };
    }
  }

  /** What cancelling a document would do, nothing written; refused when it cannot be cancelled. */
  async function cancelPreview(office: OperatorContext, documentId: number) {
    const doc = await document(office, documentId);
    if (!doc.cancellable) throw new InvalidInputError({ documento: 'notCancellable' });
    return { document: doc, creditCents: -doc.totalCents, noticeWithdrawn: doc.notice?.state === 'open' };
  }

  async function cancelDocument(office: OperatorContext, input: { documentId: number; reason: string; submissionKey: string }) {
    requirePermission(office, 'accounts.correct');
    const reason = checkedReason(input.reason);
    return once(
      office,
      input.submissionKey,
      async (trx) => {
        const inPlan = await trx.selectFrom('instalment_plan_document').select('plan_id').where('document_id', '=', input.documentId).executeTakeFirst();
        if (inPlan) throw new InvalidInputError({ documento: 'notCancellable' });
        const written = await writeCancellation(trx, office.ente, { documentId: input.documentId, reason, now: clock.now() }).catch((error: unknown) => {
          if (error instanceof InvalidInputError) throw new InvalidInputError({ documento: 'notCancellable' });
          throw error;
        });
        await record(trx, office, {
          kind: 'annullamento', pupilId: written.original.pupil_id, documentId: written.original.id, resultId: written.creditNoteId, amountCents: written.creditCents,
          reason, submissionKey: input.submissionKey,
        });
        await writeChange(trx, clock, office, {
          action: 'office.document.cancel', subjectType: 'document', subjectId: written.original.id, pupilId: written.original.pupil_id,
          before: { state: written.original.state, total_cents: written.original.total_cents },
          after: { state: 'annullato', reason, credit_note_id: written.creditNoteId, credit_note_number: `${written.number}/${written.year}`, credit_cents: written.creditCents },
        });
        return { documentId: written.original.id, creditNoteId: written.creditNoteId };
      },
      (row) => ({ documentId: row.documentId!, creditNoteId: row.resultId }),
    );
  }

  async function chargeOf(office: OperatorContext, chargeId: number) {
    const charge = await db
      .selectFrom('charge as c')
      .innerJoin('enrolment as e', 'e.id', 'c.enrolment_id')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .leftJoin('charge as r', 'r.reverses_charge_id', 'c.id')
      .leftJoin('movement as m', 'm.charge_id', 'c.id')
      .select(['c.id', 'c.date', 'c.kind', 'c.amount_cents as amountCents', 'c.pupil_id as pupilId', 's.name as serviceName', 's.billing', 'r.id as reversedBy', 'm.badge_id as badgeId'])
      .where('c.ente_id', '=', office.ente.id)
      .where('c.id', '=', chargeId)
      .executeTakeFirst();
    if (!charge) throw new NotFoundError('charge');
    return charge;
  }

  /** What reversing a charge would do: the storno's amount, and whether a badge is credited. */
  async function stornoPreview(office: OperatorContext, chargeId: number) {
    requirePermission(office, 'accounts.correct');
    const charge = await chargeOf(office, chargeId);
    if (charge.kind === 'storno') throw new InvalidInputError({ addebito: 'stornoOfStorno' });
    if (charge.reversedBy !== null) throw new InvalidInputError({ addebito: 'alreadyReversed' });
    return { charge, stornoCents: -charge.amountCents, badgeCredited: charge.badgeId !== null, stornoDate: romeDate(clock.now()) };
  }

  async function reverseCharge(office: OperatorContext, input: { chargeId: number; reason: string; submissionKey: string }) {
    requirePermission(office, 'accounts.correct');
    const reason = checkedReason(input.reason);
    return once(
      office,
      input.submissionKey,
      async (trx) => {
        const original = await trx
          .selectFrom('charge')
          .selectAll()
          .where('ente_id', '=', office.ente.id)
          .where('id', '=', input.chargeId)
          .where('kind', '<>', sql.lit('storno'))
          .executeTakeFirst();
        if (!original) throw new NotFoundError('charge');
        const already = await trx.selectFrom('charge').select('id').where('reverses_charge_id', '=', original.id).executeTakeFirst();
        if (already) throw new InvalidInputError({ addebito: 'alreadyReversed' });
        const storno = await writeStorno(trx, office.ente, original, { reason, author: office.operator.fiscalCode, now: clock.now() });
        await record(trx, office, {
          kind: 'storno', pupilId: original.pupil_id, chargeId: original.id, resultId: storno.stornoId, amountCents: storno.amountCents, reason, submissionKey: input.submissionKey,
        });
        await writeChange(trx, clock, office, {
          action: 'office.charge.storno', subjectType: 'charge', subjectId: original.id, pupilId: original.pupil_id,
          before: { date: original.date, kind: original.kind, amount_cents: original.amount_cents, reversed: false },
          after: { date: original.date, kind: original.kind, amount_cents: original.amount_cents, reversed: true, storno_id: storno.stornoId, storno_cents: storno.amountCents, badge_credited: storno.badgeCredited, reason },
        });
        return { pupilId: original.pupil_id, stornoId: storno.stornoId };
      },
      (row) => ({ pupilId: row.pupilId, stornoId: row.resultId }),
    );
  }

  /** The pupil a charge of the ente belongs to (where the office goes back after a refused reversal). */
  async function pupilOfCharge(office: OperatorContext, chargeId: number): Promise<number> {
    requirePermission(office, 'accounts.correct');
    return (await chargeOf(office, chargeId)).pupilId;
  }

  async function badgeOf(office: OperatorContext, badgeId: number) {
    requirePermission(office, 'accounts.correct');
    const badge = await db
      .selectFrom('badge as b')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select([
        'b.id', 'b.code', 'b.pupil_id as pupilId', 's.name as serviceName', 'child.given_name as givenName', 'child.family_name as familyName',
        sql<number>`(select coalesce(sum(m.amount_cents), 0) from movement m where m.badge_id = b.id)`.as('balanceCents'),
      ])
      .where('b.ente_id', '=', office.ente.id)
      .where('b.id', '=', badgeId)
      .executeTakeFirst();
    if (!badge) throw new NotFoundError('badge');
    return { ...badge, balanceCents: Number(badge.balanceCents ?? 0) };
  }

  function checkedAmount(amountCents: number) {
    if (!Number.isSafeInteger(amountCents) || amountCents <= 0) throw new InvalidInputError<CorrectionField>({ importo: 'amountPositive' });
    if (amountCents > MAX_MANUAL_CENTS) throw new InvalidInputError<CorrectionField>({ importo: 'amountTooLarge' });
  }

  /** What a manual credit or debit would do: the movement and the balance after it. */
  async function movementPreview(office: OperatorContext, input: { badgeId: number; direction: 'accredito' | 'addebito'; amountCents: number }) {
    requirePermission(office, 'accounts.correct');
    checkedAmount(input.amountCents);
    const badge = await badgeOf(office, input.badgeId);
    const signed = input.direction === 'accredito' ? input.amountCents : -input.amountCents;
    return { badge, signedCents: signed, balanceAfterCents: badge.balanceCents + signed, valueDate: romeDate(clock.now()) };
  }

  /** A manual credit or debit of a badge: one movement of kind "adjustment" with its reason; nothing edited. */
  async function manualMovement(office: OperatorContext, input: { badgeId: number; direction: 'accredito' | 'addebito'; amountCents: number; reason: string; submissionKey: string }) {
    requirePermission(office, 'accounts.correct');
    checkedAmount(input.amountCents);
    const reason = checkedReason(input.reason);
    return once(
      office,
      input.submissionKey,
      async (trx) => {
        const badge = await trx.selectFrom('badge').select(['id', 'pupil_id']).where('ente_id', '=', office.ente.id).where('id', '=', input.badgeId).executeTakeFirst();
        if (!badge) throw new NotFoundError('badge');
        const signed = input.direction === 'accredito' ? input.amountCents : -input.amountCents;
        const now = clock.now();
        const balance = await trx.selectFrom('movement').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), sql<number>`0`).as('t')).where('badge_id', '=', badge.id).executeTakeFirstOrThrow();
        const movement = await trx
          .insertInto('movement')
          .values({
            ente_id: office.ente.id, badge_id: badge.id, amount_cents: signed, kind: 'adjustment', value_date: romeDate(now), charge_id: null,
            reverses_movement_id: null, note: reason, author: office.operator.fiscalCode, created_at: now.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await record(trx, office, {
          kind: input.direction, pupilId: badge.pupil_id, badgeId: badge.id, resultId: movement.id, amountCents: signed, reason, submissionKey: input.submissionKey,
        });
        const before = Number(balance.t);
        await writeChange(trx, clock, office, {
          action: `office.badge.${input.direction}`, subjectType: 'badge', subjectId: badge.id, pupilId: badge.pupil_id,
          before: { balance_cents: before },
          after: { balance_cents: before + signed, movement_id: movement.id, amount_cents: signed, reason },
        });
        return { pupilId: badge.pupil_id, movementId: movement.id };
      },
      (row) => ({ pupilId: row.pupilId, movementId: row.resultId }),
    );
  }

  return { search, document, pupilAccount, cancelPreview, cancelDocument, stornoPreview, reverseCharge, pupilOfCharge, badgeOf, movementPreview, manualMovement };
}

/** A form whose one-time key another request took first: its correction is the one made. */
class SameForm extends Error {}

export type CorrectionService = ReturnType<typeof createCorrectionService>;
export type CorrectionDocument = Awaited<ReturnType<CorrectionService['document']>>;
export type CorrectionSearchRow = Awaited<ReturnType<CorrectionService['search']>>[number];
export type PupilAccount = Awaited<ReturnType<CorrectionService['pupilAccount']>>;
