/**
 * The one CSV writer of every export: semicolons, CRLF, UTF-8 with a BOM, as spreadsheets set to Italian
 * expect. Text cells are quoted, and one that a spreadsheet would read as a formula (starting with `=`,
 * `+`, `-`, `@`, a tab or a carriage return: CSV injection) gets a leading apostrophe, so it is shown as
 * the text it is. Numbers written by our own code are `CsvNumber`s and stay numbers (a debit is `-4,50`).
 */
export interface CsvNumber {
  readonly csvNumber: string;
  /** The same number for a spreadsheet cell (xlsx.ts): euro as a decimal, counts as integers. */
  readonly value: number;
  readonly format: 'integer' | 'euro';
}

export type CsvCell = string | CsvNumber;

/** An integer count, as a number cell. */
export function csvInteger(value: number): CsvNumber {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return { csvNumber: String(value), value, format: 'integer' };
}

/** Integer cents as euro with a decimal comma, as a number cell; empty text for none. */
export function csvEuro(cents: number | null): CsvCell {
  if (cents === null) return '';
  if (!Number.isSafeInteger(cents)) throw new Error(`not integer cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return { csvNumber: `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`, value: cents / 100, format: 'euro' };
}

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: CsvCell): string {
  if (typeof value !== 'string') return value.csvNumber;
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** The rule every table export shares with xlsx.ts: column names are plain identifiers. */
export function checkColumnNames(header: readonly string[]): void {
  if (header.some((name) => !/^[a-z_]+$/.test(name))) throw new Error('CSV column names are plain identifiers');
}

/** A header row of plain column names (constants of the code: `data`, `pasti_in_bianco`), then the rows. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  checkColumnNames(header);
  const lines = [header.join(';'), ...rows.map((row) => row.map(cell).join(';'))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
