import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';

/**
 * The office's tariffs (issue 14, decision 0022):
 * - a band's price changes are rows with their date, one per band and day: a unique index (a band's first
 *   price has no date, counted as '') so two changes of one band from the same day cannot both be saved;
 * - sibling reductions change from a date too, so their table is rebuilt with `valid_from` (null: from the
 *   start of the school year, the rows the seed wrote) and a unique index per rank and day instead of the
 *   key per rank (SQLite cannot change a primary key in place);
 * - a billing run keeps the total it billed, for the office's log (runs made before: the sum of the month's
 *   documents, which is what they billed).
 */
export const tariffsOffice: AppMigration = {
  name: '0023_tariffs_office',
  async up(db: Kysely<unknown>) {
    await sql`create unique index tariff_band_from on tariff (service_id, school_year_id, band_code, coalesce(valid_from, ''))`.execute(db);

    await db.schema
      .createTable('sibling_reduction_dated')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('school_year_id', 'integer', (c) => c.notNull().references('school_year.id'))
      .addColumn('child_rank', 'integer', (c) => c.notNull().check(sql`child_rank >= 2`))
      // 0 from a date: the reduction is withdrawn from that day on.
      .addColumn('percent_bp', 'integer', (c) => c.notNull().check(sql`percent_bp between 0 and 10000`))
      .addColumn('valid_from', 'text')
      .execute();
    await sql`insert into sibling_reduction_dated (ente_id, service_id, school_year_id, child_rank, percent_bp, valid_from)
              select ente_id, service_id, school_year_id, child_rank, percent_bp, null from sibling_reduction`.execute(db);
    await db.schema.dropTable('sibling_reduction').execute();
    await db.schema.alterTable('sibling_reduction_dated').renameTo('sibling_reduction').execute();
    await sql`create unique index sibling_reduction_rank_from on sibling_reduction (service_id, school_year_id, child_rank, coalesce(valid_from, ''))`.execute(db);
    await db.schema.createIndex('sibling_reduction_ente').on('sibling_reduction').column('ente_id').execute();

    await db.schema.alterTable('billing_run').addColumn('total_cents', 'integer').execute();
    await sql`update billing_run set total_cents = (
                select coalesce(sum(d.total_cents), 0) from document d
                where d.ente_id = billing_run.ente_id and d.period = billing_run.period and d.kind = 'documento')`.execute(db);
  },
};
