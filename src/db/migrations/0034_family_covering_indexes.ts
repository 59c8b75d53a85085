import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database';
import type { AppMigration } from './types';

/**
 * What the parents' pages show of a family's day-by-day rows, kept together by family (issue 18,
 * decision 0035). The jobs write attendance, charges and badge movements a day at a time for the whole
 * city, so one pupil's month was twenty rows on twenty table pages among 35 million: at Rome's full year a
 * rotating family's Refezione read them from twenty pages each time (192 µs of attendance and 448 µs of
 * charges a pupil, against 28 and 56 µs once cached). Now a month is on one or two pages, read without the
 * table:
 * - attendance: on SQLite the table itself is stored in the order of its key (pupil, day) — WITHOUT
 *   ROWID —, so the rows are the index and no second pupil-ordered structure is written every day, and
 *   its indexes by day carry what the reads by day need; on PostgreSQL the primary key's index carries
 *   the status and source (INCLUDE);
 * - charge: `charge_pupil_day` (pupil, day, kind, amount, id) replaces `charge_pupil_date`;
 * - movement: `movement_badge_day` (badge, day, id, amount, kind) replaces `movement_badge_statement`: a
 *   meal's debit has no note; the others' notes (no length limit, unlike an index entry) come from the table.
 * Each daily table keeps its number of pupil- or badge-ordered structures, each of which the daily jobs
 * write into at one place per pupil.
 */
export const familyCoveringIndexes: AppMigration = {
  name: '0034_family_covering_indexes',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    if (dialect === 'sqlite') await clusterAttendance(db);
    else await sql`alter table attendance drop constraint attendance_pk, add constraint attendance_pk primary key (pupil_id, date) include (status, source)`.execute(db);
    await db.schema.createIndex('charge_pupil_day').on('charge').columns(['pupil_id', 'date', 'kind', 'amount_cents', 'id']).execute();
    await db.schema.dropIndex('charge_pupil_date').execute();
    await db.schema.createIndex('movement_badge_day').on('movement').columns(['badge_id', 'value_date', 'id', 'amount_cents', 'kind']).execute();
    await db.schema.dropIndex('movement_badge_statement').execute();
  },
};

/**
 * SQLite cannot change a table's storage in place: the rows are copied, in key order, into a new table of
 * the same columns and constraints, which then takes the old one's name and indexes. One transaction (the
 * migrator gives none on SQLite): a run that stops half-way leaves the old table as it was.
 */
async function clusterAttendance(db: Kysely<unknown>) {
  await db.transaction().execute(async (trx) => {
    await sql`
      create table attendance_by_pupil (
        ente_id integer not null references ente (id),
        pupil_id integer not null references pupil (id),
        date text not null,
        school_id integer not null references school (id),
        enrolment_id integer not null references enrolment (id),
        status text not null,
        source text not null,
        diet_code text,
        frozen_at text not null,
        constraint attendance_pk primary key (pupil_id, date)
      ) without rowid`.execute(trx);
    await sql`
      insert into attendance_by_pupil (ente_id, pupil_id, date, school_id, enrolment_id, status, source, diet_code, frozen_at)
      select ente_id, pupil_id, date, school_id, enrolment_id, status, source, diet_code, frozen_at from attendance order by pupil_id, date`.execute(trx);
    await sql`drop table attendance`.execute(trx);
    await sql`alter table attendance_by_pupil rename to attendance`.execute(trx);
    // The reads by day — the kitchen's counts by ente, the school's list and the charging by school — would
    // now find each row by its key, at one page per pupil; their indexes carry what they read instead
    // (and, as every index of this table, its key: pupil and day). Written a day at a time, in order.
    await sql`create index attendance_ente_date on attendance (ente_id, date, school_id, diet_code, status)`.execute(trx);
    await sql`create index attendance_school_date on attendance (school_id, date, ente_id, status, source, enrolment_id)`.execute(trx);
  });
}
