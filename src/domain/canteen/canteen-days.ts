import type { Kysely } from 'kysely';
import type { AttendanceStatus, DB } from '../../db/schema';
import { addDays, isCalendarDate, romeDate } from '../calendar/local-time';
import type { AuditTrail } from '../audit/audit';
import type { Clock } from '../clock';
import { InvalidInputError } from '../errors';
import { type AuthorizedPupil, requireAuthorizedPupil, viewAction } from '../registry/authorized-pupil';
import { dietOfDay } from '../diets/queries';
import { type DayMenu, menusForPeriod } from './menus';
import { loadPupilCalendar, type PupilDay } from './pupil-calendar';
import { dietsOfPupilBetween, pupilDaysBetween } from './queries';

/** The canteen page shows at most a school year at a time. */
const MAX_PERIOD_DAYS = 366;

export type PeriodField = 'from' | 'to';

/** Refezione scolastica: one pupil, one period, one row per day. */
export function createCanteenDaysService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  /** The current month in Rome: the page's default period. */
  function currentMonth(): { from: string; to: string } {
    const today = romeDate(clock.now());
    const from = `${today.slice(0, 8)}01`;
    const to = addDays(`${addDays(from, 32).slice(0, 8)}01`, -1);
    return { from, to };
  }

  /** For a pupil already resolved by the registry's selectPupil (the gate to a pupil's data). */
  async function days(handle: AuthorizedPupil, from: string, to: string) {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    const pupilId = pupil.id;
    const problems: Partial<Record<PeriodField, string>> = {};
    if (!isCalendarDate(from)) problems.from = 'dateInvalid';
    if (!isCalendarDate(to)) problems.to = 'dateInvalid';
    else if (isCalendarDate(from) && to < from) problems.to = 'rangeReversed';
    else if (isCalendarDate(from) && addDays(from, MAX_PERIOD_DAYS - 1) < to) problems.to = 'periodTooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);

    const [diets, dayOf, days] = await Promise.all([
      dietsOfPupilBetween(db, pupilId, from, to),
      loadPupilCalendar(db, ente, pupilId, from, to),
      pupilDaysBetween(db, pupilId, from, to),
    ]);
    // Each day's menu is the one of the day's school level (decision 0018) and of the diet approved for
    // that day (decision 0024): one menu per level and diet of the period, almost always one level.
    const calendar: { date: string; day: PupilDay; menuKey?: string }[] = [];
    const menuNeeds = new Map<string, { level: string; dietCode: string | null }>();
    for (let date = from; date <= to; date = addDays(date, 1)) {
      const day = dayOf(date);
      if (!day.service) {
        calendar.push({ date, day });
        continue;
      }
      const dietCode = dietOfDay(diets, date);
      const menuKey = `${day.schoolLevel}|${dietCode ?? ''}`;
      menuNeeds.set(menuKey, { level: day.schoolLevel, dietCode });
      calendar.push({ date, day, menuKey });
    }
    const menus = new Map(await Promise.all([...menuNeeds].map(async ([key, need]) => [key, await menusForPeriod(db, ente, need.level, need.dietCode, from, to)] as const)));
    const chargeBy = new Map<string, { amountCents: number; reversed: boolean }>();
    const frozenBy = new Map<string, { status: AttendanceStatus; source: string }>();
    const changeBy = new Map<string, { status: AttendanceStatus; source: string }>();
    for (const row of days) {
      if (row.row === 'm') chargeBy.set(row.date, { amountCents: row.amountCents!, reversed: row.reversedBy !== null });
      else (row.row === 'a' ? frozenBy : changeBy).set(row.date, { status: row.status!, source: row.source! });
    }
    const rows: {
      date: string;
      day: PupilDay;
      state?: { status: 'present' | 'absent' | 'light_meal'; source: string; final: boolean };
      menu?: DayMenu | undefined;
      charge?: { amountCents: number; reversed: boolean };
    }[] = [];
    for (const { date, day, menuKey } of calendar) {
      if (menuKey === undefined) {
        rows.push({ date, day });
        continue;
      }
      const final = frozenBy.get(date);
      const change = changeBy.get(date);
      const state = final
        ? { status: final.status, source: final.source, final: true }
        : { status: change?.status ?? ('present' as const), source: change?.source ?? 'default', final: false };
      rows.push({ date, day, state, menu: menus.get(menuKey)!(date), charge: chargeBy.get(date) });
    }
    audit.record({
      enteId: ente.id,
      actorFiscalCode: handle.viewer.fiscalCode,
      action: viewAction(handle, 'refezione.view'),
      subjectType: 'pupil',
      subjectId: pupilId,
      requestId: handle.requestId,
    });
    // The diets of the period, each cut to it: the page names them with their days.
    const periodDiets = diets.map((d) => ({
      dietCode: d.dietCode,
      from: d.approvedFrom! < from ? from : d.approvedFrom!,
      to: d.approvedTo === null || d.approvedTo > to ? to : d.approvedTo,
    }));
    return { pupil, diets: periodDiets, rows };
  }

  return { days, currentMonth };
}

export type CanteenDaysService = ReturnType<typeof createCanteenDaysService>;
