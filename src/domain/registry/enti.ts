import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { findEnteBySlug, findEnteWithOperator, listEnti } from './queries';

/**
 * What an ente's slug can be (`demo`, `unione-colline`). Anything else names no ente and never reaches
 * the database: a path like `/demo%00/` would make PostgreSQL fail (it refuses NUL in text) instead of
 * answering "not found".
 */
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The ente of every request, read from the database each time (one indexed look-up by slug): an office
 * edit of the ente's settings shows on the next page of every process (decision 0016). The record object
 * is kept while the ente's `data_version` stays the same, because the page parts rendered once per ente
 * (header, footer, contacts box: `web/shared/fragment-cache.ts`) are keyed by that object; a new version
 * gives a new object, and the old parts go with the old one.
 */
export function createEnteDirectory(db: Kysely<DB>) {
  const current = new Map<number, Ente>();

  /** The same object as before when nothing changed, so the fragments rendered for it are reused. */
  function stable(fresh: Ente | undefined): Ente | undefined {
    if (!fresh) return undefined;
    const known = current.get(fresh.id);
    if (known && known.data_version === fresh.data_version) return known;
    current.set(fresh.id, fresh);
    return fresh;
  }

  return {
    async all(): Promise<Ente[]> {
      return (await listEnti(db)).map((ente) => stable(ente)!);
    },
    async bySlug(slug: string): Promise<Ente | undefined> {
      if (!SLUG_PATTERN.test(slug)) return undefined;
      return stable(await findEnteBySlug(db, slug));
    },
    /**
     * The ente and the caller's active operator row in it, in one statement: every page of a logged-in
     * user under /{ente}/ reads both (the header's "Area ufficio" link, the back office's operator).
     */
    async bySlugWithOperator(slug: string, fiscalCode: string) {
      if (!SLUG_PATTERN.test(slug)) return undefined;
      const found = await findEnteWithOperator(db, slug, fiscalCode);
      return found && { ente: stable(found.ente as Ente)!, operator: found.operator };
    },
    /** The ente a pagoPA message names by its tax code (receipts). */
    async byTaxCode(taxCode: string): Promise<Ente | undefined> {
      return stable((await db.selectFrom('ente').selectAll().where('tax_code', '=', taxCode).executeTakeFirst()) as Ente | undefined);
    },
  };
}

export type EnteDirectory = ReturnType<typeof createEnteDirectory>;
