import { type Kysely, sql } from 'kysely';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import type { Course, DB } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { touchEnte, updateVersioned } from '../../db/versioned';
import { writeChange } from '../audit/audit';
import { addDays, isCalendarDate, isoWeekday } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { ALLERGENS, COURSES, DIET_CODES, SCHOOL_LEVELS, type SchoolLevel } from './menus';

/** The page size of the dishes' list. */
export const DISHES_PAGE = 50;
/** A plan is for a season: at most a school year long. */
const MAX_PLAN_DAYS = 366;
export const MAX_ROTATION_WEEKS = 8;

export type Allergen = (typeof ALLERGENS)[number];
/** '' is the ordinary menu; otherwise one of DIET_CODES. */
export type MenuDiet = '' | (typeof DIET_CODES)[number];

export interface DishInput {
  name: string;
  allergens: readonly Allergen[];
  ingredients: string;
}

export interface PlanInput {
  name: string;
  schoolLevel: SchoolLevel;
  startsOn: string;
  endsOn: string;
  rotationWeeks: number;
  /** The Monday of the rotation's first week. */
  rotationStart: string;
}

export interface SpecialInput {
  date: string;
  /** '' for the whole ente. */
  schoolLevel: '' | SchoolLevel;
  name: string;
  /** The dish of each course, ordinary ('') and per diet; a course without one is left out. */
  dishes: readonly { diet: MenuDiet; course: Course; dishId: number }[];
}

/** One cell of a plan's week: the weekday (ISO) and the course, with its dish (null: none). */
export type WeekCells = ReadonlyMap<string, number | null>;
export const cellKey = (weekday: number, course: Course) => `${weekday}:${course}`;

const isAllergen = (code: string): code is Allergen => (ALLERGENS as readonly string[]).includes(code);

/** What an audit event keeps of a dish. */
function describedDish(row: { name: string; allergens: string; ingredients: string }) {
  return { name: row.name, allergens: row.allergens, ingredients: row.ingredients };
}

function describedPlan(row: {
  name: string;
  school_level: string;
  starts_on: string;
  ends_on: string;
  rotation_weeks: number;
  rotation_start: string;
  published_at: string | null;
}) {
  return {
    name: row.name,
    schoolLevel: row.school_level,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    rotationWeeks: row.rotation_weeks,
    rotationStart: row.rotation_start,
    publishedAt: row.published_at,
  };
}

/** The allergens of a dish as stored: the codes in the regulation's order, comma-separated ('' when none). */
function allergenColumn(allergens: readonly Allergen[]): string {
  return ALLERGENS.filter((code) => allergens.includes(code)).join(',');
}

/**
 * The office's menus (permission `menus.manage`, decision 0023): dishes with ingredients and allergens,
 * seasonal plans edited week by week as a grid of weekdays × courses with diet variants, publishing (a draft
 * is not shown to parents), and special menus of one day. Every change is audited in its transaction and
 * raises the ente's data version (touchEnte) first: the parents' menus are cached per version, and the
 * ente row's lock makes two menu changes of one ente run one after the other, so the checks below (no two
 * published plans of a level overlapping, one special menu per day and level) cannot be raced past.
 */
export function createMenuOffice(db: Kysely<DB>, clock: Clock) {
  // ---- dishes ----

  function dishRows(trx: Kysely<DB>, enteId: number) {
    return trx.selectFrom('dish').select(['id', 'name', 'allergens', 'ingredients', 'version']).where('ente_id', '=', enteId);
  }

  async function dishes(office: OperatorContext, { cursor }: { cursor?: string } = {}): Promise<Page<DishRow>> {
    requirePermission(office, 'menus.manage');
    const after = decodeCursor(cursor, ['string', 'number'] as const);
    let query = dishRows(db, office.ente.id);
    if (after) {
      const [name, id] = after;
      query = query.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
    }
    const rows = await query.orderBy('name').orderBy('id').limit(sql.lit(DISHES_PAGE + 1)).execute();
    return pageOf(rows, DISHES_PAGE, (row) => [row.name, row.id]);
  }

  /** Every dish of the ente, for the choices of a menu (a configuration table: a few hundred rows). */
  async function dishChoices(office: OperatorContext) {
    requirePermission(office, 'menus.manage');
    return db.selectFrom('dish').select(['id', 'name', 'allergens']).where('ente_id', '=', office.ente.id).orderBy('name').orderBy('id').execute();
  }

  async function dish(office: OperatorContext, dishId: number): Promise<DishRow> {
    requirePermission(office, 'menus.manage');
    const row = await dishRows(db, office.ente.id).where('id', '=', dishId).executeTakeFirst();
    if (!row) throw new NotFoundError('dish');
    return row;
  }

  function checkDish(input: DishInput): void {
    if (!input.allergens.every(isAllergen)) throw new InvalidInputError({ allergeni: 'allergenUnknown' });
  }

  async function createDish(office: OperatorContext, input: DishInput): Promise<number> {
    requirePermission(office, 'menus.manage');
    checkDish(input);
    return transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const values = { name: input.name, allergens: allergenColumn(input.allergens), ingredients: input.ingredients };
      const inserted = await tx.db
        .insertInto('dish')
        .values({ ente_id: office.ente.id, ...values })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeChange(tx.db, clock, office, { action: 'office.menu.dish.add', subjectType: 'dish', subjectId: inserted.id, before: null, after: describedDish(values) });
      return inserted.id;
    });
  }

  /** Changes a dish from the version its form was made from; every menu that serves it shows the change. */
  async function updateDish(office: OperatorContext, dishId: number, version: number, input: DishInput): Promise<void> {
    requirePermission(office, 'menus.manage');
    checkDish(input);
    await transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const current = await dishRows(tx.db, office.ente.id).where('id', '=', dishId).executeTakeFirst();
      if (!current) throw new NotFoundError('dish');
      const values = { name: input.name, allergens: allergenColumn(input.allergens), ingredients: input.ingredients };
      await updateVersioned(tx.db, 'dish', { id: dishId, enteId: office.ente.id, version }, values);
      await writeChange(tx.db, clock, office, { action: 'office.menu.dish.change', subjectType: 'dish', subjectId: dishId, before: describedDish(current), after: describedDish(values) });
    });
  }

  /** The dishes of these ids that are the ente's; any other id is refused as the given field's problem. */
  async function requireDishes(trx: Kysely<DB>, enteId: number, ids: readonly number[], field: string): Promise<Map<number, string>> {
    const unique = [...new Set(ids)];
    const names = new Map<number, string>();
    for (let start = 0; start < unique.length; start += 200) {
      const rows = await trx.selectFrom('dish').select(['id', 'name']).where('ente_id', '=', enteId).where('id', 'in', unique.slice(start, start + 200)).execute();
      for (const row of rows) names.set(row.id, row.name);
    }
    if (names.size !== unique.length) throw new InvalidInputError({ [field]: 'dishUnknown' });
    return names;
  }

  // ---- plans ----

  function planRows(trx: Kysely<DB>, enteId: number) {
    return trx
      .selectFrom('menu_plan')
      .select(['id', 'name', 'school_level', 'starts_on', 'ends_on', 'rotation_weeks', 'rotation_start', 'published_at', 'version'])
      .where('ente_id', '=', enteId);
  }

  /** The ente's plans, newest season first (a configuration table: a few per level and year). */
  async function plans(office: OperatorContext) {
    requirePermission(office, 'menus.manage');
    return planRows(db, office.ente.id).orderBy('starts_on', 'desc').orderBy('school_level').orderBy('id').execute();
  }

  async function plan(office: OperatorContext, planId: number): Promise<PlanRow> {
    requirePermission(office, 'menus.manage');
    const row = await planRows(db, office.ente.id).where('id', '=', planId).executeTakeFirst();
    if (!row) throw new NotFoundError('menu_plan');
    return row;
  }

  function checkPlan(input: PlanInput): void {
    const problems: Record<string, string> = {};
    if (!(SCHOOL_LEVELS as readonly string[]).includes(input.schoolLevel)) problems.livello = 'levelUnknown';
    if (!isCalendarDate(input.startsOn)) problems.dal = 'dateInvalid';
    if (!isCalendarDate(input.endsOn)) problems.al = 'dateInvalid';
    else if (isCalendarDate(input.startsOn) && input.endsOn < input.startsOn) problems.al = 'rangeReversed';
    else if (isCalendarDate(input.startsOn) && addDays(input.startsOn, MAX_PLAN_DAYS - 1) < input.endsOn) problems.al = 'periodTooLong';
    if (!Number.isSafeInteger(input.rotationWeeks) || input.rotationWeeks < 1 || input.rotationWeeks > MAX_ROTATION_WEEKS) problems.settimane = 'weeksRange';
    if (!isCalendarDate(input.rotationStart)) problems.inizio_rotazione = 'dateInvalid';
    else if (isoWeekday(input.rotationStart) !== 1) problems.inizio_rotazione = 'notMonday';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
  }

  /** Parents see one plan per level and day: a published plan may not overlap another published one of its level. */
  async function refuseOverlap(trx: Kysely<DB>, enteId: number, planId: number, plan: { school_level: string; starts_on: string; ends_on: string }, field: string) {
    const other = await trx
      .selectFrom('menu_plan')
      .select('name')
      .where('ente_id', '=', enteId)
      .where('school_level', '=', plan.school_level)
      .where('published_at', 'is not', null)
      .where('starts_on', '<=', plan.ends_on)
      .where('ends_on', '>=', plan.starts_on)
      .where('id', '<>', planId)
      .executeTakeFirst();
    if (other) throw new InvalidInputError({ [field]: 'overlapsPublished' });
  }

  /** A new plan is a draft: parents see it once it is published. */
  async function createPlan(office: OperatorContext, input: PlanInput): Promise<number> {
    requirePermission(office, 'menus.manage');
    checkPlan(input);
    return transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const values = {
        name: input.name,
        school_level: input.schoolLevel,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        rotation_weeks: input.rotationWeeks,
        rotation_start: input.rotationStart,
        published_at: null,
      };
      const inserted = await tx.db.insertInto('menu_plan').values({ ente_id: office.ente.id, ...values }).returning('id').executeTakeFirstOrThrow();
      await writeChange(tx.db, clock, office, { action: 'office.menu.plan.add', subjectType: 'menu_plan', subjectId: inserted.id, before: null, after: describedPlan(values) });
      return inserted.id;
    });
  }

  /**
   * Changes a plan's name, level, season or rotation. Fewer weeks than before removes the dishes of the
   * weeks that no longer exist (recorded in the audit event). A published plan stays published, so its new
   * season may not overlap another published one.
   */
  async function updatePlan(office: OperatorContext, planId: number, version: number, input: PlanInput): Promise<void> {
    requirePermission(office, 'menus.manage');
    checkPlan(input);
    await transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const current = await planRows(tx.db, office.ente.id).where('id', '=', planId).executeTakeFirst();
      if (!current) throw new NotFoundError('menu_plan');
      const values = {
        name: input.name,
        school_level: input.schoolLevel,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        rotation_weeks: input.rotationWeeks,
        rotation_start: input.rotationStart,
      };
      if (current.version !== version) throw new ConflictError(current);
      if (current.published_at !== null) await refuseOverlap(tx.db, office.ente.id, planId, values, 'dal');
      await updateVersioned(tx.db, 'menu_plan', { id: planId, enteId: office.ente.id, version }, values);
      const removed = await tx.db.deleteFrom('menu_item').where('plan_id', '=', planId).where('week', '>', input.rotationWeeks).executeTakeFirst();
      const removedDishes = Number(removed.numDeletedRows);
      await writeChange(tx.db, clock, office, {
        action: 'office.menu.plan.change',
        subjectType: 'menu_plan',
        subjectId: planId,
        before: describedPlan(current),
        after: { ...describedPlan({ ...current, ...values }), ...(removedDishes > 0 ? { removedDishes } : {}) },
      });
    });
  }

  /** Publishes a draft (parents see it from the next page) or withdraws a published plan to a draft. */
  async function setPublished(office: OperatorContext, planId: number, version: number, published: boolean): Promise<void> {
    requirePermission(office, 'menus.manage');
    await transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const current = await planRows(tx.db, office.ente.id).where('id', '=', planId).executeTakeFirst();
      if (!current) throw new NotFoundError('menu_plan');
      // A stale page is refused before anything is checked: its operator saw another state of the plan.
      if (current.version !== version) throw new ConflictError(current);
      if (published) {
        await refuseOverlap(tx.db, office.ente.id, planId, current, 'pubblica');
        const dishes = await tx.db.selectFrom('menu_item').select('plan_id').where('plan_id', '=', planId).where('diet_code', '=', sql.lit('')).limit(sql.lit(1)).executeTakeFirst();
        if (!dishes) throw new InvalidInputError({ pubblica: 'planEmpty' });
      }
      const publishedAt = published ? (current.published_at ?? clock.now().toISOString()) : null;
      await updateVersioned(tx.db, 'menu_plan', { id: planId, enteId: office.ente.id, version }, { published_at: publishedAt });
      await writeChange(tx.db, clock, office, {
        action: published ? 'office.menu.plan.publish' : 'office.menu.plan.withdraw',
        subjectType: 'menu_plan',
        subjectId: planId,
        before: { publishedAt: current.published_at },
        after: { publishedAt },
      });
    });
  }

  /** Every dish of a plan (all weeks, the ordinary menu and the variants), for the plan's overview. */
  async function planDishes(office: OperatorContext, planId: number) {
    requirePermission(office, 'menus.manage');
    await plan(office, planId);
    const rows = await db
      .selectFrom('menu_item as i')
      .innerJoin('dish as d', 'd.id', 'i.dish_id')
      .select(['i.diet_code as diet', 'i.week', 'i.weekday', 'i.course', 'd.name', 'd.allergens'])
      .where('i.plan_id', '=', planId)
      .where('d.ente_id', '=', office.ente.id)
      .execute();
    return rows as { diet: MenuDiet; week: number; weekday: number; course: Course; name: string; allergens: string }[];
  }

  /** The ISO weekdays the canteens of a level serve (the union of their schools'), Monday to Friday when none is known. */
  async function weekdaysOf(office: OperatorContext, level: string): Promise<number[]> {
    requirePermission(office, 'menus.manage');
    const rows = await db.selectFrom('school').select('service_weekdays').where('ente_id', '=', office.ente.id).where('level', '=', level as SchoolLevel).execute();
    const days = new Set<number>();
    for (const row of rows) for (const day of row.service_weekdays.split(',')) if (/^[1-7]$/.test(day.trim())) days.add(Number(day.trim()));
    return days.size ? [...days].sort((a, b) => a - b) : [1, 2, 3, 4, 5];
  }

  /** One week of a plan for a diet ('' the ordinary menu): the dish of each weekday and course. */
  async function week(office: OperatorContext, planId: number, diet: MenuDiet, weekNumber: number): Promise<Map<string, number>> {
    requirePermission(office, 'menus.manage');
    const current = await plan(office, planId);
    if (weekNumber < 1 || weekNumber > current.rotation_weeks) throw new NotFoundError('week');
    const rows = await db
      .selectFrom('menu_item')
      .select(['weekday', 'course', 'dish_id'])
      .where('plan_id', '=', planId)
      .where('diet_code', '=', diet)
      .where('week', '=', weekNumber)
      .execute();
    return new Map(rows.map((row) => [cellKey(row.weekday, row.course), row.dish_id]));
  }

  /**
   * Saves one week of a plan for a diet from the plan's version the grid was made from: each cell's dish
   * (null: none; for a diet, none means the ordinary dish is served). The plan's version is raised, so a
   * second operator's grid made before this save is refused with a conflict.
   */
  async function saveWeek(office: OperatorContext, planId: number, version: number, diet: MenuDiet, weekNumber: number, cells: WeekCells): Promise<void> {
    requirePermission(office, 'menus.manage');
    if (diet !== '' && !(DIET_CODES as readonly string[]).includes(diet)) throw new InvalidInputError({ dieta: 'dietUnknown' });
    await transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const current = await planRows(tx.db, office.ente.id).where('id', '=', planId).executeTakeFirst();
      if (!current) throw new NotFoundError('menu_plan');
      if (weekNumber < 1 || weekNumber > current.rotation_weeks) throw new NotFoundError('week');
      await updateVersioned(tx.db, 'menu_plan', { id: planId, enteId: office.ente.id, version }, {});
      const chosen = [...cells.entries()].filter((entry): entry is [string, number] => entry[1] !== null);
      for (const [key] of cells) {
        const [weekday, course] = key.split(':');
        if (!/^[1-7]$/.test(weekday ?? '') || !(COURSES as readonly string[]).includes(course ?? '')) throw new InvalidInputError({ settimana: 'invalid' });
      }
      const names = await requireDishes(tx.db, office.ente.id, chosen.map(([, id]) => id), 'settimana');
      const before = await tx.db
        .selectFrom('menu_item as i')
        .innerJoin('dish as d', 'd.id', 'i.dish_id')
        .select(['i.weekday', 'i.course', 'd.name'])
        .where('i.plan_id', '=', planId)
        .where('i.diet_code', '=', diet)
        .where('i.week', '=', weekNumber)
        .execute();
      await tx.db.deleteFrom('menu_item').where('plan_id', '=', planId).where('diet_code', '=', diet).where('week', '=', weekNumber).execute();
      if (chosen.length) {
        await tx.db
          .insertInto('menu_item')
          .values(
            chosen.map(([key, dishId]) => {
              const [weekday, course] = key.split(':') as [string, Course];
              return { plan_id: planId, diet_code: diet, week: weekNumber, weekday: Number(weekday), course, dish_id: dishId };
            }),
          )
          .execute();
      }
      const label = (weekday: number | string, course: string) => `${diet || 'ordinario'} ${weekNumber}.${weekday} ${course}`;
      await writeChange(tx.db, clock, office, {
        action: 'office.menu.plan.week',
        subjectType: 'menu_plan',
        subjectId: planId,
        before: Object.fromEntries(before.map((row) => [label(row.weekday, row.course), row.name])),
        after: Object.fromEntries(
          chosen.map(([key, dishId]) => {
            const [weekday, course] = key.split(':') as [string, string];
            return [label(weekday, course), names.get(dishId)!];
          }),
        ),
      });
    });
  }

  // ---- special menus of a day ----

  function specialRows(trx: Kysely<DB>, enteId: number) {
    return trx.selectFrom('menu_special').select(['id', 'date', 'school_level', 'name', 'version']).where('ente_id', '=', enteId);
  }

  /** The ente's special menus from a date on (by default all), by date. */
  async function specials(office: OperatorContext, { from = '0000-01-01' }: { from?: string } = {}) {
    requirePermission(office, 'menus.manage');
    return specialRows(db, office.ente.id).where('date', '>=', from).orderBy('date').orderBy('school_level').limit(sql.lit(500)).execute();
  }

  async function special(office: OperatorContext, specialId: number) {
    requirePermission(office, 'menus.manage');
    const row = await specialRows(db, office.ente.id).where('id', '=', specialId).executeTakeFirst();
    if (!row) throw new NotFoundError('menu_special');
    const dishes = await db.selectFrom('menu_special_item').select(['diet_code as diet', 'course', 'dish_id as dishId']).where('special_id', '=', specialId).execute();
    return { ...row, dishes: dishes as { diet: MenuDiet; course: Course; dishId: number }[] };
  }

  function checkSpecial(input: SpecialInput): void {
    const problems: Record<string, string> = {};
    if (!isCalendarDate(input.date)) problems.data = 'dateInvalid';
    if (input.schoolLevel !== '' && !(SCHOOL_LEVELS as readonly string[]).includes(input.schoolLevel)) problems.livello = 'levelUnknown';
    if (!input.dishes.some((dish) => dish.diet === '')) problems.piatti = 'specialEmpty';
    const seen = new Set<string>();
    for (const dish of input.dishes) {
      const key = `${dish.diet}:${dish.course}`;
      const known = (dish.diet === '' || (DIET_CODES as readonly string[]).includes(dish.diet)) && (COURSES as readonly string[]).includes(dish.course);
      if (!known || seen.has(key)) problems.piatti = 'invalid';
      seen.add(key);
    }
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
  }

  async function describedSpecial(trx: Kysely<DB>, enteId: number, input: Omit<SpecialInput, 'dishes'>, dishes: SpecialInput['dishes']) {
    const names = await requireDishes(trx, enteId, dishes.map((dish) => dish.dishId), 'piatti');
    return {
      date: input.date,
      schoolLevel: input.schoolLevel,
      name: input.name,
      ...Object.fromEntries(dishes.map((dish) => [`${dish.diet || 'ordinario'} ${dish.course}`, names.get(dish.dishId)!])),
    };
  }

  async function refuseSecondSpecial(trx: Kysely<DB>, enteId: number, input: SpecialInput, exceptId: number) {
    const other = await specialRows(trx, enteId).where('date', '=', input.date).where('school_level', '=', input.schoolLevel).where('id', '<>', exceptId).executeTakeFirst();
    if (other) throw new InvalidInputError({ data: 'specialExists' });
  }

  async function writeSpecialDishes(trx: Kysely<DB>, specialId: number, dishes: SpecialInput['dishes']) {
    await trx.deleteFrom('menu_special_item').where('special_id', '=', specialId).execute();
    if (dishes.length) {
      await trx
        .insertInto('menu_special_item')
        .values(dishes.map((dish) => ({ special_id: specialId, diet_code: dish.diet, course: dish.course, dish_id: dish.dishId })))
        .execute();
    }
  }

  /** A special menu replaces the plan's on its date, for its level or the whole ente; parents see it at once. */
  async function createSpecial(office: OperatorContext, input: SpecialInput): Promise<number> {
    requirePermission(office, 'menus.manage');
    checkSpecial(input);
    try {
      return await transaction(db, async (tx) => {
        await touchEnte(tx.db, office.ente.id);
        await refuseSecondSpecial(tx.db, office.ente.id, input, 0);
        const after = await describedSpecial(tx.db, office.ente.id, input, input.dishes);
        const inserted = await tx.db
          .insertInto('menu_special')
          .values({ ente_id: office.ente.id, date: input.date, school_level: input.schoolLevel, name: input.name })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeSpecialDishes(tx.db, inserted.id, input.dishes);
        await writeChange(tx.db, clock, office, { action: 'office.menu.special.add', subjectType: 'menu_special', subjectId: inserted.id, before: null, after });
        return inserted.id;
      });
    } catch (error) {
      if (uniqueViolation(error)) throw new InvalidInputError({ data: 'specialExists' });
      throw error;
    }
  }

  async function updateSpecial(office: OperatorContext, specialId: number, version: number, input: SpecialInput): Promise<void> {
    requirePermission(office, 'menus.manage');
    checkSpecial(input);
    try {
      await transaction(db, async (tx) => {
        await touchEnte(tx.db, office.ente.id);
        const current = await specialRows(tx.db, office.ente.id).where('id', '=', specialId).executeTakeFirst();
        if (!current) throw new NotFoundError('menu_special');
        if (current.version !== version) throw new ConflictError(current);
        await refuseSecondSpecial(tx.db, office.ente.id, input, specialId);
        const oldDishes = await tx.db.selectFrom('menu_special_item').select(['diet_code as diet', 'course', 'dish_id as dishId']).where('special_id', '=', specialId).execute();
        const before = await describedSpecial(tx.db, office.ente.id, { date: current.date, schoolLevel: current.school_level as SpecialInput['schoolLevel'], name: current.name }, oldDishes as SpecialInput['dishes']);
        const after = await describedSpecial(tx.db, office.ente.id, input, input.dishes);
        await updateVersioned(tx.db, 'menu_special', { id: specialId, enteId: office.ente.id, version }, { date: input.date, school_level: input.schoolLevel, name: input.name });
        await writeSpecialDishes(tx.db, specialId, input.dishes);
        await writeChange(tx.db, clock, office, { action: 'office.menu.special.change', subjectType: 'menu_special', subjectId: specialId, before, after });
      });
    } catch (error) {
      if (uniqueViolation(error)) throw new InvalidInputError({ data: 'specialExists' });
      throw error;
    }
  }

  /** Removes a special menu: the plan's menu of that day is shown again. */
  async function removeSpecial(office: OperatorContext, specialId: number, version: number): Promise<void> {
    requirePermission(office, 'menus.manage');
    await transaction(db, async (tx) => {
      await touchEnte(tx.db, office.ente.id);
      const current = await specialRows(tx.db, office.ente.id).where('id', '=', specialId).executeTakeFirst();
      if (!current) throw new NotFoundError('menu_special');
      await updateVersioned(tx.db, 'menu_special', { id: specialId, enteId: office.ente.id, version }, {});
      const oldDishes = await tx.db.selectFrom('menu_special_item').select(['diet_code as diet', 'course', 'dish_id as dishId']).where('special_id', '=', specialId).execute();
      const before = await describedSpecial(tx.db, office.ente.id, { date: current.date, schoolLevel: current.school_level as SpecialInput['schoolLevel'], name: current.name }, oldDishes as SpecialInput['dishes']);
      await tx.db.deleteFrom('menu_special_item').where('special_id', '=', specialId).execute();
      await tx.db.deleteFrom('menu_special').where('id', '=', specialId).where('ente_id', '=', office.ente.id).execute();
      await writeChange(tx.db, clock, office, { action: 'office.menu.special.remove', subjectType: 'menu_special', subjectId: specialId, before, after: null });
    });
  }

  return {
    dishes,
    dishChoices,
    dish,
    createDish,
    updateDish,
    plans,
    plan,
    createPlan,
    updatePlan,
    setPublished,
    planDishes,
    weekdaysOf,
    week,
    saveWeek,
    specials,
    special,
    createSpecial,
    updateSpecial,
    removeSpecial,
  };
}

export type DishRow = { id: number; name: string; allergens: string; ingredients: string; version: number };
export type PlanRow = {
  id: number;
  name: string;
  school_level: string;
  starts_on: string;
  ends_on: string;
  rotation_weeks: number;
  rotation_start: string;
  published_at: string | null;
  version: number;
};
export type MenuOffice = ReturnType<typeof createMenuOffice>;

/** The codes of a dish's allergens column. */
export function allergenCodes(column: string): string[] {
  return column ? column.split(',') : [];
}
