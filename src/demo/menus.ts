import type { Kysely } from 'kysely';
import type { Course, DB } from '../db/schema';

/** Fictitious but plausible school menus: dishes, allergens, two seasons, a 4-week rotation, four diets. */

type DishSpec = [name: string, allergens: string[]];

const PRIMI: DishSpec[] = [
  ['Pasta al pomodoro', ['glutine']],
  ['Risotto alla zucca', ['latte', 'sedano']],
  ['Pasta al pesto', ['glutine', 'frutta-a-guscio', 'latte']],
  ['Minestrone con pasta', ['glutine', 'sedano']],
  ['Gnocchi al ragù', ['glutine', 'uova', 'sedano']],
  ['Pasta e fagioli', ['glutine', 'sedano']],
  ['Riso all’olio e parmigiano', ['latte']],
  ['Lasagne al forno', ['glutine', 'uova', 'latte', 'sedano']],
  ['Crema di legumi con crostini', ['glutine', 'sedano']],
  ['Pasta al tonno', ['glutine', 'pesce']],
];
const SECONDI: DishSpec[] = [
  ['Pollo arrosto', []],
  ['Merluzzo al forno', ['pesce']],
  ['Frittata di verdure', ['uova', 'latte']],
  ['Polpette al sugo', ['glutine', 'uova', 'latte']],
  ['Arista di maiale al forno', []],
  ['Formaggio fresco', ['latte']],
  ['Hamburger di manzo', []],
  ['Bocconcini di tacchino', []],
  ['Ceci in umido', ['sedano']],
  ['Platessa impanata', ['pesce', 'glutine', 'uova']],
];
const CONTORNI: DishSpec[] = [
  ['Insalata mista', []],
  ['Carote julienne', []],
  ['Patate al forno', []],
  ['Fagiolini all’olio', []],
  ['Spinaci all’olio', []],
  ['Zucchine trifolate', []],
];
const FRUTTA: DishSpec[] = [
  ['Frutta fresca di stagione', []],
  ['Yogurt alla frutta', ['latte']],
  ['Budino al cacao', ['latte']],
];
const PANE: DishSpec = ['Pane comune', ['glutine']];

const MEAT_OR_FISH = new Set(['Pollo arrosto', 'Merluzzo al forno', 'Polpette al sugo', 'Arista di maiale al forno', 'Hamburger di manzo', 'Bocconcini di tacchino', 'Platessa impanata', 'Pasta al tonno', 'Gnocchi al ragù', 'Lasagne al forno']);
const PORK = new Map([
  ['Arista di maiale al forno', 'Bocconcini di tacchino'],
  ['Polpette al sugo', 'Hamburger di manzo'],
]);

export async function seedMenus(db: Kysely<DB>, enteId: number): Promise<void> {
  const ids = new Map<string, number>();
  const allergensOf = new Map<string, string[]>();
  const dish = async ([name, allergens]: DishSpec): Promise<number> => {
    let id = ids.get(name);
    if (id === undefined) {
      const row = await db.insertInto('dish').values({ ente_id: enteId, name, allergens: allergens.join(',') }).returning('id').executeTakeFirstOrThrow();
      id = row.id;
      ids.set(name, id);
      allergensOf.set(name, allergens);
    }
    return id;
  };
  /** The dish a diet eats instead of `name`, or undefined when the ordinary one is fine. */
  const variant = (diet: string, course: Course, name: string): DishSpec | undefined => {
    const allergens = allergensOf.get(name) ?? [];
    if (diet === 'senza-glutine' && allergens.includes('glutine')) return [`${name} senza glutine`, allergens.filter((a) => a !== 'glutine')];
    if (diet === 'senza-lattosio' && allergens.includes('latte')) return [`${name} senza lattosio`, allergens.filter((a) => a !== 'latte')];
    if (diet === 'vegetariana' && MEAT_OR_FISH.has(name)) return course === 'primo' ? PRIMI[0] : SECONDI[8];
    if (diet === 'senza-maiale' && PORK.has(name)) return SECONDI.find(([n]) => n === PORK.get(name));
    return undefined;
  };

  const seasons = [
    { name: 'Autunno-inverno 2026/2027', startsOn: '2026-09-14', endsOn: '2027-03-31', rotationStart: '2026-09-14', shift: 0 },
    { name: 'Primavera-estate 2027', startsOn: '2027-04-01', endsOn: '2027-06-10', rotationStart: '2027-03-29', shift: 3 },
  ];
  for (const level of ['infanzia', 'primaria', 'secondaria']) {
    for (const season of seasons) {
      const plan = await db
        .insertInto('menu_plan')
        .values({
          ente_id: enteId,
          name: `${season.name} — ${level}`,
          school_level: level,
          starts_on: season.startsOn,
          ends_on: season.endsOn,
          rotation_weeks: 4,
          rotation_start: season.rotationStart,
          // Published before the school year, as the office does: a draft would not reach the parents.
          published_at: '2026-09-01T08:00:00.000Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let week = 1; week <= 4; week++) {
        for (let weekday = 1; weekday <= 5; weekday++) {
          const n = (week - 1) * 5 + (weekday - 1) + season.shift;
          const day: [Course, DishSpec][] = [
            ['primo', PRIMI[n % PRIMI.length]!],
            ['secondo', SECONDI[(n * 3) % SECONDI.length]!],
            ['contorno', CONTORNI[n % CONTORNI.length]!],
            ['frutta', FRUTTA[n % FRUTTA.length]!],
            ['pane', PANE],
          ];
          for (const [course, spec] of day) {
            const item = { plan_id: plan.id, week, weekday, course };
            await db.insertInto('menu_item').values({ ...item, diet_code: '', dish_id: await dish(spec) }).execute();
            for (const diet of ['senza-glutine', 'senza-lattosio', 'vegetariana', 'senza-maiale']) {
              const replacement = variant(diet, course, spec[0]);
              if (replacement) await db.insertInto('menu_item').values({ ...item, diet_code: diet, dish_id: await dish(replacement) }).execute();
            }
          }
        }
      }
    }
  }
}
