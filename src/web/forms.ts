/** Dates as browsers send them (YYYY-MM-DD) or as people type them (DD/MM/YYYY). */
export function normaliseDate(value: string | undefined): string {
  const text = value ?? '';
  const typed = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return typed ? `${typed[3]}-${typed[2]!.padStart(2, '0')}-${typed[1]!.padStart(2, '0')}` : text.trim();
}
