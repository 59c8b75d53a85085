import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { createDatabase, type Database } from './database';

/** Drops everything: for the demo and tests only; callers must refuse it in production. */
export async function resetDatabase(url: string): Promise<Database> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return createDatabase(url);
  }
  const database = createDatabase(url);
  await sql`drop schema if exists public cascade`.execute(database.db);
  await sql`create schema public`.execute(database.db);
  return database;
}
