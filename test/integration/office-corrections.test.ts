import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { buildBadge, buildCanteenEnrolment, buildCharge, buildDocument } from '../helpers/money-builders';
import { valueOf } from '../helpers/office-people';

const NOW = '2026-12-07T10:00:00+01:00';
const t = messages.officeCorrections;
const BASE = '/demo/ufficio/documenti';

for (const { engine, skip } of testEngines()) {
  describe(`corrections of accounts in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let enteId: number;
    let office: Browser;
    let holder: BuiltPerson;
    let pupil: BuiltPupil;
    let postpaid: Awaited<ReturnType<typeof buildCanteenEnrolment>>;
    let prepaid: Awaited<ReturnType<typeof buildCanteenEnrolment>>;
    const db = () => app.database.db;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      const family = await buildFamily(db(), enteId);
      holder = family.holder;
      pupil = family.pupils[0]!;
      postpaid = await buildCanteenEnrolment(db(), enteId, pupil, holder, 'postpaid');
      prepaid = await buildCanteenEnrolment(db(), enteId, pupil, holder, 'prepaid');
      badge = await buildBadge(db(), enteId, { pupilId: pupil.pupilId, serviceId: prepaid.serviceId, balanceCents: 2000 });
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    let month = 0;
    /** A document of the next month of the school year (one per enrolment and month). */
    const newDocument = (lines = [1250, 830]) => {
      const period = `2026-${String(9 + month++).padStart(2, '0')}`;
      return buildDocument(db(), enteId, { ...postpaid, pupilId: pupil.pupilId, holderId: holder.id, period, dueDate: `${period}-28`, lines, withNotice: true });
    };
    let badge: { id: number; code: string };
    const balanceOf = async (badgeId: number) =>
      Number((await db().selectFrom('movement').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.lit(0)).as('b')).where('badge_id', '=', badgeId).executeTakeFirstOrThrow()).b);

    /** The page's form: its CSRF token and one-time key. */
    async function formOf(path: string) {
      const page = await office.get(path);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      return { _csrf: office.csrfFrom(page.body), chiave: valueOf(page.body, 'chiave')! };
    }

    const documentsCount = async () => Number((await db().selectFrom('document').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const movementsCount = async () => Number((await db().selectFrom('movement').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const chargesCount = async () => Number((await db().selectFrom('charge').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const correctionsCount = async () => Number((await db().selectFrom('office_correction').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('finds a document by number, by the holder’s tax code and by surname; an overlong or too short query is refused with 422', async () => {
      const doc = await newDocument();
      for (const q of [`${doc.number}/${doc.year}`, holder.fiscalCode, holder.familyName.toLowerCase()]) {
        const page = await office.get(`${BASE}?q=${encodeURIComponent(q)}`);
        assert.equal(page.statusCode, 200, q);
        assert.match(page.body, new RegExp(`href="${BASE}/${doc.id}"`), q);
      }
      // A NUL anywhere in an address is refused by the app before any route (400, bad-input-sweep.test.ts).
      assert.equal((await office.get(`${BASE}?q=${encodeURIComponent('Ros\u0000si')}`)).statusCode, 400);
      assert.equal((await office.get(`${BASE}?q=${'9'.repeat(200)}`)).statusCode, 422);
      assert.equal((await office.get(`${BASE}?q=x`)).statusCode, 422);
      // A number beyond any integer column finds nothing, and does not fail.
      assert.equal((await office.get(`${BASE}?q=99999999999`)).statusCode, 200);
    });

    it('cancels a document: form, effect shown with nothing written, confirmation once; the parent sees the credit note', async () => {
      const doc = await newDocument([1250, 830]);
      const page = await office.get(`${BASE}/${doc.id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Pasti di prova 1/);
      assert.match(page.body, /20,80/);
      const path = `${BASE}/${doc.id}/annulla`;
      const form = await formOf(path);
      const before = await documentsCount();

      // Bad input: 422, the form kept, nothing written.
      for (const [fields, problem] of [
        [{ motivo: 'x' }, t.problems.reasonRequired],
        [{ motivo: 'Doppia\u0000fattura' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'a'.repeat(501) }, t.problems.tooLong],
      ] as const) {
        const refused = await office.post(path, { ...form, ...fields, passo: 'conferma' });
        assert.equal(refused.statusCode, 422, JSON.stringify(fields));
        assert.ok(refused.body.includes(problem!), JSON.stringify(fields));
      }
      assert.equal((await office.post(path, { ...form, motivo: 'Fattura doppia', passo: 'conferma', chiave: 'x' })).statusCode, 422);

      // The effect, before anything is written.
      const review = await office.post(path, { ...form, motivo: 'Fattura emessa due volte', passo: 'verifica' });
      assert.equal(review.statusCode, 200);
      assert.match(review.body, /nota di credito di -20,80/);
      assert.match(review.body, /avviso pagoPA del documento viene ritirato/);
      assert.equal(await documentsCount(), before);
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc.id).executeTakeFirstOrThrow()).state, 'da_pagare');
      const confirmForm = { _csrf: office.csrfFrom(review.body), chiave: valueOf(review.body, 'chiave')!, motivo: valueOf(review.body, 'motivo')! };
      assert.equal(confirmForm.chiave, form.chiave);

      const done = await office.post(path, { ...confirmForm, passo: 'conferma' });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, `${BASE}/${doc.id}?fatto=annullato`);
      const credit = await db().selectFrom('document').selectAll().where('cancels_document_id', '=', doc.id).executeTakeFirstOrThrow();
      assert.equal(credit.total_cents, -2080);
      assert.equal(credit.kind, 'nota_credito');
      assert.equal((await db().selectFrom('document').select('state').where('id', '=', doc.id).executeTakeFirstOrThrow()).state, 'annullato');
      const lines = await db().selectFrom('document_line').selectAll().where('document_id', '=', credit.id).orderBy('position').execute();
      assert.deepEqual(lines.map((l) => l.amount_cents), [-1250, -830]);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.document.cancel').where('subject_id', '=', doc.id).executeTakeFirstOrThrow();
      assert.equal(JSON.parse(event.before_json!).state, 'da_pagare');
      assert.equal(JSON.parse(event.after_json!).state, 'annullato');
      assert.equal(event.pupil_id, pupil.pupilId);

      // The same form again (a double click, the back button): nothing a second time.
      const again = await office.post(path, { ...confirmForm, passo: 'conferma' });
      assert.equal(again.statusCode, 303);
      assert.match(again.headers.location as string, /fatto=ripetuto/);
      assert.equal(await documentsCount(), before + 1);
      // Another form for the same document: the document is no longer cancellable.
      const other = await office.post(path, { ...confirmForm, chiave: 'another-form-key', passo: 'conferma' });
      assert.equal(other.statusCode, 303);
      assert.equal(await documentsCount(), before + 1);
      assert.equal((await office.get(path)).statusCode, 303);

      const shown = await office.get(`${BASE}/${doc.id}`);
      assert.match(shown.body, new RegExp(`nota di credito n\\. ${credit.number}/${credit.year}`));

      // The parent sees the credit note in Documenti contabili.
      const parent = new Browser(app.app);
      await parent.loginAs(holder, { returnTo: '/demo/documenti-contabili' });
      const portal = await parent.get(`/demo/documenti-contabili?utente=${pupil.pupilId}`);
      assert.equal(portal.statusCode, 200);
      assert.match(portal.body, /Nota di credito/);
      assert.match(portal.body, /Annullato/);
    });

    it('reverses a prepaid meal: the badge is credited once; the page shows the effect first', async () => {
      const chargeId = await buildCharge(db(), enteId, { ...prepaid, pupilId: pupil.pupilId, date: '2026-12-02', amountCents: 450, badgeId: badge.id });
      const account = await office.get(`${BASE}/alunni/${pupil.pupilId}`);
      assert.equal(account.statusCode, 200);
      assert.match(account.body, new RegExp(`${BASE}/addebiti/${chargeId}/storno`));
      const path = `${BASE}/addebiti/${chargeId}/storno`;
      const form = await formOf(path);
      const charges = await chargesCount();
      const review = await office.post(path, { ...form, motivo: 'Uscito prima di pranzo', passo: 'verifica' });
      assert.equal(review.statusCode, 200);
      assert.match(review.body, /storno di -4,50/);
      assert.match(review.body, /riaccreditato di 4,50/);
      assert.equal(await chargesCount(), charges);
      const confirm = { ...form, motivo: 'Uscito prima di pranzo', passo: 'conferma' };
      assert.equal((await office.post(path, confirm)).statusCode, 303);
      assert.equal((await office.post(path, confirm)).statusCode, 303);
      assert.equal(await chargesCount(), charges + 1);
      assert.equal(await balanceOf(badge.id), 2000);
      // Reversed: no second storno from another form, and the link is gone.
      assert.equal((await office.post(path, { ...confirm, chiave: 'second-form-key' })).statusCode, 303);
      assert.equal(await chargesCount(), charges + 1);
      assert.doesNotMatch((await office.get(`${BASE}/alunni/${pupil.pupilId}`)).body, new RegExp(`${BASE}/addebiti/${chargeId}/storno`));
      assert.ok(await db().selectFrom('audit_event').select('id').where('action', '=', 'office.charge.storno').where('subject_id', '=', chargeId).executeTakeFirst());
    });

    it('records a manual credit and debit on a badge; refuses huge amounts, NUL and a bad kind with 422 and writes nothing', async () => {
      await office.post(`${BASE}/badge/${badge.id}/movimento`, { ...(await formOf(`${BASE}/badge/${badge.id}/movimento`)), tipo: 'addebito', importo: '10', motivo: 'Allineamento del saldo', passo: 'conferma' });
      assert.equal(await balanceOf(badge.id), 1000);
      const path = `${BASE}/badge/${badge.id}/movimento`;
      const form = await formOf(path);
      const movements = await movementsCount();
      const corrections = await correctionsCount();
      for (const [fields, problem] of [
        [{ importo: '99999999999999999999' }, t.problems.amountPositive],
        [{ importo: '6000' }, t.problems.amountTooLarge],
        [{ importo: '0' }, t.problems.amountPositive],
        [{ importo: '-5' }, t.problems.amountPositive],
        [{ importo: '5\u00000' }, messages.forms.problems.controlCharacters],
        [{ motivo: 'Rettifica\u0000' }, messages.forms.problems.controlCharacters],
        [{ tipo: 'regalo' }, t.problems.choose],
      ] as const) {
        for (const passo of ['verifica', 'conferma']) {
          const refused = await office.post(path, Object.assign({ ...form, tipo: 'accredito', importo: '5', motivo: 'Rimborso gita', passo }, fields));
          assert.equal(refused.statusCode, 422, JSON.stringify(fields));
          assert.ok(refused.body.includes(problem!), JSON.stringify(fields));
        }
      }
      assert.equal(await movementsCount(), movements);
      assert.equal(await correctionsCount(), corrections);

      const review = await office.post(path, { ...form, tipo: 'addebito', importo: '12,50', motivo: 'Pasti di ottobre non registrati', passo: 'verifica' });
      assert.equal(review.statusCode, 200);
      assert.match(review.body, /da \+10,00\s€ a −2,50\s€/);
      assert.equal(await movementsCount(), movements);
      const confirm = { ...form, tipo: 'addebito', importo: '12,50', motivo: 'Pasti di ottobre non registrati', passo: 'conferma' };
      const done = await office.post(path, confirm);
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, `${BASE}/alunni/${pupil.pupilId}?fatto=movimento`);
      assert.equal((await office.post(path, confirm)).statusCode, 303);
      assert.equal(await movementsCount(), movements + 1);
      const movement = await db().selectFrom('movement').selectAll().where('badge_id', '=', badge.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(movement.amount_cents, -1250);
      assert.equal(movement.kind, 'adjustment');
      assert.equal(movement.note, 'Pasti di ottobre non registrati');
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.badge.addebito').where('subject_id', '=', badge.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(JSON.parse(event.before_json!).balance_cents, 1000);
      assert.equal(JSON.parse(event.after_json!).balance_cents, -250);
    });

    it('answers 404 for another ente’s or a missing record, and lets only the roles with the permission in', async () => {
      assert.equal((await office.get(`${BASE}/999999999`)).statusCode, 404);
      assert.equal((await office.get(`${BASE}/99999999999999`)).statusCode, 404);
      assert.equal((await office.get(`${BASE}/badge/999999999/movimento`)).statusCode, 404);
      assert.equal((await office.get(`${BASE}/addebiti/999999999/storno`)).statusCode, 404);
      const kitchen = await buildOperator(db(), enteId, 'cucina');
      const cook = new Browser(app.app);
      await cook.loginAs(kitchen, { returnTo: '/demo/ufficio/' });
      assert.equal((await cook.get(BASE)).statusCode, 403);
      assert.equal((await cook.get(`${BASE}/alunni/${pupil.pupilId}`)).statusCode, 403);
      // The pupil's office page links to the corrections for an operator who may make them.
      assert.match((await office.get(`/demo/ufficio/anagrafe/alunni/${pupil.pupilId}`)).body, new RegExp(`${BASE}/alunni/${pupil.pupilId}`));
    });
  });
}
