import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { documentLines, type BilledCharge, type BilledStorno } from '../../src/domain/billing/lines';
import { firstOfMonth, isPeriod, lastOfMonth, nextPeriod, periodOf } from '../../src/domain/billing/periods';
import { resolvePrice } from '../../src/domain/tariffs/resolution';

const RUNS = 300;
const BAND = 'Fascia B';

const charge = (overrides: Partial<BilledCharge> = {}): BilledCharge => ({
  kind: 'meal',
  unitPriceCents: 410,
  siblingBp: 0,
  siblingCents: 0,
  exemptionBp: 0,
  exemptionCents: 0,
  quantity: 20,
  ...overrides,
});

type Line = ReturnType<typeof documentLines>[number];

const total = (lines: Line[]) => lines.reduce((sum, line) => sum + line.amount_cents, 0);

/** Every line is quantity × unit price, and lines are numbered 1..n. */
function assertWellFormed(lines: Line[]) {
  assert.deepEqual(
    lines.map((l) => l.position),
    lines.map((_, i) => i + 1),
  );
  for (const line of lines) assert.equal(line.amount_cents, line.quantity * line.unit_price_cents, line.description);
}

describe('documentLines: the lines of a monthly document', () => {
  it('bills a month of meals at one price as one line', () => {
    const lines = documentLines('2026-10', BAND, { charges: [charge({ quantity: 21, unitPriceCents: 410 })], stornos: [] });
    assert.deepEqual(lines, [{ position: 1, kind: 'meal', description: 'Pasti di ottobre 2026 — Fascia B', quantity: 21, unit_price_cents: 410, amount_cents: 8610 }]);
  });

  it('bills a mid-month tariff change as two meal lines, one per price', () => {
    const lines = documentLines('2026-11', BAND, {
      charges: [charge({ quantity: 10, unitPriceCents: 410 }), charge({ quantity: 9, unitPriceCents: 430 })],
      stornos: [],
    });
    assertWellFormed(lines);
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.kind === 'meal' && l.description === 'Pasti di novembre 2026 — Fascia B'));
    assert.deepEqual(
      lines.map((l) => [l.quantity, l.unit_price_cents, l.amount_cents]).sort((a, b) => a[1]! - b[1]!),
      [
        [10, 410, 4100],
        [9, 430, 3870],
      ],
    );
    assert.equal(total(lines), 7970);
  });

  it('shows the sibling reduction and the exemption as their own negative lines', () => {
    const price = resolvePrice({
      bandPrices: [{ id: 1, bandCode: 'B', bandLabel: BAND, unit: 'pasto', amountCents: 410, validFrom: null }],
      date: '2026-10-15',
      childRank: 2,
      siblingRules: [{ childRank: 2, percentBp: 2000 }],
      exemptions: [{ percentBp: 5000, validFrom: '2026-09-01', validTo: null }],
    });
    const lines = documentLines('2026-10', BAND, { charges: [charge({ ...price, quantity: 20 })], stornos: [] });
    assertWellFormed(lines);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.description, l.quantity, l.unit_price_cents, l.amount_cents]),
      [
        ['meal', 'Pasti di ottobre 2026 — Fascia B', 20, 410, 8200],
        ['sibling', 'Riduzione fratelli 20%', 20, -82, -1640],
        ['exemption', 'Esenzione 50%', 20, -164, -3280],
      ],
    );
    assert.equal(total(lines), 20 * 164);
  });

  it('writes fractional percentages the Italian way', () => {
    const lines = documentLines('2026-10', BAND, {
      charges: [charge({ quantity: 1, unitPriceCents: 412, siblingBp: 1250, siblingCents: 52, exemptionBp: 3333, exemptionCents: 120 })],
      stornos: [],
    });
    assert.deepEqual(
      lines.map((l) => l.description),
      ['Pasti di ottobre 2026 — Fascia B', 'Riduzione fratelli 12,5%', 'Esenzione 33,33%'],
    );
  });

  it('leaves out reductions of nothing', () => {
    const lines = documentLines('2026-10', BAND, { charges: [charge({ siblingBp: 0, siblingCents: 0, exemptionBp: 0, exemptionCents: 0 })], stornos: [] });
    assert.equal(lines.length, 1);
  });

  it('bills light meals on their own line after the meals', () => {
    const lines = documentLines('2026-10', BAND, {
      charges: [charge({ kind: 'light_meal', quantity: 2, unitPriceCents: 300 }), charge({ quantity: 18, unitPriceCents: 410 })],
      stornos: [],
    });
    assertWellFormed(lines);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.description, l.quantity, l.unit_price_cents]),
      [
        ['meal', 'Pasti di ottobre 2026 — Fascia B', 18, 410],
        ['light_meal', 'Pasti in bianco di ottobre 2026 — Fascia B', 2, 300],
      ],
    );
  });

  it('says that light meals the ente does not charge are free', () => {
    const lines = documentLines('2026-10', BAND, { charges: [charge({ kind: 'light_meal', quantity: 3, unitPriceCents: 0 })], stornos: [] });
    assert.deepEqual(lines, [
      { position: 1, kind: 'light_meal', description: 'Pasti in bianco di ottobre 2026 (non a pagamento)', quantity: 3, unit_price_cents: 0, amount_cents: 0 },
    ]);
  });

  it('bills a monthly fee as "Quota mensile"', () => {
    const lines = documentLines('2027-01', 'Fascia unica', { charges: [charge({ kind: 'fee', quantity: 1, unitPriceCents: 3500 })], stornos: [] });
    assert.deepEqual(lines, [
      { position: 1, kind: 'fee', description: 'Quota mensile di gennaio 2027 — Fascia unica', quantity: 1, unit_price_cents: 3500, amount_cents: 3500 },
    ]);
  });

  it('lists each storno on its own line with the original day in Italian format and the reason', () => {
    const stornos: BilledStorno[] = [
      { amountCents: -410, reason: 'assenza comunicata', originalDate: '2026-09-28', originalKind: 'meal' },
      { amountCents: -300, reason: 'errore di registrazione', originalDate: '2026-10-05', originalKind: 'light_meal' },
      { amountCents: -3500, reason: 'ritiro', originalDate: '2026-09-01', originalKind: 'fee' },
    ];
    const lines = documentLines('2026-10', BAND, { charges: [charge({ quantity: 20 })], stornos });
    assertWellFormed(lines);
    assert.deepEqual(
      lines.slice(1).map((l) => [l.kind, l.description, l.quantity, l.unit_price_cents, l.amount_cents]),
      [
        ['storno', 'Storno pasto del 28/09/2026: assenza comunicata', 1, -410, -410],
        ['storno', 'Storno pasto del 05/10/2026: errore di registrazione', 1, -300, -300],
        ['storno', 'Storno quota di settembre 2026: ritiro', 1, -3500, -3500],
      ],
    );
    assert.equal(total(lines), 20 * 410 - 410 - 300 - 3500);
  });

  it('numbers the lines 1..n with meals, light meals and fees first, then reductions, exemptions and stornos', () => {
    const lines = documentLines('2026-10', BAND, {
      charges: [
        charge({ kind: 'fee', quantity: 1, unitPriceCents: 1000, siblingBp: 2000, siblingCents: 200 }),
        charge({ kind: 'light_meal', quantity: 2, unitPriceCents: 300, exemptionBp: 5000, exemptionCents: 150 }),
        charge({ quantity: 15, unitPriceCents: 410, siblingBp: 2000, siblingCents: 82, exemptionBp: 5000, exemptionCents: 164 }),
      ],
      stornos: [{ amountCents: -410, reason: 'assenza', originalDate: '2026-10-02', originalKind: 'meal' }],
    });
    assertWellFormed(lines);
    assert.deepEqual(
      lines.map((l) => l.kind),
      ['meal', 'light_meal', 'fee', 'sibling', 'sibling', 'exemption', 'exemption', 'storno'],
    );
    assert.equal(total(lines), 15 * (410 - 82 - 164) + 2 * (300 - 150) + (1000 - 200) - 410);
  });

  it('adds up to what the charges and stornos of the month are worth', () => {
    const arbitraryCharge = fc
      .record({
        kind: fc.constantFrom('meal' as const, 'light_meal' as const, 'fee' as const),
        quantity: fc.integer({ min: 1, max: 25 }),
        unitPriceCents: fc.integer({ min: 0, max: 1000 }),
        childRank: fc.integer({ min: 1, max: 4 }),
        siblingRules: fc.array(fc.record({ childRank: fc.integer({ min: 1, max: 4 }), percentBp: fc.integer({ min: 0, max: 10_000 }) }), { maxLength: 3 }),
        exemptionBp: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
      })
      .map((c): BilledCharge => {
        const price = resolvePrice({
          bandPrices: [{ id: 1, bandCode: 'B', bandLabel: BAND, unit: c.kind === 'fee' ? 'mese' : 'pasto', amountCents: c.unitPriceCents, validFrom: null }],
          date: '2026-10-15',
          childRank: c.childRank,
          siblingRules: c.siblingRules,
          exemptions: c.exemptionBp === null ? [] : [{ percentBp: c.exemptionBp, validFrom: '2026-09-01', validTo: null }],
        });
        return {
          kind: c.kind,
          unitPriceCents: price.unitPriceCents,
          siblingBp: price.siblingBp,
          siblingCents: price.siblingCents,
          exemptionBp: price.exemptionBp,
          exemptionCents: price.exemptionCents,
          quantity: c.quantity,
        };
      });
    const arbitraryStorno = fc.record({
      amountCents: fc.integer({ min: -1000, max: 0 }),
      reason: fc.constantFrom('assenza comunicata', 'errore', 'ritiro'),
      originalDate: fc.integer({ min: 0, max: 120 }).map((d) => new Date(Date.UTC(2026, 8, 1) + d * 86_400_000).toISOString().slice(0, 10)),
      originalKind: fc.constantFrom('meal' as const, 'light_meal' as const, 'fee' as const),
    });
    fc.assert(
      fc.property(fc.array(arbitraryCharge, { maxLength: 6 }), fc.array(arbitraryStorno, { maxLength: 4 }), (charges, stornos) => {
        const lines = documentLines('2026-10', BAND, { charges, stornos });
        assertWellFormed(lines);
        const expected =
          charges.reduce((sum, c) => sum + c.quantity * (c.unitPriceCents - c.siblingCents - c.exemptionCents), 0) + stornos.reduce((sum, s) => sum + s.amountCents, 0);
        assert.equal(total(lines), expected);
        assert.equal(lines.filter((l) => l.kind === 'storno').length, stornos.length);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('billing periods', () => {
  it('goes from December to January of the next year', () => {
    assert.equal(nextPeriod('2026-12'), '2027-01');
    assert.equal(nextPeriod('2026-09'), '2026-10');
    assert.equal(nextPeriod('2027-01'), '2027-02');
  });

  it('knows the last day of each month, leap Februaries included', () => {
    assert.equal(lastOfMonth('2028-02'), '2028-02-29');
    assert.equal(lastOfMonth('2027-02'), '2027-02-28');
    assert.equal(lastOfMonth('2026-11'), '2026-11-30');
    assert.equal(lastOfMonth('2026-12'), '2026-12-31');
    assert.equal(lastOfMonth('2100-02'), '2100-02-28');
    assert.equal(lastOfMonth('2000-02'), '2000-02-29');
  });

  it('gives the first day and the period of a day', () => {
    assert.equal(firstOfMonth('2026-10'), '2026-10-01');
    assert.equal(periodOf('2026-10-31'), '2026-10');
  });

  it('accepts only YYYY-MM with a real month', () => {
    assert.equal(isPeriod('2026-09'), true);
    assert.equal(isPeriod('2026-12'), true);
    assert.equal(isPeriod('2026-13'), false);
    assert.equal(isPeriod('2026-00'), false);
    assert.equal(isPeriod('2026-9'), false);
    assert.equal(isPeriod('26-09'), false);
    assert.equal(isPeriod('2026-09-01'), false);
    assert.equal(isPeriod(''), false);
  });

  it('ends every month on the day before the next one starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const period = `${year}-${String(month).padStart(2, '0')}`;
        assert.ok(isPeriod(period));
        const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
        assert.equal(lastOfMonth(period), `${period}-${String(days).padStart(2, '0')}`);
        assert.ok(isPeriod(nextPeriod(period)));
        assert.ok(nextPeriod(period) > period);
      }),
      { numRuns: RUNS },
    );
  });
});
