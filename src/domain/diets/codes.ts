/**
 * The special diets the canteen cooks for (decision 0024): a fixed list, shared with the menus (a menu
 * item names one of these codes, '' for the ordinary menu) and the kitchen's counts. A new diet is a
 * change of code and of the menus together, never a free text typed by the office.
 */
export const DIET_CODES = ['senza-glutine', 'senza-lattosio', 'vegetariana', 'senza-maiale'] as const;
export type DietCode = (typeof DIET_CODES)[number];

/** Why a pupil has a diet: a medical one needs a certificate; an ethical or religious one the family's declaration. */
export const DIET_KINDS = ['medical', 'ethical', 'religious'] as const;
export type DietKind = (typeof DIET_KINDS)[number];

/**
 * A request is recorded, then approved from a day (to a day, or until ended) or refused; an approved diet
 * may be ended early from a day. The diet in force on a day is the approved (or ended) one whose range
 * holds it.
 */
export const DIET_STATES = ['richiesta', 'approvata', 'respinta', 'terminata'] as const;
export type DietState = (typeof DIET_STATES)[number];

export function isDietCode(value: string): value is DietCode {
  return (DIET_CODES as readonly string[]).includes(value);
}
