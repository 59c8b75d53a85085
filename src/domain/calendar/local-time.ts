/**
 * Calendar days and times of day in Europe/Rome, the clock of every Italian school, without a time-zone
 * library: Intl knows the offsets, including the daylight-saving changes.
 */

export const ROME = 'Europe/Rome';

const romeParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: ROME,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function intlPartsOf(instant: Date): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of romeParts.formatToParts(instant)) if (part.type !== 'literal') out[part.type] = Number(part.value);
  return out;
}

const HOUR_MS = 3_600_000;
/** Rome's offset by UTC hour: offsets change only on the hour (01:00 UTC), so an hour has one offset. */
const offsetByHour = new Map<number, number>();
const OFFSET_CACHE_SIZE = 50_000;

function offsetMsAt(instant: Date): number {
  const hour = Math.floor(instant.getTime() / HOUR_MS);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const start = new Date(hour * HOUR_MS);
    const p = intlPartsOf(start);
    offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - start.getTime();
    if (offsetByHour.size >= OFFSET_CACHE_SIZE) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/**
 * The wall-clock fields of Rome at that instant. Intl's formatToParts is slow (tens of microseconds), and
 * receipts, charges and pages ask for thousands of instants: Intl gives each hour's offset once.
 */
function partsOf(instant: Date): Record<string, number> {
  const local = new Date(instant.getTime() + offsetMsAt(instant));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/**
 * Rome's wall clock at that instant without offset ("2026-11-26T10:15:30"), as pagoPA writes and reads
 * date-times: the receipts' xsd stISODateTime, the receipts API's `from` and `to`.
 */
export function romeDateTime(instant: Date): string {
  const p = partsOf(instant);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month!)}-${two(p.day!)}T${two(p.hour!)}:${two(p.minute!)}:${two(p.second!)}`;
}

/** The calendar day (YYYY-MM-DD) it is in Rome at that instant. */
export function romeDate(instant: Date): string {
  const p = partsOf(instant);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Offset of Rome from UTC at that instant, in minutes (60 in winter, 120 in summer). */
function romeOffsetMinutes(instant: Date): number {
  const p = partsOf(instant);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant at which Rome's clocks show `time` (HH:MM) on `date`. School cut-off times (08:30–09:30)
 * never fall in the hour that daylight saving skips or repeats (02:00–03:00), so the answer is unique.
 */
export function romeInstant(date: string, time: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the naive guess is right except within an hour of a change; a second pass settles it.
  let instant = new Date(naive - romeOffsetMinutes(new Date(naive)) * 60_000);
  instant = new Date(naive - romeOffsetMinutes(instant) * 60_000);
  return instant;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' day (read by position: the calendar pages call this per day). */
function epochDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Days are plain 'YYYY-MM-DD' strings; arithmetic is on whole UTC days, which have no daylight saving. */
export function addDays(date: string, days: number): string {
  const t = new Date((epochDay(date) + days) * DAY_MS);
  return `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}`;
}

/** Whole days from `from` to `to` (negative when `to` comes first). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(date: string): number {
  return ((((epochDay(date) + 3) % 7) + 7) % 7) + 1;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day written as YYYY-MM-DD (no 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const t = new Date(`${value}T12:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === value;
}
