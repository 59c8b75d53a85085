import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/database';

export type Engine = 'sqlite' | 'postgres';

/**
 * The engines the integration tests run on: SQLite always; PostgreSQL when TEST_DATABASE_URL is set.
 * In CI a missing PostgreSQL is a failure, never a silent skip.
 */
export function testEngines(): { engine: Engine; skip: string | false }[] {
  const pgMissing = !process.env.TEST_DATABASE_URL;
  if (pgMissing && process.env.CI) throw new Error('CI must set TEST_DATABASE_URL: PostgreSQL tests cannot be skipped in CI');
  return [
    { engine: 'sqlite', skip: false },
    { engine: 'postgres', skip: pgMissing ? 'PostgreSQL skipped: set TEST_DATABASE_URL=postgres://user@host:5432/db to run it' : false },
  ];
}

/**
 * A fresh, empty database for one test app or benchmark: a temp SQLite file, or a throw-away database on
 * the PostgreSQL server of `adminUrl`.
 */
export async function createThrowawayDatabase(
  engine: Engine,
  adminUrl = process.env.TEST_DATABASE_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ssol_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (engine === 'sqlite') {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ssol-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!adminUrl) throw new Error('no PostgreSQL server given (TEST_DATABASE_URL)');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * A database of its own for the suite this is called in (a migration test's): made before its tests, on
 * `engine`, and dropped after them. Call the result inside a test.
 */
export function suiteDatabase(engine: Engine): () => Database {
  let throwaway: Awaited<ReturnType<typeof createThrowawayDatabase>> | undefined;
  let database: Database | undefined;
  before(async () => {
    throwaway = await createThrowawayDatabase(engine);
    database = createDatabase(throwaway.url);
  });
  after(async () => {
    await database?.destroy();
    await throwaway?.drop();
  });
  return () => {
    if (!database) throw new Error('suiteDatabase: called outside a test of its suite');
    return database;
  };
}
