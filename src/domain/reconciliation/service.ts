import { type Kysely, sql } from 'kysely';
import { bulkInsert } from '../../db/bulk';
import { decodeCursor, pageOf } from '../../db/pagination';
import type { DB, Ente, FdrMatch } from '../../db/schema';
import type { PagopaClients } from '../../integrations/pagopa/clients';
import type { FdrClient, FdrFlow, FdrListedFlow, FdrPayment } from '../../integrations/pagopa/fdr';
import { parseReceiptXml, ReceiptFormatError } from '../../integrations/pagopa/receipt-xml';
import { writeChange } from '../audit/audit';
import type { Clock } from '../clock';
import { romeDate } from '../calendar/local-time';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import type { ReceiptService } from '../payments/receipts';

/**
 * Reconciliation with pagoPA's reporting flows (flussi di rendicontazione, FdR; issue 15 point 7,
 * decision 0030). A fetch lists the flows published for the ente since the last one, stores every flow
 * revision not stored yet with its payments — each matched, as it is stored, to our receipts by IUV and
 * transfer — and marks the earlier revisions of a republished flow superseded. A payment without our
 * receipt has its receipt fetched from the platform and applied (the receipts API, as the pull does).
 * What does not match either way is listed for the office: payments without our receipt, amounts that
 * differ, payments reported twice, revoked ones, and our receipts that no flow reported after N days.
 */

/** How far back the first fetch looks: the platform keeps flows about 30 days. */
export const KEPT_DAYS = 30;
/** Each fetch starts a little before the last publication seen, in case of clocks apart. */
const OVERLAP_MS = 60 * 60_000;
/** The PSPs publish a day's flow the next working day: after this many days a receipt should be in one. */
export const DEFAULT_GRACE_DAYS = 3;
export const MAX_GRACE_DAYS = 60;
/** Receipts fetched for unmatched payments in one run, at most. */
const MAX_RECEIPT_FETCHES = 500;
/** Our amounts are integer cents in 32-bit columns. */
const MAX_CENTS = 2_147_483_647;
/** IN lists are cut in parts of this size (SQLite's and PostgreSQL's parameter limits). */
const CHUNK = 900;
/** Flows on a page of the office's list. */
export const FLOWS_PAGE = 25;

const DAY_MS = 86_400_000;

export interface FetchOutcome {
  ente: string;
  listed: number;
  stored: number;
  payments: number;
  receiptsApplied: number;
  failed?: string;
}

interface OurReceipt {
  id: number;
  amountCents: number;
}

/** Our notices carry aux digit 3: the notice number is "3" + IUV. */
const navOf = (iuv: string) => `3${iuv}`;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The state of one payment given our receipts of its IUV and how many of them earlier reports used. */
function matchOf(payment: { payStatus: string; transferIndex: number; amountCents: number }, receipts: OurReceipt[] | undefined, used: number): { match: FdrMatch; receipt: OurReceipt | null } {
  if (payment.payStatus === 'REVOKED') return { match: 'revoked', receipt: null };
  // Our positions have one transfer (idTransfer 1): a report of another transfer is none of our receipts.
  if (!receipts || receipts.length === 0 || payment.transferIndex !== 1) return { match: 'no_receipt', receipt: null };
  if (used >= receipts.length) return { match: 'duplicate', receipt: null };
  const receipt = receipts[used]!;
  return { match: receipt.amountCents === payment.amountCents ? 'matched' : 'amount_differs', receipt };
}

export function createReconciliationService(db: Kysely<DB>, clock: Clock, fdr: FdrClient, pagopa: PagopaClients, receipts: ReceiptService) {
  /** Our OK receipts of these IUVs, oldest first (a notice paid twice has two). */
  async function ourReceipts(trx: Kysely<DB>, ente: Ente, iuvs: readonly string[]): Promise<Map<string, OurReceipt[]>> {
    const byIuv = new Map<string, OurReceipt[]>();
    for (const part of chunks(iuvs.map(navOf))) {
      const rows = await trx
        .selectFrom('payment_receipt')
        .select(['id', 'notice_number', 'amount_cents'])
        .where('ente_id', '=', ente.id)
        .where('outcome', '=', 'OK')
        .where('notice_number', 'in', part)
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const iuv = row.notice_number.slice(1);
        const list = byIuv.get(iuv) ?? [];
        list.push({ id: row.id, amountCents: row.amount_cents });
        byIuv.set(iuv, list);
      }
    }
    return byIuv;
  }

  /** How many receipts of each IUV the current flows' payments have taken (matched or with another amount), but `excluding` ids. */
  async function usedReceipts(trx: Kysely<DB>, ente: Ente, iuvs: readonly string[], excluding: readonly number[] = []): Promise<Map<string, number>> {
    const used = new Map<string, number>();
    for (const part of chunks(iuvs)) {
      let query = trx
        .selectFrom('fdr_payment')
        .innerJoin('fdr_flow', 'fdr_flow.id', 'fdr_payment.flow_id')
        .select(['fdr_payment.iuv', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('fdr_payment.ente_id', '=', ente.id)
        .where('fdr_payment.iuv', 'in', part)
        .where('fdr_flow.superseded_at', 'is', null)
        .where('fdr_payment.match', 'in', ['matched', 'amount_differs'])
        .groupBy('fdr_payment.iuv');
      if (excluding.length) query = query.where('fdr_payment.id', 'not in', excluding);
      for (const row of await query.execute()) used.set(row.iuv, Number(row.n));
    }
    return used;
  }

  /**
   * Stores one flow revision and its payments, matched, in one transaction; 'exists' when it was stored
   * before (by an earlier run or another process: the unique key of the revision decides).
   */
  async function storeFlow(ente: Ente, flow: FdrFlow, payments: FdrPayment[], now: Date): Promise<'stored' | 'exists'> {
    const sum = payments.reduce((total, p) => total + p.amountCents, 0);
    if (Math.abs(sum) > MAX_CENTS || Math.abs(flow.sumCents) > MAX_CENTS) throw new InvalidInputError({ flow: 'amountTooLarge' });
    const indexes = new Set(payments.map((p) => p.index));
    if (indexes.size !== payments.length) throw new InvalidInputError({ flow: 'indexRepeated' });
    try {
      return await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('fdr_flow')
          .values({
            ente_id: ente.id,
            fdr: flow.fdr,
            psp_id: flow.pspId,
            revision: flow.revision,
            psp_name: flow.pspName,
            flow_date: flow.fdrDate,
            published_at: flow.published,
            regulation: flow.regulation,
            regulation_date: flow.regulationDate,
            bic: flow.bicCodePouringBank,
            declared_count: flow.totPayments,
            declared_sum_cents: flow.sumCents,
            payments_count: payments.length,
            payments_sum_cents: sum,
            superseded_at: null,
            fetched_at: now.toISOString(),
          })
          .onConflict((oc) => oc.columns(['ente_id', 'psp_id', 'fdr', 'revision']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) return 'exists' as const;
        // The earlier revisions count no more; a later one already stored makes this one superseded at once.
        await trx
          .updateTable('fdr_flow')
          .set({ superseded_at: now.toISOString() })
          .where('ente_id', '=', ente.id)
          .where('psp_id', '=', flow.pspId)
          .where('fdr', '=', flow.fdr)
          .where('revision', '<', flow.revision)
          .where('superseded_at', 'is', null)
          .execute();
        const later = await trx
          .selectFrom('fdr_flow')
          .select('id')
          .where('ente_id', '=', ente.id)
          .where('psp_id', '=', flow.pspId)
          .where('fdr', '=', flow.fdr)
          .where('revision', '>', flow.revision)
          .executeTakeFirst();
        if (later) await trx.updateTable('fdr_flow').set({ superseded_at: now.toISOString() }).where('id', '=', inserted.id).execute();

        const iuvs = [...new Set(payments.map((p) => p.iuv))];
        const ours = await ourReceipts(trx, ente, iuvs);
        const used = later ? new Map<string, number>() : await usedReceipts(trx, ente, iuvs);
        const sorted = [...payments].sort((a, b) => a.index - b.index);
        const rows = sorted.map((p) => {
          const taken = used.get(p.iuv) ?? 0;
          const { match, receipt } = matchOf({ payStatus: p.payStatus, transferIndex: p.idTransfer, amountCents: p.amountCents }, ours.get(p.iuv), taken);
          if (receipt) used.set(p.iuv, taken + 1);
          return [inserted.id, ente.id, p.index, p.iuv, p.iur, p.idTransfer, p.amountCents, p.payStatus, p.payDate, match, receipt?.id ?? null, null];
        });
        await bulkInsert(
          trx,
          'fdr_payment',
          [
            { name: 'flow_id', pg: 'int4' }, { name: 'ente_id', pg: 'int4' }, { name: 'idx', pg: 'int4' }, { name: 'iuv', pg: 'text' },
            { name: 'iur', pg: 'text' }, { name: 'transfer_index', pg: 'int4' }, { name: 'amount_cents', pg: 'int4' }, { name: 'pay_status', pg: 'text' },
            { name: 'pay_date', pg: 'text' }, { name: 'match', pg: 'text' }, { name: 'receipt_row_id', pg: 'int4' }, { name: 'fetch_note', pg: 'text' },
          ],
          rows,
        );
        return 'stored' as const;
      });
    } catch (error) {
      // Another process stored the same revision between our look and our insert.
      const code = (error as { code?: string }).code ?? '';
      if (['23505', 'SQLITE_CONSTRAINT_UNIQUE'].includes(code)) return 'exists';
      throw error;
    }
  }

  /**
   * Recomputes the payments of current flows that a receipt arrived for, or that were duplicates of a
   * revision now superseded: those without a receipt and the duplicates. Earlier reports keep theirs.
   */
  async function rematch(ente: Ente): Promise<number> {
    const open = await db
      .selectFrom('fdr_payment')
      .innerJoin('fdr_flow', 'fdr_flow.id', 'fdr_payment.flow_id')
      .select(['fdr_payment.id', 'fdr_payment.iuv', 'fdr_payment.transfer_index', 'fdr_payment.amount_cents', 'fdr_payment.pay_status', 'fdr_payment.match'])
      .where('fdr_payment.ente_id', '=', ente.id)
      .where('fdr_flow.superseded_at', 'is', null)
      .where('fdr_payment.match', 'in', ['no_receipt', 'duplicate'])
      .orderBy('fdr_flow.published_at')
      .orderBy('fdr_flow.id')
      .orderBy('fdr_payment.idx')
      .execute();
    if (open.length === 0) return 0;
    const iuvs = [...new Set(open.map((p) => p.iuv))];
    const ours = await ourReceipts(db, ente, iuvs);
    const used = await usedReceipts(db, ente, iuvs);
    let changed = 0;
    for (const p of open) {
      const taken = used.get(p.iuv) ?? 0;
      const { match, receipt } = matchOf({ payStatus: p.pay_status, transferIndex: p.transfer_index, amountCents: p.amount_cents }, ours.get(p.iuv), taken);
      if (receipt) used.set(p.iuv, taken + 1);
      if (match === p.match) continue;
      await db.updateTable('fdr_payment').set({ match, receipt_row_id: receipt?.id ?? null }).where('id', '=', p.id).where('match', '=', p.match).execute();
      changed++;
    }
    return changed;
  }

  /** Payments in current flows without our receipt: their receipt is asked of the platform and applied. */
  async function fetchMissingReceipts(ente: Ente): Promise<number> {
    const missing = await db
      .selectFrom('fdr_payment')
      .innerJoin('fdr_flow', 'fdr_flow.id', 'fdr_payment.flow_id')
      .select('fdr_payment.iuv')
      .distinct()
      .where('fdr_payment.ente_id', '=', ente.id)
      .where('fdr_flow.superseded_at', 'is', null)
      .where('fdr_payment.match', '=', 'no_receipt')
      .where('fdr_payment.transfer_index', '=', 1)
      .orderBy('fdr_payment.iuv')
      .limit(sql.lit(MAX_RECEIPT_FETCHES))
      .execute();
    let applied = 0;
    for (const { iuv } of missing) {
      let note: string | null = null;
      const answer = await pagopa.getReceipt(ente.tax_code, iuv);
      if (answer === undefined) note = 'none';
      else if (typeof answer !== 'string') note = 'refused';
      else {
        try {
          const outcome = await receipts.apply(parseReceiptXml(answer), answer, 'pull');
          if (outcome.result !== 'duplicate') applied++;
        } catch (error) {
          if (!(error instanceof ReceiptFormatError)) throw error;
          note = 'unreadable';
        }
      }
      await db.updateTable('fdr_payment').set({ fetch_note: note }).where('ente_id', '=', ente.id).where('iuv', '=', iuv).where('match', '=', 'no_receipt').execute();
    }
    return applied;
  }

  /** One ente's fetch: the flows published since the last, their payments, the receipts they lack. */
  async function fetchEnte(ente: Ente): Promise<FetchOutcome> {
    const now = clock.now();
    const mark = await db.selectFrom('fdr_fetch').selectAll().where('ente_id', '=', ente.id).executeTakeFirst();
    const publishedAfter = mark ? new Date(Date.parse(mark.published_until) - OVERLAP_MS) : new Date(now.getTime() - KEPT_DAYS * DAY_MS);
    // A flow's date (when the PSP made it) may come well before its publication.
    const flowsAfter = new Date(publishedAfter.getTime() - KEPT_DAYS * DAY_MS);
    const outcome: FetchOutcome = { ente: ente.slug, listed: 0, stored: 0, payments: 0, receiptsApplied: 0 };
    let publishedUntil = mark?.published_until ?? publishedAfter.toISOString();
    try {
      const listed: FdrListedFlow[] = await fdr.listFlows(ente.tax_code, publishedAfter, flowsAfter);
      outcome.listed = listed.length;
      for (const item of listed) {
        const known = await db
          .selectFrom('fdr_flow')
          .select('id')
          .where('ente_id', '=', ente.id)
          .where('psp_id', '=', item.pspId)
          .where('fdr', '=', item.fdr)
          .where('revision', '=', item.revision)
          .executeTakeFirst();
        if (!known) {
          const flow = await fdr.getFlow(ente.tax_code, item);
          if (flow.fdr !== item.fdr || flow.revision !== item.revision || flow.pspId !== item.pspId) throw new InvalidInputError({ flow: 'otherFlow' });
          const payments = await fdr.getPayments(ente.tax_code, item);
          if ((await storeFlow(ente, flow, payments, now)) === 'stored') {
            outcome.stored++;
            outcome.payments += payments.length;
          }
        }
        const published = new Date(item.published).toISOString();
        if (published > publishedUntil) publishedUntil = published;
      }
      outcome.receiptsApplied = await fetchMissingReceipts(ente);
      await rematch(ente);
    } catch (error) {
      outcome.failed = error instanceof InvalidInputError ? `flow refused: ${Object.values(error.problems).join(', ')}` : error instanceof Error ? error.message.slice(0, 300) : String(error);
    }
    const values = {
      ente_id: ente.id,
      first_fetched_at: mark?.first_fetched_at ?? now.toISOString(),
      published_until: outcome.failed ? (mark?.published_until ?? publishedAfter.toISOString()) : publishedUntil,
      last_run_at: now.toISOString(),
      last_error: outcome.failed ?? null,
    };
    await db
      .insertInto('fdr_fetch')
      .values(values)
      .onConflict((oc) => oc.column('ente_id').doUpdateSet({ published_until: values.published_until, last_run_at: values.last_run_at, last_error: values.last_error }))
      .execute();
    return outcome;
  }

  /** The office's button: the same fetch, audited with what it found. */
  async function fetchForOffice(office: OperatorContext): Promise<FetchOutcome> {
    requirePermission(office, 'reconciliation.manage');
    const before = await summaryCounts(office.ente);
    const outcome = await fetchEnte(office.ente);
    const after = await summaryCounts(office.ente);
    await writeChange(db, clock, office, {
      action: 'office.reconciliation.fetch',
      subjectType: 'ente',
      subjectId: office.ente.id,
      before,
      after: { ...after, ...(outcome.failed ? { failed: outcome.failed } : {}) },
    });
    return outcome;
  }

  async function summaryCounts(ente: Ente) {
    const flows = await db.selectFrom('fdr_flow').select((eb) => eb.fn.countAll<number | string>().as('n')).where('ente_id', '=', ente.id).executeTakeFirstOrThrow();
    const payments = await db
      .selectFrom('fdr_payment')
      .select(['match', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('ente_id', '=', ente.id)
      .groupBy('match')
      .execute();
    return { flows: Number(flows.n), ...Object.fromEntries(payments.map((row) => [row.match, Number(row.n)])) };
  }

  /** The ente's flows, newest publication first (current and superseded revisions), with their differences; keyset pages. */
  async function flows(office: OperatorContext, { cursor }: { cursor?: string } = {}) {
    requirePermission(office, 'reconciliation.manage');
    const ente = office.ente;
    const after = decodeCursor(cursor, ['string', 'number'] as const);
    let query = db
      .selectFrom('fdr_flow')
      .select([
        'id', 'fdr', 'psp_id as pspId', 'psp_name as pspName', 'revision', 'published_at as publishedAt', 'regulation', 'regulation_date as regulationDate',
        'declared_count as declaredCount', 'declared_sum_cents as declaredSumCents', 'payments_count as paymentsCount', 'payments_sum_cents as paymentsSumCents',
        'superseded_at as supersededAt',
        (eb) =>
          eb
            .selectFrom('fdr_payment')
            .select((e) => e.fn.countAll<number | string>().as('n'))
            .whereRef('fdr_payment.flow_id', '=', 'fdr_flow.id')
            .where('fdr_payment.match', '<>', 'matched')
            .as('differences'),
      ])
      .where('ente_id', '=', ente.id);
    if (after) {
      const [publishedAt, id] = after;
      query = query.where((eb) => eb.or([eb('published_at', '<', publishedAt), eb.and([eb('published_at', '=', publishedAt), eb('id', '<', id)])]));
    }
    const rows = await query.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(sql.lit(FLOWS_PAGE + 1)).execute();
    const page = pageOf(rows, FLOWS_PAGE, (row) => [row.publishedAt, row.id]);
    const status = await db.selectFrom('fdr_fetch').selectAll().where('ente_id', '=', ente.id).executeTakeFirst();
    return {
      flows: page.rows.map((row) => ({ ...row, differences: Number(row.differences ?? 0), current: row.supersededAt === null })),
      next: page.next,
      lastRun: status ? { at: status.last_run_at, error: status.last_error } : undefined,
    };
  }

  /** One flow revision: its totals and every payment that did not match (the matched ones are counted). */
  async function flow(office: OperatorContext, id: number) {
    requirePermission(office, 'reconciliation.manage');
    const ente = office.ente;
    const row = await db.selectFrom('fdr_flow').selectAll().where('ente_id', '=', ente.id).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('flow');
    const counts = await db
      .selectFrom('fdr_payment')
      .select(['match', (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.sum<number | string>('amount_cents').as('cents')])
      .where('flow_id', '=', row.id)
      .groupBy('match')
      .execute();
    const differences = await paymentRows(ente).where('fdr_payment.flow_id', '=', row.id).where('fdr_payment.match', '<>', 'matched').limit(sql.lit(1000)).execute();
    return {
      flow: row,
      counts: Object.fromEntries(counts.map((c) => [c.match, { count: Number(c.n), cents: Number(c.cents ?? 0) }])) as Partial<Record<FdrMatch, { count: number; cents: number }>>,
      differences,
    };
  }

  function paymentRows(ente: Ente) {
    return db
      .selectFrom('fdr_payment')
      .innerJoin('fdr_flow', 'fdr_flow.id', 'fdr_payment.flow_id')
      .leftJoin('payment_receipt', 'payment_receipt.id', 'fdr_payment.receipt_row_id')
      .select([
        'fdr_payment.id', 'fdr_payment.idx as index', 'fdr_payment.iuv', 'fdr_payment.iur', 'fdr_payment.transfer_index as transferIndex',
        'fdr_payment.amount_cents as amountCents', 'fdr_payment.pay_status as payStatus', 'fdr_payment.pay_date as payDate', 'fdr_payment.match',
        'fdr_payment.fetch_note as fetchNote', 'payment_receipt.amount_cents as receiptCents', 'fdr_flow.id as flowId', 'fdr_flow.fdr', 'fdr_flow.revision',
      ])
      .where('fdr_payment.ente_id', '=', ente.id)
      .orderBy('fdr_flow.published_at', 'desc')
      .orderBy('fdr_payment.idx');
  }

  /**
   * What does not match, both ways: payments of current flows that are not matched, and our receipts
   * paid since reconciliation began (the platform's 30 days before the first fetch) and more than `graceDays`
   * ago that no current flow reported.
   */
  async function differences(office: OperatorContext, graceDays: number) {
    requirePermission(office, 'reconciliation.manage');
    if (!Number.isInteger(graceDays) || graceDays < 1 || graceDays > MAX_GRACE_DAYS) throw new InvalidInputError({ giorni: 'daysInvalid' });
    const ente = office.ente;
    const payments = await paymentRows(ente).where('fdr_flow.superseded_at', 'is', null).where('fdr_payment.match', '<>', 'matched').limit(sql.lit(1000)).execute();
    const status = await db.selectFrom('fdr_fetch').select('first_fetched_at').where('ente_id', '=', ente.id).executeTakeFirst();
    const unreported = status
      ? await db
          .selectFrom('payment_receipt as r')
          .select(['r.id', 'r.notice_number as noticeNumber', 'r.amount_cents as amountCents', 'r.paid_at as paidAt', 'r.psp_name as pspName', 'r.debtor_name as debtorName'])
          .where('r.ente_id', '=', ente.id)
          .where('r.outcome', '=', 'OK')
          .where('r.paid_at', '>=', new Date(Date.parse(status.first_fetched_at) - KEPT_DAYS * DAY_MS).toISOString())
          .where('r.paid_at', '<', new Date(clock.now().getTime() - graceDays * DAY_MS).toISOString())
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('fdr_payment as p')
                  .innerJoin('fdr_flow as f', 'f.id', 'p.flow_id')
                  .select('p.id')
                  .whereRef('p.receipt_row_id', '=', 'r.id')
                  .where('f.superseded_at', 'is', null),
              ),
            ),
          )
          .orderBy('r.paid_at')
          .limit(sql.lit(1000))
          .execute()
      : [];
    return { payments, unreported, started: status !== undefined };
  }

  /** The job: every ente, one after the other; a failing ente is reported and the others go on. */
  async function fetchAll(): Promise<FetchOutcome[]> {
    const out: FetchOutcome[] = [];
    for (const ente of await db.selectFrom('ente').selectAll().orderBy('id').execute()) out.push(await fetchEnte(ente));
    return out;
  }

  let fetchedOn: string | undefined;
  /**
   * The scheduler's daily fetch: the platform keeps a flow about 30 days, so no flow may wait for someone to
   * press the office's button. The first tick of each day in each process; a second process's fetch of the
   * same flows stores nothing twice (unique keys), so no claim is needed.
   */
  async function fetchDaily(): Promise<FetchOutcome[]> {
    const today = romeDate(clock.now());
    if (fetchedOn === today) return [];
    fetchedOn = today;
    return fetchAll();
  }

  return { fetchEnte, fetchAll, fetchDaily, fetchForOffice, flows, flow, differences, rematch };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
