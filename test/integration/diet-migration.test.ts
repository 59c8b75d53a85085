import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrationBefore, migratorFor } from '../helpers/migrations';
import { suiteDatabase, testEngines } from '../helpers/databases';

/** Migration 0025 on a database whose pupils carry `pupil.diet_code`: each diet becomes an approved pupil_diet. */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0025 (pupil diets) on ${engine}`, { skip }, () => {
    const databaseOfSuite = suiteDatabase(engine);

    it('moves every pupil’s diet to an approved diet from the first enrolment, and drops the column', async () => {
      const database = databaseOfSuite();
      const migrator = migratorFor(database);
      const before0025 = migrationBefore('0025_pupil_diets');
      assert.equal((await migrator.migrateTo(before0025)).error, undefined);
      // The old schema, written by hand: the demo seed writes the latest one.
      const now = '2026-09-01T08:00:00.000Z';
      const db = database.db;
      const enteId = (
        await sql<{ id: number }>`
          insert into ente (slug, name, tax_code, office_name, office_email, office_phone, office_hours, office_address, created_at, cutoff_time)
          values ('prova', 'Comune di Prova', '00100010016', 'Ufficio scuola', 'scuola@prova.example', '000 000', '9-12', 'Piazza 1', ${now}, '09:30') returning id`.execute(db)
      ).rows[0]!.id;
      const schoolId = (await sql<{ id: number }>`insert into school (ente_id, name, level, address, service_weekdays) values (${enteId}, 'Scuola di Prova', 'primaria', 'Via 1', '1,2,3,4,5') returning id`.execute(db)).rows[0]!.id;
      const pupils: number[] = [];
      for (const [i, diet] of (['senza-glutine', 'vegetariana', 'senza-maiale', null] as const).entries()) {
        const personId = (
          await sql<{ id: number }>`
            insert into person (ente_id, fiscal_code, given_name, family_name, sex, birth_date, birth_place, address, postcode, city, province, search_key)
            values (${enteId}, ${`PRVLNE18A41H50${i}X`}, 'Elena', 'Prova', 'F', '2018-01-01', 'Roma', 'Via 1', '00100', 'Roma', 'RM', 'prova elena') returning id`.execute(db)
        ).rows[0]!.id;
        pupils.push((await sql<{ id: number }>`insert into pupil (ente_id, person_id, school_id, class_name, diet_code) values (${enteId}, ${personId}, ${schoolId}, '1A', ${diet}) returning id`.execute(db)).rows[0]!.id);
      }
      // The first pupil has an enrolment from 14 September: the diet applies from then.
      const serviceId = (await sql<{ id: number }>`insert into service (ente_id, kind, name, billing, taxonomy_code) values (${enteId}, 'refezione', 'Refezione', 'postpaid', 'x') returning id`.execute(db)).rows[0]!.id;
      const yearId = (await sql<{ id: number }>`insert into school_year (ente_id, label, starts_on, ends_on) values (${enteId}, '2026/2027', '2026-09-14', '2027-06-10') returning id`.execute(db)).rows[0]!.id;
      const tariffId = (
        await sql<{ id: number }>`
          insert into tariff (ente_id, service_id, school_year_id, band_code, band_label, isee_min_cents, isee_max_cents, resident, unit, amount_cents)
          values (${enteId}, ${serviceId}, ${yearId}, 'A', 'A', 0, null, 1, 'pasto', 400) returning id`.execute(db)
      ).rows[0]!.id;
      const holderId = (
        await sql<{ id: number }>`
          insert into person (ente_id, fiscal_code, given_name, family_name, sex, birth_date, birth_place, address, postcode, city, province, search_key)
          values (${enteId}, 'PRVMRA80A01H501X', 'Mara', 'Prova', 'F', '1980-01-01', 'Roma', 'Via 1', '00100', 'Roma', 'RM', 'prova mara') returning id`.execute(db)
      ).rows[0]!.id;
      await sql`
        insert into enrolment (ente_id, pupil_id, service_id, school_year_id, school_id, holder_person_id, tariff_id, state, starts_on, payment_mode, invoice_recipient, invoice_address, created_at)
        values (${enteId}, ${pupils[0]}, ${serviceId}, ${yearId}, ${schoolId}, ${holderId}, ${tariffId}, 'attiva', '2026-09-14', 'pagopa', 'Mara Prova', 'Via 1', ${now})`.execute(db);

      assert.equal((await migrator.migrateTo('0025_pupil_diets')).error, undefined);
      const diets = await db.selectFrom('pupil_diet').selectAll().orderBy('pupil_id').execute();
      assert.deepEqual(
        diets.map((d) => [d.pupil_id, d.diet_code, d.kind, d.state, d.approved_to]),
        [
          [pupils[0], 'senza-glutine', 'medical', 'approvata', null],
          [pupils[1], 'vegetariana', 'ethical', 'approvata', null],
          [pupils[2], 'senza-maiale', 'religious', 'approvata', null],
        ],
      );
      assert.equal(diets[0]!.approved_from, '2026-09-14');
      assert.match(diets[1]!.approved_from!, /^\d{4}-\d{2}-\d{2}$/);
      await assert.rejects(sql`select diet_code from pupil`.execute(db), 'the column is gone');
    });
  });
}
