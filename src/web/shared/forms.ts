import { z } from 'zod';

/**
 * The one parser of the numbers people and links send us (ids, years), for every route: plain decimal
 * digits only. `Number()` and `z.coerce` would read `1e1`, `0x11`, `02026` or ` 7` as 10, 17, 2026 and 7,
 * so that one resource had many addresses; and a value beyond the database's integer columns would reach
 * PostgreSQL and fail there (a 500) instead of being nobody's id (a 404).
 */
const ID_PATTERN = /^[1-9][0-9]{0,9}$/;
/** The largest value of the `integer` columns of both engines (PostgreSQL's int4). */
export const MAX_DB_INTEGER = 2_147_483_647;

/** A database id as sent in a path, query or form field; undefined when it is not exactly one. */
export function parseId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) return undefined;
  const id = Number(value);
  return id <= MAX_DB_INTEGER ? id : undefined;
}

/** A calendar year written with four digits, the first not 0. */
export function parseYear(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9][0-9]{3}$/.test(value) ? Number(value) : undefined;
}

/** zod forms of the same rules, for route schemas. */
export const idField = z
  .string()
  .refine((value) => parseId(value) !== undefined)
  .transform(Number);
export const yearField = z
  .string()
  .refine((value) => parseYear(value) !== undefined)
  .transform(Number);

/**
 * The ids of a repeated form field (one value or many). Duplicates are refused rather than merged: a
 * browser never sends the same checkbox twice, so a form that does was not made by our page.
 */
export function parseIdList(value: unknown): { ok: true; ids: number[] } | { ok: false; reason: 'invalid' | 'duplicate' } {
  const raw = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const ids: number[] = [];
  for (const item of raw) {
    const id = parseId(item);
    if (id === undefined) return { ok: false, reason: 'invalid' };
    if (ids.includes(id)) return { ok: false, reason: 'duplicate' };
    ids.push(id);
  }
  return { ok: true, ids };
}

/** C0 control characters and DEL: never part of anything a person types into our forms or links. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/** Dates as browsers send them (YYYY-MM-DD) or as people type them (DD/MM/YYYY). */
export function normaliseDate(value: string | undefined): string {
  const text = value ?? '';
  const typed = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return typed ? `${typed[3]}-${typed[2]!.padStart(2, '0')}-${typed[1]!.padStart(2, '0')}` : text.trim();
}

/**
 * An amount in euro as people type it ("20", "20,50", "20.5", "€ 20") into integer cents, exactly;
 * undefined when it is not one. At most six digits of euro, so that it always fits an integer column.
 */
export function euroInputToCents(value: string | undefined): number | undefined {
  const match = /^\s*(?:€\s*)?(\d{1,6})(?:[.,](\d{1,2}))?\s*(?:€|euro)?\s*$/i.exec(value ?? '');
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

/**
 * The one rule for where we may send a browser back to (`?torna=`, a log-in's return): a path of our own
 * origin and nothing else. Printable ASCII only, because browsers silently drop tabs and newlines
 * (`/\t/evil.example` becomes `//evil.example`, another site) and a header cannot carry control or
 * non-Latin-1 characters at all (Node throws, a 500); no `//` or `/\` at the start (both mean "another
 * host" to a browser) and no backslash anywhere (browsers read it as `/`).
 */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) return fallback;
  if (!/^\/[\x21-\x7e]*$/.test(value) || value.includes('\\') || value.startsWith('//')) return fallback;
  // Resolved against a placeholder origin it must stay there, as the same path.
  const resolved = new URL(value, 'http://origin.invalid');
  if (resolved.origin !== 'http://origin.invalid') return fallback;
  return value;
}
