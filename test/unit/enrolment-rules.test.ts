import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceClass, isValidIban, normaliseIban } from '../../src/domain/registry/iban';
import { iseeToCents } from '../../src/web/backoffice/anagrafe/alunni/iscrizioni/routes';

describe('IBAN check digits', () => {
  it('accepts valid IBANs, with spaces and in lower case', () => {
    for (const iban of ['IT60X0542811101000000123456', 'it60 x054 2811 1010 0000 0123 456', 'DE89370400440532013000', 'GB82WEST12345698765432']) {
      assert.ok(isValidIban(iban), iban);
    }
    assert.equal(normaliseIban('it60 x054-2811'), 'IT60X0542811');
  });
  it('refuses a wrong check, a wrong length, letters where digits go, and junk', () => {
    for (const iban of ['IT61X0542811101000000123456', 'IT60X054281110100000012345', 'DE89370400440532013001', '12IT0542811101000000123456', '', 'IT60X05428111010000001234567890123456789']) {
      assert.ok(!isValidIban(iban), iban);
    }
  });
});

describe('the class of the next year', () => {
  it('advances a plain "2A" and leaves anything else to be edited', () => {
    assert.equal(advanceClass('2A'), '3A');
    assert.equal(advanceClass('1 B'), '2 B');
    assert.equal(advanceClass('4'), '5');
    assert.equal(advanceClass('9C'), '9C');
    assert.equal(advanceClass('Sezione Gialla'), 'Sezione Gialla');
    assert.equal(advanceClass('10A'), '10A');
  });
});

describe('ISEE values as people write them', () => {
  it('reads euro with or without thousands dots and cents', () => {
    assert.equal(iseeToCents('8500'), 850_000);
    assert.equal(iseeToCents('8.500,50'), 850_050);
    assert.equal(iseeToCents('€ 12.000'), 1_200_000);
    assert.equal(iseeToCents('0'), 0);
  });
  it('refuses huge numbers, negatives and words', () => {
    for (const value of ['99999999999999999999', '1.000.000', '-5', 'mille', '1e6', '8,500.50']) assert.equal(iseeToCents(value), undefined, value);
  });
});
