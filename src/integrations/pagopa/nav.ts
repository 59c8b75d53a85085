/**
 * The pagoPA notice number (NAV, "codice avviso") and the machine-readable codes printed on a notice.
 * Formats: shared/specs/pagopa.md.
 */

/** New debt positions use aux digit 3: "3" + segregation code (2) + our base (13) + check digits (2). */
const AUX_DIGIT = '3';
/** SACI: an intermediary assigns its creditors segregation codes 00–49. */
const MAX_SEGREGATION_CODE = 49;
const CHECK_MODULUS = 93n;

function checkDigits(first16: string): string {
  return (BigInt(first16) % CHECK_MODULUS).toString().padStart(2, '0');
}

/** Builds the 18-digit NAV for a creditor whose intermediary assigned `segregationCode` (00–49). */
export function makeNav(segregationCode: string, base: bigint | string): string {
  if (!/^\d{2}$/.test(segregationCode) || Number(segregationCode) > MAX_SEGREGATION_CODE) {
    throw new Error(`Segregation code must be two digits 00–${MAX_SEGREGATION_CODE}: ${JSON.stringify(segregationCode)}`);
  }
  let baseDigits: string;
  if (typeof base === 'bigint') {
    if (base < 0n || base >= 10n ** 13n) throw new Error(`NAV base must fit in 13 digits: ${base}`);
    baseDigits = base.toString().padStart(13, '0');
  } else {
    if (!/^\d{13}$/.test(base)) throw new Error(`NAV base must be 13 digits: ${JSON.stringify(base)}`);
    baseDigits = base;
  }
  const first16 = `${AUX_DIGIT}${segregationCode}${baseDigits}`;
  return first16 + checkDigits(first16);
}

export type NavParseResult = { ok: true; nav: string; iuv: string } | { ok: false; reason: 'length' | 'digits' | 'aux' | 'check' };

/**
 * The one validation for a NAV that comes from outside (a form, a receipt, an import). People copy it
 * from the printed notice, where it is grouped in fours, so whitespace anywhere is dropped first.
 */
export function parseNav(input: string): NavParseResult {
  const nav = input.replace(/\s+/g, '');
  if (!/^\d*$/.test(nav)) return { ok: false, reason: 'digits' };
  if (nav.length !== 18) return { ok: false, reason: 'length' };
  if (nav[0] !== AUX_DIGIT) return { ok: false, reason: 'aux' };
  if (checkDigits(nav.slice(0, 16)) !== nav.slice(16)) return { ok: false, reason: 'check' };
  return { ok: true, nav, iuv: iuvOf(nav) };
}

/** The IUV is the NAV without its aux digit. */
export function iuvOf(nav: string): string {
  if (!/^\d{18}$/.test(nav)) throw new Error(`Not an 18-digit NAV: ${JSON.stringify(nav)}`);
  return nav.slice(1);
}

/** "347164993070184562" → "3471 6499 3070 1845 62", as printed on notices and receipts. */
export function groupInFours(digits: string): string {
  return digits.replace(/(.{4})(?=.)/g, '$1 ');
}

function validNav(nav: string): string {
  const parsed = parseNav(nav);
  if (!parsed.ok) throw new Error(`Invalid NAV (${parsed.reason}): ${JSON.stringify(nav)}`);
  return parsed.nav;
}

function assertCreditorTaxCode(taxCode: string): void {
  if (!/^\d{11}$/.test(taxCode)) throw new Error(`Creditor tax code must be 11 digits: ${JSON.stringify(taxCode)}`);
}

function assertPositiveCents(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents < 1) throw new Error(`Amount must be a positive whole number of cents: ${amountCents}`);
}

/** The text of the notice's QR code, read by the IO app, home banking apps and PSP counters. */
export function qrPayload(input: { nav: string; creditorTaxCode: string; amountCents: number }): string {
  const nav = validNav(input.nav);
  assertCreditorTaxCode(input.creditorTaxCode);
  assertPositiveCents(input.amountCents);
  return `PAGOPA|002|${nav}|${input.creditorTaxCode}|${input.amountCents}`;
}

const DATA_MATRIX_LENGTH = 256;

/**
 * Poste's readers accept only plain letters, digits and a little punctuation in the free-text fields;
 * anything else would also make the payload longer than 256 bytes. Accents are folded ("à" → "a"),
 * typographic quotes and dashes become their ASCII forms, and what is left over becomes a space.
 */
function postalText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[‘’ʼ]/g, "'")
    .replace(/[‐‑‒–—]/g, '-')
    .replace(/[^A-Za-z0-9 &'\-.:_,]/g, ' ');
}

function fixedWidth(text: string, width: number): string {
  return text.slice(0, width).padEnd(width, ' ');
}

/**
 * The Data Matrix of the "Bollettino Postale PA" part of a notice, printed only when the creditor
 * collects on a postal account: exactly 256 characters of fixed-width fields.
 */
export function postalDataMatrixPayload(input: {
  nav: string;
  postalAccount: string;
  amountCents: number;
  creditorTaxCode: string;
  debtorFiscalCode: string;
  debtorFullName: string;
  subject: string;
}): string {
  const nav = validNav(input.nav);
  if (!/^\d{1,12}$/.test(input.postalAccount)) throw new Error(`Postal account must be 1–12 digits: ${JSON.stringify(input.postalAccount)}`);
  assertPositiveCents(input.amountCents);
  if (input.amountCents >= 10 ** 10) throw new Error(`Amount does not fit the 10 digits of the postal code: ${input.amountCents}`);
  assertCreditorTaxCode(input.creditorTaxCode);
  const debtorFiscalCode = input.debtorFiscalCode.trim().toUpperCase();
  if (!/^[A-Z0-9]{1,16}$/.test(debtorFiscalCode)) throw new Error(`Debtor fiscal code must be 1–16 letters or digits: ${JSON.stringify(input.debtorFiscalCode)}`);

  const payload = [
    'codfase=NBPA;',
    `18${nav}`,
    `12${input.postalAccount.padStart(12, '0')}`,
    `10${String(input.amountCents).padStart(10, '0')}`,
    '3',
    '896',
    '1P1',
    fixedWidth(input.creditorTaxCode, 11),
    fixedWidth(debtorFiscalCode, 16),
    fixedWidth(postalText(input.debtorFullName), 40),
    fixedWidth(postalText(input.subject), 110),
    ' '.repeat(12),
    'A',
  ].join('');
  if (payload.length !== DATA_MATRIX_LENGTH) throw new Error(`Postal Data Matrix payload is ${payload.length} characters, not ${DATA_MATRIX_LENGTH}`);
  return payload;
}
