import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../src/db/schema';
import { ADA, Browser, LUCA, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildEnrolment, buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { termInForce } from '../../src/domain/registry/terms';
import { count, freshCode, personForm, postRaw, withTwice } from '../helpers/office-people';

const adultsOf = (pupilId: number) => `/demo/ufficio/anagrafe/alunni/${pupilId}/adulti`;

async function links(db: Kysely<DB>, pupilId: number) {
  return db.selectFrom('pupil_holder').select(['person_id', 'relation']).where('pupil_id', '=', pupilId).orderBy('person_id').execute();
}

for (const { engine, skip } of testEngines()) {
  describe(`the adults of a pupil, in the office, on ${engine}`, { skip }, () => {
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

    async function family() {
      const holder = await buildPerson(db, enteId, { givenName: 'Irene', familyName: 'Capofamiglia' });
      const pupil = await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Nico' });
      return { holder, pupil };
    }

    it('links an adult already in the registry as delegato, and a new one as cointestatario in two steps; each link audited', async () => {
      const { holder, pupil } = await family();
      const grandma = await buildPerson(db, enteId, { givenName: 'Nonna', familyName: 'Papera' });
      const page = await office.get(adultsOf(pupil.pupilId));
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Irene Capofamiglia/);
      assert.match(page.body, /<strong>Intestatario<\/strong>/);
      const csrf = office.csrfFrom(page.body);
      const linked = await office.post(adultsOf(pupil.pupilId), { _csrf: csrf, passo: '1', codice_fiscale: grandma.fiscalCode, legame: 'delegato' });
      assert.equal(linked.statusCode, 303);
      assert.equal(linked.headers.location, `${adultsOf(pupil.pupilId)}?fatto=collegato`);
      const shown = await office.get(String(linked.headers.location));
      assert.match(shown.body, /L’adulto è stato collegato all’alunno/);
      assert.match(shown.body, /Nonna Papera/);

      const code = freshCode('M', { familyName: 'Secondo', givenName: 'Paolo' });
      const step = await office.post(adultsOf(pupil.pupilId), { _csrf: csrf, passo: '1', codice_fiscale: code, legame: 'cointestatario' });
      assert.equal(step.statusCode, 200);
      assert.match(step.body, new RegExp(`Nuova persona con codice fiscale ${code}`));
      assert.match(step.body, /name="cognome"/);
      const people = await count(db, 'person');
      const created = await office.post(adultsOf(pupil.pupilId), {
        _csrf: csrf, passo: '2', legame: 'cointestatario', ...personForm({ codice_fiscale: code, cognome: 'Secondo', nome: 'Paolo', sesso: 'M' }),
      });
      assert.equal(created.statusCode, 303);
      assert.equal(await count(db, 'person'), people + 1);
      const paolo = await db.selectFrom('person').select('id').where('fiscal_code', '=', code).executeTakeFirstOrThrow();
      assert.deepEqual(
        await links(db, pupil.pupilId),
        [
          { person_id: holder.id, relation: 'intestatario' },
          { person_id: grandma.id, relation: 'delegato' },
          { person_id: paolo.id, relation: 'cointestatario' },
        ].sort((a, b) => a.person_id - b.person_id),
      );
      const events = await db.selectFrom('audit_event').select(['action', 'before_json', 'after_json']).where('action', '=', 'pupil.adult.link').where('subject_id', '=', pupil.pupilId).orderBy('id').execute();
      assert.deepEqual(events.map((e) => [e.before_json, JSON.parse(e.after_json!)]), [
        [null, { person_id: grandma.id, relation: 'delegato' }],
        [null, { person_id: paolo.id, relation: 'cointestatario' }],
      ]);
      // The person's page says how they are linked.
      const paoloPage = await office.get(`/demo/ufficio/anagrafe/persone/${paolo.id}`);
      assert.match(paoloPage.body, /<td data-label="Legame">Cointestatario<\/td>/);
    });

    it('refuses a person linked twice, the child as their own adult, bad codes and relations: 422 with the message, nothing written', async () => {
      const { holder, pupil } = await family();
      const page = await office.get(adultsOf(pupil.pupilId));
      const csrf = office.csrfFrom(page.body);
      const before = [await count(db, 'pupil_holder'), await count(db, 'person')];
      const cases: { form: Record<string, string>; message: RegExp }[] = [
        { form: { codice_fiscale: holder.fiscalCode, legame: 'delegato' }, message: /già collegata all’alunno/ },
        { form: { codice_fiscale: pupil.fiscalCode, legame: 'delegato' }, message: /non può essere collegato a se stesso/ },
        { form: { codice_fiscale: 'LVLDAA85T50G702C', legame: 'delegato' }, message: /carattere di controllo/ },
        { form: { codice_fiscale: 'ZZZ', legame: 'delegato' }, message: /non ha la forma giusta/ },
        { form: { codice_fiscale: freshCode(), legame: 'intestatario' }, message: /Scegli il legame con l’alunno/ },
        { form: { codice_fiscale: `${freshCode()}\u0000`, legame: 'delegato' }, message: /caratteri non ammessi/ },
        { form: { codice_fiscale: 'A'.repeat(5000), legame: 'delegato' }, message: /troppo lungo/ },
      ];
      for (const bad of cases) {
        const refused = await office.post(adultsOf(pupil.pupilId), { _csrf: csrf, passo: '1', ...bad.form });
        assert.equal(refused.statusCode, 422, String(bad.message));
        assert.match(refused.body, bad.message);
      }
      const twice = await postRaw(office, adultsOf(pupil.pupilId), withTwice({ _csrf: csrf, passo: '1', codice_fiscale: freshCode(), legame: 'delegato' }, 'legame'));
      assert.equal(twice.statusCode, 422);
      // Step 2 of a new person with an impossible date.
      const code = freshCode();
      const step2 = await office.post(adultsOf(pupil.pupilId), { _csrf: csrf, passo: '2', legame: 'delegato', ...personForm({ codice_fiscale: code, data_nascita: '29/02/2019' }) });
      assert.equal(step2.statusCode, 422);
      assert.match(step2.body, /Scrivi una data che esiste/);
      assert.match(step2.body, /value="29\/02\/2019"/);
      assert.deepEqual([await count(db, 'pupil_holder'), await count(db, 'person')], before);
    });

    it('changes the intestatario: the former becomes cointestatario, the open enrolments move to the new holder in the same transaction, all audited; the intestatario cannot be removed', async () => {
      const { holder, pupil } = await family();
      const other = await buildPerson(db, enteId, { givenName: 'Marta', familyName: 'Altra' });
      await db.insertInto('pupil_holder').values({ ente_id: enteId, pupil_id: pupil.pupilId, person_id: other.id, relation: 'cointestatario' }).execute();
      const open = await buildEnrolment(db, enteId, pupil, holder);
      const closed = await buildEnrolment(db, enteId, pupil, holder, { serviceKind: 'trasporto' });
      await db.updateTable('enrolment').set({ state: 'cessata' }).where('id', '=', closed).execute();
      const page = await office.get(adultsOf(pupil.pupilId));
      const csrf = office.csrfFrom(page.body);

      const removeHolder = await office.post(`${adultsOf(pupil.pupilId)}/${holder.id}/rimuovi`, { _csrf: csrf });
      assert.equal(removeHolder.statusCode, 422);
      assert.match(removeHolder.body, /L’intestatario non si può rimuovere/);
      const notLinked = await office.post(`${adultsOf(pupil.pupilId)}/intestatario`, { _csrf: csrf, persona: String((await buildPerson(db, enteId)).id) });
      assert.equal(notLinked.statusCode, 422);
      assert.match(notLinked.body, /Scegli uno degli adulti collegati/);
      assert.equal((await links(db, pupil.pupilId)).find((l) => l.person_id === holder.id)?.relation, 'intestatario');

      const changed = await office.post(`${adultsOf(pupil.pupilId)}/intestatario`, { _csrf: csrf, persona: String(other.id) });
      assert.equal(changed.statusCode, 303);
      assert.deepEqual(
        await links(db, pupil.pupilId),
        [
          { person_id: holder.id, relation: 'cointestatario' },
          { person_id: other.id, relation: 'intestatario' },
        ].sort((a, b) => a.person_id - b.person_id),
      );
      const moved = await db.selectFrom('enrolment').select(['holder_person_id', 'invoice_recipient', 'version']).where('id', '=', open).executeTakeFirstOrThrow();
      assert.deepEqual(moved, { holder_person_id: other.id, invoice_recipient: 'Marta Altra', version: 2 });
      const kept = await db.selectFrom('enrolment').select('holder_person_id').where('id', '=', closed).executeTakeFirstOrThrow();
      assert.equal(kept.holder_person_id, holder.id, 'a withdrawn enrolment stays as it was');
      const audit = await db.selectFrom('audit_event').select(['action', 'subject_id', 'before_json', 'after_json']).where('actor_fiscal_code', '=', operator.fiscalCode).where('action', 'in', ['pupil.holder.change', 'enrolment.holder.change']).orderBy('id').execute();
      const last = audit.slice(-2);
      assert.deepEqual(last.map((a) => a.action), ['pupil.holder.change', 'enrolment.holder.change']);
      assert.equal(JSON.parse(last[0]!.before_json!).intestatario_person_id, holder.id);
      assert.equal(JSON.parse(last[0]!.after_json!).intestatario_person_id, other.id);
      assert.equal(last[1]!.subject_id, open);
      assert.equal(JSON.parse(last[1]!.before_json!).holder_person_id, holder.id);
      assert.equal(JSON.parse(last[1]!.after_json!).holder_person_id, other.id);

      // The former intestatario, now cointestatario, can be removed.
      const removed = await office.post(`${adultsOf(pupil.pupilId)}/${holder.id}/rimuovi`, { _csrf: csrf });
      assert.equal(removed.statusCode, 303);
      assert.deepEqual(await links(db, pupil.pupilId), [{ person_id: other.id, relation: 'intestatario' }]);
      const unlink = await db.selectFrom('audit_event').select(['before_json', 'after_json']).where('action', '=', 'pupil.adult.unlink').where('subject_id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      assert.deepEqual([JSON.parse(unlink.before_json!), unlink.after_json], [{ person_id: holder.id, relation: 'cointestatario' }, null]);
    });

    it('gives the new intestatario the days not frozen yet: the billing and the reductions read him from then on, the days decided stay the former’s', async () => {
      const { holder, pupil } = await family();
      const other = await buildPerson(db, enteId, { givenName: 'Bruno', familyName: 'Nuovo' });
      await db.insertInto('pupil_holder').values({ ente_id: enteId, pupil_id: pupil.pupilId, person_id: other.id, relation: 'cointestatario' }).execute();
      const open = await buildEnrolment(db, enteId, pupil, holder, { startsOn: '2026-09-14' });
      // Its first term, as the office and the import write it, and a move the office set for January.
      const row = await db.selectFrom('enrolment').selectAll().where('id', '=', open).executeTakeFirstOrThrow();
      const term = {
        ente_id: enteId, enrolment_id: open, school_id: row.school_id, class_name: '1ª A', tariff_id: row.tariff_id, isee_cents: row.isee_cents, isee_attested_on: row.isee_attested_on,
        holder_person_id: holder.id, payment_mode: row.payment_mode, debit_iban: row.debit_iban, author: 'test', created_at: '2026-09-01T08:00:00.000Z',
      };
      await db.insertInto('enrolment_term').values([{ ...term, valid_from: '2026-09-14' }, { ...term, valid_from: '2027-01-07', class_name: '1ª B' }]).execute();
      // Today (26 November) is frozen already.
      await db.insertInto('day_freeze').values({ ente_id: enteId, date: '2026-11-26', frozen_at: '2026-11-26T08:30:00.000Z', meals: 0, claimed_at: null, completed_at: '2026-11-26T08:30:00.000Z' }).execute();
      try {
        const csrf = office.csrfFrom((await office.get(adultsOf(pupil.pupilId))).body);
        assert.equal((await office.post(`${adultsOf(pupil.pupilId)}/intestatario`, { _csrf: csrf, persona: String(other.id) })).statusCode, 303);
        const holderOn = async (date: string) =>
          (await db.selectFrom('enrolment as e').select(termInForce('holder_person_id', 'e', date).as('holder')).where('e.id', '=', open).executeTakeFirstOrThrow()).holder;
        assert.equal(await holderOn('2026-11-26'), holder.id, 'a day already frozen stays the former holder’s');
        assert.equal(await holderOn('2026-11-27'), other.id, 'the next day, the first not frozen, is the new one’s');
        assert.equal(await holderOn('2027-01-07'), other.id, 'the office’s later change keeps the new holder too');
        const terms = await db.selectFrom('enrolment_term').select(['valid_from', 'holder_person_id', 'class_name']).where('enrolment_id', '=', open).orderBy('valid_from').execute();
        assert.deepEqual(terms, [
          { valid_from: '2026-09-14', holder_person_id: holder.id, class_name: '1ª A' },
          { valid_from: '2026-11-27', holder_person_id: other.id, class_name: '1ª A' },
          { valid_from: '2027-01-07', holder_person_id: other.id, class_name: '1ª B' },
        ]);
        const event = await db.selectFrom('audit_event').select('after_json').where('action', '=', 'enrolment.holder.change').where('subject_id', '=', open).executeTakeFirstOrThrow();
        assert.equal(JSON.parse(event.after_json!).valid_from, '2026-11-27');
      } finally {
        await db.deleteFrom('day_freeze').where('ente_id', '=', enteId).where('date', '=', '2026-11-26').execute();
      }
    });

    it('keeps one intestatario when two operators change it at once, and the database refuses a second one', async () => {
      const { pupil } = await family();
      const [a, b] = [await buildPerson(db, enteId), await buildPerson(db, enteId)];
      for (const adult of [a, b]) await db.insertInto('pupil_holder').values({ ente_id: enteId, pupil_id: pupil.pupilId, person_id: adult.id, relation: 'delegato' }).execute();
      const page = await office.get(adultsOf(pupil.pupilId));
      const csrf = office.csrfFrom(page.body);
      const answers = await Promise.all([a, b].map((adult) => office.post(`${adultsOf(pupil.pupilId)}/intestatario`, { _csrf: csrf, persona: String(adult.id) })));
      assert.ok(answers.every((r) => r.statusCode === 303), answers.map((r) => r.statusCode).join());
      const holders = (await links(db, pupil.pupilId)).filter((l) => l.relation === 'intestatario');
      assert.equal(holders.length, 1);
      await assert.rejects(
        db.updateTable('pupil_holder').set({ relation: 'intestatario' }).where('pupil_id', '=', pupil.pupilId).where('relation', '=', sql.lit('cointestatario')).execute(),
        'the unique index pupil_holder_one_intestatario',
      );
    });

    it('keeps a parent, the kitchen, anonymous visitors and another ente’s operator out of the adults’ pages', async () => {
      const { holder, pupil } = await family();
      const before = await links(db, pupil.pupilId);
      const anonymous = await new Browser(t.app).get(adultsOf(pupil.pupilId));
      assert.ok([302, 303].includes(anonymous.statusCode));
      for (const who of [ADA, LUCA]) {
        const browser = new Browser(t.app);
        const home = await browser.login(who, { returnTo: '/demo/' });
        assert.equal((await browser.get(adultsOf(pupil.pupilId))).statusCode, 403);
        const csrf = browser.csrfFrom(home.body);
        assert.equal((await browser.post(adultsOf(pupil.pupilId), { _csrf: csrf, passo: '1', codice_fiscale: ADA, legame: 'delegato' })).statusCode, 403);
        assert.equal((await browser.post(`${adultsOf(pupil.pupilId)}/intestatario`, { _csrf: csrf, persona: String(holder.id) })).statusCode, 403);
      }
      const stranger = new Browser(t.app);
      const own = await stranger.loginAs(await buildOperator(db, await enteIdOf(db, 'unione-colline'), 'amministratore'), { returnTo: '/unione-colline/ufficio/' });
      assert.equal((await stranger.get(adultsOf(pupil.pupilId))).statusCode, 403);
      const theirs = `/unione-colline/ufficio/anagrafe/alunni/${pupil.pupilId}/adulti`;
      const view = await stranger.get(theirs);
      assert.equal(view.statusCode, 404);
      assert.doesNotMatch(view.body, /Capofamiglia/);
      const csrf = stranger.csrfFrom(own.body);
      assert.equal((await stranger.post(theirs, { _csrf: csrf, passo: '1', codice_fiscale: holder.fiscalCode, legame: 'delegato' })).statusCode, 404);
      assert.equal((await stranger.post(`${theirs}/${holder.id}/rimuovi`, { _csrf: csrf })).statusCode, 404);
      assert.equal((await stranger.post(`${theirs}/intestatario`, { _csrf: csrf, persona: String(holder.id) })).statusCode, 404);
      assert.deepEqual(await links(db, pupil.pupilId), before);
    });
  });

  describe(`every adult linked to a pupil uses the portal, until the office removes the link, on ${engine}`, { skip }, () => {
    let t: TestApp;
    let db: Kysely<DB>;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' }, undefined, { history: true });
      db = t.database.db;
      const sent = await t.app.services.notices.publishDue();
      assert.equal(sent.failed, 0);
    });
    after(async () => {
      await t?.close();
    });

    it('lets a delegato and a cointestatario see the Scheda, Documenti and Refezione, communicate an absence and start a payment; after the office removes them, the error page and no data', async () => {
      const enteId = await enteIdOf(db);
      // Any pupil of the demo with two documents to pay whose notices the platform knows: one for each adult.
      const payable = await db
        .selectFrom('document as d')
        .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
        .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
        .innerJoin('person as child', 'child.id', 'p.person_id')
        .select(['d.id as documentId', 'p.id as pupilId', 'child.given_name as givenName', 'child.family_name as familyName'])
        .where('d.ente_id', '=', enteId)
        .where('d.state', '=', 'da_pagare')
        .where('n.position_state', '=', 'published')
        .where('n.state', '=', 'open')
        .orderBy('d.id')
        .execute();
      const target = payable.find((d) => payable.filter((other) => other.pupilId === d.pupilId).length >= 2)!;
      assert.ok(target, 'a pupil with two payable documents');
      const documentsToPay = payable.filter((d) => d.pupilId === target.pupilId).map((d) => d.documentId);
      const operator = await buildOperator(db, enteId, 'operatore');
      const office = new Browser(t.app);
      await office.loginAs(operator, { returnTo: '/demo/ufficio/' });
      const page = await office.get(adultsOf(target.pupilId));
      const csrf = office.csrfFrom(page.body);

      const adults = [
        { relation: 'delegato', givenName: 'Giacomo', familyName: 'Nonno', sex: 'M' as const },
        { relation: 'cointestatario', givenName: 'Serena', familyName: 'Madre', sex: 'F' as const },
      ].map((a) => ({ ...a, fiscalCode: freshCode(a.sex, a) }));
      for (const adult of adults) {
        const step = await office.post(adultsOf(target.pupilId), { _csrf: csrf, passo: '1', codice_fiscale: adult.fiscalCode, legame: adult.relation });
        assert.equal(step.statusCode, 200);
        const linked = await office.post(adultsOf(target.pupilId), {
          _csrf: csrf, passo: '2', legame: adult.relation,
          ...personForm({ codice_fiscale: adult.fiscalCode, nome: adult.givenName, cognome: adult.familyName, sesso: adult.sex }),
        });
        assert.equal(linked.statusCode, 303);
      }

      const childName = `${target.givenName} ${target.familyName}`;
      for (const [i, adult] of adults.entries()) {
        const browser = new Browser(t.app);
        const scheda = await browser.loginAs(adult, { returnTo: '/demo/scheda-anagrafica' });
        assert.equal(scheda.statusCode, 200, `${adult.relation}: Scheda`);
        assert.match(scheda.body, new RegExp(childName));
        const documents = await browser.get('/demo/documenti-contabili');
        assert.equal(documents.statusCode, 200, `${adult.relation}: Documenti`);
        assert.match(documents.body, new RegExp(target.givenName));
        const canteen = await browser.get('/demo/refezione');
        assert.equal(canteen.statusCode, 200, `${adult.relation}: Refezione`);

        const absences = await browser.get('/demo/assenze');
        assert.equal(absences.statusCode, 200);
        const notice = await browser.post('/demo/assenze', {
          _csrf: browser.csrfFrom(absences.body),
          submissionKey: /name="submissionKey" value="([^"]+)"/.exec(absences.body)![1]!,
          utente: String(target.pupilId),
          // A day each: the second adult sees the first one's notice of the same pupil.
          dal: ['30/11/2026', '01/12/2026'][i]!,
          al: ['30/11/2026', '01/12/2026'][i]!,
          tipo: 'absent',
        });
        assert.equal(notice.statusCode, 303, `${adult.relation}: absence`);
        assert.match((await browser.get(String(notice.headers.location))).body, /Numero di protocollo/);

        const payments = await browser.get('/demo/pagamenti');
        assert.equal(payments.statusCode, 200);
        const document = documentsToPay[i]!;
        assert.match(payments.body, new RegExp(`name="documento" value="${document}"`));
        const carts = await db.selectFrom('payment_cart').select('id').execute();
        const started = await browser.post('/demo/pagamenti', { _csrf: browser.csrfFrom(payments.body), documento: String(document) });
        assert.equal(started.statusCode, 303, `${adult.relation}: payment`);
        assert.doesNotMatch(String(started.headers.location), new RegExp(`^/demo/`), 'sent to pagoPA Checkout');
        assert.equal((await db.selectFrom('payment_cart').select('id').execute()).length, carts.length + 1, 'a cart was made');
      }

      for (const adult of adults) {
        const person = await db.selectFrom('person').select('id').where('ente_id', '=', enteId).where('fiscal_code', '=', adult.fiscalCode).executeTakeFirstOrThrow();
        const removed = await office.post(`${adultsOf(target.pupilId)}/${person.id}/rimuovi`, { _csrf: csrf });
        assert.equal(removed.statusCode, 303);
        const browser = new Browser(t.app);
        const refused = await browser.loginAs(adult, { returnTo: '/demo/scheda-anagrafica' });
        assert.equal(refused.statusCode, 403);
        assert.match(refused.body, /Nessun alunno associato/);
        for (const url of ['/demo/documenti-contabili', '/demo/refezione', '/demo/assenze', '/demo/pagamenti', `/demo/scheda-anagrafica?utente=${target.pupilId}`]) {
          const answer = await browser.get(url);
          assert.equal(answer.statusCode, 403, `${adult.relation} after removal: ${url}`);
          assert.doesNotMatch(answer.body, new RegExp(target.familyName), url);
        }
      }
    });
  });
}
