import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Clock } from './clock';
import { createOperatorService } from './operators/service';
import { createEnteDirectory } from './registry/enti';
import { createRegistryService } from './registry/service';

/** Data access → services → app: the web layer reaches the database only through these. */
export function createServices(db: Kysely<DB>, clock: Clock) {
  return {
    enti: createEnteDirectory(db),
    registry: createRegistryService(db, clock),
    operators: createOperatorService(db, clock),
  };
}

export type Services = ReturnType<typeof createServices>;
