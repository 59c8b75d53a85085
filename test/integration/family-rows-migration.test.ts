import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildDemoHistory } from '../../src/demo/history';
import { seedDemo } from '../../src/demo/seed';
import { fixedClock } from '../../src/domain/clock';
import { migrationBefore, migratorFor } from '../helpers/migrations';
import { suiteDatabase, testEngines } from '../helpers/databases';

/**
 * Migration 0034 on a database with history (decision 0035): SQLite's attendance is copied into a table
 * stored by its key, PostgreSQL's key carries status and source; the rows, the rule "one attendance a
 * pupil a day" and the indexes the jobs and the school's list read by stay.
 */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0034 (family rows together) on ${engine}`, { skip }, () => {
    const databaseOfSuite = suiteDatabase(engine);

    it('keeps every attendance row, charge and movement, and the rule of one attendance a pupil a day', async () => {
      const database = databaseOfSuite();
      const migrator = migratorFor(database);
      const before0034 = migrationBefore('0034_family_covering_indexes');
      assert.equal((await migrator.migrateTo(before0034)).error, undefined);
      const db = database.db;
      // 0034 changes no column: the seed and the jobs write the schema before it as well.
      await seedDemo(db);
      await buildDemoHistory(db, fixedClock(new Date('2026-11-26T12:00:00+01:00')));
      const attendance = () => db.selectFrom('attendance').selectAll().orderBy('pupil_id').orderBy('date').execute();
      const rowsBefore = await attendance();
      const chargesBefore = await db.selectFrom('charge').selectAll().orderBy('id').execute();
      const movementsBefore = await db.selectFrom('movement').selectAll().orderBy('id').execute();
      assert.ok(rowsBefore.length > 1000, 'the history froze days');

      assert.equal((await migrator.migrateTo('0034_family_covering_indexes')).error, undefined);
      assert.deepEqual(await attendance(), rowsBefore);
      assert.deepEqual(await db.selectFrom('charge').selectAll().orderBy('id').execute(), chargesBefore);
      assert.deepEqual(await db.selectFrom('movement').selectAll().orderBy('id').execute(), movementsBefore);

      const first = rowsBefore[0]!;
      await assert.rejects(db.insertInto('attendance').values({ ...first, status: 'absent' }).execute(), /unique|duplicate/i, 'one attendance a pupil a day');
      await assert.rejects(db.insertInto('attendance').values({ ...first, date: '2026-11-30', pupil_id: 999_999 }).execute(), /foreign key/i, 'a pupil of the registry');

      const indexes = engine === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_schema where type = 'index' and tbl_name in ('attendance', 'charge', 'movement')`.execute(db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename in ('attendance', 'charge', 'movement')`.execute(db)).rows.map((r) => r.name);
      for (const name of ['attendance_ente_date', 'attendance_school_date', 'charge_pupil_day', 'movement_badge_day', 'charge_once_per_day']) assert.ok(indexes.includes(name), name);
      for (const name of ['charge_pupil_date', 'movement_badge_statement']) assert.ok(!indexes.includes(name), `${name} replaced`);
      if (engine === 'sqlite') {
        const [table] = (await sql<{ sql: string }>`select sql from sqlite_schema where type = 'table' and name = 'attendance'`.execute(db)).rows;
        assert.match(table!.sql, /without rowid/i);
      } else {
        const [key] = (await sql<{ definition: string }>`select indexdef as definition from pg_indexes where indexname = 'attendance_pk'`.execute(db)).rows;
        assert.match(key!.definition, /\(pupil_id, date\) INCLUDE \(status, source\)/);
      }
    });
  });
}
