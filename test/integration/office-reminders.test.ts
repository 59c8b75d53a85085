import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unzipSync, strFromU8 } from 'fflate';
import type { Ente } from '../../src/db/schema';
import { addDays } from '../../src/domain/calendar/local-time';
import { navFor } from '../../src/domain/payments/notices';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildEnrolment, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { pdfText } from '../helpers/pdf';

const NOW = '2027-03-10T10:00:00+01:00';
const DUE = '2026-10-31';
const t = messages.officeReminders;
const ROOT = '/demo/ufficio/solleciti';

for (const { engine, skip } of testEngines()) {
  describe(`reminders in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let family: Awaited<ReturnType<typeof buildFamily>>;
    let documentId: number;
    let paidId: number;
    const db = () => app.database.db;
    const auditOf = (action: string) => db().selectFrom('audit_event').select(['before_json', 'after_json']).where('action', '=', action).execute();

    async function csrf(path: string) {
      const page = await office.get(path);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      return office.csrfFrom(page.body);
    }

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      family = await buildFamily(db(), enteId);
      const enrolmentId = await buildEnrolment(db(), enteId, family.pupils[0]!, family.holder);
      const { service_id } = await db().selectFrom('enrolment').select('service_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow();
      const document = (period: string, state: 'da_pagare' | 'pagato', number: number) => ({
        ente_id: enteId, kind: 'documento' as const, year: 1991, number, enrolment_id: enrolmentId, pupil_id: family.pupils[0]!.pupilId,
        holder_person_id: family.holder.id, service_id, period, issue_date: '2026-10-05', due_date: DUE, total_cents: 6_840, state,
        cancels_document_id: null, reason: null, paid_at: state === 'pagato' ? '2026-11-02T10:00:00Z' : null, created_at: '2026-10-05T08:00:00Z',
      });
      documentId = (await db().insertInto('document').values(document('2026-09', 'da_pagare', 1)).returning('id').executeTakeFirstOrThrow()).id;
      paidId = (await db().insertInto('document').values(document('2026-08', 'pagato', 2)).returning('id').executeTakeFirstOrThrow()).id;
      // Its pagoPA notice, published: the formal notice's letter carries it.
      const nav = navFor(ente as Ente & { segregation_code: string }, 8_000_000_001);
      await db()
        .insertInto('payment_notice')
        .values({
          ente_id: enteId, nav, iuv: nav.slice(1), kind: 'document', document_id: documentId, topup_id: null, holder_person_id: family.holder.id,
          pupil_id: family.pupils[0]!.pupilId, service_id, amount_cents: 6_840, due_date: DUE, description: 'Refezione — settembre 2026', state: 'open',
          position_state: 'published', position_next_at: null, position_error: null, published_at: '2026-10-05T09:00:00Z', cart_id: null, cart_until: null,
          paid_at: null, created_at: '2026-10-05T08:00:00Z',
        })
        .execute();
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    it('shows the default ladder, and refuses a wrong ladder with 422, the form kept and nothing written', async () => {
      const page = await office.get(ROOT);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(t.ladderDefault));
      const token = await csrf(`${ROOT}/scala`);
      for (const [form, field, problem] of [
        [{ primo: '10', secondo: '5', formale: '90', termine: '30', coattiva: '150' }, 'secondo', t.problems.notAfterPrevious],
        [{ primo: '10', secondo: '', formale: '90', termine: '30', coattiva: '100' }, 'coattiva', t.problems.notAfterTerm],
        [{ primo: '99999999999999999999', secondo: '', formale: '90', termine: '30', coattiva: '150' }, 'primo', t.problems.daysInvalid],
        [{ primo: '1\u0000', secondo: '', formale: '90', termine: '30', coattiva: '150' }, 'primo', messages.forms.problems.controlCharacters],
        [{ primo: '-3', secondo: '', formale: '90', termine: '30', coattiva: '150' }, 'primo', t.problems.daysInvalid],
        [{ primo: '0', secondo: '', formale: '90', termine: '30', coattiva: '150' }, 'primo', t.problems.daysInvalid],
      ] as const) {
        const response = await office.post(`${ROOT}/scala`, { _csrf: token, versione: '0', ...form });
        assert.equal(response.statusCode, 422, `${field}: ${response.body.slice(0, 200)}`);
        assert.ok(response.body.includes(problem!), `${field} shows: ${problem}`);
        assert.match(response.body, new RegExp(`id="formale"[^>]*value="90"|value="90"[^>]*id="formale"`), 'what was typed is kept');
      }
      assert.deepEqual(await db().selectFrom('reminder_ladder').select('id').execute(), []);
      const csrfMissing = await office.post(`${ROOT}/scala`, { versione: '0', primo: '10', secondo: '', formale: '90', termine: '30', coattiva: '150' });
      assert.equal(csrfMissing.statusCode, 403);
    });

    it('saves a ladder (audited, from today) and refuses a save made from the version it replaced', async () => {
      const token = await csrf(`${ROOT}/scala`);
      const saved = await office.post(`${ROOT}/scala`, { _csrf: token, versione: '0', primo: '15', secondo: '45', formale: '90', termine: '30', coattiva: '150' });
      assert.equal(saved.statusCode, 303);
      const page = await office.follow(saved);
      assert.ok(page.body.includes(t.saved.ladder));
      assert.ok(page.body.includes(t.ladderFrom('10/03/2027')));
      const stale = await office.post(`${ROOT}/scala`, { _csrf: token, versione: '0', primo: '20', secondo: '45', formale: '90', termine: '30', coattiva: '150' });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes(t.conflict));
      assert.equal((await db().selectFrom('reminder_ladder').select('id').execute()).length, 1);
      const [audit] = await auditOf('office.reminders.ladder');
      assert.ok(audit);
      assert.equal(JSON.parse(audit.after_json!).valid_from, '2027-03-10');
    });

    it('runs the ladder over a document, lists each run with its letters, exports it, and sends it to forced collection once', async () => {
      const reminders = app.app.services.reminders;
      for (const days of [15, 45, 90, 150]) {
        assert.equal((await reminders.runDay(ente, addDays(DUE, days))).outcome, 'run');
        assert.equal((await reminders.runDay(ente, addDays(DUE, days))).outcome, 'already-run');
      }
      const steps = await db().selectFrom('reminder').select(['document_id', 'step']).where('holder_person_id', '=', family.holder.id).orderBy('id').execute();
      assert.deepEqual(steps, ['primo', 'secondo', 'formale', 'coattiva'].map((step) => ({ document_id: documentId, step })), 'the paid document is never reminded');
      assert.ok(!steps.some((s) => s.document_id === paidId));

      const home = await office.get(ROOT);
      assert.ok(home.body.includes(t.openRun('15/11/2026')));
      const run = await office.get(`${ROOT}/invii/${addDays(DUE, 90)}`);
      assert.equal(run.statusCode, 200);
      assert.ok(run.body.includes(`${family.holder.givenName} ${family.holder.familyName}`));
      assert.ok(run.body.includes(t.steps.formale!));
      const filtered = await office.get(`${ROOT}/invii/${addDays(DUE, 90)}?passo=primo`);
      assert.ok(filtered.body.includes(t.listEmpty));
      assert.equal((await office.get(`${ROOT}/invii/2026-13-45`)).statusCode, 404);

      const csv = await office.get(`${ROOT}/invii/${addDays(DUE, 90)}/elenco.csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines.length, 2);
      assert.ok(lines[1]!.includes(family.holder.fiscalCode));
      assert.ok(lines[1]!.includes('68,40'));
      assert.ok(lines[1]!.includes(addDays(addDays(DUE, 90), 30)), 'the new due date');
      const xlsx = await office.request({ method: 'GET', url: `${ROOT}/invii/${addDays(DUE, 90)}/elenco.xlsx` });
      assert.equal(xlsx.statusCode, 200);
      const sheet = strFromU8(unzipSync(new Uint8Array(xlsx.rawPayload))['xl/worksheets/sheet1.xml']!);
      assert.ok(sheet.includes(family.holder.fiscalCode));

      // The formal notice: the letter, then its pagoPA notice payable by the new due date.
      const formal = await db().selectFrom('reminder').select('id').where('document_id', '=', documentId).where('step', '=', 'formale').executeTakeFirstOrThrow();
      const letter = await office.request({ method: 'GET', url: `${ROOT}/lettere/${formal.id}` });
      assert.equal(letter.statusCode, 200);
      assert.equal(letter.headers['content-type'], 'application/pdf');
      const text = pdfText(letter.rawPayload);
      assert.match(text, /messa in mora/);
      assert.match(text, /Avviso di pagamento|AVVISO DI PAGAMENTO/);
      assert.ok(text.includes('28/02/2027'), 'the new due date is printed');
      const first = await db().selectFrom('reminder').select('id').where('document_id', '=', documentId).where('step', '=', 'primo').executeTakeFirstOrThrow();
      const firstLetter = pdfText((await office.request({ method: 'GET', url: `${ROOT}/lettere/${first.id}` })).rawPayload);
      assert.match(firstLetter, /Sollecito di pagamento/);
      assert.doesNotMatch(firstLetter, /AVVISO DI PAGAMENTO/);
      assert.equal((await office.get(`${ROOT}/lettere/99999999`)).statusCode, 404);
      // The letters of a page of the list at once: here the run's one letter, with its notice page.
      assert.ok(run.body.includes(t.printPage));
      const printed = await office.request({ method: 'GET', url: `${ROOT}/invii/${addDays(DUE, 90)}/lettere.pdf` });
      assert.equal(printed.statusCode, 200);
      assert.match(pdfText(printed.rawPayload), /messa in mora[\s\S]*AVVISO DI PAGAMENTO/);
      assert.equal((await office.get(`${ROOT}/invii/${addDays(DUE, 90)}/lettere.pdf?passo=primo`)).statusCode, 404, 'no letter on an empty page');

      const collection = await office.get(`${ROOT}/coattiva`);
      assert.ok(collection.body.includes(family.holder.fiscalCode));
      const collectionCsv = await office.get(`${ROOT}/coattiva.csv`);
      assert.equal(collectionCsv.body.replace(/^\uFEFF/, '').trim().split('\r\n').length, 2);
      const collectionXlsx = await office.request({ method: 'GET', url: `${ROOT}/coattiva.xlsx` });
      assert.equal(collectionXlsx.statusCode, 200);
      // Paid afterwards: it leaves the collector's list.
      await db().updateTable('document').set({ state: 'pagato' }).where('id', '=', documentId).execute();
      assert.ok(!(await office.get(`${ROOT}/coattiva`)).body.includes(family.holder.fiscalCode));
      await db().updateTable('document').set({ state: 'da_pagare' }).where('id', '=', documentId).execute();

      // The family's page lists the steps.
      const person = await office.get(`/demo/ufficio/anagrafe/persone/${family.holder.id}`);
      assert.equal(person.statusCode, 200);
      assert.ok(person.body.includes(t.personSection));
      assert.ok(person.body.includes(t.steps.coattiva!));
    });

    it('suspends a family (audited), refuses bad input with 422 and nothing written, and ends the suspension', async () => {
      const token = await csrf(`${ROOT}/sospensioni`);
      for (const [form, field, problem] of [
        [{ codice_fiscale: 'XYZ', motivo: 'Servizi sociali', fino_al: '30/06/2027' }, 'codice_fiscale', t.problems.fiscalCodeInvalid],
        [{ codice_fiscale: 'RSSMRA80A01H501Z', motivo: 'Servizi sociali', fino_al: '30/06/2027' }, 'codice_fiscale', t.problems.personUnknown],
        [{ codice_fiscale: family.holder.fiscalCode, motivo: '', fino_al: '30/06/2027' }, 'motivo', t.problems.reasonRequired],
        [{ codice_fiscale: family.holder.fiscalCode, motivo: 'Servizi\u0007 sociali', fino_al: '30/06/2027' }, 'motivo', messages.forms.problems.controlCharacters],
        [{ codice_fiscale: family.holder.fiscalCode, motivo: 'Servizi sociali', fino_al: '01/01/2020' }, 'fino_al', t.problems.untilPast],
        [{ codice_fiscale: family.holder.fiscalCode, motivo: 'Servizi sociali', fino_al: '01/01/2099' }, 'fino_al', t.problems.untilTooFar],
        [{ codice_fiscale: family.holder.fiscalCode, motivo: 'Servizi sociali', fino_al: '31/02/2027' }, 'fino_al', t.problems.dateInvalid],
      ] as const) {
        const response = await office.post(`${ROOT}/sospensioni`, { _csrf: token, ...form });
        assert.equal(response.statusCode, 422, `${field}: ${response.body.slice(0, 200)}`);
        assert.ok(response.body.includes(problem!), `${field} shows ${problem}`);
      }
      assert.deepEqual(await db().selectFrom('family_suspension').select('id').execute(), []);
      const added = await office.post(`${ROOT}/sospensioni`, { _csrf: token, codice_fiscale: family.holder.fiscalCode.toLowerCase(), motivo: 'Presa in carico dei servizi sociali', fino_al: '30/06/2027' });
      assert.equal(added.statusCode, 303);
      const list = await office.follow(added);
      assert.ok(list.body.includes(t.saved.suspension));
      assert.ok(list.body.includes('Presa in carico dei servizi sociali'));
      const person = await office.get(`/demo/ufficio/anagrafe/persone/${family.holder.id}`);
      assert.ok(person.body.includes(t.personSuspended('30/06/2027')));
      const [audit] = await auditOf('office.reminders.suspension.create');
      assert.equal(JSON.parse(audit!.after_json!).until_date, '2027-06-30');

      const row = await db().selectFrom('family_suspension').select(['id', 'version']).executeTakeFirstOrThrow();
      const stale = await office.post(`${ROOT}/sospensioni/${row.id}/termina`, { _csrf: token, versione: String(row.version + 1) });
      assert.equal(stale.statusCode, 409);
      const ended = await office.post(`${ROOT}/sospensioni/${row.id}/termina`, { _csrf: token, versione: String(row.version) });
      assert.equal(ended.statusCode, 303);
      assert.ok((await office.follow(ended)).body.includes(t.saved.ended));
      const again = await office.post(`${ROOT}/sospensioni/${row.id}/termina`, { _csrf: token, versione: String(row.version + 1) });
      assert.equal(again.statusCode, 422);
      assert.equal((await auditOf('office.reminders.suspension.end')).length, 1);
    });

    it('answers an attacker’s values in every path and query parameter with a page or a refusal, never a 500, and writes nothing', async () => {
      const bad = ['\u0000', '1\u0000', '99999999999999999999', '2147483648', '-1', '0x11', '%00', "' or 1=1 --", '../../etc/passwd', 'x'.repeat(3000)];
      const token = await csrf(`${ROOT}/sospensioni`);
      for (const value of bad) {
        const v = encodeURIComponent(value);
        for (const path of [`${ROOT}/invii/${v}`, `${ROOT}/invii/${v}/elenco.csv`, `${ROOT}/invii/${v}/elenco.xlsx`, `${ROOT}/lettere/${v}`]) {
          // Refused by the router (a NUL: 400; a parameter too long for it) or found to be no run, no letter (404).
          const status = (await office.get(path)).statusCode;
          assert.ok(status >= 400 && status < 500, `${path.slice(0, 80)} → ${status}`);
        }
        for (const path of [`${ROOT}/invii/2027-01-29?passo=${v}&dopo=${v}`, `${ROOT}/invii/2027-01-29/elenco.csv?passo=${v}`, `${ROOT}/sospensioni?codice_fiscale=${v}`]) {
          // Control characters in a query are refused before any route (400); other values are ignored or filtered.
          assert.equal((await office.get(path)).statusCode, value.includes('\u0000') ? 400 : 200, path.slice(0, 80));
        }
        const ended = await office.post(`${ROOT}/sospensioni/${v}/termina`, { _csrf: token, versione: value });
        assert.ok(ended.statusCode >= 400 && ended.statusCode < 500, `termina ${ended.statusCode}`);
        const ladder = await office.post(`${ROOT}/scala`, { _csrf: token, versione: value, primo: value, secondo: value, formale: value, termine: value, coattiva: value });
        assert.equal(ladder.statusCode, 422);
        const suspension = await office.post(`${ROOT}/sospensioni`, { _csrf: token, codice_fiscale: value, motivo: value, fino_al: value });
        assert.equal(suspension.statusCode, 422);
      }
      assert.equal((await db().selectFrom('family_suspension').select('id').execute()).length, 1, 'nothing written by the attacker');
      assert.equal((await db().selectFrom('reminder_ladder').select('id').execute()).length, 1, 'nor a ladder');
    });

    it('is closed to a role without the permission', async () => {
      const cook = await buildOperator(db(), enteId, 'cucina');
      const browser = new Browser(app.app);
      await browser.loginAs(cook, { returnTo: '/demo/ufficio/' });
      for (const path of [ROOT, `${ROOT}/scala`, `${ROOT}/coattiva.csv`, `${ROOT}/sospensioni`]) {
        assert.equal((await browser.get(path)).statusCode, 403, path);
      }
      // The family's page does not show reminders to an operator who may not manage them (a cook cannot open it at all).
      assert.equal((await browser.get(`/demo/ufficio/anagrafe/persone/${family.holder.id}`)).statusCode, 403);
    });
  });
}
