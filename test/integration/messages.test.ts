import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { createDatabase } from '../../src/db/database';
import type { DB } from '../../src/db/schema';
import type { Clock } from '../../src/domain/clock';
import { LEASE_MS } from '../../src/domain/messages/delivery';
import { type MessageEvent, queueMessages } from '../../src/domain/messages/outbox';
import { createMessageService } from '../../src/domain/messages/service';
import { partOf } from '../../src/integrations/messages/sandbox/mime';
import { ADA, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildEnrolment, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

const NOW = '2026-11-26T10:00:00+01:00';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A clock the test moves: "a restart" some minutes later. */
function movableClock(start: string): Clock & { advance(ms: number): void } {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

let documentNumber = 900_000;

/** An unpaid document of the pupil, as billing writes it (billing itself is covered in the browser test). */
async function unpaidDocument(db: Kysely<DB>, enteId: number, pupil: BuiltPupil, holder: BuiltPerson, totalCents = 4_560, dueDate = '2026-12-31', period = '2026-10'): Promise<number> {
  const existing = await db.selectFrom('enrolment').select('id').where('pupil_id', '=', pupil.pupilId).executeTakeFirst();
  const enrolmentId = existing?.id ?? (await buildEnrolment(db, enteId, pupil, holder));
  const service = await db.selectFrom('enrolment').select('service_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow();
  const row = await db
    .insertInto('document')
    .values({
      ente_id: enteId, kind: 'documento', year: 2026, number: ++documentNumber, enrolment_id: enrolmentId, pupil_id: pupil.pupilId,
      holder_person_id: holder.id, service_id: service.service_id, period, issue_date: '2026-11-02', due_date: dueDate,
      total_cents: totalCents, state: 'da_pagare', cancels_document_id: null, reason: null, paid_at: null, created_at: new Date(NOW).toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function queue(db: Kysely<DB>, events: MessageEvent | MessageEvent[]): Promise<number> {
  return db.transaction().execute((trx) => queueMessages(trx, events, new Date(NOW)));
}

async function mailsTo(db: Kysely<DB>, address: string) {
  return db.selectFrom('sandbox_mail').selectAll().where('envelope_to', '=', address).orderBy('id').execute();
}

for (const { engine, skip } of testEngines()) {
  describe(`messages to families on ${engine}: outbox, built-in SMTP server, App IO sandbox`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    const db = () => t.database.db;
    const service = (clock: Clock, database: Kysely<DB> = db()) => createMessageService(database, clock, t.config);

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW, MAIL_SANDBOX_PORT: String(await freePort()) });
      enteId = await enteIdOf(db());
    });
    after(async () => {
      await t?.close();
    });

    it('sends one e-mail per event and adult, naming the pupil and no amount in the subject; a duplicate event sends nothing more', async () => {
      const mother = await buildPerson(db(), enteId, { email: 'madre.messaggi@esempio.invalid' });
      const father = await buildPerson(db(), enteId, { email: 'padre.messaggi@esempio.invalid' });
      const pupil = await buildPupil(db(), enteId, [{ person: mother, relation: 'intestatario' }, { person: father, relation: 'cointestatario' }], { givenName: 'Tommasina' });
      const documentId = await unpaidDocument(db(), enteId, pupil, mother);
      const event: MessageEvent = { enteId, kind: 'new_document', eventKey: `document:${documentId}`, pupilId: pupil.pupilId, params: { documentId } };
      assert.equal(await queue(db(), event), 2, 'one row per adult (e-mail by default)');
      assert.equal(await queue(db(), event), 0, 'the same event again writes nothing');
      await t.app.services.notices.issueDueNotices();
      const messages = service(t.app.services.clock);
      const outcome = await messages.deliverDue();
      assert.equal(outcome.sent, 2);
      for (const address of ['madre.messaggi@esempio.invalid', 'padre.messaggi@esempio.invalid']) {
        const mails = await mailsTo(db(), address);
        assert.equal(mails.length, 1, `one e-mail to ${address}`);
        assert.match(mails[0]!.subject, /^Tommasina: /);
        assert.doesNotMatch(mails[0]!.subject, /€|\d+,\d{2}/, 'no amount in the subject');
        const text = partOf(mails[0]!.raw, 'text/plain')!;
        assert.match(text, /45,60 €/, 'the amount is in the body');
        assert.match(partOf(mails[0]!.raw, 'text/html')!, /<html lang="it">/);
      }
      assert.equal(await queue(db(), event), 0);
      assert.equal((await messages.deliverDue()).sent, 0, 'nothing is sent twice');
      const rows = await db().selectFrom('message_outbox').select(['state', 'detail']).where('event_key', '=', event.eventKey).execute();
      assert.deepEqual(rows.map((r) => r.state), ['sent', 'sent']);
    });

    it('sends nothing twice after a restart mid-send: claimed rows wait for their lease, a group being sent becomes "unknown"', async () => {
      const adults = await Promise.all([1, 2, 3, 4].map((n) => buildPerson(db(), enteId, { email: `riavvio${n}@esempio.invalid` })));
      const pupils = await Promise.all(adults.map((adult) => buildPupil(db(), enteId, [{ person: adult, relation: 'intestatario' }])));
      await queue(db(), pupils.map((p, i) => ({ enteId, kind: 'office' as const, eventKey: `restart-test:${i}`, pupilId: p.pupilId, params: { subject: 'Chiusura per sciopero', body: 'La mensa resta chiusa venerdì.' } })));
      const clock = movableClock(NOW);
      // The first process claims everything and dies: two rows were being sent, two not yet.
      const ids = (await db().selectFrom('message_outbox').select('id').where('event_key', 'like', 'restart-test:%').orderBy('id').execute()).map((r) => r.id);
      await db()
        .updateTable('message_outbox')
        .set({ lease_token: 'dead-process', lease_until: new Date(clock.now().getTime() + LEASE_MS).toISOString() })
        .where('id', 'in', ids)
        .execute();
      await db().updateTable('message_outbox').set({ state: 'sending' }).where('id', 'in', ids.slice(0, 2)).execute();
      const restarted = service(clock);
      assert.equal((await restarted.deliverDue()).sent, 0, 'a live lease is respected');
      clock.advance(LEASE_MS + 1000);
      const outcome = await restarted.deliverDue();
      assert.equal(outcome.sent, 2, 'the rows not yet sent go now');
      assert.equal(outcome.unknown, 2, 'the rows that were being sent may have gone: never again');
      for (const [i, adult] of adults.entries()) {
        assert.equal((await mailsTo(db(), `riavvio${i + 1}@esempio.invalid`)).length, i < 2 ? 0 : 1, `${adult.givenName}'s mail`);
      }
      assert.equal((await restarted.deliverDue()).sent, 0);
    });

    it('two processes deliver a queue together, each message once', async () => {
      const adults = await Promise.all(Array.from({ length: 30 }, (_, n) => buildPerson(db(), enteId, { email: `coppia${n}@esempio.invalid` })));
      const pupils = await Promise.all(adults.map((adult) => buildPupil(db(), enteId, [{ person: adult, relation: 'intestatario' }])));
      await queue(db(), pupils.map((p, i) => ({ enteId, kind: 'office' as const, eventKey: `two-processes:${i}`, pupilId: p.pupilId, params: { subject: 'Uscita anticipata', body: 'Le lezioni terminano alle 12.' } })));
      const second = createDatabase(t.config.databaseUrl);
      try {
        const [a, b] = await Promise.all([service(t.app.services.clock).deliverDue(), service(t.app.services.clock, second.db).deliverDue()]);
        assert.equal(a.sent + b.sent, 30);
      } finally {
        await second.destroy();
      }
      const counts = await db()
        .selectFrom('sandbox_mail')
        .select(['envelope_to', (eb) => eb.fn.countAll<number>().as('n')])
        .where('envelope_to', 'like', 'coppia%')
        .groupBy('envelope_to')
        .execute();
      assert.equal(counts.length, 30);
      assert.ok(counts.every((c) => Number(c.n) === 1), 'no address got two');
    });

    it('App IO: a citizen without a profile or who refused gets nothing; a notice message carries the right payment_data', async () => {
      const withoutProfile = await buildPerson(db(), enteId, { email: null });
      const refused = await buildPerson(db(), enteId, { email: null });
      const allowed = await buildPerson(db(), enteId, { email: 'io.consenso@esempio.invalid' });
      await db().insertInto('sandbox_io_profile').values([{ fiscal_code: refused.fiscalCode, sender_allowed: 0 }, { fiscal_code: allowed.fiscalCode, sender_allowed: 1 }]).execute();
      for (const adult of [withoutProfile, refused, allowed]) {
        await db().insertInto('message_preference').values({ person_id: adult.id, kind: 'new_document', ente_id: enteId, email: 0, io: 1, language: 'it', updated_at: NOW }).execute();
      }
      const pupil = await buildPupil(db(), enteId, [
        { person: allowed, relation: 'intestatario' },
        { person: withoutProfile, relation: 'cointestatario' },
        { person: refused, relation: 'delegato' },
      ], { givenName: 'Ottavio' });
      const documentId = await unpaidDocument(db(), enteId, pupil, allowed, 7_250);
      await queue(db(), { enteId, kind: 'new_document', eventKey: `document:${documentId}`, pupilId: pupil.pupilId, params: { documentId } });
      const messages = service(t.app.services.clock);
      // Before its notice exists the message waits (its payment_data needs the notice number).
      assert.equal((await messages.deliverDue()).sent, 0);
      await db().updateTable('message_outbox').set({ next_at: new Date(NOW).toISOString() }).where('event_key', '=', `document:${documentId}`).execute();
      await t.app.services.notices.issueDueNotices();
      const outcome = await messages.deliverDue();
      assert.equal(outcome.sent, 1);
      assert.equal(outcome.skipped, 2);
      const rows = await db().selectFrom('message_outbox').select(['person_id', 'channel', 'state', 'detail']).where('event_key', '=', `document:${documentId}`).execute();
      assert.deepEqual(new Set(rows.map((r) => r.channel)), new Set(['io']), 'no e-mail: they chose App IO only');
      assert.equal(rows.find((r) => r.person_id === withoutProfile.id)?.detail, 'no App IO profile');
      assert.equal(rows.find((r) => r.person_id === refused.id)?.detail, 'App IO: the service is not allowed');
      const io = await db().selectFrom('sandbox_io_message').selectAll().where('fiscal_code', 'in', [withoutProfile.fiscalCode, refused.fiscalCode, allowed.fiscalCode]).execute();
      assert.equal(io.length, 1);
      assert.equal(io[0]!.fiscal_code, allowed.fiscalCode);
      assert.match(io[0]!.subject, /^Ottavio: /);
      const notice = await db().selectFrom('payment_notice').select(['nav', 'amount_cents']).where('document_id', '=', documentId).executeTakeFirstOrThrow();
      const ente = await db().selectFrom('ente').select('tax_code').where('id', '=', enteId).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(io[0]!.payment_data!), { amount: 7_250, notice_number: notice.nav, invalid_after_due_date: false, payee: { fiscal_code: ente.tax_code } });
      assert.equal(notice.amount_cents, 7_250);
      assert.equal((await mailsTo(db(), 'io.consenso@esempio.invalid')).length, 0);
    });

    it('the App IO sandbox refuses a call without the key and a subject out of bounds, as the real API', async () => {
      const noKey = await t.app.inject({ method: 'POST', url: '/io-sandbox/api/v1/profiles', payload: { fiscal_code: 'LVLDAA85T50G702B' } });
      assert.equal(noKey.statusCode, 401);
      const shortSubject = await t.app.inject({
        method: 'POST', url: '/io-sandbox/api/v1/messages', headers: { 'ocp-apim-subscription-key': t.config.messages.ioKey },
        payload: { fiscal_code: 'LVLDAA85T50G702B', content: { subject: 'Breve', markdown: 'x'.repeat(80) } },
      });
      assert.equal(shortSubject.statusCode, 400);
    });

    it('a top-up paid at the sandbox tabaccheria gives one e-mail naming the pupil, whatever arrives twice', async () => {
      const ente = (await t.app.services.enti.bySlug('demo'))!;
      const badge = await db().selectFrom('badge').select('id').where('code', '=', 'B100001').executeTakeFirstOrThrow();
      const ada = { fiscalCode: ADA };
      const topupId = await t.app.services.payments.requestTopup(ente, ada, badge.id, 2_500);
      await t.app.services.payments.payTopupLater(ente, ada, topupId);
      const notice = await db().selectFrom('payment_notice').select('nav').where('topup_id', '=', topupId).executeTakeFirstOrThrow();
      const paid = await fetch(`${t.baseUrl}/pagopa-sandbox/tabaccheria`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ente: ente.tax_code, avviso: notice.nav, consegna: 'normale' }).toString(),
      });
      assert.equal(paid.status, 303);
      await t.app.services.receipts.pullReceipts();
      await service(t.app.services.clock).deliverDue();
      const mails = (await mailsTo(db(), 'ada.lovelace@example.org')).filter((m) => /ricarica/.test(m.subject));
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.subject, 'Sofia: ricarica accreditata');
      assert.match(partOf(mails[0]!.raw, 'text/plain')!, /25,00 €/);
    });

    it('"due in N days": once per document and due date, N per ente; not sent for a document paid meanwhile', async () => {
      await db().insertInto('message_setting').values({ ente_id: enteId, due_days: 5 }).onConflict((oc) => oc.column('ente_id').doUpdateSet({ due_days: 5 })).execute();
      const adult = await buildPerson(db(), enteId, { email: 'scadenza@esempio.invalid' });
      const pupil = await buildPupil(db(), enteId, [{ person: adult, relation: 'intestatario' }], { givenName: 'Serena' });
      const due = await unpaidDocument(db(), enteId, pupil, adult, 3_000, '2026-12-01');
      const paidMeanwhile = await unpaidDocument(db(), enteId, pupil, adult, 1_000, '2026-12-01', '2026-09');
      await unpaidDocument(db(), enteId, pupil, adult, 2_000, '2026-12-02', '2026-08');
      const first = service(t.app.services.clock);
      assert.ok((await first.queueDueSoon()).some((q) => q.queued >= 2));
      assert.deepEqual(await service(t.app.services.clock).queueDueSoon(), [], 'another process the same day queues nothing more');
      await db().updateTable('document').set({ state: 'pagato', paid_at: new Date(NOW).toISOString() }).where('id', '=', paidMeanwhile).execute();
      await first.deliverDue();
      const mails = await mailsTo(db(), 'scadenza@esempio.invalid');
      assert.equal(mails.length, 1, 'one document falls due in 5 days and is still unpaid');
      assert.equal(mails[0]!.subject, 'Serena: un documento è in scadenza');
      assert.match(partOf(mails[0]!.raw, 'text/plain')!, /scade il 01\/12\/2026[\s\S]*30,00 €/);
      const rows = await db().selectFrom('message_outbox').select(['event_key', 'state']).where('person_id', '=', adult.id).orderBy('event_key').execute();
      assert.deepEqual(rows, [{ event_key: `due:${due}:2026-12-01`, state: 'sent' }, { event_key: `due:${paidMeanwhile}:2026-12-01`, state: 'skipped' }].sort((a, b) => a.event_key.localeCompare(b.event_key)));
    });

    it('a badge at or below the ente’s threshold: one message per crossing, and again only after a top-up lifted it', async () => {
      const adult = await buildPerson(db(), enteId, { email: 'credito@esempio.invalid' });
      const pupil = await buildPupil(db(), enteId, [{ person: adult, relation: 'intestatario' }], { givenName: 'Bruna' });
      const prepaid = await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'prepaid').executeTakeFirstOrThrow();
      const badge = await db()
        .insertInto('badge')
        .values({ ente_id: enteId, code: `LOW${engine === 'sqlite' ? 'S' : 'P'}${process.pid % 10_000}`, pupil_id: pupil.pupilId, service_id: prepaid.id, issued_on: '2026-09-01', active: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const move = (date: string, cents: number, kind: 'topup' | 'meal') =>
        db().insertInto('movement').values({ ente_id: enteId, badge_id: badge.id, amount_cents: cents, kind, value_date: date, charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: `${date}T10:00:00Z` }).execute();
      await move('2026-11-02', 1_000, 'topup');
      await move('2026-11-20', -1_000, 'meal');
      const clock = movableClock(NOW);
      const lowOf = async () => db().selectFrom('message_outbox').select(['event_key', 'params']).where('kind', '=', 'low_balance').where('person_id', '=', adult.id).orderBy('id').execute();
      await service(clock).queueLowBalance();
      await service(clock).queueLowBalance(); // another process, the same day
      assert.equal((await lowOf()).length, 1, 'the default threshold (0 €): balance 0 is low, told once');
      clock.advance(24 * 3_600_000);
      await service(clock).queueLowBalance();
      assert.equal((await lowOf()).length, 1, 'the next day, still the same crossing: nothing more');
      await move('2026-11-27', 2_000, 'topup');
      await move('2026-11-27', -2_000, 'meal');
      clock.advance(24 * 3_600_000);
      await service(clock).queueLowBalance();
      const told = await lowOf();
      assert.equal(told.length, 2, 'a top-up lifted it and the meals brought it down again: told again');
      assert.equal(JSON.parse(told[1]!.params).balanceCents, 0);
      await service(clock).deliverDue();
      const mails = await mailsTo(db(), 'credito@esempio.invalid');
      assert.equal(mails.length, 2);
      assert.equal(mails[0]!.subject, 'Bruna: credito del badge in esaurimento');
    });

    it('the same event twice in one call is one message', async () => {
      const adult = await buildPerson(db(), enteId, { email: 'ricarica@esempio.invalid' });
      const pupil = await buildPupil(db(), enteId, [{ person: adult, relation: 'intestatario' }], { givenName: 'Rinaldo' });
      const event: MessageEvent = { enteId, kind: 'topup_credited', eventKey: 'topup:test-1', pupilId: pupil.pupilId, params: { amountCents: 2_000 } };
      assert.equal(await queue(db(), [event, event]), 1, 'the same event twice in one call is one message');
      await service(t.app.services.clock).deliverDue();
      const mails = await mailsTo(db(), 'ricarica@esempio.invalid');
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.subject, 'Rinaldo: ricarica accreditata');
      assert.match(partOf(mails[0]!.raw, 'text/plain')!, /20,00 €/);
    });
  });

  describe(`the yearly 730 statement's message on ${engine}`, { skip }, () => {
    let t: TestApp;
    const db = () => t.database.db;

    before(async () => {
      // The demo's history: canteen documents paid through pagoPA since September 2025.
      t = await startTestApp(engine, { FAKE_NOW: NOW, MAIL_SANDBOX_PORT: String(await freePort()) }, undefined, { history: true });
    });
    after(async () => {
      await t?.close();
    });

    it('in January, tells each pupil’s adults once that the statement of the year before is there; not outside January', async () => {
      const paidIn2026 = await db()
        .selectFrom('payment_receipt as r')
        .innerJoin('payment_notice as n', 'n.id', 'r.notice_id')
        .innerJoin('service as s', 's.id', 'n.service_id')
        .select('n.pupil_id as pupilId')
        .distinct()
        .where('r.status', '=', 'applied')
        .where('s.kind', '=', 'refezione')
        .where('r.paid_at', '>=', '2025-12-31T23:00:00.000Z')
        .where('r.paid_at', '<', '2026-12-31T23:00:00.000Z')
        .execute();
      assert.ok(paidIn2026.length > 0, 'the demo has canteen payments in 2026');
      const december = movableClock('2026-12-20T09:00:00+01:00');
      assert.deepEqual(await createMessageService(db(), december, t.config).queueStatement730(), [], 'nothing before January');
      const january = movableClock('2027-01-08T09:00:00+01:00');
      await createMessageService(db(), january, t.config).queueStatement730();
      await createMessageService(db(), january, t.config).queueStatement730(); // a second process
      january.advance(24 * 3_600_000);
      await createMessageService(db(), january, t.config).queueStatement730(); // the next day
      const queued = await db().selectFrom('message_outbox').select(['event_key', 'pupil_id', 'person_id', 'channel']).where('kind', '=', 'statement_730').execute();
      assert.deepEqual(new Set(queued.map((m) => m.pupil_id)), new Set(paidIn2026.map((p) => p.pupilId)), 'the pupils with a 2026 statement, each');
      assert.equal(new Set(queued.map((m) => `${m.event_key}/${m.person_id}/${m.channel}`)).size, queued.length, 'once per adult and channel');
      assert.ok(queued.every((m) => m.event_key === `730:${m.pupil_id}:2026`));
      await createMessageService(db(), january, t.config).deliverDue();
      const ada = await db().selectFrom('person').select('email').where('fiscal_code', '=', ADA).executeTakeFirstOrThrow();
      const mails = (await mailsTo(db(), ada.email!)).filter((mail) => /730/.test(mail.subject));
      assert.ok(mails.some((mail) => mail.subject === 'Tommaso: attestazione per il 730 disponibile'), mails.map((mail) => mail.subject).join(' | '));
      assert.match(partOf(mails[0]!.raw, 'text/plain')!, /nel 2026/);
    });
  });
}
