import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { ADA, Browser, LUCA, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildFamily, buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { count, formFields, freshCode, personForm, postRaw, valueOf, withTwice } from '../helpers/office-people';

const NEW = '/demo/ufficio/anagrafe/alunni/nuovo';

for (const { engine, skip } of testEngines()) {
  describe(`the office's pupils (create, edit) on ${engine}`, { skip }, () => {
    let t: TestApp;
    let db: Kysely<DB>;
    let enteId: number;
    let operator: BuiltPerson;
    let office: Browser;
    let schoolId: number;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      db = t.database.db;
      enteId = await enteIdOf(db);
      operator = await buildOperator(db, enteId, 'operatore');
      office = new Browser(t.app);
      await office.loginAs(operator, { returnTo: '/demo/ufficio/' });
      schoolId = (await db.selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    });
    after(async () => {
      await t?.close();
    });

    async function stepOne(childCode: string, holderCode: string) {
      const page = await office.get(NEW);
      assert.equal(page.statusCode, 200);
      return office.post(NEW, { _csrf: office.csrfFrom(page.body), passo: '1', alunno_codice_fiscale: childCode, intestatario_codice_fiscale: holderCode });
    }

    /** Step 2's form as the page gives it, with the office's typing on top. */
    function stepTwoForm(page: string, typed: Record<string, string>) {
      return { ...formFields(page), ...typed };
    }

    const child = (code: string) => {
      const form = personForm({ codice_fiscale: code, nome: 'Pietro', cognome: 'Nuovo', sesso: 'M', data_nascita: '05/09/2019' }, 'alunno_');
      return form;
    };

    it('creates a pupil and a new intestatario in two steps, redirecting to the pupil’s page; each creation audited', async () => {
      const [childCode, holderCode] = [freshCode('M'), freshCode('F')];
      const two = await stepOne(childCode, holderCode);
      assert.equal(two.statusCode, 200);
      assert.match(two.body, /Passo 2 di 2/);
      assert.match(two.body, /name="alunno_cognome"/);
      assert.match(two.body, /name="intestatario_cognome"/);
      assert.match(two.body, new RegExp(`<option value="${schoolId}"`));
      const counts = [await count(db, 'person'), await count(db, 'pupil'), await count(db, 'pupil_holder')];
      const created = await office.post(NEW, stepTwoForm(two.body, { ...child(childCode), ...personForm({ codice_fiscale: holderCode }, 'intestatario_'), scuola: String(schoolId), classe: ' 3  B ' }));
      assert.equal(created.statusCode, 303);
      const pupilId = Number(/^\/demo\/ufficio\/anagrafe\/alunni\/(\d+)$/.exec(String(created.headers.location))?.[1]);
      assert.ok(pupilId > 0, String(created.headers.location));
      assert.deepEqual([await count(db, 'person'), await count(db, 'pupil'), await count(db, 'pupil_holder')], [counts[0]! + 2, counts[1]! + 1, counts[2]! + 1]);
      const pupil = await db
        .selectFrom('pupil')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .select(['pupil.school_id', 'pupil.class_name', 'person.fiscal_code', 'person.birth_date'])
        .where('pupil.id', '=', pupilId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(pupil, { school_id: schoolId, class_name: '3 B', fiscal_code: childCode, birth_date: '2019-09-05' });
      const links = await db.selectFrom('pupil_holder as ph').innerJoin('person', 'person.id', 'ph.person_id').select(['person.fiscal_code', 'ph.relation']).where('ph.pupil_id', '=', pupilId).execute();
      assert.deepEqual(links, [{ fiscal_code: holderCode, relation: 'intestatario' }]);
      const actions = await db.selectFrom('audit_event').select(['action', 'before_json', 'after_json']).where('actor_fiscal_code', '=', operator.fiscalCode).orderBy('id', 'desc').limit(3).execute();
      assert.deepEqual(actions.map((a) => a.action).sort(), ['person.create', 'person.create', 'pupil.create']);
      const pupilEvent = actions.find((a) => a.action === 'pupil.create')!;
      assert.equal(pupilEvent.before_json, null);
      assert.equal(JSON.parse(pupilEvent.after_json!).class_name, '3 B');
    });

    it('takes a person already in the registry as intestatario, never creating them twice', async () => {
      const holder = await buildPerson(db, enteId, { givenName: 'Teresa', familyName: 'Esistente' });
      const childCode = freshCode('M');
      const two = await stepOne(childCode, holder.fiscalCode);
      assert.equal(two.statusCode, 200);
      assert.match(two.body, /Già presente in anagrafe:/);
      assert.match(two.body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${holder.id}">Teresa Esistente</a>`));
      assert.doesNotMatch(two.body, /name="intestatario_cognome"/, 'no form for someone already known');
      const people = await count(db, 'person');
      const created = await office.post(NEW, stepTwoForm(two.body, { ...child(childCode), scuola: String(schoolId), classe: '1A' }));
      assert.equal(created.statusCode, 303);
      assert.equal(await count(db, 'person'), people + 1, 'only the child is new');
      const pupilId = Number(/(\d+)$/.exec(String(created.headers.location))![1]);
      const link = await db.selectFrom('pupil_holder').select(['person_id', 'relation']).where('pupil_id', '=', pupilId).executeTakeFirstOrThrow();
      assert.deepEqual(link, { person_id: holder.id, relation: 'intestatario' });
    });

    it('refuses a child who is already a pupil, offering them, and the same code for child and holder', async () => {
      const family = await buildFamily(db, enteId);
      const pupilPerson = family.pupils[0]!;
      const already = await stepOne(pupilPerson.fiscalCode, freshCode());
      assert.equal(already.statusCode, 422);
      assert.match(already.body, /è già un alunno in anagrafe/);
      assert.match(already.body, new RegExp(`href="/demo/ufficio/anagrafe/alunni/${pupilPerson.pupilId}">Apri la scheda dell’alunno`));
      const code = freshCode();
      const same = await stepOne(code, code);
      assert.equal(same.statusCode, 422);
      assert.match(same.body, /L’intestatario deve essere un adulto diverso dall’alunno/);
    });

    for (const bad of [
      { name: 'an invalid code', codes: ['NOTACODE', null], message: /non ha la forma giusta/ },
      { name: 'a wrong check character', codes: [null, 'LVLDAA85T50G702C'], message: /carattere di controllo/ },
      { name: 'a NUL byte', codes: ['LVLDAA85T50G\u0000702B', null], message: /caratteri non ammessi/ },
      { name: 'a 5,000-character code', codes: [null, 'X'.repeat(5000)], message: /troppo lungo/ },
    ]) {
      it(`refuses ${bad.name} at step 1 with 422 and the input kept`, async () => {
        const refused = await stepOne(bad.codes[0] ?? freshCode(), bad.codes[1] ?? freshCode());
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, bad.message);
        assert.match(refused.body, /Passo 1 di 2/);
      });
    }

    it('refuses every bad input of step 2 with the field’s message, 422, the input kept, nothing written', async () => {
      const otherSchool = (await db.selectFrom('school as s').innerJoin('ente as e', 'e.id', 's.ente_id').select('s.id').where('e.slug', '=', 'unione-colline').executeTakeFirstOrThrow()).id;
      const [childCode, holderCode] = [freshCode('M'), freshCode('F')];
      const two = await stepOne(childCode, holderCode);
      const valid = stepTwoForm(two.body, { ...child(childCode), ...personForm({ codice_fiscale: holderCode }, 'intestatario_'), scuola: String(schoolId), classe: '2A' });
      const cases: { name: string; fields: Record<string, string>; field: string; message: RegExp }[] = [
        { name: 'impossible date', fields: { alunno_data_nascita: '30/02/2020' }, field: 'alunno_data_nascita', message: /Alunno – Data di nascita: Scrivi una data che esiste/ },
        { name: 'future date', fields: { intestatario_data_nascita: '2027-01-01' }, field: 'intestatario_data_nascita', message: /Intestatario – Data di nascita: La data di nascita non può essere nel futuro/ },
        { name: 'another ente’s school', fields: { scuola: String(otherSchool) }, field: 'scuola', message: /Scegli una scuola dell’elenco/ },
        { name: 'no school', fields: { scuola: '' }, field: 'scuola', message: /Scegli una scuola dell’elenco/ },
        { name: 'a control character in the class', fields: { classe: '2\u001bA' }, field: 'classe', message: /caratteri non ammessi/ },
        { name: 'a long class', fields: { classe: 'A'.repeat(30) }, field: 'classe', message: /al massimo 20 caratteri/ },
        { name: 'a 5,000-character name', fields: { intestatario_nome: 'B'.repeat(5000) }, field: 'intestatario_nome', message: /troppo lungo/ },
        { name: 'a bad CAP', fields: { alunno_cap: 'ABCDE' }, field: 'alunno_cap', message: /5 cifre/ },
        { name: 'a changed hidden code', fields: { alunno_codice_fiscale: 'LVLDAA85T50G702C' }, field: 'alunno_codice_fiscale', message: /carattere di controllo/ },
      ];
      const before = [await count(db, 'person'), await count(db, 'pupil'), await count(db, 'pupil_holder')];
      for (const bad of cases) {
        const refused = await office.post(NEW, { ...valid, ...bad.fields });
        assert.equal(refused.statusCode, 422, bad.name);
        assert.match(refused.body, bad.message, bad.name);
        if (!bad.field.endsWith('codice_fiscale')) {
          assert.match(refused.body, new RegExp(`<a href="#${bad.field}">`), bad.name);
          assert.equal(valueOf(refused.body, 'intestatario_indirizzo'), 'Via dei Test 3', `${bad.name}: the input is kept`);
        }
      }
      const twice = await postRaw(office, NEW, withTwice(valid, 'alunno_nome'));
      assert.equal(twice.statusCode, 422);
      assert.match(twice.body, /Alunno – Nome: Valore non valido/);
      assert.deepEqual([await count(db, 'person'), await count(db, 'pupil'), await count(db, 'pupil_holder')], before);
    });

    it('edits the child’s data, school and class from their versions; a stale save gets the conflict and the values saved now', async () => {
      const holder = await buildPerson(db, enteId);
      const pupil = await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { className: '4C' });
      const url = `/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/modifica`;
      const page = await office.get(url);
      assert.equal(page.statusCode, 200);
      const form = formFields(page.body);
      assert.equal(form.classe, '4C');
      assert.equal(form.versione, '1');
      assert.equal(form.versione_persona, '1');
      const saved = await office.post(url, { ...form, classe: '5C', scuola: String(schoolId), indirizzo: 'Piazza Grande 2' });
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, `/demo/ufficio/anagrafe/alunni/${pupil.pupilId}`);
      const row = await db.selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select(['class_name', 'school_id', 'pupil.version', 'address']).where('pupil.id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      assert.deepEqual(row, { class_name: '5C', school_id: schoolId, version: 2, address: 'Piazza Grande 2' });
      const stale = await office.post(url, { ...form, classe: '1A' });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Nel frattempo un altro operatore/);
      assert.match(stale.body, /Valore salvato ora: <strong>5C<\/strong>/);
      assert.equal(valueOf(stale.body, 'classe'), '1A');
      assert.equal((await db.selectFrom('pupil').select('class_name').where('id', '=', pupil.pupilId).executeTakeFirstOrThrow()).class_name, '5C');
      const audit = await db.selectFrom('audit_event').select(['before_json', 'after_json']).where('action', '=', 'pupil.update').where('subject_id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      assert.equal(JSON.parse(audit.before_json!).class_name, '4C');
      assert.equal(JSON.parse(audit.after_json!).class_name, '5C');

      const fresh = formFields((await office.get(url)).body);
      const badDate = await office.post(url, { ...fresh, data_nascita: '32/01/2018' });
      assert.equal(badDate.statusCode, 422);
      assert.match(badDate.body, /Scrivi una data che esiste/);
      const nul = await office.post(url, { ...fresh, nome: 'x\u0000' });
      assert.equal(nul.statusCode, 422);
      assert.match(nul.body, /caratteri non ammessi/);
      const twice = await postRaw(office, url, withTwice(fresh, 'classe'));
      assert.equal(twice.statusCode, 422);
      assert.match(twice.body, /Classe: Valore non valido/);
      const taken = await office.post(url, { ...fresh, codice_fiscale: holder.fiscalCode });
      assert.equal(taken.statusCode, 422);
      assert.match(taken.body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${holder.id}"`));
      assert.equal((await db.selectFrom('pupil').select('version').where('id', '=', pupil.pupilId).executeTakeFirstOrThrow()).version, 2, 'nothing written');
    });

    it('keeps a parent, the kitchen, anonymous visitors and another ente’s operator out', async () => {
      const family = await buildFamily(db, enteId);
      const pupilId = family.pupils[0]!.pupilId;
      const urls = [NEW, `/demo/ufficio/anagrafe/alunni/${pupilId}/modifica`];
      for (const url of urls) {
        const answer = await new Browser(t.app).get(url);
        assert.ok([302, 303].includes(answer.statusCode) && /^\/auth\/login/.test(String(answer.headers.location)), url);
      }
      for (const who of [ADA, LUCA]) {
        const browser = new Browser(t.app);
        const home = await browser.login(who, { returnTo: '/demo/' });
        for (const url of urls) assert.equal((await browser.get(url)).statusCode, 403, `${who} ${url}`);
        const pupils = await count(db, 'pupil');
        assert.equal((await browser.post(NEW, { _csrf: browser.csrfFrom(home.body), passo: '1', alunno_codice_fiscale: freshCode(), intestatario_codice_fiscale: freshCode() })).statusCode, 403);
        assert.equal(await count(db, 'pupil'), pupils);
      }
      const stranger = new Browser(t.app);
      const own = await stranger.loginAs(await buildOperator(db, await enteIdOf(db, 'unione-colline'), 'operatore'), { returnTo: '/unione-colline/ufficio/' });
      for (const url of urls) assert.equal((await stranger.get(url)).statusCode, 403, url);
      const theirs = await stranger.get(`/unione-colline/ufficio/anagrafe/alunni/${pupilId}/modifica`);
      assert.equal(theirs.statusCode, 404);
      assert.doesNotMatch(theirs.body, new RegExp(family.pupils[0]!.familyName));
      const posted = await stranger.post(`/unione-colline/ufficio/anagrafe/alunni/${pupilId}/modifica`, { _csrf: stranger.csrfFrom(own.body), classe: '1A' });
      assert.equal(posted.statusCode, 404);
    });
  });
}
