/**
 * The registry's search key (issue 13, decision 0017): a person's names as the office types them —
 * lower case, accents stripped, every character that is not a letter or a digit a space — family names
 * first, then given names: "Nicolò De' Rossi" → "de rossi nicolo". It is stored in `person.search_key`,
 * indexed with the ente, and the office's search compares it with what was typed, normalised the same
 * way. The database derives from it the key from the second, third and fourth name on (migration 0015),
 * so that the start of any name finds the person through an index.
 *
 * Every writer of a person row — the office's forms, the import, the demo seed, the test builders, the
 * benchmarks — sets `search_key: searchKeyOf(person)` whenever it writes the names. A row written
 * without it is not found by name (it still is by fiscal code and badge).
 */
export function searchKeyOf(person: { givenName: string; familyName: string }): string {
  return normaliseSearchText(`${person.familyName} ${person.givenName}`);
}

/**
 * A person's column values with their search key added whenever they set a name: for an insert (both
 * names given) or a partial update (the other name taken from `current`, the values stored now).
 */
export function withSearchKey<T extends { given_name?: string; family_name?: string }>(
  values: T,
  current?: { given_name: string; family_name: string },
): T & { search_key?: string } {
  if (values.given_name === undefined && values.family_name === undefined) return values;
  const givenName = values.given_name ?? current?.given_name;
  const familyName = values.family_name ?? current?.family_name;
  if (givenName === undefined || familyName === undefined) return values;
  return { ...values, search_key: searchKeyOf({ givenName, familyName }) };
}

/** Letters that do not decompose into a base letter and an accent. */
const FOLDED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', ı: 'i', þ: 'th', ð: 'd' };

/** What was typed, as a search key: lower-case ASCII letters and digits, single spaces between words. */
export function normaliseSearchText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłıþð]/g, (c) => FOLDED[c] ?? c)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** How many of a name's words the database indexes from their start (migration 0015): the later ones are found only with an earlier one. */
export const INDEXED_NAME_WORDS = 4;

/** The columns holding the key from the first, second, third and fourth word on. */
export const SEARCH_KEY_COLUMNS = ['search_key', 'search_key_2', 'search_key_3', 'search_key_4'] as const;

/**
 * The upper bound of the keys that start with `prefix`: keys hold only [a-z0-9 ], all below '~', so
 * `key >= prefix and key < prefix || '~'` is "starts with", and an index on the key serves it.
 */
export function prefixEnd(prefix: string): string {
  return `${prefix}~`;
}
