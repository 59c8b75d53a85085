import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { italianHolidays } from '../calendar/holidays';
import { parseWeekdays, serviceDay, type ServiceDay } from '../calendar/service-days';
import * as queries from './queries';

export type PupilDay = ServiceDay | { service: false; reason: 'not-enrolled' };

/**
 * A pupil's canteen calendar for a period: for each day, whether they have a service day (enrolled in the
 * canteen that day, the school serves that weekday, no holiday or closure), and if not, why.
 */
export async function loadPupilCalendar(db: Kysely<DB>, ente: Ente, pupilId: number, from: string, to: string) {
  const enrolments = await queries.canteenEnrolments(db, ente.id, pupilId);
  // A pupil's enrolments are at one school, or at a few over the years: one query per school.
  const schools = [...new Set(enrolments.map((e) => e.schoolId))];
  const closuresOf = new Map(
    await Promise.all(schools.map(async (schoolId) => [schoolId, await queries.closuresOfSchoolBetween(db, ente.id, schoolId, from, to)] as const)),
  );
  const years = new Set([Number(from.slice(0, 4)), Number(to.slice(0, 4))]);
  const holidays = new Map([...years].flatMap((year) => italianHolidays(year)).map((h) => [h.date, h.name]));
  const calendars = new Map(
    enrolments.map((e) => [
      e.id,
      {
        serviceWeekdays: parseWeekdays(e.serviceWeekdays),
        schoolYear: { startsOn: e.yearStartsOn, endsOn: e.yearEndsOn },
        holidays,
        closures: new Map(closuresOf.get(e.schoolId)!.map((c) => [c.date, c.reason])),
      },
    ]),
  );
  return (date: string): PupilDay => {
    const enrolment = enrolments.find((e) => e.startsOn <= date && date <= (e.endsOn ?? e.yearEndsOn));
    if (!enrolment) return { service: false, reason: 'not-enrolled' };
    return serviceDay(date, calendars.get(enrolment.id)!);
  };
}
