/**
 * The registry search's ways of finding a name (decision 0017, src/domain/registry/search.ts): the family
 * range alone, the family range with the few persons having the word later in their name, the window of
 * keys read in order, and the window that does not fill a page. Each way, page after page, must give
 * exactly what reading every person of the ente would: the same pupils in the same order. The limits are
 * made small so that a few hundred persons take every way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { searchPupils, SEARCH_TUNING, type SearchTuning } from '../../src/domain/registry/search';
import { normaliseSearchText, searchKeyOf } from '../../src/domain/registry/search-key';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { startTestApp, type TestApp } from '../helpers/app';
import { enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

const FAMILIES = ['Rossi', 'Rossetti', 'De Luca', 'Lucarelli', 'Bianchi', 'Gianni', 'Maria'];
const GIVEN = ['Maria Sofia', 'Gian Luca', 'Sofia', 'Luca', 'Marco', 'Nicolò', 'Rosa', 'Gianmaria'];

/** Every pupil of the ente whose name has a word starting with each word typed, in the list's order. */
async function everyMatch(db: Kysely<DB>, enteId: number, text: string): Promise<number[]> {
  const words = normaliseSearchText(text).split(' ').filter(Boolean);
  const rows = await db
    .selectFrom('pupil')
    .innerJoin('person', 'person.id', 'pupil.person_id')
    .select(['pupil.id as pupilId', 'person.id as personId', 'person.search_key as key'])
    .where('pupil.ente_id', '=', enteId)
    .execute();
  return rows
    .filter((row) => {
      // Only the first four words are indexed from their start (decision 0017): a later word is found with an earlier one.
      const nameWords = row.key.split(' ');
      return words.every((word) => nameWords.slice(0, 4).some((w) => w.startsWith(word)));
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.personId - b.personId))
    .map((row) => row.pupilId);
}

/** Every page of the search, followed through its cursor. */
async function allPages(db: Kysely<DB>, enteId: number, text: string, tuning: SearchTuning): Promise<number[]> {
  const found: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const outcome = await searchPupils(db, enteId, { text, after: cursor }, tuning);
    assert.equal(outcome.kind, 'results', text);
    if (outcome.kind !== 'results') break;
    assert.ok(outcome.page.rows.length <= 25);
    found.push(...outcome.page.rows.map((row) => row.pupilId));
    cursor = outcome.page.next;
    if (!cursor) return found;
  }
  assert.fail(`${text}: more than 100 pages`);
}

for (const { engine, skip } of testEngines()) {
  describe(`registry search's ways on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;

    before(async () => {
      t = await startTestApp(engine);
      const db = t.database.db;
      enteId = await enteIdOf(db);
      const school = await db.selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow();
      // 7 × 8 names, each taken by several persons, pupils and adults, in an order unlike the names'.
      const persons = [];
      for (let i = 0; i < 336; i++) {
        const familyName = FAMILIES[(i * 5) % FAMILIES.length]!;
        const givenName = GIVEN[(i * 3 + Math.floor(i / 56)) % GIVEN.length]!;
        const birthDate = `19${String(70 + (i % 30))}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
        persons.push({
          ente_id: enteId, fiscal_code: fiscalCodeFor({ familyName, givenName, sex: 'F', birthDate, placeCode: `H${String(100 + i).padStart(3, '0')}` }),
          given_name: givenName, family_name: familyName, search_key: searchKeyOf({ givenName, familyName }), sex: 'F' as const, birth_date: birthDate,
          birth_place: 'Roma', address: 'Via della Prova 1', postcode: '00100', city: 'Roma', province: 'RM', email: null, phone: null,
        });
      }
      const ids = [];
      for (let start = 0; start < persons.length; start += 100) {
        ids.push(...(await db.insertInto('person').values(persons.slice(start, start + 100)).returning('id').execute()).map((r) => r.id));
      }
      // Two persons in three are pupils.
      const pupils = ids.filter((_, i) => i % 3 !== 2).map((id) => ({ ente_id: enteId, person_id: id, school_id: school.id, class_name: '1A' }));
      await db.insertInto('pupil').values(pupils).execute();
    });
    after(async () => {
      await t?.close();
    });

    const texts = [
      'rossi', 'ross', 'ROSSI', 'de luca', 'luca', 'luc', 'gian', 'gianmaria', 'maria', 'maria sofia', 'sofia maria', 'sofia',
      'nicolò rossi', 'rossi nic', 'rosa', 'ro', 'maria gian', 'luca de', 'marco bianchi', 'zeta', 'de', 'gian luca rossi',
    ];
    const ways: [string, SearchTuning][] = [
      ['as in production', SEARCH_TUNING],
      ['the window reading few keys: it does not fill, the ranges are sorted', { windowKeys: 20, laterWordsSortedAtMost: 5 }],
      ['every later word dense: the window', { windowKeys: 2_000, laterWordsSortedAtMost: 5 }],
      ['every later word sorted', { windowKeys: 2_000, laterWordsSortedAtMost: 10_000 }],
    ];

    for (const [way, tuning] of ways) {
      it(`finds, page after page, exactly the pupils whose names match, in order: ${way}`, async () => {
        const db = t.database.db;
        for (const text of texts) {
          const expected = await everyMatch(db, enteId, text);
          assert.deepEqual(await allPages(db, enteId, text, tuning), expected, `"${text}" (${expected.length} pupils)`);
        }
      });
    }

    it('finds many pupils for the common words, so the ways above are exercised on pages', async () => {
      const db = t.database.db;
      const counts = Object.fromEntries(await Promise.all(['maria', 'rossi', 'luca', 'maria gian', 'sofia maria'].map(async (text) => [text, (await everyMatch(db, enteId, text)).length])));
      assert.ok(counts.maria > 50 && counts.rossi > 25 && counts.luca > 60 && counts['maria gian'] > 0 && counts['sofia maria'] > 25, JSON.stringify(counts));
    });
  });
}
