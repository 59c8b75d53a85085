import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * The ente's name as Italian puts it in a sentence, with its own article: "il Comune di Esempio",
 * "l’Unione dei Comuni delle Colline". Sentences contract it with their preposition ("del Comune…",
 * "dell’Unione…"); it cannot be derived from the name. Empty until the office (today the seed) sets
 * it: sentences then use the bare name.
 */
export const enteArticle: AppMigration = {
  name: '0012_ente_article',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('ente').addColumn('name_with_article', 'text', (c) => c.notNull().defaultTo('')).execute();
  },
};
