import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { it as messages } from '../../src/web/i18n/it';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, buildPerson, buildPupil, enteIdOf, type BuiltPerson, type BuiltPupil } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { loginAs } from '../helpers/login-as';
import { enrolmentsOfPupil } from '../../src/domain/registry/queries';

/** In the school year 2026/2027 of the demo, after the Christmas closure. */
const NOW = '2027-01-20T10:00:00+01:00';
const t = messages.officeEnrolments;

/** What the page shows of a catalogue text (HTML escapes quotes and ampersands only). */
const shown = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

for (const { engine, skip } of testEngines()) {
  describe(`enrolments in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let prepaidId: number;
    let yearId: number;
    let bandA: number;
    let bandB: number;
    const db = () => app.database.db;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      prepaidId = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'prepaid').executeTakeFirstOrThrow()).id;
      yearId = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2026/2027').executeTakeFirstOrThrow()).id;
      const band = async (code: string) =>
        (await db().selectFrom('tariff').select('id').where('service_id', '=', prepaidId).where('school_year_id', '=', yearId).where('band_code', '=', code).executeTakeFirstOrThrow()).id;
      bandA = await band('A');
      bandB = await band('B');
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    /** A holder of age (the builder's people may be born as late as 2009) and a child linked to them as intestatario. */
    let adults = 0;
    async function buildFamily(_db: unknown, _enteId: number) {
      const n = ++adults;
      const holder = await buildPerson(db(), enteId, { birthDate: `${1970 + (n % 20)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + ((n * 7) % 28)).padStart(2, '0')}` });
      const pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { familyName: holder.familyName });
      return { holder, pupils: [pupil] };
    }

    const base = (pupil: BuiltPupil) => `/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/iscrizioni`;
    const enrolmentsOf = async (pupil: BuiltPupil) => db().selectFrom('enrolment').selectAll().where('pupil_id', '=', pupil.pupilId).execute();

    /** A complete, valid creation form for the family's pupil. */
    async function createForm(pupil: BuiltPupil, holder: BuiltPerson, fields: Record<string, string> = {}) {
      const page = await office.get(`${base(pupil)}/nuova`);
      assert.equal(page.statusCode, 200);
      return {
        _csrf: office.csrfFrom(page.body),
        servizio: String(prepaidId),
        anno: String(yearId),
        scuola: String(pupil.schoolId),
        classe: '2A',
        intestatario: String(holder.id),
        fascia: String(bandA),
        isee: '',
        data_isee: '',
        modalita: 'pagopa',
        iban: '',
        destinatario_fattura: `${holder.givenName} ${holder.familyName}`,
        indirizzo_fattura: 'Via della Prova 1, 00100 Roma (RM)',
        email_fattura: '',
        esenzione_percentuale: '',
        esenzione_motivo: '',
        esenzione_dal: '',
        esenzione_al: '',
        dal: '14/09/2026',
        ...fields,
      };
    }

    async function enrolled(fields: Record<string, string> = {}) {
      const { holder, pupils } = await buildFamily(db(), enteId);
      const pupil = pupils[0]!;
      const created = await office.post(`${base(pupil)}/nuova`, await createForm(pupil, holder, fields));
      assert.equal(created.statusCode, 303, created.body.slice(0, 500));
      const [enrolment] = await enrolmentsOf(pupil);
      return { holder, pupil, enrolment: enrolment! };
    }

    async function freezeAndCharge(...dates: string[]) {
      for (const date of dates) {
        await app.app.services.freeze.freezeDay(ente, date);
        await app.app.services.charging.chargeDay(ente, date);
      }
    }

    it('creates an enrolment with its first term, an audit event with the values after, and the ISEE band', async () => {
      const { pupil, enrolment } = await enrolled({ fascia: '', isee: '8.500,50', data_isee: '10/01/2027', modalita: 'sepa', iban: 'IT60 X054 2811 1010 0000 0123 456' });
      // 8.500,50 € falls in band B (6.000,01–12.000,00).
      assert.equal(enrolment.tariff_id, bandB);
      assert.equal(enrolment.isee_cents, 850_050);
      assert.equal(enrolment.isee_attested_on, '2027-01-10');
      assert.equal(enrolment.debit_iban, 'IT60X0542811101000000123456');
      const terms = await db().selectFrom('enrolment_term').selectAll().where('enrolment_id', '=', enrolment.id).execute();
      assert.equal(terms.length, 1);
      assert.equal(terms[0]!.valid_from, '2026-09-14');
      const event = await db().selectFrom('audit_event').selectAll().where('subject_type', '=', 'enrolment').where('subject_id', '=', enrolment.id).executeTakeFirstOrThrow();
      assert.equal(event.action, 'office.enrolment.create');
      assert.equal(event.actor_fiscal_code, MARCO);
      assert.equal(event.before_json, null);
      assert.match(event.after_json!, /"isee_cents":850050/);
      assert.doesNotMatch(event.after_json!, /0123456/, 'the audit never keeps a whole IBAN');
      const page = await office.get(`${base(pupil)}/${enrolment.id}?esito=created`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(shown(t.saved.created!)));
      assert.match(page.body, /Fascia B/);
    });

    it('refuses each bad input of the creation form with 422, the field’s message, the input kept and nothing written', async () => {
      const { holder, pupils } = await buildFamily(db(), enteId);
      const pupil = pupils[0]!;
      const cases: { fields: Record<string, string>; field: string; message: string; kept?: string }[] = [
        { fields: { classe: '3A\u0000' }, field: 'classe', message: messages.forms.problems.controlCharacters, kept: 'value="3A"' },
        { fields: { destinatario_fattura: 'Anna\u0007 Rossi' }, field: 'destinatario_fattura', message: messages.forms.problems.controlCharacters, kept: 'value="Anna Rossi"' },
        { fields: { fascia: '', isee: '99999999999999999999', data_isee: '10/01/2027' }, field: 'isee', message: t.problems.iseeInvalid!, kept: 'value="99999999999999999999"' },
        { fields: { servizio: '99999999999999999999' }, field: 'servizio', message: t.problems.choose! },
        { fields: { modalita: 'sepa', iban: 'IT61X0542811101000000123456' }, field: 'iban', message: t.problems.ibanInvalid!, kept: 'value="IT61X0542811101000000123456"' },
        { fields: { dal: '01/07/2027' }, field: 'dal', message: t.problems.dateOutsideYear!, kept: 'value="01/07/2027"' },
        { fields: { dal: '31/02/2027' }, field: 'dal', message: t.problems.dateInvalid! },
        { fields: { fascia: String(bandA), isee: '5000', data_isee: '10/01/2027' }, field: 'fascia', message: t.problems.bandAndIsee! },
        { fields: { fascia: '', isee: '5000' }, field: 'data_isee', message: t.problems.iseeDateRequired! },
        { fields: { classe: 'x'.repeat(3000) }, field: 'classe', message: messages.forms.problems.tooLong },
        { fields: { esenzione_percentuale: '150', esenzione_motivo: 'Servizi sociali', esenzione_dal: '14/09/2026' }, field: 'esenzione_percentuale', message: t.problems.percentInvalid! },
        { fields: { intestatario: String(pupil.id) }, field: 'intestatario', message: t.problems.holderNotLinked! },
      ];
      for (const c of cases) {
        const response = await office.post(`${base(pupil)}/nuova`, await createForm(pupil, holder, c.fields));
        assert.equal(response.statusCode, 422, `${c.field}: ${JSON.stringify(c.fields).slice(0, 80)}`);
        assert.ok(response.body.includes(shown(c.message)), `${c.field} shows its message`);
        assert.match(response.body, new RegExp(`id="${c.field}-problem"`), `${c.field}'s problem is under the field`);
        assert.match(response.body, new RegExp(`href="#${c.field}"`), 'the error summary links to the field');
        if (c.kept) assert.ok(response.body.includes(c.kept), `${c.field}: the input is kept`);
        assert.equal((await enrolmentsOf(pupil)).length, 0, 'nothing written');
      }
      // The same field sent twice is not something our page sends.
      const form = await createForm(pupil, holder);
      const twice = await office.request({
        method: 'POST',
        url: `${base(pupil)}/nuova`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams(form).toString()}&classe=3B`,
      });
      assert.equal(twice.statusCode, 422);
      assert.equal((await enrolmentsOf(pupil)).length, 0);
      // The unique constraint: one enrolment per pupil, service and year.
      assert.equal((await office.post(`${base(pupil)}/nuova`, await createForm(pupil, holder))).statusCode, 303);
      const again = await office.post(`${base(pupil)}/nuova`, await createForm(pupil, holder));
      assert.equal(again.statusCode, 422);
      assert.ok(again.body.includes(shown(t.problems.alreadyEnrolled!)));
      assert.equal((await enrolmentsOf(pupil)).length, 1);
    });

    it('a band change from 1 February leaves January as billed, and a January day charged later still at the old band', async () => {
      const { pupil, enrolment } = await enrolled();
      await freezeAndCharge('2027-01-11', '2027-01-12', '2027-01-13', '2027-01-14', '2027-01-15');
      const january = await db().selectFrom('charge').selectAll().where('enrolment_id', '=', enrolment.id).orderBy('id').execute();
      assert.equal(january.length, 5);
      assert.ok(january.every((c) => c.tariff_id === bandA && c.unit_price_cents === 200));

      const manage = await office.get(`${base(pupil)}/${enrolment.id}`);
      const changed = await office.post(`${base(pupil)}/${enrolment.id}/variazione`, {
        _csrf: office.csrfFrom(manage.body), versione: String(enrolment.version), dal: '01/02/2027', scuola: String(pupil.schoolId), classe: '2A',
        intestatario: String(enrolment.holder_person_id), fascia: String(bandB), isee: '', data_isee: '', modalita: 'pagopa', iban: '',
      });
      assert.equal(changed.statusCode, 303, changed.body.slice(0, 300));
      // A change cannot start on a day already closed.
      const page = await office.get(`${base(pupil)}/${enrolment.id}`);
      assert.match(page.body, /Fascia B/);
      const version = (await db().selectFrom('enrolment').select('version').where('id', '=', enrolment.id).executeTakeFirstOrThrow()).version;
      const early = await office.post(`${base(pupil)}/${enrolment.id}/variazione`, {
        _csrf: office.csrfFrom(page.body), versione: String(version), dal: '15/01/2027', scuola: String(pupil.schoolId), classe: '2A',
        intestatario: String(enrolment.holder_person_id), fascia: String(bandA), isee: '', data_isee: '', modalita: 'pagopa', iban: '',
      });
      assert.equal(early.statusCode, 422);
      assert.ok(early.body.includes(shown(t.problems.dateNotAfterFrozen!)));
      assert.ok(early.body.includes('value="15/01/2027"'), 'the input is kept');

      // February is charged, then the late January days (a catch-up after the change).
      await freezeAndCharge('2027-02-01', '2027-02-02', '2027-02-03', '2027-02-04', '2027-02-05');
      await freezeAndCharge('2027-01-25', '2027-01-26', '2027-01-27', '2027-01-28', '2027-01-29');
      const charges = await db().selectFrom('charge').selectAll().where('enrolment_id', '=', enrolment.id).orderBy('date').execute();
      assert.equal(charges.length, 15);
      for (const c of charges) {
        const expected = c.date < '2027-02-01' ? { tariff: bandA, price: 200 } : { tariff: bandB, price: 320 };
        assert.equal(c.tariff_id, expected.tariff, `${c.date} at the band in force`);
        assert.equal(c.unit_price_cents, expected.price);
      }
      // Nothing already charged was rewritten.
      const again = await db().selectFrom('charge').selectAll().where('id', 'in', january.map((c) => c.id)).orderBy('id').execute();
      assert.deepEqual(again, january);
      const terms = await db().selectFrom('enrolment_term').select(['valid_from', 'tariff_id']).where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
      assert.deepEqual(terms, [{ valid_from: '2026-09-14', tariff_id: bandA }, { valid_from: '2027-02-01', tariff_id: bandB }]);
      // What the Scheda shows of the enrolment is the band in force on the day it is read.
      const bandOn = async (day: string) =>
        (await enrolmentsOfPupil(db(), enrolment.ente_id, pupil.pupilId, day)).find((e) => e.id === enrolment.id)!.tariffId;
      assert.equal(await bandOn('2027-01-31'), bandA);
      assert.equal(await bandOn('2027-02-01'), bandB);
    });

    it('a school and class change from a day moves the pupil’s meals to the new school’s counts from that day', async () => {
      const { pupil, enrolment } = await enrolled();
      const other = await db().selectFrom('school').select('id').where('ente_id', '=', enteId).where('id', '!=', pupil.schoolId).where('service_weekdays', 'like', '%2%').orderBy('id').executeTakeFirstOrThrow();
      await freezeAndCharge('2027-02-15');
      const manage = await office.get(`${base(pupil)}/${enrolment.id}`);
      const changed = await office.post(`${base(pupil)}/${enrolment.id}/variazione`, {
        _csrf: office.csrfFrom(manage.body), versione: String(enrolment.version), dal: '16/02/2027', scuola: String(other.id), classe: '3B',
        intestatario: String(enrolment.holder_person_id), fascia: String(bandA), isee: '', data_isee: '', modalita: 'pagopa', iban: '',
      });
      assert.equal(changed.statusCode, 303, changed.body.slice(0, 300));
      await freezeAndCharge('2027-02-16');
      const days = await db().selectFrom('attendance').select(['date', 'school_id', 'status']).where('pupil_id', '=', pupil.pupilId).orderBy('date').execute();
      assert.deepEqual(days, [
        { date: '2027-02-15', school_id: pupil.schoolId, status: 'present' },
        { date: '2027-02-16', school_id: other.id, status: 'present' },
      ]);
      // The kitchen's counts are the attendance's, school by school: the new school's count of the 16th has the pupil.
      for (const [date, school] of [['2027-02-15', pupil.schoolId], ['2027-02-16', other.id]] as const) {
        const counted = await db().selectFrom('meal_count').select((eb) => eb.fn.sum<number>('meals').as('meals')).where('ente_id', '=', enteId).where('date', '=', date).where('school_id', '=', school).executeTakeFirstOrThrow();
        const present = await db().selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')).where('ente_id', '=', enteId).where('date', '=', date).where('school_id', '=', school).where('status', '=', 'present').executeTakeFirstOrThrow();
        assert.equal(Number(counted.meals), Number(present.n), `${date}: the count of the pupil's school is its attendance`);
        assert.ok(Number(present.n) >= 1);
      }
      const pupilNow = await db().selectFrom('pupil').select(['school_id', 'class_name']).where('id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      assert.deepEqual(pupilNow, { school_id: other.id, class_name: '3B' });
    });

    it('withdraws from a date: booked days after it removed, absence notices kept, nothing charged after it', async () => {
      const { pupil, enrolment } = await enrolled();
      await freezeAndCharge('2027-02-08');
      await app.app.services.freeze.freezeDay(ente, '2027-02-09');
      await db().insertInto('attendance_change').values({ ente_id: enteId, pupil_id: pupil.pupilId, date: '2027-02-15', status: 'absent', source: 'parent', notice_id: null, set_at: new Date().toISOString() }).execute();
      const booked = await db().selectFrom('attendance').select('date').where('enrolment_id', '=', enrolment.id).orderBy('date').execute();
      assert.deepEqual(booked.map((b) => b.date), ['2027-02-08', '2027-02-09']);

      const manage = await office.get(`${base(pupil)}/${enrolment.id}`);
      // A day after the date is already charged: refused (a storno comes first).
      const refused = await office.post(`${base(pupil)}/${enrolment.id}/ritiro`, { _csrf: office.csrfFrom(manage.body), versione: String(enrolment.version), ultimo_giorno: '05/02/2027' });
      assert.equal(refused.statusCode, 422);
      assert.ok(refused.body.includes(shown(t.problems.chargedAfter!)));
      const bad = await office.post(`${base(pupil)}/${enrolment.id}/ritiro`, { _csrf: office.csrfFrom(manage.body), versione: String(enrolment.version), ultimo_giorno: '08/02/2027\u0000' });
      assert.equal(bad.statusCode, 422);
      assert.equal((await db().selectFrom('enrolment').select('state').where('id', '=', enrolment.id).executeTakeFirstOrThrow()).state, 'attiva');

      const done = await office.post(`${base(pupil)}/${enrolment.id}/ritiro`, { _csrf: office.csrfFrom(manage.body), versione: String(enrolment.version), ultimo_giorno: '08/02/2027' });
      assert.equal(done.statusCode, 303);
      const row = await db().selectFrom('enrolment').select(['state', 'ends_on']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { state: 'cessata', ends_on: '2027-02-08' });
      assert.deepEqual((await db().selectFrom('attendance').select('date').where('enrolment_id', '=', enrolment.id).execute()).map((b) => b.date), ['2027-02-08']);
      assert.equal((await db().selectFrom('attendance_change').select('date').where('pupil_id', '=', pupil.pupilId).execute()).length, 1, 'the absence notice stays');

      await app.app.services.charging.chargeDay(ente, '2027-02-09');
      await freezeAndCharge('2027-02-10', '2027-02-11');
      const charged = await db().selectFrom('charge').select('date').where('enrolment_id', '=', enrolment.id).execute();
      assert.deepEqual(charged.map((c) => c.date), ['2027-02-08'], 'nothing charged after the last day');
      assert.equal((await db().selectFrom('attendance').select('date').where('enrolment_id', '=', enrolment.id).where('date', '>', '2027-02-08').execute()).length, 0, 'nothing booked after it');
    });

    it('re-enrols for the next school year with the same band code, holder and payment, the class advanced', async () => {
      const { pupil, holder, enrolment } = await enrolled({ fascia: String(bandB), modalita: 'sepa', iban: 'IT60X0542811101000000123456' });
      const manage = await office.get(`${base(pupil)}/${enrolment.id}`);
      assert.ok(manage.body.includes(shown(t.renewNoYear)), 'no next year yet');
      const next = await db().insertInto('school_year').values({ ente_id: enteId, label: '2027/2028', starts_on: '2027-09-13', ends_on: '2028-06-09' }).returning('id').executeTakeFirstOrThrow();
      const codes = await db().selectFrom('tariff').selectAll().where('service_id', '=', prepaidId).where('school_year_id', '=', yearId).execute();
      for (const c of codes) {
        const { id: _id, ...rest } = c;
        await db().insertInto('tariff').values({ ...rest, school_year_id: next.id, amount_cents: c.amount_cents + 10 }).execute();
      }
      const nextB = (await db().selectFrom('tariff').select('id').where('school_year_id', '=', next.id).where('service_id', '=', prepaidId).where('band_code', '=', 'B').executeTakeFirstOrThrow()).id;

      const proposal = await office.get(`${base(pupil)}/${enrolment.id}/rinnovo`);
      assert.equal(proposal.statusCode, 200);
      assert.ok(proposal.body.includes('value="3A"'), 'the class advanced');
      assert.ok(proposal.body.includes(`<option value="${nextB}" selected`), 'the band of the same code in the new year');
      assert.ok(proposal.body.includes('value="13/09/2027"'));
      const created = await office.post(`${base(pupil)}/nuova`, {
        ...(await createForm(pupil, holder)),
        anno: String(next.id), fascia: String(nextB), classe: '3A', modalita: 'sepa', iban: 'IT60X0542811101000000123456', dal: '13/09/2027', rinnovo_di: String(enrolment.id),
      });
      assert.equal(created.statusCode, 303, created.body.slice(0, 300));
      const renewed = await db().selectFrom('enrolment').selectAll().where('pupil_id', '=', pupil.pupilId).where('school_year_id', '=', next.id).executeTakeFirstOrThrow();
      assert.equal(renewed.tariff_id, nextB);
      assert.equal(renewed.holder_person_id, holder.id);
      assert.equal(renewed.payment_mode, 'sepa');
      assert.equal(renewed.starts_on, '2027-09-13');
      const event = await db().selectFrom('audit_event').select('action').where('subject_type', '=', 'enrolment').where('subject_id', '=', renewed.id).executeTakeFirstOrThrow();
      assert.equal(event.action, 'office.enrolment.renew');
      const after = await office.get(`${base(pupil)}/${enrolment.id}`);
      assert.ok(after.body.includes(`${base(pupil)}/${renewed.id}`), 'the manage page links the new year');
    });

    it('two saves of one enrolment from the same version: one wins, the other sees the conflict with the values saved now', async () => {
      const { pupil, enrolment } = await enrolled();
      const first = new Browser(app.app);
      const second = new Browser(app.app);
      await first.login(MARCO, { returnTo: '/demo/ufficio/' });
      const operator = await buildOperator(db(), enteId, 'operatore');
      await loginAs(second, operator, '/demo/ufficio/');
      const [pageA, pageB] = [await first.get(`${base(pupil)}/${enrolment.id}`), await second.get(`${base(pupil)}/${enrolment.id}`)];
      const form = (classe: string, csrf: string) => ({
        _csrf: csrf, versione: String(enrolment.version), dal: '01/03/2027', scuola: String(pupil.schoolId), classe, intestatario: String(enrolment.holder_person_id),
        fascia: String(bandA), isee: '', data_isee: '', modalita: 'pagopa', iban: '',
      });
      const a = await first.post(`${base(pupil)}/${enrolment.id}/variazione`, form('2B', first.csrfFrom(pageA.body)));
      const b = await second.post(`${base(pupil)}/${enrolment.id}/variazione`, form('2C', second.csrfFrom(pageB.body)));
      assert.equal(a.statusCode, 303);
      assert.equal(b.statusCode, 409);
      assert.ok(b.body.includes(shown(messages.forms.problems.conflict)), 'the conflict message');
      assert.match(b.body, /<dt class="col-sm-4">Classe<\/dt><dd class="col-sm-8">2B<\/dd>/, 'the value saved now');
      assert.ok(b.body.includes('value="2C"'), 'the input kept');
      const terms = await db().selectFrom('enrolment_term').select('class_name').where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
      assert.deepEqual(terms.map((x) => x.class_name), ['2A', '2B'], 'the second save wrote nothing');
      const changes = await db().selectFrom('audit_event').select('before_json').where('subject_id', '=', enrolment.id).where('action', '=', 'office.enrolment.change').execute();
      assert.equal(changes.length, 1);
      assert.match(changes[0]!.before_json!, /"class_name":"2A"/);
    });

    it('is the office’s alone: a parent, the kitchen, anonymous and another ente’s operator are refused', async () => {
      const { pupil, enrolment } = await enrolled();
      const paths = [`${base(pupil)}`, `${base(pupil)}/nuova`, `${base(pupil)}/${enrolment.id}`, `${base(pupil)}/${enrolment.id}/rinnovo`];
      const anonymous = new Browser(app.app);
      for (const path of paths) {
        const response = await anonymous.get(path);
        assert.ok([302, 303].includes(response.statusCode), `anonymous ${path}: ${response.statusCode}`);
        assert.match(String(response.headers.location), /\/auth\/login/);
      }
      assert.equal((await anonymous.post(`${base(pupil)}/${enrolment.id}/ritiro`, { versione: '1', ultimo_giorno: '08/02/2027' })).statusCode, 403);
      for (const who of [ADA, LUCA]) {
        const browser = new Browser(app.app);
        await browser.login(who, { returnTo: '/demo/' });
        for (const path of paths) assert.equal((await browser.get(path)).statusCode, 403, `${who} ${path}`);
        const home = await browser.get('/demo/');
        const posted = await browser.post(`${base(pupil)}/${enrolment.id}/ritiro`, { _csrf: browser.csrfFrom(home.body), versione: '1', ultimo_giorno: '08/02/2027' });
        assert.equal(posted.statusCode, 403);
      }
      // An operator of another ente: refused at this ente's office, and this ente's pupil is nobody in theirs.
      const otherId = await enteIdOf(db(), 'unione-colline');
      const stranger = await buildOperator(db(), otherId, 'amministratore');
      const browser = new Browser(app.app);
      await loginAs(browser, stranger, '/unione-colline/ufficio/');
      assert.equal((await browser.get(`${base(pupil)}/${enrolment.id}`)).statusCode, 403);
      assert.equal((await browser.get(`/unione-colline/ufficio/anagrafe/alunni/${pupil.pupilId}/iscrizioni/${enrolment.id}`)).statusCode, 404);
      assert.equal((await browser.get(`/unione-colline/ufficio/anagrafe/alunni/${pupil.pupilId}/iscrizioni`)).statusCode, 404);
      assert.equal((await db().selectFrom('enrolment').select('state').where('id', '=', enrolment.id).executeTakeFirstOrThrow()).state, 'attiva');
    });
  });
}
