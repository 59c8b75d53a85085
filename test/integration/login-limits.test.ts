import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

for (const { engine, skip } of testEngines()) {
  describe(`log-in limits per account and per client address behind a proxy, on ${engine}`, { skip }, () => {
    describe('per account', () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(engine, { LOGIN_RATE_LIMIT_PER_ACCOUNT: '2', LOGIN_RATE_LIMIT_PER_MINUTE: '100' });
      });
      after(async () => {
        await t?.close();
      });

      it('refuses a third log-in of one person within ten minutes, whatever the address, and no one else', async () => {
        for (let i = 0; i < 2; i++) assert.equal((await new Browser(t.app).login(ADA)).statusCode, 200);
        const third = await new Browser(t.app).login(ADA);
        assert.equal(third.statusCode, 429);
        assert.match(third.body, /troppi accessi con la tua identità/);
        assert.equal((await new Browser(t.app).login(GIULIA)).statusCode, 200, 'another parent is not affected');
      });
    });

    describe('per address, behind a trusted proxy', () => {
      let t: TestApp;
      before(async () => {
        // inject() comes from 127.0.0.1: the proxy.
        t = await startTestApp(engine, { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT_PER_MINUTE: '2' });
      });
      after(async () => {
        await t?.close();
      });

      const start = (client: string) => t.app.inject({ method: 'GET', url: '/auth/login', headers: { 'x-forwarded-for': client } });

      it('counts each parent by the address the proxy saw, not the proxy as one client', async () => {
        assert.equal((await start('203.0.113.7')).statusCode, 303);
        assert.equal((await start('203.0.113.7')).statusCode, 303);
        assert.equal((await start('203.0.113.7')).statusCode, 429);
        assert.equal((await start('198.51.100.20')).statusCode, 303, 'another parent behind the same proxy has their own limit');
        // A client cannot reset its count by writing its own X-Forwarded-For before the proxy's entry.
        assert.equal((await start('192.0.2.99, 203.0.113.7')).statusCode, 429);
      });
    });

    describe('per address, behind a proxy that is not trusted', () => {
      let t: TestApp;
      const logs = new PassThrough();
      let logged = '';
      logs.on('data', (chunk: Buffer) => (logged += chunk.toString()));
      before(async () => {
        t = await startTestApp(engine, { LOGIN_RATE_LIMIT_PER_MINUTE: '2', LOG_LEVEL: 'warn' }, logs);
      });
      after(async () => {
        await t?.close();
      });

      it('says in the log that every parent shares the proxy address', async () => {
        const start = () => t.app.inject({ method: 'GET', url: '/auth/login', headers: { 'x-forwarded-for': '203.0.113.7' } });
        await start();
        await start();
        assert.equal((await start()).statusCode, 429);
        assert.match(logged, /TRUST_PROXY is not set/);
        assert.equal(logged.match(/TRUST_PROXY is not set/g)?.length, 1, 'once, not at every request');
      });
    });
  });
}
