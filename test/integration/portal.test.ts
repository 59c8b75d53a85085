import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, LEVEL, LUCA, MARCO, MARIO, SERVICE_TITLES, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

async function pupilIdOf(t: TestApp, givenName: string, familyName: string, ente = 'demo') {
  const row = await t.database.db
    .selectFrom('pupil')
    .innerJoin('person', 'person.id', 'pupil.person_id')
    .innerJoin('ente', 'ente.id', 'pupil.ente_id')
    .select('pupil.id')
    .where('person.given_name', '=', givenName)
    .where('person.family_name', '=', familyName)
    .where('ente.slug', '=', ente)
    .executeTakeFirstOrThrow();
  return row.id;
}

for (const { engine, skip } of testEngines()) {
  describe(`parents' portal on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t?.close();
    });

    it('lists the enti at / and the seven services, in the seed order, at /{ente}/', async () => {
      const browser = new Browser(t.app);
      const home = await browser.get('/');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /href="\/demo\/"[^>]*>Comune di Esempio/);
      assert.match(home.body, /Unione dei Comuni delle Colline/);

      const list = await browser.get('/demo/');
      assert.equal(list.statusCode, 200);
      const positions = SERVICE_TITLES.map((title) => list.body.indexOf(`</svg>${title}</h2>`));
      assert.ok(positions.every((p) => p > 0), `every service has a heading: ${positions}`);
      assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'services in the seed order');
      assert.match(list.body, /Ufficio Scuola — Servizi educativi/);
      assert.equal((await browser.get('/nessun-comune/')).statusCode, 404);
    });

    it('sends an anonymous visitor of any service to the SPID/CIE log-in, and back afterwards', async () => {
      const browser = new Browser(t.app);
      for (const path of ['/demo/scheda-anagrafica', '/demo/refezione', '/demo/ufficio/']) {
        const response = await browser.get(path);
        assert.equal(response.statusCode, 303, path);
        assert.equal(response.headers.location, `/auth/login?torna=${encodeURIComponent(path)}`);
      }
      const idp = await browser.get('/auth/login?torna=%2Fdemo%2Fscheda-anagrafica');
      assert.equal(idp.statusCode, 303);
      const authorize = new URL(String(idp.headers.location));
      assert.equal(authorize.pathname, '/test-idp/auth');
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(authorize.searchParams.get('state'));
      assert.ok(authorize.searchParams.get('nonce'));
      assert.equal(authorize.searchParams.get('response_mode'), 'query');
      assert.equal(authorize.searchParams.get('acr_values'), LEVEL.L2);
    });

    it('logs Ada in through the test IdP; she chooses a pupil and reads the Scheda anagrafica', async () => {
      const browser = new Browser(t.app);
      const choose = await browser.login(ADA, { returnTo: '/demo/scheda-anagrafica' });
      assert.equal(choose.statusCode, 200);
      assert.match(choose.body, /Scegli l’alunno/);
      assert.match(choose.body, /Sofia Lovelace|Sofia/);
      assert.match(choose.body, /Tommaso/);
      assert.match(choose.body, /Accesso effettuato: Ada Lovelace/);

      const tommaso = await pupilIdOf(t, 'Tommaso', 'Lovelace');
      const scheda = await browser.get(`/demo/scheda-anagrafica?utente=${tommaso}`);
      assert.equal(scheda.statusCode, 200);
      const html = scheda.body;
      for (const heading of [
        'Dati dell’alunno', 'Residenza', 'Dati del genitore intestatario', 'Iscrizioni ai servizi',
        'Tipologia di pagamento', 'Domiciliazione della fattura', 'Costo del servizio', 'Documenti allegati', 'Contatti',
      ]) {
        assert.ok(html.includes(`>${heading}</h2>`), `section ${heading}`);
      }
      assert.match(html, /Scuola primaria Via dei Tigli/);
      assert.match(html, /5ª B/);
      assert.match(html, /LVLDAA85T50G702B/, 'holder fiscal code');
      assert.match(html, /Refezione scolastica \(a consuntivo\)/);
      assert.match(html, /Trasporto scolastico/);
      assert.match(html, /2026\/2027/);
      assert.match(html, /Fascia C/);
      assert.match(html, /4,10\s€ a pasto/);
      assert.match(html, /Riduzioni ed esenzioni<\/dt><dd class="col-sm-8">Nessuna/, 'Tommaso is the eldest: he pays in full');

      assert.match(html, /Postpagato/);
      assert.match(html, /Nessun documento allegato/);
      assert.match(html, /solo l&#39;Ufficio può correggerli|solo l'Ufficio può correggerli/);
      assert.doesNotMatch(html, /senza-glutine/, 'Sofia’s diet is not on Tommaso’s page');

      const sofia = await pupilIdOf(t, 'Sofia', 'Lovelace');
      const sofiaPage = await browser.get(`/demo/scheda-anagrafica?utente=${sofia}`);
      assert.match(sofiaPage.body, /Scuola primaria Arcobaleno/);
      assert.match(sofiaPage.body, /B100001/, 'badge code');
      assert.match(sofiaPage.body, /Prepagato/);
      assert.match(sofiaPage.body, /Riduzione fratelli 20%: −0,82\s€/, 'Sofia is the second child in the canteen');
      assert.match(sofiaPage.body, /Importo dovuto<\/dt><dd class="col-sm-8">3,28\s€ a pasto/);

      await t.app.services.audit.flush();
      const audit = await t.database.db
        .selectFrom('audit_event')
        .select(['actor_fiscal_code', 'subject_id', 'action', 'request_id'])
        .where('action', '=', 'portal.scheda.view')
        .where('subject_id', 'in', [tommaso, sofia])
        .execute();
      assert.equal(audit.length, 2, 'each view of a pupil is audited');
      assert.ok(audit.every((a) => a.actor_fiscal_code === ADA && a.request_id));
    });

    it('remembers the pupil a parent of several chose, says on every page whose data it shows, and checks it every time', async () => {
      const browser = new Browser(t.app);
      await browser.login(ADA);
      const tommaso = await pupilIdOf(t, 'Tommaso', 'Lovelace');
      await browser.get(`/demo/scheda-anagrafica?utente=${tommaso}`);
      for (const path of ['/demo/scheda-anagrafica', '/demo/documenti-contabili', '/demo/refezione', '/demo/assenze']) {
        const page = await browser.get(path);
        assert.equal(page.statusCode, 200, path);
        assert.match(page.body, /Stai consultando i dati di <strong>Tommaso Lovelace<\/strong>/, path);
        assert.ok(page.body.includes(`href="${path}?cambia=1"`), `${path}: Cambia alunno`);
      }
      const chooser = await browser.get('/demo/refezione?cambia=1');
      assert.match(chooser.body, /Scegli l’alunno/, 'Cambia alunno shows the chooser, not the remembered pupil');
      const sofia = await pupilIdOf(t, 'Sofia', 'Lovelace');
      await browser.get(`/demo/refezione?utente=${sofia}`);
      assert.match((await browser.get('/demo/documenti-contabili')).body, /Stai consultando i dati di <strong>Sofia Lovelace<\/strong>/);
      assert.match((await browser.get('/demo/conto-corrente')).body, /Badge B100001 — Sofia Lovelace/, 'her badge chosen');
      const english = await browser.get('/lingua/en?torna=/demo/scheda-anagrafica');
      assert.match((await browser.get(String(english.headers.location))).body, /You are viewing the data of <strong>Sofia Lovelace<\/strong>/);
      await browser.get('/lingua/it?torna=/demo');

      // A remembered pupil no longer the parent's (here: another family's, written into the session) is never shown.
      const pietro = await pupilIdOf(t, 'Pietro', 'Bianchi');
      for (const row of await t.database.db.selectFrom('session').select(['id', 'data']).execute()) {
        const data = JSON.parse(row.data) as { user?: { fiscalCode: string }; chosenPupils?: Record<string, number> };
        if (data.user?.fiscalCode !== ADA || !data.chosenPupils) continue;
        await t.database.db.updateTable('session').set({ data: JSON.stringify({ ...data, chosenPupils: { demo: pietro } }) }).where('id', '=', row.id).execute();
      }
      const fallback = await browser.get('/demo/scheda-anagrafica');
      assert.equal(fallback.statusCode, 200);
      assert.match(fallback.body, /Scegli l’alunno/);
      assert.doesNotMatch(fallback.body, /Bianchi/);
      assert.match((await browser.get('/demo/assenze')).body, /Comunicazioni assenze/);
    });

    it('chooses the only pupil for a holder of one', async () => {
      const browser = new Browser(t.app);
      const scheda = await browser.login(GIULIA, { returnTo: '/demo/scheda-anagrafica' });
      assert.equal(scheda.statusCode, 200);
      assert.match(scheda.body, /Pietro/);
      assert.match(scheda.body, /Dati dell’alunno/);
    });

    it('shows a clear 403 page and no data to a person who is holder of nothing', async () => {
      const browser = new Browser(t.app);
      const page = await browser.login(MARIO, { returnTo: '/demo/scheda-anagrafica' });
      assert.equal(page.statusCode, 403);
      assert.match(page.body, /Nessun alunno associato/);
      assert.match(page.body, /contatta l&#39;Ufficio comunale|contatta l'Ufficio comunale/);
      assert.match(page.body, /ufficio\.scuola@esempio\.example/);
      assert.doesNotMatch(page.body, /<table/);
      for (const path of ['/demo/documenti-contabili', '/demo/pagamenti', '/demo/assenze']) {
        assert.equal((await browser.get(path)).statusCode, 403, path);
      }
    });

    it('answers 404 and shows nothing when a holder asks for another family’s pupil', async () => {
      const browser = new Browser(t.app);
      await browser.login(ADA);
      const pietro = await pupilIdOf(t, 'Pietro', 'Bianchi');
      const other = await browser.get(`/demo/scheda-anagrafica?utente=${pietro}`);
      assert.equal(other.statusCode, 404);
      assert.doesNotMatch(other.body, /Bianchi/);
      for (const bad of ['abc', '-1', '999999', '1e3']) {
        assert.equal((await browser.get(`/demo/scheda-anagrafica?utente=${bad}`)).statusCode, 404, bad);
      }
      const colline = await pupilIdOf(t, 'Nina', 'Fontana', 'unione-colline');
      assert.equal((await browser.get(`/demo/scheda-anagrafica?utente=${colline}`)).statusCode, 404);
      // The same person in another ente is holder of nothing there.
      assert.equal((await browser.get('/unione-colline/scheda-anagrafica')).statusCode, 403);
    });

    it('refuses a SPID level 1 log-in with a clear message, and accepts level 3', async () => {
      const refused = await new Browser(t.app).login(ADA, { level: LEVEL.L1, returnTo: '/demo/scheda-anagrafica' });
      assert.equal(refused.statusCode, 401);
      assert.match(refused.body, /livello 2/);
      const browser = new Browser(t.app);
      const accepted = await browser.login(ADA, { level: LEVEL.L3, returnTo: '/demo/scheda-anagrafica' });
      assert.equal(accepted.statusCode, 200);
      assert.match(accepted.body, /Scegli l’alunno/);
    });

    it('issues a new session id at log-in, whatever cookie the browser came with, and a safe cookie', async () => {
      const browser = new Browser(t.app);
      // A session cookie planted before the log-in (fixation) is not the one the parent ends up with.
      const planted = 'p'.repeat(43);
      browser.jar.store(`sso=${planted}; Path=/`);
      const start = await browser.get('/auth/login?torna=%2Fdemo%2F');
      assert.match(String(start.headers['set-cookie']), /^sso-login=.*HttpOnly.*SameSite=Lax/i);
      let callback: LightMyRequestResponse | undefined;
      await browser.follow(start).then(async (page) => {
        const uid = /interaction\/([\w-]+)\/login/.exec(page.body)![1];
        let response = await browser.post(`/test-idp/interaction/${uid}/login`, { fiscalCode: ADA, level: LEVEL.L2 });
        for (let i = 0; i < 10 && !callback; i++) {
          const location = String(response.headers.location);
          response = await browser.get(location);
          if (location.includes('/auth/callback')) callback = response;
        }
      });
      const setCookie = [callback!.headers['set-cookie']].flat().find((header) => header!.startsWith('sso='))!;
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Lax/i);
      const afterLogin = browser.jar.get('sso');
      assert.ok(afterLogin && afterLogin !== planted, 'a new session id at log-in');
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 200);
    });

    it('refuses a POST without the CSRF token, and logs out with it', async () => {
      const browser = new Browser(t.app);
      const page = await browser.login(ADA, { returnTo: '/demo/' });
      const forged = await browser.post('/auth/logout', { ente: 'demo' });
      assert.equal(forged.statusCode, 403);
      assert.match(forged.body, /Richiesta non valida/);
      const wrong = await browser.post('/auth/logout', { ente: 'demo', _csrf: 'x'.repeat(43) });
      assert.equal(wrong.statusCode, 403);
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 200, 'still logged in');

      const loggedOut = await browser.post('/auth/logout', { ente: 'demo', _csrf: browser.csrfFrom(page.body) });
      assert.equal(loggedOut.statusCode, 303);
      // The test IdP offers RP-initiated log-out: confirm it there, and land on the Lista servizi.
      const confirm = await browser.follow(loggedOut);
      assert.match(confirm.body, /Uscire anche dall’identity provider di test/);
      const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(confirm.body);
      assert.ok(form, 'provider logout form');
      const landed = await browser.follow(await browser.post(form[1]!.replace(/&amp;/g, '&'), { xsrf: form[2]!, logout: 'yes' }));
      assert.equal(landed.statusCode, 200);
      assert.match(landed.body, /<h1>Lista servizi<\/h1>/);
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 303, 'session is gone');
    });

    it('lets operators into /ufficio/ by their role in that ente, and keeps parents out', async () => {
      const marco = new Browser(t.app);
      const home = await marco.login(MARCO, { returnTo: '/demo/ufficio/' });
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Ruolo: amministratore/);
      const colline = await marco.get('/unione-colline/ufficio/');
      assert.match(colline.body, /Ruolo: operatore/);

      const luca = new Browser(t.app);
      assert.match((await luca.login(LUCA, { returnTo: '/demo/ufficio/' })).body, /Ruolo: cucina/);
      assert.equal((await luca.get('/unione-colline/ufficio/')).statusCode, 403);

      const ada = new Browser(t.app);
      const refused = await ada.login(ADA, { returnTo: '/demo/ufficio/' });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /Accesso non consentito/);
    });

    it('serves every service of the Lista servizi behind the log-in, none of them a placeholder', async () => {
      const browser = new Browser(t.app);
      await browser.login(ADA);
      for (const path of ['scheda-anagrafica', 'documenti-contabili', 'refezione', 'pagamenti', 'conto-corrente', 'ricariche', 'assenze']) {
        const page = await browser.get(`/demo/${path}`);
        assert.equal(page.statusCode, 200, path);
        assert.doesNotMatch(page.body, /in arrivo/i, path);
      }
      const stranger = new Browser(t.app);
      await stranger.login(MARIO);
      assert.equal((await stranger.get('/demo/pagamenti')).statusCode, 403, 'no data and a clear error for a non-holder');
      assert.equal((await stranger.get('/demo/ricariche')).statusCode, 403);
    });

    it('switches language with a plain link and keeps the page', async () => {
      const browser = new Browser(t.app);
      const switched = await browser.get('/lingua/en?torna=%2Fdemo%2F');
      assert.equal(switched.statusCode, 303);
      assert.equal(switched.headers.location, '/demo/');
      const english = await browser.get('/demo/');
      assert.match(english.body, /<html lang="en">/);
      assert.match(english.body, /Personal record/);
      const offsite = await browser.get('/lingua/it?torna=%2F%2Fevil.example');
      assert.equal(offsite.headers.location, '/', 'no open redirect');
    });

    it('sends strict security headers', async () => {
      const response = await new Browser(t.app).get('/demo/');
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      // Error pages and static files carry the same headers.
      for (const path of ['/demo/pagina-che-non-esiste', '/static/fonts.css', '/static/app/css/app.css']) {
        const other = await new Browser(t.app).get(path);
        assert.equal(other.headers['content-security-policy'], csp, path);
        assert.equal(other.headers['x-frame-options'], response.headers['x-frame-options'], path);
      }
    });

    it('reports health with the database', async () => {
      const ok = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { status: 'ok', database: 'ok' });
    });
  });
}
