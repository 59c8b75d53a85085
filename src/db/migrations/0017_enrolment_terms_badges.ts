import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Enrolments that change from a date, and badges the office replaces and blocks (issue 13, decision 0018):
 * - an enrolment's ISEE value and the date of its attestation, when the band was chosen by ISEE;
 * - `enrolment_term`: the values of an enrolment in force from a day (school, class, band, ISEE, holder,
 *   payment mode), one row per change; the price, the school and the holder of a day are the term's in
 *   force that day, so a change never reaches a day before it. An enrolment without terms has its row's
 *   values throughout (every enrolment made before this migration);
 * - a badge may be blocked (no top-ups; its account keeps working) and its lost card replaced: the badge
 *   (the account) keeps its id, movements and top-ups and takes the new code; the old code is kept in
 *   `badge_retired_code`, never to be used again in the ente (a trigger refuses it on both tables).
 */
export const enrolmentTermsBadges: AppMigration = {
  name: '0017_enrolment_terms_badges',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema.alterTable('enrolment').addColumn('isee_cents', 'integer').execute();
    await db.schema.alterTable('enrolment').addColumn('isee_attested_on', 'text').execute();

    await withId(db.schema.createTable('enrolment_term'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('enrolment_id', 'integer', (c) => c.notNull().references('enrolment.id'))
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('class_name', 'text', (c) => c.notNull())
      .addColumn('tariff_id', 'integer', (c) => c.notNull().references('tariff.id'))
      .addColumn('isee_cents', 'integer', (c) => c.check(sql`isee_cents >= 0`))
      .addColumn('isee_attested_on', 'text')
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('payment_mode', 'text', (c) => c.notNull().check(sql`payment_mode in ('pagopa', 'sepa')`))
      .addColumn('debit_iban', 'text')
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Two terms of one enrolment never start on the same day: the term in force on a day is one row.
      .addUniqueConstraint('enrolment_term_once_per_day', ['enrolment_id', 'valid_from'])
      .execute();
    // The freeze finds a batch of schools' pupils also through the school their term names.
    await db.schema.createIndex('enrolment_term_school').on('enrolment_term').columns(['school_id', 'enrolment_id']).execute();

    await db.schema.alterTable('badge').addColumn('blocked_at', 'text').execute();
    await db.schema.alterTable('badge').addColumn('blocked_reason', 'text').execute();
    await db.schema
      .createTable('badge_retired_code')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('badge_id', 'integer', (c) => c.notNull().references('badge.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('badge_retired_code_pk', ['ente_id', 'code'])
      .execute();
    await db.schema.createIndex('badge_retired_code_badge').on('badge_retired_code').column('badge_id').execute();

    // A code is a card: once retired it never names a badge again, whatever writes the badge (the office,
    // an import). And a code in use cannot be retired by another badge's row.
    if (dialect === 'postgres') {
      await sql
        .raw(
          `create function refuse_retired_badge_code() returns trigger language plpgsql as $$
           begin
             if exists (select 1 from badge_retired_code r where r.ente_id = new.ente_id and r.code = new.code) then
               raise exception 'badge code % was retired', new.code using errcode = '23505';
             end if;
             return new;
           end $$;
           create trigger badge_code_not_retired before insert or update of code on badge
           for each row execute function refuse_retired_badge_code();
           create function refuse_badge_code_in_use() returns trigger language plpgsql as $$
           begin
             if exists (select 1 from badge b where b.ente_id = new.ente_id and b.code = new.code) then
               raise exception 'badge code % is in use', new.code using errcode = '23505';
             end if;
             return new;
           end $$;
           create trigger badge_retired_code_not_in_use before insert on badge_retired_code
           for each row execute function refuse_badge_code_in_use();`,
        )
        .execute(db);
    } else {
      await sql
        .raw(
          `create trigger badge_code_not_retired_insert before insert on badge
           when exists (select 1 from badge_retired_code r where r.ente_id = new.ente_id and r.code = new.code)
           begin select raise(abort, 'UNIQUE constraint failed: badge code was retired'); end`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger badge_code_not_retired_update before update of code on badge
           when exists (select 1 from badge_retired_code r where r.ente_id = new.ente_id and r.code = new.code)
           begin select raise(abort, 'UNIQUE constraint failed: badge code was retired'); end`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger badge_retired_code_not_in_use before insert on badge_retired_code
           when exists (select 1 from badge b where b.ente_id = new.ente_id and b.code = new.code)
           begin select raise(abort, 'UNIQUE constraint failed: badge code is in use'); end`,
        )
        .execute(db);
    }
  },
};
