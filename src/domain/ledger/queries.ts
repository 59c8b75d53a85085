import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import type { DB, MovementKind } from '../../db/schema';

/** Plain queries of the ledger; those of every page view are `prepared`. */

/** The badges of the pupils a person holds in one ente: the only badges whose account they may read. */
export const badgesOfHolder = prepared((db: Kysely<DB>, enteId: number, fiscalCode: string) =>
  db
    .selectFrom('pupil_holder as ph')
    .innerJoin('person as holder', 'holder.id', 'ph.person_id')
    .innerJoin('badge', 'badge.pupil_id', 'ph.pupil_id')
    .innerJoin('pupil', 'pupil.id', 'ph.pupil_id')
    .innerJoin('person as child', 'child.id', 'pupil.person_id')
    .innerJoin('service', 'service.id', 'badge.service_id')
    .select([
      'badge.id as id',
      'badge.code as code',
      'badge.active as active',
      'badge.blocked_at as blockedAt',
      'pupil.id as pupilId',
      'child.given_name as givenName',
      'child.family_name as familyName',
      'service.name as serviceName',
    ])
    .where('ph.ente_id', '=', enteId)
    .where('holder.ente_id', '=', enteId)
    .where('badge.ente_id', '=', enteId)
    .where('holder.fiscal_code', '=', fiscalCode)
    .orderBy('child.given_name')
    .orderBy('badge.id'),
);

/**
 * What identifies a statement without reading its rows: the balance before the period, and the count and
 * the largest id of the movements in it. The ledger is append-only, so the same three numbers mean the
 * same rows with the same running balances.
 */
export const ledgerSummary = prepared((db: Kysely<DB>, badgeId: number, from: string, to: string) =>
  db
    .selectFrom('movement')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>(eb.case().when('value_date', '<', from).then(eb.ref('amount_cents')).else(0).end()), eb.lit(0)).as('opening'),
      eb.fn.count<number>(eb.case().when('value_date', '>=', from).then(eb.ref('id')).end()).as('count'),
      eb.fn.max<number | null>(eb.case().when('value_date', '>=', from).then(eb.ref('id')).end()).as('lastId'),
    ])
    .where('badge_id', '=', badgeId)
    .where('value_date', '<=', to),
);

/**
 * A badge's movements in a period, in order. The meals' debits, most of them, carry no note and are read
 * from `movement_badge_day` alone (decision 0035); the few others (top-ups, reversals, adjustments) with
 * their note from the table. The note is not in the index: an office's reason has no length limit, and an
 * index entry has one.
 */
export const movementsBetween = prepared((db: Kysely<DB>, badgeId: number, from: string, to: string) =>
  db
    .selectFrom('movement')
    .select(['id', 'amount_cents as amountCents', 'kind', 'value_date as valueDate', sql<string | null>`cast(null as text)`.as('note')])
    .where('badge_id', '=', badgeId)
    .where('value_date', '>=', from)
    .where('value_date', '<=', to)
    .where('kind', 'in', [sql.lit<MovementKind>('meal'), sql.lit<MovementKind>('light_meal')])
    .unionAll(
      db
        .selectFrom('movement')
        .select(['id', 'amount_cents as amountCents', 'kind', 'value_date as valueDate', 'note'])
        .where('badge_id', '=', badgeId)
        .where('value_date', '>=', from)
        .where('value_date', '<=', to)
        .where('kind', 'in', [sql.lit<MovementKind>('topup'), sql.lit<MovementKind>('storno'), sql.lit<MovementKind>('adjustment')]),
    )
    .orderBy('valueDate')
    .orderBy('id'),
);

/** The school year in course on a day, or else the latest that started before it. */
export const schoolYearAround = prepared((db: Kysely<DB>, enteId: number, date: string) =>
  db
    .selectFrom('school_year')
    .select(['label', 'starts_on as startsOn', 'ends_on as endsOn'])
    .where('ente_id', '=', enteId)
    .where('starts_on', '<=', date)
    .orderBy('starts_on', 'desc')
    .limit(sql.lit(1)),
);

/** Top-ups asked for and not yet paid: shown beside the account, never in its balance. */
export function pendingTopups(db: Kysely<DB>, badgeId: number) {
  return db
    .selectFrom('topup as t')
    .leftJoin('payment_notice as n', 'n.topup_id', 't.id')
    .select(['t.id', 't.amount_cents as amountCents', 't.created_at as createdAt', 'n.state as noticeState', 'n.cart_until as cartUntil'])
    .where('t.badge_id', '=', badgeId)
    .where('t.state', '=', 'in_attesa')
    .where('t.cancelled_at', 'is', null)
    .orderBy('t.id')
    .execute();
}

/** A payment of a top-up was started and may still complete: its notice is in a cart not yet expired. */
export function paymentStarted(row: { noticeState: string | null; cartUntil: string | null }, now: Date): boolean {
  return row.noticeState === 'open' && row.cartUntil !== null && row.cartUntil > now.toISOString();
}
