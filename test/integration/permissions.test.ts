import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorRole } from '../../src/db/schema';
import { ROLES, roleMay } from '../../src/domain/operators/permissions';
import { ADA, Browser, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

/**
 * The back office's route table (DESIGN §8, decision 0016): every route × every role of the ente, an
 * operator of another ente, a parent and an anonymous visitor. A role the permission table allows is
 * let through (whatever the route then answers: a page, a 404 for a made-up id, a 422 for an empty form);
 * everyone else is refused before the route runs.
 */
for (const { engine, skip } of testEngines()) {
  describe(`back-office permissions on ${engine}`, { skip }, () => {
    let t: TestApp;
    const browsers = new Map<string, { browser: Browser; csrf: string }>();

    async function loggedIn(key: string, person: BuiltPerson | string) {
      const browser = new Browser(t.app);
      const landing = typeof person === 'string' ? await browser.login(person, { returnTo: '/demo/' }) : await browser.loginAs(person, { returnTo: '/demo/' });
      browsers.set(key, { browser, csrf: browser.csrfFrom(landing.body) });
    }

    before(async () => {
      t = await startTestApp(engine);
      const db = t.database.db;
      const demo = await enteIdOf(db, 'demo');
      const school = await db.selectFrom('school').select('id').where('ente_id', '=', demo).executeTakeFirstOrThrow();
      for (const role of ROLES) await loggedIn(role, await buildOperator(db, demo, role, school.id));
      await loggedIn('other-ente-admin', await buildOperator(db, await enteIdOf(db, 'unione-colline'), 'amministratore'));
      await loggedIn('parent', ADA);
    });
    after(async () => {
      await t?.close();
    });

    /** The route's address with its parameters filled: the demo ente, and ids that may or may not exist. */
    function addressOf(url: string) {
      return url.replace(':ente', 'demo').replace(/:[a-zA-Z]+/g, '1');
    }

    async function send(who: { browser: Browser; csrf: string } | undefined, method: string, url: string) {
      const browser = who?.browser ?? new Browser(t.app);
      if (method === 'GET') return browser.get(url);
      return browser.post(url, who ? { _csrf: who.csrf } : {});
    }

    it('has back-office routes, each naming a permission', () => {
      assert.ok(t.app.officeRouteTable.length >= 5, `routes: ${t.app.officeRouteTable.map((r) => r.url).join(', ')}`);
      for (const route of t.app.officeRouteTable) assert.ok(route.permission, `${route.method} ${route.url}`);
    });

    it('lets each role reach exactly what the permission table gives it', async () => {
      for (const route of t.app.officeRouteTable) {
        const url = addressOf(route.url);
        for (const role of ROLES as readonly OperatorRole[]) {
          const response = await send(browsers.get(role), route.method, url);
          const label = `${role} ${route.method} ${url} → ${response.statusCode}`;
          if (roleMay(role, route.permission)) {
            assert.notEqual(response.statusCode, 403, label);
            assert.ok(response.statusCode < 500, label);
          } else {
            assert.equal(response.statusCode, 403, label);
          }
        }
      }
    });

    it('refuses another ente’s operator, a parent, and sends an anonymous visitor to log in', async () => {
      for (const route of t.app.officeRouteTable) {
        const url = addressOf(route.url);
        for (const who of ['other-ente-admin', 'parent']) {
          const response = await send(browsers.get(who), route.method, url);
          assert.equal(response.statusCode, 403, `${who} ${route.method} ${url}`);
        }
        const anonymous = await send(undefined, route.method, url);
        if (route.method === 'GET') {
          assert.equal(anonymous.statusCode, 303, `anonymous GET ${url}`);
          assert.match(String(anonymous.headers.location), /^\/auth\/login\?torna=/);
        } else {
          // No session, no CSRF token: refused before anything else.
          assert.equal(anonymous.statusCode, 403, `anonymous POST ${url}`);
        }
      }
    });

    it('records every refusal in the audit trail', async () => {
      await t.app.services.audit.flush();
      const denied = await t.database.db.selectFrom('audit_event').select('id').where('action', '=', 'backoffice.denied').execute();
      assert.ok(denied.length > 0);
    });

    it('shows "Area ufficio" to operators on every page of their ente, and not to parents', async () => {
      const operator = await browsers.get('operatore')!.browser.get('/demo/scheda-anagrafica');
      assert.match(operator.body, /href="\/demo\/ufficio\/"[^>]*>Area ufficio</);
      const parent = await browsers.get('parent')!.browser.get('/demo/scheda-anagrafica');
      assert.doesNotMatch(parent.body, /Area ufficio/);
      const home = await browsers.get('cucina')!.browser.get('/demo/ufficio/');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Pasti del giorno/);
      assert.doesNotMatch(home.body, /Anagrafe|Operatori/, 'the kitchen sees only what it may do');
    });
  });
}
