import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Database } from '../../src/db/database';
import { ADA, GIULIA } from '../helpers/app';
import { migrationBefore, migratorFor } from '../helpers/migrations';
import { suiteDatabase, testEngines } from '../helpers/databases';

/** One ente, school and pupil, with only the columns the first migrations made. */
async function pupilOfTheOldSchema(database: Database): Promise<{ id: number; ente_id: number }> {
  const now = '2026-09-01T08:00:00.000Z';
  const ente = await sql<{ id: number }>`
    insert into ente (slug, name, tax_code, office_name, office_email, office_phone, office_hours, office_address, created_at)
    values ('prova', 'Comune di Prova', '00100010016', 'Ufficio scuola', 'scuola@prova.example', '000 000', '9-12', 'Piazza 1', ${now}) returning id`.execute(database.db);
  const enteId = ente.rows[0]!.id;
  const school = await sql<{ id: number }>`
    insert into school (ente_id, name, level, address) values (${enteId}, 'Scuola di Prova', 'primaria', 'Via 1') returning id`.execute(database.db);
  const person = await sql<{ id: number }>`
    insert into person (ente_id, fiscal_code, given_name, family_name, sex, birth_date, birth_place, address, postcode, city, province)
    values (${enteId}, 'PRVLNE18A41H501X', 'Elena', 'Prova', 'F', '2018-01-01', 'Roma', 'Via 1', '00100', 'Roma', 'RM') returning id`.execute(database.db);
  const pupil = await sql<{ id: number }>`
    insert into pupil (ente_id, person_id, school_id, class_name) values (${enteId}, ${person.rows[0]!.id}, ${school.rows[0]!.id}, '1ª A') returning id`.execute(database.db);
  return { id: pupil.rows[0]!.id, ente_id: enteId };
}

/** Migration 0010 on a database that already has notices: nothing lost, the key is per sender. */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0010 (absence keys per sender) on ${engine}`, { skip }, () => {
    const databaseOfSuite = suiteDatabase(engine);

    it('keeps every notice and its days, and lets two senders use the same key', async () => {
      const database = databaseOfSuite();
      const migrator = migratorFor(database);
      // The schema just before 0010, and a pupil in it: written by hand, since the demo seed writes the latest schema.
      const before0010 = migrationBefore('0010_absence_key_per_sender');
      assert.equal((await migrator.migrateTo(before0010)).error, undefined);
      const pupil = await pupilOfTheOldSchema(database);
      // Notices as the old schema took them, with their days.
      for (const [i, by] of [ADA, GIULIA, ADA].entries()) {
        const { id } = await database.db
          .insertInto('absence_notice')
          .values({ ente_id: pupil.ente_id, pupil_id: pupil.id, kind: 'absent', requested_from: '2026-11-2' + i, requested_to: '2026-11-2' + i, submitted_by: by, submitted_at: '2026-11-20T08:00:00.000Z', submission_key: `old-${i}` })
          .returning('id')
          .executeTakeFirstOrThrow();
        await database.db.insertInto('absence_notice_day').values({ notice_id: id, date: '2026-11-2' + i, outcome: 'applied' }).execute();
      }
      const count = async (table: 'absence_notice' | 'absence_notice_day') =>
        Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const notices = await count('absence_notice');
      const days = await count('absence_notice_day');
      const last = await database.db.selectFrom('absence_notice').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();

      assert.equal((await migrator.migrateToLatest()).error, undefined);
      assert.equal(await count('absence_notice'), notices);
      assert.equal(await count('absence_notice_day'), days);
      assert.deepEqual(await database.db.selectFrom('absence_notice').selectAll().where('id', '=', last.id).executeTakeFirstOrThrow(), last);
      if (engine === 'sqlite') {
        assert.deepEqual((await sql`PRAGMA foreign_key_check`.execute(database.db)).rows, []);
        assert.deepEqual((await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(database.db)).rows, [{ foreign_keys: 1 }]);
      }

      const row = (by: string, key: string) => ({
        ente_id: last.ente_id,
        pupil_id: last.pupil_id,
        kind: 'absent' as const,
        requested_from: '2026-12-01',
        requested_to: '2026-12-01',
        submitted_by: by,
        submitted_at: '2026-11-26T08:00:00.000Z',
        submission_key: key,
      });
      const first = await database.db.insertInto('absence_notice').values(row(ADA, 'same-key-1')).returning('id').executeTakeFirstOrThrow();
      assert.ok(first.id > last.id, 'ids go on after the old ones');
      await database.db.insertInto('absence_notice').values(row(GIULIA, 'same-key-1')).execute();
      await assert.rejects(database.db.insertInto('absence_notice').values(row(ADA, 'same-key-1')).execute(), 'one notice per sender and key');
      // The days still belong to their notice.
      await assert.rejects(
        database.db.insertInto('absence_notice_day').values({ notice_id: 999_999, date: '2026-12-01', outcome: 'applied' }).execute(),
        'foreign keys still enforced',
      );
    });
  });
}
