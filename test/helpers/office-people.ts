import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import type { Browser } from './app';

/**
 * Helpers of the registry's office tests (persons, pupils, the adults of a pupil): valid forms, counts of
 * rows, raw bodies with a field sent twice.
 */

/** A valid, fresh codice fiscale for the n-th person a test types in. */
let typedPeople = 0;
export function freshCode(sex: 'F' | 'M' = 'F', names: { familyName: string; givenName: string } = { familyName: 'Brambilla', givenName: 'Ornella' }): string {
  const n = ++typedPeople;
  const day = String(1 + (n % 28)).padStart(2, '0');
  const month = String(1 + ((n + process.pid) % 12)).padStart(2, '0');
  return fiscalCodeFor({ ...names, sex, birthDate: `1982-${month}-${day}`, placeCode: `M${String(100 + ((n * 13 + process.pid) % 900))}` });
}

/** What the office types for a new person (valid), with some fields replaced; `prefix` for the pupil's two-person form. */
export function personForm(fields: Record<string, string> = {}, prefix = ''): Record<string, string> {
  const form: Record<string, string> = {
    codice_fiscale: freshCode(),
    cognome: 'Brambilla',
    nome: 'Ornella',
    sesso: 'F',
    data_nascita: '14/03/1982',
    luogo_nascita: 'Milano',
    indirizzo: 'Via dei Test 3',
    cap: '20100',
    comune: 'Milano',
    provincia: 'mi',
    email: 'ornella@esempio.invalid',
    telefono: '+39 333 1234567',
    ...fields,
  };
  return Object.fromEntries(Object.entries(form).map(([field, value]) => [prefix + field, value]));
}

export async function count(db: Kysely<DB>, table: 'person' | 'pupil' | 'pupil_holder' | 'audit_event' | 'enrolment'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A form body with one field sent twice (a browser never does it). */
export function withTwice(form: Record<string, string>, field: string): string {
  const params = new URLSearchParams(form);
  params.append(field, form[field] ?? 'x');
  return params.toString();
}

export function postRaw(browser: Browser, url: string, payload: string) {
  return browser.request({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
}

/** The value attribute of a field as the page shows it again (HTML-escaped). */
export function valueOf(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/** Every field of a form on a page, as a browser would send it back (inputs, and the selected options). */
export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"/g)) fields[match[1]!] ??= unescape(match[2]!);
  for (const match of html.matchAll(/<select[^>]*?name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[match[1]!] = unescape(/<option value="([^"]*)" selected/.exec(match[2]!)?.[1] ?? '');
  }
  return fields;
}

function unescape(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
