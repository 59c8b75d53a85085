import { z } from 'zod';
import { addDays, isCalendarDate, romeInstant } from '../../../domain/calendar/local-time';

/**
 * What the sandbox accepts on its JSON APIs: the platform's contracts (GPD debt positions, Checkout
 * carts) narrowed to what our client sends, with the limits of the receipt it will later issue, so that
 * every position the sandbox stores can be paid with a receipt that passes our own receipt parser.
 */

const TAX_CODE = /^\d{11}$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const cents = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * GPD's date-times are Java LocalDateTimes: ISO without offset, or with a "Z" that is dropped; either way
 * the platform reads them as UTC wall-clock time. An offset such as "+01:00" is a parse error (400).
 */
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z?$/;

/** The instant GPD takes a date-time for, or undefined when it could not parse it. */
export function gpdInstant(value: string): Date | undefined {
  const match = LOCAL_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, date, hours, minutes, seconds = '00', fraction = '0'] = match;
  const instant = new Date(`${date}T${hours}:${minutes}:${seconds}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  return Number.isNaN(instant.getTime()) || instant.toISOString().slice(0, 10) !== date ? undefined : instant;
}

const localDateTime = z.string().refine((value) => gpdInstant(value) !== undefined, 'data e ora non leggibili (yyyy-MM-ddTHH:mm:ss)');

/**
 * A transfer: GPD requires amount, category, idTransfer and remittanceInformation; the money goes to an
 * IBAN or is a digital stamp. The sandbox issues receipts only for IBAN transfers, so it refuses stamps
 * with a clear detail rather than a receipt that would not be real.
 */
const transferSchema = z
  .object({
    idTransfer: z.string().regex(/^[1-5]$/),
    amount: cents,
    organizationFiscalCode: z.string().optional(),
    remittanceInformation: z.string().max(140),
    category: z.string(),
    iban: z.string().regex(/^[A-Za-z0-9]{1,35}$/, 'IBAN non valido').optional(),
    postalIban: z.string().regex(/^$|^[A-Za-z0-9]{1,35}$/).optional(),
    stamp: z.unknown().optional(),
    companyName: z.string().max(140).optional(),
  })
  .superRefine((transfer, ctx) => {
    if (transfer.stamp !== undefined) ctx.addIssue({ code: 'custom', path: ['stamp'], message: 'marca da bollo digitale non gestita dalla sandbox' });
    else if (!transfer.iban) ctx.addIssue({ code: 'custom', path: ['iban'], message: 'iban o stamp obbligatorio' });
    else if (!IBAN.test(transfer.iban)) ctx.addIssue({ code: 'custom', path: ['iban'], message: 'IBAN non valido' });
  });

/** GPD's PaymentOptionModel: `nav` is optional (GPD makes it "3" + iuv), as are the dates but `dueDate`. */
const paymentOptionSchema = z
  .object({
    iuv: z.string().regex(/^\d{17}$/, 'iuv: 17 cifre'),
    nav: z.string().regex(/^\d{18}$/, 'nav: 18 cifre').optional(),
    amount: cents,
    description: z.string().max(140),
    isPartialPayment: z.boolean(),
    dueDate: localDateTime,
    retentionDate: localDateTime.optional(),
    validityDate: localDateTime.optional(),
    transfer: z.array(transferSchema).min(1),
  })
  .superRefine((option, ctx) => {
    if (option.nav !== undefined && option.nav !== `3${option.iuv}`) ctx.addIssue({ code: 'custom', path: ['nav'], message: "nav deve essere '3' seguito dallo iuv" });
    if (option.isPartialPayment) ctx.addIssue({ code: 'custom', path: ['isPartialPayment'], message: 'pagamenti rateali non gestiti dalla sandbox' });
    const ids = new Set(option.transfer.map((transfer) => transfer.idTransfer));
    if (ids.size !== option.transfer.length) ctx.addIssue({ code: 'custom', path: ['transfer'], message: 'idTransfer ripetuto' });
  })
  .transform((option) => ({ ...option, nav: option.nav ?? `3${option.iuv}` }));

/** GPD's PaymentPositionModel: what it requires, and the optional fields it knows. */
export const debtPositionSchema = z.object({
  iupd: text(50),
  type: z.enum(['F', 'G']),
  payStandIn: z.boolean().optional(),
  fiscalCode: z.string().regex(/^[A-Z0-9]{11,16}$/i, 'codice fiscale del debitore non valido'),
  fullName: text(70),
  streetName: z.string().optional(),
  civicNumber: z.string().optional(),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  province: z.string().optional(),
  region: z.string().optional(),
  country: z.string().regex(/^[A-Z]{2}$/).optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  switchToExpired: z.boolean(),
  companyName: z.string().max(140),
  officeName: z.string().max(140).optional(),
  validityDate: localDateTime.optional(),
  // The sandbox keeps one notice per position, which is all our client sends.
  paymentOption: z.array(paymentOptionSchema).length(1),
});

/** Java's "yyyy-MM-dd hh:mm:ss" (hh: the hour of a 12-hour clock), as GPD's messages print dates. */
function gpdPrinted(instant: Date): string {
  const iso = instant.toISOString();
  const hour = instant.getUTCHours() % 12 || 12;
  return `${iso.slice(0, 10)} ${String(hour).padStart(2, '0')}:${iso.slice(14, 19)}`;
}

/**
 * GPD's checks of a new position after its schema (DebtPositionValidation, CREATE): dates and amounts.
 * Returns the detail of its 400 ("Error in the debt position request data"), or undefined when valid.
 */
export function gpdCreateRefusal(position: SandboxDebtPosition, now: Date): string | undefined {
  for (const option of position.paymentOption) {
    const validity = option.validityDate === undefined ? undefined : gpdInstant(option.validityDate)!;
    const due = gpdInstant(option.dueDate)!;
    if (validity && validity.getTime() <= now.getTime()) {
      return `Dates congruence error: validity_date must be >= current_date [validity_date=${gpdPrinted(validity)}; current_date=${gpdPrinted(now)}] `;
    }
    if (due.getTime() < (validity ?? now).getTime() || due.getTime() < now.getTime()) {
      return (
        'Dates congruence error: due_date must be >= validity_date (if provided) or due_date must be >= current_date ' +
        `[due_date=${gpdPrinted(due)}; validity_date=${validity ? gpdPrinted(validity) : null}; current_date=${gpdPrinted(now)}]`
      );
    }
    const retention = option.retentionDate === undefined ? undefined : gpdInstant(option.retentionDate)!;
    if (retention && retention.getTime() < due.getTime()) {
      return `Dates congruence error: retention_date must be >= due_date [retention_date=${gpdPrinted(retention)}; due_date=${gpdPrinted(due)}] `;
    }
    const total = option.transfer.reduce((sum, transfer) => sum + transfer.amount, 0);
    if (total !== option.amount) {
      return `Amounts congruence error: payment option amount must coincide with the total of the transfers amount [payment_option_amount(in cent)=${option.amount}; total_tranfers_amount(in cent)=${total}]`;
    }
  }
  return undefined;
}

export type SandboxDebtPosition = z.infer<typeof debtPositionSchema>;

export const MAX_CART_NOTICES = 5;

const returnUrl = z.url({ protocol: /^https?$/ });

/** Checkout's CartRequestV2 (checkout_v2.json): at most five notices, and all four return URLs. */
export const cartRequestSchema = z.object({
  paymentNotices: z
    .array(
      z.object({
        noticeNumber: z.string().regex(/^\d{18}$/),
        fiscalCode: z.string().regex(TAX_CODE),
        amount: cents,
        companyName: z.string().max(140),
        description: z.string().max(140),
      }),
    )
    .min(1)
    .max(MAX_CART_NOTICES),
  returnUrls: z.object({
    returnOkUrl: returnUrl,
    returnCancelUrl: returnUrl,
    returnErrorUrl: returnUrl,
    returnWaitingUrl: returnUrl,
  }),
  emailNotice: z.email().optional(),
  idCart: z.string().max(1000).optional(),
  allCCP: z.boolean().optional(),
});

export type SandboxCartRequest = z.infer<typeof cartRequestSchema>;

export const creditorTaxCodeSchema = z.string().regex(TAX_CODE);

/** The receipts API's list query (pagopa-gpd-payments): pages of at most 100, 20 by default. */
export const receiptsQuerySchema = z.object({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  pageNum: z.coerce.number().int().min(0).max(1_000_000).default(0),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  debtor: z.string().max(100).optional(),
  service: z.string().max(100).optional(),
  debtorOrIuv: z.string().max(100).optional(),
});

/** How far back the list looks when neither bound is given, or after `from` / before `to` when only one is. */
const RECEIPTS_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * `from` and `to` as the receipts API reads them: yyyy-MM-dd or yyyy-MM-dd'T'HH:mm:ss, Rome's wall clock
 * without offset; a day alone is its start for `from` and its end for `to`. Returns UTC instants (ISO),
 * `to` exclusive, or the detail of a 400.
 */
export function receiptsRange(from: string | undefined, to: string | undefined, now: Date): { from: string; to: string } | string {
  const read = (value: string, end: boolean): Date | undefined => {
    const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/.exec(value);
    if (!match || !isCalendarDate(match[1]!)) return undefined;
    const [, day, hours, minutes, seconds] = match;
    if (hours === undefined) return romeInstant(end ? addDays(day!, 1) : day!, '00:00');
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    return new Date(romeInstant(day!, `${hours}:${minutes}`).getTime() + Number(seconds) * 1000 + (end ? 1000 : 0));
  };
  const start = from === undefined ? undefined : read(from, false);
  const end = to === undefined ? undefined : read(to, true);
  if ((from !== undefined && !start) || (to !== undefined && !end)) return "from, to: yyyy-MM-dd or yyyy-MM-dd'T'HH:mm:ss";
  const lower = start ?? new Date((end ?? now).getTime() - RECEIPTS_WINDOW_DAYS * DAY_MS);
  const upper = end ?? new Date(start ? start.getTime() + RECEIPTS_WINDOW_DAYS * DAY_MS : now.getTime() + 1000);
  if (lower.getTime() >= upper.getTime()) return 'invalid date range: from must come before to';
  return { from: lower.toISOString(), to: upper.toISOString() };
}

/** Zod's issues in one line for a ProblemJson detail: field paths and messages, never the values sent. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 1000);
}
