import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Stands for the i-th argument while the query is compiled once. */
class Argument {
  constructor(readonly index: number) {}
}

/**
 * A query compiled once per database engine and then run with new arguments: on hot read paths Kysely's
 * building and compiling cost more than SQLite's execution (docs/decisions/0005-page-view-speed.md).
 *
 * The builder runs once, with placeholders instead of the arguments, so it must have a fixed shape: no
 * branching on arguments and no array arguments (an `in` list changes the SQL with its length).
 */
export function prepared<DB, A extends readonly unknown[], Row>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<Row>,
): (db: Kysely<DB>, ...args: A) => Promise<Row[]> {
  // One compiled form per Kysely instance (so per engine); a transaction is a new instance and compiles anew.
  const compiledFor = new WeakMap<Kysely<DB>, CompiledQuery<Row>>();
  return async (db, ...args) => {
    let compiled = compiledFor.get(db);
    if (!compiled) {
      const placeholders = args.map((_, index) => new Argument(index)) as unknown as A;
      compiled = build(db, ...placeholders).compile();
      compiledFor.set(db, compiled);
    }
    const parameters = compiled.parameters.map((value) => (value instanceof Argument ? args[value.index] : value));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
