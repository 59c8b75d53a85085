import { type Kysely, sql } from 'kysely';
import { type OperatorContext, requirePermission } from '../operators/context';
import type { DB, Ente, ReceiptFlag } from '../../db/schema';
import { centsFromEuroDecimal, euroDecimalFromCents } from '../../integrations/pagopa/amounts';
import type { PagopaClients } from '../../integrations/pagopa/clients';
import { parseNav } from '../../integrations/pagopa/nav';
import {
  type PagopaReceipt,
  type PaSendRTV2Response,
  parsePaSendRTV2Request,
  parseReceiptXml,
  ReceiptFormatError,
  stationFault,
} from '../../integrations/pagopa/receipt-xml';
import { recordInstalmentPaid } from '../instalments/service';
import { markDocumentPaid } from '../billing/billing';
import { romeDate, romeInstant } from '../calendar/local-time';
import { queueMessages } from '../messages/outbox';
import type { EnteDirectory } from '../registry/enti';
import type { Clock } from '../clock';

export type ReceiptOutcome = { result: 'applied' } | { result: 'flagged'; flag: ReceiptFlag } | { result: 'duplicate' };

/** How far back the first pull looks, and how much each pull overlaps the previous one. */
const FIRST_PULL_DAYS = 7;
const PULL_OVERLAP_MS = 60 * 60_000;
/**
 * Transient conflicts (a concurrent delivery of the same notice, SQLite's write lock taken by another
 * process) are retried this many times, after a short random pause that grows.
 */
const ATTEMPTS = 20;

/**
 * Amounts are integer cents in `integer` columns: 32 bits on PostgreSQL. The XSD allows up to
 * 999999999.99 €, beyond them; such a receipt cannot be one of our notices, and is refused before the
 * database would throw.
 */
const MAX_CENTS = 2_147_483_647;

function amountBeyondOurColumns(receipt: PagopaReceipt): string | undefined {
  if (centsFromEuroDecimal(receipt.paymentAmount) > MAX_CENTS) return 'paymentAmount';
  if (receipt.fee !== undefined && centsFromEuroDecimal(receipt.fee) > MAX_CENTS) return 'fee';
  return undefined;
}

/**
 * When the payment happened. The platform writes local Italian time without an offset
 * ("2026-11-26T10:15:30"), or an instant with one; both become a UTC instant.
 */
export function paymentInstant(value: string | undefined, fallback: Date): Date {
  if (!value) return fallback;
  if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) {
    const instant = new Date(value);
    return Number.isNaN(instant.getTime()) ? fallback : instant;
  }
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(value);
  if (!match) return fallback;
  // xsd:dateTime allows any number of decimals; milliseconds are all we keep.
  const seconds = Number(match[3] ?? 0) * 1000 + Number((match[4] ?? '0').slice(0, 3).padEnd(3, '0'));
  return new Date(romeInstant(match[1]!, match[2]!).getTime() + seconds);
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return ['23505', '40001', '40P01', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT'].includes(code);
}

/**
 * Receipts (issue 5): whatever delivers a receipt — the platform's push, our pull, twice, late, or for a
 * notice paid at a tobacconist without any cart — it pays its item once. A receipt is stored before
 * anything else, in the same transaction that marks the document paid or credits the badge; one that
 * cannot be applied (KO, unknown notice, wrong amount, already paid) is stored flagged for the office.
 */
export function createReceiptService(
  db: Kysely<DB>,
  clock: Clock,
  pagopa: PagopaClients,
  station: { brokerId: string; stationId: string },
  enti: EnteDirectory,
) {
  async function apply(receipt: PagopaReceipt, xml: string, source: 'push' | 'pull'): Promise<ReceiptOutcome> {
    // Whoever delivers it: PostgreSQL would throw on the insert, mid-transaction.
    const tooLarge = amountBeyondOurColumns(receipt);
    if (tooLarge) throw new ReceiptFormatError(`${tooLarge}: importo oltre il massimo gestito`);
    for (let attempt = 1; ; attempt++) {
      try {
        return await applyOnce(receipt, xml, source);
      } catch (error) {
        if (!isTransient(error) || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  /**
   * One attempt, in one transaction. The usual receipt pays its open notice: the conditional update that
   * marks it paid comes first, and its row lock (PostgreSQL) or the write lock (SQLite) makes a concurrent
   * delivery wait and then find the notice paid. Only a receipt that pays nothing reads the notice, to say
   * why it is flagged.
   */
  async function applyOnce(receipt: PagopaReceipt, xml: string, source: 'push' | 'pull'): Promise<ReceiptOutcome> {
    const ente = await enti.byTaxCode(receipt.fiscalCode);
    const nav = parseNav(receipt.noticeNumber);
    const amountCents = centsFromEuroDecimal(receipt.paymentAmount);
    const now = clock.now();
    const paidAt = paymentInstant(receipt.paymentDateTime, now).toISOString();
    try {
      return await db.transaction().execute(async (trx) => {
        const paid =
          ente && nav.ok && receipt.outcome === 'OK'
            ? await trx
                .updateTable('payment_notice')
                .set({ state: 'paid', paid_at: paidAt })
                .where('ente_id', '=', ente.id)
                .where('nav', '=', nav.nav)
                .where('state', '=', 'open')
                .where('amount_cents', '=', amountCents)
                .returning(['id', 'kind', 'document_id', 'topup_id'])
                .executeTakeFirst()
            : undefined;
        // issue 15 (instalments, decision 0028): a receipt for an instalment's notice pays the instalment, and its plan's documents with the last one.
        const instalmentPaid = !paid && ente && nav.ok && receipt.outcome === 'OK' ? await recordInstalmentPaid(trx, ente.id, nav.nav, amountCents, paidAt) : false;
        const notice = paid ?? (instalmentPaid ? undefined : ente && nav.ok ? await trx.selectFrom('payment_notice').select(['id', 'state']).where('ente_id', '=', ente.id).where('nav', '=', nav.nav).executeTakeFirst() : undefined);
        const flag: ReceiptFlag | null = paid || instalmentPaid
          ? null
          : receipt.outcome !== 'OK'
            ? 'ko'
            : !notice
              ? 'unknown_notice'
              : 'state' in notice && notice.state === 'cancelled'
                ? 'notice_cancelled'
                : 'state' in notice && notice.state === 'paid'
                  ? 'already_paid'
                  : 'amount_mismatch';
        const inserted = await trx
          .insertInto('payment_receipt')
          .values({
            ente_id: ente?.id ?? null,
            creditor_tax_code: receipt.fiscalCode,
            receipt_id: receipt.receiptId,
            notice_number: receipt.noticeNumber,
            outcome: receipt.outcome,
            amount_cents: amountCents,
            fee_cents: receipt.fee ? centsFromEuroDecimal(receipt.fee) : null,
            paid_at: paidAt,
            psp_id: receipt.idPSP,
            psp_name: receipt.PSPCompanyName,
            payment_method: receipt.paymentMethod ?? null,
            payment_note: receipt.paymentNote ?? null,
            description: receipt.description,
            debtor_fiscal_code: receipt.debtor.uniqueIdentifier.entityUniqueIdentifierValue,
            debtor_name: receipt.debtor.fullName,
            payer_fiscal_code: receipt.payer?.uniqueIdentifier.entityUniqueIdentifierValue ?? null,
            payer_name: receipt.payer?.fullName ?? null,
            source,
            notice_id: notice?.id ?? null,
            status: flag ? 'flagged' : 'applied',
            flag,
            xml,
            received_at: now.toISOString(),
          })
          .onConflict((oc) => oc.columns(['creditor_tax_code', 'receipt_id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        // The same receipt again: nothing of this attempt may stay, not even a notice marked paid.
        if (!inserted) throw new DuplicateReceipt();
        if (instalmentPaid) return { result: 'applied' } as const;
        if (!paid || !ente) return { result: 'flagged', flag: flag ?? 'unknown_notice' } as const;

        if (paid.kind === 'document') {
          await markDocumentPaid(trx, ente.id, paid.document_id!, paidAt);
        } else {
          const topup = await trx
            .updateTable('topup')
            .set({ state: 'accreditata', credited_at: now.toISOString() })
            .where('id', '=', paid.topup_id!)
            .returning(['badge_id', 'id'])
            .executeTakeFirstOrThrow();
          await trx
            .insertInto('movement')
            .values({
              ente_id: ente.id, badge_id: topup.badge_id, amount_cents: amountCents, kind: 'topup', value_date: romeDate(new Date(paidAt)),
              charge_id: null, reverses_movement_id: null, topup_id: paid.topup_id, note: null, author: 'pagoPA', created_at: now.toISOString(),
            })
            .execute();
          // The families' "top-up credited" message, in the credit's own transaction (issue 16).
          const badge = await trx.selectFrom('badge').select('pupil_id').where('id', '=', topup.badge_id).executeTakeFirstOrThrow();
          await queueMessages(trx, { enteId: ente.id, kind: 'topup_credited', eventKey: `topup:${topup.id}`, pupilId: badge.pupil_id, params: { amountCents } }, now);
        }
        return { result: 'applied' } as const;
      });
    } catch (error) {
      if (error instanceof DuplicateReceipt) return { result: 'duplicate' };
      throw error;
    }
  }

  /**
   * The paSendRTV2 push. OK means "stored" (applied, or flagged for the office): the platform must not
   * send it again. A receipt we already have is answered PAA_RECEIPT_DUPLICATA, as pagoPA's own station
   * (GPD) answers, which the platform takes as delivered. Other KOs: we could not read it, it was not
   * meant for our station or our enti, or its amounts do not fit our columns. Every fault carries the
   * id of our intermediary.
   */
  async function receivePush(xml: string): Promise<{ response: PaSendRTV2Response; outcome?: ReceiptOutcome }> {
    const faultId = station.brokerId;
    let request;
    try {
      request = parsePaSendRTV2Request(xml);
    } catch (error) {
      if (!(error instanceof ReceiptFormatError)) throw error;
      return { response: stationFault('PAA_SINTASSI_XSD', faultId, error.message) };
    }
    if (request.idBrokerPA !== station.brokerId) {
      return { response: stationFault('PAA_ID_INTERMEDIARIO_ERRATO', faultId, "L'idBrokerPA ricevuto non è quello di questa stazione") };
    }
    if (request.idStation !== station.stationId) {
      return { response: stationFault('PAA_STAZIONE_INT_ERRATA', faultId, "L'idStation ricevuto non è quello di questa stazione") };
    }
    // idPA is the ente the receipt is sent to; its creditor (receipt.fiscalCode) may be another one,
    // as in a payment with several beneficiaries: such a receipt is kept for every amministratore.
    if (!(await enti.byTaxCode(request.idPA))) {
      return { response: stationFault('PAA_ID_DOMINIO_ERRATO', faultId, "L'idPA ricevuto non è un ente servito da questa stazione") };
    }
    const tooLarge = amountBeyondOurColumns(request.receipt);
    if (tooLarge) {
      return { response: stationFault('PAA_SEMANTICA', faultId, `${tooLarge}: importo oltre il massimo gestito (${euroDecimalFromCents(MAX_CENTS)})`) };
    }
    const outcome = await apply(request.receipt, xml, 'push');
    if (outcome.result === 'duplicate') {
      return { response: stationFault('PAA_RECEIPT_DUPLICATA', faultId, 'Ricevuta già acquisita'), outcome };
    }
    return { response: { outcome: 'OK' }, outcome };
  }

  /**
   * The pull: lists the receipts the platform has for each ente since the last pull (with an overlap) and
   * applies those of notices still open, so a push that never arrived is caught within a run. A receipt
   * that cannot be read (the platform's 422, or one our parser refuses) is recorded for the office and
   * skipped; an ente whose pull fails keeps its watermark and is tried again next run, after the others.
   */
  async function pullReceipts(): Promise<PullOutcome[]> {
    const done: PullOutcome[] = [];
    for (const ente of await enti.all()) {
      try {
        const outcome = await pullEnte(ente);
        if (outcome && (outcome.applied || outcome.flagged || outcome.unreadable)) done.push(outcome);
      } catch (error) {
        done.push({ ente: ente.slug, applied: 0, flagged: 0, unreadable: 0, failed: error instanceof Error ? error.message.slice(0, 300) : String(error) });
      }
    }
    return done;
  }

  async function pullEnte(ente: Ente): Promise<PullOutcome | undefined> {
    const hasOpen = await db.selectFrom('payment_notice').select('id').where('ente_id', '=', ente.id).where('position_state', '=', 'published').limit(sql.lit(1)).executeTakeFirst();
    if (!hasOpen) return undefined;
    const now = clock.now();
    const mark = await db.selectFrom('receipt_pull').select('pulled_until').where('ente_id', '=', ente.id).executeTakeFirst();
    const from = new Date(mark ? new Date(mark.pulled_until).getTime() - PULL_OVERLAP_MS : now.getTime() - FIRST_PULL_DAYS * 86_400_000);
    const listed = await pagopa.listReceipts(ente.tax_code, from, now);
    const outcome: PullOutcome = { ente: ente.slug, applied: 0, flagged: 0, unreadable: 0 };
    for (const item of listed) {
      const open = await db
        .selectFrom('payment_notice')
        .select('id')
        .where('ente_id', '=', ente.id)
        .where('iuv', '=', item.iuv)
        .where('state', '=', 'open')
        .executeTakeFirst();
      if (!open) continue;
      const xml = await pagopa.getReceipt(ente.tax_code, item.iuv);
      if (xml === undefined) continue;
      if (typeof xml !== 'string') {
        await recordPullProblem(ente, item.iuv, 'platform_refused', xml.refused, now);
        outcome.unreadable++;
        continue;
      }
      let receipt: PagopaReceipt;
      try {
        receipt = readableReceipt(xml);
      } catch (error) {
        if (!(error instanceof ReceiptFormatError)) throw error;
        await recordPullProblem(ente, item.iuv, 'unreadable', error.message, now);
        outcome.unreadable++;
        continue;
      }
      const applied = await apply(receipt, xml, 'pull');
      if (applied.result === 'applied') outcome.applied++;
      if (applied.result === 'flagged') outcome.flagged++;
    }
    await db
      .insertInto('receipt_pull')
      .values({ ente_id: ente.id, pulled_until: now.toISOString() })
      .onConflict((oc) => oc.column('ente_id').doUpdateSet({ pulled_until: now.toISOString() }))
      .execute();
    return outcome;
  }

  /** Once per receipt and reason: the overlap of the next pull meets it again and adds nothing. */
  async function recordPullProblem(ente: Ente, iuv: string, problem: 'platform_refused' | 'unreadable', detail: string, now: Date) {
    await db
      .insertInto('receipt_pull_problem')
      .values({ ente_id: ente.id, iuv: clean(iuv, 64), problem, detail: clean(detail, 500) || problem, seen_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['ente_id', 'iuv', 'problem']).doNothing())
      .execute();
  }

  /** Receipts the pull could not read, for the office to ask the platform about (newest first). */
  function unreadable(office: OperatorContext) {
    requirePermission(office, 'receipts.read');
    const ente = office.ente;
    return db
      .selectFrom('receipt_pull_problem')
      .select(['id', 'iuv', 'problem', 'detail', 'seen_at as seenAt'])
      .where('ente_id', '=', ente.id)
      .orderBy('id', 'desc')
      .limit(sql.lit(500))
      .execute();
  }

  /**
   * Receipts kept but not applied, for the office to check (newest first): the ente's own, and for an
   * amministratore also those whose creditor is none of our enti (stored without an ente), so that no
   * receipt is kept where no office sees it.
   */
  function flagged(office: OperatorContext) {
    requirePermission(office, 'receipts.read');
    const ente = office.ente;
    return db
      .selectFrom('payment_receipt')
      .select(['id', 'received_at as receivedAt', 'receipt_id as receiptId', 'notice_number as noticeNumber', 'debtor_name as debtorName',
        'debtor_fiscal_code as debtorFiscalCode', 'amount_cents as amountCents', 'psp_name as pspName', 'flag', 'ente_id as enteId',
        'creditor_tax_code as creditorTaxCode'])
      .where((eb) => (office.operator.role === 'amministratore' ? eb.or([eb('ente_id', '=', ente.id), eb('ente_id', 'is', null)]) : eb('ente_id', '=', ente.id)))
      .where('status', '=', sql.lit('flagged'))
      .orderBy('id', 'desc')
      .limit(sql.lit(500))
      .execute();
  }

  return { apply, receivePush, pullReceipts, flagged, unreadable };
}

export interface PullOutcome {
  ente: string;
  applied: number;
  flagged: number;
  /** Receipts recorded for the office as unreadable and skipped. */
  unreadable: number;
  /** Why this ente's pull stopped (the platform unreachable…): its watermark stays, the next run retries. */
  failed?: string;
}

/**
 * A pulled receipt we can apply: it parses, and its amounts are amounts. Anything else is a
 * ReceiptFormatError, so that one bad receipt is set aside instead of stopping the pull.
 */
function readableReceipt(xml: string): PagopaReceipt {
  const receipt = parseReceiptXml(xml);
  try {
    centsFromEuroDecimal(receipt.paymentAmount);
    if (receipt.fee) centsFromEuroDecimal(receipt.fee);
  } catch (error) {
    throw new ReceiptFormatError(`amount: ${(error as Error).message}`);
  }
  return receipt;
}

/** Text from outside kept for the office: no control characters (PostgreSQL refuses NUL), bounded. */
function clean(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);
}

/** Rolls back an attempt whose receipt was already stored. */
class DuplicateReceipt extends Error {}

export type ReceiptService = ReturnType<typeof createReceiptService>;
