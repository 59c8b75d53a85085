import { type Kysely, sql } from 'kysely';
import type { DB, Ente } from '../db/schema';
import { createBillingService } from '../domain/billing/billing';
import { firstOfMonth, lastOfMonth, nextPeriod, periodOf } from '../domain/billing/periods';
import { cutoffInstant } from '../domain/calendar/cutoff';
import { addDays, isoWeekday, romeDate, romeInstant } from '../domain/calendar/local-time';
import { createFreezeService } from '../domain/canteen/freeze';
import { type Clock, fixedClock } from '../domain/clock';
import { createChargingService } from '../domain/ledger/charging';
import { createNoticeService } from '../domain/payments/notices';
import { issueTopupNotice, openTopup } from '../domain/payments/payments';
import { createReceiptService } from '../domain/payments/receipts';
import { createEnteDirectory } from '../domain/registry/enti';
import { SANDBOX_BROKER_ID, SANDBOX_STATION_ID } from '../config/index';
import { euroDecimalFromCents } from '../integrations/pagopa/amounts';
import { createPagopaClients } from '../integrations/pagopa/clients';
import type { PagopaReceipt } from '../integrations/pagopa/receipt-xml';
import { receiptXml } from '../integrations/pagopa/receipt-xml';

/*
 * The demo's past up to the day it is loaded, whatever that day is, made by the same jobs that make
 * it in production: parents notify absences; every day since the previous school year began is
 * frozen at its own cut-off and charged; every month that is over is billed on the first of the next
 * month; documents get their pagoPA notices; top-ups and payments arrive as pagoPA receipts, applied
 * by the same code that applies the platform's.
 */

/** The past needs no platform: receipts are applied directly, and nothing here calls out. */
const OFFLINE = createPagopaClients({
  checkoutUrl: 'http://127.0.0.1:9', checkoutKey: '-', gpdUrl: 'http://127.0.0.1:9', gpdKey: '-', receiptsUrl: 'http://127.0.0.1:9', receiptsKey: '-', timeoutMs: 1,
});

/** Ada's top-up asked for this morning and not paid yet: "in attesa" in her Conto corrente. */
const ADA_PENDING_TOP_UP = 2_000;

/** The badge whose top-ups follow its meals, so that it always ends in a small credit: Sofia's. */
const ADA_BADGE = 'B100001';

/** Ada tops up on the first of each month (Sofia's first one before school starts) in round sums. */
const ADA_FIRST_TOP_UP = '2026-09-10';
const TOP_UP_ROUNDING = 1_000;

export interface HistoryOptions {
  /** Holders whose top-ups and payments are not made here (the benchmark's Rome-sized families, bench/data.ts). */
  notPaying?: (holderPersonId: number) => boolean;
  /** Called after each phase (frozen, charged, billed, notices): the benchmark's dataset analyses PostgreSQL's tables there. */
  after?: (phase: 'frozen' | 'charged' | 'billed' | 'notices') => Promise<void>;
}

export async function buildDemoHistory(db: Kysely<DB>, clock: Clock, options: HistoryOptions = {}) {
  const now = clock.now();
  const today = romeDate(now);
  const notPaying = options.notPaying ?? (() => false);
  const enti = (await db.selectFrom('ente').selectAll().orderBy('id').execute()) as Ente[];
  await parentsAbsences(db, today);

  // Every day from the first school year on, frozen as the scheduler freezes it: at the day's cut-off
  // (so its freeze time is that instant, not the time of loading), up to the last day past it.
  let at = now;
  const freeze = createFreezeService(db, { now: () => new Date(at.getTime()) });
  let frozen = 0;
  for (const ente of enti) {
    const first = await db.selectFrom('school_year').select((eb) => eb.fn.min('starts_on').as('date')).where('ente_id', '=', ente.id).executeTakeFirst();
    if (!first?.date) continue;
    const lastDue = now >= cutoffInstant(today, ente.cutoff_time) ? today : addDays(today, -1);
    for (let date = first.date; date <= lastDue; date = addDays(date, 1)) {
      at = cutoffInstant(date, ente.cutoff_time);
      if ((await freeze.freezeDay(ente, date)) === 'frozen') frozen++;
    }
  }
  await options.after?.('frozen');

  await topUps(db, clock, today, notPaying);
  const charged = (await createChargingService(db, clock).chargeDueDays()).length;
  await options.after?.('charged');
  await adaTopUps(db, clock, today);

  let documents = 0;
  const thisMonth = periodOf(today);
  for (const ente of enti) {
    const first = await db.selectFrom('day_freeze').select((eb) => eb.fn.min('date').as('date')).where('ente_id', '=', ente.id).executeTakeFirst();
    if (!first?.date) continue;
    for (let period = periodOf(first.date); period < thisMonth; period = nextPeriod(period)) {
      // As the monthly job would have run it: early on the first of the next month.
      const runClock = fixedClock(romeInstant(firstOfMonth(nextPeriod(period)), '06:00'));
      documents += (await createBillingService(db, runClock).billMonth(ente, period)).documents;
    }
  }
  await options.after?.('billed');
  for (const ente of enti) await createNoticeService(db, clock, OFFLINE, createEnteDirectory(db)).issueDocumentNotices(ente);
  await options.after?.('notices');
  await payments(db, clock, enti, today, notPaying);
  return { frozen, charged, documents };
}

/** A receipt as the platform sends it for a notice paid by the holder, at a fictitious PSP. */
async function receiptFor(db: Kysely<DB>, noticeId: number, paidAt: Date, sequence: number): Promise<PagopaReceipt> {
  const notice = await db
    .selectFrom('payment_notice as n')
    .innerJoin('ente as e', 'e.id', 'n.ente_id')
    .innerJoin('person as h', 'h.id', 'n.holder_person_id')
    .innerJoin('service as s', 's.id', 'n.service_id')
    .select(['n.nav', 'n.iuv', 'n.amount_cents', 'n.description', 'e.tax_code', 'e.name', 'e.iban', 'h.fiscal_code', 'h.given_name', 'h.family_name', 's.taxonomy_code'])
    .where('n.id', '=', noticeId)
    .executeTakeFirstOrThrow();
  const amount = euroDecimalFromCents(notice.amount_cents);
  const debtor = { uniqueIdentifier: { entityUniqueIdentifierType: 'F' as const, entityUniqueIdentifierValue: notice.fiscal_code }, fullName: `${notice.given_name} ${notice.family_name}` };
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Rome', dateStyle: 'short', timeStyle: 'medium' }).format(paidAt).replace(' ', 'T');
  return {
    receiptId: `DEMO${String(sequence).padStart(8, '0')}${notice.iuv.slice(-6)}`,
    noticeNumber: notice.nav,
    fiscalCode: notice.tax_code,
    outcome: 'OK',
    creditorReferenceId: notice.iuv,
    paymentAmount: amount,
    description: notice.description,
    companyName: notice.name,
    debtor,
    transferList: { transfer: [{ idTransfer: '1', transferAmount: amount, fiscalCodePA: notice.tax_code, IBAN: notice.iban ?? undefined, remittanceInformation: notice.description, transferCategory: notice.taxonomy_code }] },
    idPSP: 'DEMOPSP0001',
    PSPCompanyName: 'Banca di Prova (dati dimostrativi)',
    idChannel: 'DEMOPSP0001_01',
    channelDescription: 'app',
    payer: debtor,
    paymentMethod: 'CP',
    fee: '1.00',
    paymentDateTime: local,
    applicationDate: local.slice(0, 10),
  };
}

/** The notice was on the platform when it was paid; the past needs no call to say so. */
async function paidThroughPagopa(db: Kysely<DB>, clock: Clock, noticeId: number, paidAt: Date, sequence: number) {
  await db.updateTable('payment_notice').set({ position_state: 'published', published_at: paidAt.toISOString() }).where('id', '=', noticeId).execute();
  const receipt = await receiptFor(db, noticeId, paidAt, sequence);
  const outcome = await createReceiptService(db, clock, OFFLINE, { brokerId: SANDBOX_BROKER_ID, stationId: SANDBOX_STATION_ID }, createEnteDirectory(db)).apply(receipt, receiptXml(receipt), 'push');
  if (outcome.result !== 'applied') throw new Error(`demo receipt not applied: ${outcome.result}`);
}

/**
 * Absences parents notified, for the pupils the seed gives none (the named families' are in the seed):
 * about one a month each, sometimes two or three days in a row, on days of their own (a pseudo-random
 * sequence per pupil), from the start of each enrolment up to yesterday.
 */
async function parentsAbsences(db: Kysely<DB>, today: string) {
  const enrolments = await db
    .selectFrom('enrolment as e')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
    .select(['e.ente_id', 'e.pupil_id', 'e.starts_on', 'e.ends_on', 'y.ends_on as yearEnds'])
    .where('s.kind', '=', sql.lit('refezione'))
    // Not exists, one probe of the key per enrolment: `not in (select …)` is a scan of every change per
    // enrolment on PostgreSQL once the changes no longer fit work_mem's hash (a city's year: 2.7 million).
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('attendance_change as c').select('c.pupil_id').whereRef('c.pupil_id', '=', 'e.pupil_id'))))
    .orderBy('e.pupil_id')
    .orderBy('e.starts_on')
    .execute();
  for (const enrolment of enrolments) {
    const next = pseudoRandom(enrolment.pupil_id * 7_919 + enrolment.starts_on.length);
    const last = [enrolment.ends_on ?? enrolment.yearEnds, enrolment.yearEnds, addDays(today, -1)].sort()[0]!;
    for (let date = addDays(enrolment.starts_on, Math.floor(next() * 30)); date <= last; date = addDays(date, 12 + Math.floor(next() * 30))) {
      const days = next() < 0.7 ? 1 : next() < 0.7 ? 2 : 3;
      for (let i = 0, day = date; i < days && day <= last; i++, day = addDays(day, 1)) {
        if (isoWeekday(day) > 5) continue;
        await db
          .insertInto('attendance_change')
          .values({ ente_id: enrolment.ente_id, pupil_id: enrolment.pupil_id, date: day, status: 'absent', source: 'parent', notice_id: null, set_at: romeInstant(day, '07:40').toISOString() })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    }
  }
}

/** A small deterministic pseudo-random sequence in [0, 1) (mulberry32). */
function pseudoRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parents' top-ups through pagoPA: for the badges other than Ada's, one every four weeks or so, from a fixed sequence of amounts. */
async function topUps(db: Kysely<DB>, clock: Clock, today: string, notPaying: (holderPersonId: number) => boolean) {
  const badges = await db
    .selectFrom('badge as b')
    .innerJoin('pupil_holder as ph', 'ph.pupil_id', 'b.pupil_id')
    .select(['b.id', 'b.ente_id', 'b.code', 'ph.person_id as holderId'])
    .where('b.active', '=', sql.lit(1))
    .orderBy('b.id')
    .orderBy('ph.person_id')
    .execute();
  const amounts = [2_000, 3_000, 5_000, 10_000];
  const seen = new Set<number>();
  let sequence = 0;
  for (const badge of badges) {
    if (seen.has(badge.id)) continue; // one holder pays a badge's top-ups
    seen.add(badge.id);
    if (notPaying(badge.holderId)) continue;
    const ente = (await db.selectFrom('ente').selectAll().where('id', '=', badge.ente_id).executeTakeFirstOrThrow()) as Ente;
    const plan: [string, number][] = [];
    if (badge.code !== ADA_BADGE) {
      for (let i = 0, date = addDays('2026-09-08', badge.id % 9); date <= today; i++, date = addDays(date, 25 + ((badge.id + i) % 3) * 5)) {
        plan.push([date, amounts[(badge.id + i) % amounts.length]!]);
      }
    }
    for (const [date, cents] of plan) {
      const askedAt = romeInstant(date, '09:55');
      const noticeId = await db.transaction().execute(async (trx) => issueTopupNotice(trx, ente, await openTopup(trx, ente, badge.id, badge.holderId, cents, askedAt), askedAt));
      await paidThroughPagopa(db, clock, noticeId, romeInstant(date, '10:00'), ++sequence);
    }
  }
}

/**
 * Ada's top-ups of Sofia's badge, made after the meals are charged so that they follow them: on the
 * first of each month (the first before school starts), a round sum that covers the month's meals so
 * far; so the balance ends in a small credit whatever the day. Then the 20 € she asked for this
 * morning and has not paid yet.
 */
async function adaTopUps(db: Kysely<DB>, clock: Clock, today: string) {
  const badge = await db
    .selectFrom('badge as b')
    .innerJoin('pupil_holder as ph', 'ph.pupil_id', 'b.pupil_id')
    .innerJoin('person as p', 'p.id', 'ph.person_id')
    .select(['b.id', 'b.ente_id', 'ph.person_id as holderId'])
    .where('b.code', '=', ADA_BADGE)
    .where('p.fiscal_code', '=', 'LVLDAA85T50G702B')
    .executeTakeFirst();
  if (!badge) return;
  const ente = (await db.selectFrom('ente').selectAll().where('id', '=', badge.ente_id).executeTakeFirstOrThrow()) as Ente;
  const debits = await db.selectFrom('movement').select(['value_date', 'amount_cents']).where('badge_id', '=', badge.id).where('amount_cents', '<', 0).execute();
  const debitsUpTo = (date: string) => -debits.filter((d) => d.value_date <= date).reduce((sum, d) => sum + d.amount_cents, 0);
  let sequenceNumber = 50_000;
  let toppedUp = 0;
  for (let date = ADA_FIRST_TOP_UP; date <= today; date = firstOfMonth(nextPeriod(periodOf(date)))) {
    const covered = [lastOfMonth(periodOf(date)), today].sort()[0]!;
    const cents = Math.ceil((debitsUpTo(covered) - toppedUp) / TOP_UP_ROUNDING) * TOP_UP_ROUNDING;
    if (cents <= 0) continue;
    const askedAt = romeInstant(date, '09:55');
    const noticeId = await db.transaction().execute(async (trx) => issueTopupNotice(trx, ente, await openTopup(trx, ente, badge.id, badge.holderId, cents, askedAt), askedAt));
    // Paid at ten, or a minute ago when that is later than now (the demo loaded early on the first).
    const paidAt = Math.min(romeInstant(date, '10:00').getTime(), clock.now().getTime() - 60_000);
    await paidThroughPagopa(db, clock, noticeId, new Date(paidAt), ++sequenceNumber);
    toppedUp += cents;
  }
  // Asked for this morning and chosen "Paga dopo": it has its notice, waiting to be paid.
  const asked = romeInstant(today, '07:45');
  await db.transaction().execute(async (trx) => issueTopupNotice(trx, ente, await openTopup(trx, ente, badge.id, badge.holderId, ADA_PENDING_TOP_UP, asked), asked));
}

/**
 * Payments so far, each by a pagoPA receipt: Ada paid the previous year up to April and nothing of this
 * year; the other families paid everything up to three months ago, most of the month two months ago and
 * some of last month, so that some documents are overdue whatever the day.
 */
async function payments(db: Kysely<DB>, clock: Clock, enti: Ente[], today: string, notPaying: (holderPersonId: number) => boolean) {
  const lastMonth = periodOf(addDays(firstOfMonth(periodOf(today)), -1));
  const twoMonthsAgo = periodOf(addDays(firstOfMonth(lastMonth), -1));
  let sequence = 100_000;
  for (const ente of enti) {
    const documents = await db
      .selectFrom('document as d')
      .innerJoin('person as p', 'p.id', 'd.holder_person_id')
      .innerJoin('payment_notice as n', 'n.document_id', 'd.id')
      .select(['d.id', 'd.period', 'd.due_date', 'd.holder_person_id as holderId', 'p.fiscal_code', 'n.id as noticeId'])
      .where('d.ente_id', '=', ente.id)
      .where('d.state', '=', 'da_pagare')
      .orderBy('d.id')
      .execute();
    for (const doc of documents) {
      if (notPaying(doc.holderId)) continue;
      const paid =
        doc.fiscal_code === 'LVLDAA85T50G702B'
          ? doc.period <= '2026-04'
          : doc.period < twoMonthsAgo || (doc.period === twoMonthsAgo && doc.id % 10 < 7) || (doc.period === lastMonth && doc.id % 10 < 4);
      if (!paid) continue;
      const paidOn = [addDays(doc.due_date, -10), today].sort()[0]!;
      await paidThroughPagopa(db, clock, doc.noticeId, romeInstant(paidOn, '10:30'), ++sequence);
    }
  }
}
