/**
 * Keyset pagination (DESIGN §8): a list is read in pages ordered by a unique key, and the next page
 * starts after the last key seen, so a page costs the same at row 10 and at row 150,000 and a row added
 * meanwhile is neither skipped nor shown twice (an offset would do both). The cursor travels in the
 * page's address as an opaque string.
 */
export interface Page<Row> {
  rows: Row[];
  /** The cursor of the next page, when there is one. */
  next?: string;
}

/** A cursor is the sort key's parts, as JSON in base64url: opaque to people, checked when read back. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor made by `encodeCursor` with these types; undefined for anything else. */
export function decodeCursor<Types extends readonly ('string' | 'number')[]>(
  cursor: unknown,
  types: Types,
): { [K in keyof Types]: Types[K] extends 'number' ? number : string } | undefined {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 500 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parts) || parts.length !== types.length) return undefined;
    const valid = parts.every((part, i) =>
      types[i] === 'number' ? Number.isSafeInteger(part) : typeof part === 'string' && part.length <= 200,
    );
    return valid ? (parts as { [K in keyof Types]: Types[K] extends 'number' ? number : string }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `size + 1` rows to know whether there is a next page; `keyOf` gives the sort key of the last
 * row shown.
 */
export function pageOf<Row>(rows: Row[], size: number, keyOf: (row: Row) => readonly (string | number)[]): Page<Row> {
  if (rows.length <= size) return { rows };
  const shown = rows.slice(0, size);
  return { rows: shown, next: encodeCursor(keyOf(shown[shown.length - 1]!)) };
}
