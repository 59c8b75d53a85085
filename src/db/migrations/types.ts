import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../database';

export interface AppMigration {
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Integer surrogate key, auto-generated on both engines. */
export function withId<T extends string>(table: CreateTableBuilder<T>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function binaryType(dialect: Dialect) {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}
