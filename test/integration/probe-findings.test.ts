import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hasControlCharacters } from '../../src/web/shared/forms';
import { ADA, Browser, LUCA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** Return paths an attacker sends, each of which must end on our home page, never elsewhere nor in a 500. */
const HOSTILE_RETURNS = [
  '/\t/evil.example/',
  '/\n/evil.example/',
  '/\r\n/evil.example/',
  '//evil.example/',
  '/\\evil.example/',
  '/\\/evil.example/',
  '/.\\evil.example',
  'https://evil.example/',
  'evil.example',
  '/\u0000demo/',
  '/\u0001',
  '/città',
  '/\u2028evil',
  '/\ud83d\ude00',
  ' /demo/',
  '',
];

const count = (t: TestApp, table: 'absence_notice' | 'attendance_change' | 'payment_cart' | 'session') =>
  t.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((row) => Number(row.n));

for (const { engine, skip } of testEngines()) {
  describe(`the outside probe's findings, on ${engine}`, { skip }, () => {
    let t: TestApp;
    let tommaso: number;
    before(async () => {
      // Thursday 26 November 2026, 08:00 in Rome; with the demo's past (documents, frozen days).
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00', LOG_LEVEL: process.env.PROBE_LOG ?? 'silent' }, process.env.PROBE_LOG ? process.stderr : undefined, { history: true });
      tommaso = (
        await t.database.db
          .selectFrom('pupil')
          .innerJoin('person', 'person.id', 'pupil.person_id')
          .select('pupil.id')
          .where('person.given_name', '=', 'Tommaso')
          .executeTakeFirstOrThrow()
      ).id;
    });
    after(async () => {
      await t?.close();
    });

    it('never redirects off-site nor fails on a hostile ?torna= of the language switch', async () => {
      const browser = new Browser(t.app);
      for (const torna of HOSTILE_RETURNS) {
        const response = await browser.get(`/lingua/en?torna=${encodeURIComponent(torna)}`);
        // Control characters are refused at the door (400); anything else goes home.
        assert.equal(response.statusCode, hasControlCharacters(torna) ? 400 : 303, JSON.stringify(torna));
        if (response.statusCode === 303) assert.equal(response.headers.location, '/', JSON.stringify(torna));
        else assert.match(response.body, /Invalid request|Richiesta non valida/);
      }
      // The finding itself, byte for byte.
      const probe = await browser.get('/lingua/en?torna=%2F%09%2Fevil.example%2F');
      assert.notEqual(probe.statusCode, 500);
      assert.ok(!String(probe.headers.location ?? '').includes('evil'), 'no way to another site');
      // Encoded characters stay encoded: a path of ours, whatever it names.
      assert.equal((await browser.get(`/lingua/en?torna=${encodeURIComponent('/%0d%0aSet-Cookie:x=1')}`)).headers.location, '/%0d%0aSet-Cookie:x=1');
      // Our own paths, with their query, still come back.
      const own = await browser.get(`/lingua/it?torna=${encodeURIComponent(`/demo/refezione?utente=${tommaso}&dal=2026-11-01`)}`);
      assert.equal(own.headers.location, `/demo/refezione?utente=${tommaso}&dal=2026-11-01`);
    });

    it('carries no hostile return through a full log-in, and keeps the new session', async () => {
      for (const torna of ['/\t/evil.example/', '/città', '/\u2028evil', '//evil.example/']) {
        const browser = new Browser(t.app);
        const start = await browser.get(`/auth/login?torna=${encodeURIComponent(torna)}`);
        if (start.statusCode === 400) continue; // refused before anything (control characters in the address)
        const landed = await browser.login(ADA, { returnTo: torna });
        assert.equal(landed.statusCode, 200, JSON.stringify(torna));
        assert.match(landed.body, /Comuni|enti|Servizi/i);
        const scheda = await browser.get('/demo/scheda-anagrafica');
        assert.notEqual(scheda.statusCode, 303, 'the new session is kept');
      }
      // A legitimate return survives the log-in.
      const browser = new Browser(t.app);
      const start = await browser.get('/auth/login?torna=%2Fdemo%2Fassenze');
      assert.equal(start.statusCode, 303);
      const landed = await browser.login(ADA, { returnTo: '/demo/assenze' });
      assert.match(landed.body, /Comunicazioni assenze/);
    });

    it('sends SPID/CIE a state and a nonce of at least 32 alphanumeric characters', async () => {
      const start = await new Browser(t.app).get('/auth/login');
      const url = new URL(String(start.headers.location));
      assert.match(url.searchParams.get('state')!, /^[A-Za-z0-9]{32,}$/);
      assert.match(url.searchParams.get('nonce')!, /^[A-Za-z0-9]{32,}$/);
      const other = new URL(String((await new Browser(t.app).get('/auth/login')).headers.location));
      assert.notEqual(other.searchParams.get('state'), url.searchParams.get('state'));
    });

    it('never ends a parent’s session on a plain GET of /auth/login or /auth/callback', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const attacks = [
        '/auth/login',
        '/auth/login?torna=%2Fdemo%2Fassenze',
        '/auth/callback',
        '/auth/callback?error=access_denied',
        `/auth/callback?code=stolen&state=${'a'.repeat(64)}`,
      ];
      for (const url of attacks) {
        const response = await ada.get(url);
        assert.equal(response.statusCode, 303, url);
        assert.ok(!String(response.headers.location).includes('/test-idp/'), `${url}: no new log-in`);
        assert.equal((await ada.get('/demo/scheda-anagrafica')).statusCode, 200, `${url}: still logged in`);
      }
      assert.equal((await ada.get('/auth/login?torna=%2Fdemo%2Fassenze')).headers.location, '/demo/assenze');
    });

    it('revokes the access token at the gateway at log-out, then ends the session there', async () => {
      const ada = new Browser(t.app);
      const earlier = new Set((await t.database.db.selectFrom('session').select('id').execute()).map((row) => row.id));
      const page = await ada.login(ADA);
      // This log-in's session: the one that was not there before.
      const sessions = await t.database.db.selectFrom('session').select(['id', 'data']).execute();
      const mine = sessions.find((row) => !earlier.has(row.id))!;
      const token = (JSON.parse(mine.data) as { user: { accessToken: string } }).user.accessToken;
      assert.ok(token, 'the access token is kept for its revocation');
      const discovery = (await (await fetch(`${t.baseUrl}/test-idp/.well-known/openid-configuration`)).json()) as Record<string, string>;
      assert.ok(discovery.revocation_endpoint, 'the test IdP publishes its revocation endpoint');
      const userinfo = () => fetch(discovery.userinfo_endpoint!, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await userinfo()).status, 200, 'the token works before the log-out');

      const out = await ada.post('/auth/logout', { _csrf: ada.csrfFrom(page.body), ente: 'demo' });
      assert.equal(out.statusCode, 303);
      assert.ok(String(out.headers.location).startsWith(`${t.baseUrl}/test-idp/`), 'then to the gateway’s end of session');
      assert.equal((await userinfo()).status, 401, 'revoked at the gateway');
      assert.equal((await ada.get('/demo/scheda-anagrafica')).statusCode, 303, 'our session is gone');
    });

    it('logs the parent out even when the gateway fails to revoke the token', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA);
      const realFetch = globalThis.fetch;
      let attempted = false;
      globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        if (String(input instanceof Request ? input.url : input).endsWith('/token/revocation')) {
          attempted = true;
          throw new TypeError('fetch failed');
        }
        return realFetch(input, init);
      }) as typeof fetch;
      try {
        const out = await ada.post('/auth/logout', { _csrf: ada.csrfFrom(page.body), ente: 'demo' });
        assert.equal(out.statusCode, 303);
        assert.ok(String(out.headers.location).startsWith(`${t.baseUrl}/test-idp/`));
      } finally {
        globalThis.fetch = realFetch;
      }
      assert.ok(attempted, 'the revocation was tried');
      assert.equal((await ada.get('/demo/scheda-anagrafica')).statusCode, 303, 'logged out all the same');
    });

    it('answers NUL bytes and control characters in paths and queries with a clear 400, before the database', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      for (const url of ['/demo%00/', '/demo%00/scheda-anagrafica', '/auth/logged-out?state=demo%00', '/demo/refezione?dal=%00', '/%01', '/demo/assenze?utente=1%00']) {
        const response = await ada.get(url);
        assert.equal(response.statusCode, 400, url);
        assert.match(response.body, /Richiesta non valida/);
        assert.match(response.body, /caratteri non ammessi/);
      }
      for (const url of ['/d%C3%A9mo/', '/auth/logged-out?state=d%C3%A9mo', '/demo%E2%80%A8/', '/%ZZ', '/demo/%ff']) {
        const response = await ada.get(url);
        assert.ok([303, 400, 404].includes(response.statusCode), `${url}: ${response.statusCode}`);
      }
    });

    it('reads ids and years strictly: 1e1, 0x11, 02026 and out-of-range numbers name nothing', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      assert.equal((await ada.get(`/demo/scheda-anagrafica?utente=${tommaso}`)).statusCode, 200);
      for (const bad of ['1e1', '0x11', `0${tommaso}`, ` ${tommaso}`, `${tommaso}.0`, '99999999999', '2147483648', '-1', '']) {
        assert.equal((await ada.get(`/demo/scheda-anagrafica?utente=${encodeURIComponent(bad)}`)).statusCode, bad === '' ? 404 : 404, bad);
        assert.equal((await ada.get(`/demo/documenti-contabili/${encodeURIComponent(bad) || 'x'}`)).statusCode, 404, bad);
        assert.equal((await ada.get(`/demo/assenze/ricevute/${encodeURIComponent(bad) || 'x'}`)).statusCode, 404, bad);
        assert.equal((await ada.get(`/demo/ricariche/${encodeURIComponent(bad) || 'x'}`)).statusCode, 404, bad);
      }
      const statement = (anno: string) => ada.get(`/demo/scheda-anagrafica/attestazione-730?utente=${tommaso}&anno=${anno}`);
      for (const anno of ['02026', '2026.0', '2e3', '0x7ea', '99999999999']) assert.equal((await statement(anno)).statusCode, 404, anno);
    });

    it('refuses a form repeating an id instead of merging it, and writes nothing', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/pagamenti' });
      const { id } = await t.database.db.selectFrom('document').select('id').where('pupil_id', '=', tommaso).executeTakeFirstOrThrow();
      const carts = await count(t, 'payment_cart');
      const response = await ada.request({
        method: 'POST',
        url: '/demo/pagamenti',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(ada.csrfFrom(page.body))}&documento=${id}&documento=${id}`,
      });
      assert.equal(response.statusCode, 404);
      assert.equal(await count(t, 'payment_cart'), carts);
    });

    it('refuses an absence that records no day on the form (422, input kept), with no receipt', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: `/demo/assenze?utente=${tommaso}` });
      const key = /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!;
      const cases: [string, string, RegExp][] = [
        ['2026-11-25', '', /non si possono più modificare/], // a past day
        ['2026-11-28', '2026-11-29', /nessun giorno di mensa/], // a weekend
        ['2026-12-08', '', /nessun giorno di mensa/], // a holiday
        ['2027-07-20', '', /nessun giorno di mensa/], // outside the school year
      ];
      for (const [dal, al, message] of cases) {
        const notices = await count(t, 'absence_notice');
        const response = await ada.post('/demo/assenze', { _csrf: ada.csrfFrom(page.body), submissionKey: key, utente: String(tommaso), dal, al, tipo: 'absent' });
        assert.equal(response.statusCode, 422, dal);
        assert.match(response.body, message);
        assert.match(response.body, new RegExp(`name="dal" value="${dal}"`), 'the input is kept');
        assert.doesNotMatch(response.body, /alert-success|protocollo/i);
        assert.equal(await count(t, 'absence_notice'), notices, 'nothing written');
      }
      // After the refusals, the same form with a good day still works (the key was not used up).
      const ok = await ada.post('/demo/assenze', { _csrf: ada.csrfFrom(page.body), submissionKey: key, utente: String(tommaso), dal: '2026-12-01', al: '', tipo: 'absent' });
      assert.equal(ok.statusCode, 303);
      // A cancellation of a day without any notice, and one after its cut-off: refused on the page.
      for (const [giorno, message] of [
        ['2026-12-02', /nessuna tua comunicazione da annullare/],
        ['2026-11-25', /non si può più annullare/],
      ] as const) {
        const notices = await count(t, 'absence_notice');
        const response = await ada.post('/demo/assenze/annulla', { _csrf: ada.csrfFrom(page.body), submissionKey: crypto.randomUUID(), utente: String(tommaso), giorno });
        assert.equal(response.statusCode, 422, giorno);
        assert.match(response.body, message);
        assert.doesNotMatch(response.body, /alert-success/);
        assert.equal(await count(t, 'absence_notice'), notices);
      }
      // Malformed hidden fields (NUL, a huge id) are refused before the database.
      for (const form of [
        { submissionKey: 'abc\u0000defghij', utente: String(tommaso), dal: '2026-12-03' },
        { submissionKey: crypto.randomUUID(), utente: '99999999999', dal: '2026-12-03' },
        { submissionKey: crypto.randomUUID(), utente: String(tommaso), dal: '2026-12-03\u0000' },
      ]) {
        const notices = await count(t, 'absence_notice');
        const response = await ada.post('/demo/assenze', { _csrf: ada.csrfFrom(page.body), tipo: 'absent', al: '', ...form });
        assert.ok([404, 422].includes(response.statusCode), `${JSON.stringify(form)}: ${response.statusCode}`);
        assert.equal(await count(t, 'absence_notice'), notices);
      }
    });

    it('refuses a wrong date in the kitchen CSV as the page does, never today’s counts', async () => {
      const luca = new Browser(t.app);
      await luca.login(LUCA, { returnTo: '/demo/ufficio/' });
      for (const data of ['2026-13-01', '31/12/2026', 'oggi', '2026-11-23&data=2026-11-24', 'x'.repeat(30)]) {
        const csv = await luca.get(`/demo/ufficio/pasti.csv?data=${data}`);
        assert.equal(csv.statusCode, 422, data);
        assert.match(String(csv.headers['content-type']), /text\/html/);
        assert.match(csv.body, /data/i);
        const print = await luca.get(`/demo/ufficio/pasti/stampa?data=${data}&scuola=1`);
        assert.equal(print.statusCode, 422, data);
      }
      assert.equal((await luca.get('/demo/ufficio/pasti.csv?data=2026-11-23')).statusCode, 200);
    });

    it('neutralises spreadsheet formulas in the kitchen CSV', async () => {
      const school = await t.database.db.selectFrom('school').select(['id', 'name']).executeTakeFirstOrThrow();
      await t.database.db.updateTable('school').set({ name: '=HYPERLINK("http://evil.example","x")' }).where('id', '=', school.id).execute();
      try {
        const luca = new Browser(t.app);
        await luca.login(LUCA, { returnTo: '/demo/ufficio/' });
        const csv = await luca.get('/demo/ufficio/pasti.csv?data=2026-11-23');
        assert.equal(csv.statusCode, 200);
        assert.match(csv.body, /;"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)";/);
        assert.doesNotMatch(csv.body, /;"?=HYPERLINK/);
      } finally {
        await t.database.db.updateTable('school').set({ name: school.name }).where('id', '=', school.id).execute();
      }
    });
  });
}

for (const { engine, skip } of testEngines()) {
  describe(`log-in while the identity gateway is down, on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      // A port nobody listens on: the gateway cannot be reached.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      t = await startTestApp(engine, { TEST_IDP: 'false', OIDC_ISSUER: `http://127.0.0.1:${port}/gateway`, OIDC_CLIENT_SECRET: 'gateway-secret' });
    });
    after(async () => {
      await t?.close();
    });

    it('shows a clear Italian page (503) with a way to try again, and starts no session', async () => {
      const sessions = await count(t, 'session');
      const browser = new Browser(t.app);
      const response = await browser.get('/auth/login?torna=%2Fdemo%2Fassenze');
      assert.equal(response.statusCode, 503);
      assert.match(response.body, /Accesso momentaneamente non disponibile/);
      assert.match(response.body, /non risponde in questo momento/);
      assert.match(response.body, /href="\/auth\/login\?torna=%2Fdemo%2Fassenze"/);
      assert.equal(await count(t, 'session'), sessions);
      // A service page sends the parent to the log-in, which says the same.
      const service = await browser.follow(await browser.get('/demo/scheda-anagrafica'));
      assert.equal(service.statusCode, 503);
      // The rest of the portal still answers.
      assert.equal((await browser.get('/demo/')).statusCode, 200);
    });
  });
}
