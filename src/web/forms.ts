/** Dates as browsers send them (YYYY-MM-DD) or as people type them (DD/MM/YYYY). */
export function normaliseDate(value: string | undefined): string {
  const text = value ?? '';
  const typed = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return typed ? `${typed[3]}-${typed[2]!.padStart(2, '0')}-${typed[1]!.padStart(2, '0')}` : text.trim();
}

/**
 * An amount in euro as people type it ("20", "20,50", "20.5", "€ 20") into integer cents, exactly;
 * undefined when it is not one.
 */
export function euroInputToCents(value: string | undefined): number | undefined {
  const match = /^\s*(?:€\s*)?(\d{1,6})(?:[.,](\d{1,2}))?\s*(?:€|euro)?\s*$/i.exec(value ?? '');
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}
