/**
 * A benchmark dataset moved from SQLite to PostgreSQL, table by table with COPY (issue 18): the city's
 * school year written by the jobs once, on SQLite (`npm run bench:data -- --scale rome`), then served by
 * both engines. The jobs write the same rows on both engines (their tests run on both); writing a Rome
 * year twice took the jobs hours on this shared machine, the copy takes minutes.
 *
 *   npm run bench:data -- --scale rome --engine pg --from sqlite:/tmp/ssol-bench/rome.db
 *
 * The PostgreSQL database is emptied and migrated to the same schema first; every column but the
 * generated ones is copied (`psql … COPY … FROM STDIN`, with the foreign keys' triggers off while the
 * tables fill in any order), then the sequences are set past the largest ids and the tables analysed.
 */
import { spawn } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { migrateToLatest } from '../src/db/migrate';
import { resetDatabase } from '../src/db/reset';

const log = (message: string) => console.error(`[bench:data] ${message}`);

/** One value in COPY's text format. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return String(value).replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** Streams one table's rows into `psql … COPY table (columns) FROM STDIN`. */
async function copyTable(source: BetterSqlite3.Database, url: string, table: string, columns: string[]): Promise<number> {
  const quoted = columns.map((c) => `"${c}"`).join(', ');
  const psql = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'set session_replication_role = replica', '-c', `copy "${table}" (${quoted}) from stdin`], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const exited = new Promise<number>((resolve, reject) => {
    psql.once('error', reject);
    psql.once('exit', (code) => resolve(code ?? 1));
  });
  let rows = 0;
  let buffer = '';
  const rowsOf = source.prepare(`select ${quoted} from "${table}"`).raw(true);
  for (const row of rowsOf.iterate() as IterableIterator<unknown[]>) {
    buffer += `${row.map(copyText).join('\t')}\n`;
    rows++;
    if (buffer.length > 1 << 20) {
      if (!psql.stdin.write(buffer)) await new Promise((resolve) => psql.stdin.once('drain', resolve));
      buffer = '';
    }
  }
  psql.stdin.end(buffer);
  const code = await exited;
  if (code !== 0) throw new Error(`COPY of ${table} failed (psql exited ${code})`);
  return rows;
}

export async function copyDataset(from: string, to: string): Promise<Record<string, number>> {
  if (!from.startsWith('sqlite:')) throw new Error('--from is a SQLite dataset: sqlite:/path.db');
  const started = performance.now();
  const source = new BetterSqlite3(from.slice('sqlite:'.length), { readonly: true });
  const database = await resetDatabase(to);
  const counts: Record<string, number> = {};
  try {
    await migrateToLatest(database);
    const db = database.db;
    const tables = (await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
      order by table_name`.execute(db)).rows.map((r) => r.name);
    // What the migrations themselves inserted is in the source too.
    await sql`truncate ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
    for (const table of tables) {
      const sourceColumns = new Set((source.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
      if (sourceColumns.size === 0) continue;
      const described = (await sql<{ name: string; type: string }>`
        select column_name as name, data_type as type from information_schema.columns
        where table_schema = 'public' and table_name = ${table} and is_generated = 'NEVER'
        order by ordinal_position`.execute(db)).rows.filter((c) => sourceColumns.has(c.name));
      const columns = described.map((c) => c.name);
      const phase = performance.now();
      counts[table] = await copyTable(source, to, table, columns);
      if (counts[table]! > 100_000) log(`copied ${table}: ${counts[table]!.toLocaleString('en')} rows in ${((performance.now() - phase) / 1000).toFixed(1)} s`);
      if (described.some((c) => c.name === 'id' && c.type === 'integer')) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)
                  where pg_get_serial_sequence(${table}, 'id') is not null`.execute(db);
      }
    }
    // As autovacuum would have left the tables (it is off on this server): analysed, and with the visibility
    // map set, without which PostgreSQL's index-only scans (decision 0035) visit the table anyway.
    await sql`vacuum analyze`.execute(db);
    counts.seconds = Math.round((performance.now() - started) / 1000);
    return counts;
  } finally {
    source.close();
    await database.destroy();
  }
}
