/**
 * IBAN (ISO 13616): country, two check digits, the account (BBAN); valid when the number made by moving
 * the first four characters to the end and the letters to 10…35 leaves 1 modulo 97. Spaces are allowed
 * as people type them; the stored form is without spaces, upper case.
 */
const LENGTHS: Record<string, number> = { IT: 27, SM: 27, VA: 22, DE: 22, FR: 27, ES: 24, AT: 20, BE: 16, CH: 21, NL: 18, PT: 25, LU: 20, IE: 22, GB: 22 };

export function normaliseIban(value: string): string {
  return value.replace(/[\s-]+/g, '').toUpperCase();
}

export function isValidIban(value: string): boolean {
  const iban = normaliseIban(value);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** The class of the next school year when it is a plain "2A" → "3A"; otherwise the same, to be edited. */
export function advanceClass(className: string): string {
  const match = /^(\d)(\s*[A-Za-z]{0,3})$/.exec(className.trim());
  if (!match) return className;
  const next = Number(match[1]) + 1;
  return next > 9 ? className : `${next}${match[2]}`;
}
