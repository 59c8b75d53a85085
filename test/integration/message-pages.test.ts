import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueMessages } from '../../src/domain/messages/outbox';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

const NOW = '2026-11-26T10:00:00+01:00';
const t = messages.messages;

for (const { engine, skip } of testEngines()) {
  describe(`message pages on ${engine}: the adult's preferences, the office's messages and history`, { skip }, () => {
    let app: TestApp;
    let enteId: number;
    const db = () => app.database.db;
    const outboxOf = (personId: number) => db().selectFrom('message_outbox').selectAll().where('person_id', '=', personId).orderBy('id').execute();

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
    });
    after(async () => {
      await app?.close();
    });

    it('an adult chooses App IO only for new documents; the next new document queues one App IO message and no e-mail', async () => {
      const parent = await buildPerson(db(), enteId, { email: 'scelta@esempio.invalid' });
      const pupil = await buildPupil(db(), enteId, [{ person: parent, relation: 'cointestatario' }]);
      const browser = new Browser(app.app);
      await browser.loginAs(parent, { returnTo: '/demo/preferenze-messaggi' });
      const page = await browser.get('/demo/preferenze-messaggi');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(t.preferences.title));
      assert.match(page.body, /scelta@esempio\.invalid/, 'the address from the registry is shown');
      const form: Record<string, string> = { _csrf: browser.csrfFrom(page.body), io_new_document: '1', email_due_soon: '1', email_office: '1', io_office: '1' };
      const saved = await browser.post('/demo/preferenze-messaggi', form);
      assert.equal(saved.statusCode, 303);
      const shown = await browser.follow(saved);
      assert.match(shown.body, new RegExp(t.preferences.saved));
      assert.match(shown.body, /id="io-new_document" name="io_new_document" value="1" checked/);
      assert.doesNotMatch(shown.body, /id="email-new_document" name="email_new_document" value="1" checked/);
      await db().transaction().execute((trx) => queueMessages(trx, { enteId, kind: 'new_document', eventKey: 'pages-test:document', pupilId: pupil.pupilId }));
      await db().transaction().execute((trx) => queueMessages(trx, { enteId, kind: 'office', eventKey: 'pages-test:office', pupilId: pupil.pupilId }));
      const rows = await outboxOf(parent.id);
      assert.deepEqual(rows.map((r) => `${r.kind}:${r.channel}`), ['new_document:io', 'office:email', 'office:io']);
    });

    it('refuses a tampered preferences form with 422, writing nothing; a person who follows no pupil sees the error page', async () => {
      const parent = await buildPerson(db(), enteId);
      await buildPupil(db(), enteId, [{ person: parent, relation: 'intestatario' }]);
      const browser = new Browser(app.app);
      await browser.loginAs(parent, { returnTo: '/demo/preferenze-messaggi' });
      const page = await browser.get('/demo/preferenze-messaggi');
      for (const value of ['2', 'x\u0000', '1'.repeat(100000).slice(0, 3)]) {
        const refused = await browser.post('/demo/preferenze-messaggi', { _csrf: browser.csrfFrom(page.body), email_new_document: value });
        assert.equal(refused.statusCode, 422, JSON.stringify(value));
        assert.match(refused.body, /id="errori"/);
      }
      const none = await db().selectFrom('message_preference').select('kind').where('person_id', '=', parent.id).execute();
      assert.equal(none.length, 0);
      const missingToken = await browser.post('/demo/preferenze-messaggi', { io_new_document: '1' });
      assert.equal(missingToken.statusCode, 403);

      const stranger = await buildPerson(db(), enteId);
      const other = new Browser(app.app);
      await other.loginAs(stranger, { returnTo: '/demo/preferenze-messaggi' });
      assert.equal((await other.get('/demo/preferenze-messaggi')).statusCode, 403);
    });

    it('the office writes to the families of a class, previews, sends once; the family\'s history shows it', async () => {
      const school = await db().selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow();
      const adults = [await buildPerson(db(), enteId), await buildPerson(db(), enteId), await buildPerson(db(), enteId)];
      await buildPupil(db(), enteId, [{ person: adults[0]!, relation: 'intestatario' }, { person: adults[1]!, relation: 'cointestatario' }], { className: '9Z', givenName: 'Zelia' });
      await buildPupil(db(), enteId, [{ person: adults[2]!, relation: 'intestatario' }], { className: '9Z' });
      const office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
      const page = await office.get('/demo/ufficio/messaggi');
      assert.equal(page.statusCode, 200);
      const form = {
        _csrf: office.csrfFrom(page.body), destinatari: 'class', scuola: String(school.id), classe: '9z', servizio: '',
        oggetto: 'Sciopero del 4 dicembre', testo: 'Giovedì 4 dicembre la mensa resta chiusa per sciopero del personale.',
      };
      const preview = await office.post('/demo/ufficio/messaggi/anteprima', form);
      assert.equal(preview.statusCode, 200);
      assert.match(preview.body, new RegExp(t.office.previewCount(2)));
      assert.match(preview.body, /Zelia: Sciopero del 4 dicembre/);
      const key = /name="submissionKey" value="([^"]+)"/.exec(preview.body)![1]!;
      const sent = await office.post('/demo/ufficio/messaggi', { ...form, submissionKey: key });
      assert.equal(sent.statusCode, 303);
      assert.match((await office.follow(sent)).body, new RegExp(t.office.sent(2)));
      const again = await office.post('/demo/ufficio/messaggi', { ...form, submissionKey: key });
      assert.equal(again.statusCode, 303);
      for (const adult of adults) {
        const rows = await outboxOf(adult.id);
        assert.equal(rows.length, 1, 'one e-mail per adult, even when the form is sent twice');
        assert.equal(rows[0]!.kind, 'office');
      }
      const audit = await db().selectFrom('audit_event').select('after_json').where('action', '=', 'office.message.send').execute();
      assert.equal(audit.length, 1);
      await app.app.services.messages.deliverDue();
      const history = await office.get(`/demo/ufficio/messaggi/persone/${adults[0]!.id}`);
      assert.equal(history.statusCode, 200);
      assert.match(history.body, new RegExp(t.history.states.sent));
      assert.match(history.body, /Zelia/);
      assert.equal((await office.get('/demo/ufficio/messaggi/persone/999999999')).statusCode, 404);
    });

    it('refuses bad office input with 422 and the form kept, writing nothing; a school operator may not send', async () => {
      const office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
      const page = await office.get('/demo/ufficio/messaggi');
      const csrf = office.csrfFrom(page.body);
      const school = await db().selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow();
      const before = (await db().selectFrom('message_outbox').select('id').execute()).length;
      const good = { _csrf: csrf, destinatari: 'school', scuola: String(school.id), classe: '', servizio: '', oggetto: 'Avviso importante', testo: 'Un testo abbastanza lungo per essere valido.' };
      for (const [field, value] of [['oggetto', 'No'], ['testo', 'Testo con \u0000 dentro, abbastanza lungo'], ['scuola', '99999999999999999999'], ['destinatari', 'tutti'], ['scuola', '999999']] as const) {
        const refused = await office.post('/demo/ufficio/messaggi/anteprima', { ...good, [field]: value });
        assert.equal(refused.statusCode, 422, `${field}=${JSON.stringify(value)}`);
        assert.match(refused.body, /id="errori"/);
        assert.match(refused.body, /Avviso importante|No/);
        const sendRefused = await office.post('/demo/ufficio/messaggi', { ...good, [field]: value, submissionKey: 'abcdefgh-1234' });
        assert.equal(sendRefused.statusCode, 422);
      }
      assert.equal((await db().selectFrom('message_outbox').select('id').execute()).length, before);

      const teacher = await buildOperator(db(), enteId, 'scuola', school.id);
      const other = new Browser(app.app);
      await other.loginAs(teacher, { returnTo: '/demo/ufficio/' });
      assert.equal((await other.get('/demo/ufficio/messaggi')).statusCode, 403);
    });

    it('the office sets the ente\'s "due in N days"; bad input is refused with 422 and nothing written', async () => {
      const office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
      const page = await office.get('/demo/ufficio/messaggi');
      assert.match(page.body, /name="giorni" value="5"/, 'five days until the office says otherwise');
      const csrf = office.csrfFrom(page.body);
      for (const bad of ['61', '-1', 'x\u0000', '99999999999999999999', '']) {
        const refused = await office.post('/demo/ufficio/messaggi/scadenze', { _csrf: csrf, giorni: bad });
        assert.equal(refused.statusCode, 422, JSON.stringify(bad));
        assert.match(refused.body, /id="errori"/);
      }
      assert.equal((await db().selectFrom('message_setting').selectAll().execute()).length, 0);
      const saved = await office.post('/demo/ufficio/messaggi/scadenze', { _csrf: csrf, giorni: '3' });
      assert.equal(saved.statusCode, 303);
      assert.match((await office.follow(saved)).body, new RegExp(t.office.dueDays.saved));
      assert.deepEqual(await db().selectFrom('message_setting').select(['ente_id', 'due_days']).execute(), [{ ente_id: enteId, due_days: 3 }]);
      const audit = await db().selectFrom('audit_event').select(['before_json', 'after_json']).where('action', '=', 'office.message-setting.save').execute();
      assert.deepEqual(audit.map((a) => [JSON.parse(a.before_json!), JSON.parse(a.after_json!)]), [[{ due_days: 5 }, { due_days: 3 }]]);
    });

    it('the sandbox pages list what they received', async () => {
      const mail = await app.app.inject({ url: '/mail-sandbox/' });
      assert.equal(mail.statusCode, 200);
      const io = await app.app.inject({ url: '/io-sandbox/' });
      assert.equal(io.statusCode, 200);
      const profile = await app.app.inject({ method: 'POST', url: '/io-sandbox/profili', payload: { codice_fiscale: 'lvldaa85t50g702b', accetta: '1' } });
      assert.equal(profile.statusCode, 303);
      assert.match((await app.app.inject({ url: '/io-sandbox/' })).body, /LVLDAA85T50G702B/);
      assert.equal((await app.app.inject({ method: 'POST', url: '/io-sandbox/profili', payload: { codice_fiscale: 'x\u0000', accetta: '1' } })).statusCode, 422);
    });
  });
}
