/**
 * A pupil's page in the office and the activity log (issue 13): what the parent sees and the history of
 * changes, the view audited; the log by operator, pupil and days, newest first, in keyset pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { writeChange } from '../../src/domain/audit/audit';
import { fixedClock } from '../../src/domain/clock';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { buildEnrolment, buildOperator, buildPerson, buildPupil, enteIdOf, type BuiltPerson, type BuiltPupil } from '../helpers/builders';

const NOW = '2026-11-26T09:00:00+01:00';

async function eventually<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 40; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

function rowsOf(html: string): string[] {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

for (const { engine, skip } of testEngines()) {
  describe(`a pupil in the office and the activity log on ${engine}`, { skip }, () => {
    let t: TestApp;
    let db: Kysely<DB>;
    let enteId: number;
    let holder: BuiltPerson;
    let coHolder: BuiltPerson;
    let delegate: BuiltPerson;
    let pupil: BuiltPupil;
    let enrolmentId: number;
    let badgeId: number;
    let admin: Browser;
    const office = () => ({ ente: { id: enteId }, operator: { fiscalCode: MARCO } });

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      db = t.database.db;
      enteId = await enteIdOf(db);
      holder = await buildPerson(db, enteId, { givenName: 'Ottavia', familyName: 'Ramponi', email: 'ottavia@esempio.invalid' });
      coHolder = await buildPerson(db, enteId, { givenName: 'Ugo', familyName: 'Ramponi' });
      delegate = await buildPerson(db, enteId, { givenName: 'Nonna', familyName: 'Pierina' });
      pupil = await buildPupil(
        db,
        enteId,
        [
          { person: holder, relation: 'intestatario' },
          { person: coHolder, relation: 'cointestatario' },
          { person: delegate, relation: 'delegato' },
        ],
        { givenName: 'Livio', familyName: 'Ramponi', className: '3C' },
      );
      enrolmentId = await buildEnrolment(db, enteId, pupil, holder);
      const service = await db.selectFrom('enrolment').select('service_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow();
      badgeId = (
        await db.insertInto('badge').values({ ente_id: enteId, code: 'RMP0001', pupil_id: pupil.pupilId, service_id: service.service_id, issued_on: '2026-09-10', active: 1 }).returning('id').executeTakeFirstOrThrow()
      ).id;
      await db
        .insertInto('movement')
        .values({ ente_id: enteId, badge_id: badgeId, amount_cents: 2_000, kind: 'topup', value_date: '2026-11-02', charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: '2026-11-02T08:00:00.000Z' })
        .execute();
      // Two office changes: the pupil's class, and its enrolment's state (found by the pupil through the enrolment's pupil_id).
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('pupil').set({ class_name: '4C' }).where('id', '=', pupil.pupilId).execute();
        await writeChange(trx, fixedClock(new Date('2026-11-20T10:00:00.000Z')), office(), {
          action: 'office.pupil.update', subjectType: 'pupil', subjectId: pupil.pupilId, before: { class_name: '3C', school_id: pupil.schoolId }, after: { class_name: '4C', school_id: pupil.schoolId },
        });
        await writeChange(trx, fixedClock(new Date('2026-11-22T10:00:00.000Z')), office(), {
          action: 'office.enrolment.update', subjectType: 'enrolment', subjectId: enrolmentId,
          before: { id: enrolmentId, pupil_id: pupil.pupilId, state: 'attiva' }, after: { id: enrolmentId, pupil_id: pupil.pupilId, state: 'sospesa' },
        });
      });
      admin = new Browser(t.app);
      await admin.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await t?.close();
    });

    const pupilPage = (id: number | string, browser = admin) => browser.get(`/demo/ufficio/anagrafe/alunni/${id}`);

    it('shows what the parent sees: the pupil, the residence, the adults and their relation, enrolments, account; and the office’s links', async () => {
      const page = await pupilPage(pupil.pupilId);
      assert.equal(page.statusCode, 200);
      const body = page.body;
      assert.match(body, /<h1>Ramponi Livio<\/h1>/);
      assert.match(body, new RegExp(pupil.fiscalCode));
      assert.match(body, /Via della Prova/);
      for (const [person, relation] of [[holder, 'Intestatario'], [coHolder, 'Cointestatario'], [delegate, 'Delegato']] as const) {
        assert.match(body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${person.id}">${person.familyName} ${person.givenName}</a>`));
        assert.ok(rowsOf(body).some((row) => row.includes(`${person.familyName} ${person.givenName}`) && row.includes(relation)), relation);
      }
      assert.match(body, /ottavia@esempio\.invalid/);
      assert.match(body, new RegExp(`href="/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/iscrizioni/${enrolmentId}">Gestisci iscrizione`));
      for (const [path, text] of [['modifica', 'Modifica alunno'], ['adulti', 'Adulti collegati'], ['iscrizioni/nuova', 'Nuova iscrizione'], ['badge', 'Badge'], ['allegati', 'Allegati']]) {
        assert.match(body, new RegExp(`href="/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/${path}">${text}</a>`), text);
      }
      assert.match(body, /Refezione/);
      assert.match(body, /RMP0001/);
      assert.match(body, /20,00\s€ a credito/);
      assert.match(body, /Ricarica pagoPA/);
      assert.match(body, /Refezione di novembre 2026/i);
    });

    it('shows the history of changes to the pupil and its records, in words, newest first', async () => {
      const body = (await pupilPage(pupil.pupilId)).body;
      const history = body.slice(body.indexOf('id="pupil-history"'));
      assert.match(history, /classe: 3C → 4C/);
      assert.match(history, /stato: attiva → sospesa/);
      assert.ok(history.indexOf('sospesa') < history.indexOf('4C'), 'the newer change first');
      assert.match(history, /Marco Polo/);
      assert.ok(!/scuola:/.test(history), 'unchanged fields are not shown');
      assert.match(history, /office\.pupil\.update/, 'an action the catalogue does not know is shown as it is');
    });

    it('audits the view', async () => {
      await pupilPage(pupil.pupilId);
      const event = await eventually(
        () => db.selectFrom('audit_event').select(['actor_fiscal_code', 'pupil_id']).where('action', '=', 'office.pupil.view').where('subject_id', '=', pupil.pupilId).executeTakeFirst(),
        'office.pupil.view recorded',
      );
      assert.equal(event.actor_fiscal_code, MARCO);
      assert.equal(event.pupil_id, pupil.pupilId);
    });

    it('is 404 for another ente’s pupil, an unknown id and a malformed one', async () => {
      const other = await enteIdOf(db, 'unione-colline');
      const stranger = await buildPupil(db, other, [{ person: await buildPerson(db, other), relation: 'intestatario' }]);
      assert.equal((await pupilPage(stranger.pupilId)).statusCode, 404);
      assert.equal((await pupilPage(99_999_999)).statusCode, 404);
      assert.equal((await pupilPage('abc')).statusCode, 404);
    });

    it('is the office’s: an operatore sees it (without the log’s link), cucina and a parent get 403', async () => {
      const operatore = await buildOperator(db, enteId, 'operatore');
      const browser = new Browser(t.app);
      await browser.loginAs(operatore, { returnTo: '/demo/ufficio/' });
      const page = await pupilPage(pupil.pupilId, browser);
      assert.equal(page.statusCode, 200);
      assert.ok(!page.body.includes('registro-attivita?alunno='));
      assert.equal((await browser.get('/demo/ufficio/registro-attivita')).statusCode, 403, 'the log is the amministratore’s');
      const kitchen = new Browser(t.app);
      await kitchen.login(LUCA, { returnTo: '/demo/ufficio/' });
      assert.equal((await pupilPage(pupil.pupilId, kitchen)).statusCode, 403);
      const parent = new Browser(t.app);
      await parent.login(ADA);
      assert.equal((await pupilPage(pupil.pupilId, parent)).statusCode, 403);
      const anonymous = await pupilPage(pupil.pupilId, new Browser(t.app));
      assert.equal(anonymous.statusCode, 303);
    });

    const log = (query: string) => admin.get(`/demo/ufficio/registro-attivita?${query}`);

    it('the log by pupil finds the changes of its records and the views, with words, who and values', async () => {
      await pupilPage(pupil.pupilId);
      await eventually(() => db.selectFrom('audit_event').select('id').where('action', '=', 'office.pupil.view').where('pupil_id', '=', pupil.pupilId).executeTakeFirst(), 'view recorded');
      const page = await log(`alunno=${pupil.pupilId}`);
      assert.equal(page.statusCode, 200);
      const rows = rowsOf(page.body).slice(1);
      assert.ok(rows.some((r) => r.includes('Ha consultato la scheda dell’alunno in ufficio') && r.includes('Marco Polo')));
      assert.ok(rows.some((r) => r.includes('iscrizione n.') && r.includes('stato: attiva → sospesa')));
      assert.ok(rows.some((r) => r.includes('22/11/2026 11:00')), 'Rome time, gg/mm/aaaa hh:mm');
      assert.match(page.body, new RegExp(`href="/demo/ufficio/anagrafe/alunni/${pupil.pupilId}">alunno Ramponi Livio`));
      // Newest first.
      const times = rows.map((r) => /(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d)/.exec(r)).filter(Boolean).map((m) => `${m![3]}${m![2]}${m![1]}${m![4]}${m![5]}`);
      assert.deepEqual(times, [...times].sort().reverse());
    });

    it('the log by days and by operator', async () => {
      const days = rowsOf((await log(`alunno=${pupil.pupilId}&dal=21/11/2026&al=2026-11-22`)).body).slice(1);
      assert.equal(days.length, 1);
      assert.match(days[0]!, /stato: attiva → sospesa/);
      const other = await buildOperator(db, enteId, 'operatore');
      assert.match((await log(`alunno=${pupil.pupilId}&operatore=${other.fiscalCode}`)).body, /Nessuna attività con questi criteri/);
      assert.ok(rowsOf((await log(`cf=${MARCO.toLowerCase()}&alunno=${pupil.pupilId}`)).body).length > 2);
      const refused = await log('dal=31/02/2026');
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /Scrivi una data come gg\/mm\/aaaa/);
      assert.equal((await log('dal=2026-11-22&al=2026-11-01')).statusCode, 422);
      assert.equal((await log('cf=ABC')).statusCode, 422);
    });

    it('shows a parent by a masked fiscal code, and pages newest first without overlap', async () => {
      const parent = new Browser(t.app);
      await parent.login(ADA);
      await parent.get('/demo/scheda-anagrafica');
      await eventually(() => db.selectFrom('audit_event').select('id').where('actor_fiscal_code', '=', ADA).executeTakeFirst(), 'Ada’s view');
      const ada = await log(`cf=${ADA}`);
      assert.match(ada.body, /LVL\*{9}702B/);
      assert.ok(rowsOf(ada.body).every((row) => !row.includes(ADA)), 'the whole code is not shown in the rows');
      const base = new Date('2026-10-01T08:00:00.000Z').getTime();
      await db
        .insertInto('audit_event')
        .values(Array.from({ length: 60 }, (_, i) => ({ ente_id: enteId, actor_fiscal_code: MARCO, action: 'office.test.page', subject_type: 'pupil', subject_id: pupil.pupilId, pupil_id: pupil.pupilId, request_id: null, created_at: new Date(base + Math.floor(i / 2) * 60_000).toISOString() })))
        .execute();
      const first = await log(`alunno=${pupil.pupilId}&al=2026-10-31`);
      const one = rowsOf(first.body).slice(1);
      assert.equal(one.length, 50);
      const next = /<a href="([^"]*dopo=[^"]*)">/.exec(first.body)![1]!.replace(/&amp;/g, '&');
      assert.match(next, /alunno=/, 'the filters are kept');
      const second = await admin.get(next);
      const two = rowsOf(second.body).slice(1);
      assert.equal(two.length, 10);
      // 60 events over 30 minutes, two a minute: the pages together hold each minute twice.
      const minutes = [...one, ...two].map((r) => /\d\d:\d\d/.exec(r)![0]);
      const counts = new Map<string, number>();
      for (const minute of minutes) counts.set(minute, (counts.get(minute) ?? 0) + 1);
      assert.equal(counts.size, 30);
      assert.ok([...counts.values()].every((n) => n === 2));
    });
  });
}
