import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema';

/**
 * A unit of work: the queries of one change and what must happen only once it is committed (a call to
 * pagoPA, a message, a cache to forget). Services take `tx.db` for their writes and register side effects
 * with `afterCommit`; a rollback drops them, so nothing outside the database ever reflects a change that
 * did not happen.
 */
export interface UnitOfWork {
  db: Transaction<DB>;
  afterCommit(effect: () => unknown): void;
}

/**
 * Runs `work` in one transaction, then its after-commit effects in the order they were registered. An
 * effect that fails is reported to `onEffectError` and does not undo the commit or stop the others: the
 * change is done; what follows it is retried by its own job (the outboxes) where it matters.
 */
export async function transaction<T>(
  db: Kysely<DB>,
  work: (tx: UnitOfWork) => Promise<T>,
  onEffectError: (error: unknown) => void = () => {},
): Promise<T> {
  const effects: (() => unknown)[] = [];
  const result = await db.transaction().execute((trx) => work({ db: trx, afterCommit: (effect) => void effects.push(effect) }));
  for (const effect of effects) {
    try {
      await effect();
    } catch (error) {
      onEffectError(error);
    }
  }
  return result;
}
