import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskFiscalCode, parseFiscalCode, personalCheckCharacter } from '../../src/domain/registry/fiscal-code';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';

/** Applies omocodia to the last `n` substitutable digits and recomputes the check character. */
function omocode(code: string, n: number): string {
  const positions = [14, 13, 12, 10, 9, 7, 6];
  const chars = code.slice(0, 15).split('');
  for (const position of positions.slice(0, n)) chars[position] = 'LMNPQRSTUV'[Number(chars[position])]!;
  const first15 = chars.join('');
  return first15 + personalCheckCharacter(first15);
}

describe('codice fiscale', () => {
  it('accepts the SPID test users and the demo codes', () => {
    for (const code of ['LVLDAA85T50G702B', 'RSSMRA80A01H501U', 'PLOMRC01P30L736Y', 'BNCGLI80A41F205F', 'VRDLCU75C12L219L']) {
      assert.deepEqual(parseFiscalCode(code), { ok: true, code });
    }
  });

  it('normalises case, spaces and the TINIT- prefix of SPID attributes', () => {
    assert.deepEqual(parseFiscalCode(' tinit-rssmra80a01h501u '), { ok: true, code: 'RSSMRA80A01H501U' });
    assert.deepEqual(parseFiscalCode('TINIT-LVLDAA85T50G702B'), { ok: true, code: 'LVLDAA85T50G702B' });
  });

  it('accepts omocodia, with the check character recomputed', () => {
    for (let n = 1; n <= 7; n++) {
      const code = omocode('RSSMRA80A01H501U', n);
      assert.equal(parseFiscalCode(code).ok, true, code);
    }
    // Worked by hand: odd/even values of RSSMRA80A01H50M sum to 116; 116 mod 26 = 12 → M.
    assert.equal(omocode('RSSMRA80A01H501U', 1), 'RSSMRA80A01H50MM');
    assert.deepEqual(parseFiscalCode('RSSMRA80A01H50MM'), { ok: true, code: 'RSSMRA80A01H50MM' });
  });

  it('refuses a wrong check character', () => {
    assert.deepEqual(parseFiscalCode('RSSMRA80A01H501X'), { ok: false, problem: 'check' });
    assert.deepEqual(parseFiscalCode('LVLDAA85T50G702C'), { ok: false, problem: 'check' });
    assert.deepEqual(parseFiscalCode('RSSMRA80A01H50MU'), { ok: false, problem: 'check' }, 'omocodia without recomputing');
  });

  it('refuses malformed codes', () => {
    for (const code of ['RSSMRA80A01H501', 'RSSMRA80A01H501UU', 'RSSMRA80Z01H501U', 'RSSMRA80A99H501U', '1SSMRA80A01H501U', 'RSSMRA80A01H5O1U', 'RSSMRA 80A01H501U']) {
      assert.equal(parseFiscalCode(code).ok, false, code);
    }
    assert.deepEqual(parseFiscalCode(''), { ok: false, problem: 'empty' });
  });

  it('checks 11-digit numeric codes like a VAT number', () => {
    assert.equal(parseFiscalCode('00100010016').ok, true);
    assert.equal(parseFiscalCode('00200020022').ok, true);
    assert.deepEqual(parseFiscalCode('00100010017'), { ok: false, problem: 'check' });
  });

  it('builds demo codes by the official rules', () => {
    assert.equal(fiscalCodeFor({ familyName: 'Rossi', givenName: 'Mario', sex: 'M', birthDate: '1980-01-01', placeCode: 'H501' }), 'RSSMRA80A01H501U');
    assert.equal(fiscalCodeFor({ familyName: 'Lovelace', givenName: 'Ada', sex: 'F', birthDate: '1985-12-10', placeCode: 'G702' }), 'LVLDAA85T50G702B');
  });

  it('masks codes for logs', () => {
    assert.equal(maskFiscalCode('RSSMRA80A01H501U'), 'RSSMRA**********');
    assert.doesNotMatch(maskFiscalCode('RSSMRA80A01H501U'), /80A01/);
  });
});
