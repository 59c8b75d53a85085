import type { Kysely } from 'kysely';
import type { DB, DocumentState } from '../../src/db/schema';

/**
 * Accounting documents in a line, for the debtors' tests: what billing, receipts and cancellations leave
 * behind (an unpaid, paid or cancelled document, its credit note, a notice held by a pagoPA cart), written
 * directly so that a test can say the family's history it needs. Numbers are of the year 2099, which no
 * billing run of the tests reaches; each enrolment's months are distinct (one document per month).
 */
let number = 0;
const periods = new Map<number, number>();

export interface DocumentSpec {
  enrolmentId: number;
  dueDate: string;
  totalCents: number;
  /** 'in_cart': unpaid with its notice held by an open cart; 'cancelled': cancelled with its credit note. */
  state: 'unpaid' | 'paid' | 'cancelled' | 'in_cart';
}

export async function buildDocument(db: Kysely<DB>, enteId: number, spec: DocumentSpec): Promise<number> {
  const enrolment = await db
    .selectFrom('enrolment')
    .select(['pupil_id', 'service_id', 'holder_person_id'])
    .where('id', '=', spec.enrolmentId)
    .executeTakeFirstOrThrow();
  const month = periods.get(spec.enrolmentId) ?? 0;
  periods.set(spec.enrolmentId, month + 1);
  const period = `${2000 + Math.floor(month / 12)}-${String(1 + (month % 12)).padStart(2, '0')}`;
  const state: DocumentState = spec.state === 'paid' ? 'pagato' : spec.state === 'cancelled' ? 'annullato' : 'da_pagare';
  const common = {
    ente_id: enteId, year: 2099, enrolment_id: spec.enrolmentId, pupil_id: enrolment.pupil_id, holder_person_id: enrolment.holder_person_id,
    service_id: enrolment.service_id, issue_date: '2026-09-01', due_date: spec.dueDate, reason: null, created_at: '2026-09-01T08:00:00Z',
  };
  const document = await db
    .insertInto('document')
    .values({ ...common, kind: 'documento', number: ++number, period, total_cents: spec.totalCents, state, cancels_document_id: null, paid_at: state === 'pagato' ? '2026-10-01T08:00:00Z' : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (spec.state === 'cancelled') {
    await db
      .insertInto('document')
      .values({ ...common, kind: 'nota_credito', number: ++number, period, total_cents: -spec.totalCents, state: 'emessa', cancels_document_id: document.id, paid_at: null, reason: 'Annullato per prova' })
      .execute();
  }
  if (spec.state === 'in_cart' || spec.state === 'unpaid') {
    const nav = `3${String(990_000_000_000_000 + number).padStart(17, '0')}`;
    await db
      .insertInto('payment_notice')
      .values({
        ente_id: enteId, nav, iuv: nav.slice(1), kind: 'document', document_id: document.id, topup_id: null, holder_person_id: enrolment.holder_person_id,
        pupil_id: enrolment.pupil_id, service_id: enrolment.service_id, amount_cents: spec.totalCents, due_date: spec.dueDate, description: 'Documento di prova',
        state: 'open', position_state: 'published', position_next_at: null, position_error: null, published_at: '2026-09-01T08:00:00Z',
        cart_id: spec.state === 'in_cart' ? '00000000-0000-4000-8000-000000000000' : null, cart_until: spec.state === 'in_cart' ? '2099-01-01T00:00:00Z' : null,
        paid_at: null, created_at: '2026-09-01T08:00:00Z',
      })
      .execute();
  }
  return document.id;
}
