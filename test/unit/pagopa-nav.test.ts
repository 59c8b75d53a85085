import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { centsFromEuroDecimal, euroDecimalFromCents, formatEuroItalian } from '../../src/integrations/pagopa/amounts';
import { groupInFours, iuvOf, makeNav, parseNav, postalDataMatrixPayload, qrPayload } from '../../src/integrations/pagopa/nav';

/** The check digits by schoolbook long division, digit after digit, without BigInt: a second method. */
function mod93ByLongDivision(digits: string): number {
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 93;
  return remainder;
}

function replaceAt(text: string, index: number, character: string): string {
  return text.slice(0, index) + character + text.slice(index + 1);
}

describe('NAV generation', () => {
  // Each literal was checked by hand with: python3 -c "n='3120000000000001'; print(n + '%02d' % (int(n) % 93))"
  it('matches check digits computed by hand', () => {
    assert.equal(makeNav('12', '0000000000001'), '312000000000000119');
    assert.equal(makeNav('45', '0000000012345'), '345000000001234512');
    assert.equal(makeNav('00', 0n), '300000000000000003');
    assert.equal(makeNav('12', 9_999_999_999_999n), '312999999999999957');
  });

  it('pads a numeric base to 13 digits', () => {
    assert.equal(makeNav('12', 1n), makeNav('12', '0000000000001'));
  });

  it('agrees with long division on arbitrary bases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 49 }), fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), (segregation, base) => {
        const nav = makeNav(String(segregation).padStart(2, '0'), base);
        assert.match(nav, /^3\d{17}$/);
        assert.equal(Number(nav.slice(16)), mod93ByLongDivision(nav.slice(0, 16)));
        assert.deepEqual(parseNav(nav), { ok: true, nav, iuv: nav.slice(1) });
      }),
    );
  });

  it('refuses segregation codes and bases of the wrong shape', () => {
    // SACI: 46–49 are valid segregation codes too (the limit was once wrongly 45).
    for (const code of ['46', '49']) assert.match(makeNav(code, 1n), new RegExp(`^3${code}\\d{15}$`), code);
    for (const code of ['50', '99', '1', '123', 'ab', '']) assert.throws(() => makeNav(code, 1n), /Segregation code/, code);
    for (const base of ['123', '12345678901234', '000000000000a', ' 000000000001']) assert.throws(() => makeNav('12', base), /13 digits/, base);
    assert.throws(() => makeNav('12', -1n), /13 digits/);
    assert.throws(() => makeNav('12', 10n ** 13n), /13 digits/);
  });
});

describe('parseNav', () => {
  it('accepts a valid NAV, also the example of the spec', () => {
    assert.deepEqual(parseNav('312000000000000119'), { ok: true, nav: '312000000000000119', iuv: '12000000000000119' });
    assert.deepEqual(parseNav('347164993070184562'), { ok: true, nav: '347164993070184562', iuv: '47164993070184562' });
  });

  it('accepts the grouped form people copy from the notice', () => {
    assert.deepEqual(parseNav('3471 6499 3070 1845 62'), { ok: true, nav: '347164993070184562', iuv: '47164993070184562' });
    assert.deepEqual(parseNav('  3120\t0000 0000\n0001 19 '), { ok: true, nav: '312000000000000119', iuv: '12000000000000119' });
  });

  it('says what is wrong', () => {
    assert.deepEqual(parseNav('31200000000000011'), { ok: false, reason: 'length' });
    assert.deepEqual(parseNav('3120000000000001190'), { ok: false, reason: 'length' });
    assert.deepEqual(parseNav(''), { ok: false, reason: 'length' });
    assert.deepEqual(parseNav('31200000000000011A'), { ok: false, reason: 'digits' });
    assert.deepEqual(parseNav('3120-0000-0000-0001-19'), { ok: false, reason: 'digits' });
    assert.deepEqual(parseNav('012000000000000119'), { ok: false, reason: 'aux' });
    assert.deepEqual(parseNav('312000000000000118'), { ok: false, reason: 'check' });
    assert.deepEqual(parseNav('312000000000000191'), { ok: false, reason: 'check' });
  });

  it('catches any changed check digit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.integer({ min: 16, max: 17 }), fc.integer({ min: 1, max: 9 }), (base, position, shift) => {
        const nav = makeNav('12', base);
        const altered = replaceAt(nav, position, String((Number(nav[position]) + shift) % 10));
        assert.equal(parseNav(altered).ok, false, altered);
      }),
    );
  });

  it('catches any single changed digit among the first 16 (93 is coprime with 10 and above 9)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 9 }), (base, position, shift) => {
        const nav = makeNav('07', base);
        const altered = replaceAt(nav, position, String((Number(nav[position]) + shift) % 10));
        assert.equal(parseNav(altered).ok, false, altered);
      }),
    );
  });
});

describe('NAV display', () => {
  it('groups in fours from the left', () => {
    assert.equal(groupInFours('347164993070184562'), '3471 6499 3070 1845 62');
    assert.equal(groupInFours('47164993070184562'), '4716 4993 0701 8456 2');
    assert.equal(groupInFours('1234'), '1234');
  });

  it('derives the IUV by dropping the aux digit', () => {
    assert.equal(iuvOf('347164993070184562'), '47164993070184562');
    assert.throws(() => iuvOf('3471 6499 3070 1845 62'), /18-digit/);
  });
});

describe('QR code payload', () => {
  it('is the exact pagoPA string', () => {
    assert.equal(qrPayload({ nav: '312000000000000119', creditorTaxCode: '00123456789', amountCents: 102099 }), 'PAGOPA|002|312000000000000119|00123456789|102099');
    assert.equal(qrPayload({ nav: '3120 0000 0000 0001 19', creditorTaxCode: '00123456789', amountCents: 1 }), 'PAGOPA|002|312000000000000119|00123456789|1');
  });

  it('refuses bad input', () => {
    const good = { nav: '312000000000000119', creditorTaxCode: '00123456789', amountCents: 1234 };
    assert.throws(() => qrPayload({ ...good, nav: '312000000000000118' }), /check/);
    assert.throws(() => qrPayload({ ...good, creditorTaxCode: '0012345678' }), /11 digits/);
    assert.throws(() => qrPayload({ ...good, creditorTaxCode: 'IT00123456789' }), /11 digits/);
    for (const amountCents of [0, -1, 12.5, Number.NaN, 2 ** 53]) assert.throws(() => qrPayload({ ...good, amountCents }), /positive whole number/, String(amountCents));
  });
});

describe('postal Data Matrix payload', () => {
  const input = {
    nav: '312000000000000119',
    postalAccount: '1234567',
    amountCents: 102099,
    creditorTaxCode: '00123456789',
    debtorFiscalCode: 'rssmra80a01h501u',
    debtorFullName: 'Niccolò Rossi',
    subject: 'Refezione scolastica — ottobre 2026',
  };

  it('puts every field at its fixed position in 256 characters', () => {
    const payload = postalDataMatrixPayload(input);
    assert.equal(payload.length, 256);
    const fields = [
      [0, 13, 'codfase=NBPA;'],
      [13, 15, '18'],
      [15, 33, '312000000000000119'],
      [33, 35, '12'],
      [35, 47, '000001234567'],
      [47, 49, '10'],
      [49, 59, '0000102099'],
      [59, 60, '3'],
      [60, 63, '896'],
      [63, 66, '1P1'],
      [66, 77, '00123456789'],
      [77, 93, 'RSSMRA80A01H501U'],
      [93, 133, 'Niccolo Rossi'.padEnd(40)],
      [133, 243, 'Refezione scolastica - ottobre 2026'.padEnd(110)],
      [243, 255, ' '.repeat(12)],
      [255, 256, 'A'],
    ] as const;
    for (const [from, to, expected] of fields) assert.equal(payload.slice(from, to), expected, `characters ${from}–${to}`);
  });

  it('cuts long names and subjects to their width and keeps the length', () => {
    const payload = postalDataMatrixPayload({ ...input, debtorFullName: 'A'.repeat(60), subject: 'ò'.repeat(200), debtorFiscalCode: '01234567890' });
    assert.equal(payload.length, 256);
    assert.equal(payload.slice(77, 93), '01234567890     ');
    assert.equal(payload.slice(93, 133), 'A'.repeat(40));
    assert.equal(payload.slice(133, 243), 'o'.repeat(110));
  });

  it('turns characters Poste cannot read into spaces', () => {
    const payload = postalDataMatrixPayload({ ...input, debtorFullName: 'D’Amico Zoë 😀|#' });
    assert.equal(payload.length, 256);
    assert.equal(payload.slice(93, 133).trimEnd(), "D'Amico Zoe");
  });

  it('refuses what does not fit', () => {
    assert.throws(() => postalDataMatrixPayload({ ...input, postalAccount: '1234567890123' }), /Postal account/);
    assert.throws(() => postalDataMatrixPayload({ ...input, postalAccount: 'IT12' }), /Postal account/);
    assert.throws(() => postalDataMatrixPayload({ ...input, amountCents: 10_000_000_000 }), /10 digits/);
    assert.throws(() => postalDataMatrixPayload({ ...input, debtorFiscalCode: 'RSSMRA80A01H501UX' }), /16 letters/);
    assert.throws(() => postalDataMatrixPayload({ ...input, nav: '012000000000000119' }), /aux/);
  });
});

describe('amounts', () => {
  it('reads receipt amounts exactly', () => {
    assert.equal(centsFromEuroDecimal('12.34'), 1234);
    assert.equal(centsFromEuroDecimal('0.01'), 1);
    assert.equal(centsFromEuroDecimal('12'), 1200);
    assert.equal(centsFromEuroDecimal('12.3'), 1230);
    assert.equal(centsFromEuroDecimal('0.10'), 10);
    // 1.15 * 100 is 114.99999999999999 in floating point.
    assert.equal(centsFromEuroDecimal('1.15'), 115);
    assert.equal(centsFromEuroDecimal('999999999.99'), 99_999_999_999);
  });

  it('refuses what is not a non-negative amount with at most two decimals', () => {
    for (const text of ['12.345', '-1', 'abc', '1e3', '', '12.', '.5', ' 12.34', '12,34', '+1', '0x10', 'Infinity', '99999999999999999']) {
      assert.throws(() => centsFromEuroDecimal(text), Error, JSON.stringify(text));
    }
  });

  it('writes cents as decimal euros', () => {
    assert.equal(euroDecimalFromCents(1234), '12.34');
    assert.equal(euroDecimalFromCents(1), '0.01');
    assert.equal(euroDecimalFromCents(0), '0.00');
    assert.equal(euroDecimalFromCents(1200), '12.00');
    for (const cents of [-1, 1.5, Number.NaN]) assert.throws(() => euroDecimalFromCents(cents), Error, String(cents));
  });

  it('round-trips cents through decimal euros', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => {
        assert.equal(centsFromEuroDecimal(euroDecimalFromCents(cents)), cents);
      }),
    );
  });

  it('formats the Italian way of the notice guidelines', () => {
    assert.equal(formatEuroItalian(102099), '1.020,99');
    assert.equal(formatEuroItalian(1234), '12,34');
    assert.equal(formatEuroItalian(5), '0,05');
    assert.equal(formatEuroItalian(0), '0,00');
    assert.equal(formatEuroItalian(100_000_000), '1.000.000,00');
    assert.equal(formatEuroItalian(99_999_999_999), '999.999.999,99');
  });
});
