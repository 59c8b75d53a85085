import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { Browser, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

/** Someone the test IdP does not list: a fictitious person with a valid codice fiscale. */
const NEW_PERSON = { familyName: 'Montalcini', givenName: 'Rita', sex: 'F' as const, birthDate: '1979-04-22', placeCode: 'L219' };
const NEW_CF = fiscalCodeFor(NEW_PERSON);

for (const { engine, skip } of testEngines()) {
  describe(`the test identity provider logs in any valid codice fiscale on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t?.close();
    });

    /** The test IdP's log-in page of a new interaction, and its id. */
    async function interaction(browser: Browser) {
      const page = await browser.follow(await browser.get('/auth/login?torna=%2Fdemo%2Fscheda-anagrafica'));
      const uid = /\/test-idp\/interaction\/([\w-]+)\/login-as/.exec(page.body)?.[1];
      assert.ok(uid, 'the page has the form for another person');
      return { page, uid };
    }

    it('offers a labelled form, and with a valid code and a name logs that person in', async () => {
      const browser = new Browser(t.app);
      const { page, uid } = await interaction(browser);
      for (const label of ['Codice fiscale', 'Nome', 'Cognome']) assert.match(page.body, new RegExp(`<label for="person-[a-zA-Z]+" class="active">${label}</label>`));
      const submitted = await browser.post(`/test-idp/interaction/${uid}/login-as`, {
        fiscalCode: NEW_CF.toLowerCase(),
        givenName: 'Rita',
        familyName: 'Montalcini',
        level: 'https://www.spid.gov.it/SpidL2',
      });
      assert.equal(submitted.statusCode, 303);
      const landed = await browser.follow(submitted);
      // Logged in, and linked to no pupil: the seed's rule — no data, the error page naming the office.
      assert.equal(landed.statusCode, 403);
      assert.match(landed.body, /Nessun alunno associato/);
      assert.match(landed.body, /Rita Montalcini/, 'the name typed at the test IdP is the session’s');
    });

    it('refuses a bad code or name with the field’s message, 422 and the input kept, and logs nobody in', async () => {
      const browser = new Browser(t.app);
      const { uid } = await interaction(browser);
      const refused = await browser.post(`/test-idp/interaction/${uid}/login-as`, {
        fiscalCode: `${NEW_CF.slice(0, 15)}A`,
        givenName: 'Rita\u0000',
        familyName: '',
        level: 'https://www.spid.gov.it/SpidL2',
      });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /Il codice fiscale non è valido/);
      assert.match(refused.body, /Il nome può contenere solo lettere/);
      assert.match(refused.body, /Scrivi il cognome/);
      assert.match(refused.body, new RegExp(`value="${NEW_CF.slice(0, 15)}A"`), 'what was typed stays in the form');
      assert.match(refused.body, /aria-invalid="true" aria-describedby="person-fiscalCode-problem"/);
      const scheda = await browser.get('/demo/scheda-anagrafica');
      assert.notEqual(scheda.statusCode, 200);
      assert.doesNotMatch(scheda.body, /Montalcini/);
    });

    it('logs in a listed test user as before', async () => {
      const browser = new Browser(t.app);
      const page = await browser.login('LVLDAA85T50G702B', { returnTo: '/demo/scheda-anagrafica' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Scheda anagrafica/);
    });
  });
}
