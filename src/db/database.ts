import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresCursor, SqliteDialect, SqliteQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_PAGE_CACHE_KIB } from './page-cache';
import type { DB } from './schema';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Cheap round trip used by /health. */
  ping(): Promise<void>;
  destroy(): Promise<void>;
}

/** PostgreSQL returns int8 (counts, sums) as strings; our int8 values are cents and counts, safe as numbers. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export function createDatabase(url: string, options: { poolSize?: number } = {}): Database {
  if (url.startsWith('sqlite:')) return createSqlite(url.slice('sqlite:'.length));
  return createPostgres(url, options.poolSize ?? 10);
}

function createSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const connection = new SqliteDatabase(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // SQLite's own default, stated: the day's jobs raise it while they run (withJobPageCache, decision 0037).
  connection.pragma(`cache_size = -${DEFAULT_PAGE_CACHE_KIB}`);
  return wrap(new Kysely<DB>({ dialect: new SqliteDialectKeepingPlans({ database: withStatementCache(connection) }) }), 'sqlite');
}

/**
 * Every bound value is written `+?`, not `?` (decision 0039). SQLite marks a statement to be planned again
 * when a value bound to it could change its plan: in a statement with a join or an ORDER BY, any
 * `column = ?` that its index does not use (an `ente_id = ?` beside the family's key, say) is one,
 * because its row estimate differs for 0 and 1 (`whereLoopOutputAdjust`). better-sqlite3 clears the
 * bindings after every run (`sqlite3_clear_bindings`), which expires such a statement whatever the
 * values: it was parsed and planned again at every execution, the statement cache notwithstanding (the
 * ente joined to the caller's operator: 45 µs instead of 7). The unary plus is a no-op on any value
 * (text, number, blob, null), has no affinity, as a bare parameter has none, and leaves the use of
 * indexes as it is; it hides the parameter from those checks. What the planner could learn from a bound
 * value — a LIKE prefix on a NOCASE index, a partial index's condition, a LIMIT — our queries do not ask
 * of it: partial index conditions and limits are literals (decision 0005).
 */
class SqliteCompilerKeepingPlans extends SqliteQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '+?';
  }
}

class SqliteDialectKeepingPlans extends SqliteDialect {
  override createQueryCompiler() {
    return new SqliteCompilerKeepingPlans();
  }
}

function wrap(db: Kysely<DB>, dialect: Dialect): Database {
  return {
    db,
    dialect,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}

/** Upper bound of cached statements: our queries are a few hundred distinct SQL texts at most. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every statement anew, and SQLite's planning was the largest single cost of a page view
 * (bench/RESULTS.md). The same SQL text always gets the same prepared statement back. SQLite would still
 * plan a statement again when a bound value can change its plan: values compared with a partial index's
 * predicate column and LIMIT values are written as literals (`sql.lit`; decision 0005), and every other
 * value as `+?` (below; decision 0039).
 */
function withStatementCache(connection: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = connection.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/** Statements PostgreSQL can keep prepared; transaction control and DDL go through unnamed. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it each time; on the page views that
 * was most of the database's CPU (bench/RESULTS.md). Each connection here prepares a statement once per
 * SQL text (named by its hash) and then only binds and executes it.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      const query = (textOrCursor: string | PostgresCursor<unknown>, values: readonly unknown[] = []) => {
        // A streaming cursor (Kysely's stream()) passes through unchanged.
        if (typeof textOrCursor !== 'string') return client.query(textOrCursor as unknown as pg.Submittable);
        if (!PREPARABLE.test(textOrCursor)) return client.query(textOrCursor, [...values]);
        return client.query({ name: nameOf(textOrCursor), text: textOrCursor, values: [...values] });
      };
      // Kysely types query() with overloads for SQL and cursors; this one function serves both.
      return { query: query as unknown as PostgresPoolClient['query'], release: (destroy?: boolean) => client.release(destroy) };
    },
  };
}

function createPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return wrap(new Kysely<DB>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) }), 'postgres');
}
