import { addDays } from './local-time';

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export interface Holiday {
  date: string;
  name: string;
}

/**
 * Italy's national public holidays of a year (L. 260/1949 and later changes), computed, never typed in.
 * The patron saint of each comune is a local closure of its ente, not a national holiday.
 */
export function italianHolidays(year: number): Holiday[] {
  const fixed: [string, string][] = [
    ['01-01', 'Capodanno'],
    ['01-06', 'Epifania'],
    ['04-25', 'Festa della Liberazione'],
    ['05-01', 'Festa del Lavoro'],
    ['06-02', 'Festa della Repubblica'],
    ['08-15', 'Assunzione (Ferragosto)'],
    ['11-01', 'Ognissanti'],
    ['12-08', 'Immacolata Concezione'],
    ['12-25', 'Natale'],
    ['12-26', 'Santo Stefano'],
  ];
  // San Francesco d'Assisi, patron of Italy: a national holiday again from 2026 (law of October 2025).
  if (year >= 2026) fixed.push(['10-04', 'San Francesco d’Assisi']);
  const holidays = fixed.map(([monthDay, name]) => ({ date: `${year}-${monthDay}`, name }));
  const easter = easterSunday(year);
  holidays.push({ date: easter, name: 'Pasqua' }, { date: addDays(easter, 1), name: 'Lunedì dell’Angelo' });
  return holidays.sort((x, y) => x.date.localeCompare(y.date));
}
