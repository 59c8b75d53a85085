import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attendanceChange, cutoffInstant } from '../../src/domain/calendar/cutoff';
import { easterSunday, italianHolidays } from '../../src/domain/calendar/holidays';
import { addDays, daysBetween, isCalendarDate, isoWeekday, romeDate, romeInstant } from '../../src/domain/calendar/local-time';
import { parseWeekdays, serviceDay, type SchoolCalendar } from '../../src/domain/calendar/service-days';

describe('Easter and Italian holidays', () => {
  it('computes Easter Sunday for known years', () => {
    // Published dates, independent of the algorithm.
    const known: Record<number, string> = {
      2000: '2000-04-23', 2008: '2008-03-23', 2011: '2011-04-24', 2019: '2019-04-21', 2024: '2024-03-31',
      2025: '2025-04-20', 2026: '2026-04-05', 2027: '2027-03-28', 2028: '2028-04-16', 2038: '2038-04-25',
    };
    for (const [year, date] of Object.entries(known)) assert.equal(easterSunday(Number(year)), date, year);
  });

  it('lists the national holidays with Easter Monday computed', () => {
    const h2027 = new Map(italianHolidays(2027).map((h) => [h.date, h.name]));
    assert.equal(h2027.get('2027-03-29'), 'Lunedì dell’Angelo');
    assert.equal(h2027.get('2027-04-25'), 'Festa della Liberazione');
    assert.equal(h2027.get('2027-06-02'), 'Festa della Repubblica');
    assert.equal(h2027.get('2027-12-08'), 'Immacolata Concezione');
    assert.equal(h2027.size, 13, 'ten fixed days, San Francesco, Easter and Easter Monday');
    assert.equal(new Map(italianHolidays(2026).map((h) => [h.date, h.name])).get('2026-04-06'), 'Lunedì dell’Angelo');
    assert.equal(italianHolidays(2025).some((h) => h.date === '2025-10-04'), false, 'San Francesco only from 2026');
  });
});

describe('service days', () => {
  const calendar = (overrides: Partial<SchoolCalendar> = {}): SchoolCalendar => ({
    serviceWeekdays: [1, 2, 3, 4, 5],
    schoolYear: { startsOn: '2026-09-14', endsOn: '2027-06-10' },
    holidays: new Map([...italianHolidays(2026), ...italianHolidays(2027)].map((h) => [h.date, h.name])),
    closures: new Map([['2026-11-02', 'Commemorazione dei defunti — chiusura comunale']]),
    ...overrides,
  });

  it('serves on an ordinary weekday of the school year', () => {
    assert.deepEqual(serviceDay('2026-11-26', calendar()), { service: true });
  });

  it('does not serve at weekends or on weekdays the school does not serve', () => {
    assert.deepEqual(serviceDay('2026-11-28', calendar()), { service: false, reason: 'not-a-service-weekday' });
    assert.deepEqual(serviceDay('2026-11-29', calendar()), { service: false, reason: 'not-a-service-weekday' });
    const mondaysAndWednesdays = calendar({ serviceWeekdays: parseWeekdays('1,3') });
    assert.deepEqual(serviceDay('2026-11-25', mondaysAndWednesdays), { service: true });
    assert.equal(serviceDay('2026-11-26', mondaysAndWednesdays).service, false);
  });

  it('does not serve on holidays (Easter Monday included) or closures, and says why', () => {
    assert.deepEqual(serviceDay('2027-03-29', calendar()), { service: false, reason: 'holiday', note: 'Lunedì dell’Angelo' });
    assert.deepEqual(serviceDay('2026-12-08', calendar()), { service: false, reason: 'holiday', note: 'Immacolata Concezione' });
    assert.deepEqual(serviceDay('2026-11-02', calendar()), {
      service: false,
      reason: 'closure',
      note: 'Commemorazione dei defunti — chiusura comunale',
    });
  });

  it('does not serve outside the school year', () => {
    assert.deepEqual(serviceDay('2026-09-11', calendar()), { service: false, reason: 'outside-school-year' });
    assert.deepEqual(serviceDay('2027-06-11', calendar()), { service: false, reason: 'outside-school-year' });
    assert.deepEqual(serviceDay('2027-06-10', calendar()), { service: true });
  });
});

describe('days and times in Europe/Rome', () => {
  it('knows the local day of an instant around midnight', () => {
    assert.equal(romeDate(new Date('2026-11-25T23:30:00Z')), '2026-11-26', 'winter: UTC+1');
    assert.equal(romeDate(new Date('2026-07-01T22:30:00Z')), '2026-07-02', 'summer: UTC+2');
    assert.equal(romeDate(new Date('2026-07-01T21:59:59Z')), '2026-07-01');
  });

  it('converts local times to instants across daylight saving', () => {
    assert.equal(romeInstant('2026-11-26', '09:30').toISOString(), '2026-11-26T08:30:00.000Z');
    assert.equal(romeInstant('2026-06-15', '09:30').toISOString(), '2026-06-15T07:30:00.000Z');
    assert.equal(romeInstant('2027-03-28', '09:30').toISOString(), '2027-03-28T07:30:00.000Z', 'after the spring change');
    assert.equal(romeInstant('2026-10-25', '09:30').toISOString(), '2026-10-25T08:30:00.000Z', 'after the autumn change');
  });

  it('does day arithmetic and validation on plain dates', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2027-03-28', 1), '2027-03-29');
    assert.equal(isoWeekday('2026-11-26'), 4);
    assert.equal(isoWeekday('2026-11-29'), 7);
    assert.equal(isCalendarDate('2026-02-28'), true);
    assert.equal(isCalendarDate('2026-02-29'), false);
    assert.equal(isCalendarDate('2026-2-3'), false);
    assert.equal(isCalendarDate('oggi'), false);
    assert.equal(daysBetween('2026-09-14', '2026-11-26'), 73);
    assert.equal(daysBetween('2027-03-29', '2027-03-28'), -1);
  });

  it('agrees with JavaScript dates on every day from 1969 to 2100, across leap years', () => {
    const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
    const dayMs = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 47_500 }), fc.integer({ min: -800, max: 800 }), (dayNumber, shift) => {
        const date = iso(dayNumber * dayMs);
        assert.equal(addDays(date, shift), iso((dayNumber + shift) * dayMs));
        assert.equal(daysBetween(date, addDays(date, shift)), shift);
        const weekday = new Date(dayNumber * dayMs).getUTCDay();
        assert.equal(isoWeekday(date), weekday === 0 ? 7 : weekday);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the daily cut-off', () => {
  const at = (iso: string) => new Date(iso);

  it('accepts changes for today until 09:29:59 and refuses them from 09:30:00 (Rome, winter)', () => {
    assert.deepEqual(attendanceChange(at('2026-11-26T08:29:59Z'), '2026-11-26', '09:30'), { open: true });
    assert.deepEqual(attendanceChange(at('2026-11-26T08:30:00Z'), '2026-11-26', '09:30'), { open: false, reason: 'after-cutoff' });
  });

  it('keeps 09:30 local time on the last Sunday of March and of October', () => {
    // 28 March 2027: clocks go from 02:00 to 03:00, Rome is UTC+2 by 09:30.
    assert.deepEqual(attendanceChange(at('2027-03-28T07:29:59Z'), '2027-03-28', '09:30'), { open: true });
    assert.equal(attendanceChange(at('2027-03-28T07:30:00Z'), '2027-03-28', '09:30').open, false);
    // 29 March 2026 likewise.
    assert.equal(attendanceChange(at('2026-03-29T07:29:59Z'), '2026-03-29', '09:30').open, true);
    assert.equal(attendanceChange(at('2026-03-29T07:30:00Z'), '2026-03-29', '09:30').open, false);
    // 25 October 2026: clocks go from 03:00 back to 02:00, Rome is UTC+1 by 09:30.
    assert.deepEqual(attendanceChange(at('2026-10-25T08:29:59Z'), '2026-10-25', '09:30'), { open: true });
    assert.equal(attendanceChange(at('2026-10-25T08:30:00Z'), '2026-10-25', '09:30').open, false);
  });

  it('follows a per-ente cut-off of 09:00', () => {
    assert.equal(attendanceChange(at('2026-11-26T07:59:59Z'), '2026-11-26', '09:00').open, true);
    assert.equal(attendanceChange(at('2026-11-26T08:00:00Z'), '2026-11-26', '09:00').open, false);
    assert.equal(cutoffInstant('2026-06-15', '09:00').toISOString(), '2026-06-15T07:00:00.000Z');
  });

  it('always refuses past days and accepts future ones', () => {
    assert.deepEqual(attendanceChange(at('2026-11-26T06:00:00Z'), '2026-11-25', '09:30'), { open: false, reason: 'past-day' });
    assert.deepEqual(attendanceChange(at('2026-11-26T20:00:00Z'), '2026-11-27', '09:30'), { open: true });
    // 23:30 UTC on the 26th is already the 27th in Rome: the 26th is past.
    assert.deepEqual(attendanceChange(at('2026-11-26T23:30:00Z'), '2026-11-26', '09:30'), { open: false, reason: 'past-day' });
  });
});

describe('menu rotation', () => {
  it('counts weeks from the rotation start and wraps around', async () => {
    const { rotationWeek } = await import('../../src/domain/canteen/menus');
    assert.equal(rotationWeek('2026-09-14', 4, '2026-09-14'), 1);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-09-18'), 1);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-09-21'), 2);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-10-09'), 4);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-10-12'), 1);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-11-26'), 3);
    assert.equal(rotationWeek('2026-09-14', 4, '2026-09-07'), 4, 'before the start, counting backwards');
  });
});

describe('romeDate agrees with Intl at any instant', () => {
  it('across daylight-saving changes, midnights and years (property)', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (ms) => {
        const instant = new Date(ms);
        assert.equal(romeDate(instant), intl.format(instant));
      }),
      { numRuns: 2000 },
    );
    // The seconds around the changes of 2026 (29 March, 25 October, at 01:00 UTC).
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)]) {
      for (let ms = change - 2 * 3_600_000; ms <= change + 2 * 3_600_000; ms += 599_999) {
        assert.equal(romeDate(new Date(ms)), intl.format(new Date(ms)));
      }
    }
  });
});
