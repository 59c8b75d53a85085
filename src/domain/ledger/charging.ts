import { type Insertable, type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import type { ChargeKind, ChargeTable, DB, Ente, MovementTable } from '../../db/schema';
import { romeDate } from '../calendar/local-time';
import type { AuditEntry } from '../audit/audit';
import { writeAuditEvent } from '../audit/audit';
import type { Clock } from '../clock';
import { correctionReason, InvalidInputError, NotFoundError } from '../errors';
import { completeDay, existingClaim, inBatches, incompleteDays, READ_SLICE, readInSlices, yieldToEventLoop } from '../jobs/day-claim';
import { prepared } from '../../db/prepared';
import { withJobPageCache } from '../../db/page-cache';
import { termInForce } from '../registry/terms';
import { loadTariffContext } from '../tariffs/context';
import type { Price } from '../tariffs/resolution';

/** Rows per INSERT: well within SQLite's limit on bound parameters. */
const INSERT_CHUNK = 1_000;
/**
 * Charges per transaction (and, on PostgreSQL, per INSERT … SELECT FROM unnest, whose arrays have no
 * parameter limit): short enough not to hold the writer for long, long enough to cost little per batch.
 */
const CHARGE_BATCH = 2_500;
/** Schools whose booked meals are read at once (attendance_school_date): a few thousand meals. */
const SCHOOLS_PER_READ = 10;
/** Meals priced between two turns of the event loop. */
const PRICING_SLICE = 5_000;

/** The charge of one meal as priced on its day: the charging's and an office correction's alike. */
export function mealCharge(
  ente: Ente,
  enrolment: { enrolmentId: number; pupilId: number },
  date: string,
  price: Price,
  options: { lightMeal: boolean; author: string; now: string },
): Insertable<ChargeTable> {
  return {
    ente_id: ente.id,
    enrolment_id: enrolment.enrolmentId,
    pupil_id: enrolment.pupilId,
    date,
    kind: options.lightMeal ? 'light_meal' : 'meal',
    tariff_id: price.tariffId,
    unit_price_cents: price.unitPriceCents,
    sibling_bp: price.siblingBp,
    sibling_cents: price.siblingCents,
    exemption_bp: price.exemptionBp,
    exemption_cents: price.exemptionCents,
    amount_cents: price.amountCents,
    reverses_charge_id: null,
    reason: null,
    author: options.author,
    created_at: options.now,
  };
}

/** The ente's badges in use: all at once, or a slice by id at a time (readInSlices). */
function activeBadgesQuery(db: Kysely<DB>, enteId: number) {
  return db.selectFrom('badge').select(['id', 'pupil_id', 'service_id']).where('ente_id', '=', enteId).where('active', '=', sql.lit(1));
}
const activeBadges = prepared(activeBadgesQuery);
const activeBadgesSlice = prepared((db: Kysely<DB>, enteId: number, after: number) =>
  activeBadgesQuery(db, enteId).where('id', '>', after).orderBy('id').limit(sql.lit(READ_SLICE)),
);

/**
 * Inserts the charges not there yet (one per enrolment and day) and returns those, with what their debits need. On PostgreSQL the rows go as one array per column
 * (unnest): a thousand-row VALUES list with sixteen thousand parameters took twelve seconds for a day of
 * 150,000 meals (bench/RESULTS.md); SQLite inserts VALUES lists quickly.
 */
async function insertNewCharges(trx: Kysely<DB>, rows: Insertable<ChargeTable>[]) {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) {
    const inserted = [];
    for (const chunk of inBatches(rows, INSERT_CHUNK)) {
      inserted.push(
        ...(await trx
          .insertInto('charge')
          .values(chunk)
          .onConflict((oc) => oc.columns(['enrolment_id', 'date']).where('kind', '<>', sql.lit('storno')).doNothing())
          .returning(['id', 'enrolment_id', 'kind', 'amount_cents'])
          .execute()),
      );
    }
    return inserted;
  }
  const column = <K extends keyof Insertable<ChargeTable>>(key: K) => rows.map((row) => row[key]);
  const result = await sql<{ id: number; enrolment_id: number; kind: ChargeKind; amount_cents: number }>`
    insert into charge (ente_id, enrolment_id, pupil_id, date, kind, tariff_id, unit_price_cents, sibling_bp, sibling_cents,
                        exemption_bp, exemption_cents, amount_cents, author, created_at)
    select * from unnest(
      ${column('ente_id')}::integer[], ${column('enrolment_id')}::integer[], ${column('pupil_id')}::integer[], ${column('date')}::text[],
      ${column('kind')}::text[], ${column('tariff_id')}::integer[], ${column('unit_price_cents')}::integer[], ${column('sibling_bp')}::integer[],
      ${column('sibling_cents')}::integer[], ${column('exemption_bp')}::integer[], ${column('exemption_cents')}::integer[],
      ${column('amount_cents')}::integer[], ${column('author')}::text[], ${column('created_at')}::text[])
    on conflict (enrolment_id, date) where kind <> 'storno' do nothing
    returning id, enrolment_id, kind, amount_cents`.execute(trx);
  return result.rows;
}

/**
 * A storno of `reversed` in the caller's transaction: a charge of opposite sign dated the day it is made
 * (billed with that month) and, when `reversed` moved a badge, the opposite movement. Nothing is edited;
 * `reversed` may itself be a storno (an attendance correction undone restores the meal the same way),
 * and the unique reverses_charge_id and reverses_movement_id make each row reversed at most once.
 */
export async function writeStorno(
  trx: Kysely<DB>,
  ente: Ente,
  reversed: Selectable<ChargeTable>,
  input: { reason: string; author: string; now: Date },
): Promise<{ stornoId: number; amountCents: number; badgeCredited: boolean }> {
  const { reason, author, now } = input;
  const storno = await trx
    .insertInto('charge')
    .values({
      ente_id: ente.id,
      enrolment_id: reversed.enrolment_id,
      pupil_id: reversed.pupil_id,
      date: romeDate(now),
      kind: 'storno',
      tariff_id: reversed.tariff_id,
      unit_price_cents: -reversed.unit_price_cents,
      sibling_bp: reversed.sibling_bp,
      sibling_cents: -reversed.sibling_cents,
      exemption_bp: reversed.exemption_bp,
      exemption_cents: -reversed.exemption_cents,
      amount_cents: -reversed.amount_cents,
      reverses_charge_id: reversed.id,
      reason,
      author,
      created_at: now.toISOString(),
    })
    .returning(['id', 'amount_cents'])
    .executeTakeFirstOrThrow();
  const debit = await trx.selectFrom('movement').select(['id', 'badge_id', 'amount_cents']).where('charge_id', '=', reversed.id).executeTakeFirst();
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
        author,
        created_at: now.toISOString(),
      })
      .execute();
  }
  return { stornoId: storno.id, amountCents: storno.amount_cents, badgeCredited: Boolean(debit) };
}

/** Who wrote a row the jobs made, in the author columns. */
export const SYSTEM_AUTHOR = 'sistema';

/**
 * Charging (issue 4): after a day is frozen, each booked meal is charged exactly once — on a prepaid
 * service as a debit on the pupil's badge, on a postpaid one as a charge the month's document bills.
 * The day_charge row, inserted first, is the lock that makes a day charged once across runs and
 * instances (chargeDay); the unique index on charge(enrolment, day) holds the rule even against a bug.
 */
export function createChargingService(db: Kysely<DB>, clock: Clock) {
  /**
   * Charges one frozen day. The day's row is claimed first; the charges (and a prepaid meal's debit, in
   * the same transaction as its charge) go in batches, each its own short transaction with the event
   * loop served between them; one last transaction completes the day with its totals. A batch inserts
   * only the charges not there yet (the unique index on enrolment and day) and debits only those, so a
   * run that takes over from one that died part-way (stale claim) charges each meal exactly once.
   */
  function chargeDay(
    ente: Ente,
    date: string,
    options: { chargesPerBatch?: number; afterBatch?: (charges: number) => Promise<void> | void } = {},
  ): Promise<'charged' | 'already-charged' | 'not-frozen'> {
    return withJobPageCache(db, () => chargeDayInBatches(ente, date, options));
  }

  async function chargeDayInBatches(ente: Ente, date: string, options: Parameters<typeof chargeDay>[2] = {}): Promise<'charged' | 'already-charged' | 'not-frozen'> {
    const started = clock.now();
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    const claim = async (executor: Kysely<DB>) => {
      let frozenQuery = executor.selectFrom('day_freeze').select('date').where('ente_id', '=', ente.id).where('date', '=', date).where('completed_at', 'is not', null);
      // On PostgreSQL the claim waits for an attendance correction of the day being committed (it holds
      // the day_freeze row), so the attendance read below is the corrected one (decision 0025). On
      // SQLite the correction holds the one writer, which the insert below waits for.
      if (postgres) frozenQuery = frozenQuery.forShare();
      if (!(await frozenQuery.executeTakeFirst())) return 'not-frozen' as const;
      const inserted = await executor
        .insertInto('day_charge')
        .values({ ente_id: ente.id, date, charged_at: started.toISOString(), charges: 0, total_cents: 0, claimed_at: started.toISOString(), completed_at: null })
        .onConflict((oc) => oc.columns(['ente_id', 'date']).doNothing())
        .returning('date')
        .executeTakeFirst();
      return inserted ? ('claimed' as const) : ('exists' as const);
    };
    const claimed = postgres ? await db.transaction().execute(claim) : await claim(db);
    if (claimed === 'not-frozen') return 'not-frozen';
    if (claimed === 'exists' && (await existingClaim(db, 'day_charge', ente.id, date, started)) !== 'taken-over') return 'already-charged';
    // The ente-wide reads, in slices (a Rome day: 150,000 enrolments, 75,000 badges); then the day's
    // meals a few schools at a time: every read and every transaction is short, so pages are served
    // in between on SQLite, whose statements hold the event loop.
    const tariffs = await loadTariffContext(db, ente, date);
    const badges = await readInSlices(db, {
      all: () => activeBadges(db, ente.id),
      slice: (after) => activeBadgesSlice(db, ente.id, after),
      keyOf: (b) => b.id,
    });
    const schools = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id').execute();
    // The badge in use for each pupil and service: where a prepaid meal is debited.
    const badgeOf = new Map(badges.map((b) => [`${b.pupil_id}/${b.service_id}`, b.id]));
    const now = clock.now().toISOString();
    let priced = 0;
    let written = 0;
    for (const schoolIds of inBatches(schools.map((s) => s.id), SCHOOLS_PER_READ)) {
      const booked = await db
        .selectFrom('attendance as a')
        .innerJoin('enrolment as e', 'e.id', 'a.enrolment_id')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .select([
          'a.pupil_id as pupilId', 'a.status', 'e.id as enrolmentId', 'e.service_id as serviceId', 'e.school_year_id as schoolYearId',
          // The band in force on the day (decision 0018): a change from a later date never reaches it.
          termInForce('tariff_id', 'e', date).as('tariffId'), 's.billing',
        ])
        .where('a.school_id', 'in', schoolIds)
        .where('a.date', '=', date)
        .where('a.ente_id', '=', ente.id)
        .where('a.status', 'in', ['present', 'light_meal'])
        // A withdrawn enrolment is charged nothing after its end, even for a day booked before the withdrawal.
        .where('e.starts_on', '<=', date)
        .where((eb) => eb.or([eb('e.ends_on', 'is', null), eb('e.ends_on', '>=', date)]))
        .execute();
      const debitBadge = new Map<number, number>();
      const charges: Insertable<ChargeTable>[] = [];
      for (const meal of booked) {
        // Pricing a Rome day is a second of JavaScript: pages are served in between.
        if (++priced % PRICING_SLICE === 0) await yieldToEventLoop();
        // A canteen with a monthly fee is billed by the month, not by the meal.
        if (tariffs.unitOf(meal.tariffId) !== 'pasto') continue;
        const lightMeal = meal.status === 'light_meal';
        const price = tariffs.priceOf(meal, { free: lightMeal && !ente.charge_light_meals });
        const badge = meal.billing === 'prepaid' ? badgeOf.get(`${meal.pupilId}/${meal.serviceId}`) : undefined;
        if (badge !== undefined) debitBadge.set(meal.enrolmentId, badge);
        charges.push(mealCharge(ente, meal, date, price, { lightMeal, author: SYSTEM_AUTHOR, now }));
      }
      for (const batch of inBatches(charges, options.chargesPerBatch ?? CHARGE_BATCH)) {
        await db.transaction().execute(async (trx) => {
          const inserted = await insertNewCharges(trx, batch);
          const debits: Insertable<MovementTable>[] = [];
          for (const charge of inserted) {
            const badge = debitBadge.get(charge.enrolment_id);
            if (badge === undefined) continue;
            debits.push({
              ente_id: ente.id, badge_id: badge, amount_cents: -charge.amount_cents, kind: charge.kind as 'meal' | 'light_meal', value_date: date,
              charge_id: charge.id, reverses_movement_id: null, note: null, author: SYSTEM_AUTHOR, created_at: now,
            });
          }
          for (let j = 0; j < debits.length; j += INSERT_CHUNK) await trx.insertInto('movement').values(debits.slice(j, j + INSERT_CHUNK)).execute();
        });
        await options.afterBatch?.((written += batch.length));
        await yieldToEventLoop();
      }
      await yieldToEventLoop();
    }
    return db.transaction().execute(async (trx) => {
      if (!(await completeDay(trx, 'day_charge', ente.id, date, clock.now()))) return 'already-charged';
      // The totals of what is in the ledger for the day, whichever runs wrote it.
      const totals = await trx
        .selectFrom('charge')
        .select((eb) => [eb.fn.countAll<number>().as('charges'), eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), sql<number>`0`).as('total')])
        .where('ente_id', '=', ente.id)
        .where('date', '=', date)
        .where('kind', 'in', [sql.lit<ChargeKind>('meal'), sql.lit<ChargeKind>('light_meal')])
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('day_charge')
        .set({ charges: Number(totals.charges), total_cents: Number(totals.total) })
        .where('ente_id', '=', ente.id)
        .where('date', '=', date)
        .execute();
      return 'charged';
    });
  }

  /** Charges every frozen day not charged yet, oldest first: the daily run and the catch-up after downtime. */
  async function chargeDueDays(): Promise<{ ente: string; date: string }[]> {
    const done: { ente: string; date: string }[] = [];
    const enti = (await db.selectFrom('ente').selectAll().execute()) as Ente[];
    for (const ente of enti) {
      // Days a run began and did not finish (it died part-way), then the frozen days not charged yet.
      const resumed = await incompleteDays(db, 'day_charge', ente.id);
      const due = await db
        .selectFrom('day_freeze as f')
        .select('f.date')
        .where('f.ente_id', '=', ente.id)
        .where('f.completed_at', 'is not', null)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('day_charge as c').select('c.date').whereRef('c.ente_id', '=', 'f.ente_id').whereRef('c.date', '=', 'f.date'))),
        )
        .orderBy('f.date')
        .execute();
      for (const date of [...resumed, ...due.map((d) => d.date)]) {
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
        .where('kind', '<>', sql.lit('storno'))
        .executeTakeFirst();
      if (!original) throw new NotFoundError('charge');
      const already = await trx.selectFrom('charge').select('id').where('reverses_charge_id', '=', original.id).executeTakeFirst();
      if (already) throw new InvalidInputError({ chargeId: 'alreadyReversed' });
      const storno = await writeStorno(trx, ente, original, { reason, author: input.author, now });
      const entry: AuditEntry = {
        enteId: ente.id,
        actorFiscalCode: input.author,
        action: 'office.charge.storno',
        subjectType: 'charge',
        subjectId: original.id,
        requestId: input.requestId,
      };
      await writeAuditEvent(trx, clock, entry);
      return storno;
    });
  }

  return { chargeDay, chargeDueDays, reverseCharge };
}

export type ChargingService = ReturnType<typeof createChargingService>;
