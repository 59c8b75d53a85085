import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from './schema';

/**
 * SQLite's page cache (decision 0037, amended): a connection keeps SQLite's default 2 MB, and 64 MB
 * while a day's freeze or charging runs on it. At Rome's size the inner pages of the big tables' indexes
 * alone are tens of megabytes, and a day's batches would read each of them again for every row they
 * insert; a page view reads a family's few pages and gains nothing from them, while 64 MB kept in every
 * serving process cost 33–36 MB of resident memory after a page-load run even on the demo.
 *
 * Memory a job's pages took is not given back to the operating system when the cache shrinks again (the
 * allocator keeps it for the process), so a busy installation runs the jobs in `npm run worker` and its
 * serving processes never grow by it.
 */
export const DEFAULT_PAGE_CACHE_KIB = 2_000;
const JOB_PAGE_CACHE_KIB = 65_536;

/** Per connection: the jobs running on it now, and the cache it had before the first of them. */
const running = new WeakMap<Kysely<DB>, { jobs: number; previousKib: Promise<number> }>();

export async function withJobPageCache<T>(db: Kysely<DB>, work: () => Promise<T>): Promise<T> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return work();
  let state = running.get(db);
  if (!state) {
    state = { jobs: 0, previousKib: raiseForJobs(db) };
    running.set(db, state);
  }
  state.jobs++;
  try {
    await state.previousKib;
    return await work();
  } finally {
    if (--state.jobs === 0) {
      running.delete(db);
      const previousKib = await state.previousKib;
      if (previousKib < JOB_PAGE_CACHE_KIB) await sql.raw(`pragma cache_size = -${previousKib}`).execute(db);
    }
  }
}

/** The cache's size before, in KiB; a connection given more than the jobs' (a benchmark's builder) keeps it. */
async function raiseForJobs(db: Kysely<DB>): Promise<number> {
  // A negative cache_size is in KiB, a positive one in pages (of 4 KiB here).
  const size = Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size ?? -DEFAULT_PAGE_CACHE_KIB);
  const previousKib = size < 0 ? -size : size * 4;
  if (previousKib < JOB_PAGE_CACHE_KIB) await sql.raw(`pragma cache_size = -${JOB_PAGE_CACHE_KIB}`).execute(db);
  return previousKib;
}
