import type { Insertable, Kysely } from 'kysely';
import type { DB, MessageChannel, MessageKind, MessageOutboxTable } from '../../db/schema';

/** The kinds of message, in the order the preferences page lists them. */
export const MESSAGE_KINDS: readonly MessageKind[] = ['new_document', 'due_soon', 'reminder', 'low_balance', 'topup_credited', 'statement_730', 'office'];

/**
 * An event that families are told about. `eventKey` names the event once and for all ("document:123"):
 * queued twice — a job run again, a receipt delivered twice, two processes — it is still one message per
 * adult and channel (the unique key of the outbox). `params` are what the texts need (ids, amounts,
 * dates), never special-category data.
 */
export interface MessageEvent {
  enteId: number;
  kind: MessageKind;
  eventKey: string;
  pupilId: number;
  params?: Record<string, string | number | boolean | null>;
}

/** Rows per insert: well under SQLite's and PostgreSQL's limits on bound values. */
const INSERT_CHUNK = 500;
/** Pupils per read of their adults and preferences. */
const PUPIL_CHUNK = 500;

/** An adult's channels for a kind of message when they have not chosen: e-mail, where the registry has an address. */
export const DEFAULT_CHANNELS = { email: true, io: false } as const;

/**
 * Queues the messages of events in the caller's transaction (`trx`), so that they exist exactly when
 * the event does: one row per adult who follows the pupil (every `pupil_holder` link) and channel they
 * chose for the kind. Sent after commit by the outbox's delivery (`services.messages.deliverDue`, the
 * worker's "messages sent" step). Returns how many rows were written (an event queued again writes none).
 *
 * This is the one function every event calls: billing, due dates, top-ups, the office's messages, and
 * the reminders and low-balance badges of issue 15.
 */
export async function queueMessages(trx: Kysely<DB>, events: MessageEvent | readonly MessageEvent[], now: Date = new Date()): Promise<number> {
  const list = Array.isArray(events) ? (events as readonly MessageEvent[]) : [events as MessageEvent];
  if (list.length === 0) return 0;
  const createdAt = now.toISOString();
  let written = 0;
  const pupilIds = [...new Set(list.map((e) => e.pupilId))];
  const adultsOf = new Map<number, number[]>();
  const choices = new Map<string, { email: boolean; io: boolean }>();
  for (let i = 0; i < pupilIds.length; i += PUPIL_CHUNK) {
    const chunk = pupilIds.slice(i, i + PUPIL_CHUNK);
    const links = await trx.selectFrom('pupil_holder').select(['pupil_id', 'person_id']).where('pupil_id', 'in', chunk).execute();
    for (const [pupilId, list] of Map.groupBy(links, (l) => l.pupil_id)) adultsOf.set(pupilId, list.map((l) => l.person_id));
    const personIds = [...new Set(links.map((l) => l.person_id))];
    for (let j = 0; j < personIds.length; j += PUPIL_CHUNK) {
      const rows = await trx
        .selectFrom('message_preference')
        .select(['person_id', 'kind', 'email', 'io'])
        .where('person_id', 'in', personIds.slice(j, j + PUPIL_CHUNK))
        .execute();
      for (const row of rows) choices.set(`${row.person_id}:${row.kind}`, { email: row.email === 1, io: row.io === 1 });
    }
  }
  const rows: Insertable<MessageOutboxTable>[] = [];
  for (const event of list) {
    const params = JSON.stringify(event.params ?? {});
    for (const personId of adultsOf.get(event.pupilId) ?? []) {
      const chosen = choices.get(`${personId}:${event.kind}`) ?? DEFAULT_CHANNELS;
      const channels: MessageChannel[] = [...(chosen.email ? (['email'] as const) : []), ...(chosen.io ? (['io'] as const) : [])];
      for (const channel of channels) {
        rows.push({
          ente_id: event.enteId, event_key: event.eventKey, kind: event.kind, channel, person_id: personId, pupil_id: event.pupilId,
          params, state: 'pending', next_at: createdAt, created_at: createdAt,
        });
      }
    }
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const result = await trx
      .insertInto('message_outbox')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['event_key', 'person_id', 'channel']).doNothing())
      .executeTakeFirst();
    written += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return written;
}

/** The ente's "due in N days" (5 when the office has not set it). */
export async function dueDaysOf(db: Kysely<DB>, enteId: number): Promise<number> {
  const row = await db.selectFrom('message_setting').select('due_days').where('ente_id', '=', enteId).executeTakeFirst();
  return row?.due_days ?? 5;
}
