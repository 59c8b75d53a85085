import { type Kysely, sql } from 'kysely';
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
 * The diets menus have variants for: the fixed list the kitchen cooks for (their names are in the
 * catalogues, m.kitchen.diets). A pupil's `diet_code` is one of them or none.
 */
export const DIET_CODES = ['senza-glutine', 'senza-lattosio', 'vegetariana', 'senza-maiale'] as const;
export type DietCode = (typeof DIET_CODES)[number];

/** The school levels a menu plan or a special menu is for (school.level). */
export const SCHOOL_LEVELS = ['nido', 'infanzia', 'primaria', 'secondaria'] as const;
export type SchoolLevel = (typeof SCHOOL_LEVELS)[number];

/**
 * The published plans of a school level overlapping a period: a draft (published_at null) is the office's
 * work in progress and never reaches a parent. One range of the partial index menu_plan_published.
 */
const plansBetween = prepared((db: Kysely<DB>, enteId: number, level: string, from: string, to: string) =>
  db
    .selectFrom('menu_plan')
    .select(['id', 'name', 'starts_on', 'ends_on', 'rotation_weeks', 'rotation_start'])
    .where('ente_id', '=', enteId)
    .where('school_level', '=', level)
    .where('published_at', 'is not', null)
    .where('starts_on', '<=', to)
    .where('ends_on', '>=', from),
);

/** The ordinary dishes and those of one diet ('' for none) of the published plans of a period. */
const itemsBetween = prepared((db: Kysely<DB>, enteId: number, level: string, dietCode: string, from: string, to: string) =>
  db
    .selectFrom('menu_plan as p')
    .innerJoin('menu_item as i', 'i.plan_id', 'p.id')
    .innerJoin('dish as d', 'd.id', 'i.dish_id')
    .select(['i.plan_id as planId', 'i.diet_code as dietCode', 'i.week', 'i.weekday', 'i.course', 'd.name', 'd.allergens'])
    .where('p.ente_id', '=', enteId)
    .where('p.school_level', '=', level)
    .where('p.published_at', 'is not', null)
    .where('p.starts_on', '<=', to)
    .where('p.ends_on', '>=', from)
    .where((eb) => eb.or([eb('i.diet_code', '=', sql.lit('')), eb('i.diet_code', '=', dietCode)])),
);

/**
 * The special menus of the period for the whole ente ('') or the pupil's level, with their ordinary dishes
 * and the diet's. One range of menu_special_day (ente, date); a special menu without dishes still comes
 * back (its dish columns null) and means "no menu that day".
 */
const specialsBetween = prepared((db: Kysely<DB>, enteId: number, level: string, dietCode: string, from: string, to: string) =>
  db
    .selectFrom('menu_special as s')
    .leftJoin('menu_special_item as i', (join) =>
      join.onRef('i.special_id', '=', 's.id').on((eb) => eb.or([eb('i.diet_code', '=', sql.lit('')), eb('i.diet_code', '=', dietCode)])),
    )
    .leftJoin('dish as d', 'd.id', 'i.dish_id')
    .select(['s.id as specialId', 's.date', 's.school_level as level', 's.name as specialName', 'i.diet_code as dietCode', 'i.course', 'd.name', 'd.allergens'])
    .where('s.ente_id', '=', enteId)
    .where('s.date', '>=', from)
    .where('s.date', '<=', to)
    .where((eb) => eb.or([eb('s.school_level', '=', level), eb('s.school_level', '=', sql.lit(''))])),
);

/**
 * Menus change a few times a year and are the same for every pupil of a school level and diet: each process
 * keeps them, with each day's menu worked out once, so a canteen page neither reads a hundred dishes nor
 * sorts them again. They are kept per version of the ente's data (decision 0016): an office change of the
 * menus raises it in its own transaction (decision 0023), and every process reads it with the ente on each
 * request, so no page shows a menu older than the office's edit. The menus handed out are shared: read only.
 */
export type DayMenu = { planName: string; /** The name of the day's special menu, when it replaces the plan's. */ special?: string; dishes: MenuDish[] };
const menuCache = new WeakMap<Kysely<DB>, Map<string, (date: string) => DayMenu | undefined>>();
type Plans = Awaited<ReturnType<typeof plansBetween>>;
type Items = Awaited<ReturnType<typeof itemsBetween>>;
type Specials = Awaited<ReturnType<typeof specialsBetween>>;

/** The menu of each day of a period for a school level and a diet: a special menu of the day, else the published plan's. */
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
  const [plans, items, specials] = await Promise.all([
    plansBetween(db, ente.id, level, from, to),
    itemsBetween(db, ente.id, level, diet, from, to),
    specialsBetween(db, ente.id, level, diet, from, to),
  ]);
  if (cache.size > 1000) cache.clear();
  const menuOf = dailyMenus(plans, items, specials);
  cache.set(key, menuOf);
  return menuOf;
}

/** Per course, the diet's dish where there is one, else the ordinary one. */
function dishesOf(rows: readonly { course: Course | null; dietCode: string | null; name: string | null; allergens: string | null }[]): MenuDish[] {
  return COURSES.flatMap((course) => {
    const chosen = rows.find((i) => i.course === course && i.dietCode !== '' && i.name !== null) ?? rows.find((i) => i.course === course && i.name !== null);
    return chosen ? [{ course, name: chosen.name!, allergens: chosen.allergens ? chosen.allergens.split(',') : [] }] : [];
  });
}

/**
 * The menu of a day: the special menu of the pupil's level, else the ente's special menu, else the plan in
 * force with its rotation week; per course the diet's dish or else the ordinary one.
 */
function dailyMenus(plans: Plans, items: Items, specials: Specials): (date: string) => DayMenu | undefined {
  const byDay = new Map<string, Items>();
  for (const item of items) {
    const key = `${item.planId}:${item.week}:${item.weekday}`;
    const list = byDay.get(key);
    if (list) list.push(item);
    else byDay.set(key, [item]);
  }
  // The rows are of the pupil's level or of the whole ente (''): the level's own special menu wins.
  const specialByDay = new Map<string, Specials>();
  for (const row of specials) {
    const key = `${row.date}:${row.level === '' ? 'ente' : 'level'}`;
    const list = specialByDay.get(key);
    if (list) list.push(row);
    else specialByDay.set(key, [row]);
  }
  const worked = new Map<string, DayMenu | undefined>();
  return (date) => {
    if (worked.has(date)) return worked.get(date);
    const special = specialByDay.get(`${date}:level`) ?? specialByDay.get(`${date}:ente`);
    let menu: DayMenu | undefined;
    if (special) {
      menu = { planName: special[0]!.specialName, special: special[0]!.specialName, dishes: dishesOf(special) };
    } else {
      const plan = plans.find((p) => p.starts_on <= date && date <= p.ends_on);
      if (plan) {
        const week = rotationWeek(plan.rotation_start, plan.rotation_weeks, date);
        menu = { planName: plan.name, dishes: dishesOf(byDay.get(`${plan.id}:${week}:${isoWeekday(date)}`) ?? []) };
      }
    }
    worked.set(date, menu);
    return menu;
  };
}
