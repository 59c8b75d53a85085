/**
 * Reading the spreadsheet a municipality brings from its previous supplier (issue 13): bytes in UTF-8
 * (with or without a BOM) or, when they are not valid UTF-8, Windows-1252 (what Excel writes on an
 * Italian Windows); fields separated by `;` or `,`, chosen from the header line; RFC 4180 quoting
 * (separators, doubled quotes and line breaks inside quotes); CRLF, LF or CR line ends.
 */

export type Encoding = 'utf-8' | 'windows-1252';

/** Valid UTF-8 is UTF-8; anything else is read as Windows-1252, which gives every byte a character. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: Encoding } {
  try {
    // `fatal`: an invalid sequence throws instead of becoming U+FFFD; the BOM is dropped by the decoder.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

export type Separator = ';' | ',';

/** The separator of the header line: the one of `;` and `,` found more often outside quotes (`;` on a tie). */
export function detectSeparator(text: string): Separator {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ';') semicolons++;
    else if (!quoted && char === ',') commas++;
  }
  return commas > semicolons ? ',' : ';';
}

export interface CsvRecord {
  /** 1 for the header: the row number a spreadsheet shows for this record. */
  row: number;
  fields: string[];
}

export interface ParsedCsv {
  records: CsvRecord[];
  /** A quote opened and never closed: the record where it opened. */
  unclosedQuoteRow?: number;
}

/**
 * Splits the text into records of fields. A record spans several lines only inside quotes; empty lines
 * are skipped (a spreadsheet's trailing blank rows), but still counted, so row numbers stay those of the
 * file as a spreadsheet shows it.
 */
export function parseCsv(text: string, separator: Separator): ParsedCsv {
  const records: CsvRecord[] = [];
  const length = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let row = 0;
  const sep = separator.charCodeAt(0);
  const endOfField = (from: number) => {
    let at = from;
    while (at < length) {
      const c = text.charCodeAt(at);
      if (c === sep || c === 10 || c === 13) break;
      at++;
    }
    return at;
  };
  while (i < length) {
    row++;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    const startRow = row;
    while (!endOfRecord) {
      if (text.charCodeAt(i) === 34 /* " */) {
        // A quoted field: up to the closing quote; `""` is one quote.
        i++;
        let closed = false;
        while (i < length) {
          const next = text.indexOf('"', i);
          if (next === -1) break;
          field += text.slice(i, next);
          if (text.charCodeAt(next + 1) === 34) {
            field += '"';
            i = next + 2;
          } else {
            i = next + 1;
            closed = true;
            break;
          }
        }
        if (!closed) return { records, unclosedQuoteRow: startRow };
        // Text after the closing quote, up to the separator, is kept as typed ("a"b → ab).
        const end = endOfField(i);
        field += text.slice(i, end);
        i = end;
      } else {
        const end = endOfField(i);
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      field = '';
      if (i >= length) {
        endOfRecord = true;
      } else {
        const c = text.charCodeAt(i);
        if (c === sep) {
          i++;
          if (i >= length) {
            fields.push('');
            endOfRecord = true;
          }
        } else {
          // CRLF, LF or CR.
          i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
          endOfRecord = true;
        }
      }
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ row, fields });
  }
  return { records };
}
