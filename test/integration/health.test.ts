import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index';
import { createDatabase } from '../../src/db/database';
import { systemClock } from '../../src/domain/clock';
import { buildApp } from '../../src/web/app';

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: 'http://127.0.0.1:9' });

describe('/health when the database is down', () => {
  it('answers 503 when PostgreSQL cannot be reached', async () => {
    const database = createDatabase('postgres://postgres@127.0.0.1:1/unreachable');
    const app = await buildApp({ config, database, clock: systemClock });
    const response = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { status: 'error', database: 'unreachable' });
    await app.close();
    await database.destroy();
  });

  it('answers 503 when the SQLite connection is closed', async () => {
    const database = createDatabase('sqlite::memory:');
    const app = await buildApp({ config, database, clock: systemClock });
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    await database.destroy();
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 503);
    await app.close();
  });
});
