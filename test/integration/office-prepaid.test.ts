import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unzipSync, strFromU8 } from 'fflate';
import type { Ente } from '../../src/db/schema';
import type { OperatorContext } from '../../src/domain/operators/context';
import { badgesBelowEnteThreshold, badgesBelowThreshold, isBelowThreshold } from '../../src/domain/prepaid/queries';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildEnrolment, buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { SAMPLE_JPEG } from '../helpers/files';

/** July 2027: the school year 2026/2027 ended on 10 June. */
const NOW = '2027-07-10T10:00:00+02:00';
const t = messages.officePrepaid;
const ROOT = '/demo/ufficio/prepagati';
const VALID_IBAN = 'IT60X0542811101000000123456';

for (const { engine, skip } of testEngines()) {
  describe(`prepaid badges in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let serviceId: number;
    let yearId: number;
    let schoolId: number;
    let context: OperatorContext;
    const db = () => app.database.db;
    let seq = 0;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      serviceId = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'prepaid').executeTakeFirstOrThrow()).id;
      yearId = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2026/2027').executeTakeFirstOrThrow()).id;
      // A school of the test's own, so the list filtered by it holds only the families made here.
      schoolId = (
        await db()
          .insertInto('school')
          .values({ ente_id: enteId, name: 'Scuola primaria Prova Prepagati', level: 'primaria', address: 'Via della Prova 9', service_weekdays: '1,2,3,4,5' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
      context = await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'prepaid.manage');
    });
    after(async () => {
      await app?.close();
    });

    async function csrf(path: string) {
      const page = await office.get(path);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      return office.csrfFrom(page.body);
    }

    /** A pupil of the test school with an active prepaid badge; movements as given (value date, cents). */
    async function badgeFor(holder: BuiltPerson, movements: [string, number, 'topup' | 'meal'][] = []) {
      const pupil: BuiltPupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { schoolId, familyName: holder.familyName });
      await buildEnrolment(db(), enteId, pupil, holder, { schoolYearLabel: '2026/2027' });
      const code = `T${process.pid % 1000}${String(++seq).padStart(4, '0')}${engine === 'sqlite' ? 'S' : 'P'}`;
      const badge = await db()
        .insertInto('badge')
        .values({ ente_id: enteId, code, pupil_id: pupil.pupilId, service_id: serviceId, issued_on: '2026-09-01', active: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [date, cents, kind] of movements) {
        await db()
          .insertInto('movement')
          .values({ ente_id: enteId, badge_id: badge.id, amount_cents: cents, kind, value_date: date, charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: `${date}T10:00:00Z` })
          .execute();
      }
      return { id: badge.id, code, pupil };
    }

    const movementsOf = (badgeId: number) => db().selectFrom('movement').selectAll().where('badge_id', '=', badgeId).orderBy('id').execute();
    const sumOf = async (badgeId: number) => (await movementsOf(badgeId)).reduce((sum, m) => sum + m.amount_cents, 0);
    const thresholdRow = () => db().selectFrom('prepaid_threshold').selectAll().where('ente_id', '=', enteId).executeTakeFirst();

    it('the threshold: 0 € until set; saved in euro, then in meals, each save audited; bad input is 422 and writes nothing; a stale form is 409', async () => {
      const page = await office.get(ROOT);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(t.thresholdDefault.slice(0, 30)));

      for (const [soglia, unita] of [['cinque', 'euro'], ['1.500,00', 'euro'], ['5\u0000', 'euro'], ['2,5', 'pasti'], ['51', 'pasti'], ['99999999999', 'pasti'], ['', 'euro'], ['5', 'litri']] as const) {
        const refused = await office.post(`${ROOT}/soglia`, { _csrf: await csrf(ROOT), versione: '0', unita, soglia });
        assert.equal(refused.statusCode, 422, `${unita} ${JSON.stringify(soglia)}`);
        assert.match(refused.body, /id="errori"/);
        assert.equal(await thresholdRow(), undefined, 'nothing written');
      }

      // Without the page's token (a forged form from another site): refused, nothing written.
      for (const token of [undefined, 'forged']) {
        const forged = await office.post(`${ROOT}/soglia`, { ...(token ? { _csrf: token } : {}), versione: '0', unita: 'euro', soglia: '5,00' });
        assert.equal(forged.statusCode, 403);
        assert.equal(await thresholdRow(), undefined);
      }

      const saved = await office.post(`${ROOT}/soglia`, { _csrf: await csrf(ROOT), versione: '0', unita: 'euro', soglia: '5,00' });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 400));
      assert.deepEqual({ ...(await thresholdRow())!, updated_at: undefined }, { ente_id: enteId, unit: 'euro', value: 500, version: 1, updated_at: undefined });
      const after = await office.follow(saved);
      assert.match(after.body, new RegExp(t.saved.threshold));
      assert.match(after.body, /saldo fino a 5,00/);

      // A second form made from version 0 (another tab) is refused, not silently applied.
      const stale = await office.post(`${ROOT}/soglia`, { _csrf: await csrf(ROOT), versione: '0', unita: 'pasti', soglia: '3' });
      assert.equal(stale.statusCode, 409);
      assert.equal((await thresholdRow())!.value, 500);

      const meals = await office.post(`${ROOT}/soglia`, { _csrf: await csrf(ROOT), versione: '1', unita: 'pasti', soglia: '-3' });
      assert.equal(meals.statusCode, 303);
      assert.deepEqual([(await thresholdRow())!.unit, (await thresholdRow())!.value], ['pasti', -3]);
      const events = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.prepaid.threshold').orderBy('id').execute();
      assert.equal(events.length, 2);
      assert.equal(events[0]!.actor_fiscal_code, MARCO);
      assert.equal(events[0]!.before_json, null);
      assert.deepEqual(JSON.parse(events[1]!.before_json!), { unit: 'euro', value: 500 });
      assert.deepEqual(JSON.parse(events[1]!.after_json!), { unit: 'pasti', value: -3 });
    });

    it('the list: badges at or below the threshold with the holder’s contacts, by school, in euro and in meals; the same rows in CSV and XLSX', async () => {
      const low = await buildPerson(db(), enteId, { email: 'bassa.prova@esempio.invalid' });
      const rich = await buildPerson(db(), enteId, { email: 'alta.prova@esempio.invalid' });
      await db().updateTable('person').set({ phone: '333 1234567' }).where('id', '=', low.id).execute();
      // 3 meals of 4,10 € = 12,30 €: 12,30 is at the threshold, 12,31 is above.
      const atThree = await badgeFor(low, [['2027-05-02', 2_000, 'topup'], ['2027-05-03', -410, 'meal'], ['2027-05-04', -360, 'meal']]);
      const above = await badgeFor(rich, [['2027-05-02', 1_641, 'topup'], ['2027-05-03', -410, 'meal']]);
      assert.equal(await sumOf(atThree.id), 1_230);
      assert.equal(await sumOf(above.id), 1_231);

      // In meals the price is the badge's last meal (3,60 €): 3 meals are 10,80 €, less than its 12,30 €.
      const setThreshold = async (unita: string, soglia: string) => {
        const current = (await thresholdRow())?.version ?? 0;
        const saved = await office.post(`${ROOT}/soglia`, { _csrf: await csrf(ROOT), versione: String(current), unita, soglia });
        assert.equal(saved.statusCode, 303);
      };
      await setThreshold('pasti', '3');
      let page = await office.get(`${ROOT}?scuola=${schoolId}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, new RegExp(atThree.code), '12,30 € is more than 3 meals at 3,60 €');
      await setThreshold('euro', '12,30');
      page = await office.get(`${ROOT}?scuola=${schoolId}`);
      assert.match(page.body, new RegExp(atThree.code));
      assert.doesNotMatch(page.body, new RegExp(above.code));
      assert.match(page.body, /bassa\.prova@esempio\.invalid/);
      assert.match(page.body, /333 1234567/);
      assert.match(page.body, /12,30/);

      // Another school's filter does not show it.
      const other = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).where('id', '<>', schoolId).executeTakeFirstOrThrow()).id;
      assert.doesNotMatch((await office.get(`${ROOT}?scuola=${other}`)).body, new RegExp(atThree.code));

      const csv = await office.get(`${ROOT}/elenco.csv?scuola=${schoolId}`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0], 'alunno;tessera;scuola;classe;servizio;saldo;prezzo_pasto;intestatario;email;telefono');
      const row = lines.find((line) => line.includes(atThree.code))!;
      assert.match(row, /;12,30;3,60;/);
      assert.match(row, /"bassa\.prova@esempio\.invalid";"333 1234567"/);
      assert.ok(!lines.some((line) => line.includes(above.code)));

      const xlsx = await office.get(`${ROOT}/elenco.xlsx?scuola=${schoolId}`);
      assert.equal(xlsx.statusCode, 200);
      const sheet = strFromU8(unzipSync(xlsx.rawPayload)['xl/worksheets/sheet1.xml']!);
      assert.match(sheet, new RegExp(atThree.code));
      assert.match(sheet, /<v>12\.30<\/v>/);
      assert.equal((sheet.match(/<row /g) ?? []).length, lines.length, 'the same rows as the CSV');

      // In meals at −3 (a debt of three meals): neither; a badge 3 meals in debt is.
      await setThreshold('pasti', '-3');
      const debtor = await buildPerson(db(), enteId);
      const inDebt = await badgeFor(debtor, [['2027-05-03', -500, 'meal'], ['2027-05-04', -500, 'meal'], ['2027-05-05', -500, 'meal']]);
      page = await office.get(`${ROOT}?scuola=${schoolId}`);
      assert.match(page.body, new RegExp(inDebt.code));
      assert.doesNotMatch(page.body, new RegExp(atThree.code));

      // What the messages call: the same rows by the ente's own threshold, and the same rule per badge.
      const forMessages = await badgesBelowEnteThreshold(db(), enteId, { today: '2027-07-10', schoolId });
      assert.deepEqual(forMessages.map((r) => r.code), [inDebt.code]);
      assert.equal(forMessages[0]!.holderEmail, (await db().selectFrom('person').select('email').where('id', '=', debtor.id).executeTakeFirstOrThrow()).email);
      assert.equal(isBelowThreshold({ unit: 'pasti', value: -3 }, -1_500, 500), true);
      assert.equal(isBelowThreshold({ unit: 'pasti', value: -3 }, -1_499, 500), false);
      assert.equal(isBelowThreshold({ unit: 'pasti', value: 3 }, 0, null), false, 'no meal price: not measurable in meals');
      assert.equal(isBelowThreshold({ unit: 'euro', value: 0 }, 0, null), true);
    });

    it('keyset pages of badgesBelowThreshold: every low badge once, lowest balance first, whatever the page size', async () => {
      const threshold = { unit: 'euro' as const, value: 100_000 };
      const all = await badgesBelowThreshold(db(), enteId, threshold, { today: '2027-07-10' });
      assert.ok(all.length >= 3);
      const paged: number[] = [];
      let after: [number, number] | undefined;
      for (;;) {
        const page = await badgesBelowThreshold(db(), enteId, threshold, { today: '2027-07-10', after, limit: 2 });
        paged.push(...page.map((r) => r.badgeId));
        if (page.length < 2) break;
        after = [page.at(-1)!.balanceCents, page.at(-1)!.badgeId];
      }
      assert.deepEqual(paged, all.map((r) => r.badgeId));
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.balanceCents <= all[i]!.balanceCents);
    });

    it('year end, carried over: the confirmation shows the effect and writes nothing; confirming writes a debit and a credit, once, audited', async () => {
      const holder = await buildPerson(db(), enteId);
      const badge = await badgeFor(holder, [['2026-10-01', 3_000, 'topup'], ['2027-05-03', -410, 'meal'], ['2027-06-20', -410, 'meal']]);
      const path = `${ROOT}/tessere/${badge.id}`;
      const view = await office.get(path);
      assert.equal(view.statusCode, 200);
      assert.match(view.body, /2026\/2027/);
      assert.match(view.body, /25,90/); // 30,00 − 4,10 at the year's end (10 June)

      const before = await movementsOf(badge.id);
      const preview = await office.post(`${path}/anteprima`, { _csrf: await csrf(path), anno: String(yearId), azione: 'riporto', tessera_destinazione: '', iban: '', richiesta: '', nota: '' });
      assert.equal(preview.statusCode, 200, preview.body.slice(0, 500));
      assert.match(preview.body, new RegExp(t.confirm.title));
      assert.match(preview.body, /-25,90/);
      assert.match(preview.body, /10\/06\/2027/);
      assert.match(preview.body, /11\/06\/2027/);
      assert.deepEqual(await movementsOf(badge.id), before, 'a preview writes nothing');

      const form = { _csrf: await csrf(path), anno: String(yearId), azione: 'riporto', tessera_destinazione: '', iban: '', richiesta: '', nota: '', importo: '2590' };
      const forged = await office.post(`${path}/chiudi`, { ...form, _csrf: 'forged' });
      assert.equal(forged.statusCode, 403);
      assert.deepEqual(await movementsOf(badge.id), before, 'a forged confirmation writes nothing');
      const done = await office.post(`${path}/chiudi`, form);
      assert.equal(done.statusCode, 303, done.body.slice(0, 500));
      const afterRows = await movementsOf(badge.id);
      assert.deepEqual(afterRows.slice(0, before.length), before, 'no movement edited');
      const added = afterRows.slice(before.length);
      assert.deepEqual(added.map((m) => [m.amount_cents, m.value_date, m.kind]), [[-2_590, '2027-06-10', 'adjustment'], [2_590, '2027-06-11', 'adjustment']]);
      assert.equal(await sumOf(badge.id), 3_000 - 820, 'the balance today is unchanged');
      const closing = await db().selectFrom('prepaid_year_end').selectAll().where('badge_id', '=', badge.id).executeTakeFirstOrThrow();
      assert.deepEqual([closing.action, closing.amount_cents, closing.debit_movement_id, closing.credit_movement_id], ['riporto', 2_590, added[0]!.id, added[1]!.id]);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.prepaid.year_end.riporto').where('subject_id', '=', badge.id).executeTakeFirstOrThrow();
      assert.equal(event.actor_fiscal_code, MARCO);
      assert.equal(event.pupil_id, badge.pupil.pupilId);
      assert.equal(JSON.parse(event.before_json!).credit_cents, 2_590);

      // The same confirmation again (a double click, a resent form): refused, nothing more written.
      const again = await office.post(`${path}/chiudi`, { ...form, _csrf: await csrf(path) });
      assert.equal(again.statusCode, 422);
      assert.match(again.body, new RegExp(t.problems.yearClosed!.slice(0, 30)));
      assert.doesNotMatch(again.body, /href="#anno"/, 'no link to a form that is not there');
      assert.equal((await movementsOf(badge.id)).length, afterRows.length);
      const page = await office.follow(done);
      assert.match(page.body, /25,90\s€ riportati all’anno successivo/);
    });

    it('year end, transferred to a sibling’s badge: the pair moves the credit, the family’s money is the same; a badge of another family is refused', async () => {
      const holder = await buildPerson(db(), enteId);
      const first = await badgeFor(holder, [['2026-10-01', 1_500, 'topup']]);
      const second = await badgeFor(holder, [['2026-10-01', 200, 'topup']]);
      const stranger = await badgeFor(await buildPerson(db(), enteId), [['2026-10-01', 100, 'topup']]);
      const path = `${ROOT}/tessere/${first.id}`;
      const base = { anno: String(yearId), azione: 'trasferimento', iban: '', richiesta: '', nota: 'Richiesta della famiglia' };

      const counts = async () => Number((await db().selectFrom('movement').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const n = await counts();
      for (const target of [String(stranger.id), '', '99999999999', 'x\u0000']) {
        const refused = await office.post(`${path}/anteprima`, { _csrf: await csrf(path), ...base, tessera_destinazione: target });
        assert.equal(refused.statusCode, 422, target);
        const refusedConfirm = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), ...base, tessera_destinazione: target, importo: '1500' });
        assert.equal(refusedConfirm.statusCode, 422, target);
      }
      assert.equal(await counts(), n, 'nothing written');

      const preview = await office.post(`${path}/anteprima`, { _csrf: await csrf(path), ...base, tessera_destinazione: String(second.id) });
      assert.equal(preview.statusCode, 200);
      assert.match(preview.body, new RegExp(second.code));
      const done = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), ...base, tessera_destinazione: String(second.id), importo: '1500' });
      assert.equal(done.statusCode, 303);
      assert.equal(await sumOf(first.id), 0);
      assert.equal(await sumOf(second.id), 1_700);
      const credit = (await movementsOf(second.id)).at(-1)!;
      assert.deepEqual([credit.amount_cents, credit.value_date], [1_500, '2027-06-11']);
    });

    it('year end, refunded: an IBAN and the holder’s request attached are required; one debit, the refund recorded; a credit changed meanwhile is 409', async () => {
      const holder = await buildPerson(db(), enteId);
      const badge = await badgeFor(holder, [['2026-10-01', 4_000, 'topup']]);
      const otherFamily = await buildPerson(db(), enteId);
      const attachments = app.app.services.attachments;
      const files = await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'attachments.manage');
      const request = await attachments.upload(files, { kind: 'person', id: holder.id }, { title: 'Richiesta di rimborso', kind: 'altro', visibleToParent: false, fileName: 'richiesta.jpg', content: SAMPLE_JPEG });
      const foreign = await attachments.upload(files, { kind: 'person', id: otherFamily.id }, { title: 'Altro', kind: 'altro', visibleToParent: false, fileName: 'altro.jpg', content: SAMPLE_JPEG });
      const path = `${ROOT}/tessere/${badge.id}`;
      const view = await office.get(path);
      assert.match(view.body, /Richiesta di rimborso/);
      const base = { anno: String(yearId), azione: 'rimborso', tessera_destinazione: '', nota: '' };

      const n = (await movementsOf(badge.id)).length;
      for (const [iban, richiesta, field] of [
        ['', String(request.id), 'iban'],
        ['IT60X0542811101000000123457', String(request.id), 'iban'],
        [VALID_IBAN, '', 'richiesta'],
        [VALID_IBAN, String(foreign.id), 'richiesta'],
        [`${VALID_IBAN}\u0007`, String(request.id), 'iban'],
      ] as const) {
        const refused = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), ...base, iban, richiesta, importo: '4000' });
        assert.equal(refused.statusCode, 422, `${field}: ${iban} ${richiesta}`);
        assert.match(refused.body, new RegExp(`href="#${field}"`));
      }
      assert.equal((await movementsOf(badge.id)).length, n);

      // The confirmation page showed 40,00 €; a late meal dated in June changed the credit: confirm again.
      const preview = await office.post(`${path}/anteprima`, { _csrf: await csrf(path), ...base, iban: 'IT60 X054 2811 1010 0000 0123 456', richiesta: String(request.id) });
      assert.equal(preview.statusCode, 200);
      assert.match(preview.body, /…3456|IT60X0542811101000000123456/);
      await db().insertInto('movement').values({ ente_id: enteId, badge_id: badge.id, amount_cents: -410, kind: 'meal', value_date: '2027-06-05', charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: NOW }).execute();
      const stale = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), ...base, iban: 'IT60 X054 2811 1010 0000 0123 456', richiesta: String(request.id), importo: '4000' });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /35,90/);
      const done = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), ...base, iban: 'IT60 X054 2811 1010 0000 0123 456', richiesta: String(request.id), importo: '3590' });
      assert.equal(done.statusCode, 303);
      const rows = await movementsOf(badge.id);
      assert.deepEqual(rows.slice(-1).map((m) => [m.amount_cents, m.value_date]), [[-3_590, '2027-06-10']]);
      const closing = await db().selectFrom('prepaid_year_end').selectAll().where('badge_id', '=', badge.id).executeTakeFirstOrThrow();
      assert.deepEqual([closing.action, closing.iban, closing.request_attachment_id, closing.credit_movement_id], ['rimborso', VALID_IBAN, request.id, null]);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.prepaid.year_end.rimborso').executeTakeFirstOrThrow();
      assert.equal(JSON.parse(event.after_json!).iban, '…3456', 'the audit keeps only the IBAN’s last digits');
    });

    it('a year not ended, a badge without credit, a postpaid or unknown badge: refused, nothing written', async () => {
      const holder = await buildPerson(db(), enteId);
      const empty = await badgeFor(holder, [['2026-10-01', 500, 'topup'], ['2026-11-01', -500, 'meal']]);
      const path = `${ROOT}/tessere/${empty.id}`;
      const noCredit = await office.post(`${path}/chiudi`, { _csrf: await csrf(path), anno: String(yearId), azione: 'riporto', tessera_destinazione: '', iban: '', richiesta: '', nota: '', importo: '0' });
      assert.equal(noCredit.statusCode, 422);
      const future = await db().insertInto('school_year').values({ ente_id: enteId, label: '2027/2028', starts_on: '2027-09-13', ends_on: '2028-06-09' }).returning('id').executeTakeFirstOrThrow();
      const notEnded = await office.post(`${path}/anteprima`, { _csrf: await csrf(path), anno: String(future.id), azione: 'riporto', tessera_destinazione: '', iban: '', richiesta: '', nota: '' });
      assert.equal(notEnded.statusCode, 422);
      assert.equal((await office.get(`${ROOT}/tessere/99999999`)).statusCode, 404);
      assert.equal((await office.get(`${ROOT}/tessere/abc`)).statusCode, 404);
      const postpaid = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'postpaid').executeTakeFirstOrThrow()).id;
      const card = await db().insertInto('badge').values({ ente_id: enteId, code: `PP${process.pid}${engine}`, pupil_id: empty.pupil.pupilId, service_id: postpaid, issued_on: '2026-09-01', active: 1 }).returning('id').executeTakeFirstOrThrow();
      assert.equal((await office.get(`${ROOT}/tessere/${card.id}`)).statusCode, 404);
      assert.equal((await db().selectFrom('prepaid_year_end').selectAll().where('badge_id', '=', empty.id).execute()).length, 0);
    });

    it('only roles with prepaid.manage reach the pages; the service refuses a context without it', async () => {
      const cook = await buildOperator(db(), enteId, 'cucina');
      const kitchen = new Browser(app.app);
      await kitchen.loginAs(cook, { returnTo: '/demo/ufficio/' });
      assert.equal((await kitchen.get(ROOT)).statusCode, 403);
      assert.equal((await kitchen.get(`${ROOT}/elenco.csv`)).statusCode, 403);
      const cookContext = await app.app.services.operators.authorize(ente, { fiscalCode: cook.fiscalCode }, 'backoffice.home');
      await assert.rejects(app.app.services.prepaid.threshold(cookContext));
      assert.ok(context);
    });
  });
}
