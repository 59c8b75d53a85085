import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDemo } from '../../src/demo/seed';
import { createThrowawayDatabase, testEngines } from '../helpers/databases';

/** A Thursday in the demo's school year, after the cut-off: every earlier service day is due for the freeze. */
const FAKE_NOW = '2026-10-01T11:00:00+02:00';

for (const { engine, skip } of testEngines()) {
  describe(`the separate worker process (npm run worker) on ${engine}`, { skip }, () => {
    it('runs the scheduled jobs outside the serving processes, and stops gracefully on SIGTERM', async () => {
      const throwaway = await createThrowawayDatabase(engine);
      const database = createDatabase(throwaway.url);
      try {
        await migrateToLatest(database);
        await seedDemo(database.db);
        const frozenBefore = await sql<{ n: number }>`select count(*) as n from day_freeze`.execute(database.db);
        assert.equal(Number(frozenBefore.rows[0]?.n), 0);

        const worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli/worker.ts'], {
          env: { ...process.env, DATABASE_URL: throwaway.url, FAKE_NOW, LOG_LEVEL: 'info', NODE_ENV: 'test' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let output = '';
        worker.stdout.setEncoding('utf8');
        const charged = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the worker did not charge in time:\n${output}`)), 60_000);
          worker.stdout.on('data', (chunk: string) => {
            output += chunk;
            if (output.includes('"msg":"days charged"')) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        await charged;
        const exited = once(worker, 'exit');
        // Between ticks the worker waits for the next one: it must still be there to be stopped.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.equal(worker.exitCode, null, `the worker stays up between ticks:\n${output}`);
        worker.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0, `graceful exit:\n${output}`);
        assert.match(output, /"msg":"days frozen"/);

        const frozen = await sql<{ n: number }>`select count(*) as n from day_freeze`.execute(database.db);
        assert.ok(Number(frozen.rows[0]?.n) > 0, 'the worker froze the days past their cut-off');
        const charges = await sql<{ n: number }>`select count(*) as n from charge`.execute(database.db);
        assert.ok(Number(charges.rows[0]?.n) > 0, 'and charged their meals');
      } finally {
        await database.destroy();
        await throwaway.drop();
      }
    });
  });
}
