/**
 * Italian codice fiscale: the 16-character personal code (with omocodia) and the 11-digit numeric
 * code (temporary codes and legal entities, checked like a VAT number).
 */

const ODD_VALUES: Record<string, number> = {
  '0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
  A: 1, B: 0, C: 5, D: 7, E: 9, F: 13, G: 15, H: 17, I: 19, J: 21, K: 2, L: 4, M: 18,
  N: 20, O: 11, P: 3, Q: 6, R: 8, S: 12, T: 14, U: 16, V: 10, W: 22, X: 25, Y: 24, Z: 23,
};

/** Letters that replace digits under omocodia, 0→L … 9→V. */
const OMOCODIA_LETTERS = 'LMNPQRSTUV';

// Positions 7-8, 10-11, 13-15 are digits, or omocodia letters in their place.
const PERSONAL_PATTERN = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

function evenValue(char: string): number {
  return /[0-9]/.test(char) ? Number(char) : char.charCodeAt(0) - 65;
}

export function personalCheckCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const char = first15[i]!;
    // Positions are counted from 1: index 0 is the first, odd, position.
    sum += i % 2 === 0 ? ODD_VALUES[char]! : evenValue(char);
  }
  return String.fromCharCode(65 + (sum % 26));
}

function birthDayIsPlausible(code: string): boolean {
  const digit = (char: string) => (/[0-9]/.test(char) ? char : String(OMOCODIA_LETTERS.indexOf(char)));
  const day = Number(digit(code[9]!) + digit(code[10]!));
  return (day >= 1 && day <= 31) || (day >= 41 && day <= 71);
}

function numericCodeIsValid(code: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const n = Number(code[i]);
    if (i % 2 === 0) sum += n;
    else sum += n * 2 > 9 ? n * 2 - 9 : n * 2;
  }
  return (10 - (sum % 10)) % 10 === Number(code[10]);
}

export type FiscalCodeProblem = 'empty' | 'format' | 'check';

/** Normalises (trim, upper case, `TINIT-` prefix removed) and validates; returns the code or the problem. */
export function parseFiscalCode(input: string): { ok: true; code: string } | { ok: false; problem: FiscalCodeProblem } {
  const code = input.trim().toUpperCase().replace(/^TINIT-/, '');
  if (code === '') return { ok: false, problem: 'empty' };
  if (/^[0-9]{11}$/.test(code)) {
    return numericCodeIsValid(code) ? { ok: true, code } : { ok: false, problem: 'check' };
  }
  if (!PERSONAL_PATTERN.test(code) || !birthDayIsPlausible(code)) return { ok: false, problem: 'format' };
  if (personalCheckCharacter(code.slice(0, 15)) !== code[15]) return { ok: false, problem: 'check' };
  return { ok: true, code };
}

export function isValidFiscalCode(input: string): boolean {
  return parseFiscalCode(input).ok;
}

/** For logs: enough to tell people apart in a trace, not enough to identify anyone. */
export function maskFiscalCode(code: string): string {
  return code.length > 6 ? `${code.slice(0, 6)}**********`.slice(0, code.length) : '***';
}
