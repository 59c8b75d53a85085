import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { InvalidInputError } from '../../src/domain/errors';
import { Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

let made = 0;
/** A new person with a valid, unique codice fiscale (not in the database yet). */
function newPerson(familyName = 'Nuovi'): BuiltPerson & { id: 0 } {
  made++;
  const givenName = ['Alba', 'Bice', 'Celsa', 'Dina', 'Ebe', 'Fosca', 'Gilda', 'Irma'][made % 8]!;
  const fiscalCode = fiscalCodeFor({ familyName, givenName, sex: 'F', birthDate: `1980-0${1 + (made % 9)}-${String(1 + ((made * 3 + process.pid) % 28)).padStart(2, '0')}`, placeCode: 'H501' });
  return { id: 0, fiscalCode, givenName, familyName };
}

for (const { engine, skip } of testEngines()) {
  describe(`operators of an ente on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    let schoolId: number;
    let admin: BuiltPerson;
    let boss: Browser;

    const db = () => t.database.db;
    const operatorCount = async () => Number((await db().selectFrom('operator').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const changeCount = async () =>
      Number((await db().selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('action', 'like', 'office.operator.%').executeTakeFirstOrThrow()).n);
    const operatorRow = (fiscalCode: string, ente = enteId) =>
      db().selectFrom('operator').selectAll().where('ente_id', '=', ente).where('fiscal_code', '=', fiscalCode).executeTakeFirstOrThrow();
    const lastChange = (action: string, subjectId: number) =>
      db().selectFrom('audit_event').selectAll().where('action', '=', action).where('subject_id', '=', subjectId).orderBy('id', 'desc').executeTakeFirstOrThrow();

    async function addThroughForm(browser: Browser, fields: Record<string, string>, slug = 'demo') {
      const form = await browser.get(`/${slug}/ufficio/operatori/nuovo`);
      assert.equal(form.statusCode, 200);
      return browser.post(`/${slug}/ufficio/operatori/nuovo`, { _csrf: browser.csrfFrom(form.body), ...fields });
    }

    before(async () => {
      t = await startTestApp(engine);
      enteId = await enteIdOf(db());
      schoolId = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow()).id;
      admin = await buildOperator(db(), enteId, 'amministratore');
      boss = new Browser(t.app);
      assert.equal((await boss.loginAs(admin, { returnTo: '/demo/ufficio/operatori' })).statusCode, 200);
    });
    after(async () => {
      await t?.close();
    });

    it('lists the ente’s operators with CF, role, school and state', async () => {
      const teacher = await buildOperator(db(), enteId, 'scuola', schoolId);
      const page = await boss.get('/demo/ufficio/operatori');
      assert.equal(page.statusCode, 200);
      for (const cf of [MARCO, LUCA, admin.fiscalCode, teacher.fiscalCode]) assert.match(page.body, new RegExp(cf));
      const school = await db().selectFrom('school').select('name').where('id', '=', schoolId).executeTakeFirstOrThrow();
      assert.match(page.body, new RegExp(school.name));
      assert.match(page.body, /<table class="table table-stack">/);
      // Another ente's operators are not listed.
      const foreign = await buildOperator(db(), await enteIdOf(db(), 'unione-colline'), 'operatore');
      assert.doesNotMatch((await boss.get('/demo/ufficio/operatori?stato=tutti')).body, new RegExp(foreign.fiscalCode));
    });

    it('adds an operator who can then enter the office, audited', async () => {
      const person = newPerson();
      const added = await addThroughForm(boss, { codice_fiscale: person.fiscalCode.toLowerCase(), nome: person.givenName, cognome: person.familyName, ruolo: 'operatore', scuola: '' });
      assert.equal(added.statusCode, 303);
      assert.equal(added.headers.location, '/demo/ufficio/operatori?fatto=aggiunto');
      const row = await operatorRow(person.fiscalCode);
      assert.equal(row.role, 'operatore');
      assert.equal(row.active, 1);
      assert.equal(row.school_id, null);
      const event = await lastChange('office.operator.add', row.id);
      assert.equal(event.actor_fiscal_code, admin.fiscalCode);
      assert.equal(event.before_json, null);
      assert.deepEqual(JSON.parse(event.after_json!), { fiscalCode: person.fiscalCode, givenName: person.givenName, familyName: person.familyName, role: 'operatore', schoolId: null, active: true });
      assert.match((await boss.get('/demo/ufficio/operatori?fatto=aggiunto')).body, /Operatore aggiunto\./);
      const newcomer = new Browser(t.app);
      assert.equal((await newcomer.loginAs(person, { returnTo: '/demo/ufficio/' })).statusCode, 200);

      // A school operator needs a school of this ente.
      const teacher = newPerson('Scolari');
      assert.equal((await addThroughForm(boss, { codice_fiscale: teacher.fiscalCode, nome: teacher.givenName, cognome: teacher.familyName, ruolo: 'scuola', scuola: String(schoolId) })).statusCode, 303);
      assert.equal((await operatorRow(teacher.fiscalCode)).school_id, schoolId);
    });

    it('refuses bad input with each field’s message, 422, the input kept and nothing written', async () => {
      const operators = await operatorCount();
      const changes = await changeCount();
      const person = newPerson('Errati');
      const good = { codice_fiscale: person.fiscalCode, nome: person.givenName, cognome: person.familyName, ruolo: 'operatore', scuola: '' };
      const foreignSchool = (await db().selectFrom('school').select('id').where('ente_id', '=', await enteIdOf(db(), 'unione-colline')).executeTakeFirstOrThrow()).id;
      const wrongCheck = `${person.fiscalCode.slice(0, 15)}${person.fiscalCode[15] === 'A' ? 'B' : 'A'}`;
      const cases: [Record<string, string>, RegExp][] = [
        [{ codice_fiscale: wrongCheck }, /Scrivi un codice fiscale di persona valido/],
        [{ codice_fiscale: '00000000000' }, /Scrivi un codice fiscale di persona valido/],
        [{ codice_fiscale: '' }, /Campo obbligatorio\./],
        [{ nome: '' }, /Campo obbligatorio\./],
        [{ nome: 'R2D2' }, /Scrivi il nome con lettere/],
        [{ cognome: 'Rossi\u0000' }, /Contiene caratteri non ammessi/],
        [{ cognome: 'x'.repeat(101) }, /Testo troppo lungo\./],
        [{ cognome: 'y'.repeat(5000) }, /Testo troppo lungo\./],
        [{ ruolo: 'superutente' }, /Scegli un ruolo dall’elenco\./],
        [{ ruolo: 'scuola', scuola: '' }, /Per il ruolo scuola indica la scuola\./],
        [{ ruolo: 'scuola', scuola: String(foreignSchool) }, /Scegli una scuola dell’ente\./],
        [{ ruolo: 'scuola', scuola: '99999999999999999999' }, /Scegli una scuola dell’ente\./],
        [{ codice_fiscale: MARCO }, /Questa persona è già un operatore attivo dell’ente\./],
      ];
      for (const [fields, message] of cases) {
        const refused = await addThroughForm(boss, { ...good, ...fields });
        assert.equal(refused.statusCode, 422, JSON.stringify(fields).slice(0, 80));
        assert.match(refused.body, message, JSON.stringify(fields).slice(0, 80));
        assert.match(refused.body, /class="alert alert-danger error-summary"/);
      }
      const typed = await addThroughForm(boss, { ...good, nome: 'R2D2' });
      assert.match(typed.body, /value="R2D2"/, 'what was typed stays');
      // A field sent twice.
      const form = await boss.get('/demo/ufficio/operatori/nuovo');
      const twice = await boss.request({
        method: 'POST',
        url: '/demo/ufficio/operatori/nuovo',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(boss.csrfFrom(form.body))}&codice_fiscale=${person.fiscalCode}&nome=A&nome=B&cognome=C&ruolo=operatore&scuola=`,
      });
      assert.equal(twice.statusCode, 422);
      assert.equal(await operatorCount(), operators);
      assert.equal(await changeCount(), changes);
      // And without the CSRF token, nothing at all.
      assert.equal((await boss.post('/demo/ufficio/operatori/nuovo', good)).statusCode, 403);
      assert.equal(await operatorCount(), operators);
    });

    it('changes a role: the operator loses what the old role allowed on the next request', async () => {
      const clerk = await buildOperator(db(), enteId, 'operatore');
      const browser = new Browser(t.app);
      assert.equal((await browser.loginAs(clerk, { returnTo: '/demo/ufficio/ricevute' })).statusCode, 200);
      const page = await boss.get(`/demo/ufficio/operatori/${clerk.id}`);
      assert.equal(page.statusCode, 200);
      const version = /name="versione" value="(\d+)"/.exec(page.body)![1]!;
      const saved = await boss.post(`/demo/ufficio/operatori/${clerk.id}`, { _csrf: boss.csrfFrom(page.body), versione: version, ruolo: 'cucina', scuola: '' });
      assert.equal(saved.statusCode, 303);
      assert.equal((await operatorRow(clerk.fiscalCode)).role, 'cucina');
      const event = await lastChange('office.operator.role', clerk.id);
      assert.deepEqual(JSON.parse(event.before_json!), { role: 'operatore' });
      assert.deepEqual(JSON.parse(event.after_json!), { role: 'cucina' });
      // Same session, next request.
      assert.equal((await browser.get('/demo/ufficio/ricevute')).statusCode, 403);
      assert.equal((await browser.get('/demo/ufficio/pasti')).statusCode, 200);
    });

    it('refuses the second of two saves made from the same version, showing the value saved now', async () => {
      const clerk = await buildOperator(db(), enteId, 'operatore');
      const page = await boss.get(`/demo/ufficio/operatori/${clerk.id}`);
      const token = boss.csrfFrom(page.body);
      const version = /name="versione" value="(\d+)"/.exec(page.body)![1]!;
      assert.equal((await boss.post(`/demo/ufficio/operatori/${clerk.id}`, { _csrf: token, versione: version, ruolo: 'cucina', scuola: '' })).statusCode, 303);
      const changes = await changeCount();
      const second = await boss.post(`/demo/ufficio/operatori/${clerk.id}`, { _csrf: token, versione: version, ruolo: 'amministratore', scuola: '' });
      assert.equal(second.statusCode, 409);
      assert.match(second.body, /Nel frattempo un altro operatore ha modificato questi dati/);
      assert.match(second.body, /<dd class="col-sm-8">cucina<span class="d-block small">\(Valore salvato ora\)<\/span><\/dd>/);
      assert.match(second.body, /<option value="amministratore" selected>/, 'the choice made is kept');
      assert.equal((await operatorRow(clerk.fiscalCode)).role, 'cucina');
      assert.equal(await changeCount(), changes);
      const stale = await boss.post(`/demo/ufficio/operatori/${clerk.id}/rimuovi`, { _csrf: token, versione: version });
      assert.equal(stale.statusCode, 409);
      assert.equal((await operatorRow(clerk.fiscalCode)).active, 1);
    });

    it('removes an operator, who gets 403 at once; adding the same CF again reactivates the same row', async () => {
      const clerk = await buildOperator(db(), enteId, 'operatore');
      const browser = new Browser(t.app);
      assert.equal((await browser.loginAs(clerk, { returnTo: '/demo/ufficio/' })).statusCode, 200);
      const page = await boss.get(`/demo/ufficio/operatori/${clerk.id}`);
      const version = /name="versione" value="(\d+)"/.exec(page.body)![1]!;
      const removed = await boss.post(`/demo/ufficio/operatori/${clerk.id}/rimuovi`, { _csrf: boss.csrfFrom(page.body), versione: version });
      assert.equal(removed.statusCode, 303);
      assert.equal(removed.headers.location, '/demo/ufficio/operatori?fatto=rimosso');
      const row = await operatorRow(clerk.fiscalCode);
      assert.equal(row.active, 0, 'kept for the audit trail, inactive');
      const event = await lastChange('office.operator.remove', clerk.id);
      assert.deepEqual(JSON.parse(event.before_json!), { active: true });
      assert.deepEqual(JSON.parse(event.after_json!), { active: false });
      assert.equal((await browser.get('/demo/ufficio/')).statusCode, 403, 'the next request of the same session');
      assert.doesNotMatch((await browser.get('/demo/')).body, /Area ufficio/);
      assert.doesNotMatch((await boss.get('/demo/ufficio/operatori')).body, new RegExp(clerk.fiscalCode), 'the default list shows the active ones');
      assert.match((await boss.get('/demo/ufficio/operatori?stato=tutti')).body, new RegExp(`${clerk.fiscalCode}</span></td><td data-label="Ruolo">operatore</td><td data-label="Scuola">—</td><td data-label="Stato">Rimosso`));

      const readded = await addThroughForm(boss, { codice_fiscale: clerk.fiscalCode, nome: clerk.givenName, cognome: clerk.familyName, ruolo: 'cucina', scuola: '' });
      assert.equal(readded.statusCode, 303);
      assert.equal(readded.headers.location, '/demo/ufficio/operatori?fatto=riattivato');
      const again = await operatorRow(clerk.fiscalCode);
      assert.equal(again.id, clerk.id);
      assert.equal(again.active, 1);
      assert.equal(again.role, 'cucina');
      const reactivation = await lastChange('office.operator.reactivate', clerk.id);
      assert.deepEqual(JSON.parse(reactivation.after_json!), { role: 'cucina', active: true });
      assert.equal((await browser.get('/demo/ufficio/pasti')).statusCode, 200);
    });

    it('never leaves an ente without an active amministratore, even with two removals at once', async () => {
      const slug = 'unione-colline';
      const otherId = await enteIdOf(db(), slug);
      const ente = (await t.app.services.enti.bySlug(slug)) as Ente;
      const only = await buildOperator(db(), otherId, 'amministratore');
      const browser = new Browser(t.app);
      assert.equal((await browser.loginAs(only, { returnTo: `/${slug}/ufficio/operatori/${only.id}` })).statusCode, 200);
      const page = await browser.get(`/${slug}/ufficio/operatori/${only.id}`);
      const token = browser.csrfFrom(page.body);
      const version = /name="versione" value="(\d+)"/.exec(page.body)![1]!;
      const demoted = await browser.post(`/${slug}/ufficio/operatori/${only.id}`, { _csrf: token, versione: version, ruolo: 'operatore', scuola: '' });
      assert.equal(demoted.statusCode, 422);
      assert.match(demoted.body, /È l’ultimo amministratore attivo dell’ente/);
      const removed = await browser.post(`/${slug}/ufficio/operatori/${only.id}/rimuovi`, { _csrf: token, versione: version });
      assert.equal(removed.statusCode, 422);
      assert.match(removed.body, /È l’ultimo amministratore attivo dell’ente/);
      assert.equal((await operatorRow(only.fiscalCode, otherId)).role, 'amministratore');
      assert.equal((await operatorRow(only.fiscalCode, otherId)).active, 1);

      // Two administrators remove each other (or demote) at the same moment, a few times over: one wins each time.
      const activeAdmins = async () =>
        (await db().selectFrom('operator').select('id').where('ente_id', '=', otherId).where('role', '=', 'amministratore').where('active', '=', 1).execute()).map((r) => r.id);
      const contextOf = (fiscalCode: string) => t.app.services.operators.authorize(ente, { fiscalCode }, 'operators.manage');
      for (let round = 0; round < 6; round++) {
        const [survivorId] = await activeAdmins();
        const survivor = await db().selectFrom('operator').selectAll().where('id', '=', survivorId!).executeTakeFirstOrThrow();
        const fresh = await buildOperator(db(), otherId, 'amministratore');
        const [a, b] = await Promise.all([contextOf(survivor.fiscal_code), contextOf(fresh.fiscalCode)]);
        const versionOf = async (id: number) => (await db().selectFrom('operator').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
        const [va, vb] = [await versionOf(survivor.id), await versionOf(fresh.id)];
        const management = t.app.services.operatorManagement;
        const results = await Promise.allSettled(
          round % 2 === 0
            ? [management.remove(a, fresh.id, vb), management.remove(b, survivor.id, va)]
            : [management.changeRole(a, fresh.id, vb, { role: 'operatore', schoolId: null }), management.remove(b, survivor.id, va)],
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1, `round ${round}: exactly one succeeds (${lost.map((r) => String(r.reason)).join('; ')})`);
        assert.ok(lost[0]!.reason instanceof InvalidInputError, String(lost[0]!.reason));
        assert.equal((await activeAdmins()).length, 1, `round ${round}: one administrator left`);
      }
    });

    it('lets only the amministratore manage operators: not an operatore, cucina, scuola, a parent, anonymous or another ente’s admin', async () => {
      const target = await buildOperator(db(), enteId, 'operatore');
      const otherAdmin = await buildOperator(db(), await enteIdOf(db(), 'unione-colline'), 'amministratore');
      const { holder } = await buildFamily(db(), enteId);
      const people: [string, BuiltPerson][] = [
        ['operatore', await buildOperator(db(), enteId, 'operatore')],
        ['cucina', await buildOperator(db(), enteId, 'cucina')],
        ['scuola', await buildOperator(db(), enteId, 'scuola', schoolId)],
        ['parent', holder],
        ['other ente', otherAdmin],
      ];
      const operators = await operatorCount();
      const person = newPerson('Intrusi');
      for (const [who, someone] of people) {
        const browser = new Browser(t.app);
        const landed = await browser.loginAs(someone, { returnTo: '/demo/ufficio/operatori' });
        assert.equal(landed.statusCode, 403, who);
        const token = /name="_csrf" value="([^"]+)"/.exec(landed.body)?.[1] ?? '';
        for (const path of ['/demo/ufficio/operatori', '/demo/ufficio/operatori/nuovo', `/demo/ufficio/operatori/${target.id}`]) {
          assert.equal((await browser.get(path)).statusCode, 403, `${who} GET ${path}`);
        }
        assert.equal((await browser.post('/demo/ufficio/operatori/nuovo', { _csrf: token, codice_fiscale: person.fiscalCode, nome: 'A', cognome: 'B', ruolo: 'amministratore', scuola: '' })).statusCode, 403, who);
        assert.equal((await browser.post(`/demo/ufficio/operatori/${target.id}`, { _csrf: token, versione: '1', ruolo: 'amministratore', scuola: '' })).statusCode, 403, who);
        assert.equal((await browser.post(`/demo/ufficio/operatori/${target.id}/rimuovi`, { _csrf: token, versione: '1' })).statusCode, 403, who);
      }
      // The other ente's administrator, in their own ente, does not find this ente's operators.
      const foreign = new Browser(t.app);
      await foreign.loginAs(otherAdmin, { returnTo: '/unione-colline/ufficio/operatori' });
      assert.equal((await foreign.get(`/unione-colline/ufficio/operatori/${target.id}`)).statusCode, 404);
      const anonymous = new Browser(t.app);
      const refused = await anonymous.get('/demo/ufficio/operatori');
      assert.match(String(refused.headers.location), /^\/auth\/login/);
      assert.equal((await anonymous.post('/demo/ufficio/operatori/nuovo', { codice_fiscale: person.fiscalCode })).statusCode, 403);
      assert.equal(await operatorCount(), operators);
      assert.equal((await operatorRow(target.fiscalCode)).role, 'operatore');
      assert.equal((await operatorRow(target.fiscalCode)).active, 1);
    });
  });
}
