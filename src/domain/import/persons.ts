import type { PersonTable } from '../../db/schema';
import { searchKeyOf } from '../registry/search-key';

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
export function personValues<T extends Partial<PersonValues>>(values: T, current?: PersonValues): T & { search_key?: string } {
  if (values.given_name === undefined && values.family_name === undefined) return values;
  const givenName = values.given_name ?? current?.given_name;
  const familyName = values.family_name ?? current?.family_name;
  if (givenName === undefined || familyName === undefined) return values;
  return { ...values, search_key: searchKeyOf({ givenName, familyName }) };
}
