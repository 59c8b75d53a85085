import type { Kysely } from 'kysely';
import type { Course, DB } from '../../db/schema';
import { addDays, isoWeekday } from '../calendar/local-time';

/** The 14 allergens of Reg. (UE) 1169/2011, Annex II, by the codes dishes carry. */
export const ALLERGENS = [
  'glutine', 'crostacei', 'uova', 'pesce', 'arachidi', 'soia', 'latte',
  'frutta-a-guscio', 'sedano', 'senape', 'sesamo', 'solfiti', 'lupini', 'molluschi',
] as const;

export const COURSES: readonly Course[] = ['primo', 'secondo', 'contorno', 'frutta', 'pane'];

/** Which week (1…weeks) of the rotation a date falls in, counting from the Monday the rotation starts. */
export function rotationWeek(rotationStart: string, weeks: number, date: string): number {
  const monday = addDays(date, 1 - isoWeekday(date));
  const elapsedWeeks = Math.floor((Date.parse(`${monday}T12:00:00Z`) - Date.parse(`${rotationStart}T12:00:00Z`)) / (7 * 86_400_000));
  return (((elapsedWeeks % weeks) + weeks) % weeks) + 1;
}

export interface MenuDish {
  course: Course;
  name: string;
  allergens: string[];
}

/**
 * The menu of each day of a period for a school level and a diet: the ordinary dishes, each replaced
 * by the diet's variant where the plan has one.
 */
export async function menusForPeriod(db: Kysely<DB>, enteId: number, level: string, dietCode: string | null, from: string, to: string) {
  const plans = await db
    .selectFrom('menu_plan')
    .selectAll()
    .where('ente_id', '=', enteId)
    .where('school_level', '=', level)
    .where('starts_on', '<=', to)
    .where('ends_on', '>=', from)
    .execute();
  const items = plans.length
    ? await db
        .selectFrom('menu_item as i')
        .innerJoin('dish as d', 'd.id', 'i.dish_id')
        .select(['i.plan_id as planId', 'i.diet_code as dietCode', 'i.week', 'i.weekday', 'i.course', 'd.name', 'd.allergens'])
        .where('i.plan_id', 'in', plans.map((p) => p.id))
        .where('i.diet_code', 'in', dietCode ? ['', dietCode] : [''])
        .execute()
    : [];
  return (date: string): { planName: string; dishes: MenuDish[] } | undefined => {
    const plan = plans.find((p) => p.starts_on <= date && date <= p.ends_on);
    if (!plan) return undefined;
    const week = rotationWeek(plan.rotation_start, plan.rotation_weeks, date);
    const weekday = isoWeekday(date);
    const ofDay = items.filter((i) => i.planId === plan.id && i.week === week && i.weekday === weekday);
    const dishes = COURSES.flatMap((course) => {
      const chosen = ofDay.find((i) => i.course === course && i.dietCode !== '') ?? ofDay.find((i) => i.course === course);
      return chosen ? [{ course, name: chosen.name, allergens: chosen.allergens ? chosen.allergens.split(',') : [] }] : [];
    });
    return { planName: plan.name, dishes };
  };
}
