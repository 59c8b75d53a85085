import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

async function attachmentOf(t: TestApp, givenName: string) {
  const row = await t.database.db
    .selectFrom('attachment')
    .innerJoin('pupil', 'pupil.id', 'attachment.pupil_id')
    .innerJoin('person', 'person.id', 'pupil.person_id')
    .select(['attachment.id', 'pupil.id as pupilId'])
    .where('person.given_name', '=', givenName)
    .executeTakeFirstOrThrow();
  return row;
}

for (const { engine, skip } of testEngines()) {
  describe(`sessions, attachments and logs on ${engine}`, { skip }, () => {
    let t: TestApp;
    const logLines: string[] = [];
    before(async () => {
      const logStream = new Writable({
        write(chunk, _encoding, callback) {
          logLines.push(String(chunk));
          callback();
        },
      });
      t = await startTestApp(engine, { LOG_LEVEL: 'info', LOGIN_RATE_LIMIT_PER_MINUTE: '12' }, logStream);
    });
    after(async () => {
      await t?.close();
    });

    it('downloads an attachment of the holder’s pupil, and 404s anybody else’s', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const sofia = await attachmentOf(t, 'Sofia');
      const scheda = await ada.get(`/demo/scheda-anagrafica?utente=${sofia.pupilId}`);
      assert.match(scheda.body, new RegExp(`href="/demo/allegati/${sofia.id}"`));
      const pdf = await ada.get(`/demo/allegati/${sofia.id}`);
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.match(String(pdf.headers['content-disposition']), /^attachment; filename="conferma-iscrizione/);
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');

      const pietro = await attachmentOf(t, 'Pietro');
      assert.equal((await ada.get(`/demo/allegati/${pietro.id}`)).statusCode, 404);
      assert.equal((await ada.get('/demo/allegati/abc')).statusCode, 404);
      assert.equal((await ada.get(`/unione-colline/allegati/${sofia.id}`)).statusCode, 403, 'holder of nothing there');

      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      assert.equal((await giulia.get(`/demo/allegati/${pietro.id}`)).statusCode, 200);
      assert.equal((await new Browser(t.app).get(`/demo/allegati/${pietro.id}`)).statusCode, 303, 'anonymous → log-in');
    });

    it('ends a session after the idle time-out and after the absolute limit', async () => {
      const browser = new Browser(t.app);
      await browser.login(ADA);
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 200);
      const rows = await t.database.db.selectFrom('session').select('id').execute();
      await t.database.db
        .updateTable('session')
        .set({ last_seen_at: new Date(Date.now() - 21 * 60_000).toISOString() })
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 303, 'idle → log in again');

      await browser.login(ADA);
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 200);
      await t.database.db.updateTable('session').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
      assert.equal((await browser.get('/demo/scheda-anagrafica')).statusCode, 303, 'absolute limit → log in again');
    });

    it('stores no usable session token in the database', async () => {
      const browser = new Browser(t.app);
      await browser.login(ADA);
      const token = browser.jar.get('sso')!;
      const stored = await t.database.db.selectFrom('session').select('id').execute();
      assert.ok(stored.length > 0);
      assert.ok(stored.every((row) => row.id !== token));
    });

    it('writes every audit event, in order, also when many arrive at once', async () => {
      const { audit } = t.app.services;
      await audit.flush();
      const before = await t.database.db.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      for (let i = 1; i <= 1200; i++) audit.record({ enteId: null, actorFiscalCode: null, action: 'test.burst', subjectType: 'test', subjectId: i });
      await audit.flush();
      const rows = await t.database.db.selectFrom('audit_event').select(['subject_id']).where('action', '=', 'test.burst').orderBy('id').execute();
      assert.deepEqual(rows.map((r) => r.subject_id), Array.from({ length: 1200 }, (_, i) => i + 1));
      const after = await t.database.db.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n) - Number(before.n), 1200);

      const ada = new Browser(t.app);
      await ada.login(ADA, { returnTo: '/demo/ufficio/' });
      await audit.flush();
      const denied = await t.database.db.selectFrom('audit_event').select('actor_fiscal_code').where('action', '=', 'backoffice.denied').execute();
      assert.ok(denied.some((row) => row.actor_fiscal_code === ADA), 'a refused access to the office is audited');
    });

    it('logs requests without cookies, tokens, query strings or full fiscal codes', async () => {
      const text = logLines.join('');
      assert.match(text, /"msg":"login"/);
      assert.match(text, /LVLDAA\*{10}/);
      assert.doesNotMatch(text, /LVLDAA85T50G702B/);
      assert.doesNotMatch(text, /BNCGLI80A41F205F/);
      assert.doesNotMatch(text, /sso=/);
      assert.doesNotMatch(text, /code=/);
      assert.doesNotMatch(text, /utente=/);
    });

    it('limits log-in attempts per client', async () => {
      const browser = new Browser(t.app);
      let limited;
      for (let i = 0; i < 20 && !limited; i++) {
        const response = await browser.get('/auth/login?torna=%2F');
        if (response.statusCode === 429) limited = response;
      }
      assert.ok(limited, 'rate limit reached');
      assert.match(limited.body, /Troppe richieste/);
    });
  });
}
