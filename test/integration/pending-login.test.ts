import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, LEVEL, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

const sessionRows = async (t: TestApp) => Number((await t.database.db.selectFrom('session').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Goes through the test IdP up to the gateway's redirect back to us, and returns that callback URL unfollowed. */
async function callbackOf(browser: Browser, fiscalCode: string): Promise<string> {
  const start = await browser.get('/auth/login?torna=%2Fdemo%2Fassenze');
  const interaction = await browser.follow(start);
  const uid = /\/test-idp\/interaction\/([\w-]+)\/login/.exec(interaction.body)![1];
  let response = await browser.post(`/test-idp/interaction/${uid}/login`, { fiscalCode, level: LEVEL.L2 });
  for (let i = 0; i < 10 && !String(response.headers.location).includes('/auth/callback'); i++) {
    response = await browser.get(String(response.headers.location));
  }
  const location = String(response.headers.location);
  assert.match(location, /\/auth\/callback\?/);
  return location;
}

for (const { engine, skip } of testEngines()) {
  describe(`a log-in in flight, sealed in a cookie, on ${engine} (decision 0038)`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t?.close();
    });

    it('writes nothing until the parent has logged in, then one session, and drops the log-in cookie', async () => {
      const before = await sessionRows(t);
      const browser = new Browser(t.app);
      const start = await browser.get('/auth/login?torna=%2Fdemo%2Fassenze');
      assert.equal(start.statusCode, 303);
      const cookie = [start.headers['set-cookie']].flat().find((header) => header?.startsWith('sso-login='))!;
      assert.ok(cookie, 'the log-in in flight is in its own cookie');
      assert.match(cookie, /; Max-Age=900/);
      assert.match(cookie, /; Path=\//);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Lax/);
      const state = new URL(String(start.headers.location)).searchParams.get('state')!;
      assert.ok(!cookie.includes(state), 'the state is not readable in the cookie');
      assert.equal(await sessionRows(t), before, 'starting a log-in writes no session');
      // A bot that follows the log-in link a thousand times writes nothing either.
      for (let i = 0; i < 20; i++) await new Browser(t.app).get('/auth/login');
      assert.equal(await sessionRows(t), before);

      const landed = await browser.follow(await browser.get(await callbackOf(browser, ADA)));
      assert.equal(landed.statusCode, 200);
      assert.match(landed.body, /Comunicazioni assenze/);
      assert.equal(await sessionRows(t), before + 1, 'one session: the parent’s');
      assert.equal(browser.jar.get('sso-login'), undefined, 'the log-in cookie is gone');
    });

    it('refuses a callback whose cookie was changed, belongs to another log-in, or is missing — and writes nothing', async () => {
      const attacker = new Browser(t.app);
      const callback = await callbackOf(attacker, GIULIA);
      const sealed = attacker.jar.get('sso-login')!;
      const before = await sessionRows(t);

      const changed = new Browser(t.app);
      changed.jar.store(`sso-login=${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BA' : 'AA'}; Path=/`);
      const other = new Browser(t.app);
      await other.get('/auth/login'); // its own log-in in flight: another state
      const missing = new Browser(t.app);
      for (const [who, browser] of [['changed', changed], ['another log-in', other], ['missing', missing]] as const) {
        const response = await browser.get(callback);
        assert.equal(response.statusCode, 401, who);
        assert.match(response.body, /Accesso non riuscito/, who);
        assert.equal(browser.jar.get('sso'), undefined, `${who}: no session`);
        assert.equal(browser.jar.get('sso-login'), undefined, `${who}: the log-in cookie is dropped`);
      }
      assert.equal(await sessionRows(t), before);

      // The right cookie with its code works once; a copy of both, replayed, does not.
      const replay = new Browser(t.app);
      replay.jar.store(`sso-login=${sealed}; Path=/`);
      assert.equal((await attacker.get(callback)).statusCode, 303);
      assert.equal((await replay.get(callback)).statusCode, 401, 'the code is spent at the gateway');
      assert.equal(await sessionRows(t), before + 1);
    });
  });
}
