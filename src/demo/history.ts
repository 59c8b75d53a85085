import type { Kysely } from 'kysely';
import type { DB, Ente } from '../db/schema';
import { createBillingService } from '../domain/billing/billing';
import { firstOfMonth, nextPeriod, periodOf } from '../domain/billing/periods';
import { addDays, romeDate, romeInstant } from '../domain/calendar/local-time';
import { createFreezeService } from '../domain/canteen/freeze';
import { type Clock, fixedClock } from '../domain/clock';
import { createChargingService } from '../domain/ledger/charging';

/*
 * The demo's past, made by the same jobs that make it in production: every day since the previous
 * school year began is frozen and charged, every month that is over is billed on the first of the
 * next month; badges get their parents' top-ups and documents some payments.
 */

/** Ada Lovelace's top-ups of Sofia's badge (B100001): with her meals they end in a small credit. */
const ADA_TOP_UPS: [string, number][] = [
  ['2026-09-10', 5_000],
  ['2026-10-05', 5_000],
  ['2026-10-30', 4_000],
  ['2026-11-16', 3_000],
];

export async function buildDemoHistory(db: Kysely<DB>, clock: Clock) {
  const today = romeDate(clock.now());
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

  await topUps(db, today);
  const charged = (await createChargingService(db, clock).chargeDueDays()).length;

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
  await payments(db, enti, today);
  return { frozen, charged, documents };
}

/** Parents' top-ups: Ada's fixed ones, and for the other badges one to three from a fixed sequence. */
async function topUps(db: Kysely<DB>, today: string) {
  const badges = await db.selectFrom('badge').select(['id', 'ente_id', 'code']).orderBy('id').execute();
  const amounts = [2_000, 3_000, 5_000, 10_000];
  const rows = [];
  for (const badge of badges) {
    const plan: [string, number][] =
      badge.code === 'B100001'
        ? ADA_TOP_UPS
        : Array.from({ length: 1 + (badge.id % 3) }, (_, i) => [addDays('2026-09-08', i * 27 + (badge.id % 9)), amounts[(badge.id + i) % amounts.length]!]);
    for (const [date, cents] of plan) {
      if (date > today) continue;
      rows.push({
        ente_id: badge.ente_id, badge_id: badge.id, amount_cents: cents, kind: 'topup' as const, value_date: date,
        charge_id: null, reverses_movement_id: null, note: null, author: 'pagoPA', created_at: `${date}T10:00:00.000Z`,
      });
    }
  }
  if (rows.length) await db.insertInto('movement').values(rows).execute();
}

/**
 * Payments so far: Ada paid the previous year up to April and nothing of this year; the other families
 * paid most of September and some of October, so that some documents are overdue.
 */
async function payments(db: Kysely<DB>, enti: Ente[], today: string) {
  for (const ente of enti) {
    const documents = await db
      .selectFrom('document as d')
      .innerJoin('person as p', 'p.id', 'd.holder_person_id')
      .select(['d.id', 'd.period', 'd.due_date', 'p.fiscal_code'])
      .where('d.ente_id', '=', ente.id)
      .where('d.state', '=', 'da_pagare')
      .orderBy('d.id')
      .execute();
    const billing = createBillingService(db, fixedClock(new Date(`${today}T12:00:00Z`)));
    for (const doc of documents) {
      const paid =
        doc.fiscal_code === 'LVLDAA85T50G702B'
          ? doc.period <= '2026-04'
          : doc.period < '2026-09' || (doc.period === '2026-09' && doc.id % 10 < 7) || (doc.period === '2026-10' && doc.id % 10 < 4);
      if (!paid) continue;
      const paidOn = [addDays(doc.due_date, -10), today].sort()[0]!;
      await billing.markPaid(ente, doc.id, `${paidOn}T09:30:00.000Z`);
    }
  }
}
