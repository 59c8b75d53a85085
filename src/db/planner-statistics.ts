import { type Kysely, sql } from 'kysely';
import type { Database } from './database';

/**
 * SQLite plans by statistics (sqlite_stat1) when it has them and by fixed guesses when not. Without
 * them it guessed wrong on the parents' pages: `badge.ente_id = ?` looked as selective as
 * `badge.pupil_id = ?`, so the Conto corrente read all 75,000 badges of Rome through the badge index by
 * ente (issue 18). Real statistics (ANALYZE) would depend on what a database holds when someone
 * happens to run it — the demo's 50 families, or an empty new ente — so the plans would too.
 *
 * Instead every start writes the same statistics for every index, those of a Rome-sized ente (decision
 * 0013): a table has its nominal size below; the ente's column selects every row (one ente may be all
 * of a database); a day or month column splits what precedes it into a school year's days; a
 * low-cardinality column (state, kind…) into three; any other column (a family's key: pupil, holder,
 * badge, document…) picks a family's few rows; the whole key of a unique index one row. The plans are
 * then the same on the demo, in the tests and in Rome, and an index added by a later migration gets its
 * statistics from the same rules. PostgreSQL keeps its own statistics (autovacuum's ANALYZE), from the
 * real data.
 */
const NOMINAL_ROWS: Record<string, number> = {
  ente: 1, school: 400, school_year: 5, service: 6, tariff: 60, sibling_reduction: 12, tariff_exemption: 5_000,
  person: 300_000, pupil: 150_000, pupil_holder: 200_000, enrolment: 150_000, badge: 75_000, attachment: 150_000,
  operator: 500, audit_event: 10_000_000, session: 100_000, closure: 4_000,
  absence_notice: 500_000, absence_notice_day: 1_000_000, attendance_change: 1_000_000, day_freeze: 300, attendance: 27_000_000,
  meal_count: 1_000_000, dish: 300, menu_plan: 20, menu_item: 3_000, day_charge: 300, charge: 26_000_000, movement: 13_000_000,
  billing_run: 20, document_counter: 5, document: 750_000, document_line: 1_500_000, topup: 300_000, notice_counter: 1,
  payment_notice: 1_000_000, payment_cart: 300_000, payment_cart_item: 400_000, payment_receipt: 1_000_000, receipt_pull: 1_000,
};
const DEFAULT_ROWS = 100_000;
/** Rows of one family's key in a table: a pupil's days of a school year, a holder's documents… a few hundred at most. */
const FAMILY_ROWS = 20;
const DAYS_OF_A_YEAR = 200;

const ENTE_COLUMNS = new Set(['ente_id', 'creditor_tax_code']);
const DAY_COLUMNS = /(^|_)(date|on|at|from|to|period|year)$/;
const FEW_VALUES = new Set(['state', 'status', 'kind', 'active', 'relation', 'source', 'position_state', 'unit', 'level', 'school_level', 'role', 'subject_type', 'billing', 'diet_code']);

/** The stat column of sqlite_stat1 for an index: the table's rows, then the rows per value of each prefix of its columns. */
export function indexStatistics(table: string, columns: string[], unique: boolean): string {
  const rows = NOMINAL_ROWS[table] ?? DEFAULT_ROWS;
  const perPrefix: number[] = [];
  let current = rows;
  columns.forEach((column, i) => {
    if (ENTE_COLUMNS.has(column)) current = Math.min(current, rows);
    else if (DAY_COLUMNS.test(column)) current = current / DAYS_OF_A_YEAR;
    else if (FEW_VALUES.has(column)) current = current / 3;
    else current = Math.min(current, FAMILY_ROWS) / (i === 0 ? 1 : 2);
    if (unique && i === columns.length - 1) current = 1;
    perPrefix.push(Math.max(1, Math.round(current)));
  });
  return [rows, ...perPrefix].join(' ');
}

/** Writes the shipped statistics of every index (SQLite only) and makes this connection plan with them. */
export async function shipPlannerStatistics(database: Database): Promise<void> {
  if (database.dialect !== 'sqlite') return;
  const db = database.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await sql`analyze sqlite_schema`.execute(db); // creates sqlite_stat1 if missing
  const indexes = await sql<{ name: string; table: string; unique: number }>`
    select l.name as name, m.name as "table", l."unique" as "unique"
    from sqlite_schema m join pragma_index_list(m.name) l
    where m.type = 'table' and m.name not like 'sqlite_%'`.execute(db);
  const rows: { tbl: string; idx: string; stat: string }[] = [];
  for (const index of indexes.rows) {
    const columns = await sql<{ name: string | null }>`select name from pragma_index_info(${index.name}) order by seqno`.execute(db);
    rows.push({ tbl: index.table, idx: index.name, stat: indexStatistics(index.table, columns.rows.map((c) => c.name ?? '?'), index.unique === 1) });
  }
  await db.transaction().execute(async (trx) => {
    await sql`delete from sqlite_stat1`.execute(trx);
    await sql`delete from sqlite_stat4`.execute(trx).catch(() => undefined); // absent when SQLite is built without STAT4
    for (const row of rows) await sql`insert into sqlite_stat1 (tbl, idx, stat) values (${row.tbl}, ${row.idx}, ${row.stat})`.execute(trx);
  });
  await sql`analyze sqlite_schema`.execute(db); // reloads the statistics into this connection's planner
}
