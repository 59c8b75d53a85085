import type { ChargeKind, DocumentLineTable } from '../../db/schema';

/*
 * The lines of a monthly document, from the month's charges. Documents are Italian administrative
 * documents: their lines are written in Italian once, when issued, and never change.
 */

const MONTHS = ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'];

export interface BilledCharge {
  kind: Exclude<ChargeKind, 'storno'>;
  unitPriceCents: number;
  siblingBp: number;
  siblingCents: number;
  exemptionBp: number;
  exemptionCents: number;
  quantity: number;
  /** The band the charges were priced at (a band change from a date within the month gives two); default the enrolment's. */
  bandLabel?: string;
}

export interface BilledStorno {
  amountCents: number;
  reason: string;
  originalDate: string;
  originalKind: ChargeKind;
}

export function monthName(period: string): string {
  return `${MONTHS[Number(period.slice(5, 7)) - 1]} ${period.slice(0, 4)}`;
}

export function italianDate(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

function percent(bp: number): string {
  return `${(bp / 100).toLocaleString('it-IT', { maximumFractionDigits: 2 })}%`;
}

const KIND_ORDER: Record<BilledCharge['kind'], number> = { meal: 0, light_meal: 1, fee: 2 };

/**
 * Meals (and light meals, and monthly fees) per unit price, then each reduction as its own line, then
 * the reversals made in the month. The sum of the lines is the sum of the charges billed.
 */
export function documentLines(period: string, bandLabel: string, owed: { charges: BilledCharge[]; stornos: BilledStorno[] }): Omit<DocumentLineTable, 'document_id'>[] {
  const month = monthName(period);
  const charges = [...owed.charges].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || b.unitPriceCents - a.unitPriceCents);
  const lines: Omit<DocumentLineTable, 'document_id'>[] = [];
  const add = (line: Omit<DocumentLineTable, 'document_id' | 'position' | 'amount_cents'>) =>
    lines.push({ ...line, position: lines.length + 1, amount_cents: line.quantity * line.unit_price_cents });
  for (const c of charges) {
    const description =
      c.kind === 'meal'
        ? `Pasti di ${month} — ${c.bandLabel ?? bandLabel}`
        : c.kind === 'light_meal'
          ? `Pasti in bianco di ${month}${c.unitPriceCents === 0 ? ' (non a pagamento)' : ` — ${c.bandLabel ?? bandLabel}`}`
          : `Quota mensile di ${month} — ${c.bandLabel ?? bandLabel}`;
    add({ kind: c.kind, description, quantity: c.quantity, unit_price_cents: c.unitPriceCents });
  }
  for (const c of charges) {
    if (c.siblingCents > 0) add({ kind: 'sibling', description: `Riduzione fratelli ${percent(c.siblingBp)}`, quantity: c.quantity, unit_price_cents: -c.siblingCents });
  }
  for (const c of charges) {
    if (c.exemptionCents > 0) add({ kind: 'exemption', description: `Esenzione ${percent(c.exemptionBp)}`, quantity: c.quantity, unit_price_cents: -c.exemptionCents });
  }
  for (const s of owed.stornos) {
    const what = s.originalKind === 'fee' ? `quota di ${monthName(s.originalDate.slice(0, 7))}` : `pasto del ${italianDate(s.originalDate)}`;
    add({ kind: 'storno', description: `Storno ${what}: ${s.reason}`, quantity: 1, unit_price_cents: s.amountCents });
  }
  return lines;
}
