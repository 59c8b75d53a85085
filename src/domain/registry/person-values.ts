import { z } from 'zod';
import type { PersonTable } from '../../db/schema';
import { isCalendarDate } from '../calendar/local-time';
import { parseFiscalCode } from './fiscal-code';
import { searchKeyOf } from './search-key';

/**
 * A person of the registry as the office types it (issue 13): the rules of each field, and the one
 * function that turns valid input into the columns of `person`. Every write of a person's data goes
 * through `personValues`, so a column derived from them (a search key) is kept in one place.
 *
 * The rules are zod fields whose messages are catalogue keys (`m.officePeople.problems`, then the shared
 * `m.forms.problems`): the office's forms and the import check a person with the same words.
 */
export interface PersonInput {
  fiscalCode: string;
  familyName: string;
  givenName: string;
  sex: 'F' | 'M';
  birthDate: string;
  birthPlace: string;
  address: string;
  postcode: string;
  city: string;
  province: string;
  email: string | null;
  phone: string | null;
}

/** The columns of `person` a person's data sets (not the ente, id or version). */
export type PersonValues = Pick<
  PersonTable,
  'fiscal_code' | 'given_name' | 'family_name' | 'sex' | 'birth_date' | 'birth_place' | 'address' | 'postcode' | 'city' | 'province' | 'email' | 'phone'
>;

/** The one way a person's data becomes the columns of `person` (creation, correction, import). */
export function personValues(input: PersonInput): PersonValues & { search_key: string } {
  return {
    search_key: searchKeyOf(input),
    fiscal_code: input.fiscalCode,
    given_name: input.givenName,
    family_name: input.familyName,
    sex: input.sex,
    birth_date: input.birthDate,
    birth_place: input.birthPlace,
    address: input.address,
    postcode: input.postcode,
    city: input.city,
    province: input.province,
    email: input.email,
    phone: input.phone,
  };
}

/** What an audit event keeps of a person: the same fields, by their column names. */
export function personAuditRecord(row: PersonValues): Record<string, unknown> {
  // The search key is derived from the names: not a value of its own in the record's history.
  const { search_key: _derived, ...values } = personValues(personInputOf(row));
  return values;
}

export function personInputOf(row: PersonValues): PersonInput {
  return {
    fiscalCode: row.fiscal_code,
    familyName: row.family_name,
    givenName: row.given_name,
    sex: row.sex,
    birthDate: row.birth_date,
    birthPlace: row.birth_place,
    address: row.address,
    postcode: row.postcode,
    city: row.city,
    province: row.province,
    email: row.email,
    phone: row.phone,
  };
}

/** Collapses runs of spaces and trims: what is stored is what a person means, not how it was typed. */
function tidy(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Letters of any language, with the apostrophes, hyphens, dots and spaces of Italian and foreign names. */
const NAME = /^\p{L}[\p{L}\p{M}'’ .-]*$/u;
const NAME_MAX = 100;
const PLACE_MAX = 100;
const ADDRESS_MAX = 200;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

function requiredText(max: number, tooLong: string) {
  return z
    .string()
    .transform(tidy)
    .pipe(z.string().min(1, 'required').max(max, tooLong));
}

function nameField(required: string) {
  return z
    .string()
    .transform(tidy)
    .pipe(z.string().min(1, required).max(NAME_MAX, 'nameTooLong').regex(NAME, 'nameLetters'));
}

/** A codice fiscale: normalised (upper case, no spaces), format and check character (omocodia letters allowed). */
export const fiscalCodeField = z.string().transform((value, ctx) => {
  const parsed = parseFiscalCode(value.replace(/\s+/g, ''));
  if (parsed.ok) return parsed.code;
  ctx.addIssue({ code: 'custom', message: parsed.problem === 'empty' ? 'cfRequired' : parsed.problem === 'check' ? 'cfCheck' : 'cfFormat' });
  return z.NEVER;
});

/** A day of birth: a real calendar day (dd/mm/yyyy or yyyy-mm-dd), not after today, not before 1900. */
export function birthDateField(today: string) {
  return z.string().transform((value, ctx) => {
    const text = value.trim();
    if (text === '') {
      ctx.addIssue({ code: 'custom', message: 'birthDateRequired' });
      return z.NEVER;
    }
    const typed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
    const iso = typed ? `${typed[3]}-${typed[2]!.padStart(2, '0')}-${typed[1]!.padStart(2, '0')}` : text;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || !isCalendarDate(iso)) {
      ctx.addIssue({ code: 'custom', message: 'birthDateInvalid' });
      return z.NEVER;
    }
    if (iso > today) {
      ctx.addIssue({ code: 'custom', message: 'birthDateFuture' });
      return z.NEVER;
    }
    if (iso < '1900-01-01') {
      ctx.addIssue({ code: 'custom', message: 'birthDateTooOld' });
      return z.NEVER;
    }
    return iso;
  });
}

/** The fields of a person's form, by the names the office's forms use; `today` bounds the day of birth. */
export function personFormShape(today: string) {
  return {
    codice_fiscale: fiscalCodeField,
    cognome: nameField('familyNameRequired'),
    nome: nameField('givenNameRequired'),
    sesso: z.string().refine((value) => value === 'F' || value === 'M', 'sexRequired').transform((value) => value as 'F' | 'M'),
    data_nascita: birthDateField(today),
    luogo_nascita: requiredText(PLACE_MAX, 'placeTooLong'),
    indirizzo: requiredText(ADDRESS_MAX, 'addressTooLong'),
    cap: z
      .string()
      .transform((value) => value.trim())
      .pipe(z.string().min(1, 'required').regex(/^[0-9]{5}$/, 'postcodeFormat')),
    comune: requiredText(PLACE_MAX, 'placeTooLong'),
    provincia: z
      .string()
      .transform((value) => value.trim().toUpperCase())
      .pipe(z.string().min(1, 'required').regex(/^[A-Z]{2}$/, 'provinceFormat')),
    email: z
      .string()
      .transform((value) => value.trim())
      .pipe(z.string().max(254, 'emailFormat').refine((value) => value === '' || EMAIL.test(value), 'emailFormat'))
      .transform((value) => (value === '' ? null : value.toLowerCase())),
    telefono: z
      .string()
      .transform((value) => value.trim())
      .pipe(z.string().refine((value) => value === '' || /^\+?[0-9][0-9 ./-]{4,22}[0-9]$/.test(value), 'phoneFormat'))
      .transform((value) => (value === '' ? null : value)),
  };
}

export const PERSON_FORM_FIELDS = [
  'codice_fiscale', 'cognome', 'nome', 'sesso', 'data_nascita', 'luogo_nascita', 'indirizzo', 'cap', 'comune', 'provincia', 'email', 'telefono',
] as const;
export type PersonFormField = (typeof PERSON_FORM_FIELDS)[number];

export function personFormSchema(today: string) {
  return z.object(personFormShape(today));
}

export type PersonFormValues = z.output<ReturnType<typeof personFormSchema>>;

/** The parsed form as the domain's input. */
export function personInputFromForm(values: PersonFormValues): PersonInput {
  return {
    fiscalCode: values.codice_fiscale,
    familyName: values.cognome,
    givenName: values.nome,
    sex: values.sesso,
    birthDate: values.data_nascita,
    birthPlace: values.luogo_nascita,
    address: values.indirizzo,
    postcode: values.cap,
    city: values.comune,
    province: values.provincia,
    email: values.email,
    phone: values.telefono,
  };
}

/** A stored person as the form shows it (for editing, or the values saved now after a conflict). */
export function personFormOf(row: PersonValues): Record<PersonFormField, string> {
  return {
    codice_fiscale: row.fiscal_code,
    cognome: row.family_name,
    nome: row.given_name,
    sesso: row.sex,
    data_nascita: row.birth_date,
    luogo_nascita: row.birth_place,
    indirizzo: row.address,
    cap: row.postcode,
    comune: row.city,
    provincia: row.province,
    email: row.email ?? '',
    telefono: row.phone ?? '',
  };
}
