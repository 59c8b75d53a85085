/**
 * A least-recently-used map of row lists, bounded by the rows it holds rather than by its entries: a
 * statement of a school year weighs ten of a month. Each entry weighs its rows plus one, so that empty
 * lists are bounded too; a list heavier than the whole bound is not kept.
 */
export function rowBoundedCache<Row>(limit: number) {
  const entries = new Map<string, readonly Row[]>();
  let weight = 0;
  const weightOf = (rows: readonly Row[]) => rows.length + 1;
  return {
    /** The rows under `key`, now the most recently used. */
    get(key: string): readonly Row[] | undefined {
      const rows = entries.get(key);
      if (rows) {
        entries.delete(key);
        entries.set(key, rows);
      }
      return rows;
    },
    /** Keeps `rows` under `key` and returns them; if the key is already there (two misses at once), its rows. */
    set(key: string, rows: readonly Row[]): readonly Row[] {
      const held = entries.get(key);
      if (held) return held;
      const size = weightOf(rows);
      if (size > limit) return rows;
      for (const [oldest, kept] of entries) {
        if (weight + size <= limit) break;
        entries.delete(oldest);
        weight -= weightOf(kept);
      }
      entries.set(key, rows);
      weight += size;
      return rows;
    },
    /** The rows held, each entry counting one more. */
    get weight() {
      return weight;
    },
    get size() {
      return entries.size;
    },
  };
}
