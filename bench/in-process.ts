/** What the benchmarks measured in their own process share: their data's database, bulk rows, percentiles. */
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { DB } from '../src/db/schema';

/** Rows inserted in statements of `chunk` rows (the engines' limits on parameters). */
export async function insertChunked(db: Kysely<DB>, table: keyof DB & string, rows: Record<string, unknown>[], chunk = 500) {
  for (let start = 0; start < rows.length; start += chunk) await db.insertInto(table).values(rows.slice(start, start + chunk) as never).execute();
}

/** The value below which `p` % of the sorted values fall, to a tenth of a millisecond. */
export function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

/** Creates the benchmark's PostgreSQL database if missing; says whether it was there. */
export async function ensurePostgresDatabase(url: string) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^\w+$/.test(name)) throw new Error(`unexpected database name: ${name}`);
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.href });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database ${name}`);
    return exists.rowCount !== 0;
  } finally {
    await admin.end();
  }
}
