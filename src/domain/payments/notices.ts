import { type Insertable, type Kysely, sql } from 'kysely';
import type { DB, Ente, PaymentNoticeTable } from '../../db/schema';
import type { DebtPosition, PagopaClients } from '../../integrations/pagopa/clients';
import { PagopaCallError } from '../../integrations/pagopa/clients';
import { makeNav } from '../../integrations/pagopa/nav';
import { monthName } from '../billing/lines';
import { addDays, romeDate, romeInstant } from '../calendar/local-time';
import type { Clock } from '../clock';
import type { EnteDirectory } from '../registry/enti';

/** Documents given notices per transaction: one counter update and one insert each. */
const ISSUE_BATCH = 1000;
/** How long a process trusts its watermark of documents already given notices before looking at them all again. */
const ISSUE_RESCAN_MS = 3_600_000;
/** Positions sent to the platform per run of the outbox. */
const PUBLISH_BATCH = 200;
/** Back-off between attempts: 30 s, 1 min, 2 min … at most an hour. */
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;
/** A deferred top-up notice can be paid for this many days. */
export const TOPUP_NOTICE_DAYS = 60;

/** Limits of the platform's texts: a position's description and the printed notice's subject. */
const DESCRIPTION_MAX = 140;

/**
 * The date until which a notice is published payable. GPD refuses to create a position whose due date
 * has passed, so an overdue document's notice is payable until today + the ente's `overdue_payable_days`;
 * one not yet due keeps its document's due date. The document keeps its own due date (office, reminders,
 * "scaduto"); this date is the notice's (Documenti contabili, the notice PDF, the position).
 */
export function payableDueDate(documentDueDate: string, today: string, overduePayableDays: number): string {
  return documentDueDate >= today ? documentDueDate : addDays(today, overduePayableDays);
}

/**
 * GPD's `dueDate` for a notice payable until the end of `date` in Rome. GPD reads it as a date-time
 * without offset and compares it with its clock in UTC (`LocalDateTime.now(ZoneOffset.UTC)`), so Rome's
 * 23:59:59 is sent as that instant in UTC ("2026-12-31T22:59:59Z", 21:59:59Z in summer): sent as
 * "T23:59:59" the notice would stay payable for one or two hours of the next day.
 */
export function gpdDueDate(date: string): string {
  const endOfDay = new Date(romeInstant(addDays(date, 1), '00:00').getTime() - 1000);
  return endOfDay.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An ente can issue notices once its pagoPA data is complete. */
export function issuesNotices(ente: Ente): ente is Ente & { segregation_code: string; iban: string } {
  return !!ente.segregation_code && !!ente.iban && /^\d{2}$/.test(ente.segregation_code);
}

/**
 * Takes `count` consecutive 13-digit bases from the ente's counter, under its row lock (PostgreSQL) or the
 * write lock (SQLite), and returns the first: two instances never hand out the same NAV.
 */
export async function takeNoticeBases(trx: Kysely<DB>, enteId: number, count: number): Promise<number> {
  await trx.insertInto('notice_counter').values({ ente_id: enteId, last_base: 0 }).onConflict((oc) => oc.column('ente_id').doNothing()).execute();
  const row = await trx
    .updateTable('notice_counter')
    .set((eb) => ({ last_base: eb('last_base', '+', count) }))
    .where('ente_id', '=', enteId)
    .returning('last_base')
    .executeTakeFirstOrThrow();
  return row.last_base - count + 1;
}

export function navFor(ente: Ente & { segregation_code: string }, base: number): string {
  return makeNav(ente.segregation_code, String(base).padStart(13, '0'));
}

/**
 * Notices and debt positions (issue 5): every payable item gets a NAV and a position on the platform.
 * Positions go through an outbox: rows are written in our transaction, the calls happen after commit,
 * retried with back-off, so a platform outage delays a position but never loses or duplicates it.
 */
export function createNoticeService(db: Kysely<DB>, clock: Clock, pagopa: PagopaClients, enti: EnteDirectory) {
  /**
   * Per ente, the largest document id this process has seen with a notice or without a need for one,
   * and when it last looked at every document. A document needs a notice from its creation (billing
   * writes it unpaid), so each minute's step reads only the documents created since, instead of all the
   * ente's (issue 18: 750,000 in Rome, 0.66 s a minute in every process). A document committed later
   * with a smaller id (PostgreSQL's concurrent transactions) is given its notice by the process that
   * billed it, whose step runs right after its billing, and by every process at its next full look.
   */
  const examined = new Map<number, { upTo: number; fullAt: number }>();

  /** Gives a notice to every unpaid document of the ente without one, and withdraws those of cancelled documents. */
  async function issueDocumentNotices(ente: Ente): Promise<number> {
    if (!issuesNotices(ente)) return 0;
    const known = examined.get(ente.id);
    const full = !known || Date.now() - known.fullAt >= ISSUE_RESCAN_MS;
    const after = full ? 0 : known.upTo;
    // The newest document of any ente: the end of the primary key, one entry to read (by ente it would be the ente's whole index).
    const newest = await db.selectFrom('document').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    let issued = 0;
    for (;;) {
      const count = await db.transaction().execute(async (trx) => {
        const documents = await trx
          .selectFrom('document as d')
          .innerJoin('service as s', 's.id', 'd.service_id')
          .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
          .innerJoin('person as child', 'child.id', 'p.person_id')
          .leftJoin('payment_notice as n', 'n.document_id', 'd.id')
          .select(['d.id', 'd.holder_person_id', 'd.pupil_id', 'd.service_id', 'd.total_cents', 'd.due_date', 'd.period', 's.name as serviceName', 'child.given_name as givenName'])
          .where('d.ente_id', '=', ente.id)
          .where('d.kind', '=', sql.lit('documento'))
          .where('d.state', '=', 'da_pagare')
          .where('d.total_cents', '>', 0)
          .where('n.id', 'is', null)
          .where('d.id', '>', after)
          .orderBy('d.id')
          .limit(sql.lit(ISSUE_BATCH))
          .execute();
        if (documents.length === 0) return 0;
        const first = await takeNoticeBases(trx, ente.id, documents.length);
        const now = clock.now().toISOString();
        const today = romeDate(clock.now());
        const rows: Insertable<PaymentNoticeTable>[] = documents.map((d, i) => {
          const nav = navFor(ente, first + i);
          return {
            ente_id: ente.id, nav, iuv: nav.slice(1), kind: 'document', document_id: d.id, topup_id: null, holder_person_id: d.holder_person_id,
            pupil_id: d.pupil_id, service_id: d.service_id, amount_cents: d.total_cents,
            due_date: payableDueDate(d.due_date, today, ente.overdue_payable_days),
            description: clip(`${d.serviceName} — ${monthName(d.period)} — ${d.givenName}`, DESCRIPTION_MAX),
            state: 'open', position_state: 'to_publish', position_next_at: null, position_error: null, published_at: null,
            cart_id: null, cart_until: null, paid_at: null, created_at: now,
          };
        });
        await trx.insertInto('payment_notice').values(rows).execute();
        return rows.length;
      });
      issued += count;
      if (count < ISSUE_BATCH) break;
    }
    // Every document up to the newest read before the batches now has its notice (or needs none).
    examined.set(ente.id, { upTo: Math.max(after, Number(newest?.id ?? 0)), fullAt: full ? Date.now() : known!.fullAt });
    await withdrawCancelled(ente);
    return issued;
  }

  /** The notice of a cancelled document can no longer be paid: its position is invalidated. */
  async function withdrawCancelled(ente: Ente) {
    const cancelled = db.selectFrom('document').select('id').where('ente_id', '=', ente.id).where('state', '=', 'annullato');
    // A published position must be withdrawn from the platform; one never published just closes.
    for (const [from, to] of [['published', 'to_invalidate'], ['to_publish', 'invalidated']] as const) {
      await db
        .updateTable('payment_notice')
        .set({ state: 'cancelled', position_state: to, position_next_at: null, position_attempts: 0 })
        .where('ente_id', '=', ente.id)
        .where('state', '=', 'open')
        .where('position_state', '=', from)
        .where('document_id', 'in', cancelled)
        .execute();
    }
  }

  async function issueDueNotices(): Promise<{ ente: string; notices: number }[]> {
    const done: { ente: string; notices: number }[] = [];
    for (const ente of await enti.all()) {
      const notices = await issueDocumentNotices(ente);
      if (notices) done.push({ ente: ente.slug, notices });
    }
    return done;
  }

  function positionOf(ente: Ente & { iban: string }, notice: NoticeForPosition): DebtPosition {
    return {
      iupd: iupdOf(ente, notice.iuv),
      type: 'F',
      fiscalCode: notice.debtorFiscalCode,
      fullName: clip(`${notice.debtorGivenName} ${notice.debtorFamilyName}`, 70),
      companyName: clip(ente.name, 140),
      switchToExpired: false,
      paymentOption: [
        {
          iuv: notice.iuv,
          nav: notice.nav,
          amount: notice.amountCents,
          description: notice.description,
          isPartialPayment: false,
          dueDate: gpdDueDate(notice.dueDate),
          transfer: [{ idTransfer: '1', amount: notice.amountCents, remittanceInformation: notice.description, category: notice.taxonomyCode, iban: ente.iban }],
        },
      ],
    };
  }

  /**
   * The outbox: publishes positions waiting to be, and invalidates withdrawn ones, each after its
   * back-off. `onlyNoticeId` serves a holder waiting on the page (a top-up to pay now).
   */
  async function publishDue(onlyNoticeId?: number): Promise<{ published: number; invalidated: number; failed: number }> {
    const total = { published: 0, invalidated: 0, failed: 0 };
    // Batch after batch while they come full and the platform answers; a failure waits for its back-off.
    for (;;) {
      const batch = await publishBatch(onlyNoticeId);
      total.published += batch.published;
      total.invalidated += batch.invalidated;
      total.failed += batch.failed;
      if (onlyNoticeId !== undefined || batch.failed > 0 || batch.published + batch.invalidated < PUBLISH_BATCH) return total;
    }
  }

  async function publishBatch(onlyNoticeId: number | undefined): Promise<{ published: number; invalidated: number; failed: number }> {
    const now = clock.now();
    let query = db
      .selectFrom('payment_notice as n')
      .innerJoin('person as debtor', 'debtor.id', 'n.holder_person_id')
      .innerJoin('service as s', 's.id', 'n.service_id')
      .select([
        'n.id', 'n.ente_id as enteId', 'n.nav', 'n.iuv', 'n.amount_cents as amountCents', 'n.due_date as dueDate', 'n.description',
        'n.position_state as positionState', 'n.position_attempts as attempts', 'debtor.fiscal_code as debtorFiscalCode',
        'debtor.given_name as debtorGivenName', 'debtor.family_name as debtorFamilyName', 's.taxonomy_code as taxonomyCode',
      ])
      .where('n.position_state', 'in', ['to_publish', 'to_invalidate'])
      .orderBy('n.id')
      .limit(sql.lit(PUBLISH_BATCH));
    query = onlyNoticeId === undefined
      ? query.where((eb) => eb.or([eb('n.position_next_at', 'is', null), eb('n.position_next_at', '<=', now.toISOString())]))
      : query.where('n.id', '=', onlyNoticeId);
    const due = await query.execute();
    const entiById = new Map((await enti.all()).map((e) => [e.id, e]));
    const result = { published: 0, invalidated: 0, failed: 0 };
    for (const notice of due) {
      const ente = entiById.get(notice.enteId)!;
      try {
        if (notice.positionState === 'to_publish') {
          if (!issuesNotices(ente)) throw new PagopaCallError('ente without pagoPA data', undefined, true);
          // A position that waited (retries, an outage) past its due date would be refused for ever.
          const dueDate = payableDueDate(notice.dueDate, romeDate(clock.now()), ente.overdue_payable_days);
          if (dueDate !== notice.dueDate) {
            await db.updateTable('payment_notice').set({ due_date: dueDate }).where('id', '=', notice.id).where('position_state', '=', 'to_publish').execute();
          }
          await pagopa.publishPosition(ente.tax_code, positionOf(ente, { ...notice, dueDate }));
          await db
            .updateTable('payment_notice')
            .set({ position_state: 'published', published_at: clock.now().toISOString(), position_error: null, position_next_at: null })
            .where('id', '=', notice.id)
            .where('position_state', '=', 'to_publish')
            .execute();
          result.published++;
        } else {
          await pagopa.invalidatePosition(ente.tax_code, iupdOf(ente, notice.iuv));
          await db.updateTable('payment_notice').set({ position_state: 'invalidated', position_error: null }).where('id', '=', notice.id).execute();
          result.invalidated++;
        }
      } catch (error) {
        result.failed++;
        const wait = Math.min(RETRY_BASE_MS * 2 ** notice.attempts, RETRY_MAX_MS);
        await db
          .updateTable('payment_notice')
          .set({
            position_attempts: notice.attempts + 1,
            position_next_at: new Date(clock.now().getTime() + wait).toISOString(),
            position_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
          })
          .where('id', '=', notice.id)
          .execute();
      }
    }
    return result;
  }

  return { issueDocumentNotices, issueDueNotices, publishDue };
}

type NoticeForPosition = {
  iuv: string;
  nav: string;
  amountCents: number;
  dueDate: string;
  description: string;
  debtorFiscalCode: string;
  debtorGivenName: string;
  debtorFamilyName: string;
  taxonomyCode: string;
};

/** Our unique id of a position on the platform: the ente's tax code and the IUV. */
export function iupdOf(ente: Ente, iuv: string): string {
  return `${ente.tax_code}-${iuv}`;
}

/** The due date of a deferred top-up notice. */
export function topupDueDate(now: Date): string {
  return addDays(romeDate(now), TOPUP_NOTICE_DAYS);
}

export type NoticeService = ReturnType<typeof createNoticeService>;
