import { type Kysely, sql } from 'kysely';
import type { Config } from '../../config/index';
import type { DB, Ente, MessageKind } from '../../db/schema';
import { createMessageChannels, type MessageChannels } from '../../integrations/messages/channels';
import { addDays, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { pupilsVisibleTo } from '../registry/access';
import type { Caller } from '../registry/service';
import { writeAuditEvent } from '../audit/audit';
import { createMessageDelivery } from './delivery';
import { createOfficeMessages } from './office';
import { DEFAULT_CHANNELS, dueDaysOf, MESSAGE_KINDS, queueMessages } from './outbox';
import { badgesBelowEnteThreshold } from '../prepaid/queries';

export interface ChannelChoice {
  kind: MessageKind;
  email: boolean;
  io: boolean;
}

/** Documents read per transaction of the daily "due in N days" step. */
const DUE_BATCH = 1000;

/**
 * Messages to families (issue 16): each adult's channels, the outbox's delivery, and the daily "due in
 * N days" event. The other events queue their messages with `queueMessages` in their own transactions.
 */
export function createMessageService(
  db: Kysely<DB>,
  clock: Clock,
  config: Pick<Config, 'messages' | 'publicUrl'>,
  channels: MessageChannels = createMessageChannels(config.messages),
) {
  const delivery = createMessageDelivery(db, clock, channels, { publicUrl: config.publicUrl });

  async function adultOf(ente: Ente, caller: Caller) {
    // Only an adult who follows a pupil of the ente has messages to choose (the seed's rule: no data otherwise).
    await pupilsVisibleTo(db, ente.id, caller.fiscalCode);
    return db.selectFrom('person').select(['id', 'email']).where('ente_id', '=', ente.id).where('fiscal_code', '=', caller.fiscalCode).executeTakeFirstOrThrow();
  }

  /** The adult's own choices, per kind (the default where they have not chosen), and the registry's address. */
  async function preferencesOf(ente: Ente, caller: Caller): Promise<{ choices: ChannelChoice[]; email: string | null }> {
    const person = await adultOf(ente, caller);
    const rows = await db.selectFrom('message_preference').select(['kind', 'email', 'io']).where('person_id', '=', person.id).execute();
    const chosen = new Map(rows.map((r) => [r.kind, r]));
    return {
      email: person.email,
      choices: MESSAGE_KINDS.map((kind) => {
        const row = chosen.get(kind);
        return { kind, email: row ? row.email === 1 : DEFAULT_CHANNELS.email, io: row ? row.io === 1 : DEFAULT_CHANNELS.io };
      }),
    };
  }

  /**
   * Saves the adult's choices — their own contact preference, not the Comune's data (the registry stays
   * read-only for parents) — with the language the messages will be written in; audited as the adult's act.
   */
  async function savePreferences(ente: Ente, caller: Caller, choices: readonly ChannelChoice[], language: 'it' | 'en') {
    const person = await adultOf(ente, caller);
    const now = clock.now().toISOString();
    await db.transaction().execute(async (trx) => {
      for (const choice of choices) {
        const values = { email: choice.email ? 1 : 0, io: choice.io ? 1 : 0, language, updated_at: now };
        await trx
          .insertInto('message_preference')
          .values({ person_id: person.id, kind: choice.kind, ente_id: ente.id, ...values })
          .onConflict((oc) => oc.columns(['person_id', 'kind']).doUpdateSet(values))
          .execute();
      }
      await writeAuditEvent(trx, clock, {
        enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.message-preferences.save', subjectType: 'person', subjectId: person.id, requestId: caller.requestId,
      });
    });
  }

  /**
   * The daily event "due in N days": every unpaid document of each ente whose due date is N days from
   * today (the ente's setting). Run every tick; the event key (document and due date) makes it once.
   */
  let dueSoonDoneFor: string | undefined;
  async function queueDueSoon(): Promise<{ ente: string; queued: number }[]> {
    const done: { ente: string; queued: number }[] = [];
    const today = romeDate(clock.now());
    // Once a day per process is enough: a document's due date is fixed when it is billed.
    if (dueSoonDoneFor === today) return done;
    const enti = await db.selectFrom('ente').select(['id', 'slug']).execute();
    for (const ente of enti) {
      const due = addDays(today, await dueDaysOf(db, ente.id));
      let after = 0;
      let queued = 0;
      for (;;) {
        const documents = await db
          .selectFrom('document')
          .select(['id', 'pupil_id', 'number', 'total_cents', 'due_date'])
          .where('ente_id', '=', ente.id)
          .where('due_date', '=', due)
          .where('state', '=', 'da_pagare')
          .where('kind', '=', sql.lit('documento'))
          .where('id', '>', after)
          .orderBy('id')
          .limit(sql.lit(DUE_BATCH))
          .execute();
        if (documents.length === 0) break;
        queued += await db.transaction().execute((trx) =>
          queueMessages(
            trx,
            documents.map((d) => ({
              enteId: ente.id, kind: 'due_soon' as const, eventKey: `due:${d.id}:${d.due_date}`, pupilId: d.pupil_id,
              params: { documentId: d.id, number: d.number, amountCents: d.total_cents, dueDate: d.due_date },
            })),
            clock.now(),
          ),
        );
        after = documents.at(-1)!.id;
      }
      if (queued) done.push({ ente: ente.slug, queued });
    }
    dueSoonDoneFor = today;
    return done;
  }

  let statementDoneFor: string | undefined;
  /**
   * The yearly 730 statement (issue 16): in January, the statement of the year before is there for every
   * pupil with a canteen payment made through pagoPA in it (the Scheda lists it, papers.ts); each pupil's
   * adults are told once ("730:{pupil}:{year}"), whichever day of January and process queues it first.
   * Outside January nothing is read.
   */
  async function queueStatement730(): Promise<{ ente: string; queued: number }[]> {
    const done: { ente: string; queued: number }[] = [];
    const today = romeDate(clock.now());
    if (statementDoneFor === today || today.slice(5, 7) !== '01') return done;
    const year = Number(today.slice(0, 4)) - 1;
    // The calendar year in Rome: from its first midnight to the next year's (UTC instants of the receipts).
    const from = new Date(`${year}-01-01T00:00:00+01:00`).toISOString();
    const to = new Date(`${year + 1}-01-01T00:00:00+01:00`).toISOString();
    for (const ente of await db.selectFrom('ente').select(['id', 'slug']).execute()) {
      const pupils = await db
        .selectFrom('payment_receipt as r')
        .innerJoin('payment_notice as n', 'n.id', 'r.notice_id')
        .innerJoin('service as s', 's.id', 'n.service_id')
        .select('n.pupil_id as pupilId')
        .distinct()
        .where('r.ente_id', '=', ente.id)
        .where('r.paid_at', '>=', from)
        .where('r.paid_at', '<', to)
        .where('r.status', '=', sql.lit('applied'))
        .where('n.state', '=', 'paid')
        .where('s.kind', '=', sql.lit('refezione'))
        .execute();
      let queued = 0;
      for (let i = 0; i < pupils.length; i += DUE_BATCH) {
        const batch = pupils.slice(i, i + DUE_BATCH).filter((p): p is { pupilId: number } => p.pupilId !== null);
        queued += await db.transaction().execute((trx) =>
          queueMessages(trx, batch.map((p) => ({ enteId: ente.id, kind: 'statement_730' as const, eventKey: `730:${p.pupilId}:${year}`, pupilId: p.pupilId, params: { year } })), clock.now()),
        );
      }
      if (queued) done.push({ ente: ente.slug, queued });
    }
    statementDoneFor = today;
    return done;
  }

  let lowBalanceDoneFor: string | undefined;
  /**
   * The daily low-balance event (issue 15 point 4, issue 16): the badges at or below the ente's threshold
   * (the office's own list, `badgesBelowEnteThreshold`) are told once per crossing — the event names the
   * badge and its latest credit, so a family is told again only after a top-up has lifted the badge and the
   * meals have brought it down again. Once a day per process; the event key makes a second process's run
   * write nothing.
   */
  async function queueLowBalance(): Promise<{ ente: string; queued: number }[]> {
    const done: { ente: string; queued: number }[] = [];
    const today = romeDate(clock.now());
    if (lowBalanceDoneFor === today) return done;
    const enti = await db.selectFrom('ente').select(['id', 'slug']).execute();
    for (const ente of enti) {
      const low = await badgesBelowEnteThreshold(db, ente.id, { today });
      let queued = 0;
      for (let i = 0; i < low.length; i += DUE_BATCH) {
        const batch = low.slice(i, i + DUE_BATCH);
        const credits = await db
          .selectFrom('movement')
          .select((eb) => ['badge_id', eb.fn.max('id').as('lastCredit')])
          .where('badge_id', 'in', batch.map((b) => b.badgeId))
          .where('amount_cents', '>', 0)
          .groupBy('badge_id')
          .execute();
        const lastCredit = new Map(credits.map((c) => [c.badge_id, Number(c.lastCredit)]));
        queued += await db.transaction().execute((trx) =>
          queueMessages(
            trx,
            batch.map((b) => ({
              enteId: ente.id, kind: 'low_balance' as const, eventKey: `low:${b.badgeId}:${lastCredit.get(b.badgeId) ?? 0}`, pupilId: b.pupilId,
              params: { badgeId: b.badgeId, balanceCents: Number(b.balanceCents) },
            })),
            clock.now(),
          ),
        );
      }
      if (queued) done.push({ ente: ente.slug, queued });
    }
    lowBalanceDoneFor = today;
    return done;
  }

  return {
    office: createOfficeMessages(db, clock, config.publicUrl),
    preferencesOf,
    savePreferences,
    queueDueSoon,
    queueLowBalance,
    queueStatement730,
    deliverDue: delivery.deliverDue,
    close: () => channels.close(),
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
