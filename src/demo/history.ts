import { type Kysely, sql } from 'kysely';
import type { DB, Ente } from '../db/schema';
import { createBillingService } from '../domain/billing/billing';
import { firstOfMonth, nextPeriod, periodOf } from '../domain/billing/periods';
import { addDays, romeDate, romeInstant } from '../domain/calendar/local-time';
import { createFreezeService } from '../domain/canteen/freeze';
import { type Clock, fixedClock } from '../domain/clock';
import { createChargingService } from '../domain/ledger/charging';
import { createNoticeService } from '../domain/payments/notices';
import { openTopup } from '../domain/payments/payments';
import { createReceiptService } from '../domain/payments/receipts';
import { createEnteDirectory } from '../domain/registry/enti';
import { SANDBOX_BROKER_ID, SANDBOX_STATION_ID } from '../config/index';
import { euroDecimalFromCents } from '../integrations/pagopa/amounts';
import { createPagopaClients } from '../integrations/pagopa/clients';
import type { PagopaReceipt } from '../integrations/pagopa/receipt-xml';
import { receiptXml } from '../integrations/pagopa/receipt-xml';

/*
 * The demo's past, made by the same jobs that make it in production: every day since the previous
 * school year began is frozen and charged, every month that is over is billed on the first of the
 * next month; documents get their pagoPA notices; top-ups and payments arrive as pagoPA receipts,
 * applied by the same code that applies the platform's.
 */

/** The past needs no platform: receipts are applied directly, and nothing here calls out. */
const OFFLINE = createPagopaClients({
  checkoutUrl: 'http://127.0.0.1:9', checkoutKey: '-', gpdUrl: 'http://127.0.0.1:9', gpdKey: '-', receiptsUrl: 'http://127.0.0.1:9', receiptsKey: '-', timeoutMs: 1,
});

/** Ada's top-up asked for this morning and not paid yet: "in attesa" in her Conto corrente. */
const ADA_PENDING_TOP_UP = 2_000;

/** Ada Lovelace's top-ups of Sofia's badge (B100001): with her meals they end in a small credit. */
const ADA_TOP_UPS: [string, number][] = [
  ['2026-09-10', 5_000],
  ['2026-10-05', 5_000],
  ['2026-10-30', 4_000],
  ['2026-11-16', 3_000],
];

export interface HistoryOptions {
  /** Holders whose top-ups and payments are not made here (the benchmark's Rome-sized families, bench/data.ts). */
  notPaying?: (holderPersonId: number) => boolean;
  /** Called after each phase (frozen, charged, billed, notices): the benchmark's dataset analyses PostgreSQL's tables there. */
  after?: (phase: 'frozen' | 'charged' | 'billed' | 'notices') => Promise<void>;
}

export async function buildDemoHistory(db: Kysely<DB>, clock: Clock, options: HistoryOptions = {}) {
  const today = romeDate(clock.now());
  const notPaying = options.notPaying ?? (() => false);
  const enti = (await db.selectFrom('ente').selectAll().orderBy('id').execute()) as Ente[];
  const freeze = createFreezeService(db, clock);

  // Previous school years, which the freeze's own catch-up (from the year in course) does not reach.
  let frozen = 0;
  for (const ente of enti) {
    const years = await db.selectFrom('school_year').selectAll().where('ente_id', '=', ente.id).where('ends_on', '<', today).orderBy('starts_on').execute();
    for (const year of years) {
      for (let date = year.starts_on; date <= year.ends_on; date = addDays(date, 1)) {
        if ((await freeze.freezeDay(ente, date)) === 'frozen') frozen++;
      }
    }
  }
  frozen += (await freeze.freezeDueDays()).length;
  await options.after?.('frozen');

  await topUps(db, clock, today, notPaying);
  const charged = (await createChargingService(db, clock).chargeDueDays()).length;
  await options.after?.('charged');

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

/** Parents' top-ups through pagoPA: Ada's fixed ones, and for the other badges one to three from a fixed sequence. */
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
    const plan: [string, number][] =
      badge.code === 'B100001'
        ? ADA_TOP_UPS
        : Array.from({ length: 1 + (badge.id % 3) }, (_, i) => [addDays('2026-09-08', i * 27 + (badge.id % 9)), amounts[(badge.id + i) % amounts.length]!]);
    for (const [date, cents] of plan) {
      if (date > today) continue;
      const askedAt = romeInstant(date, '09:55');
      const topupId = await db.transaction().execute((trx) => openTopup(trx, ente, badge.id, badge.holderId, cents, askedAt));
      const notice = await db.selectFrom('payment_notice').select('id').where('topup_id', '=', topupId).executeTakeFirstOrThrow();
      await paidThroughPagopa(db, clock, notice.id, romeInstant(date, '10:00'), ++sequence);
    }
    if (badge.code === 'B100001') {
      await db.transaction().execute((trx) => openTopup(trx, ente, badge.id, badge.holderId, ADA_PENDING_TOP_UP, romeInstant(today, '07:45')));
    }
  }
}

/**
 * Payments so far, each by a pagoPA receipt: Ada paid the previous year up to April and nothing of this
 * year; the other families paid most of September and some of October, so that some documents are overdue.
 */
async function payments(db: Kysely<DB>, clock: Clock, enti: Ente[], today: string, notPaying: (holderPersonId: number) => boolean) {
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
          : doc.period < '2026-09' || (doc.period === '2026-09' && doc.id % 10 < 7) || (doc.period === '2026-10' && doc.id % 10 < 4);
      if (!paid) continue;
      const paidOn = [addDays(doc.due_date, -10), today].sort()[0]!;
      await paidThroughPagopa(db, clock, doc.noticeId, romeInstant(paidOn, '10:30'), ++sequence);
    }
  }
}
