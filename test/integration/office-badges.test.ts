import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { badgeByCode } from '../../src/domain/registry/badges';
import { it as messages } from '../../src/web/i18n/it';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildEnrolment, buildFamily, buildOperator, enteIdOf, type BuiltPerson, type BuiltPupil } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { loginAs } from '../helpers/login-as';

const NOW = '2027-01-20T10:00:00+01:00';
const t = messages.officeBadges;
const shown = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

for (const { engine, skip } of testEngines()) {
  describe(`badges in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let enteId: number;
    let office: Browser;
    let prepaidId: number;
    let sequence = 0;
    const db = () => app.database.db;
    const page = (pupil: BuiltPupil) => `/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/badge`;
    const code = () => `T${process.pid % 1000}${engine === 'sqlite' ? 'S' : 'P'}${String(++sequence).padStart(3, '0')}`;
    const badgesOf = (pupil: BuiltPupil) => db().selectFrom('badge').selectAll().where('pupil_id', '=', pupil.pupilId).orderBy('id').execute();
    const balance = async (badgeId: number) =>
      Number((await db().selectFrom('movement').select((eb) => eb.fn.sum<number>('amount_cents').as('cents')).where('badge_id', '=', badgeId).executeTakeFirstOrThrow()).cents ?? 0);

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      prepaidId = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'prepaid').executeTakeFirstOrThrow()).id;
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    /** A family whose pupil is enrolled in the prepaid canteen. */
    async function family(): Promise<{ holder: BuiltPerson; pupil: BuiltPupil }> {
      const { holder, pupils } = await buildFamily(db(), enteId);
      const pupil = pupils[0]!;
      const service = await db().selectFrom('service').select('kind').where('id', '=', prepaidId).executeTakeFirstOrThrow();
      await buildEnrolment(db(), enteId, pupil, holder, { serviceKind: service.kind });
      // The builder enrols in the ente's first service of the kind; make sure it is the prepaid one.
      await db().updateTable('enrolment').set({ service_id: prepaidId }).where('pupil_id', '=', pupil.pupilId).execute();
      return { holder, pupil };
    }

    async function issue(pupil: BuiltPupil, fields: Record<string, string>) {
      const form = await office.get(page(pupil));
      return office.post(page(pupil), { _csrf: office.csrfFrom(form.body), servizio: String(prepaidId), ...fields });
    }

    it('issues a badge; each bad input is refused with 422, its message, the input kept and nothing written', async () => {
      const { pupil } = await family();
      const taken = (await db().selectFrom('badge').select('code').where('ente_id', '=', enteId).executeTakeFirstOrThrow()).code;
      const cases: { fields: Record<string, string>; field: string; message: string; kept?: string }[] = [
        { fields: { codice: 'AB\u0000CD' }, field: 'codice', message: messages.forms.problems.controlCharacters, kept: 'value="ABCD"' },
        { fields: { codice: 'a b' }, field: 'codice', message: t.problems.codeInvalid!, kept: 'value="a b"' },
        { fields: { codice: taken }, field: 'codice', message: t.problems.codeTaken!, kept: `value="${taken}"` },
        { fields: { codice: code(), servizio: '99999999999999999999' }, field: 'servizio', message: t.problems.choose! },
      ];
      for (const c of cases) {
        const response = await issue(pupil, c.fields);
        assert.equal(response.statusCode, 422, JSON.stringify(c.fields));
        assert.ok(response.body.includes(shown(c.message)), `${c.field}: its message`);
        assert.match(response.body, new RegExp(`href="#${c.field}"`));
        if (c.kept) assert.ok(response.body.includes(c.kept), 'input kept');
        assert.equal((await badgesOf(pupil)).length, 0, 'nothing written');
      }
      const good = code();
      const issued = await issue(pupil, { codice: good.toLowerCase() });
      assert.equal(issued.statusCode, 303);
      const [badge] = await badgesOf(pupil);
      assert.equal(badge!.code, good);
      assert.equal(badge!.active, 1);
      // One badge in use per pupil and service.
      const second = await issue(pupil, { codice: code() });
      assert.equal(second.statusCode, 422);
      assert.ok(second.body.includes(shown(t.problems.alreadyHasBadge!)));
      const event = await db().selectFrom('audit_event').select(['action', 'after_json']).where('subject_type', '=', 'badge').where('subject_id', '=', badge!.id).executeTakeFirstOrThrow();
      assert.equal(event.action, 'office.badge.issue');
    });

    it('replaces a lost card: balance and history move to the new code, the old code no longer works anywhere', async () => {
      const { holder, pupil } = await family();
      const oldCode = code();
      await issue(pupil, { codice: oldCode });
      const [badge] = await badgesOf(pupil);
      // History: a top-up and two meals on the old card.
      const now = new Date().toISOString();
      await db()
        .insertInto('movement')
        .values([
          { ente_id: enteId, badge_id: badge!.id, amount_cents: 2000, kind: 'topup', value_date: '2027-01-11', charge_id: null, reverses_movement_id: null, note: null, author: 'pagoPA', created_at: now },
          { ente_id: enteId, badge_id: badge!.id, amount_cents: -200, kind: 'adjustment', value_date: '2027-01-12', charge_id: null, reverses_movement_id: null, note: 'prova', author: MARCO, created_at: now },
        ])
        .execute();
      const before = await db().selectFrom('movement').selectAll().where('badge_id', '=', badge!.id).orderBy('id').execute();

      const form = await office.get(page(pupil));
      const bad = await office.post(`${page(pupil)}/${badge!.id}/sostituzione`, { _csrf: office.csrfFrom(form.body), versione: String(badge!.version), [`codice-${badge!.id}`]: oldCode, [`motivo-${badge!.id}`]: 'x' });
      assert.equal(bad.statusCode, 422);
      assert.ok(bad.body.includes(shown(t.problems.codeTaken!)));
      assert.ok(bad.body.includes(shown(t.problems.reasonRequired!)));
      const newCode = code();
      const replaced = await office.post(`${page(pupil)}/${badge!.id}/sostituzione`, {
        _csrf: office.csrfFrom(form.body), versione: String(badge!.version), [`codice-${badge!.id}`]: newCode, [`motivo-${badge!.id}`]: 'Tessera smarrita',
      });
      assert.equal(replaced.statusCode, 303);
      const [after] = await badgesOf(pupil);
      assert.equal(after!.id, badge!.id, 'the same account');
      assert.equal(after!.code, newCode);
      assert.equal(await balance(after!.id), 1800, 'the balance is the new card’s');
      assert.deepEqual(await db().selectFrom('movement').selectAll().where('badge_id', '=', badge!.id).orderBy('id').execute(), before, 'the history is untouched');
      // The old code: retired, refused for a new badge, by the database too, and named as replaced.
      assert.equal((await badgeByCode(db(), enteId, oldCode)).status, 'retired');
      assert.equal((await badgeByCode(db(), enteId, newCode)).status, 'in-use');
      const other = await family();
      const reuse = await issue(other.pupil, { codice: oldCode });
      assert.equal(reuse.statusCode, 422);
      assert.ok(reuse.body.includes(shown(t.problems.codeTaken!)));
      await assert.rejects(
        db().insertInto('badge').values({ ente_id: enteId, code: oldCode, pupil_id: other.pupil.pupilId, service_id: prepaidId, issued_on: '2027-01-20', active: 1 }).execute(),
      );
      const listing = await office.get(page(pupil));
      assert.ok(listing.body.includes(oldCode), 'the office sees the retired code');

      // The parent: the account shows the new code with the whole history; top-ups go to the new code, never the old.
      const parent = new Browser(app.app);
      await loginAs(parent, holder, '/demo/');
      const account = await parent.get(`/demo/conto-corrente?badge=${badge!.id}&dal=2026-09-14&al=2027-06-10`);
      assert.equal(account.statusCode, 200);
      assert.ok(account.body.includes(newCode));
      assert.ok(!account.body.includes(oldCode));
      assert.ok(account.body.includes('18,00'), 'the balance carried');
      const topups = await parent.get('/demo/ricariche');
      assert.ok(topups.body.includes(newCode));
      assert.ok(!topups.body.includes(oldCode), 'the old code is not offered for a top-up');
      const asked = await parent.post('/demo/ricariche', { _csrf: parent.csrfFrom(topups.body), badge: String(badge!.id), importo: '20' });
      assert.equal(asked.statusCode, 303, asked.body.slice(0, 300));
      const topup = await db().selectFrom('topup').select(['badge_id']).where('holder_person_id', '=', holder.id).executeTakeFirstOrThrow();
      assert.equal(topup.badge_id, badge!.id);
    });

    it('blocks and unblocks: a blocked badge takes no top-up and the parent’s pages say it is blocked', async () => {
      const { holder, pupil } = await family();
      const badgeCode = code();
      await issue(pupil, { codice: badgeCode });
      const [badge] = await badgesOf(pupil);
      const form = await office.get(page(pupil));
      const noReason = await office.post(`${page(pupil)}/${badge!.id}/blocco`, { _csrf: office.csrfFrom(form.body), versione: String(badge!.version), [`motivo-blocco-${badge!.id}`]: '' });
      assert.equal(noReason.statusCode, 422);
      assert.ok(noReason.body.includes(shown(t.problems.reasonRequired!)));
      const blocked = await office.post(`${page(pupil)}/${badge!.id}/blocco`, { _csrf: office.csrfFrom(form.body), versione: String(badge!.version), [`motivo-blocco-${badge!.id}`]: 'Tessera smarrita' });
      assert.equal(blocked.statusCode, 303);
      // A second save from the same form: the conflict, nothing written.
      const stale = await office.post(`${page(pupil)}/${badge!.id}/blocco`, { _csrf: office.csrfFrom(form.body), versione: String(badge!.version), [`motivo-blocco-${badge!.id}`]: 'Ancora' });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes(shown(messages.forms.problems.conflict)));
      assert.equal((await db().selectFrom('badge').select('blocked_reason').where('id', '=', badge!.id).executeTakeFirstOrThrow()).blocked_reason, 'Tessera smarrita');

      const parent = new Browser(app.app);
      await loginAs(parent, holder, '/demo/');
      const topups = await parent.get('/demo/ricariche');
      assert.ok(topups.body.includes(shown(t.portal.blockedNote(badgeCode))));
      const refused = await parent.post('/demo/ricariche', { _csrf: parent.csrfFrom(topups.body), badge: String(badge!.id), importo: '20' });
      assert.equal(refused.statusCode, 422);
      assert.ok(refused.body.includes(shown(t.portal.badgeBlocked)));
      assert.equal((await db().selectFrom('topup').select('id').where('badge_id', '=', badge!.id).execute()).length, 0);
      const account = await parent.get(`/demo/conto-corrente?badge=${badge!.id}`);
      assert.ok(account.body.includes(shown(t.portal.blockedNote(badgeCode))));

      const current = await db().selectFrom('badge').select('version').where('id', '=', badge!.id).executeTakeFirstOrThrow();
      const unblocked = await office.post(`${page(pupil)}/${badge!.id}/sblocco`, { _csrf: office.csrfFrom(form.body), versione: String(current.version), [`motivo-sblocco-${badge!.id}`]: 'Ritrovata' });
      assert.equal(unblocked.statusCode, 303);
      const again = await parent.get('/demo/ricariche');
      const asked = await parent.post('/demo/ricariche', { _csrf: parent.csrfFrom(again.body), badge: String(badge!.id), importo: '20' });
      assert.equal(asked.statusCode, 303);
      // The office's changes of the badge (the parent's views of its account are audited too, in batches, whenever they are written).
      const actions = await db().selectFrom('audit_event').select('action').where('subject_type', '=', 'badge').where('subject_id', '=', badge!.id).where('action', 'like', 'office.%').orderBy('id').execute();
      assert.deepEqual(actions.map((a) => a.action), ['office.badge.issue', 'office.badge.block', 'office.badge.unblock']);
    });

    it('is the office’s alone: a parent, the kitchen, anonymous and another ente’s operator are refused', async () => {
      const { pupil } = await family();
      await issue(pupil, { codice: code() });
      const [badge] = await badgesOf(pupil);
      const anonymous = new Browser(app.app);
      assert.ok([302, 303].includes((await anonymous.get(page(pupil))).statusCode));
      for (const who of [ADA, LUCA]) {
        const browser = new Browser(app.app);
        await browser.login(who, { returnTo: '/demo/' });
        assert.equal((await browser.get(page(pupil))).statusCode, 403);
        const home = await browser.get('/demo/');
        const posted = await browser.post(`${page(pupil)}/${badge!.id}/blocco`, { _csrf: browser.csrfFrom(home.body), versione: String(badge!.version), [`motivo-blocco-${badge!.id}`]: 'Prova' });
        assert.equal(posted.statusCode, 403);
      }
      const stranger = await buildOperator(db(), await enteIdOf(db(), 'unione-colline'), 'amministratore');
      const browser = new Browser(app.app);
      await loginAs(browser, stranger, '/unione-colline/ufficio/');
      assert.equal((await browser.get(page(pupil))).statusCode, 403);
      assert.equal((await browser.get(`/unione-colline/ufficio/anagrafe/alunni/${pupil.pupilId}/badge`)).statusCode, 404);
      assert.equal((await db().selectFrom('badge').select('blocked_at').where('id', '=', badge!.id).executeTakeFirstOrThrow()).blocked_at, null);
    });
  });
}
