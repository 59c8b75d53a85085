import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addMonthsTo, monthlyDueDates, splitCents } from '../../src/domain/instalments/split';

describe('instalments split a debt', () => {
  it('into instalments that sum exactly to the debt, differ by at most a cent, larger ones first, the same every time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000_000 }), fc.integer({ min: 1, max: 36 }), (total, wanted) => {
        const count = Math.min(wanted, total);
        const parts = splitCents(total, count);
        assert.equal(parts.length, count);
        assert.equal(parts.reduce((a, b) => a + b, 0), total);
        assert.ok(parts.every((p) => Number.isInteger(p) && p > 0));
        assert.ok(Math.max(...parts) - Math.min(...parts) <= 1);
        for (let i = 1; i < parts.length; i++) assert.ok(parts[i - 1]! >= parts[i]!);
        assert.deepEqual(splitCents(total, count), parts);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the cents left over to the first instalments', () => {
    assert.deepEqual(splitCents(1000, 3), [334, 333, 333]);
    assert.deepEqual(splitCents(1001, 3), [334, 334, 333]);
    assert.deepEqual(splitCents(5, 5), [1, 1, 1, 1, 1]);
  });

  it('refuses what is no debt or more instalments than cents', () => {
    assert.throws(() => splitCents(0, 2), RangeError);
    assert.throws(() => splitCents(-5, 2), RangeError);
    assert.throws(() => splitCents(1.5, 2), RangeError);
    assert.throws(() => splitCents(3, 4), RangeError);
    assert.throws(() => splitCents(Number.MAX_SAFE_INTEGER + 1, 2), RangeError);
  });

  it('falls due a month apart, the last day of a shorter month', () => {
    assert.deepEqual(monthlyDueDates('2027-01-31', 4), ['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
    assert.deepEqual(monthlyDueDates('2027-11-15', 3), ['2027-11-15', '2027-12-15', '2028-01-15']);
    assert.equal(addMonthsTo('2028-01-31', 1), '2028-02-29');
    fc.assert(
      fc.property(fc.integer({ min: 2020, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 36 }), (y, m, d, n) => {
        const first = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const dates = monthlyDueDates(first, n);
        for (let i = 1; i < dates.length; i++) assert.ok(dates[i]! > dates[i - 1]!);
        assert.ok(dates.every((date) => date.slice(8) === first.slice(8)));
      }),
    );
  });
});
