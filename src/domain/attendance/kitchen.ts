import { dietInForce } from '../diets/queries';
import { type Kysely, sql } from 'kysely';
import type { AttendanceStatus, DB, Ente } from '../../db/schema';
import { attendanceChange } from '../calendar/cutoff';
import type { FreezeService } from '../canteen/freeze';
import type { Clock } from '../clock';
import { type OperatorContext, requirePermission } from '../operators/context';
import { termInForce } from '../registry/terms';
import { correctionsOfDay } from './queries';

export interface CountRow {
  schoolId: number;
  schoolName: string;
  dietCode: string;
  meals: number;
  lightMeals: number;
  absences: number;
}

/**
 * The kitchen's day (issue 14): the final counts once the day is frozen, with the corrections made after
 * the cut-off as changes of their own (the counts frozen at the cut-off are what was ordered); before the
 * freeze, provisional counts from the bookings so far — the pupils the freeze would book minus the
 * absences communicated — for today until the cut-off and for the days ahead.
 */
export function createKitchenService(db: Kysely<DB>, clock: Clock, freeze: FreezeService) {
  async function provisionalCounts(ente: Ente, date: string): Promise<CountRow[]> {
    const schools = await freeze.schoolsServing(ente, date);
    if (schools.length === 0) return [];
    const school = termInForce('school_id', 'e', date);
    // One row per pupil and school (a pupil with two canteen enrolments is booked once), as the freeze books.
    const result = await sql<CountRow>`
      select b.school_id as "schoolId", s.name as "schoolName", b.diet_code as "dietCode",
             sum(case when c.status is null then 1 else 0 end) as meals,
             sum(case when c.status = 'light_meal' then 1 else 0 end) as "lightMeals",
             sum(case when c.status = 'absent' then 1 else 0 end) as absences
      from (
        select distinct e.pupil_id, ${school} as school_id, coalesce(${dietInForce('e.pupil_id', date)}, '') as diet_code
        from enrolment e
        join service sv on sv.id = e.service_id and sv.kind = 'refezione'
        join school_year y on y.id = e.school_year_id and y.starts_on <= ${date} and y.ends_on >= ${date}
        where e.ente_id = ${ente.id} and e.state in ('attiva', 'cessata')
          and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
      ) b
      join school s on s.id = b.school_id
      left join attendance_change c on c.pupil_id = b.pupil_id and c.date = ${date}
      where b.school_id in (${sql.join(schools)})
      group by b.school_id, s.name, b.diet_code
      order by s.name, b.school_id, b.diet_code`.execute(db);
    return result.rows.map((r) => ({ ...r, meals: Number(r.meals), lightMeals: Number(r.lightMeals), absences: Number(r.absences) }));
  }

  /** The corrections after the cut-off, summed per school and diet: what each one moved between the columns. */
  async function changesAfterCutoff(ente: Ente, date: string): Promise<CountRow[]> {
    const [corrections, schools] = await Promise.all([
      correctionsOfDay(db, ente.id, date),
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', ente.id).execute(),
    ]);
    const nameOf = new Map(schools.map((s) => [s.id, s.name]));
    const column = (status: AttendanceStatus) => (status === 'present' ? 'meals' : status === 'light_meal' ? 'lightMeals' : 'absences');
    const rows = new Map<string, CountRow>();
    for (const c of corrections) {
      const key = `${c.schoolId}/${c.dietCode ?? ''}`;
      const row = rows.get(key) ?? { schoolId: c.schoolId, schoolName: nameOf.get(c.schoolId) ?? '', dietCode: c.dietCode ?? '', meals: 0, lightMeals: 0, absences: 0 };
      row[column(c.before)] -= 1;
      row[column(c.after)] += 1;
      rows.set(key, row);
    }
    return [...rows.values()]
      .filter((r) => r.meals !== 0 || r.lightMeals !== 0 || r.absences !== 0)
      .sort((a, b) => a.schoolName.localeCompare(b.schoolName, 'it') || a.schoolId - b.schoolId || a.dietCode.localeCompare(b.dietCode));
  }

  /**
   * The kitchen page's day: 'final' (frozen: counts and the changes since), 'provisional' (today before
   * the cut-off or a day ahead), or 'closing' (past the cut-off, the freeze not done yet).
   */
  async function officeDay(office: OperatorContext, date: string) {
    requirePermission(office, 'kitchen.counts');
    const { ente } = office;
    const final = await freeze.mealCounts(ente, date);
    if (final.frozenAt) {
      return { kind: 'final' as const, frozenAt: final.frozenAt, counts: final.counts as CountRow[], changes: await changesAfterCutoff(ente, date) };
    }
    if (attendanceChange(clock.now(), date, ente.cutoff_time).open) {
      return { kind: 'provisional' as const, counts: await provisionalCounts(ente, date), changes: [] as CountRow[] };
    }
    return { kind: 'closing' as const, counts: [] as CountRow[], changes: [] as CountRow[] };
  }

  return { officeDay, provisionalCounts };
}

export type KitchenService = ReturnType<typeof createKitchenService>;
