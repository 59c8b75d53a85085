import type { Kysely } from 'kysely';
import { addDays } from '../../domain/calendar/local-time';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * The office's calendar (issue 14, decision 0021):
 * - a school year carries a version (two operators editing its dates: the second is refused, not lost);
 * - `closure_period`: a closure as the office enters it, from a day to a day with one reason, for the
 *   whole ente (school null) or one school. Its days stay rows of `closure` (one per calendar day, with
 *   the period's id), so the readers of a day's closures — the freeze, the Refezione page, the absences —
 *   keep their one-range index reads; removing a period removes its days;
 * - the closures written before this migration are grouped into periods: consecutive days of one ente,
 *   school and reason make one.
 */
export const calendar: AppMigration = {
  name: '0022_calendar',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema.alterTable('school_year').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();

    await withId(db.schema.createTable('closure_period'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('school_id', 'integer', (c) => c.references('school.id'))
      .addColumn('starts_on', 'text', (c) => c.notNull())
      .addColumn('ends_on', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // The office's list: a school year's closures (a range of days), newest first; or one school's.
    await db.schema.createIndex('closure_period_ente_start').on('closure_period').columns(['ente_id', 'starts_on', 'id']).execute();
    await db.schema.createIndex('closure_period_school_start').on('closure_period').columns(['ente_id', 'school_id', 'starts_on', 'id']).execute();

    await db.schema.alterTable('closure').addColumn('period_id', 'integer', (c) => c.references('closure_period.id')).execute();
    await db.schema.createIndex('closure_period_day').on('closure').column('period_id').execute();

    await groupExistingClosures(db as Kysely<BackfillDb>);
  },
};

interface BackfillDb {
  closure: { id: number; ente_id: number; school_id: number | null; date: string; reason: string; period_id: number | null };
  closure_period: { id?: number; ente_id: number; school_id: number | null; starts_on: string; ends_on: string; reason: string; author: string; created_at: string };
}

/** Consecutive days of one ente, school and reason become one period; sorted here, so both engines group alike. */
async function groupExistingClosures(db: Kysely<BackfillDb>): Promise<void> {
  const rows = await db.selectFrom('closure').select(['id', 'ente_id', 'school_id', 'date', 'reason']).execute();
  const keyOf = (row: (typeof rows)[number]) => `${row.ente_id}|${row.school_id ?? ''}|${row.reason}`;
  rows.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
  const createdAt = new Date().toISOString();
  let group: typeof rows = [];
  const flush = async () => {
    if (group.length === 0) return;
    const first = group[0]!;
    const period = await db
      .insertInto('closure_period')
      .values({ ente_id: first.ente_id, school_id: first.school_id, starts_on: first.date, ends_on: group.at(-1)!.date, reason: first.reason, author: 'migration 0022', created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.updateTable('closure').set({ period_id: period.id! }).where('id', 'in', group.map((row) => row.id)).execute();
    group = [];
  };
  for (const row of rows) {
    const last = group.at(-1);
    // The same day twice (two rows) stays in one period; a gap or another reason starts a new one.
    if (last && (keyOf(last) !== keyOf(row) || (row.date !== last.date && row.date !== addDays(last.date, 1)))) await flush();
    group.push(row);
  }
  await flush();
}
