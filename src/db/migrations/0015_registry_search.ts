import { type Kysely, sql } from 'kysely';
import { searchKeyOf } from '../../domain/registry/search-key';
import type { Dialect } from '../database';
import type { AppMigration } from './types';

/**
 * The office's registry search and activity log (issue 13, decision 0017):
 * - `person.search_key`: the person's names normalised by `searchKeyOf` (lower case, no accents, family
 *   names first), written by every writer of a person; `search_key_2/3/4` are derived by the database:
 *   the key from the second, third and fourth word on. Each is indexed with the ente, so a prefix of any
 *   of the first four words of a name is a range of one index ("lovel", "ada", "luca" of "De Luca");
 *   on PostgreSQL they use the "C" collation, so that the range and the order are the bytes' (as SQLite's);
 * - a fiscal code's start is a range of an index too (PostgreSQL: in the "C" collation, whatever the
 *   database's); pupils are listed by school and class through an index;
 * - `audit_event.pupil_id`: the pupil an event concerns — the pupil itself, or the pupil of the enrolment,
 *   badge or attachment changed — so that a pupil's history and the log filtered by pupil are one index
 *   range. Existing events get it from their subject.
 */
export const registrySearch: AppMigration = {
  name: '0015_registry_search',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const collate = dialect === 'postgres' ? sql` collate "C"` : sql``;
    await sql`alter table person add column search_key text${collate} not null default ''`.execute(db);
    let expression = 'search_key';
    for (const column of ['search_key_2', 'search_key_3', 'search_key_4']) {
      expression = restAfterFirstWord(expression, dialect);
      const kind = dialect === 'postgres' ? 'stored' : 'virtual';
      await sql`alter table person add column ${sql.ref(column)} text${collate} generated always as (${sql.raw(expression)}) ${sql.raw(kind)}`.execute(db);
    }
    await backfillSearchKeys(db, dialect);
    // The key's index ends with the id, the list's tie-break: a page of a family name is read in order and stops.
    await db.schema.createIndex('person_search_1').on('person').columns(['ente_id', 'search_key', 'id']).execute();
    for (const [index, column] of [['person_search_2', 'search_key_2'], ['person_search_3', 'search_key_3'], ['person_search_4', 'search_key_4']] as const) {
      await db.schema.createIndex(index).on('person').columns(['ente_id', column]).execute();
    }
    if (dialect === 'postgres') await sql`create index person_fiscal_code_prefix on person (ente_id, (fiscal_code collate "C"))`.execute(db);
    await db.schema.createIndex('pupil_school_class').on('pupil').columns(['ente_id', 'school_id', 'class_name']).execute();
    await db.schema.createIndex('pupil_class').on('pupil').columns(['ente_id', 'class_name']).execute();

    await db.schema.alterTable('audit_event').addColumn('pupil_id', 'integer').execute();
    await sql`update audit_event set pupil_id = subject_id where subject_type = 'pupil'`.execute(db);
    for (const table of ['enrolment', 'badge', 'attachment']) {
      await sql`update audit_event set pupil_id = (select s.pupil_id from ${sql.table(table)} s where s.id = audit_event.subject_id)
        where subject_type = ${table}`.execute(db);
    }
    await db.schema.createIndex('audit_event_pupil_time').on('audit_event').columns(['ente_id', 'pupil_id', 'created_at']).execute();
  },
};

/** The text after the first space of `expression`, '' when it has none (SQL of each engine). */
function restAfterFirstWord(expression: string, dialect: Dialect): string {
  const position = dialect === 'postgres' ? `strpos(${expression}, ' ')` : `instr(${expression}, ' ')`;
  return `(case when ${position} > 0 then substr(${expression}, ${position} + 1) else '' end)`;
}

/** The key of every person already registered, in batches. */
async function backfillSearchKeys(db: Kysely<unknown>, dialect: Dialect) {
  let after = 0;
  for (;;) {
    const rows = (
      await sql<{ id: number; given_name: string; family_name: string }>`
        select id, given_name, family_name from person where id > ${after} order by id limit 2000`.execute(db)
    ).rows;
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const ids = rows.map((r) => r.id);
    const keys = rows.map((r) => searchKeyOf({ givenName: r.given_name, familyName: r.family_name }));
    if (dialect === 'postgres') {
      await sql`update person set search_key = v.k from unnest(${ids}::int[], ${keys}::text[]) as v(id, k) where person.id = v.id`.execute(db);
    } else {
      for (let i = 0; i < rows.length; i++) await sql`update person set search_key = ${keys[i]} where id = ${ids[i]}`.execute(db);
    }
  }
}
