import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedDemo } from '../../src/demo/seed';
import { migrationBefore, migratorFor } from '../helpers/migrations';
import { suiteDatabase, testEngines } from '../helpers/databases';

/**
 * Migration 0035 (decision 0033, amended): the school's list relies on an enrolment row naming its latest
 * term's school, so a row written before every path kept it so gets that school; rows without terms, or
 * already right, are left as they are.
 */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0035 (school terms with their dates) on ${engine}`, { skip }, () => {
    const databaseOfSuite = suiteDatabase(engine);

    it('gives an enrolment row its latest term’s school and leaves the others alone', async () => {
      const database = databaseOfSuite();
      const migrator = migratorFor(database);
      assert.equal((await migrator.migrateTo(migrationBefore('0035_school_terms_with_dates'))).error, undefined);
      const db = database.db;
      await seedDemo(db);
      const enrolments = await db.selectFrom('enrolment').selectAll().orderBy('id').limit(3).execute();
      const [stale, right] = enrolments;
      const schools = (await db.selectFrom('school').select('id').where('ente_id', '=', stale!.ente_id).orderBy('id').execute()).map((s) => s.id);
      const elsewhere = schools.find((id) => id !== stale!.school_id)!;
      const term = (e: typeof stale, validFrom: string, schoolId: number) => ({
        ente_id: e!.ente_id, enrolment_id: e!.id, valid_from: validFrom, school_id: schoolId, class_name: '1A', tariff_id: e!.tariff_id,
        isee_cents: null, isee_attested_on: null, holder_person_id: e!.holder_person_id, payment_mode: e!.payment_mode, debit_iban: null,
        author: 'test', created_at: '2026-11-01T00:00:00.000Z',
      });
      // The office moved this pupil from 7 January, and an older import wrote the first school back into the row.
      await db.insertInto('enrolment_term').values([term(stale, stale!.starts_on, stale!.school_id), term(stale, '2027-01-07', elsewhere)]).execute();
      // This one's row already names its latest term's school.
      await db.insertInto('enrolment_term').values([term(right, right!.starts_on, elsewhere), term(right, '2027-01-07', right!.school_id)]).execute();
      const untouched = await db.selectFrom('enrolment').selectAll().where('id', 'not in', [stale!.id]).orderBy('id').execute();

      assert.equal((await migrator.migrateTo('0035_school_terms_with_dates')).error, undefined);
      const repaired = await db.selectFrom('enrolment').selectAll().where('id', '=', stale!.id).executeTakeFirstOrThrow();
      assert.deepEqual(repaired, { ...stale, school_id: elsewhere });
      assert.deepEqual(await db.selectFrom('enrolment').selectAll().where('id', 'not in', [stale!.id]).orderBy('id').execute(), untouched);
    });
  });
}
