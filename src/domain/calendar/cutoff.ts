import { romeDate, romeInstant } from './local-time';

/**
 * The daily cut-off: until `cutoffTime` (HH:MM, Europe/Rome, per ente) a day's attendance can still be
 * changed by parents; from that minute on it is frozen. The server clock decides.
 */
export function cutoffInstant(date: string, cutoffTime: string): Date {
  return romeInstant(date, cutoffTime);
}

export type ChangeDecision = { open: true } | { open: false; reason: 'past-day' | 'after-cutoff' };

/** May a parent still change (absence, light meal, cancel) the attendance of `date` at instant `now`? */
export function attendanceChange(now: Date, date: string, cutoffTime: string): ChangeDecision {
  if (date < romeDate(now)) return { open: false, reason: 'past-day' };
  if (now.getTime() >= cutoffInstant(date, cutoffTime).getTime()) return { open: false, reason: 'after-cutoff' };
  return { open: true };
}
