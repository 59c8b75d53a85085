import { type Insertable, type Kysely, sql } from 'kysely';
import type { ChargeTable, DB, DocumentLineTable, DocumentTable, Ente } from '../../db/schema';
import { romeDate } from '../calendar/local-time';
import { writeAuditEvent } from '../audit/audit';
import type { Clock } from '../clock';
import { correctionReason, InvalidInputError, NotFoundError } from '../errors';
import { SYSTEM_AUTHOR } from '../ledger/charging';
import { type MessageEvent, queueMessages } from '../messages/outbox';
import { termInForce } from '../registry/terms';
import { loadTariffContext } from '../tariffs/context';
import { documentLines, type BilledCharge, type BilledStorno } from './lines';
import { firstOfMonth, lastOfMonth, nextPeriod, periodOf } from './periods';

/** Enrolments per transaction: a crash loses at most one batch, which the next run redoes. */
const DEFAULT_BATCH = 1_000;
const INSERT_CHUNK = 1_000;

export type Readiness = 'ready' | 'month-not-over' | 'days-not-charged';

/**
 * Monthly billing of postpaid services (issue 4): one document per enrolment and month, numbered
 * without gaps per ente and year.
 *
 * Each batch runs in one transaction that first locks the ente's counter row; it then skips
 * enrolments already billed (by another run or instance), numbers the rest from the counter and
 * moves the counter on. A crash rolls back the whole batch, numbers included, so nothing is left half
 * written and no number is lost; the unique index on (enrolment, month) holds the rule even against a bug.
 */
export function createBillingService(db: Kysely<DB>, clock: Clock) {
  /**
   * A month is billed once it is over and each of its days (since the ente's first frozen day) has
   * been frozen and charged: a charge can never arrive in a month already billed.
   */
  async function readiness(ente: Ente, period: string): Promise<Readiness> {
    const last = lastOfMonth(period);
    if (romeDate(clock.now()) <= last) return 'month-not-over';
    const firstEver = await db.selectFrom('day_freeze').select((eb) => eb.fn.min('date').as('date')).where('ente_id', '=', ente.id).executeTakeFirst();
    if (!firstEver?.date) return 'days-not-charged';
    const first = [firstOfMonth(period), firstEver.date].sort()[1]!;
    if (first > last) return 'ready';
    const days = await db
      .selectFrom('day_freeze as f')
      .leftJoin('day_charge as c', (join) => join.onRef('c.ente_id', '=', 'f.ente_id').onRef('c.date', '=', 'f.date'))
      .select(['f.date', 'c.completed_at as chargedAt'])
      .where('f.ente_id', '=', ente.id)
      .where('f.date', '>=', first)
      .where('f.date', '<=', last)
      .execute();
    const expected = Number(last.slice(8, 10)) - Number(first.slice(8, 10)) + 1;
    return days.length === expected && days.every((d) => d.chargedAt !== null) ? 'ready' : 'days-not-charged';
  }

  /** The monthly fee of each postpaid enrolment with a tariff per month not charged yet, priced; nothing written. */
  async function monthlyFeesDue(ente: Ente, period: string): Promise<Insertable<ChargeTable>[]> {
    const first = firstOfMonth(period);
    const last = lastOfMonth(period);
    const due = await db
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .innerJoin('tariff as t', 't.id', 'e.tariff_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .select([
        'e.id as enrolmentId', 'e.pupil_id as pupilId', 'e.service_id as serviceId', 'e.school_year_id as schoolYearId', 'e.starts_on as startsOn',
        'y.starts_on as yearStartsOn',
        // The band in force on the fee's day (the month's first day of service), decision 0018.
        termInForce('tariff_id', 'e', sql<string>`case when e.starts_on > y.starts_on then (case when e.starts_on > ${first} then e.starts_on else ${first} end) else (case when y.starts_on > ${first} then y.starts_on else ${first} end) end`).as('tariffId'),
      ])
      .where('e.ente_id', '=', ente.id)
      .where('s.billing', '=', 'postpaid')
      .where('t.unit', '=', 'mese')
      .where('e.state', 'in', ['attiva', 'cessata'])
      .where('e.starts_on', '<=', last)
      .where((eb) => eb.or([eb('e.ends_on', 'is', null), eb('e.ends_on', '>=', first)]))
      .where('y.starts_on', '<=', last)
      .where('y.ends_on', '>=', first)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('charge as c')
              .select('c.id')
              .whereRef('c.enrolment_id', '=', 'e.id')
              .where('c.date', '=', first)
              // Spelled as in the partial unique index (a literal), so that both engines probe it.
              .where('c.kind', '<>', sql.lit('storno')),
          ),
        ),
      )
      .execute();
    if (due.length === 0) return [];
    // The month's fee is priced on its first day of service.
    const byDay = new Map<string, typeof due>();
    for (const e of due) {
      const day = [first, e.startsOn, e.yearStartsOn].sort().at(-1)!;
      byDay.set(day, [...(byDay.get(day) ?? []), e]);
    }
    const now = clock.now().toISOString();
    const rows: Insertable<ChargeTable>[] = [];
    for (const [day, enrolments] of byDay) {
      const tariffs = await loadTariffContext(db, ente, day);
      for (const e of enrolments) {
        const price = tariffs.priceOf(e);
        rows.push({
          ente_id: ente.id, enrolment_id: e.enrolmentId, pupil_id: e.pupilId, date: first, kind: 'fee', tariff_id: price.tariffId,
          unit_price_cents: price.unitPriceCents, sibling_bp: price.siblingBp, sibling_cents: price.siblingCents,
          exemption_bp: price.exemptionBp, exemption_cents: price.exemptionCents, amount_cents: price.amountCents,
          reverses_charge_id: null, reason: null, author: SYSTEM_AUTHOR, created_at: now,
        });
      }
    }
    return rows;
  }

  /** The monthly fee of each postpaid enrolment with a tariff per month, charged once per month. */
  async function chargeMonthlyFees(ente: Ente, period: string): Promise<number> {
    const rows = await monthlyFeesDue(ente, period);
    if (rows.length === 0) return 0;
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('charge')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.columns(['enrolment_id', 'date']).where('kind', '<>', sql.lit('storno')).doNothing())
          .execute();
      }
    });
    return rows.length;
  }

  /** What each postpaid enrolment owes for the month, grouped as the document's lines will be. */
  async function chargesOfMonth(ente: Ente, period: string) {
    const first = firstOfMonth(period);
    const last = lastOfMonth(period);
    const [grouped, stornos, enrolments] = await Promise.all([
      sql<BilledCharge & { enrolmentId: number }>`
        select c.enrolment_id as "enrolmentId", c.kind, c.unit_price_cents as "unitPriceCents",
               c.sibling_bp as "siblingBp", c.sibling_cents as "siblingCents",
               c.exemption_bp as "exemptionBp", c.exemption_cents as "exemptionCents", count(*) as quantity,
               t.band_label as "bandLabel"
        from charge c
        join enrolment e on e.id = c.enrolment_id
        join service s on s.id = e.service_id and s.billing = 'postpaid'
        join tariff t on t.id = c.tariff_id
        where c.ente_id = ${ente.id} and c.date >= ${first} and c.date <= ${last} and c.kind <> 'storno'
        group by c.enrolment_id, c.kind, c.unit_price_cents, c.sibling_bp, c.sibling_cents, c.exemption_bp, c.exemption_cents, t.band_label`.execute(db),
      sql<BilledStorno & { enrolmentId: number }>`
        select c.enrolment_id as "enrolmentId", c.amount_cents as "amountCents", c.reason, o.date as "originalDate", o.kind as "originalKind"
        from charge c
        join charge o on o.id = c.reverses_charge_id
        join enrolment e on e.id = c.enrolment_id
        join service s on s.id = e.service_id and s.billing = 'postpaid'
        where c.ente_id = ${ente.id} and c.date >= ${first} and c.date <= ${last} and c.kind = 'storno'
        order by c.id`.execute(db),
      db
        .selectFrom('enrolment as e')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .innerJoin('tariff as t', 't.id', 'e.tariff_id')
        // The document goes to the holder in force at the month's end (decision 0018).
        .select(['e.id', 'e.pupil_id as pupilId', termInForce('holder_person_id', 'e', last).as('holderPersonId'), 'e.service_id as serviceId', 't.band_label as bandLabel'])
        .where('e.ente_id', '=', ente.id)
        .where('s.billing', '=', 'postpaid')
        .execute(),
    ]);
    const owed = new Map<number, { charges: BilledCharge[]; stornos: BilledStorno[] }>();
    const entry = (id: number) => {
      let found = owed.get(id);
      if (!found) owed.set(id, (found = { charges: [], stornos: [] }));
      return found;
    };
    for (const row of grouped.rows) entry(row.enrolmentId).charges.push({ ...row, quantity: Number(row.quantity) });
    for (const row of stornos.rows) entry(row.enrolmentId).stornos.push(row);
    return { owed, enrolments: new Map(enrolments.map((e) => [e.id, e])) };
  }

  /**
   * Bills one month of one ente. Safe to run again (and by two instances at once): enrolments already
   * billed are skipped; a month with nothing owed makes no document.
   */
  async function billMonth(ente: Ente, period: string, options: { batchSize?: number; afterBatch?: (documents: number) => void } = {}) {
    const ready = await readiness(ente, period);
    if (ready !== 'ready') return { status: ready, documents: 0 };
    await chargeMonthlyFees(ente, period);
    const { owed, enrolments } = await chargesOfMonth(ente, period);
    const issueDate = romeDate(clock.now());
    const year = Number(issueDate.slice(0, 4));
    const dueDate = lastOfMonth(addMonths(period, ente.due_months_after_period));
    const ids = [...owed.keys()].sort((a, b) => a - b);
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    let created = 0;
    for (let i = 0; i < ids.length; i += batchSize) {
      const batch = ids.slice(i, i + batchSize);
      const made = await db.transaction().execute(async (trx) => {
        let number = await lockCounter(trx, ente.id, year);
        const billed = new Set(
          (
            await trx
              .selectFrom('document')
              .select('enrolment_id')
              .where('ente_id', '=', ente.id)
              .where('period', '=', period)
              // A literal, as in the partial unique index on (enrolment, period), so that it is used; the
              // batch is a sorted slice of ids, so a range (not a list of a thousand) selects it.
              .where('kind', '=', sql.lit('documento'))
              .where('enrolment_id', '>=', batch[0]!)
              .where('enrolment_id', '<=', batch.at(-1)!)
              .execute()
          ).map((d) => d.enrolment_id),
        );
        const now = clock.now().toISOString();
        const documents: Insertable<DocumentTable>[] = [];
        const linesOf = new Map<number, Omit<DocumentLineTable, 'document_id'>[]>();
        for (const enrolmentId of batch) {
          if (billed.has(enrolmentId)) continue;
          const enrolment = enrolments.get(enrolmentId)!;
          const lines = documentLines(period, enrolment.bandLabel, owed.get(enrolmentId)!);
          const total = lines.reduce((sum, line) => sum + line.amount_cents, 0);
          if (total <= 0) continue;
          linesOf.set(enrolmentId, lines);
          documents.push({
            ente_id: ente.id, kind: 'documento', year, number: ++number, enrolment_id: enrolmentId, pupil_id: enrolment.pupilId,
            holder_person_id: enrolment.holderPersonId, service_id: enrolment.serviceId, period, issue_date: issueDate,
            due_date: dueDate, total_cents: total, state: 'da_pagare', cancels_document_id: null, reason: null, paid_at: null, created_at: now,
          });
        }
        const lineRows: DocumentLineTable[] = [];
        const messages: MessageEvent[] = [];
        for (let j = 0; j < documents.length; j += INSERT_CHUNK) {
          const inserted = await trx.insertInto('document').values(documents.slice(j, j + INSERT_CHUNK)).returning(['id', 'enrolment_id', 'pupil_id']).execute();
          for (const doc of inserted) {
            for (const line of linesOf.get(doc.enrolment_id)!) lineRows.push({ ...line, document_id: doc.id });
            messages.push({ enteId: ente.id, kind: 'new_document', eventKey: `document:${doc.id}`, pupilId: doc.pupil_id, params: { documentId: doc.id } });
          }
        }
        // The families' messages about their new documents, in the documents' own transaction (issue 16).
        await queueMessages(trx, messages, clock.now());
        for (let j = 0; j < lineRows.length; j += INSERT_CHUNK) {
          await trx.insertInto('document_line').values(lineRows.slice(j, j + INSERT_CHUNK)).execute();
        }
        await trx.updateTable('document_counter').set({ last_number: number }).where('ente_id', '=', ente.id).where('year', '=', year).execute();
        return documents.length;
      });
      created += made;
      options.afterBatch?.(created);
    }
    // The month's billed total, for the office's log (decision 0022): every run's documents, this one's or another instance's.
    const billed = await db
      .selectFrom('document')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_cents'), sql<number>`0`).as('total'))
      .where('ente_id', '=', ente.id)
      .where('period', '=', period)
      .where('kind', '=', sql.lit('documento'))
      .executeTakeFirstOrThrow();
    await db
      .insertInto('billing_run')
      .values({ ente_id: ente.id, period, completed_at: clock.now().toISOString(), documents: created, total_cents: Number(billed.total) })
      .onConflict((oc) => oc.columns(['ente_id', 'period']).doNothing())
      .execute();
    return { status: 'billed' as const, documents: created };
  }

  /** Bills every month that is over and not billed yet, from the first frozen day on: the monthly job. */
  async function billDueMonths(): Promise<{ ente: string; period: string; documents: number }[]> {
    const done: { ente: string; period: string; documents: number }[] = [];
    const enti = (await db.selectFrom('ente').selectAll().execute()) as Ente[];
    const thisMonth = periodOf(romeDate(clock.now()));
    for (const ente of enti) {
      const [first, runs] = await Promise.all([
        db.selectFrom('day_freeze').select((eb) => eb.fn.min('date').as('date')).where('ente_id', '=', ente.id).executeTakeFirst(),
        db.selectFrom('billing_run').select('period').where('ente_id', '=', ente.id).execute(),
      ]);
      if (!first?.date) continue;
      const billed = new Set(runs.map((r) => r.period));
      for (let period = periodOf(first.date); period < thisMonth; period = nextPeriod(period)) {
        if (billed.has(period)) continue;
        const result = await billMonth(ente, period);
        if (result.status === 'billed') done.push({ ente: ente.slug, period, documents: result.documents });
      }
    }
    return done;
  }

  /**
   * The office cancels an unpaid document: it becomes "annullato" and a credit note with the next
   * number reverses every line. Nothing is deleted.
   */
  async function cancelDocument(ente: Ente, input: { documentId: number; reason: string; author: string; requestId?: string }) {
    const reason = correctionReason(input.reason);
    return db.transaction().execute(async (trx) => {
      const { creditNoteId, number, year, original } = await writeCancellation(trx, ente, { documentId: input.documentId, reason, now: clock.now() });
      await writeAuditEvent(trx, clock, {
        enteId: ente.id, actorFiscalCode: input.author, action: 'office.document.cancel', subjectType: 'document', subjectId: original.id, requestId: input.requestId,
      });
      return { creditNoteId, number, year };
    });
  }

  /**
   * What billing the month would make now, for the office's preview (decision 0022): the same charges,
   * the same monthly fees (priced, not written) and the same lines as `billMonth`, per enrolment not
   * billed yet; read-only. A month still running shows the days charged so far.
   */
  async function previewMonth(ente: Ente, period: string) {
    const [{ owed, enrolments }, fees, labels, billed] = await Promise.all([
      chargesOfMonth(ente, period),
      monthlyFeesDue(ente, period),
      db.selectFrom('tariff').select(['id', 'band_label']).where('ente_id', '=', ente.id).execute(),
      db.selectFrom('document').select('enrolment_id').where('ente_id', '=', ente.id).where('period', '=', period).where('kind', '=', sql.lit('documento')).execute(),
    ]);
    const labelOf = new Map(labels.map((t) => [t.id, t.band_label]));
    for (const fee of fees) {
      let found = owed.get(fee.enrolment_id);
      if (!found) owed.set(fee.enrolment_id, (found = { charges: [], stornos: [] }));
      found.charges.push({
        kind: 'fee', unitPriceCents: fee.unit_price_cents, siblingBp: fee.sibling_bp, siblingCents: fee.sibling_cents,
        exemptionBp: fee.exemption_bp, exemptionCents: fee.exemption_cents, quantity: 1, bandLabel: labelOf.get(fee.tariff_id),
      });
    }
    const already = new Set(billed.map((d) => d.enrolment_id));
    const documents: { enrolmentId: number; serviceId: number; lines: number; totalCents: number }[] = [];
    for (const [enrolmentId, charges] of owed) {
      if (already.has(enrolmentId)) continue;
      const enrolment = enrolments.get(enrolmentId)!;
      const lines = documentLines(period, enrolment.bandLabel, charges);
      const total = lines.reduce((sum, line) => sum + line.amount_cents, 0);
      // As billMonth: nothing owed, no document.
      if (total <= 0) continue;
      documents.push({ enrolmentId, serviceId: enrolment.serviceId, lines: lines.length, totalCents: total });
    }
    return documents;
  }

  return { readiness, billMonth, billDueMonths, cancelDocument, previewMonth };
}

/**
 * Cancels an unpaid document in the caller's transaction: it becomes "annullato" and a credit note with the
 * ente's next number reverses every line. Nothing is deleted; the notices job withdraws its pagoPA notice.
 * Shared by the CLI's `cancel-document` and the office's corrections (decision 0028).
 */
export async function writeCancellation(trx: Kysely<DB>, ente: Ente, input: { documentId: number; reason: string; now: Date }) {
  const issueDate = romeDate(input.now);
  const year = Number(issueDate.slice(0, 4));
  const number = (await lockCounter(trx, ente.id, year)) + 1;
  const original = await trx
    .selectFrom('document')
    .selectAll()
    .where('ente_id', '=', ente.id)
    .where('id', '=', input.documentId)
    .where('kind', '=', sql.lit('documento'))
    .executeTakeFirst();
  if (!original) throw new NotFoundError('document');
  if (original.state !== 'da_pagare') throw new InvalidInputError({ documentId: 'notCancellable' });
  // A document in an instalment plan is paid by its instalments (decision 0028): cancelling it would leave them asking for it.
  const inPlan = await trx.selectFrom('instalment_plan_document').select('plan_id').where('document_id', '=', original.id).executeTakeFirst();
  if (inPlan) throw new InvalidInputError({ documentId: 'notCancellable' });
  const lines = await trx.selectFrom('document_line').selectAll().where('document_id', '=', original.id).orderBy('position').execute();
  await trx.updateTable('document').set({ state: 'annullato', reason: input.reason }).where('id', '=', original.id).execute();
  const credit = await trx
    .insertInto('document')
    .values({
      ente_id: ente.id, kind: 'nota_credito', year, number, enrolment_id: original.enrolment_id, pupil_id: original.pupil_id,
      holder_person_id: original.holder_person_id, service_id: original.service_id, period: original.period, issue_date: issueDate,
      due_date: issueDate, total_cents: -original.total_cents, state: 'emessa', cancels_document_id: original.id, reason: input.reason,
      paid_at: null, created_at: input.now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (lines.length > 0) {
    await trx
      .insertInto('document_line')
      .values(
        lines.map((line) => ({
          document_id: credit.id, position: line.position, kind: 'credit' as const, description: `Storno: ${line.description}`,
          quantity: line.quantity, unit_price_cents: -line.unit_price_cents, amount_cents: -line.amount_cents,
        })),
      )
      .execute();
  }
  await trx.updateTable('document_counter').set({ last_number: number }).where('ente_id', '=', ente.id).where('year', '=', year).execute();
  return { creditNoteId: credit.id, number, year, original, creditCents: -original.total_cents };
}

/**
 * Marks an unpaid document paid, in the caller's transaction: the one way a document becomes "pagato"
 * (a pagoPA receipt, src/domain/payments/receipts.ts). A document already paid or cancelled stays as is.
 */
export async function markDocumentPaid(trx: Kysely<DB>, enteId: number, documentId: number, paidAt: string): Promise<boolean> {
  const updated = await trx
    .updateTable('document')
    .set({ state: 'pagato', paid_at: paidAt })
    .where('ente_id', '=', enteId)
    .where('id', '=', documentId)
    .where('state', '=', 'da_pagare')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Locks the ente's counter for the year (creating it at 0) and returns the last number given. The row
 * lock (PostgreSQL) or the write lock (SQLite) is held until the transaction ends, so numbering is
 * serialised across instances.
 */
async function lockCounter(trx: Kysely<DB>, enteId: number, year: number): Promise<number> {
  await trx
    .insertInto('document_counter')
    .values({ ente_id: enteId, year, last_number: 0 })
    .onConflict((oc) => oc.columns(['ente_id', 'year']).doNothing())
    .execute();
  const row = await trx
    .updateTable('document_counter')
    .set((eb) => ({ last_number: eb.ref('last_number') }))
    .where('ente_id', '=', enteId)
    .where('year', '=', year)
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return row.last_number;
}

function addMonths(period: string, months: number): string {
  let result = period;
  for (let i = 0; i < months; i++) result = nextPeriod(result);
  return result;
}

export type BillingService = ReturnType<typeof createBillingService>;
