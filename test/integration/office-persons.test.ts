import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { ADA, Browser, LUCA, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildFamily, buildOperator, buildPerson, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { count, formFields, freshCode, personForm, postRaw, valueOf, withTwice } from '../helpers/office-people';

for (const { engine, skip } of testEngines()) {
  describe(`the office's persons on ${engine}`, { skip }, () => {
    let t: TestApp;
    let db: Kysely<DB>;
    let enteId: number;
    let operator: BuiltPerson;
    let office: Browser;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      db = t.database.db;
      enteId = await enteIdOf(db);
      operator = await buildOperator(db, enteId, 'operatore');
      office = new Browser(t.app);
      await office.loginAs(operator, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await t?.close();
    });

    async function newPersonPage() {
      const page = await office.get('/demo/ufficio/anagrafe/persone/nuova');
      assert.equal(page.statusCode, 200);
      return page;
    }

    it('creates a person, shows their page, and audits the creation with the values after', async () => {
      const page = await newPersonPage();
      for (const label of ['Codice fiscale', 'Cognome', 'Nome', 'Sesso', 'Data di nascita', 'Luogo di nascita', 'Indirizzo', 'CAP', 'Comune', 'Provincia', 'E-mail', 'Telefono']) {
        assert.match(page.body, new RegExp(`<label for="[a-z_]+"( class="active")?>${label}`), label);
      }
      const form = personForm();
      const code = form.codice_fiscale!;
      const created = await office.post('/demo/ufficio/anagrafe/persone/nuova', { _csrf: office.csrfFrom(page.body), ...form, codice_fiscale: code.toLowerCase() });
      assert.equal(created.statusCode, 303);
      const id = Number(/\/demo\/ufficio\/anagrafe\/persone\/(\d+)\?fatto=creata$/.exec(String(created.headers.location))?.[1]);
      assert.ok(id > 0);
      const row = await db.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.fiscal_code, code, 'stored in upper case');
      assert.equal(row.birth_date, '1982-03-14');
      assert.equal(row.province, 'MI');
      assert.equal(row.ente_id, enteId);
      const shown = await office.get(String(created.headers.location));
      assert.equal(shown.statusCode, 200);
      assert.match(shown.body, /La persona è stata creata/);
      assert.match(shown.body, /Ornella Brambilla/);
      assert.match(shown.body, /14\/03\/1982/);
      assert.match(shown.body, /non è collegata a nessun alunno/);
      const audit = await db.selectFrom('audit_event').selectAll().where('action', '=', 'person.create').where('subject_id', '=', id).executeTakeFirstOrThrow();
      assert.equal(audit.actor_fiscal_code, operator.fiscalCode);
      assert.equal(audit.before_json, null);
      assert.equal(JSON.parse(audit.after_json!).fiscal_code, code);
    });

    const badInputs: { name: string; fields: Record<string, string>; field: string; message: RegExp }[] = [
      { name: 'a malformed codice fiscale', fields: { codice_fiscale: 'ABC123' }, field: 'codice_fiscale', message: /non ha la forma giusta/ },
      { name: 'a wrong check character', fields: { codice_fiscale: 'LVLDAA85T50G702C' }, field: 'codice_fiscale', message: /carattere di controllo/ },
      { name: 'an impossible date', fields: { data_nascita: '31/02/2019' }, field: 'data_nascita', message: /una data che esiste/ },
      { name: 'a date in the future', fields: { data_nascita: '01/01/2030' }, field: 'data_nascita', message: /non può essere nel futuro/ },
      { name: 'a NUL byte', fields: { cognome: 'Bram\u0000billa' }, field: 'cognome', message: /caratteri non ammessi/ },
      { name: 'a control character', fields: { comune: 'Mi\u0007lano' }, field: 'comune', message: /caratteri non ammessi/ },
      { name: 'a 5,000-character name', fields: { nome: 'A'.repeat(5000) }, field: 'nome', message: /troppo lungo/ },
      { name: 'a 150-character name', fields: { nome: 'A'.repeat(150) }, field: 'nome', message: /Al massimo 100 caratteri/ },
      { name: 'digits in a name', fields: { nome: 'R2D2' }, field: 'nome', message: /solo lettere/ },
      { name: 'a 4-digit CAP', fields: { cap: '2010' }, field: 'cap', message: /5 cifre/ },
      { name: 'a province of 4 letters', fields: { provincia: 'Roma' }, field: 'provincia', message: /sigla di 2 lettere/ },
      { name: 'an e-mail without a domain', fields: { email: 'ornella@esempio' }, field: 'email', message: /nome@dominio/ },
      { name: 'a phone with letters', fields: { telefono: '333-CALLME' }, field: 'telefono', message: /sole cifre/ },
      { name: 'no sex', fields: { sesso: 'X' }, field: 'sesso', message: /Scegli il sesso/ },
      { name: 'no surname', fields: { cognome: '   ' }, field: 'cognome', message: /Scrivi il cognome/ },
    ];
    for (const bad of badInputs) {
      it(`refuses ${bad.name} with the field's message, 422, the input kept, nothing written`, async () => {
        const page = await newPersonPage();
        await t.app.services.audit.flush();
        const [people, events] = [await count(db, 'person'), await count(db, 'audit_event')];
        const form = personForm(bad.fields);
        const refused = await office.post('/demo/ufficio/anagrafe/persone/nuova', { _csrf: office.csrfFrom(page.body), ...form });
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, bad.message);
        assert.match(refused.body, new RegExp(`<a href="#${bad.field}">`), 'the summary links to the field');
        assert.match(refused.body, new RegExp(`id="${bad.field}-problem"`), 'the problem is under the field');
        // Every other field keeps what was typed.
        assert.equal(valueOf(refused.body, 'indirizzo'), 'Via dei Test 3');
        if (bad.field !== 'codice_fiscale') assert.equal(valueOf(refused.body, 'codice_fiscale'), form.codice_fiscale);
        assert.equal(await count(db, 'person'), people);
        await t.app.services.audit.flush();
        assert.equal(await count(db, 'audit_event'), events);
      });
    }

    it('refuses a field sent twice with 422, writing nothing', async () => {
      const page = await newPersonPage();
      const people = await count(db, 'person');
      const refused = await postRaw(office, '/demo/ufficio/anagrafe/persone/nuova', withTwice({ _csrf: office.csrfFrom(page.body), ...personForm() }, 'cognome'));
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /<a href="#cognome">Cognome: Valore non valido/);
      assert.equal(await count(db, 'person'), people);
    });

    it('refuses a second person with a codice fiscale already in the registry, offering the existing one', async () => {
      const existing = await buildPerson(db, enteId, { givenName: 'Gemma', familyName: 'Doppia' });
      const page = await newPersonPage();
      const people = await count(db, 'person');
      const refused = await office.post('/demo/ufficio/anagrafe/persone/nuova', { _csrf: office.csrfFrom(page.body), ...personForm({ codice_fiscale: existing.fiscalCode }) });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /c’è già una persona con questo codice fiscale/);
      assert.match(refused.body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${existing.id}">Apri la scheda di Gemma Doppia`));
      assert.equal(await count(db, 'person'), people);
    });

    it('lets the database decide a race: two creations of one code at once make one person', async () => {
      const page = await newPersonPage();
      const form: Record<string, string> = { _csrf: office.csrfFrom(page.body), ...personForm() };
      const answers = await Promise.all([office.post('/demo/ufficio/anagrafe/persone/nuova', form), office.post('/demo/ufficio/anagrafe/persone/nuova', form)]);
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [303, 422]);
      assert.match(answers.find((a) => a.statusCode === 422)!.body, /c’è già una persona con questo codice fiscale/);
      const rows = await db.selectFrom('person').select('id').where('ente_id', '=', enteId).where('fiscal_code', '=', form.codice_fiscale!).execute();
      assert.equal(rows.length, 1);
      // The service itself, twice at once: the unique constraint, not the look-up, is what stops the second.
      const context = await t.app.services.operators.authorize((await t.app.services.enti.bySlug('demo'))!, { fiscalCode: operator.fiscalCode }, 'registry.write');
      const again = personForm();
      const input = {
        fiscalCode: again.codice_fiscale!, familyName: 'Brambilla', givenName: 'Ornella', sex: 'F' as const, birthDate: '1982-03-14', birthPlace: 'Milano',
        address: 'Via dei Test 3', postcode: '20100', city: 'Milano', province: 'MI', email: null, phone: null,
      };
      const results = await Promise.allSettled([t.app.services.officePeople.createPerson(context, input), t.app.services.officePeople.createPerson(context, input)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal(refused.reason.constructor.name, 'PersonTakenError');
    });

    it('edits a person from their version: of two saves from one version, one wins and the other sees the conflict and the values saved now', async () => {
      const person = await buildPerson(db, enteId, { givenName: 'Livia', familyName: 'Salvi' });
      const first = new Browser(t.app);
      await first.loginAs(operator, { returnTo: '/demo/ufficio/' });
      const second = new Browser(t.app);
      await second.loginAs(await buildOperator(db, enteId, 'amministratore'), { returnTo: '/demo/ufficio/' });
      const url = `/demo/ufficio/anagrafe/persone/${person.id}/modifica`;
      const [pageA, pageB] = [await first.get(url), await second.get(url)];
      assert.equal(pageA.statusCode, 200);
      assert.equal(valueOf(pageA.body, 'versione'), '1');
      assert.equal(valueOf(pageA.body, 'cognome'), 'Salvi');
      const form = (page: string, changes: Record<string, string>) => ({ ...formFields(page), ...changes });
      const changes = () => db.selectFrom('audit_event').select('id').where('subject_type', '=', 'person').where('subject_id', '=', person.id).where('after_json', 'is not', null).execute();
      const won = await first.post(url, form(pageA.body, { indirizzo: 'Via Nuova 1' }));
      assert.equal(won.statusCode, 303);
      const lost = await second.post(url, form(pageB.body, { telefono: '06 1234567' }));
      assert.equal(lost.statusCode, 409);
      assert.match(lost.body, /Nel frattempo un altro operatore ha modificato questi dati/);
      assert.match(lost.body, /Valore salvato ora: <strong>Via Nuova 1<\/strong>/);
      assert.equal(valueOf(lost.body, 'telefono'), '06 1234567', 'the input is kept');
      assert.equal(valueOf(lost.body, 'versione'), '2', 'saving again saves over what was seen');
      const row = await db.selectFrom('person').selectAll().where('id', '=', person.id).executeTakeFirstOrThrow();
      assert.equal(row.address, 'Via Nuova 1');
      assert.equal(row.phone, null, 'the second save wrote nothing');
      assert.equal(row.version, 2);
      assert.equal((await changes()).length, 1, 'one change audited: the save that won');
      const audit = await db.selectFrom('audit_event').selectAll().where('action', '=', 'person.update').where('subject_id', '=', person.id).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(audit.before_json!), { address: 'Via della Prova ' + /\d+/.exec(JSON.parse(audit.before_json!).address)![0] });
      assert.deepEqual(JSON.parse(audit.after_json!), { address: 'Via Nuova 1' });
    });

    it('corrects a codice fiscale only to a free one', async () => {
      const person = await buildPerson(db, enteId, { givenName: 'Carlo', familyName: 'Corretto' });
      const other = await buildPerson(db, enteId, { givenName: 'Carla', familyName: 'Occupata' });
      const url = `/demo/ufficio/anagrafe/persone/${person.id}/modifica`;
      const page = await office.get(url);
      const base = {
        _csrf: office.csrfFrom(page.body), versione: '1', cognome: 'Corretto', nome: 'Carlo', sesso: 'M', data_nascita: '01/02/1970', luogo_nascita: 'Roma',
        indirizzo: 'Via A 1', cap: '00100', comune: 'Roma', provincia: 'RM', email: '', telefono: '',
      };
      const taken = await office.post(url, { ...base, codice_fiscale: other.fiscalCode });
      assert.equal(taken.statusCode, 422);
      assert.match(taken.body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${other.id}">Apri la scheda di Carla Occupata`));
      assert.equal((await db.selectFrom('person').select('fiscal_code').where('id', '=', person.id).executeTakeFirstOrThrow()).fiscal_code, person.fiscalCode);
      const free = freshCode('M');
      const saved = await office.post(url, { ...base, codice_fiscale: free });
      assert.equal(saved.statusCode, 303);
      const row = await db.selectFrom('person').select(['fiscal_code', 'email', 'version']).where('id', '=', person.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { fiscal_code: free, email: null, version: 2 });
      const stale = await office.post(url, { ...base, codice_fiscale: free, indirizzo: 'Via B 2' });
      assert.equal(stale.statusCode, 409, 'the form of version 1 cannot save over version 2');
    });

    it('shows the pupils a person is linked to and how, linking to their office pages', async () => {
      const family = await buildFamily(db, enteId, { pupils: 2 });
      const page = await office.get(`/demo/ufficio/anagrafe/persone/${family.holder.id}`);
      assert.equal(page.statusCode, 200);
      for (const pupil of family.pupils) {
        assert.match(page.body, new RegExp(`href="/demo/ufficio/anagrafe/alunni/${pupil.pupilId}">${pupil.givenName} ${pupil.familyName}</a>`));
      }
      assert.equal((page.body.match(/<td data-label="Legame">Intestatario<\/td>/g) ?? []).length, 2);
      const child = await office.get(`/demo/ufficio/anagrafe/persone/${family.pupils[0]!.id}`);
      assert.match(child.body, /Questa persona è un alunno/);
      const viewed = await t.app.services.audit.flush().then(() =>
        db.selectFrom('audit_event').select('id').where('action', '=', 'office.person.view').where('subject_id', '=', family.holder.id).execute(),
      );
      assert.equal(viewed.length, 1, 'the view of personal data is audited');
    });

    it('keeps a parent, the kitchen and anonymous visitors out, and never shows another ente’s person', async () => {
      const person = await buildPerson(db, enteId);
      const urls = ['/demo/ufficio/anagrafe/persone/nuova', `/demo/ufficio/anagrafe/persone/${person.id}`, `/demo/ufficio/anagrafe/persone/${person.id}/modifica`];
      const anonymous = new Browser(t.app);
      for (const url of urls) {
        const answer = await anonymous.get(url);
        assert.ok([302, 303].includes(answer.statusCode), `${url}: ${answer.statusCode}`);
        assert.match(String(answer.headers.location), /^\/auth\/login/);
      }
      const people = await count(db, 'person');
      assert.equal((await anonymous.post('/demo/ufficio/anagrafe/persone/nuova', personForm())).statusCode, 403, 'an anonymous change is refused');
      assert.equal(await count(db, 'person'), people);
      for (const who of [ADA, LUCA]) {
        const browser = new Browser(t.app);
        const home = await browser.login(who, { returnTo: '/demo/' });
        for (const url of urls) assert.equal((await browser.get(url)).statusCode, 403, `${who} ${url}`);
        const people = await count(db, 'person');
        const posted = await browser.post('/demo/ufficio/anagrafe/persone/nuova', { _csrf: browser.csrfFrom(home.body), ...personForm() });
        assert.equal(posted.statusCode, 403);
        assert.equal(await count(db, 'person'), people);
      }
      const otherEnte = await enteIdOf(db, 'unione-colline');
      const stranger = await buildOperator(db, otherEnte, 'amministratore');
      const browser = new Browser(t.app);
      await browser.loginAs(stranger, { returnTo: '/unione-colline/ufficio/' });
      for (const url of urls) assert.equal((await browser.get(url)).statusCode, 403, `another ente's operator at ${url}`);
      const own = await browser.get('/unione-colline/ufficio/anagrafe/persone/nuova');
      assert.equal(own.statusCode, 200);
      for (const url of [`/unione-colline/ufficio/anagrafe/persone/${person.id}`, `/unione-colline/ufficio/anagrafe/persone/${person.id}/modifica`]) {
        const answer = await browser.get(url);
        assert.equal(answer.statusCode, 404, url);
        assert.doesNotMatch(answer.body, new RegExp(person.familyName));
      }
      const posted = await browser.post(`/unione-colline/ufficio/anagrafe/persone/${person.id}/modifica`, { _csrf: browser.csrfFrom(own.body), versione: '1', ...personForm() });
      assert.equal(posted.statusCode, 404);
      assert.equal((await db.selectFrom('person').select('version').where('id', '=', person.id).executeTakeFirstOrThrow()).version, 1);
      for (const bad of ['/demo/ufficio/anagrafe/persone/0', '/demo/ufficio/anagrafe/persone/1e3', '/demo/ufficio/anagrafe/persone/99999999999']) {
        assert.equal((await office.get(bad)).statusCode, 404, bad);
      }
    });
  });
}
