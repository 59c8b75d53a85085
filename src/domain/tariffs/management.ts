import { type Kysely, sql } from 'kysely';
import type { DB, TariffUnit } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { writeChange } from '../audit/audit';
import { addDays, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { type BandPrice, bandForIsee, bandPriceOn, resolvePrice, siblingRulesOn } from './resolution';

/**
 * The office's tariffs (issue 14, decision 0022): bands by ISEE with their prices from a date, sibling
 * reductions from a date, exemptions of an enrolment, and the "what would this family pay" preview.
 *
 * A change is a row with a date, never an UPDATE of a price something was charged at: the charging reads
 * the row in force on each day (`bandPriceOn`, `siblingRulesOn`). A change must start after every day
 * already frozen in the ente (the days booked, charged or being charged), so a charge once written is never
 * made under a price other than the one it was priced at, and the month it belongs to bills what it says.
 *
 * Problems are reported by form field (the office forms' names), as catalogue keys.
 */

/** The largest amount of a price (cents): 9.999,99 € a meal or a month is already no canteen's. */
export const MAX_PRICE_CENTS = 999_999;
/** The largest ISEE value (cents) a band may name: 999.999,99 €. */
export const MAX_ISEE_CENTS = 99_999_999;

export interface BandInput {
  serviceId: number;
  schoolYearId: number;
  bandCode: string;
  bandLabel: string;
  resident: boolean;
  iseeMinCents: number;
  /** null: no upper limit (the top band, which also takes those without an ISEE). */
  iseeMaxCents: number | null;
  unit: TariffUnit;
  amountCents: number;
}

export interface ExemptionInput {
  percentBp: number;
  reason: string;
  validFrom: string;
  validTo: string | null;
}

/** A band of a service and year: its first row (the one enrolments point at) and its prices, oldest first. */
export interface Band {
  id: number;
  serviceId: number;
  schoolYearId: number;
  bandCode: string;
  bandLabel: string;
  resident: boolean;
  iseeMinCents: number;
  iseeMaxCents: number | null;
  unit: TariffUnit;
  prices: BandPrice[];
}

function bandsFrom(
  rows: readonly {
    id: number; service_id: number; school_year_id: number; band_code: string; band_label: string; resident: number;
    isee_min_cents: number; isee_max_cents: number | null; unit: TariffUnit; amount_cents: number; valid_from: string | null;
  }[],
): Band[] {
  const bands = new Map<string, Band>();
  // Oldest first: a band's first price (no date, the start of the year) names it, as for the enrolment forms.
  const sorted = [...rows].sort((a, b) => (a.valid_from ?? '').localeCompare(b.valid_from ?? '') || a.id - b.id);
  for (const row of sorted) {
    const key = `${row.service_id}/${row.school_year_id}/${row.band_code}`;
    let band = bands.get(key);
    if (!band) {
      band = {
        id: row.id, serviceId: row.service_id, schoolYearId: row.school_year_id, bandCode: row.band_code, bandLabel: row.band_label,
        resident: row.resident === 1, iseeMinCents: row.isee_min_cents, iseeMaxCents: row.isee_max_cents, unit: row.unit, prices: [],
      };
      bands.set(key, band);
    }
    band.prices.push({ id: row.id, bandCode: row.band_code, bandLabel: row.band_label, unit: row.unit, amountCents: row.amount_cents, validFrom: row.valid_from });
  }
  // Residents by ISEE from the lowest, then the non-residents' band.
  return [...bands.values()].sort((a, b) => Number(b.resident) - Number(a.resident) || a.iseeMinCents - b.iseeMinCents || a.bandCode.localeCompare(b.bandCode));
}

/** Whether two ISEE ranges share a value (null: no upper limit). */
function rangesOverlap(a: { min: number; max: number | null }, b: { min: number; max: number | null }): boolean {
  return a.min <= (b.max ?? Infinity) && b.min <= (a.max ?? Infinity);
}

export function createTariffService(db: Kysely<DB>, clock: Clock) {
  function tariffRows(trx: Kysely<DB>, enteId: number, serviceId: number, schoolYearId: number) {
    return trx
      .selectFrom('tariff')
      .select(['id', 'service_id', 'school_year_id', 'band_code', 'band_label', 'resident', 'isee_min_cents', 'isee_max_cents', 'unit', 'amount_cents', 'valid_from'])
      .where('ente_id', '=', enteId)
      .where('service_id', '=', serviceId)
      .where('school_year_id', '=', schoolYearId)
      .execute();
  }

  function siblingRows(trx: Kysely<DB>, enteId: number, serviceId: number, schoolYearId: number) {
    return trx
      .selectFrom('sibling_reduction')
      .select(['child_rank as childRank', 'percent_bp as percentBp', 'valid_from as validFrom'])
      .where('ente_id', '=', enteId)
      .where('service_id', '=', serviceId)
      .where('school_year_id', '=', schoolYearId)
      .orderBy(sql`coalesce(valid_from, '')`)
      .orderBy('child_rank')
      .execute();
  }

  /** The last day frozen (or being frozen) in the ente: a change can only start after the days already decided. */
  async function lastDecidedDay(trx: Kysely<DB>, enteId: number): Promise<string | null> {
    const row = await trx.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', enteId).executeTakeFirst();
    return row?.date ?? null;
  }

  async function serviceAndYear(trx: Kysely<DB>, enteId: number, serviceId: number, schoolYearId: number) {
    const [service, year] = await Promise.all([
      trx.selectFrom('service').select(['id', 'name', 'billing']).where('ente_id', '=', enteId).where('id', '=', serviceId).executeTakeFirst(),
      trx.selectFrom('school_year').select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn']).where('ente_id', '=', enteId).where('id', '=', schoolYearId).executeTakeFirst(),
    ]);
    return { service, year };
  }

  /** The date of a change: inside the school year, after every day already decided. */
  function dateProblem(validFrom: string, year: { startsOn: string; endsOn: string }, lastDecided: string | null): string | undefined {
    if (validFrom < year.startsOn || validFrom > year.endsOn) return 'dateOutsideYear';
    if (lastDecided !== null && validFrom <= lastDecided) return 'dateNotAfterCharged';
    return undefined;
  }

  /** The services and school years of the ente, to choose a tariff table from (the latest year first). */
  async function choices(office: OperatorContext) {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    const [services, years] = await Promise.all([
      db.selectFrom('service').select(['id', 'name', 'billing']).where('ente_id', '=', enteId).orderBy('name').execute(),
      db.selectFrom('school_year').select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn']).where('ente_id', '=', enteId).orderBy('starts_on', 'desc').execute(),
    ]);
    const today = romeDate(clock.now());
    // The year under way (or the next one) is what the office most often opens.
    const currentYear = years.find((y) => y.startsOn <= today && today <= y.endsOn) ?? years.find((y) => y.startsOn > today) ?? years[0];
    return { services, years, currentYear, today };
  }

  /** The tariff table of one service and year: its bands with their prices, the sibling reductions, the day limit of a change. */
  async function table(office: OperatorContext, serviceId: number, schoolYearId: number) {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    const [{ service, year }, rows, siblings, lastDecided] = await Promise.all([
      serviceAndYear(db, enteId, serviceId, schoolYearId),
      tariffRows(db, enteId, serviceId, schoolYearId),
      siblingRows(db, enteId, serviceId, schoolYearId),
      lastDecidedDay(db, enteId),
    ]);
    if (!service || !year) throw new NotFoundError('tariff table');
    const today = romeDate(clock.now());
    // The day whose prices the table shows: today within the year, else the year's first or last day.
    const day = today < year.startsOn ? year.startsOn : today > year.endsOn ? year.endsOn : today;
    const bands = bandsFrom(rows).map((band) => ({ ...band, inForce: bandPriceOn(band.prices, day) }));
    const siblingsInForce = siblingRulesOn(siblings, day);
    return { service, year, bands, siblings, siblingsInForce, day, today, lastDecided, earliestChange: earliestChange(year, lastDecided) };
  }

  /** The first day a change may start from. */
  function earliestChange(year: { startsOn: string }, lastDecided: string | null): string {
    return lastDecided !== null && lastDecided >= year.startsOn ? addDays(lastDecided, 1) : year.startsOn;
  }

  /** One band (by the id of any of its rows) with its price history. */
  async function band(office: OperatorContext, tariffId: number) {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    const row = await db.selectFrom('tariff').select(['service_id', 'school_year_id', 'band_code']).where('ente_id', '=', enteId).where('id', '=', tariffId).executeTakeFirst();
    if (!row) throw new NotFoundError('tariff');
    const [{ service, year }, rows, lastDecided] = await Promise.all([
      serviceAndYear(db, enteId, row.service_id, row.school_year_id),
      tariffRows(db, enteId, row.service_id, row.school_year_id),
      lastDecidedDay(db, enteId),
    ]);
    const found = bandsFrom(rows).find((b) => b.bandCode === row.band_code)!;
    const today = romeDate(clock.now());
    const day = today < year!.startsOn ? year!.startsOn : today > year!.endsOn ? year!.endsOn : today;
    return { band: found, service: service!, year: year!, inForce: bandPriceOn(found.prices, day), day, lastDecided, earliestChange: earliestChange(year!, lastDecided) };
  }

  /** A new band of a service and year, priced from the start of the year (no enrolment is in it yet). */
  async function addBand(office: OperatorContext, input: BandInput): Promise<number> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      const problems: Record<string, string> = {};
      const { service, year } = await serviceAndYear(tx.db, enteId, input.serviceId, input.schoolYearId);
      if (!service) problems.servizio = 'choose';
      if (!year) problems.anno = 'choose';
      const bands = service && year ? bandsFrom(await tariffRows(tx.db, enteId, input.serviceId, input.schoolYearId)) : [];
      if (bands.some((b) => b.bandCode === input.bandCode)) problems.codice = 'bandCodeTaken';
      if (input.resident) {
        if (input.iseeMaxCents !== null && input.iseeMaxCents < input.iseeMinCents) problems.isee_a = 'rangeReversed';
        else {
          const other = bands.find((b) => b.resident && rangesOverlap({ min: b.iseeMinCents, max: b.iseeMaxCents }, { min: input.iseeMinCents, max: input.iseeMaxCents }));
          if (other) problems.isee_da = 'bandsOverlap';
        }
      } else if (bands.some((b) => !b.resident)) problems.residenti = 'nonResidentBandExists';
      if (bands.length > 0 && bands[0]!.unit !== input.unit) problems.unita = 'unitDiffers';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      // A non-residents' band is one price whatever the ISEE (`bandForIsee`): its range is all of them.
      const values = {
        ente_id: enteId, service_id: input.serviceId, school_year_id: input.schoolYearId, band_code: input.bandCode, band_label: input.bandLabel,
        isee_min_cents: input.resident ? input.iseeMinCents : 0, isee_max_cents: input.resident ? input.iseeMaxCents : null,
        resident: input.resident ? 1 : 0, unit: input.unit, amount_cents: input.amountCents, valid_from: null,
      };
      let id: number;
      try {
        ({ id } = await tx.db.insertInto('tariff').values(values).returning('id').executeTakeFirstOrThrow());
      } catch (error) {
        // Another operator saved the same code meanwhile.
        if (uniqueViolation(error)) throw new InvalidInputError({ codice: 'bandCodeTaken' });
        throw error;
      }
      await writeChange(tx.db, clock, office, { action: 'office.tariff.band.create', subjectType: 'tariff', subjectId: id, before: null, after: values });
      return id;
    });
  }

  /**
   * A price change of a band from a date: a new row of the band with that `valid_from`. Refused when the date
   * is not after every day already decided (a charge made at the old price stays as it was charged), outside
   * the year, or on the day of another change of the band.
   */
  async function changePrice(office: OperatorContext, tariffId: number, input: { validFrom: string; amountCents: number }): Promise<number> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      const row = await tx.db.selectFrom('tariff').select(['service_id', 'school_year_id', 'band_code']).where('ente_id', '=', enteId).where('id', '=', tariffId).executeTakeFirst();
      if (!row) throw new NotFoundError('tariff');
      const [{ year }, rows, lastDecided] = await Promise.all([
        serviceAndYear(tx.db, enteId, row.service_id, row.school_year_id),
        tariffRows(tx.db, enteId, row.service_id, row.school_year_id),
        lastDecidedDay(tx.db, enteId),
      ]);
      const band = bandsFrom(rows).find((b) => b.bandCode === row.band_code)!;
      const problems: Record<string, string> = {};
      const dateWrong = dateProblem(input.validFrom, year!, lastDecided);
      const before = bandPriceOn(band.prices, input.validFrom);
      if (dateWrong) problems.dal = dateWrong;
      else if (band.prices.some((p) => (p.validFrom ?? year!.startsOn) === input.validFrom)) problems.dal = 'changeSameDay';
      else if (before.amountCents === input.amountCents) problems.importo = 'samePrice';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const values = {
        ente_id: enteId, service_id: band.serviceId, school_year_id: band.schoolYearId, band_code: band.bandCode, band_label: band.bandLabel,
        isee_min_cents: band.iseeMinCents, isee_max_cents: band.iseeMaxCents, resident: band.resident ? 1 : 0, unit: band.unit,
        amount_cents: input.amountCents, valid_from: input.validFrom,
      };
      let id: number;
      try {
        ({ id } = await tx.db.insertInto('tariff').values(values).returning('id').executeTakeFirstOrThrow());
      } catch (error) {
        if (uniqueViolation(error)) throw new InvalidInputError({ dal: 'changeSameDay' });
        throw error;
      }
      await writeChange(tx.db, clock, office, {
        action: 'office.tariff.price.change',
        subjectType: 'tariff',
        subjectId: band.id,
        // The price in force on the day before this change (its row and date), and the new one from the day.
        before: { band_code: band.bandCode, valid_from: before.validFrom ?? year!.startsOn, amount_cents: before.amountCents, tariff_id: before.id },
        after: { band_code: band.bandCode, valid_from: input.validFrom, amount_cents: input.amountCents, tariff_id: id },
      });
      return id;
    });
  }

  /**
   * Withdraws a scheduled price change (a mistake noticed before its day): the row is removed only while its
   * date is after every day decided, so no meal was ever priced by it; the band's first price never goes.
   */
  async function withdrawPriceChange(office: OperatorContext, bandId: number, changeId: number): Promise<void> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const [band, change] = await Promise.all([
        tx.db.selectFrom('tariff').select(['service_id', 'school_year_id', 'band_code']).where('ente_id', '=', enteId).where('id', '=', bandId).executeTakeFirst(),
        tx.db.selectFrom('tariff').selectAll().where('ente_id', '=', enteId).where('id', '=', changeId).executeTakeFirst(),
      ]);
      if (!band || !change || change.service_id !== band.service_id || change.school_year_id !== band.school_year_id || change.band_code !== band.band_code) {
        throw new NotFoundError('tariff');
      }
      const lastDecided = await lastDecidedDay(tx.db, enteId);
      if (change.valid_from === null || (lastDecided !== null && change.valid_from <= lastDecided)) throw new InvalidInputError({ modifica: 'notScheduled' });
      // No meal was priced by it (its day is not decided; the charge's foreign key is the backstop); an
      // enrolment that names the row (an import may) keeps it.
      const [term, enrolment] = await Promise.all([
        tx.db.selectFrom('enrolment_term').select('id').where('tariff_id', '=', change.id).limit(sql.lit(1)).executeTakeFirst(),
        tx.db.selectFrom('enrolment').select('id').where('tariff_id', '=', change.id).limit(sql.lit(1)).executeTakeFirst(),
      ]);
      if (term || enrolment) throw new InvalidInputError({ modifica: 'notScheduled' });
      await tx.db.deleteFrom('tariff').where('id', '=', change.id).execute();
      await writeChange(tx.db, clock, office, {
        action: 'office.tariff.price.withdraw',
        subjectType: 'tariff',
        subjectId: bandId,
        before: { band_code: change.band_code, valid_from: change.valid_from, amount_cents: change.amount_cents, tariff_id: change.id },
        after: null,
      });
    });
  }

  /** The reductions for the second child and for the third and following, from a date (0: none from that day). */
  async function changeSiblingReductions(
    office: OperatorContext,
    input: { serviceId: number; schoolYearId: number; validFrom: string; secondBp: number; thirdBp: number },
  ): Promise<void> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const [{ service, year }, rules, lastDecided] = await Promise.all([
        serviceAndYear(tx.db, enteId, input.serviceId, input.schoolYearId),
        siblingRows(tx.db, enteId, input.serviceId, input.schoolYearId),
        lastDecidedDay(tx.db, enteId),
      ]);
      if (!service || !year) throw new NotFoundError('tariff table');
      const problems: Record<string, string> = {};
      const dateWrong = dateProblem(input.validFrom, year, lastDecided);
      const rankOf = (list: readonly { childRank: number; percentBp: number }[], rank: number) =>
        list.filter((r) => r.childRank <= rank).sort((a, b) => b.childRank - a.childRank)[0]?.percentBp ?? 0;
      const inForce = siblingRulesOn(rules, input.validFrom);
      // The reductions in force on the day, and the day they started from.
      const since = rules.map((r) => r.validFrom ?? year.startsOn).filter((day) => day <= input.validFrom).sort().at(-1) ?? null;
      const before = { second_bp: rankOf(inForce, 2), third_bp: rankOf(inForce, 3) };
      if (dateWrong) problems.dal = dateWrong;
      else if (rules.some((r) => (r.validFrom ?? year.startsOn) === input.validFrom)) problems.dal = 'changeSameDay';
      else if (before.second_bp === input.secondBp && before.third_bp === input.thirdBp) problems.secondo = 'nothingChanged';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const row = { ente_id: enteId, service_id: input.serviceId, school_year_id: input.schoolYearId, valid_from: input.validFrom };
      try {
        await tx.db
          .insertInto('sibling_reduction')
          .values([
            { ...row, child_rank: 2, percent_bp: input.secondBp },
            { ...row, child_rank: 3, percent_bp: input.thirdBp },
          ])
          .execute();
      } catch (error) {
        if (uniqueViolation(error)) throw new InvalidInputError({ dal: 'changeSameDay' });
        throw error;
      }
      await writeChange(tx.db, clock, office, {
        action: 'office.tariff.siblings.change',
        subjectType: 'service',
        subjectId: input.serviceId,
        before: { school_year_id: input.schoolYearId, valid_from: since, ...before },
        after: { school_year_id: input.schoolYearId, valid_from: input.validFrom, second_bp: input.secondBp, third_bp: input.thirdBp },
      });
    });
  }

  async function enrolmentOf(trx: Kysely<DB>, enteId: number, enrolmentId: number) {
    const row = await trx
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .innerJoin('pupil', 'pupil.id', 'e.pupil_id')
      .innerJoin('person', 'person.id', 'pupil.person_id')
      .select([
        'e.id', 'e.pupil_id as pupilId', 'e.state', 'e.starts_on as startsOn', 'e.ends_on as endsOn', 's.name as serviceName', 'y.label as yearLabel',
        'y.ends_on as yearEndsOn', 'person.given_name as givenName', 'person.family_name as familyName',
      ])
      .where('e.ente_id', '=', enteId)
      .where('e.id', '=', enrolmentId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('enrolment');
    return row;
  }

  function exemptionRows(trx: Kysely<DB>, enteId: number, enrolmentId: number) {
    return trx
      .selectFrom('tariff_exemption')
      .select(['id', 'percent_bp as percentBp', 'reason', 'valid_from as validFrom', 'valid_to as validTo', 'created_at as createdAt'])
      .where('ente_id', '=', enteId)
      .where('enrolment_id', '=', enrolmentId)
      .orderBy('valid_from')
      .orderBy('id')
      .execute();
  }

  /** An enrolment's exemptions, oldest first, with the first day a change may start from. */
  async function exemptions(office: OperatorContext, enrolmentId: number) {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    const enrolment = await enrolmentOf(db, enteId, enrolmentId);
    const [rows, lastDecided] = await Promise.all([exemptionRows(db, enteId, enrolmentId), lastDecidedDay(db, enteId)]);
    const earliest = lastDecided !== null && lastDecided >= enrolment.startsOn ? addDays(lastDecided, 1) : enrolment.startsOn;
    return { enrolment, exemptions: rows, lastDecided, earliestChange: earliest, today: romeDate(clock.now()) };
  }

  /** An exemption of an enrolment from a date (decided by the social services), total or partial. */
  async function addExemption(office: OperatorContext, enrolmentId: number, input: ExemptionInput): Promise<number> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      const enrolment = await enrolmentOf(tx.db, enteId, enrolmentId);
      const lastDecided = await lastDecidedDay(tx.db, enteId);
      const lastDay = enrolment.endsOn ?? enrolment.yearEndsOn;
      const problems: Record<string, string> = {};
      if (input.validFrom < enrolment.startsOn || input.validFrom > lastDay) problems.dal = 'dateOutsideEnrolment';
      else if (lastDecided !== null && input.validFrom <= lastDecided) problems.dal = 'dateNotAfterCharged';
      if (input.validTo !== null) {
        if (input.validTo < input.validFrom) problems.al = 'rangeReversed';
        else if (input.validTo > lastDay) problems.al = 'dateOutsideEnrolment';
      }
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const values = {
        ente_id: enteId, enrolment_id: enrolmentId, percent_bp: input.percentBp, reason: input.reason, valid_from: input.validFrom,
        valid_to: input.validTo, created_at: clock.now().toISOString(),
      };
      const { id } = await tx.db.insertInto('tariff_exemption').values(values).returning('id').executeTakeFirstOrThrow();
      await writeChange(tx.db, clock, office, {
        action: 'office.exemption.add',
        subjectType: 'enrolment',
        subjectId: enrolmentId,
        before: null,
        after: { exemption_id: id, pupil_id: enrolment.pupilId, percent_bp: input.percentBp, reason: input.reason, valid_from: input.validFrom, valid_to: input.validTo },
      });
      return id;
    });
  }

  /**
   * Ends an exemption: its last day becomes `lastDay`. Only days not decided yet change (the last day must be
   * on or after the last frozen one), so what was charged with the exemption stays so. The save names the
   * last day the form showed: a change made meanwhile by someone else is refused, never overwritten.
   */
  async function endExemption(office: OperatorContext, enrolmentId: number, exemptionId: number, input: { lastDay: string; shownValidTo: string | null }): Promise<void> {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const enrolment = await enrolmentOf(tx.db, enteId, enrolmentId);
      const row = await tx.db.selectFrom('tariff_exemption').selectAll().where('ente_id', '=', enteId).where('enrolment_id', '=', enrolmentId).where('id', '=', exemptionId).executeTakeFirst();
      if (!row) throw new NotFoundError('exemption');
      if (row.valid_to !== input.shownValidTo) throw new ConflictError(row);
      const lastDecided = await lastDecidedDay(tx.db, enteId);
      const problems: Record<string, string> = {};
      if (row.valid_to !== null && input.lastDay >= row.valid_to) problems.ultimo_giorno = 'notBeforeEnd';
      else if (input.lastDay < addDays(row.valid_from, -1)) problems.ultimo_giorno = 'beforeStart';
      else if (lastDecided !== null && input.lastDay < lastDecided) problems.ultimo_giorno = 'dateNotAfterCharged';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const updated = await tx.db
        .updateTable('tariff_exemption')
        .set({ valid_to: input.lastDay })
        .where('id', '=', row.id)
        .where((eb) => (row.valid_to === null ? eb('valid_to', 'is', null) : eb('valid_to', '=', row.valid_to)))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new ConflictError(row);
      await writeChange(tx.db, clock, office, {
        action: 'office.exemption.end',
        subjectType: 'enrolment',
        subjectId: enrolmentId,
        before: { exemption_id: row.id, pupil_id: enrolment.pupilId, valid_to: row.valid_to },
        after: { exemption_id: row.id, pupil_id: enrolment.pupilId, valid_to: input.lastDay },
      });
    });
  }

  /**
   * What a family would pay: the band of its ISEE (residents) or the non-residents' band, and the price of a
   * meal or a month on `date` for the n-th child with an exemption — by the charging's own rules
   * (`bandForIsee`, `resolvePrice`, `siblingRulesOn`), never a second implementation.
   */
  async function preview(
    office: OperatorContext,
    input: { serviceId: number; schoolYearId: number; iseeCents: number | null; resident: boolean; childRank: number; exemptionBp: number | null; date: string | null },
  ) {
    requirePermission(office, 'tariffs.manage');
    const enteId = office.ente.id;
    const [{ service, year }, rows, siblings] = await Promise.all([
      serviceAndYear(db, enteId, input.serviceId, input.schoolYearId),
      tariffRows(db, enteId, input.serviceId, input.schoolYearId),
      siblingRows(db, enteId, input.serviceId, input.schoolYearId),
    ]);
    const problems: Record<string, string> = {};
    if (!service) problems.servizio = 'choose';
    if (!year) problems.anno = 'choose';
    if (!service || !year) throw new InvalidInputError(problems);
    const today = romeDate(clock.now());
    const date = input.date ?? (today < year.startsOn ? year.startsOn : today > year.endsOn ? year.endsOn : today);
    if (date < year.startsOn || date > year.endsOn) throw new InvalidInputError({ data: 'dateOutsideYear' });
    const bands = bandsFrom(rows);
    if (bands.length === 0) throw new InvalidInputError({ servizio: 'noBands' });
    let band: Band;
    try {
      band = bandForIsee(bands, input.iseeCents, input.resident);
    } catch {
      throw new InvalidInputError({ isee: input.resident ? 'noBandForIsee' : 'noNonResidentBand' });
    }
    const exemptions = input.exemptionBp ? [{ percentBp: input.exemptionBp, validFrom: date, validTo: null }] : [];
    const price = resolvePrice({ bandPrices: band.prices, date, childRank: input.childRank, siblingRules: siblingRulesOn(siblings, date), exemptions });
    const inForce = bandPriceOn(band.prices, date);
    return { service, year, date, band, inForce, price };
  }

  return { choices, table, band, addBand, changePrice, withdrawPriceChange, changeSiblingReductions, exemptions, addExemption, endExemption, preview };
}

export type TariffService = ReturnType<typeof createTariffService>;
export type TariffTableView = Awaited<ReturnType<TariffService['table']>>;
export type BandView = Awaited<ReturnType<TariffService['band']>>;
export type ExemptionsView = Awaited<ReturnType<TariffService['exemptions']>>;
export type PreviewResult = Awaited<ReturnType<TariffService['preview']>>;
