import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowBoundedCache } from '../../src/domain/ledger/row-bounded-cache';

const rows = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('the Conto corrente statements kept per process', () => {
  it('never holds more rows than its bound (each list counting one more), dropping the least recently used', () => {
    const cache = rowBoundedCache<number>(100);
    cache.set('a', rows(39)); // weighs 40
    cache.set('b', rows(39)); // 80
    assert.ok(cache.get('a')); // a is now the most recently used
    cache.set('c', rows(39)); // 120 > 100: b goes, a stays
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual([cache.get('a')?.length, cache.get('c')?.length], [39, 39]);
    assert.equal(cache.weight, 80);
    for (let i = 0; i < 1000; i++) {
      cache.set(`k${i}`, rows(i % 60));
      assert.ok(cache.weight <= 100, `weight ${cache.weight} after ${i}`);
    }
  });

  it('bounds empty lists too: any period a parent asks for is one more entry', () => {
    const cache = rowBoundedCache<number>(50);
    for (let i = 0; i < 10_000; i++) cache.set(`empty${i}`, []);
    assert.equal(cache.size, 50);
    assert.equal(cache.weight, 50);
  });

  it('does not keep a list heavier than the whole bound, and keeps the first of two lists for one key', () => {
    const cache = rowBoundedCache<number>(10);
    const big = rows(10);
    assert.equal(cache.set('big', big), big);
    assert.equal(cache.get('big'), undefined);
    const first = rows(3);
    assert.equal(cache.set('k', first), first);
    assert.equal(cache.set('k', rows(3)), first, 'two misses at once: one copy, counted once');
    assert.equal(cache.weight, 4);
  });
});
