import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { findEnteBySlug, listEnti } from './queries';

/**
 * What an ente's slug can be (`demo`, `unione-colline`). Anything else names no ente and never reaches
 * the database: a path like `/demo%00/` would make PostgreSQL fail (it refuses NUL in text) instead of
 * answering "not found".
 */
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Enti change a few times a year and every request needs one: a short-lived cache in each instance
 * saves a query per page, and a minute of staleness after an edit is harmless.
 */
export function createEnteDirectory(db: Kysely<DB>, ttlMs = 60_000) {
  let cached: { at: number; bySlug: Map<string, Ente>; all: Ente[] } | undefined;

  async function load() {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const all = await listEnti(db);
      cached = { at: Date.now(), all, bySlug: new Map(all.map((e) => [e.slug, e])) };
    }
    return cached;
  }

  return {
    async all(): Promise<Ente[]> {
      return (await load()).all;
    },
    async bySlug(slug: string): Promise<Ente | undefined> {
      if (!SLUG_PATTERN.test(slug)) return undefined;
      const hit = (await load()).bySlug.get(slug);
      // A new ente must not wait for the cache to expire.
      return hit ?? (await findEnteBySlug(db, slug));
    },
    /** The ente a pagoPA message names by its tax code (receipts). */
    async byTaxCode(taxCode: string): Promise<Ente | undefined> {
      const hit = (await load()).all.find((e) => e.tax_code === taxCode);
      return hit ?? ((await db.selectFrom('ente').selectAll().where('tax_code', '=', taxCode).executeTakeFirst()) as Ente | undefined);
    },
  };
}

export type EnteDirectory = ReturnType<typeof createEnteDirectory>;
