import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bandForIsee,
  bandPriceOn,
  exemptionPercent,
  freeOf,
  percentOf,
  resolvePrice,
  siblingPercent,
  siblingRanks,
  siblingRulesOn,
  type BandPrice,
  type Exemption,
  type IseeBand,
  type SiblingRule,
} from '../../src/domain/tariffs/resolution';

const RUNS = 300;

const band = (overrides: Partial<BandPrice> = {}): BandPrice => ({
  id: 1,
  bandCode: 'B',
  bandLabel: 'Fascia B',
  unit: 'pasto',
  amountCents: 410,
  validFrom: null,
  ...overrides,
});

/** A calendar day `days` after 1 September 2026. */
const dayOf = (days: number): string => new Date(Date.UTC(2026, 8, 1) + days * 86_400_000).toISOString().slice(0, 10);

describe('percentOf: a percentage of an amount, rounded to the cent half up', () => {
  it('rounds half a cent up and less than half a cent down', () => {
    assert.equal(percentOf(410, 1250), 51, '12,5% of 4,10 € is 51,25 c');
    assert.equal(percentOf(412, 1250), 52, '12,5% of 4,12 € is 51,5 c');
    assert.equal(percentOf(413, 1250), 52, '12,5% of 4,13 € is 51,625 c');
  });

  it('gives exact percentages unchanged, nothing for 0% and the whole amount for 100%', () => {
    assert.equal(percentOf(410, 2000), 82);
    assert.equal(percentOf(410, 0), 0);
    assert.equal(percentOf(410, 10_000), 410);
    assert.equal(percentOf(0, 5000), 0);
  });

  it('refuses negative or fractional amounts', () => {
    assert.throws(() => percentOf(-1, 1000), RangeError);
    assert.throws(() => percentOf(4.5, 1000), RangeError);
    assert.throws(() => percentOf(Number.NaN, 1000), RangeError);
  });

  it('refuses percentages below 0%, above 100% or not in whole basis points', () => {
    assert.throws(() => percentOf(410, -1), RangeError);
    assert.throws(() => percentOf(410, 10_001), RangeError);
    assert.throws(() => percentOf(410, 12.5), RangeError);
  });

  it('is a whole number of cents between nothing and the amount, within half a cent of the exact value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, bp) => {
        const result = percentOf(amount, bp);
        assert.ok(Number.isInteger(result));
        assert.ok(result >= 0 && result <= amount, `${result} not within 0..${amount}`);
        assert.ok(Math.abs(result - (amount * bp) / 10_000) <= 0.5, `${bp} bp of ${amount} gave ${result}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('never gives less for a higher percentage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        assert.ok(percentOf(amount, low) <= percentOf(amount, high));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('bandPriceOn: the price in force on a day', () => {
  const old = band({ id: 1, amountCents: 410, validFrom: null });
  const fromMidNovember = band({ id: 2, amountCents: 430, validFrom: '2026-11-16' });

  it('charges the old price the day before a mid-month change and the new price from the day it starts', () => {
    assert.equal(bandPriceOn([old, fromMidNovember], '2026-11-15').amountCents, 410);
    assert.equal(bandPriceOn([old, fromMidNovember], '2026-11-16').amountCents, 430);
    assert.equal(bandPriceOn([old, fromMidNovember], '2026-11-30').id, 2);
  });

  it('does not depend on the order of the rows', () => {
    assert.equal(bandPriceOn([fromMidNovember, old], '2026-11-15').id, 1);
    assert.equal(bandPriceOn([fromMidNovember, old], '2026-11-16').id, 2);
  });

  it('follows several changes in the year, taking the latest one already started', () => {
    const rows = [
      band({ id: 3, amountCents: 450, validFrom: '2027-02-01' }),
      old,
      fromMidNovember,
      band({ id: 4, amountCents: 470, validFrom: '2027-04-12' }),
    ];
    assert.equal(bandPriceOn(rows, '2026-09-14').id, 1);
    assert.equal(bandPriceOn(rows, '2026-12-01').id, 2);
    assert.equal(bandPriceOn(rows, '2027-01-31').id, 2);
    assert.equal(bandPriceOn(rows, '2027-02-01').id, 3);
    assert.equal(bandPriceOn(rows, '2027-04-11').id, 3);
    assert.equal(bandPriceOn(rows, '2027-04-12').id, 4);
    assert.equal(bandPriceOn(rows, '2027-06-10').amountCents, 470);
  });

  it('fails when no price of the band is in force on the day', () => {
    assert.throws(() => bandPriceOn([fromMidNovember], '2026-11-15'), /no price of band B in force on 2026-11-15/);
    assert.throws(() => bandPriceOn([], '2026-11-15'), /no price of band/);
  });
});

describe('siblingPercent: the reduction for the n-th child', () => {
  const rules: SiblingRule[] = [
    { childRank: 2, percentBp: 2000 },
    { childRank: 3, percentBp: 3000 },
  ];

  it('gives the first child no reduction', () => {
    assert.equal(siblingPercent(rules, 1), 0);
  });

  it('gives the second child the rule for the second', () => {
    assert.equal(siblingPercent(rules, 2), 2000);
    assert.equal(siblingPercent(rules, 3), 3000);
  });

  it('gives children beyond the last rule the reduction of the highest rank', () => {
    assert.equal(siblingPercent(rules, 5), 3000);
    assert.equal(siblingPercent([...rules].reverse(), 5), 3000);
  });

  it('gives no reduction when the ente has no sibling rules', () => {
    assert.equal(siblingPercent([], 1), 0);
    assert.equal(siblingPercent([], 4), 0);
  });
});

describe('siblingRulesOn: the sibling reductions in force on a day (decision 0022)', () => {
  const rows = [
    { childRank: 2, percentBp: 2000, validFrom: null },
    { childRank: 3, percentBp: 3000, validFrom: null },
    { childRank: 2, percentBp: 2500, validFrom: '2027-03-01' },
    { childRank: 3, percentBp: 0, validFrom: '2027-03-01' },
  ];

  it('takes each rank’s latest change on or before the day', () => {
    assert.deepEqual(siblingRulesOn(rows, '2027-02-28').sort((a, b) => a.childRank - b.childRank), [
      { childRank: 2, percentBp: 2000 },
      { childRank: 3, percentBp: 3000 },
    ]);
    assert.deepEqual(siblingRulesOn(rows, '2027-03-01').sort((a, b) => a.childRank - b.childRank), [
      { childRank: 2, percentBp: 2500 },
      { childRank: 3, percentBp: 0 },
    ]);
    // Withdrawn for the third from March: 0, not the second's 25%.
    assert.equal(siblingPercent(siblingRulesOn(rows, '2027-03-02'), 4), 0);
  });

  it('gives nothing for a rank whose rules all start later, whatever their order', () => {
    const later = [{ childRank: 2, percentBp: 1000, validFrom: '2027-01-10' }];
    assert.deepEqual(siblingRulesOn(later, '2027-01-09'), []);
    fc.assert(
      fc.property(fc.shuffledSubarray(rows, { minLength: rows.length }), (shuffled) => {
        assert.deepEqual(
          siblingRulesOn(shuffled, '2027-03-05').sort((a, b) => a.childRank - b.childRank),
          siblingRulesOn(rows, '2027-03-05').sort((a, b) => a.childRank - b.childRank),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('exemptionPercent: the exemption valid on a day', () => {
  const autumn: Exemption = { percentBp: 5000, validFrom: '2026-10-01', validTo: '2026-12-31' };

  it('applies from the first to the last day of validity, both included', () => {
    assert.equal(exemptionPercent([autumn], '2026-09-30'), 0);
    assert.equal(exemptionPercent([autumn], '2026-10-01'), 5000);
    assert.equal(exemptionPercent([autumn], '2026-11-20'), 5000);
    assert.equal(exemptionPercent([autumn], '2026-12-31'), 5000);
    assert.equal(exemptionPercent([autumn], '2027-01-01'), 0);
  });

  it('applies an exemption without an end date from its start on', () => {
    const open: Exemption = { percentBp: 10_000, validFrom: '2026-11-01', validTo: null };
    assert.equal(exemptionPercent([open], '2026-10-31'), 0);
    assert.equal(exemptionPercent([open], '2026-11-01'), 10_000);
    assert.equal(exemptionPercent([open], '2027-06-10'), 10_000);
  });

  it('applies the more generous of two overlapping exemptions', () => {
    const total: Exemption = { percentBp: 10_000, validFrom: '2026-12-01', validTo: null };
    assert.equal(exemptionPercent([autumn, total], '2026-11-30'), 5000);
    assert.equal(exemptionPercent([autumn, total], '2026-12-15'), 10_000);
    assert.equal(exemptionPercent([total, autumn], '2026-12-15'), 10_000);
    assert.equal(exemptionPercent([autumn, total], '2027-01-15'), 10_000);
  });

  it('gives nothing without exemptions', () => {
    assert.equal(exemptionPercent([], '2026-11-20'), 0);
  });
});

describe('resolvePrice: what one day of service costs an enrolment', () => {
  const base = {
    bandPrices: [band({ id: 7, amountCents: 410 })],
    date: '2026-11-20',
    childRank: 1,
    siblingRules: [{ childRank: 2, percentBp: 2000 }] as SiblingRule[],
    exemptions: [] as Exemption[],
  };

  it('charges the band price in full to the first child without exemptions', () => {
    assert.deepEqual(resolvePrice(base), {
      tariffId: 7,
      unitPriceCents: 410,
      siblingBp: 0,
      siblingCents: 0,
      exemptionBp: 0,
      exemptionCents: 0,
      amountCents: 410,
    });
  });

  it('charges a non-resident the price of the non-resident band it is given', () => {
    const nonResident = band({ id: 9, bandCode: 'NR', bandLabel: 'Non residenti', amountCents: 550 });
    const price = resolvePrice({ ...base, bandPrices: [nonResident] });
    assert.equal(price.tariffId, 9);
    assert.equal(price.unitPriceCents, 550);
    assert.equal(price.amountCents, 550);
  });

  it('uses the price in force on the day across a tariff change', () => {
    const bandPrices = [band({ id: 7, amountCents: 410 }), band({ id: 8, amountCents: 430, validFrom: '2026-11-16' })];
    assert.equal(resolvePrice({ ...base, bandPrices, date: '2026-11-13' }).amountCents, 410);
    assert.equal(resolvePrice({ ...base, bandPrices, date: '2026-11-16' }).amountCents, 430);
    assert.equal(resolvePrice({ ...base, bandPrices, date: '2026-11-16' }).tariffId, 8);
  });

  it('takes the sibling reduction from the band price and the exemption from what remains', () => {
    const price = resolvePrice({
      ...base,
      childRank: 2,
      exemptions: [{ percentBp: 5000, validFrom: '2026-09-01', validTo: null }],
    });
    assert.deepEqual(price, {
      tariffId: 7,
      unitPriceCents: 410,
      siblingBp: 2000,
      siblingCents: 82,
      exemptionBp: 5000,
      exemptionCents: 164,
      amountCents: 164,
    });
  });

  it('rounds the exemption of the remainder half up', () => {
    // 12,5% sibling of 412 = 51,5 → 52; 50% of the remaining 360 = 180.
    const price = resolvePrice({
      ...base,
      bandPrices: [band({ amountCents: 412 })],
      childRank: 2,
      siblingRules: [{ childRank: 2, percentBp: 1250 }],
      exemptions: [{ percentBp: 3333, validFrom: '2026-09-01', validTo: null }],
    });
    assert.equal(price.siblingCents, 52);
    assert.equal(price.exemptionCents, 120, '33,33% of 360 c is 119,988 c');
    assert.equal(price.amountCents, 412 - 52 - 120);
  });

  it('charges nothing with a total exemption, whatever the sibling reduction', () => {
    const exemptions: Exemption[] = [{ percentBp: 10_000, validFrom: '2026-09-01', validTo: null }];
    const first = resolvePrice({ ...base, exemptions });
    assert.equal(first.exemptionCents, 410);
    assert.equal(first.amountCents, 0);
    const second = resolvePrice({ ...base, childRank: 2, exemptions });
    assert.equal(second.siblingCents, 82);
    assert.equal(second.exemptionCents, 328);
    assert.equal(second.amountCents, 0);
  });

  it('applies an exemption only on the days it is valid', () => {
    const exemptions: Exemption[] = [{ percentBp: 5000, validFrom: '2026-11-21', validTo: null }];
    assert.equal(resolvePrice({ ...base, exemptions, date: '2026-11-20' }).amountCents, 410);
    assert.equal(resolvePrice({ ...base, exemptions, date: '2026-11-23' }).amountCents, 205);
  });

  it('always charges the band price less the reduction less the exemption, between nothing and the band price', () => {
    const arbitraryInput = fc.record({
      basePrice: fc.integer({ min: 0, max: 100_000 }),
      changes: fc.array(fc.record({ day: fc.integer({ min: 0, max: 300 }), amountCents: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 4 }),
      day: fc.integer({ min: 0, max: 300 }),
      childRank: fc.integer({ min: 1, max: 6 }),
      siblingRules: fc.array(fc.record({ childRank: fc.integer({ min: 1, max: 5 }), percentBp: fc.integer({ min: 0, max: 10_000 }) }), { maxLength: 4 }),
      exemptions: fc.array(
        fc.record({
          percentBp: fc.integer({ min: 0, max: 10_000 }),
          from: fc.integer({ min: 0, max: 300 }),
          length: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const bandPrices = [
          band({ id: 1, amountCents: input.basePrice }),
          ...input.changes.map((c, i) => band({ id: i + 2, amountCents: c.amountCents, validFrom: dayOf(c.day) })),
        ];
        const exemptions = input.exemptions.map((e) => ({
          percentBp: e.percentBp,
          validFrom: dayOf(e.from),
          validTo: e.length === null ? null : dayOf(e.from + e.length),
        }));
        const date = dayOf(input.day);
        const price = resolvePrice({ bandPrices, date, childRank: input.childRank, siblingRules: input.siblingRules, exemptions });
        assert.equal(price.amountCents, price.unitPriceCents - price.siblingCents - price.exemptionCents);
        assert.ok(price.amountCents >= 0 && price.amountCents <= price.unitPriceCents);
        assert.equal(price.unitPriceCents, bandPriceOn(bandPrices, date).amountCents);
        assert.equal(price.siblingCents, percentOf(price.unitPriceCents, price.siblingBp));
        assert.equal(price.exemptionCents, percentOf(price.unitPriceCents - price.siblingCents, price.exemptionBp));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('freeOf: a unit the ente does not charge', () => {
  it('keeps the tariff and costs nothing', () => {
    const price = resolvePrice({
      bandPrices: [band({ id: 7, amountCents: 410 })],
      date: '2026-11-20',
      childRank: 2,
      siblingRules: [{ childRank: 2, percentBp: 2000 }],
      exemptions: [{ percentBp: 5000, validFrom: '2026-09-01', validTo: null }],
    });
    assert.deepEqual(freeOf(price), {
      tariffId: 7,
      unitPriceCents: 0,
      siblingBp: 0,
      siblingCents: 0,
      exemptionBp: 0,
      exemptionCents: 0,
      amountCents: 0,
    });
    assert.equal(price.amountCents, 164, 'the original price is left as it was');
  });
});

describe('bandForIsee: the band of a family by ISEE', () => {
  interface Band extends IseeBand {
    code: string;
  }
  const bands: Band[] = [
    { id: 1, code: 'A', iseeMinCents: 0, iseeMaxCents: 800_000, resident: true },
    { id: 2, code: 'B', iseeMinCents: 800_001, iseeMaxCents: 1_500_000, resident: true },
    { id: 3, code: 'C', iseeMinCents: 1_500_001, iseeMaxCents: null, resident: true },
    { id: 4, code: 'NR', iseeMinCents: 0, iseeMaxCents: null, resident: false },
  ];

  it('places a resident family in the band its ISEE falls in', () => {
    assert.equal(bandForIsee(bands, 500_000, true).code, 'A');
    assert.equal(bandForIsee(bands, 1_000_000, true).code, 'B');
    assert.equal(bandForIsee(bands, 3_000_000, true).code, 'C');
  });

  it('includes both the minimum and the maximum of a band', () => {
    assert.equal(bandForIsee(bands, 0, true).code, 'A');
    assert.equal(bandForIsee(bands, 800_000, true).code, 'A');
    assert.equal(bandForIsee(bands, 800_001, true).code, 'B');
    assert.equal(bandForIsee(bands, 1_500_000, true).code, 'B');
    assert.equal(bandForIsee(bands, 1_500_001, true).code, 'C');
  });

  it('places a resident family that presented no ISEE in the top band', () => {
    assert.equal(bandForIsee(bands, null, true).code, 'C');
  });

  it('places a non-resident family in the non-resident band whatever its ISEE', () => {
    assert.equal(bandForIsee(bands, 0, false).code, 'NR');
    assert.equal(bandForIsee(bands, 500_000, false).code, 'NR');
    assert.equal(bandForIsee(bands, 3_000_000, false).code, 'NR');
    assert.equal(bandForIsee(bands, null, false).code, 'NR');
  });

  it('fails when there is no band for the family', () => {
    const residentOnly = bands.filter((b) => b.resident);
    assert.throws(() => bandForIsee(residentOnly, 500_000, false), /no non-resident band/);
    const withoutTop = bands.filter((b) => b.code !== 'C');
    assert.throws(() => bandForIsee(withoutTop, null, true), /no resident band for ISEE null/);
    assert.throws(() => bandForIsee(withoutTop, 2_000_000, true), /no resident band for ISEE 2000000/);
    assert.throws(() => bandForIsee([], 0, true), /no resident band/);
  });
});

describe('siblingRanks: which child each enrolment is for its holder', () => {
  it('makes the eldest child the first and the youngest the last', () => {
    const ranks = siblingRanks([
      { enrolmentId: 10, holderPersonId: 1, pupilBirthDate: '2020-05-01' },
      { enrolmentId: 11, holderPersonId: 1, pupilBirthDate: '2017-02-10' },
      { enrolmentId: 12, holderPersonId: 1, pupilBirthDate: '2018-11-30' },
    ]);
    assert.equal(ranks.get(11), 1);
    assert.equal(ranks.get(12), 2);
    assert.equal(ranks.get(10), 3);
  });

  it('orders twins by enrolment', () => {
    const ranks = siblingRanks([
      { enrolmentId: 21, holderPersonId: 1, pupilBirthDate: '2019-03-03' },
      { enrolmentId: 20, holderPersonId: 1, pupilBirthDate: '2019-03-03' },
      { enrolmentId: 22, holderPersonId: 1, pupilBirthDate: '2016-01-01' },
    ]);
    assert.equal(ranks.get(22), 1);
    assert.equal(ranks.get(20), 2);
    assert.equal(ranks.get(21), 3);
  });

  it('ranks the children of different holders independently', () => {
    const ranks = siblingRanks([
      { enrolmentId: 1, holderPersonId: 100, pupilBirthDate: '2019-01-01' },
      { enrolmentId: 2, holderPersonId: 200, pupilBirthDate: '2015-01-01' },
      { enrolmentId: 3, holderPersonId: 100, pupilBirthDate: '2017-01-01' },
      { enrolmentId: 4, holderPersonId: 300, pupilBirthDate: '2020-01-01' },
    ]);
    assert.deepEqual(Object.fromEntries(ranks), { 1: 2, 2: 1, 3: 1, 4: 1 });
  });

  it('gives nothing for no enrolments', () => {
    assert.equal(siblingRanks([]).size, 0);
  });

  it('numbers the children of every holder 1..n, eldest first, whatever the input order', () => {
    const arbitraryEnrolments = fc.uniqueArray(
      fc.record({ enrolmentId: fc.integer({ min: 1, max: 10_000 }), holderPersonId: fc.integer({ min: 1, max: 4 }), birthDay: fc.integer({ min: 0, max: 20 }) }),
      { selector: (e) => e.enrolmentId, maxLength: 20 },
    );
    fc.assert(
      fc.property(arbitraryEnrolments, (generated) => {
        const enrolments = generated.map((e) => ({ enrolmentId: e.enrolmentId, holderPersonId: e.holderPersonId, pupilBirthDate: dayOf(e.birthDay - 3000) }));
        const ranks = siblingRanks(enrolments);
        assert.equal(ranks.size, enrolments.length);
        for (const holder of new Set(enrolments.map((e) => e.holderPersonId))) {
          const children = enrolments
            .filter((e) => e.holderPersonId === holder)
            .sort((a, b) => ranks.get(a.enrolmentId)! - ranks.get(b.enrolmentId)!);
          assert.deepEqual(
            children.map((e) => ranks.get(e.enrolmentId)),
            children.map((_, i) => i + 1),
          );
          for (let i = 1; i < children.length; i++) {
            const [before, after] = [children[i - 1]!, children[i]!];
            assert.ok(
              before.pupilBirthDate < after.pupilBirthDate || (before.pupilBirthDate === after.pupilBirthDate && before.enrolmentId < after.enrolmentId),
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
