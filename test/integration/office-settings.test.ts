import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { uniqueViolation } from '../../src/db/unique-violation';
import { settingsTyped } from '../../src/web/backoffice/impostazioni/views';
import { ADA, Browser, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { multipart, samplePng } from '../helpers/files';

const NOW = '2026-11-26T08:00:00+01:00';

for (const { engine, skip } of testEngines()) {
  describe(`the ente's settings and schools on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    let admin: BuiltPerson;
    let boss: Browser;

    const db = () => t.database.db;
    const enteRow = async (id = enteId) => (await db().selectFrom('ente').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as Ente;
    const changeCount = async (prefix: string) =>
      Number((await db().selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('action', 'like', `${prefix}%`).executeTakeFirstOrThrow()).n);
    const lastChange = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const versionOn = (html: string) => /name="versione" value="(\d+)"/.exec(html)![1]!;

    /** The settings form as the page shows it now, with `changes` typed over it; sent with the page's token and version. */
    async function saveSettings(changes: Record<string, string>, browser = boss) {
      const form = await browser.get('/demo/ufficio/impostazioni');
      assert.equal(form.statusCode, 200);
      const typed = settingsTyped(await enteRow()) as Record<string, string>;
      return browser.post('/demo/ufficio/impostazioni', { _csrf: browser.csrfFrom(form.body), versione: versionOn(form.body), ...typed, ...changes });
    }

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      admin = await buildOperator(db(), enteId, 'amministratore');
      boss = new Browser(t.app);
      assert.equal((await boss.loginAs(admin, { returnTo: '/demo/ufficio/impostazioni' })).statusCode, 200);
    });
    after(async () => {
      await t?.close();
    });

    it('saves the settings, audited with before and after, and every page shows the new contacts at once', async () => {
      const before = await enteRow();
      // A parent's page is rendered (its footer and contacts cached for this ente version) before the change.
      const family = await buildFamily(db(), enteId);
      const parent = new Browser(t.app);
      await parent.loginAs(family.holder, { returnTo: '/demo/scheda-anagrafica' });
      assert.match((await parent.get('/demo/scheda-anagrafica')).body, new RegExp(before.office_email.replace('.', '\\.')));

      const saved = await saveSettings({
        nome_ufficio: 'Ufficio Mense',
        email_ufficio: 'mense@esempio.example',
        telefono_ufficio: '+39 06 1234 5678',
        orari_ufficio: 'Lun–Ven 8:30–12:30',
        indirizzo_ufficio: 'Piazza Nuova 1, 00100 Esempio',
        orario_limite: '9.45',
        ricarica_minima: '10',
        ricarica_massima: '300,50',
        iban: 'it60 x054 2811 1010 0000 0123 456',
        cbill: 'zz9yy',
        conto_postale: '1234 5678',
        autorizzazione_poste: 'AUT. 123 del 01/01/2026',
        nome_con_articolo: 'il Comune di Esempio',
        stato_accessibilita: 'parzialmente_conforme',
        data_dichiarazione: '20/09/2026',
        email_accessibilita: 'accessibilita@esempio.example',
        contenuti_non_accessibili: 'I PDF degli avvisi non sono accessibili.\r\nChiedili in formato testo all’ufficio.',
      });
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, '/demo/ufficio/impostazioni?fatto=salvato');
      const now = await enteRow();
      assert.equal(now.office_name, 'Ufficio Mense');
      assert.equal(now.cutoff_time, '09:45');
      assert.equal(now.topup_min_cents, 1000);
      assert.equal(now.topup_max_cents, 30050);
      assert.equal(now.iban, 'IT60X0542811101000000123456');
      assert.equal(now.cbill, 'ZZ9YY');
      assert.equal(now.postal_account, '12345678');
      assert.equal(now.accessibility_statement_date, '2026-09-20');
      assert.equal(now.accessibility_non_accessible, 'I PDF degli avvisi non sono accessibili.\nChiedili in formato testo all’ufficio.');
      assert.equal(now.version, before.version + 1);
      assert.ok(now.data_version > before.data_version, 'the ente’s data version is raised');

      const event = await lastChange('office.settings.update');
      assert.equal(event.actor_fiscal_code, admin.fiscalCode);
      assert.equal(event.subject_type, 'ente');
      assert.equal(event.subject_id, enteId);
      const [was, is] = [JSON.parse(event.before_json!), JSON.parse(event.after_json!)];
      assert.equal(was.office_email, before.office_email);
      assert.equal(is.office_email, 'mense@esempio.example');
      assert.equal(was.cutoff_time, '09:30');
      assert.equal(is.cutoff_time, '09:45');
      assert.equal(is.topup_max_cents, 30050);
      assert.ok(!('tax_code' in is), 'only the fields that changed');

      // The parent's next page: the new contacts in the box and the footer, the name in a sentence.
      const scheda = (await parent.get('/demo/scheda-anagrafica')).body;
      assert.match(scheda, /mense@esempio\.example/);
      assert.match(scheda, /Ufficio Mense/);
      assert.doesNotMatch(scheda, new RegExp(before.office_email.replace('.', '\\.')));
      assert.match(scheda, /href="\/demo\/dichiarazione-accessibilita"/);
      const absences = (await parent.get('/demo/assenze')).body;
      assert.match(absences, /09:45/);
      // The top-up page tells the new bounds (Ada's children have badges to top up).
      const ada = new Browser(t.app);
      await ada.login(ADA, { returnTo: '/demo/ricariche' });
      assert.match((await ada.get('/demo/ricariche')).body, /10,00\s*€[\s\S]*300,50\s*€/);

      // The ente's accessibility statement shows its facts.
      const statement = await new Browser(t.app).get('/demo/dichiarazione-accessibilita');
      assert.equal(statement.statusCode, 200);
      assert.match(statement.body, /Il Comune di Esempio si impegna/);
      assert.match(statement.body, /Questo sito è parzialmente conforme/);
      assert.match(statement.body, /redatta il 20\/09\/2026/);
      assert.match(statement.body, /<p>I PDF degli avvisi non sono accessibili\.<\/p><p>Chiedili in formato testo all’ufficio\.<\/p>/);
      assert.match(statement.body, /mailto:accessibilita@esempio\.example/);
      // The other ente has not filled its own in: the general text, its office's e-mail for feedback.
      const other = await enteRow(await enteIdOf(db(), 'unione-colline'));
      const otherStatement = (await new Browser(t.app).get('/unione-colline/dichiarazione-accessibilita')).body;
      assert.match(otherStatement, /non ha ancora compilato/);
      assert.match(otherStatement, new RegExp(`mailto:${other.office_email.replace('.', '\\.')}`));
      // The general statement links to each ente's.
      const general = (await new Browser(t.app).get('/dichiarazione-accessibilita')).body;
      assert.match(general, /href="\/demo\/dichiarazione-accessibilita"/);
      assert.match(general, /href="\/unione-colline\/dichiarazione-accessibilita"/);
    });

    it('refuses each bad input with its message, 422, what was typed kept and nothing written', async () => {
      const otherTaxCode = (await enteRow(await enteIdOf(db(), 'unione-colline'))).tax_code;
      const cases: [Record<string, string>, RegExp][] = [
        [{ nome_ufficio: '' }, /Campo obbligatorio\./],
        [{ nome_ufficio: 'Ufficio\u0000' }, /Contiene caratteri non ammessi/],
        [{ orari_ufficio: 'Lun\nVen' }, /Contiene caratteri non ammessi/],
        [{ indirizzo_ufficio: 'x'.repeat(201) }, /Testo troppo lungo\./],
        [{ indirizzo_ufficio: 'x'.repeat(5000) }, /Testo troppo lungo\./],
        [{ email_ufficio: 'ufficio@' }, /Scrivi un indirizzo e-mail valido/],
        [{ telefono_ufficio: 'chiamaci' }, /Scrivi un numero di telefono/],
        [{ orario_limite: '25:00' }, /Scrivi un orario nella forma hh:mm/],
        [{ orario_limite: '9' }, /Scrivi un orario nella forma hh:mm/],
        [{ orario_limite: '13:00' }, /L’orario limite deve essere tra le 06:00 e le 12:00\./],
        [{ orario_limite: '05:59' }, /L’orario limite deve essere tra le 06:00 e le 12:00\./],
        [{ ricarica_minima: 'cinque' }, /Scrivi un importo in euro/],
        [{ ricarica_minima: '99999999999999999999' }, /Scrivi un importo in euro/],
        [{ ricarica_minima: '-5' }, /Scrivi un importo in euro/],
        [{ ricarica_minima: '0,50' }, /L’importo deve essere tra 1,00 € e 2\.000,00 €\./],
        [{ ricarica_massima: '2000,01' }, /L’importo deve essere tra 1,00 € e 2\.000,00 €\./],
        [{ ricarica_minima: '50', ricarica_massima: '20' }, /La ricarica massima non può essere minore di quella minima\./],
        [{ codice_fiscale_ente: '00000000001' }, /Il codice fiscale dell’ente è di 11 cifre/],
        [{ codice_fiscale_ente: 'LVLDAA85T50G702B' }, /Il codice fiscale dell’ente è di 11 cifre/],
        [{ codice_fiscale_ente: otherTaxCode }, /Questo codice fiscale è già di un altro ente\./],
        [{ iban: 'IT60X0542811101000000123457' }, /IBAN non valido/],
        [{ iban: '', codice_segregazione: '12' }, /Con il codice di segregazione serve anche l’IBAN\./],
        [{ codice_segregazione: '' }, /Con l’IBAN serve anche il codice di segregazione\./],
        [{ codice_segregazione: '1a' }, /Il codice di segregazione è di due cifre\./],
        [{ cbill: 'AB-12' }, /Il codice CBILL è di cinque lettere o cifre\./],
        [{ conto_postale: '1234567890123' }, /al massimo 12 cifre/],
        [{ conto_postale: '', autorizzazione_poste: 'AUT. 1' }, /L’autorizzazione di Poste serve solo con un conto corrente postale/],
        [{ nome_con_articolo: 'Comune di Esempio' }, /Comincia con l’articolo/],
        [{ stato_accessibilita: 'quasi' }, /Scegli uno stato dall’elenco\./],
        [{ stato_accessibilita: '', data_dichiarazione: '', email_accessibilita: '', contenuti_non_accessibili: 'Qualcosa' }, /Indica lo stato di conformità/],
        [{ stato_accessibilita: 'conforme', data_dichiarazione: '' }, /Indica la data della dichiarazione\./],
        [{ stato_accessibilita: 'conforme', email_accessibilita: '' }, /Indica l’e-mail a cui segnalare/],
        [{ stato_accessibilita: 'non_conforme', contenuti_non_accessibili: '' }, /descrivi i contenuti non accessibili/],
        [{ data_dichiarazione: '30/02/2026' }, /Data impossibile o scritta male/],
        [{ data_dichiarazione: '27/11/2026' }, /La data è nel futuro\./],
        [{ email_accessibilita: 'a b@c.it' }, /Scrivi un indirizzo e-mail valido/],
        [{ versione: '1e3' }, /Valore non valido\./],
      ];
      const before = await enteRow();
      const changes = await changeCount('office.settings');
      for (const [fields, message] of cases) {
        const refused = await saveSettings(fields);
        const label = JSON.stringify(fields).slice(0, 80);
        assert.equal(refused.statusCode, 422, label);
        assert.match(refused.body, message, label);
        assert.match(refused.body, /class="alert alert-danger error-summary"/, label);
      }
      const typed = await saveSettings({ nome_ufficio: 'Ufficio Nuovo', telefono_ufficio: 'chiamaci' });
      assert.match(typed.body, /value="Ufficio Nuovo"/, 'what was typed stays');
      assert.match(typed.body, /value="chiamaci"/);
      assert.match(typed.body, new RegExp(`name="versione" value="${before.version}"`), 'the refused form keeps its version');
      // A field sent twice.
      const form = await boss.get('/demo/ufficio/impostazioni');
      const twice = await boss.request({
        method: 'POST',
        url: '/demo/ufficio/impostazioni',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams({ _csrf: boss.csrfFrom(form.body), versione: versionOn(form.body), ...(settingsTyped(before) as Record<string, string>) }).toString()}&orario_limite=10:00`,
      });
      assert.equal(twice.statusCode, 422);
      assert.deepEqual(await enteRow(), before, 'nothing written');
      assert.equal(await changeCount('office.settings'), changes);
      // And without the CSRF token, nothing at all.
      assert.equal((await boss.post('/demo/ufficio/impostazioni', { ...(settingsTyped(before) as Record<string, string>), versione: String(before.version), orario_limite: '10:00' })).statusCode, 403);
      assert.deepEqual(await enteRow(), before);
      // Two saves racing for one tax code: the database refuses the second, named as the service's message knows it.
      await assert.rejects(db().updateTable('ente').set({ tax_code: otherTaxCode }).where('id', '=', enteId).execute(), (error) => uniqueViolation(error) === 'ente_tax_code');
    });

    it('refuses the second of two saves made from the same version, showing what the first saved', async () => {
      const form = await boss.get('/demo/ufficio/impostazioni');
      const token = boss.csrfFrom(form.body);
      const version = versionOn(form.body);
      const typed = settingsTyped(await enteRow()) as Record<string, string>;
      const first = await boss.post('/demo/ufficio/impostazioni', { _csrf: token, versione: version, ...typed, orario_limite: '10:15' });
      assert.equal(first.statusCode, 303);
      const changes = await changeCount('office.settings');
      const second = await boss.post('/demo/ufficio/impostazioni', { _csrf: token, versione: version, ...typed, orario_limite: '08:45', nome_ufficio: 'Altro ufficio' });
      assert.equal(second.statusCode, 409);
      assert.match(second.body, /Nel frattempo un altro operatore ha modificato questi dati/);
      assert.match(second.body, /<a href="#orario_limite">Orario limite<\/a><\/dt><dd>Valore salvato ora: <strong>10:15<\/strong>/);
      assert.match(second.body, /value="08:45"/, 'what this operator typed is kept');
      assert.match(second.body, new RegExp(`name="versione" value="${Number(version) + 1}"`), 'saving again from here is from the version saved now');
      const now = await enteRow();
      assert.equal(now.cutoff_time, '10:15');
      assert.notEqual(now.office_name, 'Altro ufficio');
      assert.equal(await changeCount('office.settings'), changes);
    });

    it('takes the notices’ logo as a PNG checked by its content, audited; removes it', async () => {
      const page = await boss.get('/demo/ufficio/impostazioni');
      const token = boss.csrfFrom(page.body);
      const upload = (file: { filename: string; content: Buffer; contentType?: string }) => {
        const { contentType, body } = multipart([
          { name: '_csrf', value: token },
          { name: 'logo', filename: file.filename, contentType: file.contentType ?? 'image/png', content: file.content },
        ]);
        return boss.request({ method: 'POST', url: '/demo/ufficio/impostazioni/logo', headers: { 'content-type': contentType }, payload: body });
      };
      const logoOf = async () => (await db().selectFrom('ente_logo').select('png').where('ente_id', '=', enteId).executeTakeFirst())?.png;
      const original = await logoOf();
      const changes = await changeCount('office.settings.logo');
      for (const [file, message] of [
        [{ filename: 'logo.png', content: Buffer.from('<html>not an image</html>'.repeat(10)) }, /Il file non è un’immagine PNG valida\./],
        [{ filename: 'logo.png', content: Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD', 'base64') }, /Il file non è un’immagine PNG valida\./],
        [{ filename: 'logo.png', content: Buffer.concat([samplePng(), Buffer.alloc(300 * 1024)]) }, /Il file è troppo grande/],
      ] as const) {
        const refused = await upload(file);
        assert.equal(refused.statusCode, 422);
        assert.match(refused.body, message);
      }
      assert.deepEqual(await logoOf(), original, 'nothing written');
      assert.equal(await changeCount('office.settings.logo'), changes);

      const png = samplePng(32, 16);
      const saved = await upload({ filename: 'stemma.PNG', content: png, contentType: 'application/octet-stream' });
      assert.equal(saved.statusCode, 303);
      assert.deepEqual(Buffer.from((await logoOf())!), png);
      const event = await lastChange('office.settings.logo');
      assert.equal(JSON.parse(event.after_json!).logo.bytes, png.length);
      const shown = await boss.get('/demo/ufficio/impostazioni/logo.png');
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.headers['content-type'], 'image/png');
      assert.deepEqual(shown.rawPayload, png);

      const removed = await boss.post('/demo/ufficio/impostazioni/logo/rimuovi', { _csrf: token });
      assert.equal(removed.statusCode, 303);
      assert.equal(await logoOf(), undefined);
      assert.equal((await lastChange('office.settings.logo.remove')).after_json, null);
      assert.equal((await boss.get('/demo/ufficio/impostazioni/logo.png')).statusCode, 404);
    });

    it('adds and edits schools, audited and versioned; refuses bad input', async () => {
      const list = await boss.get('/demo/ufficio/impostazioni/scuole');
      assert.equal(list.statusCode, 200);
      const existing = await db().selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow();
      assert.match(list.body, new RegExp(existing.name));
      const form = await boss.get('/demo/ufficio/impostazioni/scuole/nuova');
      assert.equal(form.statusCode, 200);
      const token = boss.csrfFrom(form.body);
      const good = { nome: 'Scuola primaria Via dei Pini', grado: 'primaria', indirizzo: 'Via dei Pini 3', giorno_1: '1', giorno_3: '1', giorno_5: '1' };
      const schools = async () => Number((await db().selectFrom('school').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const count = await schools();
      const changes = await changeCount('office.school');
      const cases: [Record<string, string>, RegExp][] = [
        [{ nome: '' }, /Campo obbligatorio\./],
        [{ nome: existing.name.toUpperCase() }, /L’ente ha già una scuola con questo nome\./],
        [{ grado: 'universita' }, /Scegli un grado dall’elenco\./],
        [{ indirizzo: 'Via\u0007' }, /Contiene caratteri non ammessi/],
        [{ giorno_1: '', giorno_3: '', giorno_5: '' }, /Scegli almeno un giorno di mensa\./],
        [{ giorno_2: '7' }, /Scegli i giorni dal lunedì al sabato\./],
      ];
      for (const [fields, message] of cases) {
        const refused = await boss.post('/demo/ufficio/impostazioni/scuole/nuova', { _csrf: token, ...good, ...fields });
        assert.equal(refused.statusCode, 422, JSON.stringify(fields));
        assert.match(refused.body, message, JSON.stringify(fields));
      }
      assert.equal(await schools(), count);
      assert.equal(await changeCount('office.school'), changes);

      const added = await boss.post('/demo/ufficio/impostazioni/scuole/nuova', { _csrf: token, ...good });
      assert.equal(added.statusCode, 303);
      const school = await db().selectFrom('school').selectAll().where('ente_id', '=', enteId).where('name', '=', good.nome).executeTakeFirstOrThrow();
      assert.equal(school.service_weekdays, '1,3,5');
      assert.equal(school.level, 'primaria');
      const created = await lastChange('office.school.add');
      assert.equal(created.subject_id, school.id);
      assert.deepEqual(JSON.parse(created.after_json!), { name: good.nome, level: 'primaria', address: 'Via dei Pini 3', service_weekdays: '1,3,5' });
      assert.match((await boss.get('/demo/ufficio/impostazioni/scuole')).body, /lunedì, mercoledì, venerdì/);

      // Edit, then a second save from the same version is refused with what the first saved.
      const edit = await boss.get(`/demo/ufficio/impostazioni/scuole/${school.id}`);
      const version = versionOn(edit.body);
      const dataVersion = (await enteRow()).data_version;
      const saved = await boss.post(`/demo/ufficio/impostazioni/scuole/${school.id}`, { _csrf: token, versione: version, ...good, giorno_6: '1', grado: 'infanzia' });
      assert.equal(saved.statusCode, 303);
      const updated = await db().selectFrom('school').selectAll().where('id', '=', school.id).executeTakeFirstOrThrow();
      assert.equal(updated.service_weekdays, '1,3,5,6');
      assert.equal(updated.level, 'infanzia');
      assert.ok((await enteRow()).data_version > dataVersion);
      const change = await lastChange('office.school.update');
      assert.deepEqual(JSON.parse(change.before_json!), { level: 'primaria', service_weekdays: '1,3,5' });
      assert.deepEqual(JSON.parse(change.after_json!), { level: 'infanzia', service_weekdays: '1,3,5,6' });
      const stale = await boss.post(`/demo/ufficio/impostazioni/scuole/${school.id}`, { _csrf: token, versione: version, ...good, nome: 'Altro nome' });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Valore salvato ora: <strong>lunedì, mercoledì, venerdì, sabato<\/strong>/);
      assert.equal((await db().selectFrom('school').select('name').where('id', '=', school.id).executeTakeFirstOrThrow()).name, good.nome);
      // Another ente's school is nobody's here.
      const foreign = await db().selectFrom('school').select('id').where('ente_id', '=', await enteIdOf(db(), 'unione-colline')).executeTakeFirstOrThrow();
      assert.equal((await boss.get(`/demo/ufficio/impostazioni/scuole/${foreign.id}`)).statusCode, 404);
      assert.equal((await boss.post(`/demo/ufficio/impostazioni/scuole/${foreign.id}`, { _csrf: token, versione: '1', ...good, nome: 'Presa' })).statusCode, 404);
    });

    it('keeps a day frozen at the old cut-off closed when the office moves the cut-off later', async () => {
      // The cut-off is now after 08:00 (the earlier tests moved it): today would be open by the clock.
      assert.ok((await enteRow()).cutoff_time > '08:00');
      const tommaso = (
        await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('pupil.ente_id', '=', enteId).where('person.given_name', '=', 'Tommaso').executeTakeFirstOrThrow()
      ).id;
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/assenze' });
      const form = (day: string) => ({ _csrf: ada.csrfFrom(page.body), submissionKey: /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!, utente: String(tommaso), dal: day, al: '', tipo: 'absent' });
      // Frozen at the old cut-off, before the office moved it.
      assert.equal(await t.app.services.freeze.freezeDay(await enteRow(), '2026-11-26'), 'frozen');
      const changes = async () => Number((await db().selectFrom('attendance_change').select((eb) => eb.fn.countAll<number>().as('n')).where('pupil_id', '=', tommaso).where('date', '=', '2026-11-26').executeTakeFirstOrThrow()).n);
      const before = await changes();
      const refused = await ada.post('/demo/assenze', form('26/11/2026'));
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /I giorni scelti non si possono più modificare/);
      assert.equal(await changes(), before);
    });

    it('is the amministratore’s only: an operatore is refused and nothing changes', async () => {
      const clerk = await buildOperator(db(), enteId, 'operatore');
      const browser = new Browser(t.app);
      const landing = await browser.loginAs(clerk, { returnTo: '/demo/ufficio/' });
      const before = await enteRow();
      for (const path of ['/demo/ufficio/impostazioni', '/demo/ufficio/impostazioni/scuole', '/demo/ufficio/impostazioni/scuole/nuova']) {
        assert.equal((await browser.get(path)).statusCode, 403, path);
      }
      const refused = await browser.post('/demo/ufficio/impostazioni', { _csrf: browser.csrfFrom(landing.body), ...(settingsTyped(before) as Record<string, string>), versione: String(before.version), orario_limite: '11:00' });
      assert.equal(refused.statusCode, 403);
      assert.deepEqual(await enteRow(), before);
      assert.doesNotMatch(landing.body, /href="\/demo\/ufficio\/impostazioni"/, 'the office home does not offer it');
    });
  });
}
