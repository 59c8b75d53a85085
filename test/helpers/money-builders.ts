import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import type { BuiltPerson, BuiltPupil } from './builders';

/**
 * Money in a line, for the office's corrections, receipts and instalments (issue 15): an enrolment in the
 * prepaid or postpaid canteen, a billed document with its lines and notice, a meal charged, a badge with a balance.
 */
let sequence = 0;

export async function buildCanteenEnrolment(db: Kysely<DB>, enteId: number, pupil: BuiltPupil, holder: BuiltPerson, billing: 'prepaid' | 'postpaid') {
  const service = await db.selectFrom('service').select('id').where('ente_id', '=', enteId).where('kind', '=', 'refezione').where('billing', '=', billing).orderBy('id').executeTakeFirstOrThrow();
  const year = await db.selectFrom('school_year').select(['id', 'starts_on']).where('ente_id', '=', enteId).orderBy('starts_on', 'desc').executeTakeFirstOrThrow();
  const tariff = await db.selectFrom('tariff').select('id').where('service_id', '=', service.id).where('school_year_id', '=', year.id).orderBy('isee_min_cents').executeTakeFirstOrThrow();
  const enrolment = await db
    .insertInto('enrolment')
    .values({
      ente_id: enteId, pupil_id: pupil.pupilId, service_id: service.id, school_year_id: year.id, school_id: pupil.schoolId, holder_person_id: holder.id,
      tariff_id: tariff.id, state: 'attiva', starts_on: year.starts_on, ends_on: null, payment_mode: 'pagopa', debit_iban: null,
      invoice_recipient: `${holder.givenName} ${holder.familyName}`, invoice_address: 'Via della Prova 1, 00100 Roma (RM)', invoice_email: null,
      reduction_note: null, created_at: '2026-09-01T08:00:00Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { enrolmentId: enrolment.id, serviceId: service.id, tariffId: tariff.id };
}

/** A billed document "da pagare" with one line per amount, numbered high (9000+) so as not to meet billing's numbers. */
export async function buildDocument(
  db: Kysely<DB>,
  enteId: number,
  input: { enrolmentId: number; pupilId: number; holderId: number; serviceId: number; period: string; dueDate: string; lines: number[]; withNotice?: boolean },
) {
  const n = 9000 + ++sequence + (process.pid % 500) * 10;
  const total = input.lines.reduce((a, b) => a + b, 0);
  const doc = await db
    .insertInto('document')
    .values({
      ente_id: enteId, kind: 'documento', year: Number(input.period.slice(0, 4)), number: n, enrolment_id: input.enrolmentId, pupil_id: input.pupilId,
      holder_person_id: input.holderId, service_id: input.serviceId, period: input.period, issue_date: `${input.period}-28`, due_date: input.dueDate,
      total_cents: total, state: 'da_pagare', cancels_document_id: null, reason: null, paid_at: null, created_at: '2026-10-01T08:00:00Z',
    })
    .returning(['id', 'number', 'year'])
    .executeTakeFirstOrThrow();
  await db
    .insertInto('document_line')
    .values(input.lines.map((amount, i) => ({ document_id: doc.id, position: i + 1, kind: 'meal' as const, description: `Pasti di prova ${i + 1}`, quantity: 1, unit_price_cents: amount, amount_cents: amount })))
    .execute();
  if (input.withNotice) {
    const nav = `3${String(10_000_000_000_000_000n + BigInt(doc.id) * 97n + BigInt(process.pid)).slice(-17)}`;
    await db
      .insertInto('payment_notice')
      .values({
        ente_id: enteId, nav, iuv: nav.slice(1), kind: 'document', document_id: doc.id, topup_id: null, holder_person_id: input.holderId, pupil_id: input.pupilId,
        service_id: input.serviceId, amount_cents: total, due_date: input.dueDate, description: 'Refezione di prova', state: 'open', position_state: 'to_publish',
        position_next_at: null, position_error: null, published_at: null, cart_id: null, cart_until: null, paid_at: null, created_at: '2026-10-01T08:00:00Z',
      })
      .execute();
  }
  return { id: doc.id, number: doc.number, year: doc.year, totalCents: total };
}

/** A meal charged on a day; on a prepaid service with a badge, the badge debited too (as the charging does). */
export async function buildCharge(db: Kysely<DB>, enteId: number, input: { enrolmentId: number; pupilId: number; tariffId: number; date: string; amountCents: number; badgeId?: number }) {
  const charge = await db
    .insertInto('charge')
    .values({
      ente_id: enteId, enrolment_id: input.enrolmentId, pupil_id: input.pupilId, date: input.date, kind: 'meal', tariff_id: input.tariffId,
      unit_price_cents: input.amountCents, sibling_bp: 0, sibling_cents: 0, exemption_bp: 0, exemption_cents: 0, amount_cents: input.amountCents,
      reverses_charge_id: null, reason: null, author: 'sistema', created_at: `${input.date}T12:00:00Z`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.badgeId !== undefined) {
    await db
      .insertInto('movement')
      .values({
        ente_id: enteId, badge_id: input.badgeId, amount_cents: -input.amountCents, kind: 'meal', value_date: input.date, charge_id: charge.id,
        reverses_movement_id: null, note: null, author: 'sistema', created_at: `${input.date}T12:00:00Z`,
      })
      .execute();
  }
  return charge.id;
}

/** A badge of a pupil on a service, with a first top-up of `balanceCents` (if any). */
export async function buildBadge(db: Kysely<DB>, enteId: number, input: { pupilId: number; serviceId: number; balanceCents?: number }) {
  const code = `T${String(process.pid % 100000).padStart(5, '0')}${String(++sequence).padStart(4, '0')}`;
  const badge = await db
    .insertInto('badge')
    .values({ ente_id: enteId, code, pupil_id: input.pupilId, service_id: input.serviceId, issued_on: '2026-09-10', active: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.balanceCents) {
    await db
      .insertInto('movement')
      .values({
        ente_id: enteId, badge_id: badge.id, amount_cents: input.balanceCents, kind: 'adjustment', value_date: '2026-09-10', charge_id: null,
        reverses_movement_id: null, note: 'Saldo iniziale di prova', author: 'test', created_at: '2026-09-10T08:00:00Z',
      })
      .execute();
  }
  return { id: badge.id, code };
}
