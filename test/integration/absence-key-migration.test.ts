import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { createDatabase, type Database } from '../../src/db/database';
import { migrations } from '../../src/db/migrations/index';
import { seedDemo } from '../../src/demo/seed';
import { ADA, GIULIA } from '../helpers/app';
import { createThrowawayDatabase, testEngines } from '../helpers/databases';

/** Migration 0010 on a database that already has notices: nothing lost, the key is per sender. */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0010 (absence keys per sender) on ${engine}`, { skip }, () => {
    let throwaway: Awaited<ReturnType<typeof createThrowawayDatabase>>;
    let database: Database;
    before(async () => {
      throwaway = await createThrowawayDatabase(engine);
      database = createDatabase(throwaway.url);
    });
    after(async () => {
      await database?.destroy();
      await throwaway?.drop();
    });

    it('keeps every notice and its days, and lets two senders use the same key', async () => {
      const provider = {
        async getMigrations() {
          return Object.fromEntries(migrations.map((m) => [m.name, { up: (db: never) => m.up(db, database.dialect) }]));
        },
      };
      const migrator = new Migrator({ db: database.db, provider });
      assert.equal((await migrator.migrateTo('0007_page_indexes')).error, undefined);
      await seedDemo(database.db);
      // Notices as the old schema took them, with their days.
      const pupil = await database.db.selectFrom('pupil').select(['id', 'ente_id']).executeTakeFirstOrThrow();
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
