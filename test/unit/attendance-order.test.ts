/**
 * On PostgreSQL the attendance list is sorted in the serving process (class, family name, given name,
 * pupil), by code point; SQLite sorts it itself, in BINARY order. The two must agree: checked against
 * SQLite's own ORDER BY on names with the characters where JavaScript's UTF-16 order differs (above
 * U+FFFF, and U+E000–U+FFFF).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { inListOrder, unpackRows } from '../../src/domain/attendance/queries';

describe('the attendance list’s order', () => {
  const letters = ['a', 'B', 'z', 'é', 'È', '’', "'", ' ', '-', '\uE000', '\uFB01', '\uFFFD', '😀', '𝒜', 'Ω', 'ß', '1'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const text = (from: readonly string[]) => Array.from({ length: 1 + Math.floor(next() * 3) }, () => from[Math.floor(next() * from.length)]).join('');

  function sqliteOrder(rows: { pupilId: number; className: string; familyName: string; givenName: string }[]): number[] {
    const db = new SqliteDatabase(':memory:');
    try {
      db.exec('create table t (pupil_id integer, class_name text, family_name text, given_name text)');
      const insert = db.prepare('insert into t values (?, ?, ?, ?)');
      for (const r of rows) insert.run(r.pupilId, r.className, r.familyName, r.givenName);
      return (db.prepare('select pupil_id as id from t order by class_name, family_name, given_name, pupil_id').all() as { id: number }[]).map((r) => r.id);
    } finally {
      db.close();
    }
  }

  for (const [what, from] of [['names of the Basic Multilingual Plane below U+E000', letters.slice(0, 9)], ['names with characters above U+FFFF and of U+E000–U+FFFF', letters]] as const) {
    it(`is SQLite's ORDER BY for ${what}`, () => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({ pupilId: 2000 - i, className: text(from), familyName: text(from), givenName: text(from), dietCode: null }));
      assert.deepEqual(inListOrder([...rows]).map((r) => r.pupilId), sqliteOrder(rows));
    });
  }
});

describe('the attendance list’s rows packed as one text (PostgreSQL)', () => {
  const rowOf = (f: string[]) => f.join('|');
  it('splits lines and tabs into rows of six fields', () => {
    assert.deepEqual(unpackRows('1\t1A\tAnna\tRossi\t\t\n2\t1A\tLuca\tBianchi\tabsent\tparent', 2, rowOf), ['1|1A|Anna|Rossi||', '2|1A|Luca|Bianchi|absent|parent']);
    assert.deepEqual(unpackRows(null, 0, rowOf), []);
  });
  it('gives up when a field held a tab or a line break, so that the rows are read as rows', () => {
    assert.equal(unpackRows('1\t1A\tAnna\tMaria\tRossi\t\t', 1, rowOf), undefined, 'a tab: seven fields');
    assert.equal(unpackRows('1\t1A\tAnna\nMaria\tRossi\t\t', 1, rowOf), undefined, 'a line break: one line more than rows');
    assert.equal(unpackRows('1\t1A\tA\nB\tC\tD\tE\t\t', 1, rowOf), undefined, 'both');
  });
});

describe('the packed rows against a plain split', () => {
  it('agrees with splitting lines and tabs on every text of up to three lines, and gives up exactly when the split does not give six fields a line', () => {
    const pieces = ['1', 'a', '', '\t', '\n'];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 20000; n++) {
      const rows = 1 + Math.floor(next() * 3);
      const text = Array.from({ length: rows }, () => Array.from({ length: 6 }, () => Array.from({ length: Math.floor(next() * 3) }, () => pieces[Math.floor(next() * pieces.length)]).join('')).join('\t')).join('\n');
      const lines = text.split('\n');
      const expected = lines.length === rows && lines.every((l) => l.split('\t').length === 6) ? lines.map((l) => l.split('\t').join('|')) : undefined;
      assert.deepEqual(unpackRows(text, rows, (f) => f.join('|')), expected, JSON.stringify(text));
    }
  });
});
