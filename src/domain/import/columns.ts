/**
 * The columns of the import file and of the registry's export (issue 13), in the order the template and
 * the export write them. README "Import from the previous supplier" documents each one.
 */
export const IMPORT_COLUMNS = [
  'cf_alunno',
  'cognome_alunno',
  'nome_alunno',
  'data_nascita_alunno',
  'sesso_alunno',
  'comune_nascita_alunno',
  'indirizzo',
  'cap',
  'comune',
  'provincia',
  'scuola',
  'classe',
  'cf_intestatario',
  'cognome_intestatario',
  'nome_intestatario',
  'email_intestatario',
  'telefono_intestatario',
  'servizio',
  'anno_scolastico',
  'fascia',
  'modalita_pagamento',
  'badge',
  'cf_altro_genitore',
  'cognome_altro_genitore',
  'nome_altro_genitore',
] as const;

export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Columns a file may leave out of its header altogether. */
export const OPTIONAL_COLUMNS: readonly ImportColumn[] = ['badge', 'cf_altro_genitore', 'cognome_altro_genitore', 'nome_altro_genitore'];

/** Columns whose cells may be empty. */
export const OPTIONAL_VALUES: readonly ImportColumn[] = [...OPTIONAL_COLUMNS, 'email_intestatario', 'telefono_intestatario'];

/** The longest value each column accepts. */
export const MAX_LENGTH: Readonly<Record<ImportColumn, number>> = {
  cf_alunno: 16,
  cognome_alunno: 100,
  nome_alunno: 100,
  data_nascita_alunno: 10,
  sesso_alunno: 1,
  comune_nascita_alunno: 100,
  indirizzo: 200,
  cap: 5,
  comune: 100,
  provincia: 2,
  scuola: 200,
  classe: 40,
  cf_intestatario: 16,
  cognome_intestatario: 100,
  nome_intestatario: 100,
  email_intestatario: 254,
  telefono_intestatario: 30,
  servizio: 200,
  anno_scolastico: 9,
  fascia: 100,
  modalita_pagamento: 10,
  badge: 32,
  cf_altro_genitore: 16,
  cognome_altro_genitore: 100,
  nome_altro_genitore: 100,
};

/** What can be wrong with a file, a row or a cell; the texts are in the catalogue (officeImport.problems). */
export const PROBLEM_CODES = [
  'fileEmpty',
  'fileTooLarge',
  'tooManyRows',
  'unclosedQuote',
  'headerMissing',
  'headerUnknown',
  'headerDuplicate',
  'fieldCount',
  'required',
  'tooLong',
  'controlCharacters',
  'cfInvalid',
  'cfMismatch',
  'cfNoBirthData',
  'sameAsPupil',
  'sameAsHolder',
  'dateInvalid',
  'dateFuture',
  'sexInvalid',
  'postcodeInvalid',
  'provinceInvalid',
  'emailInvalid',
  'phoneInvalid',
  'badgeInvalid',
  'otherParentIncomplete',
  'schoolUnknown',
  'schoolAmbiguous',
  'serviceUnknown',
  'serviceAmbiguous',
  'serviceBilling',
  'yearUnknown',
  'bandUnknown',
  'paymentInvalid',
  'duplicateRow',
  'differsFromRow',
  'badgeDuplicate',
  'badgeTaken',
  'badgeOtherActive',
  'changedMeanwhile',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface ImportProblem {
  /** The spreadsheet's row number: 1 is the header, 2 the first data row. */
  row: number;
  /** null: the whole row (or file). */
  column: ImportColumn | null;
  code: ProblemCode;
  /** The other row of a repetition or a disagreement. */
  otherRow?: number;
  /** The header name, for header problems. */
  value?: string;
}

export const RECORD_KINDS = ['persons', 'pupils', 'links', 'enrolments', 'badges'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export type RecordCounts = Record<RecordKind, number>;

export function emptyCounts(): RecordCounts {
  return { persons: 0, pupils: 0, links: 0, enrolments: 0, badges: 0 };
}

export interface ImportReport {
  /** Data rows read (the header not counted). */
  rows: number;
  encoding: 'utf-8' | 'windows-1252';
  separator: ';' | ',';
  /** In file order (row, then column order); all of them, however many. */
  problems: ImportProblem[];
  /** What the import creates and changes (the dry run: would); zero everywhere when nothing changes. */
  created: RecordCounts;
  changed: RecordCounts;
  /** True once written (never for a dry run, nor for a file with problems). */
  applied: boolean;
}
