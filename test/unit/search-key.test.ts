import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseSearchText, searchKeyOf } from '../../src/domain/registry/search-key';
import { searchPlan } from '../../src/domain/registry/search';

describe('the registry search key', () => {
  it('is the names lower case, without accents, family names first, one space between words', () => {
    assert.equal(searchKeyOf({ givenName: 'Nicolò', familyName: "De' Rossi" }), 'de rossi nicolo');
    assert.equal(searchKeyOf({ givenName: 'Maria  Grazia', familyName: 'D’Angelo-Bruni' }), 'd angelo bruni maria grazia');
    assert.equal(searchKeyOf({ givenName: 'Zoë', familyName: 'Straße' }), 'strasse zoe');
    assert.equal(normaliseSearchText('  LOVELACE\u00a0ada '), 'lovelace ada');
  });

  it('tells names from fiscal codes and badges', () => {
    assert.deepEqual(searchPlan('lovel'), { words: ['lovel'], fiscalCode: 'LOVEL', badgeCode: undefined });
    assert.deepEqual(searchPlan('Ada Lovelace').fiscalCode, undefined);
    assert.equal(searchPlan('LVLDAA85T50G702B').fiscalCode, 'LVLDAA85T50G702B');
    assert.equal(searchPlan('lovelace').fiscalCode, undefined, 'letters beyond the sixth are not a fiscal code');
    assert.equal(searchPlan('B100001').badgeCode, 'B100001');
  });
});
