import { isoWeekday } from './local-time';

/** What decides whether a school serves meals on a day. */
export interface SchoolCalendar {
  /** ISO weekdays the school's canteen serves (1 = Monday). */
  serviceWeekdays: readonly number[];
  schoolYear: { startsOn: string; endsOn: string };
  /** National holidays by date, with their names. */
  holidays: ReadonlyMap<string, string>;
  /** Closures of the whole ente or of this school (holidays, strikes, elections), by date, with the reason. */
  closures: ReadonlyMap<string, string>;
}

export type ServiceDay =
  | { service: true }
  | { service: false; reason: 'outside-school-year' | 'not-a-service-weekday' | 'holiday' | 'closure'; note?: string };

/** Whether the school serves on `date`, and if not, why (shown to parents on the canteen page). */
export function serviceDay(date: string, calendar: SchoolCalendar): ServiceDay {
  if (date < calendar.schoolYear.startsOn || date > calendar.schoolYear.endsOn) {
    return { service: false, reason: 'outside-school-year' };
  }
  if (!calendar.serviceWeekdays.includes(isoWeekday(date))) return { service: false, reason: 'not-a-service-weekday' };
  const holiday = calendar.holidays.get(date);
  if (holiday) return { service: false, reason: 'holiday', note: holiday };
  const closure = calendar.closures.get(date);
  if (closure) return { service: false, reason: 'closure', note: closure };
  return { service: true };
}

/** Service weekdays are stored as '1,2,3,4,5'. */
export function parseWeekdays(stored: string): number[] {
  return stored
    .split(',')
    .map((part) => Number(part.trim()))
    .filter((day) => Number.isInteger(day) && day >= 1 && day <= 7);
}
