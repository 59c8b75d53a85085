import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { italianHolidays } from '../calendar/holidays';
import { addDays } from '../calendar/local-time';
import { parseWeekdays, serviceDay, type ServiceDay } from '../calendar/service-days';
import * as queries from './queries';

/** A service day names the level of the day's school: it chooses the day's menu. */
export type PupilDay = { service: true; schoolLevel: string } | Exclude<ServiceDay, { service: true }> | { service: false; reason: 'not-enrolled' };

/**
 * A pupil's canteen calendar for a period: for each day, whether they have a service day (enrolled in the
 * canteen that day, the school in force that day serves that weekday, no holiday or closure), and if not,
 * why. The school is the enrolment's term's of the day, as the freeze books it (decision 0018): after an
 * office change from a later day the days before keep the former school's weekdays, closures and level
 * (the menu: a pupil moved from infanzia to primaria eats primaria's menu from the day of the move).
 */
export async function loadPupilCalendar(db: Kysely<DB>, ente: Ente, pupilId: number, from: string, to: string) {
  const enrolments = (await queries.canteenEnrolments(db, ente.id, pupilId)).map((e) => ({
    startsOn: e.startsOn,
    lastDay: e.endsOn ?? e.yearEndsOn,
    schoolYear: { startsOn: e.yearStartsOn, endsOn: e.yearEndsOn },
    row: { schoolId: e.schoolId, serviceWeekdays: parseWeekdays(e.serviceWeekdays), level: e.schoolLevel },
    terms: (e.terms?.split('|') ?? []).map((term) => {
      const [validFrom, schoolId, weekdays, level] = term.split(':') as [string, string, string, string];
      return { validFrom, schoolId: Number(schoolId), serviceWeekdays: parseWeekdays(weekdays), level };
    }),
  }));
  type Enrolment = (typeof enrolments)[number];
  const enrolmentOn = (date: string) => enrolments.find((e) => e.startsOn <= date && date <= e.lastDay);
  // The term with the latest start on or before the day; the row's values before any term.
  const schoolOn = (enrolment: Enrolment, date: string) => enrolment.terms.findLast((t) => t.validFrom <= date) ?? enrolment.row;

  // A pupil's days are at one school, or two around a move: one query per school of the period.
  const schools = new Set<number>();
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const enrolment = enrolmentOn(date);
    if (enrolment) schools.add(schoolOn(enrolment, date).schoolId);
  }
  const closuresOf = new Map(
    await Promise.all(
      [...schools].map(async (schoolId) => {
        const closures = await queries.closuresOfSchoolBetween(db, ente.id, schoolId, from, to);
        return [schoolId, new Map(closures.map((c) => [c.date, c.reason]))] as const;
      }),
    ),
  );
  const years = new Set([Number(from.slice(0, 4)), Number(to.slice(0, 4))]);
  const holidays = new Map([...years].flatMap((year) => italianHolidays(year)).map((h) => [h.date, h.name]));
  return (date: string): PupilDay => {
    const enrolment = enrolmentOn(date);
    if (!enrolment) return { service: false, reason: 'not-enrolled' };
    const school = schoolOn(enrolment, date);
    const day = serviceDay(date, {
      serviceWeekdays: school.serviceWeekdays,
      schoolYear: enrolment.schoolYear,
      holidays,
      // A day outside the period asked for was not looked up: no closure known for it.
      closures: closuresOf.get(school.schoolId) ?? new Map(),
    });
    return day.service ? { service: true, schoolLevel: school.level } : day;
  };
}
