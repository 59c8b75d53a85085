import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { addDays, daysBetween, isCalendarDate, romeDate, romeInstant } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';

/** A period of at most a year and a few days: a whole calendar year fits, and nothing larger is read at once. */
export const MAX_PERIOD_DAYS = 370;

export type Grouping = 'giorno' | 'mese';

export interface AccountingQuery {
  from: string;
  to: string;
  grouping: Grouping;
}

/** One row of the accounting summary: what was received on a day (or in a month) for a service and taxonomy. */
export interface AccountingRow {
  /** YYYY-MM-DD or YYYY-MM. */
  period: string;
  serviceName: string | null;
  taxonomyCode: string | null;
  receipts: number;
  amountCents: number;
}

export interface AccountingSummary {
  query: AccountingQuery;
  rows: AccountingRow[];
  totalReceipts: number;
  totalCents: number;
}

/**
 * Receipts in accounting (issue 15, point 8): the money pagoPA's receipts say was paid to the ente, per day or
 * month of payment (Rome's calendar), by service and pagoPA taxonomy (the transfer's category, which is the
 * service's taxonomy code the notice was issued with; decision 0029) — the basis of the municipality's
 * reversali. Every positive receipt counts, applied or kept to resolve: the money reached the treasury
 * either way; the fee is the PSP's and is not counted.
 */
export function createAccountingService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  function check(query: AccountingQuery): void {
    const problems: Record<string, string> = {};
    if (!isCalendarDate(query.from)) problems.dal = 'dateInvalid';
    if (!isCalendarDate(query.to)) problems.al = 'dateInvalid';
    else if (isCalendarDate(query.from) && query.to < query.from) problems.al = 'rangeReversed';
    else if (isCalendarDate(query.from) && daysBetween(query.from, query.to) >= MAX_PERIOD_DAYS) problems.al = 'periodTooLong';
    if (query.grouping !== 'giorno' && query.grouping !== 'mese') problems.per = 'choose';
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
  }

  /** The default: this month to today, by day. */
  function defaultQuery(): AccountingQuery {
    const today = romeDate(clock.now());
    return { from: `${today.slice(0, 7)}-01`, to: today, grouping: 'giorno' };
  }

  async function summary(office: OperatorContext, query: AccountingQuery): Promise<AccountingSummary> {
    requirePermission(office, 'accounting.export');
    check(query);
    // Instants are stored as ISO strings in UTC: Rome's days become a range of them.
    const fromInstant = romeInstant(query.from, '00:00').toISOString();
    const toInstant = romeInstant(addDays(query.to, 1), '00:00').toISOString();
    const receipts = await db
      .selectFrom('payment_receipt as r')
      .leftJoin('payment_notice as n', (join) => join.onRef('n.id', '=', 'r.notice_id').onRef('n.ente_id', '=', 'r.ente_id'))
      .leftJoin('service as s', 's.id', 'n.service_id')
      .select(['r.paid_at as paidAt', 'r.amount_cents as amountCents', 's.name as serviceName', 's.taxonomy_code as taxonomyCode'])
      .where('r.ente_id', '=', office.ente.id)
      .where('r.outcome', '=', 'OK')
      .where('r.paid_at', '>=', fromInstant)
      .where('r.paid_at', '<', toInstant)
      .execute();
    const groups = new Map<string, AccountingRow>();
    let totalCents = 0;
    for (const receipt of receipts) {
      const day = romeDate(new Date(receipt.paidAt!));
      const period = query.grouping === 'giorno' ? day : day.slice(0, 7);
      const key = JSON.stringify([period, receipt.serviceName, receipt.taxonomyCode]);
      const row = groups.get(key) ?? { period, serviceName: receipt.serviceName, taxonomyCode: receipt.taxonomyCode, receipts: 0, amountCents: 0 };
      row.receipts += 1;
      row.amountCents += receipt.amountCents;
      groups.set(key, row);
      totalCents += receipt.amountCents;
    }
    const rows = [...groups.values()].sort(
      (a, b) => a.period.localeCompare(b.period) || (a.serviceName ?? '\uffff').localeCompare(b.serviceName ?? '\uffff') || (a.taxonomyCode ?? '').localeCompare(b.taxonomyCode ?? ''),
    );
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.accounting.view', subjectType: 'ente', subjectId: office.ente.id, requestId: office.requestId });
    return { query, rows, totalReceipts: receipts.length, totalCents };
  }

  return { defaultQuery, summary };
}

export type AccountingService = ReturnType<typeof createAccountingService>;
