import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Ente } from '../../src/db/schema';
import { createFreezeService } from '../../src/domain/canteen/freeze';
import { addDays } from '../../src/domain/calendar/local-time';
import { fixedClock } from '../../src/domain/clock';
import { InvalidInputError } from '../../src/domain/errors';
import { it as messages } from '../../src/web/i18n/it';
import { ADA, Browser, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildOperator, enteIdOf } from '../helpers/builders';
import { migrationBefore, migratorFor } from '../helpers/migrations';
import { suiteDatabase, testEngines } from '../helpers/databases';

/** Thursday 26 November 2026, 08:00 in Rome: before the demo's 09:30 cut-off, so today is still open. */
const NOW = '2026-11-26T08:00:00+01:00';
const TODAY = '2026-11-26';
const TOMORROW = '2026-11-27';
const t = messages.officeCalendar;

/** What the page shows of a catalogue text (HTML escapes quotes and ampersands only). */
const shown = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

for (const { engine, skip } of testEngines()) {
  describe(`the office's calendar on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let admin: BuiltPerson;
    let office: Browser;
    let tigli: number;
    let arcobaleno: number;
    let tommaso: number;
    let yearId: number;
    const db = () => app.database.db;

    const count = async (table: 'closure' | 'closure_period' | 'school_year') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const calendarEvents = async () =>
      Number(
        (
          await db()
            .selectFrom('audit_event')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where((eb) => eb.or([eb('action', 'like', 'office.closure.%'), eb('action', 'like', 'office.schoolYear.%')]))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const lastEvent = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('id', 'desc').executeTakeFirstOrThrow();

    async function postForm(path: string, fields: Record<string, string>) {
      const form = await office.get(path);
      assert.equal(form.statusCode, 200, path);
      return office.post(path, { _csrf: office.csrfFrom(form.body), ...fields });
    }
    const addClosure = (fields: Record<string, string>) => postForm('/demo/ufficio/calendario/chiusure/nuova', fields);

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      const school = async (name: string) => (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).where('name', 'like', `%${name}%`).executeTakeFirstOrThrow()).id;
      tigli = await school('Tigli');
      arcobaleno = await school('Arcobaleno');
      tommaso = (
        await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('pupil.ente_id', '=', enteId).where('person.given_name', '=', 'Tommaso').where('person.family_name', '=', 'Lovelace').executeTakeFirstOrThrow()
      ).id;
      yearId = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2026/2027').executeTakeFirstOrThrow()).id;
      admin = await buildOperator(db(), enteId, 'amministratore');
      office = new Browser(app.app);
      assert.equal((await office.loginAs(admin, { returnTo: '/demo/ufficio/calendario' })).statusCode, 200);
    });
    after(async () => {
      await app?.close();
    });

    it('lists the school years and the closures of the year in course, filtered by school', async () => {
      const page = await office.get('/demo/ufficio/calendario');
      assert.equal(page.statusCode, 200);
      for (const text of ['2026/2027', '2025/2026', '14/09/2026', '10/06/2027', 'Vacanze di Natale', 'Sciopero del personale della mensa', 'Ponte della Commemorazione dei defunti']) {
        assert.ok(page.body.includes(text), text);
      }
      assert.match(page.body, /<table class="table table-stack">/);
      // Newest first: Easter before Christmas before November.
      assert.ok(page.body.indexOf('Vacanze di Pasqua') < page.body.indexOf('Vacanze di Natale'));
      assert.ok(page.body.indexOf('Vacanze di Natale') < page.body.indexOf('Ponte della Commemorazione'));
      const ofTigli = await office.get(`/demo/ufficio/calendario?anno=${yearId}&scuola=${tigli}`);
      assert.match(ofTigli.body, /Sciopero del personale della mensa/);
      assert.doesNotMatch(ofTigli.body, /Vacanze di Natale/);
      const ofEnte = await office.get(`/demo/ufficio/calendario?anno=${yearId}&scuola=ente`);
      assert.match(ofEnte.body, /Vacanze di Natale/);
      assert.doesNotMatch(ofEnte.body, /Sciopero del personale della mensa/);
      // The previous year has none of this year's closures.
      const previous = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2025/2026').executeTakeFirstOrThrow()).id;
      const earlier = await office.get(`/demo/ufficio/calendario?anno=${previous}`);
      assert.match(earlier.body, new RegExp(shown(t.noClosures)));
      // The Christmas closure is one period of fifteen days.
      const christmas = await db().selectFrom('closure_period').selectAll().where('ente_id', '=', enteId).where('reason', '=', 'Vacanze di Natale').executeTakeFirstOrThrow();
      assert.equal(Number((await db().selectFrom('closure').select((eb) => eb.fn.countAll<number>().as('n')).where('period_id', '=', christmas.id).executeTakeFirstOrThrow()).n), 15);
    });

    it('refuses bad input with each field’s message, 422, the input kept and nothing written', async () => {
      const before = { closures: await count('closure'), periods: await count('closure_period'), years: await count('school_year'), events: await calendarEvents() };
      const foreignSchool = (await db().selectFrom('school').select('id').where('ente_id', '=', await enteIdOf(db(), 'unione-colline')).executeTakeFirstOrThrow()).id;
      const good = { scuola: String(tigli), dal: '30/11/2026', al: '', motivo: 'Elezioni amministrative' };
      const closureCases: [Record<string, string>, string][] = [
        [{ scuola: '' }, t.problems.choose!],
        [{ scuola: String(foreignSchool) }, t.problems.schoolUnknown!],
        [{ scuola: '99999999999999999999' }, t.problems.choose!],
        [{ dal: '' }, messages.forms.problems.required],
        [{ dal: '31/02/2027' }, t.problems.dateInvalid!],
        [{ dal: '2026-13-01' }, t.problems.dateInvalid!],
        [{ al: '29/11/2026' }, t.problems.rangeReversed!],
        [{ dal: '01/12/2026', al: '05/12/2027' }, t.problems.rangeTooLong!],
        [{ motivo: '' }, messages.forms.problems.required],
        [{ motivo: 'ab' }, t.problems.reasonShort!],
        [{ motivo: 'x'.repeat(201) }, messages.forms.problems.tooLong],
        [{ motivo: 'Sciopero\u0000' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'Sciopero\u001b[31m' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'y'.repeat(5000) }, messages.forms.problems.tooLong],
        // Yesterday, and a day outside every school year.
        [{ dal: '25/11/2026' }, t.problems.dayDecided!],
        [{ dal: '01/07/2027' }, t.problems.outsideYear!],
        [{ dal: '01/06/2027', al: '20/06/2027' }, t.problems.outsideYear!],
        // Already closed: the school's strike, the ente's Christmas (for the whole ente again).
        [{ dal: '04/12/2026' }, t.problems.overlapsClosure!],
        [{ scuola: 'ente', dal: '20/12/2026', al: '24/12/2026' }, t.problems.overlapsClosure!],
      ];
      for (const [fields, message] of closureCases) {
        const refused = await addClosure({ ...good, ...fields });
        const label = JSON.stringify(fields).slice(0, 80);
        assert.equal(refused.statusCode, 422, label);
        assert.ok(refused.body.includes(shown(message)), `${label}: ${message}`);
        assert.match(refused.body, /class="alert alert-danger error-summary"/, label);
      }
      assert.match((await addClosure({ ...good, motivo: 'ab' })).body, /value="ab"/, 'what was typed stays');
      // A field sent twice.
      const form = await office.get('/demo/ufficio/calendario/chiusure/nuova');
      const twice = await office.request({
        method: 'POST',
        url: '/demo/ufficio/calendario/chiusure/nuova',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(office.csrfFrom(form.body))}&scuola=${tigli}&dal=30/11/2026&dal=01/12/2026&al=&motivo=Elezioni`,
      });
      assert.equal(twice.statusCode, 422);

      const yearCases: [Record<string, string>, string][] = [
        [{ anno: '2027-2028' }, t.problems.labelInvalid!],
        [{ anno: '2027/2029' }, t.problems.labelInvalid!],
        [{ anno: '2027/2028\u0000' }, messages.forms.problems.controlCharacters],
        [{ anno: '2026/2027', inizio: '14/09/2026', fine: '10/06/2027' }, t.problems.labelTaken!],
        [{ inizio: '13/09/2028' }, t.problems.startOutsideLabel!],
        [{ fine: '30/06/2027' }, t.problems.endOutsideLabel!],
        [{ inizio: '01/06/2027', fine: '31/05/2028' }, t.problems.overlapsYear!],
        [{ fine: '30/02/2028' }, t.problems.dateInvalid!],
        [{ anno: '2028/2029', inizio: '01/01/2028', fine: '31/01/2029' }, t.problems.yearTooLong!],
        [{ anno: '2024/2025', inizio: '16/09/2024', fine: '10/06/2025' }, t.problems.startDecided!],
      ];
      for (const [fields, message] of yearCases) {
        const refused = await postForm('/demo/ufficio/calendario/anni/nuovo', { anno: '2027/2028', inizio: '13/09/2027', fine: '09/06/2028', ...fields });
        const label = JSON.stringify(fields).slice(0, 80);
        assert.equal(refused.statusCode, 422, label);
        assert.ok(refused.body.includes(shown(message)), `${label}: ${message}`);
      }
      // Without the CSRF token, nothing at all.
      assert.equal((await office.post('/demo/ufficio/calendario/chiusure/nuova', good)).statusCode, 403);
      assert.deepEqual(
        { closures: await count('closure'), periods: await count('closure_period'), years: await count('school_year'), events: await calendarEvents() },
        before,
      );
    });

    it('creates a school year and changes its dates from the version the form was made from, audited', async () => {
      const created = await postForm('/demo/ufficio/calendario/anni/nuovo', { anno: '2027/2028', inizio: '13/09/2027', fine: '09/06/2028' });
      assert.equal(created.statusCode, 303);
      const year = await db().selectFrom('school_year').selectAll().where('ente_id', '=', enteId).where('label', '=', '2027/2028').executeTakeFirstOrThrow();
      assert.deepEqual([year.starts_on, year.ends_on], ['2027-09-13', '2028-06-09']);
      const added = await lastEvent('office.schoolYear.add');
      assert.equal(added.actor_fiscal_code, admin.fiscalCode);
      assert.deepEqual(JSON.parse(added.after_json!), { label: '2027/2028', starts_on: '2027-09-13', ends_on: '2028-06-09' });

      const page = await office.get(`/demo/ufficio/calendario/anni/${year.id}`);
      const version = /name="versione" value="(\d+)"/.exec(page.body)![1]!;
      const saved = await office.post(`/demo/ufficio/calendario/anni/${year.id}`, { _csrf: office.csrfFrom(page.body), versione: version, inizio: '2027-09-15', fine: '30/06/2028' });
      assert.equal(saved.statusCode, 303);
      const changed = await db().selectFrom('school_year').selectAll().where('id', '=', year.id).executeTakeFirstOrThrow();
      assert.deepEqual([changed.starts_on, changed.ends_on, changed.version], ['2027-09-15', '2028-06-30', year.version + 1]);
      const event = await lastEvent('office.schoolYear.dates');
      assert.deepEqual(JSON.parse(event.before_json!), { starts_on: '2027-09-13', ends_on: '2028-06-09' });
      assert.deepEqual(JSON.parse(event.after_json!), { starts_on: '2027-09-15', ends_on: '2028-06-30' });
      // A second save from the old form is refused with the dates saved now, never written over them.
      const stale = await office.post(`/demo/ufficio/calendario/anni/${year.id}`, { _csrf: office.csrfFrom(page.body), versione: version, inizio: '2027-09-01', fine: '30/06/2028' });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes(shown(messages.forms.problems.conflict)));
      assert.equal((await db().selectFrom('school_year').select('starts_on').where('id', '=', year.id).executeTakeFirstOrThrow()).starts_on, '2027-09-15');

      // The year in course cannot lose or gain days already decided, nor leave a closure outside.
      const current = await office.get(`/demo/ufficio/calendario/anni/${yearId}`);
      const currentVersion = /name="versione" value="(\d+)"/.exec(current.body)![1]!;
      const cases: [Record<string, string>, string][] = [
        [{ inizio: '01/09/2026' }, t.problems.startDecided!],
        [{ inizio: '21/09/2026' }, t.problems.startDecided!],
        [{ fine: '20/03/2027' }, t.problems.closuresOutside!],
      ];
      for (const [fields, message] of cases) {
        const refused = await office.post(`/demo/ufficio/calendario/anni/${yearId}`, { _csrf: office.csrfFrom(current.body), versione: currentVersion, inizio: '14/09/2026', fine: '10/06/2027', ...fields });
        assert.equal(refused.statusCode, 422, JSON.stringify(fields));
        assert.ok(refused.body.includes(shown(message)), message);
      }
      // Its end, all days still open, may move.
      const moved = await office.post(`/demo/ufficio/calendario/anni/${yearId}`, { _csrf: office.csrfFrom(current.body), versione: currentVersion, inizio: '14/09/2026', fine: '15/06/2027' });
      assert.equal(moved.statusCode, 303);
    });

    it('A closure added for tomorrow: tomorrow’s freeze books nothing at that school', async () => {
      // Ada had already told the canteen that Tommaso (Via dei Tigli) would be absent tomorrow.
      await app.app.services.absences.submit(ente, { fiscalCode: ADA }, { pupilId: tommaso, from: TOMORROW, to: '', kind: 'absent', submissionKey: 'calendar-1' });
      const added = await addClosure({ scuola: String(tigli), dal: '27/11/2026', al: '', motivo: 'Gita scolastica al museo' });
      assert.equal(added.statusCode, 303);
      assert.match(String(added.headers.location), /fatto=chiusura/);
      const period = await db().selectFrom('closure_period').selectAll().where('ente_id', '=', enteId).where('reason', '=', 'Gita scolastica al museo').executeTakeFirstOrThrow();
      assert.deepEqual([period.school_id, period.starts_on, period.ends_on, period.author], [tigli, TOMORROW, TOMORROW, admin.fiscalCode]);
      const days = await db().selectFrom('closure').selectAll().where('period_id', '=', period.id).execute();
      assert.deepEqual(days.map((d) => [d.school_id, d.date, d.reason]), [[tigli, TOMORROW, 'Gita scolastica al museo']]);
      const event = await lastEvent('office.closure.add');
      assert.equal(event.subject_id, period.id);
      assert.deepEqual(JSON.parse(event.after_json!), { school_id: tigli, starts_on: TOMORROW, ends_on: TOMORROW, reason: 'Gita scolastica al museo' });
      // The parent's notice stays recorded.
      assert.ok(await db().selectFrom('attendance_change').select('status').where('pupil_id', '=', tommaso).where('date', '=', TOMORROW).executeTakeFirst());

      // The parent's Refezione shows the day closed, with the reason.
      const ada = new Browser(app.app);
      await ada.login(ADA, { returnTo: '/demo/' });
      const canteen = await ada.get(`/demo/refezione?utente=${tommaso}&dal=${TOMORROW}&al=${TOMORROW}`);
      assert.equal(canteen.statusCode, 200);
      assert.match(canteen.body, /Nessun servizio: chiusura \(Gita scolastica al museo\)/);

      // Tomorrow after its cut-off the freeze runs: nobody at Via dei Tigli is booked, the other schools are.
      const freeze = createFreezeService(db(), fixedClock(new Date('2026-11-27T09:31:00+01:00')));
      assert.equal(await freeze.freezeDay(ente, TOMORROW), 'frozen');
      const booked = (school: number) => db().selectFrom('attendance').select('pupil_id').where('ente_id', '=', enteId).where('date', '=', TOMORROW).where('school_id', '=', school).execute();
      assert.equal((await booked(tigli)).length, 0);
      assert.ok((await booked(arcobaleno)).length > 0);
      const counts = await db().selectFrom('meal_count').select(['school_id', 'meals']).where('ente_id', '=', enteId).where('date', '=', TOMORROW).execute();
      assert.ok(!counts.some((c) => c.school_id === tigli), 'no kitchen count for the closed school');
      assert.ok(counts.some((c) => c.school_id === arcobaleno && c.meals > 0));
    });

    it('a closure on a frozen day is refused, and so is one past the cut-off', async () => {
      const before = { closures: await count('closure'), events: await calendarEvents() };
      // Tomorrow is frozen now (previous test): closing it at another school is refused.
      const frozen = await addClosure({ scuola: String(arcobaleno), dal: '27/11/2026', al: '', motivo: 'Disinfestazione' });
      assert.equal(frozen.statusCode, 422);
      assert.ok(frozen.body.includes(shown(t.problems.dayDecided!)));
      assert.match(frozen.body, /correzioni delle presenze/);
      // Today is before its cut-off, but today's freeze may have begun: the day_freeze row decides it.
      const clock = fixedClock(new Date('2026-11-26T07:59:00+01:00'));
      await db().insertInto('day_freeze').values({ ente_id: enteId, date: TODAY, frozen_at: clock.now().toISOString(), meals: 0, claimed_at: clock.now().toISOString(), completed_at: null }).execute();
      const today = await addClosure({ scuola: String(arcobaleno), dal: '26/11/2026', al: '', motivo: 'Disinfestazione' });
      assert.equal(today.statusCode, 422);
      assert.ok(today.body.includes(shown(t.problems.dayDecided!)));
      // The service refuses it too, whatever the route.
      await assert.rejects(
        app.app.services.calendar.addClosure(await officeContext(), { schoolId: null, from: TODAY, to: TODAY, reason: 'Sciopero generale' }),
        (error: unknown) => error instanceof InvalidInputError && error.problems.dal === 'dayDecided',
      );
      assert.deepEqual({ closures: await count('closure'), events: await calendarEvents() }, before);
    });

    it('a closed day cannot be notified as an absence', async () => {
      const added = await addClosure({ scuola: String(tigli), dal: '30/11/2026', al: '01/12/2026', motivo: 'Elezioni amministrative' });
      assert.equal(added.statusCode, 303);
      await assert.rejects(
        app.app.services.absences.submit(ente, { fiscalCode: ADA }, { pupilId: tommaso, from: '2026-11-30', to: '2026-12-01', kind: 'absent', submissionKey: 'calendar-2' }),
        (error: unknown) => error instanceof InvalidInputError && (error.problems as Record<string, string>).from === 'noServiceDay',
      );
    });

    it('removes a closure not begun yet, audited, and keeps one already begun', async () => {
      const elections = await db().selectFrom('closure_period').selectAll().where('ente_id', '=', enteId).where('reason', '=', 'Elezioni amministrative').executeTakeFirstOrThrow();
      const page = await office.get(`/demo/ufficio/calendario/chiusure/${elections.id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Elezioni amministrative/);
      const removed = await office.post(`/demo/ufficio/calendario/chiusure/${elections.id}/rimuovi`, { _csrf: office.csrfFrom(page.body) });
      assert.equal(removed.statusCode, 303);
      assert.equal(await db().selectFrom('closure_period').select('id').where('id', '=', elections.id).executeTakeFirst(), undefined);
      assert.deepEqual(await db().selectFrom('closure').select('id').where('period_id', '=', elections.id).execute(), []);
      const event = await lastEvent('office.closure.remove');
      assert.equal(event.subject_id, elections.id);
      assert.deepEqual(JSON.parse(event.before_json!), { school_id: tigli, starts_on: '2026-11-30', ends_on: '2026-12-01', reason: 'Elezioni amministrative' });
      assert.equal(event.after_json, null);
      // Removed twice: there is nothing to remove.
      assert.equal((await office.post(`/demo/ufficio/calendario/chiusure/${elections.id}/rimuovi`, { _csrf: office.csrfFrom(page.body) })).statusCode, 404);

      // A closure whose days are past stays, and its page says why.
      const past = await db().selectFrom('closure_period').selectAll().where('ente_id', '=', enteId).where('reason', '=', 'Ponte della Commemorazione dei defunti').executeTakeFirstOrThrow();
      const pastPage = await office.get(`/demo/ufficio/calendario/chiusure/${past.id}`);
      assert.ok(pastPage.body.includes(shown(t.notRemovable)));
      assert.doesNotMatch(pastPage.body, /\/rimuovi"/, 'no removal form');
      const refused = await office.post(`/demo/ufficio/calendario/chiusure/${past.id}/rimuovi`, { _csrf: office.csrfFrom(page.body) });
      assert.equal(refused.statusCode, 422);
      assert.ok(refused.body.includes(shown(t.problems.removeDecided!)));
      assert.equal((await db().selectFrom('closure').select('id').where('period_id', '=', past.id).execute()).length, 1);
      // Another ente's closure is nobody's here.
      const foreign = await db().selectFrom('closure_period').select('id').where('ente_id', '<>', enteId).executeTakeFirst();
      if (foreign) assert.equal((await office.get(`/demo/ufficio/calendario/chiusure/${foreign.id}`)).statusCode, 404);
    });

    it('tells the changes in words in the activity log', async () => {
      const log = await office.get('/demo/ufficio/registro-attivita');
      assert.equal(log.statusCode, 200);
      for (const text of ['Ha aggiunto una chiusura', 'Ha rimosso una chiusura', 'Ha creato un anno scolastico', 'Ha cambiato le date di un anno scolastico', 'motivo: Gita scolastica al museo', 'chiusura n. ', 'anno scolastico: 2027/2028', 'inizio: 2027-09-13 → 2027-09-15']) {
        assert.ok(log.body.includes(text), text);
      }
    });

    it('pages a long list of closures, the latest days first, each row once', async () => {
      const faro = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).where('name', 'like', '%Faro%').executeTakeFirstOrThrow()).id;
      const context = await officeContext();
      const days: string[] = [];
      for (let date = '2027-01-07'; days.length < 55; date = addDays(date, 1)) days.push(date);
      for (const date of days) await app.app.services.calendar.addClosure(context, { schoolId: faro, from: date, to: date, reason: `Laboratorio ${date}` });
      const first = await office.get(`/demo/ufficio/calendario?anno=${yearId}&scuola=${faro}`);
      const reasonsOf = (html: string) => [...html.matchAll(/Laboratorio (\d{4}-\d{2}-\d{2})/g)].map((match) => match[1]!);
      assert.deepEqual(reasonsOf(first.body), [...days].reverse().slice(0, 50));
      const next = /href="([^"]*dopo=[^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
      assert.match(next, new RegExp(`anno=${yearId}&scuola=${faro}`), 'the filters are kept');
      const second = await office.get(next);
      assert.deepEqual(reasonsOf(second.body), [...days].reverse().slice(50));
      assert.doesNotMatch(second.body, /Pagina successiva/);
    });

    /** The amministratore's context, as the back office's scope issues it. */
    async function officeContext() {
      return app.app.services.operators.authorize(ente, { fiscalCode: admin.fiscalCode }, 'calendar.manage');
    }
  });
}

/** Migration 0022 on a database with closures written a row per day: consecutive days of one place and reason become one period. */
for (const { engine, skip } of testEngines()) {
  describe(`migration 0022 (closure periods) on ${engine}`, { skip }, () => {
    const databaseOfSuite = suiteDatabase(engine);

    it('groups the existing days into periods and keeps every day', async () => {
      const database = databaseOfSuite();
      const migrator = migratorFor(database);
      const before0022 = migrationBefore('0022_calendar');
      assert.equal((await migrator.migrateTo(before0022)).error, undefined);
      const ente = await sql<{ id: number }>`
        insert into ente (slug, name, tax_code, cutoff_time, office_name, office_email, office_phone, office_hours, office_address, created_at)
        values ('prova', 'Comune di Prova', '00100010016', '09:30', 'Ufficio scuola', 'scuola@prova.example', '000 000', '9-12', 'Piazza 1', '2026-09-01T08:00:00.000Z') returning id`.execute(database.db);
      const enteId = ente.rows[0]!.id;
      const school = await sql<{ id: number }>`insert into school (ente_id, name, level, address) values (${enteId}, 'Scuola di Prova', 'primaria', 'Via 1') returning id`.execute(database.db);
      const schoolId = school.rows[0]!.id;
      const day = (date: string, reason: string, where: number | null = null) => sql`insert into closure (ente_id, school_id, date, reason) values (${enteId}, ${where}, ${date}, ${reason})`.execute(database.db);
      // Christmas over a new year, written out of order; a gap; a strike at the school on a Christmas day; the same reason later.
      for (const date of ['2026-12-24', '2026-12-23', '2026-12-31', '2027-01-01']) await day(date, 'Vacanze di Natale');
      for (let d = 25; d <= 30; d++) await day(`2026-12-${d}`, 'Vacanze di Natale');
      await day('2026-12-28', 'Sciopero', schoolId);
      await day('2027-01-06', 'Vacanze di Natale');
      await day('2027-01-06', 'Vacanze di Natale');

      assert.equal((await migrator.migrateToLatest()).error, undefined);
      const periods = await database.db.selectFrom('closure_period').select(['id', 'school_id', 'starts_on', 'ends_on', 'reason']).orderBy('starts_on').orderBy('school_id').execute();
      assert.deepEqual(
        periods.map((p) => [p.school_id, p.starts_on, p.ends_on, p.reason]),
        [
          [null, '2026-12-23', '2027-01-01', 'Vacanze di Natale'],
          [schoolId, '2026-12-28', '2026-12-28', 'Sciopero'],
          [null, '2027-01-06', '2027-01-06', 'Vacanze di Natale'],
        ],
      );
      const days = await database.db.selectFrom('closure').select(['date', 'period_id']).execute();
      assert.equal(days.length, 13, 'every day kept, the day written twice too');
      assert.ok(days.every((d) => d.period_id !== null));
      assert.equal(days.filter((d) => d.period_id === periods[0]!.id).length, 10);
    });
  });
}
