import { addDays } from '../calendar/local-time';

/** A billing period is a calendar month, 'YYYY-MM'. */

export function periodOf(date: string): string {
  return date.slice(0, 7);
}

export function firstOfMonth(period: string): string {
  return `${period}-01`;
}

export function nextPeriod(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
}

export function lastOfMonth(period: string): string {
  return addDays(firstOfMonth(nextPeriod(period)), -1);
}

export function isPeriod(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}
