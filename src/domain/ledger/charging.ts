import { type Insertable, type Kysely, sql } from 'kysely';
import type { ChargeTable, DB, Ente } from '../../db/schema';
import { romeDate } from '../calendar/local-time';
import type { AuditEntry } from '../audit/audit';
import { writeAuditEvent } from '../audit/audit';
import type { Clock } from '../clock';
import { correctionReason, InvalidInputError, NotFoundError } from '../errors';
import { loadTariffContext } from '../tariffs/context';

/** Rows per INSERT: well within both engines' limits on bound parameters. */
const INSERT_CHUNK = 1_000;

/** Who wrote a row the jobs made, in the author columns. */
export const SYSTEM_AUTHOR = 'sistema';

/**
 * Charging (issue 4): after a day is frozen, each booked meal is charged exactly once — on a prepaid
 * service as a debit on the pupil's badge, on a postpaid one as a charge the month's document bills.
 * The day_charge row, inserted first in the transaction, is the lock that makes a day charged once
 * across runs and instances; the unique index on charge(enrolment, day) holds the rule even against a bug.
 */
export function createChargingService(db: Kysely<DB>, clock: Clock) {
  async function chargeDay(ente: Ente, date: string): Promise<'charged' | 'already-charged' | 'not-frozen'> {
    const frozen = await db.selectFrom('day_freeze').select('date').where('ente_id', '=', ente.id).where('date', '=', date).executeTakeFirst();
    if (!frozen) return 'not-frozen';
    const [booked, tariffs] = await Promise.all([
      db
        .selectFrom('attendance as a')
        .innerJoin('enrolment as e', 'e.id', 'a.enrolment_id')
        .select(['a.pupil_id as pupilId', 'a.status', 'e.id as enrolmentId', 'e.service_id as serviceId', 'e.school_year_id as schoolYearId', 'e.tariff_id as tariffId'])
        .where('a.ente_id', '=', ente.id)
        .where('a.date', '=', date)
        .where('a.status', 'in', ['present', 'light_meal'])
        .execute(),
      loadTariffContext(db, ente, date),
    ]);
    const now = clock.now().toISOString();
    const charges: Insertable<ChargeTable>[] = [];
    let total = 0;
    for (const meal of booked) {
      // A canteen with a monthly fee is billed by the month, not by the meal.
      if (tariffs.unitOf(meal.tariffId) !== 'pasto') continue;
      const lightMeal = meal.status === 'light_meal';
      const price = tariffs.priceOf(meal, { free: lightMeal && !ente.charge_light_meals });
      total += price.amountCents;
      charges.push({
        ente_id: ente.id,
        enrolment_id: meal.enrolmentId,
        pupil_id: meal.pupilId,
        date,
        kind: lightMeal ? 'light_meal' : 'meal',
        tariff_id: price.tariffId,
        unit_price_cents: price.unitPriceCents,
        sibling_bp: price.siblingBp,
        sibling_cents: price.siblingCents,
        exemption_bp: price.exemptionBp,
        exemption_cents: price.exemptionCents,
        amount_cents: price.amountCents,
        reverses_charge_id: null,
        reason: null,
        author: SYSTEM_AUTHOR,
        created_at: now,
      });
    }
    return db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('day_charge')
        .values({ ente_id: ente.id, date, charged_at: now, charges: charges.length, total_cents: total })
        .onConflict((oc) => oc.columns(['ente_id', 'date']).doNothing())
        .returning('date')
        .executeTakeFirst();
      if (!claimed) return 'already-charged';
      for (let i = 0; i < charges.length; i += INSERT_CHUNK) {
        await trx.insertInto('charge').values(charges.slice(i, i + INSERT_CHUNK)).execute();
      }
      // Prepaid: each meal is a debit on the pupil's badge in use for the service.
      await sql`
        insert into movement (ente_id, badge_id, amount_cents, kind, value_date, charge_id, author, created_at)
        select c.ente_id, b.id, -c.amount_cents, c.kind, c.date, c.id, cast(${SYSTEM_AUTHOR} as text), cast(${now} as text)
        from charge c
        join enrolment e on e.id = c.enrolment_id
        join service s on s.id = e.service_id and s.billing = 'prepaid'
        join badge b on b.pupil_id = c.pupil_id and b.service_id = e.service_id and b.active = 1
        where c.ente_id = ${ente.id} and c.date = ${date} and c.kind in ('meal', 'light_meal')`.execute(trx);
      return 'charged';
    });
  }

  /** Charges every frozen day not charged yet, oldest first: the daily run and the catch-up after downtime. */
  async function chargeDueDays(): Promise<{ ente: string; date: string }[]> {
    const done: { ente: string; date: string }[] = [];
    const enti = (await db.selectFrom('ente').selectAll().execute()) as Ente[];
    for (const ente of enti) {
      const due = await db
        .selectFrom('day_freeze as f')
        .select('f.date')
        .where('f.ente_id', '=', ente.id)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('day_charge as c').select('c.date').whereRef('c.ente_id', '=', 'f.ente_id').whereRef('c.date', '=', 'f.date'))),
        )
        .orderBy('f.date')
        .execute();
      for (const { date } of due) {
        if ((await chargeDay(ente, date)) === 'charged') done.push({ ente: ente.slug, date });
      }
    }
    return done;
  }

  /**
   * The office's correction: a storno reverses one charge with a new charge of opposite sign, dated
   * the day it is made (it is billed with that month), and on a prepaid service a credit to the badge.
   * Nothing is edited; a charge is reversed at most once (unique reverses_charge_id).
   */
  async function reverseCharge(ente: Ente, input: { chargeId: number; reason: string; author: string; requestId?: string }) {
    const reason = correctionReason(input.reason);
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const original = await trx
        .selectFrom('charge')
        .selectAll()
        .where('ente_id', '=', ente.id)
        .where('id', '=', input.chargeId)
        .where('kind', '<>', 'storno')
        .executeTakeFirst();
      if (!original) throw new NotFoundError('charge');
      const already = await trx.selectFrom('charge').select('id').where('reverses_charge_id', '=', original.id).executeTakeFirst();
      if (already) throw new InvalidInputError({ chargeId: 'alreadyReversed' });
      const storno = await trx
        .insertInto('charge')
        .values({
          ente_id: ente.id,
          enrolment_id: original.enrolment_id,
          pupil_id: original.pupil_id,
          date: romeDate(now),
          kind: 'storno',
          tariff_id: original.tariff_id,
          unit_price_cents: -original.unit_price_cents,
          sibling_bp: original.sibling_bp,
          sibling_cents: -original.sibling_cents,
          exemption_bp: original.exemption_bp,
          exemption_cents: -original.exemption_cents,
          amount_cents: -original.amount_cents,
          reverses_charge_id: original.id,
          reason,
          author: input.author,
          created_at: now.toISOString(),
        })
        .returning(['id', 'amount_cents'])
        .executeTakeFirstOrThrow();
      const debit = await trx.selectFrom('movement').select(['id', 'badge_id', 'amount_cents']).where('charge_id', '=', original.id).executeTakeFirst();
      if (debit) {
        await trx
          .insertInto('movement')
          .values({
            ente_id: ente.id,
            badge_id: debit.badge_id,
            amount_cents: -debit.amount_cents,
            kind: 'storno',
            value_date: romeDate(now),
            charge_id: storno.id,
            reverses_movement_id: debit.id,
            note: reason,
            author: input.author,
            created_at: now.toISOString(),
          })
          .execute();
      }
      const entry: AuditEntry = {
        enteId: ente.id,
        actorFiscalCode: input.author,
        action: 'office.charge.storno',
        subjectType: 'charge',
        subjectId: original.id,
        requestId: input.requestId,
      };
      await writeAuditEvent(trx, clock, entry);
      return { stornoId: storno.id, amountCents: storno.amount_cents, badgeCredited: Boolean(debit) };
    });
  }

  return { chargeDay, chargeDueDays, reverseCharge };
}

export type ChargingService = ReturnType<typeof createChargingService>;
