import type { Kysely } from 'kysely';
import { prepared } from '../../db/prepared';
import type { Course, DB, Ente } from '../../db/schema';
import { addDays, daysBetween, isoWeekday } from '../calendar/local-time';

/** The 14 allergens of Reg. (UE) 1169/2011, Annex II, by the codes dishes carry. */
export const ALLERGENS = [
  'glutine', 'crostacei', 'uova', 'pesce', 'arachidi', 'soia', 'latte',
  'frutta-a-guscio', 'sedano', 'senape', 'sesamo', 'solfiti', 'lupini', 'molluschi',
] as const;

export const COURSES: readonly Course[] = ['primo', 'secondo', 'contorno', 'frutta', 'pane'];

/** Which week (1…weeks) of the rotation a date falls in, counting from the Monday the rotation starts. */
export function rotationWeek(rotationStart: string, weeks: number, date: string): number {
  const monday = addDays(date, 1 - isoWeekday(date));
  const elapsedWeeks = Math.floor(daysBetween(rotationStart, monday) / 7);
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
const plansBetween = prepared((db: Kysely<DB>, enteId: number, level: string, from: string, to: string) =>
  db
    .selectFrom('menu_plan')
    .selectAll()
    .where('ente_id', '=', enteId)
    .where('school_level', '=', level)
    .where('starts_on', '<=', to)
    .where('ends_on', '>=', from),
);

/** The ordinary dishes and those of one diet ('' for none) of the plans of a period. */
const itemsBetween = prepared((db: Kysely<DB>, enteId: number, level: string, dietCode: string, from: string, to: string) =>
  db
    .selectFrom('menu_item as i')
    .innerJoin('menu_plan as p', 'p.id', 'i.plan_id')
    .innerJoin('dish as d', 'd.id', 'i.dish_id')
    .select(['i.plan_id as planId', 'i.diet_code as dietCode', 'i.week', 'i.weekday', 'i.course', 'd.name', 'd.allergens'])
    .where('p.ente_id', '=', enteId)
    .where('p.school_level', '=', level)
    .where('p.starts_on', '<=', to)
    .where('p.ends_on', '>=', from)
    .where((eb) => eb.or([eb('i.diet_code', '=', ''), eb('i.diet_code', '=', dietCode)])),
);

/**
 * Menus change a few times a year and are the same for every pupil of a school level and diet: each process
 * keeps them, with each day's menu worked out once, so a canteen page neither reads a hundred dishes nor
 * sorts them again. They are kept per version of the ente's data (decision 0016): an office change of the
 * menus raises it in its own transaction, and every process reads it with the ente on each request, so no
 * page shows a menu older than the office's edit. The menus handed out are shared: read only.
 */
export type DayMenu = { planName: string; dishes: MenuDish[] };
const menuCache = new WeakMap<Kysely<DB>, Map<string, (date: string) => DayMenu | undefined>>();
type Plans = Awaited<ReturnType<typeof plansBetween>>;
type Items = Awaited<ReturnType<typeof itemsBetween>>;

export async function menusForPeriod(
  db: Kysely<DB>,
  ente: Pick<Ente, 'id' | 'data_version'>,
  level: string,
  dietCode: string | null,
  from: string,
  to: string,
) {
  const diet = dietCode ?? '';
  let cache = menuCache.get(db);
  if (!cache) menuCache.set(db, (cache = new Map()));
  const key = `${ente.id}|${ente.data_version}|${level}|${diet}|${from}|${to}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const [plans, items] = await Promise.all([plansBetween(db, ente.id, level, from, to), itemsBetween(db, ente.id, level, diet, from, to)]);
  if (cache.size > 1000) cache.clear();
  const menuOf = dailyMenus(plans, items);
  cache.set(key, menuOf);
  return menuOf;
}

/** The menu of a day: the plan in force, its rotation week, and per course the diet's dish or else the ordinary one. */
function dailyMenus(plans: Plans, items: Items): (date: string) => DayMenu | undefined {
  const byDay = new Map<string, Items>();
  for (const item of items) {
    const key = `${item.planId}:${item.week}:${item.weekday}`;
    const list = byDay.get(key);
    if (list) list.push(item);
    else byDay.set(key, [item]);
  }
  const worked = new Map<string, DayMenu | undefined>();
  return (date) => {
    if (worked.has(date)) return worked.get(date);
    const plan = plans.find((p) => p.starts_on <= date && date <= p.ends_on);
    let menu: DayMenu | undefined;
    if (plan) {
      const week = rotationWeek(plan.rotation_start, plan.rotation_weeks, date);
      const ofDay = byDay.get(`${plan.id}:${week}:${isoWeekday(date)}`) ?? [];
      const dishes = COURSES.flatMap((course) => {
        const chosen = ofDay.find((i) => i.course === course && i.dietCode !== '') ?? ofDay.find((i) => i.course === course);
        return chosen ? [{ course, name: chosen.name, allergens: chosen.allergens ? chosen.allergens.split(',') : [] }] : [];
      });
      menu = { planName: plan.name, dishes };
    }
    worked.set(date, menu);
    return menu;
  };
}
