import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import type { DB, Ente } from '../../db/schema';
import { READ_SLICE, readInSlices } from '../jobs/day-claim';
import { termInForce } from '../registry/terms';
import { type BandPrice, type DatedSiblingRule, type Exemption, type Price, type SiblingRule, freeOf, resolvePrice, siblingRanks, siblingRulesOn } from './resolution';

/** The enrolment facts a price depends on (besides the day). */
export interface PricedEnrolment {
  enrolmentId: number;
  serviceId: number;
  schoolYearId: number;
  tariffId: number;
}

/**
 * Everything the tariff rules of one ente need for one day, loaded in a few queries, so that charging
 * 150,000 meals prices each in memory with the pure resolution. `only` narrows it to one holder's
 * enrolments (siblings are counted per holder), for pricing a single family.
 */
const tariffsOf = prepared((db: Kysely<DB>, enteId: number) =>
  db
    .selectFrom('tariff')
    .select(['id', 'service_id', 'school_year_id', 'band_code', 'band_label', 'unit', 'amount_cents', 'valid_from'])
    .where('ente_id', '=', enteId),
);

const siblingRulesOf = prepared((db: Kysely<DB>, enteId: number) =>
  db.selectFrom('sibling_reduction').select(['service_id', 'school_year_id', 'child_rank', 'percent_bp', 'valid_from']).where('ente_id', '=', enteId),
);

function exemptionsQuery(db: Kysely<DB>, enteId: number, date: string) {
  return db
    // From the enrolments (a family's, on its pages) to their exemptions, not the other way round: the
    // ente's exemptions are many at Rome scale, a family's enrolments a few.
    .selectFrom('enrolment as e')
    .innerJoin('tariff_exemption as x', 'x.enrolment_id', 'e.id')
    .select(['x.enrolment_id', 'x.percent_bp', 'x.valid_from', 'x.valid_to'])
    .where('x.ente_id', '=', enteId)
    .where('x.valid_from', '<=', date)
    .where((eb) => eb.or([eb('x.valid_to', 'is', null), eb('x.valid_to', '>=', date)]));
}

/** Siblings count among the enrolments in force that day in services of the same kind and year. */
function enrolledQuery(db: Kysely<DB>, enteId: number, date: string) {
  return db
    .selectFrom('enrolment as e')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('pupil', 'pupil.id', 'e.pupil_id')
    .innerJoin('person as child', 'child.id', 'pupil.person_id')
    // Siblings are counted per holder in force on the day (decision 0018).
    .select(['e.id as enrolmentId', termInForce('holder_person_id', 'e', date).as('holderPersonId'), 'child.birth_date as pupilBirthDate', 's.kind as kind', 'e.school_year_id as yearId'])
    .where('e.ente_id', '=', enteId)
    .where('e.state', 'in', ['attiva', 'cessata'])
    .where('e.starts_on', '<=', date)
    .where((eb) => eb.or([eb('e.ends_on', 'is', null), eb('e.ends_on', '>=', date)]));
}

// The jobs price a whole ente; the Scheda prices one family on every view, so its variants are prepared.
const exemptionsOfHolder = prepared((db: Kysely<DB>, enteId: number, date: string, holderPersonId: number) =>
  exemptionsQuery(db, enteId, date).where('e.holder_person_id', '=', holderPersonId),
);
const exemptionsOfEnte = prepared(exemptionsQuery);
const enrolledOfEnte = prepared(enrolledQuery);
// The same in slices by the enrolment's id, for a job on SQLite (readInSlices).
const enrolledOfEnteSlice = prepared((db: Kysely<DB>, enteId: number, date: string, after: number) =>
  enrolledQuery(db, enteId, date).where('e.id', '>', after).orderBy('e.id').limit(sql.lit(READ_SLICE)),
);
const enrolledOfHolder = prepared((db: Kysely<DB>, enteId: number, date: string, holderPersonId: number) =>
  enrolledQuery(db, enteId, date).where('e.holder_person_id', '=', holderPersonId),
);

export async function loadTariffContext(db: Kysely<DB>, ente: Ente, date: string, only?: { holderPersonId: number }) {
  const [tariffs, rules, exemptions, enrolled] = await Promise.all([
    tariffsOf(db, ente.id),
    siblingRulesOf(db, ente.id),
    only
      ? exemptionsOfHolder(db, ente.id, date, only.holderPersonId)
      : exemptionsOfEnte(db, ente.id, date),
    only
      ? enrolledOfHolder(db, ente.id, date, only.holderPersonId)
      : readInSlices(db, {
          all: () => enrolledOfEnte(db, ente.id, date),
          slice: (after) => enrolledOfEnteSlice(db, ente.id, date, after),
          keyOf: (e) => e.enrolmentId,
        }),
  ]);

  // A band's prices over time (one row each), shared by every tariff row of the band.
  const bandKey = (t: { service_id: number; school_year_id: number; band_code: string }) => `${t.service_id}/${t.school_year_id}/${t.band_code}`;
  const bandPrices = new Map<string, BandPrice[]>(
    [...Map.groupBy(tariffs, bandKey)].map(([key, rows]) => [
      key,
      rows.map((t) => ({ id: t.id, bandCode: t.band_code, bandLabel: t.band_label, unit: t.unit, amountCents: t.amount_cents, validFrom: t.valid_from })),
    ]),
  );
  const bandsById = new Map(tariffs.map((t) => [t.id, bandPrices.get(bandKey(t))!]));

  // The reductions of the context's day: a change from a later date never reaches it (decision 0022).
  const datedRulesBy = Map.groupBy(rules, (r) => `${r.service_id}/${r.school_year_id}`);
  const rulesBy = new Map<string, SiblingRule[]>(
    [...datedRulesBy].map(([key, list]) => [key, siblingRulesOn(list.map((r): DatedSiblingRule => ({ childRank: r.child_rank, percentBp: r.percent_bp, validFrom: r.valid_from })), date)]),
  );
  const exemptionsBy = new Map<number, Exemption[]>(
    [...Map.groupBy(exemptions, (e) => e.enrolment_id)].map(([id, list]) => [id, list.map((e) => ({ percentBp: e.percent_bp, validFrom: e.valid_from, validTo: e.valid_to }))]),
  );
  const ranks = new Map<number, number>();
  for (const list of Map.groupBy(enrolled, (e) => `${e.kind}/${e.yearId}`).values()) for (const [id, rank] of siblingRanks(list)) ranks.set(id, rank);

  /** The unit price of an enrolment on the context's day; `free` for a light meal the ente does not charge. */
  function priceOf(enrolment: PricedEnrolment, options: { free?: boolean } = {}): Price {
    const price = resolvePrice({
      bandPrices: bandsById.get(enrolment.tariffId)!,
      date,
      childRank: ranks.get(enrolment.enrolmentId) ?? 1,
      siblingRules: rulesBy.get(`${enrolment.serviceId}/${enrolment.schoolYearId}`) ?? [],
      exemptions: exemptionsBy.get(enrolment.enrolmentId) ?? [],
    });
    return options.free ? freeOf(price) : price;
  }

  function unitOf(tariffId: number): 'pasto' | 'mese' {
    return bandsById.get(tariffId)![0]!.unit;
  }

  return { priceOf, unitOf };
}

export type TariffContext = Awaited<ReturnType<typeof loadTariffContext>>;
