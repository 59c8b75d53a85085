/*
 * Tariff resolution (issue 4): what one day of service (or one month of a monthly fee) costs one
 * enrolment. Pure functions, so that every rule is tested on its own and charging and billing agree.
 *
 * Rounding: a percentage of an amount in cents is rounded to the cent, half up: 12,5% of 4,10 € is
 * 51,25 c → 51 c; 12,5% of 4,12 € is 51,5 c → 52 c. The sibling reduction is taken from the band's
 * price, an exemption from what remains after it. See docs/decisions/0007-money.md.
 */

export interface BandPrice {
  id: number;
  bandCode: string;
  bandLabel: string;
  unit: 'pasto' | 'mese';
  amountCents: number;
  /** null: from the start of the school year. */
  validFrom: string | null;
}

export interface SiblingRule {
  childRank: number;
  percentBp: number;
}

export interface Exemption {
  percentBp: number;
  validFrom: string;
  validTo: string | null;
}

export interface Price {
  tariffId: number;
  unitPriceCents: number;
  siblingBp: number;
  siblingCents: number;
  exemptionBp: number;
  exemptionCents: number;
  amountCents: number;
}

/** `bp` basis points (10000 = 100%) of a non-negative amount in cents, rounded to the cent half up. */
export function percentOf(amountCents: number, bp: number): number {
  if (!Number.isInteger(amountCents) || amountCents < 0) throw new RangeError(`amount must be whole non-negative cents: ${amountCents}`);
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) throw new RangeError(`percentage out of range: ${bp}`);
  return Math.floor((amountCents * bp + 5_000) / 10_000);
}

/** The band's price in force on `date`: the latest change that started on or before it. */
export function bandPriceOn(rows: readonly BandPrice[], date: string): BandPrice {
  let found: BandPrice | undefined;
  for (const row of rows) {
    if (row.validFrom !== null && row.validFrom > date) continue;
    if (!found || (found.validFrom ?? '') < (row.validFrom ?? '')) found = row;
  }
  if (!found) throw new Error(`no price of band ${rows[0]?.bandCode ?? '?'} in force on ${date}`);
  return found;
}

export interface DatedSiblingRule extends SiblingRule {
  /** null: from the start of the school year. */
  validFrom: string | null;
}

/**
 * The sibling rules in force on `date` (decision 0022): for each rank, its latest change on or before the
 * day; a rank whose rules all start later has none yet.
 */
export function siblingRulesOn(rows: readonly DatedSiblingRule[], date: string): SiblingRule[] {
  const byRank = new Map<number, DatedSiblingRule>();
  for (const row of rows) {
    if (row.validFrom !== null && row.validFrom > date) continue;
    const found = byRank.get(row.childRank);
    if (!found || (found.validFrom ?? '') < (row.validFrom ?? '')) byRank.set(row.childRank, row);
  }
  return [...byRank.values()].map(({ childRank, percentBp }) => ({ childRank, percentBp }));
}

/** The reduction for the n-th child (1 = the first, who pays in full); the highest rank covers the rest. */
export function siblingPercent(rules: readonly SiblingRule[], childRank: number): number {
  let best: SiblingRule | undefined;
  for (const rule of rules) {
    if (rule.childRank <= childRank && (!best || rule.childRank > best.childRank)) best = rule;
  }
  return best?.percentBp ?? 0;
}

/** The exemption valid on `date`; where two overlap, the more generous one. */
export function exemptionPercent(exemptions: readonly Exemption[], date: string): number {
  let best = 0;
  for (const e of exemptions) {
    if (e.validFrom <= date && (e.validTo === null || e.validTo >= date) && e.percentBp > best) best = e.percentBp;
  }
  return best;
}

/** The price of one unit (a meal, or a month) of an enrolment on `date`. */
export function resolvePrice(input: {
  bandPrices: readonly BandPrice[];
  date: string;
  childRank: number;
  siblingRules: readonly SiblingRule[];
  exemptions: readonly Exemption[];
}): Price {
  const band = bandPriceOn(input.bandPrices, input.date);
  const siblingBp = siblingPercent(input.siblingRules, input.childRank);
  const siblingCents = percentOf(band.amountCents, siblingBp);
  const exemptionBp = exemptionPercent(input.exemptions, input.date);
  const exemptionCents = percentOf(band.amountCents - siblingCents, exemptionBp);
  return {
    tariffId: band.id,
    unitPriceCents: band.amountCents,
    siblingBp,
    siblingCents,
    exemptionBp,
    exemptionCents,
    amountCents: band.amountCents - siblingCents - exemptionCents,
  };
}

/** A price that costs nothing (a light meal where the ente does not charge it), keeping the band. */
export function freeOf(price: Price): Price {
  return { ...price, unitPriceCents: 0, siblingBp: 0, siblingCents: 0, exemptionBp: 0, exemptionCents: 0, amountCents: 0 };
}

export interface IseeBand {
  id: number;
  iseeMinCents: number;
  iseeMaxCents: number | null;
  resident: boolean;
}

/**
 * The band of a family by ISEE: non-residents have their own tariff; a resident without a valid ISEE
 * statement (null) pays the top band.
 */
export function bandForIsee<T extends IseeBand>(bands: readonly T[], iseeCents: number | null, resident: boolean): T {
  const candidates = bands.filter((b) => b.resident === resident);
  const found =
    !resident || iseeCents === null
      ? candidates.find((b) => b.iseeMaxCents === null)
      : candidates.find((b) => b.iseeMinCents <= iseeCents && (b.iseeMaxCents === null || iseeCents <= b.iseeMaxCents));
  if (!found) throw new Error(`no ${resident ? 'resident' : 'non-resident'} band for ISEE ${iseeCents}`);
  return found;
}

export interface SiblingEnrolment {
  enrolmentId: number;
  holderPersonId: number;
  pupilBirthDate: string;
}

/**
 * Which child each enrolment is for its holder, among the enrolments of one service kind and year in
 * force on a day: the eldest is the first (pays in full), ties by enrolment order.
 */
export function siblingRanks(enrolments: readonly SiblingEnrolment[]): Map<number, number> {
  const byHolder = Map.groupBy(enrolments, (e) => e.holderPersonId);
  const ranks = new Map<number, number>();
  for (const list of byHolder.values()) {
    list.sort((a, b) => (a.pupilBirthDate === b.pupilBirthDate ? a.enrolmentId - b.enrolmentId : a.pupilBirthDate < b.pupilBirthDate ? -1 : 1));
    list.forEach((e, index) => ranks.set(e.enrolmentId, index + 1));
  }
  return ranks;
}
