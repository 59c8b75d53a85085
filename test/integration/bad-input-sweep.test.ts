import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** What an attacker puts in every path parameter, query parameter and form field. */
const BAD_VALUES = [
  '\u0000',
  'demo\u0000',
  '1\u0000',
  '\u0001\u001f\u007f',
  '\t\r\n',
  '99999999999999999999',
  '2147483648',
  '-1',
  '1e1',
  '0x11',
  '02026',
  '%',
  '%00',
  'é€ü',
  '\u2028\ud83d\ude00',
  "' or 1=1 --",
  '../../etc/passwd',
  '=HYPERLINK("http://evil.example")',
  'x'.repeat(5000),
];

/** Every query parameter and form field our routes read. */
const FIELDS = ['utente', 'badge', 'dal', 'al', 'data', 'scuola', 'anno', 'torna', 'state', 'code', 'error', 'iss', 'tipo', 'giorno', 'submissionKey', 'documento', 'importo', 'ente', 'fiscalCode', 'level'];

/** The routes that are other engineers' (pagoPA's station and sandbox) or the test IdP's own protocol. */
const NOT_SWEPT = [/^\/pagopa/, /^\/\*$/, /^\/test-idp\/interaction\/:uid$/];

interface Route {
  path: string;
  methods: string[];
}

/** The app's routes, from Fastify's own tree (so that a route added later is swept too). */
function routesOf(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)(?:[├└]── )?(.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4 + (line.includes('── ') ? 1 : 0);
    stack.length = depth;
    const parent = stack[depth - 1] ?? '';
    const path = `${parent}${parent.endsWith('/') && match[2]!.startsWith('/') ? match[2]!.slice(1) : match[2]!}`.replace(/^([^/])/, '/$1');
    stack[depth] = path;
    routes.push({ path, methods: match[3]!.split(', ').filter((m) => m === 'GET' || m === 'POST') });
  }
  return routes;
}

for (const { engine, skip } of testEngines()) {
  describe(`every route with NUL, control characters and huge values, on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00', LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
    });
    after(async () => {
      await t?.close();
    });

    it('answers each with a page or a redirect, never a 500', async () => {
      const routes = routesOf(t.app.printRoutes({ commonPrefix: false })).filter((r) => !NOT_SWEPT.some((re) => re.test(r.path)));
      const paths = routes.map((r) => r.path);
      for (const expected of ['/auth/login', '/auth/callback', '/auth/logged-out', '/lingua/:lang', '/:ente/assenze/annulla', '/:ente/ufficio/pasti.csv', '/:ente/ricariche/:id/paga']) {
        assert.ok(paths.includes(expected), `${expected} found among ${paths.join(' ')}`);
      }
      const ada = new Browser(t.app);
      const marco = new Browser(t.app);
      const anonymous = new Browser(t.app);
      const adaPage = await ada.login(ADA, { returnTo: '/demo/assenze' });
      const marcoPage = await marco.login(MARCO, { returnTo: '/demo/ufficio/' });
      const visitors = [
        { who: 'Ada', browser: ada, csrf: ada.csrfFrom(adaPage.body) },
        { who: 'Marco', browser: marco, csrf: marco.csrfFrom(marcoPage.body) },
        { who: 'anonymous', browser: anonymous, csrf: '' },
      ];
      const failures: string[] = [];
      let requests = 0;
      for (const route of routes) {
        // Logging out would end the sweep's sessions: it comes last.
        if (route.path === '/auth/logout') continue;
        for (const bad of BAD_VALUES) {
          for (const params of [{ ente: 'demo' }, { ente: bad }]) {
            const path = route.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(name === 'ente' ? params.ente : bad));
            const query = FIELDS.map((f) => `${f}=${encodeURIComponent(bad)}`).join('&');
            for (const { who, browser, csrf } of visitors) {
              for (const method of route.methods) {
                const response =
                  method === 'GET'
                    ? await browser.get(`${path}?${query}&${query}`.slice(0, 60_000))
                    : await browser.request({
                        method: 'POST',
                        url: path,
                        headers: { 'content-type': 'application/x-www-form-urlencoded' },
                        payload: `_csrf=${encodeURIComponent(csrf)}&${query}`,
                      });
                requests++;
                if (response.statusCode >= 500) failures.push(`${who} ${method} ${path} [${JSON.stringify(bad).slice(0, 30)}]: ${response.statusCode}`);
              }
            }
          }
        }
      }
      // The repeated fields (arrays) and single values one at a time, on the pages that read them.
      for (const bad of BAD_VALUES) {
        for (const field of FIELDS) {
          for (const url of ['/demo/refezione', '/demo/conto-corrente/csv', '/demo/ufficio/pasti.csv', '/demo/scheda-anagrafica/attestazione-730', '/auth/callback', '/lingua/it']) {
            const response = await marco.get(`${url}?${field}=${encodeURIComponent(bad)}`);
            requests++;
            if (response.statusCode >= 500) failures.push(`Marco GET ${url}?${field}=[${JSON.stringify(bad).slice(0, 30)}]: ${response.statusCode}`);
          }
          for (const url of ['/demo/assenze', '/demo/assenze/annulla', '/demo/ricariche', '/demo/pagamenti']) {
            const response = await ada.post(url, { _csrf: visitors[0]!.csrf, utente: '1', dal: '2026-12-01', submissionKey: crypto.randomUUID(), [field]: bad });
            requests++;
            if (response.statusCode >= 500) failures.push(`Ada POST ${url} ${field}=[${JSON.stringify(bad).slice(0, 30)}]: ${response.statusCode}`);
          }
        }
      }
      for (const bad of BAD_VALUES) {
        const response = await ada.post('/auth/logout', { _csrf: visitors[0]!.csrf, ente: bad });
        if (response.statusCode >= 500) failures.push(`POST /auth/logout ente=[${JSON.stringify(bad).slice(0, 30)}]: ${response.statusCode}`);
      }
      assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
      assert.ok(requests > 2000, `${requests} requests`);
    });
  });
}
