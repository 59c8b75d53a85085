/**
 * Money crossing the pagoPA boundary. We keep integer cents everywhere; pagoPA receipts carry decimal
 * euro strings ("12.34"). The conversions work on the digits as text, so no binary floating point
 * ever touches an amount (0.1 + 0.2 is not 0.3, and a receipt must match its notice to the cent).
 */

const EURO_DECIMAL = /^(\d+)(?:\.(\d{1,2}))?$/;

/** "12.34" → 1234, "12.3" → 1230, "12" → 1200. Throws on negatives, a third decimal, exponents or anything else. */
export function centsFromEuroDecimal(amount: string): number {
  const match = EURO_DECIMAL.exec(amount);
  if (!match) throw new Error(`Not a euro amount with at most two decimals: ${JSON.stringify(amount)}`);
  const [, euros, decimals = ''] = match;
  const cents = Number(`${euros}${decimals.padEnd(2, '0')}`);
  if (!Number.isSafeInteger(cents)) throw new Error(`Euro amount too large: ${amount}`);
  return cents;
}

function assertCents(cents: number): void {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error(`Not a non-negative whole number of cents: ${cents}`);
}

/** Splits cents into the euro digits and the two decimal digits, as text. */
function euroParts(cents: number): { euros: string; decimals: string } {
  assertCents(cents);
  const digits = String(cents).padStart(3, '0');
  return { euros: digits.slice(0, -2), decimals: digits.slice(-2) };
}

/** 1234 → "12.34", the form pagoPA APIs use for decimal euros. */
export function euroDecimalFromCents(cents: number): string {
  const { euros, decimals } = euroParts(cents);
  return `${euros}.${decimals}`;
}

/**
 * 102099 → "1.020,99": the notice guidelines want a dot for thousands and a comma for decimals, also
 * for four-digit amounts, where Intl's it-IT format leaves the thousands unseparated ("1020,99 €").
 */
export function formatEuroItalian(cents: number): string {
  const { euros, decimals } = euroParts(cents);
  return `${euros.replace(/\B(?=(\d{3})+$)/g, '.')},${decimals}`;
}
