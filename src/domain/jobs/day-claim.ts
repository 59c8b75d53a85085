import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from '../../db/schema';

/**
 * A claim this old belongs to a run that died (kill -9, a crash, a lost host): far beyond the few
 * seconds a Rome day takes, so a live run is never taken over.
 */
export const STALE_CLAIM_MS = 10 * 60_000;

/** The days that a batched job claims, works on in batches, and completes: one row per ente and day. */
export type DayTable = 'day_freeze' | 'day_charge' | 'reminder_run';

/** What happens to a day whose row exists already: done, being worked on by a live run, or taken over from a dead one. */
export type ExistingClaim = 'done' | 'busy' | 'taken-over';

/**
 * For a day whose row another run inserted: complete, or in the hands of a live run, or — when that run
 * has not been heard of for STALE_CLAIM_MS — taken over by exactly one run (compare-and-set on claimed_at).
 * Every batch of the jobs is idempotent, so the run that takes over simply does all of them again.
 */
export async function existingClaim(db: Kysely<DB>, table: DayTable, enteId: number, date: string, now: Date): Promise<ExistingClaim> {
  const row = await sql<{ claimed_at: string | null; completed_at: string | null }>`
    select claimed_at, completed_at from ${sql.table(table)} where ente_id = ${enteId} and date = ${date}`.execute(db);
  const day = row.rows[0];
  if (!day || day.completed_at) return 'done';
  if (day.claimed_at && now.getTime() - Date.parse(day.claimed_at) < STALE_CLAIM_MS) return 'busy';
  const taken = await sql`
    update ${sql.table(table)} set claimed_at = ${now.toISOString()}
    where ente_id = ${enteId} and date = ${date} and completed_at is null
      and claimed_at ${day.claimed_at === null ? sql`is null` : sql`= ${day.claimed_at}`}`.execute(db);
  return Number(taken.numAffectedRows ?? 0) === 1 ? 'taken-over' : 'busy';
}

/**
 * Marks a day complete inside the transaction that writes its totals; false when another run completed
 * it first (on PostgreSQL the second waits for the first's row lock, then finds it done), so the totals
 * are written exactly once.
 */
export async function completeDay(trx: Kysely<DB>, table: DayTable, enteId: number, date: string, now: Date): Promise<boolean> {
  const completed = await sql`
    update ${sql.table(table)} set completed_at = ${now.toISOString()}
    where ente_id = ${enteId} and date = ${date} and completed_at is null`.execute(trx);
  return Number(completed.numAffectedRows ?? 0) === 1;
}

/** Days a run started and did not complete, oldest first: resumed before any new day. */
export async function incompleteDays(db: Kysely<DB>, table: DayTable, enteId: number): Promise<string[]> {
  const rows = await sql<{ date: string }>`
    select date from ${sql.table(table)} where ente_id = ${enteId} and completed_at is null order by date`.execute(db);
  return rows.rows.map((r) => r.date);
}

/** Lets the event loop serve what is waiting (page views) between two batches of a job. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Splits a list into consecutive batches of at most `size` items. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** Rows of one slice of a job's large read: about 10–30 ms of SQLite's synchronous work. */
export const READ_SLICE = 10_000;

/**
 * A job's large read (an ente's badges or enrolments) in slices of READ_SLICE rows by a positive integer
 * key, the event loop served between them: on SQLite a statement runs synchronously, and one read of
 * 150,000 rows held every page view for a quarter of a second. PostgreSQL's reads wait on the network
 * without holding the event loop, and each slice there would hash the joined tables again: `all()` reads
 * everything at once. `slice(after)` reads the next READ_SLICE rows of key > after in key order.
 */
export async function readInSlices<Row>(
  db: Kysely<DB>,
  read: { all: () => Promise<Row[]>; slice: (after: number) => Promise<Row[]>; keyOf: (row: Row) => number },
): Promise<Row[]> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return read.all();
  const rows: Row[] = [];
  for (let after = 0; ; ) {
    const part = await read.slice(after);
    for (const row of part) rows.push(row);
    if (part.length < READ_SLICE) return rows;
    after = read.keyOf(part[part.length - 1]!);
    await yieldToEventLoop();
  }
}
