import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexStatistics } from '../../src/db/planner-statistics';

const perPrefix = (stat: string) => stat.split(' ').map(Number);

describe('shipped planner statistics (decision 0013)', () => {
  it('makes the ente column select every row and a family key a few, so SQLite prefers the family', () => {
    const [rows, byEnte] = perPrefix(indexStatistics('badge', ['ente_id', 'code'], true));
    const [, byPupil] = perPrefix(indexStatistics('badge', ['pupil_id'], false));
    assert.equal(byEnte, rows, 'one ente may be the whole database');
    assert.ok(byPupil! < 100, `a pupil has a few badges (${byPupil})`);
  });

  it('ends a unique index at one row and never grows along an index', () => {
    for (const [table, columns, unique] of [
      ['document', ['ente_id', 'year', 'number'], true],
      ['attendance', ['ente_id', 'date'], false],
      ['topup', ['holder_person_id', 'state', 'id'], false],
      ['closure', ['ente_id', 'school_id', 'date'], false],
    ] as const) {
      const stat = perPrefix(indexStatistics(table, [...columns], unique));
      assert.equal(stat.length, columns.length + 1);
      for (let i = 1; i < stat.length; i++) assert.ok(stat[i]! <= stat[i - 1]! && stat[i]! >= 1, `${table} ${stat.join(' ')}`);
      if (unique) assert.equal(stat.at(-1), 1);
    }
  });

  it('splits an ente by day into a school year of days', () => {
    const [rows, , byDay] = perPrefix(indexStatistics('attendance', ['ente_id', 'date'], false));
    assert.equal(byDay, Math.round(rows! / 200));
  });
});
