import type { Kysely } from 'kysely';
import type { AppMigration } from './types';

/**
 * A cart's Checkout address, so that a cart left open in another tab can be resumed from the Pagamento
 * page, and the moment its holder abandoned it there (issue 17). Both empty for carts made before.
 */
export const cartResume: AppMigration = {
  name: '0020_cart_resume',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('payment_cart').addColumn('checkout_url', 'text').execute();
    await db.schema.alterTable('payment_cart').addColumn('abandoned_at', 'text').execute();
  },
};
