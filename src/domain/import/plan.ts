import { type Kysely, sql } from 'kysely';
import type { Billing, DB, PupilRelation } from '../../db/schema';
import { isCalendarDate } from '../calendar/local-time';
import { firstDayNotFrozen, termInForce } from '../registry/terms';
import { parseFiscalCode } from '../registry/fiscal-code';
import {
  IMPORT_COLUMNS,
  type ImportColumn,
  type ImportReport,
  MAX_LENGTH,
  OPTIONAL_COLUMNS,
  OPTIONAL_VALUES,
  type ProblemCode,
  emptyCounts,
} from './columns';
import { decodeText, detectSeparator, parseCsv } from './csv-read';
import type { PersonValues as RegistryPersonValues } from '../registry/person-values';

/** The values of a person the import writes (all but the keys, the fiscal code and the version). */
type PersonValues = Omit<RegistryPersonValues, 'fiscal_code'>;

/**
 * The dry run of an import (issue 13): every row of the file checked on its own, against the other rows
 * and against the ente's registry, and the list of what the import would create and change. The same
 * plan, made again inside the import's transaction, is what the import writes (service.ts): the dry
 * run and the import cannot disagree.
 *
 * Speed (150,000 rows, bench/import.ts): the ente's schools, services, years and tariffs are read once;
 * the registry's rows the file names are read in chunks of fiscal codes, pupil ids and badge codes;
 * everything else is maps in memory.
 */

/** Rows beyond this are refused: a larger registry is imported in several files. */
export const MAX_ROWS = 500_000;

/** Values per `in (…)` list: under SQLite's limit of bound parameters, and few round trips. */
const LOOKUP_CHUNK = 5000;

export interface PersonCreate extends PersonValues {
  fiscal_code: string;
}

export interface PersonUpdate {
  id: number;
  version: number;
  /** The person's values stored now. */
  current: PersonValues;
  before: Partial<PersonValues>;
  set: Partial<PersonValues>;
}

interface EnrolmentFields {
  school_id: number;
  holder_person_id: number;
  tariff_id: number;
  invoice_recipient: string;
  invoice_address: string;
  invoice_email: string | null;
}

export interface ImportPlan {
  report: ImportReport;
  personCreates: PersonCreate[];
  personUpdates: PersonUpdate[];
  pupilCreates: { pupilCf: string; school_id: number; class_name: string }[];
  pupilUpdates: {
    id: number;
    version: number;
    before: { school_id?: number; class_name?: string };
    set: { school_id?: number; class_name?: string };
    /**
     * The office set a change of a running enrolment for a day after `changeFrom`: the pupil's row keeps
     * that latest term's school and class, and the file's class holds in the terms from `changeFrom` to it.
     */
    laterTerm: boolean;
  }[];
  linkCreates: { pupilCf: string; personCf: string; relation: PupilRelation }[];
  linkUpdates: { pupilId: number; personId: number; before: PupilRelation; relation: PupilRelation }[];
  enrolmentCreates: (Omit<EnrolmentFields, 'holder_person_id'> & {
    pupilCf: string;
    holderCf: string;
    service_id: number;
    school_year_id: number;
    state: 'attiva' | 'cessata';
    starts_on: string;
    ends_on: string | null;
  })[];
  enrolmentUpdates: { id: number; version: number; pupilCf: string; holderCf: string; before: Partial<EnrolmentFields>; set: Partial<Omit<EnrolmentFields, 'holder_person_id'>>; holderChanged: boolean }[];
  badgeCreates: { code: string; pupilCf: string; service_id: number }[];
  /**
   * The first day not yet frozen in the ente: a running enrolment's school, band and holder change from it
   * (decision 0018), and the file is compared with the values in force on it.
   */
  changeFrom: string;
  /** Fiscal code → id, for the persons that exist already. */
  personIds: Map<string, number>;
  /** Pupil's fiscal code → pupil id, for the pupils that exist already. */
  pupilIds: Map<string, number>;
}

// ---------------------------------------------------------------------------------------------------
// Cells

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A cell our own export (src/web/shared/csv.ts) protected from spreadsheet formulas: `'+39…` is `+39…`. */
const NEUTRALISED = /^'[=+\-@\t\r]/;

export function matchKey(value: string): string {
  return value
    .normalize('NFC')
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLocaleLowerCase('it');
}

/** 'GG/MM/AAAA' (day and month may have one digit) or 'AAAA-MM-GG'; a day that exists; null otherwise. */
export function parseImportDate(value: string): string | null {
  let match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  let iso: string;
  if (match) iso = `${match[3]}-${match[2]!.padStart(2, '0')}-${match[1]!.padStart(2, '0')}`;
  else if ((match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value))) iso = value;
  else return null;
  return isCalendarDate(iso) && iso >= '1900-01-01' ? iso : null;
}

const MONTH_LETTERS = 'ABCDEHLMPRST';
const OMOCODIA_LETTERS = 'LMNPQRSTUV';
const digitOf = (char: string) => (/[0-9]/.test(char) ? Number(char) : OMOCODIA_LETTERS.indexOf(char));

/** What a 16-character fiscal code says of its person: sex, year in the century, month, day. */
export function birthFactsOf(code: string): { sex: 'F' | 'M'; yy: number; month: number; day: number } | null {
  if (code.length !== 16) return null;
  const yy = digitOf(code[6]!) * 10 + digitOf(code[7]!);
  const month = MONTH_LETTERS.indexOf(code[8]!) + 1;
  const dayCode = digitOf(code[9]!) * 10 + digitOf(code[10]!);
  if (month < 1) return null;
  return { sex: dayCode > 40 ? 'F' : 'M', yy, month, day: dayCode > 40 ? dayCode - 40 : dayCode };
}

/** An adult's birth date from the fiscal code: the century that makes them at least 14 today. */
export function adultBirthDateOf(code: string, today: string): { sex: 'F' | 'M'; birthDate: string } | null {
  const facts = birthFactsOf(code);
  if (!facts) return null;
  const thisYear = Number(today.slice(0, 4));
  const year = 2000 + facts.yy <= thisYear - 14 ? 2000 + facts.yy : 1900 + facts.yy;
  const birthDate = `${year}-${String(facts.month).padStart(2, '0')}-${String(facts.day).padStart(2, '0')}`;
  return isCalendarDate(birthDate) ? { sex: facts.sex, birthDate } : null;
}

// ---------------------------------------------------------------------------------------------------
// The ente's own schools, services, years and tariffs

interface Reference {
  schools: Map<string, number[]>;
  services: { id: number; kind: string; key: string; billing: Billing }[];
  years: Map<string, { id: number; starts_on: string; ends_on: string }>;
  /** `service/year` → band code (lower case) and band label key → the band's first tariff row. */
  bands: Map<string, Map<string, { id: number; band_code: string }>>;
  bandOfTariff: Map<number, string>;
}

async function loadReference(db: Kysely<DB>, enteId: number): Promise<Reference> {
  const [schools, services, years, tariffs] = await Promise.all([
    db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).execute(),
    db.selectFrom('service').select(['id', 'kind', 'name', 'billing']).where('ente_id', '=', enteId).execute(),
    db.selectFrom('school_year').select(['id', 'label', 'starts_on', 'ends_on']).where('ente_id', '=', enteId).execute(),
    db
      .selectFrom('tariff')
      .select(['id', 'service_id', 'school_year_id', 'band_code', 'band_label', 'valid_from'])
      .where('ente_id', '=', enteId)
      // The band's base row first: no start date (the whole year), then the earliest.
      .orderBy(sql`case when valid_from is null then 0 else 1 end`)
      .orderBy('valid_from')
      .orderBy('id')
      .execute(),
  ]);
  const schoolMap = new Map<string, number[]>();
  const addSchool = (key: string, id: number) => {
    const list = schoolMap.get(key) ?? [];
    if (!list.includes(id)) list.push(id);
    schoolMap.set(key, list);
  };
  for (const s of schools) {
    addSchool(matchKey(s.name), s.id);
    addSchool(String(s.id), s.id);
  }
  const bands = new Map<string, Map<string, { id: number; band_code: string }>>();
  const bandOfTariff = new Map<number, string>();
  for (const t of tariffs) {
    const key = `${t.service_id}/${t.school_year_id}`;
    let map = bands.get(key);
    if (!map) bands.set(key, (map = new Map()));
    const band = { id: t.id, band_code: t.band_code };
    if (!map.has(matchKey(t.band_code))) map.set(matchKey(t.band_code), band);
    if (!map.has(matchKey(t.band_label))) map.set(matchKey(t.band_label), band);
    bandOfTariff.set(t.id, t.band_code);
  }
  return {
    schools: schoolMap,
    services: services.map((s) => ({ id: s.id, kind: s.kind, key: matchKey(s.name), billing: s.billing })),
    years: new Map(years.map((y) => [normaliseYear(y.label), { id: y.id, starts_on: y.starts_on, ends_on: y.ends_on }])),
    bands,
    bandOfTariff,
  };
}

/** '2026/2027', '2026-2027' and '2026/27' name the same school year. */
function normaliseYear(label: string): string {
  const match = /^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$/.exec(label);
  if (!match) return label.trim();
  const second = match[2]!.length === 2 ? `${match[1]!.slice(0, 2)}${match[2]}` : match[2]!;
  return `${match[1]}/${second}`;
}

// ---------------------------------------------------------------------------------------------------
// One row

interface RowFacts {
  row: number;
  pupil: { cf: string; given_name: string; family_name: string; sex: 'F' | 'M'; birth_date: string; birth_place: string };
  address: { address: string; postcode: string; city: string; province: string };
  holder: { cf: string; given_name: string; family_name: string; email: string | null; phone: string | null };
  other: { cf: string; given_name: string; family_name: string } | null;
  schoolId: number;
  className: string;
  serviceId: number;
  yearId: number;
  yearStartsOn: string;
  yearEndsOn: string;
  tariffId: number;
  bandCode: string;
  badge: string | null;
}

function checkRow(
  row: number,
  cell: (column: ImportColumn) => string,
  reference: Reference,
  today: string,
  problem: (column: ImportColumn | null, code: ProblemCode, otherRow?: number) => void,
): RowFacts | null {
  let ok = true;
  const fail = (column: ImportColumn | null, code: ProblemCode) => {
    ok = false;
    problem(column, code);
  };
  const values = {} as Record<ImportColumn, string>;
  for (const column of IMPORT_COLUMNS) {
    let value = cell(column).trim();
    if (NEUTRALISED.test(value)) value = value.slice(1);
    values[column] = value;
    if (CONTROL.test(value)) fail(column, 'controlCharacters');
    else if (value.length > MAX_LENGTH[column] && !(column === 'anno_scolastico' || column.startsWith('cf_'))) fail(column, 'tooLong');
    else if (value === '' && !OPTIONAL_VALUES.includes(column)) fail(column, 'required');
  }
  if (!ok) {
    // A cell that cannot be read is reported alone: the checks of its meaning would only repeat it.
    return null;
  }

  const fiscalCode = (column: ImportColumn): string => {
    const parsed = parseFiscalCode(values[column]);
    if (parsed.ok) return parsed.code;
    fail(column, 'cfInvalid');
    return '';
  };
  const pupilCf = fiscalCode('cf_alunno');
  const holderCf = fiscalCode('cf_intestatario');

  const birthDate = parseImportDate(values.data_nascita_alunno);
  if (!birthDate) fail('data_nascita_alunno', 'dateInvalid');
  else if (birthDate > today) fail('data_nascita_alunno', 'dateFuture');
  const sex = values.sesso_alunno.toUpperCase();
  if (sex !== 'M' && sex !== 'F') fail('sesso_alunno', 'sexInvalid');
  // The code says when and as what sex the pupil was born: the file must say the same.
  if (pupilCf && birthDate && (sex === 'M' || sex === 'F')) {
    const facts = birthFactsOf(pupilCf);
    if (facts && (facts.yy !== Number(birthDate.slice(2, 4)) || facts.month !== Number(birthDate.slice(5, 7)) || facts.day !== Number(birthDate.slice(8, 10)))) {
      fail('data_nascita_alunno', 'cfMismatch');
    } else if (facts && facts.sex !== sex) fail('sesso_alunno', 'cfMismatch');
  }
  if (holderCf && holderCf === pupilCf) fail('cf_intestatario', 'sameAsPupil');
  if (!/^\d{5}$/.test(values.cap)) fail('cap', 'postcodeInvalid');
  if (!/^[A-Za-z]{2}$/.test(values.provincia)) fail('provincia', 'provinceInvalid');
  const email = values.email_intestatario;
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail('email_intestatario', 'emailInvalid');
  const phone = values.telefono_intestatario;
  if (phone && !/^\+?[0-9][0-9 ./()-]{3,28}$/.test(phone)) fail('telefono_intestatario', 'phoneInvalid');
  const badge = values.badge;
  if (badge && !/^[A-Za-z0-9_-]{1,32}$/.test(badge)) fail('badge', 'badgeInvalid');

  let other: RowFacts['other'] = null;
  const otherGiven = [values.cf_altro_genitore, values.cognome_altro_genitore, values.nome_altro_genitore];
  if (otherGiven.some((v) => v !== '')) {
    if (otherGiven.some((v) => v === '')) {
      for (const column of ['cf_altro_genitore', 'cognome_altro_genitore', 'nome_altro_genitore'] as const) {
        if (values[column] === '') fail(column, 'otherParentIncomplete');
      }
    } else {
      const otherCf = fiscalCode('cf_altro_genitore');
      if (otherCf && otherCf === pupilCf) fail('cf_altro_genitore', 'sameAsPupil');
      else if (otherCf && otherCf === holderCf) fail('cf_altro_genitore', 'sameAsHolder');
      other = { cf: otherCf, given_name: values.nome_altro_genitore, family_name: values.cognome_altro_genitore };
    }
  }

  const schools = reference.schools.get(matchKey(values.scuola)) ?? [];
  if (schools.length === 0) fail('scuola', 'schoolUnknown');
  else if (schools.length > 1) fail('scuola', 'schoolAmbiguous');

  const mode = values.modalita_pagamento.toLowerCase();
  const billing: Billing | undefined = mode === 'prepagato' || mode === 'prepagata' ? 'prepaid' : mode === 'postpagato' || mode === 'postpagata' ? 'postpaid' : undefined;
  if (!billing) fail('modalita_pagamento', 'paymentInvalid');
  const serviceKey = matchKey(values.servizio);
  const byName = reference.services.filter((s) => s.key === serviceKey);
  const named = byName.length ? byName : reference.services.filter((s) => s.kind === serviceKey || String(s.id) === serviceKey);
  let serviceId: number | undefined;
  if (named.length === 0) fail('servizio', 'serviceUnknown');
  else if (billing) {
    const withBilling = named.filter((s) => s.billing === billing);
    if (withBilling.length === 0) fail('modalita_pagamento', 'serviceBilling');
    else if (withBilling.length > 1) fail('servizio', 'serviceAmbiguous');
    else serviceId = withBilling[0]!.id;
  }

  const year = reference.years.get(normaliseYear(values.anno_scolastico));
  if (!year) fail('anno_scolastico', 'yearUnknown');
  const band = serviceId !== undefined && year ? reference.bands.get(`${serviceId}/${year.id}`)?.get(matchKey(values.fascia)) : undefined;
  if (serviceId !== undefined && year && !band) fail('fascia', 'bandUnknown');

  if (!ok) return null;
  return {
    row,
    pupil: { cf: pupilCf, given_name: values.nome_alunno, family_name: values.cognome_alunno, sex: sex as 'F' | 'M', birth_date: birthDate!, birth_place: values.comune_nascita_alunno },
    address: { address: values.indirizzo, postcode: values.cap, city: values.comune, province: values.provincia.toUpperCase() },
    holder: { cf: holderCf, given_name: values.nome_intestatario, family_name: values.cognome_intestatario, email: email || null, phone: phone || null },
    other,
    schoolId: schools[0]!,
    className: values.classe,
    serviceId: serviceId!,
    yearId: year!.id,
    yearStartsOn: year!.starts_on,
    yearEndsOn: year!.ends_on,
    tariffId: band!.id,
    bandCode: band!.band_code,
    badge: badge || null,
  };
}

// ---------------------------------------------------------------------------------------------------
// The file

type PersonField = keyof PersonValues;

/** What the file says of one person (by fiscal code), field by field, with the first row that said it. */
interface PersonClaims {
  fields: Map<PersonField, { value: string | null; row: number }>;
  /** Where the person was first named, for problems of the person as a whole. */
  firstRow: number;
  firstColumn: ImportColumn;
  /** The address of the first row: a new holder or parent lives at the pupil's address. */
  address: RowFacts['address'];
}

const PUPIL_COLUMNS: Partial<Record<PersonField, ImportColumn>> = {
  given_name: 'nome_alunno',
  family_name: 'cognome_alunno',
  sex: 'sesso_alunno',
  birth_date: 'data_nascita_alunno',
  birth_place: 'comune_nascita_alunno',
  address: 'indirizzo',
  postcode: 'cap',
  city: 'comune',
  province: 'provincia',
};
const HOLDER_COLUMNS: Partial<Record<PersonField, ImportColumn>> = {
  given_name: 'nome_intestatario',
  family_name: 'cognome_intestatario',
  address: 'indirizzo',
  postcode: 'cap',
  city: 'comune',
  province: 'provincia',
  email: 'email_intestatario',
  phone: 'telefono_intestatario',
};
const OTHER_COLUMNS: Partial<Record<PersonField, ImportColumn>> = { given_name: 'nome_altro_genitore', family_name: 'cognome_altro_genitore' };

export async function planImport(db: Kysely<DB>, enteId: number, bytes: Uint8Array, today: string): Promise<ImportPlan> {
  const { text, encoding } = decodeText(bytes);
  const separator = detectSeparator(text);
  const report: ImportReport = { rows: 0, encoding, separator, problems: [], created: emptyCounts(), changed: emptyCounts(), applied: false };
  const plan: ImportPlan = {
    report,
    personCreates: [],
    personUpdates: [],
    pupilCreates: [],
    pupilUpdates: [],
    linkCreates: [],
    linkUpdates: [],
    enrolmentCreates: [],
    enrolmentUpdates: [],
    badgeCreates: [],
    changeFrom: await firstDayNotFrozen(db, enteId, today),
    personIds: new Map(),
    pupilIds: new Map(),
  };
  const problems = report.problems;
  const { records, unclosedQuoteRow } = parseCsv(text, separator);
  if (records.length === 0) {
    problems.push({ row: 1, column: null, code: 'fileEmpty' });
    return plan;
  }
  // The header: known names, each once, the required ones all there.
  const header = records[0]!;
  const indexOf = new Map<ImportColumn, number>();
  header.fields.forEach((raw, index) => {
    const name = raw.trim().toLowerCase().replace(/^\ufeff/, '');
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) problems.push({ row: header.row, column: null, code: 'headerUnknown', value: raw.trim().slice(0, 60) });
    else if (indexOf.has(name as ImportColumn)) problems.push({ row: header.row, column: name as ImportColumn, code: 'headerDuplicate' });
    else indexOf.set(name as ImportColumn, index);
  });
  for (const column of IMPORT_COLUMNS) {
    if (!indexOf.has(column) && !OPTIONAL_COLUMNS.includes(column)) problems.push({ row: header.row, column, code: 'headerMissing' });
  }
  if (problems.length) return plan;
  const data = records.slice(1);
  report.rows = data.length;
  if (data.length > MAX_ROWS) {
    problems.push({ row: 1, column: null, code: 'tooManyRows' });
    return plan;
  }

  const reference = await loadReference(db, enteId);
  const facts: RowFacts[] = [];
  for (const record of data) {
    const add = (column: ImportColumn | null, code: ProblemCode, otherRow?: number) =>
      problems.push({ row: record.row, column, code, ...(otherRow ? { otherRow } : {}) });
    if (record.fields.length !== header.fields.length) {
      add(null, 'fieldCount');
      continue;
    }
    const row = checkRow(record.row, (column) => { const index = indexOf.get(column); return index === undefined ? '' : record.fields[index]!; }, reference, today, add);
    if (row) facts.push(row);
  }
  if (unclosedQuoteRow !== undefined) problems.push({ row: unclosedQuoteRow, column: null, code: 'unclosedQuote' });

  // Across rows: one enrolment per pupil, service and year; one truth per person, pupil and badge.
  const persons = new Map<string, PersonClaims>();
  const pupils = new Map<string, { schoolId: number; className: string; row: number }>();
  const enrolments = new Map<string, number>();
  const links = new Map<string, { pupilCf: string; personCf: string; relation: PupilRelation }>();
  /** A pupil has one intestatario (migration 0016): the payer the file names for it first. */
  const holderOfPupil = new Map<string, { cf: string; row: number }>();
  const badges = new Map<string, { pupilCf: string; serviceId: number; row: number }>();
  const badgeOfPupilService = new Map<string, { code: string; row: number }>();
  const clean: RowFacts[] = [];
  for (const row of facts) {
    let ok = true;
    const add = (column: ImportColumn | null, code: ProblemCode, otherRow?: number) => {
      ok = false;
      problems.push({ row: row.row, column, code, ...(otherRow ? { otherRow } : {}) });
    };
    const key = `${row.pupil.cf}/${row.serviceId}/${row.yearId}`;
    const first = enrolments.get(key);
    if (first !== undefined) {
      add(null, 'duplicateRow', first);
      continue;
    }
    enrolments.set(key, row.row);
    const claim = (cf: string, cfColumn: ImportColumn, columns: Partial<Record<PersonField, ImportColumn>>, values: Partial<Record<PersonField, string | null>>) => {
      let person = persons.get(cf);
      if (!person) persons.set(cf, (person = { fields: new Map(), firstRow: row.row, firstColumn: cfColumn, address: row.address }));
      for (const [field, column] of Object.entries(columns) as [PersonField, ImportColumn][]) {
        const value = values[field];
        // An empty optional cell (email, telephone) says nothing: it neither sets nor clears.
        if (value === undefined || value === null) continue;
        const said = person.fields.get(field);
        if (!said) person.fields.set(field, { value, row: row.row });
        else if (said.value !== value) add(column, 'differsFromRow', said.row);
      }
    };
    claim(row.pupil.cf, 'cf_alunno', PUPIL_COLUMNS, { ...row.pupil, ...row.address });
    claim(row.holder.cf, 'cf_intestatario', HOLDER_COLUMNS, { ...row.holder, ...row.address });
    if (row.other) claim(row.other.cf, 'cf_altro_genitore', OTHER_COLUMNS, row.other);
    const pupil = pupils.get(row.pupil.cf);
    if (!pupil) pupils.set(row.pupil.cf, { schoolId: row.schoolId, className: row.className, row: row.row });
    else {
      if (pupil.schoolId !== row.schoolId) add('scuola', 'differsFromRow', pupil.row);
      if (pupil.className !== row.className) add('classe', 'differsFromRow', pupil.row);
    }
    if (row.badge) {
      const taken = badges.get(row.badge);
      if (taken && (taken.pupilCf !== row.pupil.cf || taken.serviceId !== row.serviceId)) add('badge', 'badgeDuplicate', taken.row);
      else if (!taken) badges.set(row.badge, { pupilCf: row.pupil.cf, serviceId: row.serviceId, row: row.row });
      const held = badgeOfPupilService.get(`${row.pupil.cf}/${row.serviceId}`);
      if (held && held.code !== row.badge) add('badge', 'differsFromRow', held.row);
      else if (!held) badgeOfPupilService.set(`${row.pupil.cf}/${row.serviceId}`, { code: row.badge, row: row.row });
    }
    // The payer of any of the pupil's enrolments is its intestatario; the other parent a cointestatario.
    const link = (personCf: string, relation: PupilRelation) => {
      const linkKey = `${row.pupil.cf}/${personCf}`;
      const had = links.get(linkKey);
      if (!had || (had.relation === 'cointestatario' && relation === 'intestatario')) links.set(linkKey, { pupilCf: row.pupil.cf, personCf, relation });
    };
    const holder = holderOfPupil.get(row.pupil.cf);
    if (holder && holder.cf !== row.holder.cf) add('cf_intestatario', 'differsFromRow', holder.row);
    else if (!holder) holderOfPupil.set(row.pupil.cf, { cf: row.holder.cf, row: row.row });
    link(row.holder.cf, 'intestatario');
    if (row.other) link(row.other.cf, 'cointestatario');
    if (ok) clean.push(row);
  }

  await compareWithRegistry(db, enteId, today, plan, { persons, pupils, links, badges, rows: clean, bandOfTariff: reference.bandOfTariff });
  problems.sort((a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column));
  report.created = {
    persons: plan.personCreates.length,
    pupils: plan.pupilCreates.length,
    links: plan.linkCreates.length,
    enrolments: plan.enrolmentCreates.length,
    badges: plan.badgeCreates.length,
  };
  report.changed = {
    persons: plan.personUpdates.length,
    pupils: plan.pupilUpdates.length,
    links: plan.linkUpdates.length,
    enrolments: plan.enrolmentUpdates.length,
    badges: 0,
  };
  return plan;
}

function columnOrder(column: ImportColumn | null): number {
  return column === null ? -1 : IMPORT_COLUMNS.indexOf(column);
}

function chunks<T>(values: readonly T[], size = LOOKUP_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function invoiceAddress(a: RowFacts['address']): string {
  return `${a.address}, ${a.postcode} ${a.city} (${a.province})`;
}

// ---------------------------------------------------------------------------------------------------
// The registry

async function compareWithRegistry(
  db: Kysely<DB>,
  enteId: number,
  today: string,
  plan: ImportPlan,
  file: {
    persons: Map<string, PersonClaims>;
    pupils: Map<string, { schoolId: number; className: string; row: number }>;
    links: Map<string, { pupilCf: string; personCf: string; relation: PupilRelation }>;
    badges: Map<string, { pupilCf: string; serviceId: number; row: number }>;
    rows: RowFacts[];
    bandOfTariff: Map<number, string>;
  },
): Promise<void> {
  const problems = plan.report.problems;
  // Persons by fiscal code.
  const existingPersons = new Map<string, PersonValues & { id: number; version: number }>();
  for (const part of chunks([...file.persons.keys()])) {
    const rows = await db
      .selectFrom('person')
      .select(['id', 'fiscal_code', 'given_name', 'family_name', 'sex', 'birth_date', 'birth_place', 'address', 'postcode', 'city', 'province', 'email', 'phone', 'version'])
      .where('ente_id', '=', enteId)
      .where('fiscal_code', 'in', part)
      .execute();
    for (const { fiscal_code, ...person } of rows) existingPersons.set(fiscal_code, person);
  }
  for (const [cf, person] of existingPersons) plan.personIds.set(cf, person.id);

  for (const [cf, claims] of file.persons) {
    const existing = existingPersons.get(cf);
    if (existing) {
      const before: Partial<PersonValues> = {};
      const set: Partial<PersonValues> = {};
      for (const [field, said] of claims.fields) {
        if (existing[field] !== said.value) {
          (before as Record<string, unknown>)[field] = existing[field];
          (set as Record<string, unknown>)[field] = said.value;
        }
      }
      if (Object.keys(set).length) {
        const { id, version, ...current } = existing;
        plan.personUpdates.push({ id, version, current, before, set });
      }
      continue;
    }
    const said = (field: PersonField) => claims.fields.get(field)?.value;
    let sex = said('sex') as 'F' | 'M' | undefined;
    let birthDate = said('birth_date') ?? undefined;
    if (!sex || !birthDate) {
      // A holder or a parent new to the registry: sex and birth date as the fiscal code says.
      const fromCode = adultBirthDateOf(cf, today);
      if (!fromCode) {
        problems.push({ row: claims.firstRow, column: claims.firstColumn, code: 'cfNoBirthData' });
        continue;
      }
      sex = fromCode.sex;
      birthDate = fromCode.birthDate;
    }
    plan.personCreates.push({
      fiscal_code: cf,
      given_name: said('given_name')!,
      family_name: said('family_name')!,
      sex,
      birth_date: birthDate,
      birth_place: said('birth_place') ?? '',
      address: said('address') ?? claims.address.address,
      postcode: said('postcode') ?? claims.address.postcode,
      city: said('city') ?? claims.address.city,
      province: said('province') ?? claims.address.province,
      email: said('email') ?? null,
      phone: said('phone') ?? null,
    });
  }

  // Pupils by person.
  const pupilPersonIds = [...file.pupils.keys()].map((cf) => existingPersons.get(cf)?.id).filter((id): id is number => id !== undefined);
  const existingPupils = new Map<number, { id: number; school_id: number; class_name: string; version: number }>();
  for (const part of chunks(pupilPersonIds)) {
    const rows = await db
      .selectFrom('pupil')
      .select(['id', 'person_id', 'school_id', 'class_name', 'version'])
      .where('ente_id', '=', enteId)
      .where('person_id', 'in', part)
      .execute();
    for (const { person_id, ...pupil } of rows) existingPupils.set(person_id, pupil);
  }
  const pupilOf = (cf: string) => {
    const personId = existingPersons.get(cf)?.id;
    return personId === undefined ? undefined : existingPupils.get(personId);
  };
  // Links, enrolments and active badges of the pupils that exist.
  const pupilIds = [...existingPupils.values()].map((p) => p.id);
  /** Per pupil, the school and class in force on `changeFrom` when the office set a change for a later day. */
  const beforeLaterTerm = await schoolAndClassBeforeLaterTerms(db, enteId, pupilIds, plan.changeFrom);
  for (const [cf, said] of file.pupils) {
    const existing = pupilOf(cf);
    if (!existing) {
      plan.pupilCreates.push({ pupilCf: cf, school_id: said.schoolId, class_name: said.className });
      continue;
    }
    plan.pupilIds.set(cf, existing.id);
    // The row carries the latest term's school and class; the file says what holds now.
    const inForce = beforeLaterTerm.get(existing.id) ?? existing;
    const before: { school_id?: number; class_name?: string } = {};
    const set: { school_id?: number; class_name?: string } = {};
    if (inForce.school_id !== said.schoolId) [before.school_id, set.school_id] = [inForce.school_id, said.schoolId];
    if (inForce.class_name !== said.className) [before.class_name, set.class_name] = [inForce.class_name, said.className];
    if (Object.keys(set).length) plan.pupilUpdates.push({ id: existing.id, version: existing.version, before, set, laterTerm: beforeLaterTerm.has(existing.id) });
  }

  const existingLinks = new Map<string, PupilRelation>();
  /** The account holder of each pupil already in the registry (one per pupil, migration 0016). */
  const intestatarioOf = new Map<number, number>();
  const existingEnrolments = new Map<string, { id: number; version: number } & EnrolmentFields>();
  const activeBadges = new Map<string, string>();
  for (const part of chunks(pupilIds)) {
    const [linkRows, enrolmentRows, badgeRows] = await Promise.all([
      db.selectFrom('pupil_holder').select(['pupil_id', 'person_id', 'relation']).where('ente_id', '=', enteId).where('pupil_id', 'in', part).execute(),
      db
        .selectFrom('enrolment')
        // The school, band and holder the file is compared with are those in force when its changes would
        // start: the enrolment row carries its latest term's, which may be a change the office set for later.
        .select(['id', 'version', 'pupil_id', 'service_id', 'school_year_id', 'invoice_recipient', 'invoice_address', 'invoice_email'])
        .select([
          termInForce('school_id', 'enrolment', plan.changeFrom).as('school_id'),
          termInForce('holder_person_id', 'enrolment', plan.changeFrom).as('holder_person_id'),
          termInForce('tariff_id', 'enrolment', plan.changeFrom).as('tariff_id'),
        ])
        .where('ente_id', '=', enteId)
        .where('pupil_id', 'in', part)
        .execute(),
      db
        .selectFrom('badge')
        .select(['code', 'pupil_id', 'service_id'])
        .where('ente_id', '=', enteId)
        .where('pupil_id', 'in', part)
        .where('active', '=', sql.lit(1))
        .execute(),
    ]);
    for (const l of linkRows) {
      existingLinks.set(`${l.pupil_id}/${l.person_id}`, l.relation);
      if (l.relation === 'intestatario') intestatarioOf.set(l.pupil_id, l.person_id);
    }
    for (const { pupil_id, service_id, school_year_id, ...e } of enrolmentRows) existingEnrolments.set(`${pupil_id}/${service_id}/${school_year_id}`, e);
    for (const b of badgeRows) activeBadges.set(`${b.pupil_id}/${b.service_id}`, b.code);
  }

  for (const link of file.links.values()) {
    const pupil = pupilOf(link.pupilCf);
    // A new account holder for a pupil already in the registry: the former one stays linked as the other
    // parent (as when the office changes the intestatario), so the pupil keeps exactly one.
    if (pupil && link.relation === 'intestatario') {
      const former = intestatarioOf.get(pupil.id);
      if (former !== undefined && former !== existingPersons.get(link.personCf)?.id) {
        plan.linkUpdates.push({ pupilId: pupil.id, personId: former, before: 'intestatario', relation: 'cointestatario' });
      }
    }
    const personId = existingPersons.get(link.personCf)?.id;
    const had = pupil && personId !== undefined ? existingLinks.get(`${pupil.id}/${personId}`) : undefined;
    if (!had) plan.linkCreates.push(link);
    // Links are added or raised (delegate → other parent → account holder), never lowered or removed.
    else if (had !== link.relation && (link.relation === 'intestatario' || had === 'delegato')) {
      plan.linkUpdates.push({ pupilId: pupil!.id, personId: personId!, before: had, relation: link.relation });
    }
  }

  const classesBeforeLaterTerms = new Set(plan.pupilUpdates.filter((u) => u.laterTerm && u.set.class_name !== undefined).map((u) => u.id));
  for (const row of file.rows) {
    const pupil = pupilOf(row.pupil.cf);
    const existing = pupil ? existingEnrolments.get(`${pupil.id}/${row.serviceId}/${row.yearId}`) : undefined;
    const recipient = `${row.holder.given_name} ${row.holder.family_name}`;
    const address = invoiceAddress(row.address);
    if (!existing) {
      const ended = row.yearEndsOn < today;
      plan.enrolmentCreates.push({
        pupilCf: row.pupil.cf,
        holderCf: row.holder.cf,
        service_id: row.serviceId,
        school_year_id: row.yearId,
        school_id: row.schoolId,
        tariff_id: row.tariffId,
        // A past year's enrolment is history; a current one runs from the import (or the year's start).
        state: ended ? 'cessata' : 'attiva',
        starts_on: ended || row.yearStartsOn > today ? row.yearStartsOn : today,
        ends_on: ended ? row.yearEndsOn : null,
        invoice_recipient: recipient,
        invoice_address: address,
        invoice_email: row.holder.email,
      });
    } else {
      const before: Partial<EnrolmentFields> = {};
      const set: Partial<Omit<EnrolmentFields, 'holder_person_id'>> = {};
      const holderId = existingPersons.get(row.holder.cf)?.id;
      const holderChanged = holderId !== existing.holder_person_id;
      if (holderChanged) before.holder_person_id = existing.holder_person_id;
      if (existing.school_id !== row.schoolId) [before.school_id, set.school_id] = [existing.school_id, row.schoolId];
      // The band, not the tariff row: a band's price change from a date is another row of the same band.
      if (file.bandOfTariff.get(existing.tariff_id) !== row.bandCode) [before.tariff_id, set.tariff_id] = [existing.tariff_id, row.tariffId];
      if (existing.invoice_recipient !== recipient) [before.invoice_recipient, set.invoice_recipient] = [existing.invoice_recipient, recipient];
      if (existing.invoice_address !== address) [before.invoice_address, set.invoice_address] = [existing.invoice_address, address];
      if (row.holder.email && existing.invoice_email !== row.holder.email) [before.invoice_email, set.invoice_email] = [existing.invoice_email, row.holder.email];
      // A new class before a later change of the office's reaches only the terms (the row keeps the later
      // class): the enrolment's terms are written even when nothing else of it changed.
      const classBeforeLaterTerm = pupil !== undefined && classesBeforeLaterTerms.has(pupil.id);
      if (holderChanged || Object.keys(set).length || classBeforeLaterTerm) {
        plan.enrolmentUpdates.push({ id: existing.id, version: existing.version, pupilCf: row.pupil.cf, holderCf: row.holder.cf, before, set, holderChanged });
      }
    }
  }

  // Badges: a code is one pupil's card for one service; a pupil has one card in use per service.
  const existingBadges = new Map<string, { pupil_id: number; service_id: number }>();
  for (const part of chunks([...file.badges.keys()])) {
    const rows = await db.selectFrom('badge').select(['code', 'pupil_id', 'service_id']).where('ente_id', '=', enteId).where('code', 'in', part).execute();
    for (const { code, ...b } of rows) existingBadges.set(code, b);
  }
  for (const [code, said] of file.badges) {
    const pupil = pupilOf(said.pupilCf);
    const existing = existingBadges.get(code);
    if (existing) {
      if (!pupil || existing.pupil_id !== pupil.id || existing.service_id !== said.serviceId) problems.push({ row: said.row, column: 'badge', code: 'badgeTaken' });
      continue;
    }
    if (pupil && activeBadges.has(`${pupil.id}/${said.serviceId}`)) {
      problems.push({ row: said.row, column: 'badge', code: 'badgeOtherActive' });
      continue;
    }
    plan.badgeCreates.push({ code, pupilCf: said.pupilCf, service_id: said.serviceId });
  }
}

/**
 * For the pupils with a running enrolment whose terms include one starting after `day` (a change the
 * office set for later), the school and class in force on `day`: the term of that enrolment in force then,
 * or its first term when it starts later still. Pupils without such a term are not in the map.
 */
async function schoolAndClassBeforeLaterTerms(
  db: Kysely<DB>,
  enteId: number,
  pupilIds: number[],
  day: string,
): Promise<Map<number, { school_id: number; class_name: string }>> {
  const result = new Map<number, { school_id: number; class_name: string }>();
  for (const part of chunks(pupilIds)) {
    const terms = await db
      .selectFrom('enrolment_term as t')
      .innerJoin('enrolment as e', 'e.id', 't.enrolment_id')
      .select(['e.pupil_id', 't.enrolment_id', 't.valid_from', 't.school_id', 't.class_name'])
      .where('e.ente_id', '=', enteId)
      .where('e.pupil_id', 'in', part)
      .where('e.state', '=', 'attiva')
      .orderBy('t.enrolment_id')
      .orderBy('t.valid_from')
      .execute();
    const byEnrolment = new Map<number, typeof terms>();
    for (const t of terms) {
      const ofOne = byEnrolment.get(t.enrolment_id);
      if (ofOne) ofOne.push(t);
      else byEnrolment.set(t.enrolment_id, [t]);
    }
    for (const ofOne of byEnrolment.values()) {
      if (!ofOne.some((t) => t.valid_from > day)) continue;
      const inForce = ofOne.filter((t) => t.valid_from <= day).at(-1) ?? ofOne[0]!;
      result.set(inForce.pupil_id, { school_id: inForce.school_id, class_name: inForce.class_name });
    }
  }
  return result;
}
