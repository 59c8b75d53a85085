import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { writeChange } from '../audit/audit';
import { addDays, isCalendarDate, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';
import type { PagopaClients } from '../../integrations/pagopa/clients';
import { noticeCreditor } from '../payments/papers';
import { clip, gpdDueDate, iupdOf, issuesNotices, navFor, payableDueDate, takeNoticeBases } from '../payments/notices';
import type { EnteDirectory } from '../registry/enti';
import { normaliseSearchText } from '../registry/search-key';
import { checkedReason } from '../corrections/service';
import { monthlyDueDates, splitCents } from './split';

export const MIN_INSTALMENTS = 2;
export const MAX_INSTALMENTS = 36;
/** The first instalment falls due at most this many days ahead. */
const FIRST_DUE_MAX_DAYS = 366;

export type InstalmentField = 'rate' | 'prima_scadenza' | 'motivo' | 'q' | 'documenti';

/**
 * Instalment plans (issue 15, point 3; decision 0028): a holder's overdue documents split into N instalments
 * that sum exactly to the debt (`splitCents`), due a month apart, each with its own pagoPA notice number
 * (NAV and IUV from the ente's notice counter, as every document's notice: `takeNoticeBases`). The documents
 * stay "da pagare" and read "in rateizzazione"; their own notices are withdrawn so that the debt is not asked
 * twice; they become "pagato" when the plan's last instalment is paid (`recordInstalmentPaid`).
 */
/** Positions sent per run; back-off between attempts as the notices' outbox (30 s doubling, at most an hour). */
const PUBLISH_BATCH = 200;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;

export function createInstalmentService(db: Kysely<DB>, clock: Clock, pagopa?: PagopaClients, enti?: EnteDirectory) {
  /** Holders with overdue documents not in a plan yet, by surname or tax code. */
  async function searchHolders(office: OperatorContext, text: string) {
    requirePermission(office, 'instalments.manage');
    const typed = text.trim();
    if (typed === '') return [];
    const today = romeDate(clock.now());
    let query = db
      .selectFrom('document as d')
      .innerJoin('person as h', 'h.id', 'd.holder_person_id')
      .leftJoin('instalment_plan_document as ipd', 'ipd.document_id', 'd.id')
      .select((eb) => ['h.id', 'h.given_name as givenName', 'h.family_name as familyName', 'h.fiscal_code as fiscalCode', eb.fn.sum<number>('d.total_cents').as('overdueCents'), eb.fn.countAll<number>().as('documents')])
      .where('d.ente_id', '=', office.ente.id)
      .where('d.kind', '=', sql.lit('documento'))
      .where('d.state', '=', 'da_pagare')
      .where('d.due_date', '<', today)
      .where('ipd.plan_id', 'is', null);
    if (/^[A-Za-z0-9]{16}$/.test(typed)) query = query.where('h.fiscal_code', '=', typed.toUpperCase());
    else {
      const key = normaliseSearchText(typed);
      if (key.length < 2) throw new InvalidInputError<InstalmentField>({ q: 'searchTooShort' });
      query = query.where((eb) => eb.or([eb('h.search_key', 'like', `${key}%`), eb('h.search_key', 'like', `% ${key}%`)]));
    }
    const rows = await query.groupBy(['h.id', 'h.given_name', 'h.family_name', 'h.fiscal_code']).orderBy('h.family_name').limit(sql.lit(50)).execute();
    return rows.map((r) => ({ ...r, overdueCents: Number(r.overdueCents), documents: Number(r.documents) }));
  }

  /** A holder's overdue documents that a new plan would take, and the holder's plans. */
  async function holder(office: OperatorContext, personId: number) {
    requirePermission(office, 'instalments.manage');
    const person = await db
      .selectFrom('person')
      .select(['id', 'given_name as givenName', 'family_name as familyName', 'fiscal_code as fiscalCode'])
      .where('ente_id', '=', office.ente.id)
      .where('id', '=', personId)
      .executeTakeFirst();
    if (!person) throw new NotFoundError('person');
    const [documents, plans] = await Promise.all([overdueDocuments(db, office, person.id), plansOf(office, person.id)]);
    return { person, documents, totalCents: documents.reduce((sum, d) => sum + d.totalCents, 0), plans };
  }

  function overdueDocuments(executor: Kysely<DB>, office: OperatorContext, personId: number) {
    return executor
      .selectFrom('document as d')
      .innerJoin('service as s', 's.id', 'd.service_id')
      .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .leftJoin('instalment_plan_document as ipd', 'ipd.document_id', 'd.id')
      .select(['d.id', 'd.number', 'd.year', 'd.period', 'd.due_date as dueDate', 'd.total_cents as totalCents', 'd.pupil_id as pupilId', 'd.service_id as serviceId',
        's.name as serviceName', 'child.given_name as pupilGivenName'])
      .where('d.ente_id', '=', office.ente.id)
      .where('d.holder_person_id', '=', personId)
      .where('d.kind', '=', sql.lit('documento'))
      .where('d.state', '=', 'da_pagare')
      .where('d.due_date', '<', romeDate(clock.now()))
      .where('ipd.plan_id', 'is', null)
      .orderBy('d.due_date')
      .orderBy('d.id')
      .execute();
  }

  function plansOf(office: OperatorContext, personId: number) {
    return db
      .selectFrom('instalment_plan')
      .select(['id', 'total_cents as totalCents', 'instalments', 'state', 'created_at as createdAt'])
      .where('ente_id', '=', office.ente.id)
      .where('holder_person_id', '=', personId)
      .orderBy('id', 'desc')
      .execute();
  }

  function checkedPlan(input: { count: number; firstDueDate: string }) {
    const problems: Partial<Record<InstalmentField, string>> = {};
    if (!Number.isInteger(input.count) || input.count < MIN_INSTALMENTS || input.count > MAX_INSTALMENTS) problems.rate = 'countRange';
    const today = romeDate(clock.now());
    if (!isCalendarDate(input.firstDueDate)) problems.prima_scadenza = 'dateInvalid';
    else if (input.firstDueDate < today) problems.prima_scadenza = 'dueInPast';
    else if (input.firstDueDate > addDays(today, FIRST_DUE_MAX_DAYS)) problems.prima_scadenza = 'dueTooFar';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
  }

  /** What a plan would be: its documents, the instalments' amounts and due dates; nothing written. */
  async function preview(office: OperatorContext, personId: number, input: { count: number; firstDueDate: string }) {
    requirePermission(office, 'instalments.manage');
    checkedPlan(input);
    const view = await holder(office, personId);
    if (view.documents.length === 0) throw new InvalidInputError<InstalmentField>({ documenti: 'noOverdue' });
    if (input.count > view.totalCents) throw new InvalidInputError<InstalmentField>({ rate: 'countRange' });
    const amounts = splitCents(view.totalCents, input.count);
    const dates = monthlyDueDates(input.firstDueDate, input.count);
    return { ...view, instalments: amounts.map((amountCents, i) => ({ position: i + 1, amountCents, dueDate: dates[i]! })) };
  }

  /**
   * Makes the plan, once per form (its one-time key); the documents are those overdue and in no plan when
   * it commits — `expectedTotalCents` (what the preview showed) must still be their sum, or nothing is made.
   */
  async function create(office: OperatorContext, personId: number, input: { count: number; firstDueDate: string; reason: string; submissionKey: string; expectedTotalCents: number }) {
    requirePermission(office, 'instalments.manage');
    checkedPlan(input);
    const reason = checkedReason(input.reason);
    const ente = office.ente;
    if (!issuesNotices(ente)) throw new InvalidInputError<InstalmentField>({ documenti: 'noPagopaData' });
    const previous = () =>
      db.selectFrom('instalment_plan').select('id').where('ente_id', '=', ente.id).where('author', '=', office.operator.fiscalCode).where('submission_key', '=', input.submissionKey).executeTakeFirst();
    const before = await previous();
    if (before) return { planId: before.id, repeated: true };
    const now = clock.now();
    try {
      return await db.transaction().execute(async (trx) => {
        const person = await trx.selectFrom('person').select('id').where('ente_id', '=', ente.id).where('id', '=', personId).executeTakeFirst();
        if (!person) throw new NotFoundError('person');
        const documents = await overdueDocuments(trx, office, person.id);
        const total = documents.reduce((sum, d) => sum + d.totalCents, 0);
        if (documents.length === 0) throw new InvalidInputError<InstalmentField>({ documenti: 'noOverdue' });
        if (total !== input.expectedTotalCents) throw new InvalidInputError<InstalmentField>({ documenti: 'changedMeanwhile' });
        if (input.count > total) throw new InvalidInputError<InstalmentField>({ rate: 'countRange' });
        const plan = await trx
          .insertInto('instalment_plan')
          .values({
            ente_id: ente.id, holder_person_id: person.id, total_cents: total, instalments: input.count, state: 'in_corso', reason, author: office.operator.fiscalCode,
            submission_key: input.submissionKey, created_at: now.toISOString(), paid_at: null,
          })
          .onConflict((oc) => oc.columns(['ente_id', 'author', 'submission_key']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!plan) throw new SameForm();
        // The primary key on document_id: a document joins one plan only, whichever operator is quicker.
        await trx.insertInto('instalment_plan_document').values(documents.map((d) => ({ document_id: d.id, plan_id: plan.id, amount_cents: d.totalCents }))).execute();
        // Each document now owed through the plan (what Pagamento, the debtors and the reminders read).
        await trx.updateTable('document').set({ instalment_plan_id: plan.id }).where('ente_id', '=', ente.id).where('id', 'in', documents.map((d) => d.id)).where('instalment_plan_id', 'is', null).execute();
        const amounts = splitCents(total, input.count);
        const dates = monthlyDueDates(input.firstDueDate, input.count);
        const first = await takeNoticeBases(trx, ente.id, input.count);
        const rows = amounts.map((amountCents, i) => {
          const nav = navFor(ente, first + i);
          return {
            ente_id: ente.id, plan_id: plan.id, position: i + 1, amount_cents: amountCents, due_date: dates[i]!, nav, iuv: nav.slice(1), state: 'da_pagare' as const,
            paid_at: null, position_next_at: null, position_error: null, published_at: null,
          };
        });
        await trx.insertInto('instalment').values(rows).execute();
        // The documents' own notices are withdrawn: the debt is now asked by the instalments' notices.
        const ids = documents.map((d) => d.id);
        for (const [from, to] of [['published', 'to_invalidate'], ['to_publish', 'invalidated']] as const) {
          await trx
            .updateTable('payment_notice')
            .set({ state: 'cancelled', position_state: to, position_next_at: null, position_attempts: 0 })
            .where('ente_id', '=', ente.id)
            .where('state', '=', 'open')
            .where('position_state', '=', from)
            .where('document_id', 'in', ids)
            .execute();
        }
        await writeChange(trx, clock, office, {
          action: 'office.instalments.create', subjectType: 'person', subjectId: person.id, pupilId: documents[0]!.pupilId,
          before: null,
          after: { plan_id: plan.id, documents: ids, total_cents: total, instalments: rows.map((r) => ({ amount_cents: r.amount_cents, due_date: r.due_date, nav: r.nav })), reason },
        });
        return { planId: plan.id, repeated: false };
      });
    } catch (error) {
      if (!(error instanceof SameForm)) throw error;
      const after = await previous();
      if (!after) throw error;
      return { planId: after.id, repeated: true };
    }
  }

  async function plan(office: OperatorContext, planId: number) {
    requirePermission(office, 'instalments.manage');
    const found = await db
      .selectFrom('instalment_plan as pl')
      .innerJoin('person as h', 'h.id', 'pl.holder_person_id')
      .select(['pl.id', 'pl.total_cents as totalCents', 'pl.instalments', 'pl.state', 'pl.reason', 'pl.author', 'pl.created_at as createdAt', 'pl.paid_at as paidAt',
        'h.id as holderId', 'h.given_name as givenName', 'h.family_name as familyName', 'h.fiscal_code as fiscalCode'])
      .where('pl.ente_id', '=', office.ente.id)
      .where('pl.id', '=', planId)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('instalment plan');
    const [instalments, documents] = await Promise.all([
      db.selectFrom('instalment').select(['id', 'position', 'amount_cents as amountCents', 'due_date as dueDate', 'nav', 'state', 'paid_at as paidAt']).where('plan_id', '=', found.id).orderBy('position').execute(),
      db
        .selectFrom('instalment_plan_document as ipd')
        .innerJoin('document as d', 'd.id', 'ipd.document_id')
        .innerJoin('service as s', 's.id', 'd.service_id')
        .select(['d.id', 'd.number', 'd.year', 'd.period', 'd.state', 'ipd.amount_cents as amountCents', 's.name as serviceName'])
        .where('ipd.plan_id', '=', found.id)
        .orderBy('d.due_date')
        .execute(),
    ]);
    return { ...found, instalments, documents };
  }

  /**
   * The instalments' outbox: each instalment's debt position sent to the platform (GPD) after its plan is
   * committed, retried with back-off, as the documents' notices are (notices.ts). One position per instalment,
   * its IUPD the ente's tax code and the IUV, payable until the instalment's due date.
   */
  async function publishDue(): Promise<{ published: number; failed: number }> {
    const result = { published: 0, failed: 0 };
    if (!pagopa || !enti) return result;
    const now = clock.now();
    const due = await db
      .selectFrom('instalment as i')
      .innerJoin('instalment_plan as pl', 'pl.id', 'i.plan_id')
      .innerJoin('person as debtor', 'debtor.id', 'pl.holder_person_id')
      .select((eb) => [
        'i.id', 'i.ente_id as enteId', 'i.nav', 'i.iuv', 'i.amount_cents as amountCents', 'i.due_date as dueDate', 'i.position', 'i.position_attempts as attempts',
        'pl.id as planId', 'pl.instalments as count', 'debtor.fiscal_code as debtorFiscalCode', 'debtor.given_name as debtorGivenName', 'debtor.family_name as debtorFamilyName',
        eb
          .selectFrom('instalment_plan_document as ipd')
          .innerJoin('document as d', 'd.id', 'ipd.document_id')
          .innerJoin('service as s', 's.id', 'd.service_id')
          .select('s.taxonomy_code')
          .whereRef('ipd.plan_id', '=', 'pl.id')
          .orderBy('d.id')
          .limit(sql.lit(1))
          .as('taxonomyCode'),
      ])
      .where('i.position_state', '=', 'to_publish')
      .where((eb) => eb.or([eb('i.position_next_at', 'is', null), eb('i.position_next_at', '<=', now.toISOString())]))
      .orderBy('i.id')
      .limit(sql.lit(PUBLISH_BATCH))
      .execute();
    if (due.length === 0) return result;
    const entiById = new Map((await enti.all()).map((e) => [e.id, e]));
    for (const row of due) {
      const ente = entiById.get(row.enteId)!;
      try {
        if (!issuesNotices(ente)) throw new Error('ente without pagoPA data');
        const description = clip(`Rata ${row.position} di ${row.count} — rateizzazione n. ${row.planId}`, 140);
        const dueDate = payableDueDate(row.dueDate, romeDate(clock.now()), ente.overdue_payable_days);
        await pagopa.publishPosition(ente.tax_code, {
          iupd: iupdOf(ente, row.iuv),
          type: 'F',
          fiscalCode: row.debtorFiscalCode,
          fullName: clip(`${row.debtorGivenName} ${row.debtorFamilyName}`, 70),
          companyName: clip(ente.name, 140),
          switchToExpired: false,
          paymentOption: [
            {
              iuv: row.iuv, nav: row.nav, amount: row.amountCents, description, isPartialPayment: false, dueDate: gpdDueDate(dueDate),
              transfer: [{ idTransfer: '1', amount: row.amountCents, remittanceInformation: description, category: row.taxonomyCode ?? '', iban: ente.iban }],
            },
          ],
        });
        await db
          .updateTable('instalment')
          .set({ position_state: 'published', published_at: clock.now().toISOString(), position_error: null, position_next_at: null })
          .where('id', '=', row.id)
          .where('position_state', '=', 'to_publish')
          .execute();
        result.published++;
      } catch (error) {
        result.failed++;
        const wait = Math.min(RETRY_BASE_MS * 2 ** row.attempts, RETRY_MAX_MS);
        await db
          .updateTable('instalment')
          .set({
            position_attempts: row.attempts + 1,
            position_next_at: new Date(clock.now().getTime() + wait).toISOString(),
            position_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
          })
          .where('id', '=', row.id)
          .execute();
      }
    }
    return result;
  }

  /**
   * An instalment's pagoPA notice (avviso) as a PDF, for the office to hand or post to the family: only while
   * the instalment is unpaid and its position is published (before, the platform would not know the NAV).
   */
  async function noticePdf(office: OperatorContext, planId: number, position: number): Promise<{ fileName: string; pdf: Buffer }> {
    requirePermission(office, 'instalments.manage');
    const ente = office.ente;
    const row = await db
      .selectFrom('instalment as i')
      .innerJoin('instalment_plan as pl', 'pl.id', 'i.plan_id')
      .innerJoin('person as h', 'h.id', 'pl.holder_person_id')
      .select(['i.id', 'i.nav', 'i.amount_cents as amountCents', 'i.due_date as dueDate', 'i.state', 'i.position_state as positionState', 'pl.instalments as count',
        'h.fiscal_code as fiscalCode', 'h.given_name as givenName', 'h.family_name as familyName', 'h.address', 'h.postcode', 'h.city'])
      .where('pl.ente_id', '=', ente.id)
      .where('pl.id', '=', planId)
      .where('i.position', '=', position)
      .executeTakeFirst();
    if (!row || row.state !== 'da_pagare' || row.positionState !== 'published' || !ente.cbill) throw new NotFoundError('instalment notice');
    const [{ paymentNoticePdf }, logo] = await Promise.all([
      import('../../integrations/pdf/notice'),
      db.selectFrom('ente_logo').select('png').where('ente_id', '=', ente.id).executeTakeFirst(),
    ]);
    const pdf = await paymentNoticePdf({
      subject: clip(`Rata ${position} di ${row.count} - rateizzazione n. ${planId}`, 90),
      creditor: noticeCreditor({ ...ente, cbill: ente.cbill }, logo?.png),
      debtor: { fiscalCode: row.fiscalCode, fullName: `${row.givenName} ${row.familyName}`, address: `${row.address}, ${row.postcode} ${row.city}` },
      nav: row.nav,
      amountCents: row.amountCents,
      dueDate: row.dueDate,
      createdAt: clock.now(),
    });
    return { fileName: `avviso-pagopa-${row.nav}.pdf`, pdf };
  }

  return { searchHolders, holder, preview, create, plan, publishDue, noticePdf };
}

/**
 * An instalment paid (its pagoPA receipt), in the caller's transaction: the instalment "pagata"; when it was
 * the plan's last, the plan and every one of its documents "pagato". Returns false when no open instalment of
 * the ente has that notice number, so the caller can flag the receipt as it would any other.
 */
export async function recordInstalmentPaid(trx: Kysely<DB>, enteId: number, nav: string, amountCents: number, paidAt: string): Promise<boolean> {
  const paid = await trx
    .updateTable('instalment')
    .set({ state: 'pagata', paid_at: paidAt })
    .where('ente_id', '=', enteId)
    .where('nav', '=', nav)
    .where('state', '=', 'da_pagare')
    .where('amount_cents', '=', amountCents)
    .returning('plan_id')
    .executeTakeFirst();
  if (!paid) return false;
  const open = await trx.selectFrom('instalment').select('id').where('plan_id', '=', paid.plan_id).where('state', '=', 'da_pagare').executeTakeFirst();
  if (open) return true;
  await trx.updateTable('instalment_plan').set({ state: 'pagato', paid_at: paidAt }).where('id', '=', paid.plan_id).where('state', '=', 'in_corso').execute();
  await trx
    .updateTable('document')
    .set({ state: 'pagato', paid_at: paidAt })
    .where('ente_id', '=', enteId)
    .where('state', '=', 'da_pagare')
    .where('id', 'in', trx.selectFrom('instalment_plan_document').select('document_id').where('plan_id', '=', paid.plan_id))
    .execute();
  return true;
}

class SameForm extends Error {}

export type InstalmentService = ReturnType<typeof createInstalmentService>;
export type HolderView = Awaited<ReturnType<InstalmentService['holder']>>;
export type PlanPreview = Awaited<ReturnType<InstalmentService['preview']>>;
export type PlanView = Awaited<ReturnType<InstalmentService['plan']>>;
export type HolderRow = Awaited<ReturnType<InstalmentService['searchHolders']>>[number];
