import { isCalendarDate } from '../calendar/local-time';

/**
 * A debt split into `count` instalments of whole cents that sum exactly to it: each is the debt divided by
 * the count, rounded down, and the cents left over go one each to the first instalments (decision 0028).
 * Deterministic: the same debt and count give the same amounts, never a sum off by a cent.
 */
export function splitCents(totalCents: number, count: number): number[] {
  if (!Number.isSafeInteger(totalCents) || totalCents <= 0) throw new RangeError('the debt must be a positive whole number of cents');
  if (!Number.isInteger(count) || count < 1) throw new RangeError('at least one instalment');
  if (count > totalCents) throw new RangeError('more instalments than cents');
  const base = Math.floor(totalCents / count);
  const left = totalCents - base * count;
  return Array.from({ length: count }, (_, i) => base + (i < left ? 1 : 0));
}

/** The same day `months` months later; a day the month lacks becomes its last (31 January + 1 → 28/29 February). */
export function addMonthsTo(date: string, months: number): string {
  if (!isCalendarDate(date)) throw new RangeError(`not a date: ${date}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

/** Due dates a month apart from the first. */
export function monthlyDueDates(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addMonthsTo(first, i));
}
