import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';

/** The ente's low-balance threshold: `value` is cents (unit euro) or meals (unit pasti); negative is below zero. */
export interface Threshold {
  unit: 'euro' | 'pasti';
  value: number;
}

/** Until the office sets one: a badge with no credit left (0 €) is low. */
export const DEFAULT_THRESHOLD: Threshold = { unit: 'euro', value: 0 };

/**
 * The one rule of "low balance" (issue 15, point 4), for the list, its export and the messages' low-balance
 * event: a badge is low when its balance is at or below the threshold. In meals, the threshold is that many
 * meals at the badge's own price of a meal (the last meal charged to it, else its enrolment's price per meal);
 * a badge whose meal price is unknown cannot be measured in meals and is not low.
 */
export function isBelowThreshold(threshold: Threshold, balanceCents: number, mealPriceCents: number | null): boolean {
  if (threshold.unit === 'euro') return balanceCents <= threshold.value;
  if (mealPriceCents === null) return false;
  return balanceCents <= threshold.value * mealPriceCents;
}

export async function thresholdOf(db: Kysely<DB>, enteId: number): Promise<Threshold & { version: number }> {
  const row = await db.selectFrom('prepaid_threshold').select(['unit', 'value', 'version']).where('ente_id', '=', enteId).executeTakeFirst();
  return row ? { unit: row.unit, value: row.value, version: row.version } : { ...DEFAULT_THRESHOLD, version: 0 };
}

export const LOW_BALANCE_PAGE = 50;

export interface LowBalanceFilter {
  /** The day the balance is read at (movements dated up to it). */
  today: string;
  schoolId?: number;
  /** The keyset cursor: the last row's balance and badge id. */
  after?: readonly [number, number];
  /** Rows to read; none: all of them (the exports). */
  limit?: number;
}

/**
 * The active badges of the ente's prepaid services with their balance on a day, their price of a meal and
 * the pupil's account holder (intestatario) with the contacts the registry has. One query for the page, the
 * exports and the messages: the same filter gives the same rows.
 */
function badgeBalances(db: Kysely<DB>, enteId: number, filter: LowBalanceFilter) {
  let query = db
    .selectFrom('badge as b')
    .innerJoin('service as s', 's.id', 'b.service_id')
    .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
    .innerJoin('person as child', 'child.id', 'p.person_id')
    .innerJoin('school as sc', 'sc.id', 'p.school_id')
    .leftJoin('pupil_holder as ph', (join) => join.onRef('ph.pupil_id', '=', 'p.id').on('ph.relation', '=', sql.lit('intestatario')))
    .leftJoin('person as holder', 'holder.id', 'ph.person_id')
    .select((eb) => [
      'b.id as badgeId',
      'b.code as code',
      'p.id as pupilId',
      'child.given_name as givenName',
      'child.family_name as familyName',
      'p.class_name as className',
      'sc.id as schoolId',
      'sc.name as schoolName',
      's.name as serviceName',
      'holder.id as holderId',
      'holder.given_name as holderGivenName',
      'holder.family_name as holderFamilyName',
      'holder.email as holderEmail',
      'holder.phone as holderPhone',
      eb
        .selectFrom('movement as m')
        .select((inner) => inner.fn.coalesce(inner.fn.sum<number>('m.amount_cents'), inner.lit(0)).as('sum'))
        .whereRef('m.badge_id', '=', 'b.id')
        .where('m.value_date', '<=', filter.today)
        .as('balanceCents'),
      eb.fn
        .coalesce(
          eb
            .selectFrom('movement as m')
            .select(sql<number>`-m.amount_cents`.as('price'))
            .whereRef('m.badge_id', '=', 'b.id')
            .where('m.kind', '=', sql.lit('meal'))
            .where('m.amount_cents', '<', 0)
            .orderBy('m.value_date', 'desc')
            .orderBy('m.id', 'desc')
            .limit(sql.lit(1)),
          eb
            .selectFrom('enrolment as e')
            .innerJoin('tariff as t', 't.id', 'e.tariff_id')
            .select('t.amount_cents')
            .whereRef('e.pupil_id', '=', 'b.pupil_id')
            .whereRef('e.service_id', '=', 'b.service_id')
            .where('t.unit', '=', 'pasto')
            .orderBy('e.starts_on', 'desc')
            .orderBy('e.id', 'desc')
            .limit(sql.lit(1)),
        )
        .as('mealPriceCents'),
    ])
    .where('b.ente_id', '=', enteId)
    .where('b.active', '=', sql.lit(1))
    .where('s.billing', '=', 'prepaid');
  if (filter.schoolId !== undefined) query = query.where('p.school_id', '=', filter.schoolId);
  return query;
}

export interface LowBalanceRow {
  badgeId: number;
  code: string;
  pupilId: number;
  givenName: string;
  familyName: string;
  className: string;
  schoolId: number;
  schoolName: string;
  serviceName: string;
  holderId: number | null;
  holderGivenName: string | null;
  holderFamilyName: string | null;
  holderEmail: string | null;
  holderPhone: string | null;
  balanceCents: number;
  mealPriceCents: number | null;
}

/**
 * The badges at or below the threshold (`isBelowThreshold` as SQL), lowest balance first, in keyset pages.
 * A plain function for the office's list and exports and for the messages' low-balance event.
 */
export async function badgesBelowThreshold(db: Kysely<DB>, enteId: number, threshold: Threshold, filter: LowBalanceFilter): Promise<LowBalanceRow[]> {
  let query = db
    .selectFrom(badgeBalances(db, enteId, filter).as('t'))
    .selectAll('t')
    .where((eb) =>
      threshold.unit === 'euro'
        ? eb('t.balanceCents', '<=', threshold.value)
        : eb.and([eb('t.mealPriceCents', 'is not', null), eb('t.balanceCents', '<=', eb(eb.val(threshold.value), '*', eb.ref('t.mealPriceCents')))]),
    );
  if (filter.after) {
    const [balance, id] = filter.after;
    query = query.where((eb) => eb.or([eb('t.balanceCents', '>', balance), eb.and([eb('t.balanceCents', '=', balance), eb('t.badgeId', '>', id)])]));
  }
  query = query.orderBy('t.balanceCents').orderBy('t.badgeId');
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  const rows = await query.execute();
  return rows.map((row) => ({
    ...(row as unknown as LowBalanceRow),
    balanceCents: Number(row.balanceCents),
    mealPriceCents: row.mealPriceCents === null ? null : Number(row.mealPriceCents),
  }));
}

/** A badge's balance on a day: the sum of its movements dated up to it. */
export async function balanceOn(db: Kysely<DB>, badgeId: number, date: string): Promise<number> {
  const row = await db
    .selectFrom('movement')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.lit(0)).as('cents'))
    .where('badge_id', '=', badgeId)
    .where('value_date', '<=', date)
    .executeTakeFirstOrThrow();
  return Number(row.cents);
}

/**
 * The badges low by the ente's own threshold today: what the messages' low-balance event calls (issue 16),
 * the same rows as the office's list. `today` is Rome's calendar day (romeDate of the clock).
 */
export async function badgesBelowEnteThreshold(db: Kysely<DB>, enteId: number, filter: LowBalanceFilter): Promise<LowBalanceRow[]> {
  return badgesBelowThreshold(db, enteId, await thresholdOf(db, enteId), filter);
}
