import { CompiledQuery, type Kysely, PostgresAdapter } from 'kysely';
import type { DB } from './schema';

/** A column of a bulk insert, with its PostgreSQL type for `unnest`. */
export interface BulkColumn {
  name: string;
  pg: 'int4' | 'text';
}

/** SQLite allows 32,766 bound parameters per statement. */
const SQLITE_PARAMETERS = 30_000;
/** PostgreSQL gets one array per column: the row count per statement is bounded only by memory. */
const PG_ROWS = 10_000;

const quoted = (name: string) => {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
};

/**
 * Inserts many rows of one table (an import of 150,000 rows), without building a query tree per value:
 * on PostgreSQL one statement per 10,000 rows with one array parameter per column (`unnest`), on SQLite
 * multi-row VALUES under its limit of bound parameters. Table and column names are constants of our
 * code (checked as plain identifiers); the values are always bound. Returns the `returning` columns of
 * the rows inserted, in no particular order.
 */
export async function bulkInsert<R extends Record<string, unknown> = Record<string, never>>(
  db: Kysely<DB>,
  table: keyof DB & string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
  returning: readonly string[] = [],
): Promise<R[]> {
  const out: R[] = [];
  if (rows.length === 0) return out;
  const names = columns.map((c) => quoted(c.name)).join(', ');
  const tail = returning.length ? ` returning ${returning.map(quoted).join(', ')}` : '';
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const text = `insert into ${quoted(table)} (${names}) select * from unnest(${columns.map((c, i) => `$${i + 1}::${c.pg}[]`).join(', ')})${tail}`;
    for (let start = 0; start < rows.length; start += PG_ROWS) {
      const part = rows.slice(start, start + PG_ROWS);
      const arrays = columns.map((_, i) => part.map((row) => row[i] ?? null));
      const result = await db.executeQuery<R>(CompiledQuery.raw(text, arrays));
      out.push(...result.rows);
    }
    return out;
  }
  const size = Math.max(1, Math.floor(SQLITE_PARAMETERS / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const texts = new Map<number, string>();
  for (let start = 0; start < rows.length; start += size) {
    const part = rows.slice(start, start + size);
    let text = texts.get(part.length);
    if (!text) texts.set(part.length, (text = `insert into ${quoted(table)} (${names}) values ${Array(part.length).fill(tuple).join(', ')}${tail}`));
    const parameters: unknown[] = [];
    for (const row of part) for (let i = 0; i < columns.length; i++) parameters.push(row[i] ?? null);
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, parameters));
    out.push(...result.rows);
  }
  return out;
}
