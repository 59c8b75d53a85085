import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB, Ente, MessageOutboxTable } from '../../db/schema';
import { ChannelError, type MessageChannels, type PaymentData } from '../../integrations/messages/channels';
import { monthName } from '../billing/lines';
import type { Clock } from '../clock';
import { gpdDueDate, issuesNotices } from '../payments/notices';
import { composeMessage, html, markdown, type MessageLanguage, plainText } from './texts';

/** Rows one run claims at a time. */
const CLAIM_BATCH = 200;
/** Messages marked "sending" and sent together; a process that dies leaves at most these of unknown outcome. */
const SEND_GROUP = 50;
/** A claim older than this belongs to a process that died; its rows are taken again (or, if being sent, marked unknown). */
export const LEASE_MS = 5 * 60_000;
/** Back-off between attempts: 1 min, 2, 4 … at most 6 hours; failed after MAX_ATTEMPTS. */
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3_600_000;
export const MAX_ATTEMPTS = 8;
/** A new document's message waits for its pagoPA notice (issued right after billing) this long at most. */
const NOTICE_WAIT_MS = 24 * 3_600_000;
const NOTICE_RETRY_MS = 60_000;

type OutboxRow = Selectable<MessageOutboxTable>;

export interface DeliveryOutcome {
  sent: number;
  skipped: number;
  retried: number;
  failed: number;
  unknown: number;
}

interface Prepared {
  row: OutboxRow;
  /** Where it goes: the e-mail address, or the citizen's App IO (the message id replaces it once sent). */
  to: string;
  send: () => Promise<string | undefined>;
}

/**
 * The outbox's delivery (issue 16, decision 0031): sends the messages queued by `queueMessages` after
 * their event committed, in the worker (or in each serving process; two are safe).
 *
 * Exactly once per (event, adult, channel): the row exists once (unique key); a run claims rows with a
 * lease (compare-and-set on the lease columns), so two processes never hold the same row; a group of
 * rows is marked "sending" before its messages leave and "sent" right after. A process that dies mid-send
 * leaves its group "sending": once the lease is over those rows become "unknown" — perhaps delivered —
 * and are never sent again, while the rest of its claim (still "pending") is simply claimed again.
 */
export function createMessageDelivery(db: Kysely<DB>, clock: Clock, channels: MessageChannels, { publicUrl }: { publicUrl: string }) {
  async function reapDeadSends(now: Date): Promise<number> {
    const result = await db
      .updateTable('message_outbox')
      .set({ state: 'unknown', error: 'process stopped while sending', lease_token: null, lease_until: null })
      .where('state', '=', sql.lit('sending'))
      .where('lease_until', '<', now.toISOString())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async function claim(now: Date, token: string): Promise<OutboxRow[]> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + LEASE_MS).toISOString();
    const free = sql`state = ${sql.lit('pending')} and next_at <= ${at} and (lease_until is null or lease_until < ${at})`;
    // The outer condition again: on PostgreSQL a row another process claimed meanwhile is re-read after its
    // commit and no longer matches, so each row goes to one process only.
    const rows = await sql<OutboxRow>`
      update message_outbox set lease_token = ${token}, lease_until = ${until}
      where id in (select id from message_outbox where ${free} order by next_at, id limit ${sql.lit(CLAIM_BATCH)})
        and ${free}
      returning *`.execute(db);
    return rows.rows.sort((a, b) => a.id - b.id);
  }

  /** What the texts need of each claimed row, read in a few queries per batch. */
  async function factsOf(rows: OutboxRow[]) {
    const personIds = [...new Set(rows.map((r) => r.person_id))];
    const pupilIds = [...new Set(rows.map((r) => r.pupil_id))];
    const enteIds = [...new Set(rows.map((r) => r.ente_id))];
    const documentIds = [
      ...new Set(rows.filter((r) => r.kind === 'new_document' || r.kind === 'due_soon').map((r) => Number((JSON.parse(r.params) as { documentId?: number }).documentId))),
    ].filter(Number.isInteger);
    const [people, pupils, enti, languages, documents] = await Promise.all([
      db.selectFrom('person').select(['id', 'fiscal_code', 'email']).where('id', 'in', personIds).execute(),
      db.selectFrom('pupil as p').innerJoin('person as c', 'c.id', 'p.person_id').select(['p.id', 'c.given_name']).where('p.id', 'in', pupilIds).execute(),
      db.selectFrom('ente').select(['id', 'slug', 'name', 'tax_code', 'segregation_code', 'iban']).where('id', 'in', enteIds).execute(),
      db.selectFrom('message_preference').select(['person_id', 'language']).where('person_id', 'in', personIds).orderBy('updated_at').execute(),
      documentIds.length
        ? db
            .selectFrom('document as d')
            .innerJoin('service as s', 's.id', 'd.service_id')
            .leftJoin('payment_notice as n', (j) => j.onRef('n.document_id', '=', 'd.id').on('n.state', '=', 'open'))
            .select(['d.id', 'd.period', 'd.due_date', 'd.total_cents', 'd.state', 's.name as service', 'n.nav', 'n.amount_cents as noticeCents', 'n.due_date as noticeDue'])
            .where('d.id', 'in', documentIds)
            .execute()
        : Promise.resolve([]),
    ]);
    return {
      person: new Map(people.map((p) => [p.id, p])),
      pupilName: new Map(pupils.map((p) => [p.id, p.given_name])),
      ente: new Map(enti.map((e) => [e.id, e])),
      language: new Map(languages.map((l) => [l.person_id, l.language as MessageLanguage])),
      document: new Map(documents.map((d) => [d.id, d])),
    };
  }

  const portalPath: Record<OutboxRow['kind'], string> = {
    new_document: 'documenti-contabili', due_soon: 'documenti-contabili', reminder: 'documenti-contabili',
    low_balance: 'conto-corrente', topup_credited: 'conto-corrente', statement_730: 'scheda-anagrafica', office: '',
  };

  async function finish(row: OutboxRow, token: string, values: Partial<Pick<OutboxRow, 'state' | 'detail' | 'error' | 'sent_at' | 'next_at' | 'attempts'>>) {
    await db
      .updateTable('message_outbox')
      .set({ ...values, lease_token: null, lease_until: null })
      .where('id', '=', row.id)
      .where('lease_token', '=', token)
      .execute();
  }

  function failure(row: OutboxRow, error: unknown, now: Date) {
    const attempts = row.attempts + 1;
    const retry = !(error instanceof ChannelError) || error.retry;
    const message = error instanceof Error ? error.message.slice(0, 300) : 'error';
    if (!retry || attempts >= MAX_ATTEMPTS) return { state: 'failed' as const, attempts, error: message };
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    return { state: 'pending' as const, attempts, error: message, next_at: new Date(now.getTime() + delay).toISOString() };
  }

  /** Decides what to do with one row: a send to make, a skip, or a wait for its notice. */
  async function prepare(row: OutboxRow, facts: Awaited<ReturnType<typeof factsOf>>, token: string, now: Date, outcome: DeliveryOutcome): Promise<Prepared | undefined> {
    if (!channels.enabled[row.channel]) {
      await finish(row, token, { state: 'skipped', detail: row.channel === 'email' ? 'e-mail not configured' : 'App IO not configured' });
      outcome.skipped++;
      return undefined;
    }
    const person = facts.person.get(row.person_id)!;
    const ente = facts.ente.get(row.ente_id)!;
    const language = facts.language.get(row.person_id) ?? 'it';
    const params = JSON.parse(row.params) as Record<string, unknown>;
    let paymentData: PaymentData | undefined;
    let dueDate: string | undefined;
    if (row.kind === 'due_soon' && facts.document.get(Number(params.documentId))?.state !== 'da_pagare') {
      await finish(row, token, { state: 'skipped', detail: 'document no longer payable' });
      outcome.skipped++;
      return undefined;
    }
    if (row.kind === 'new_document') {
      const document = facts.document.get(Number(params.documentId));
      if (!document || document.state !== 'da_pagare') {
        await finish(row, token, { state: 'skipped', detail: 'document no longer payable' });
        outcome.skipped++;
        return undefined;
      }
      const waitsForNotice = !document.nav && issuesNotices(ente as Ente) && now.getTime() - Date.parse(row.created_at) < NOTICE_WAIT_MS;
      if (waitsForNotice) {
        await finish(row, token, { next_at: new Date(now.getTime() + NOTICE_RETRY_MS).toISOString() });
        return undefined;
      }
      Object.assign(params, {
        service: document.service,
        period: language === 'it' ? monthName(document.period) : document.period,
        amountCents: document.noticeCents ?? document.total_cents,
        dueDate: document.noticeDue ?? document.due_date,
        noticeNumber: document.nav ?? undefined,
      });
      if (document.nav && document.noticeCents !== null && document.noticeDue) {
        paymentData = { amount: document.noticeCents, notice_number: document.nav, invalid_after_due_date: false, payee: { fiscal_code: ente.tax_code } };
        dueDate = gpdDueDate(document.noticeDue);
      }
    }
    const message = composeMessage({
      kind: row.kind, language, pupilName: facts.pupilName.get(row.pupil_id) ?? '', enteName: ente.name,
      portalUrl: `${publicUrl}/${ente.slug}/${portalPath[row.kind]}`, params,
    });
    if (row.channel === 'email') {
      if (!person.email) {
        await finish(row, token, { state: 'skipped', detail: 'no e-mail address in the registry' });
        outcome.skipped++;
        return undefined;
      }
      const to = person.email;
      return {
        row,
        to,
        send: async () => {
          await channels.sendMail({ to, subject: message.subject, text: plainText(message), html: html(message, language), messageId: `<outbox-${row.id}@${ente.slug}.servizi-scolastici>` });
          return undefined;
        },
      };
    }
    const profile = await channels.ioProfile(person.fiscal_code);
    if (profile.kind !== 'allowed') {
      await finish(row, token, { state: 'skipped', detail: profile.kind === 'no-profile' ? 'no App IO profile' : 'App IO: the service is not allowed' });
      outcome.skipped++;
      return undefined;
    }
    return {
      row,
      to: 'App IO',
      send: async () => {
        const sent = await channels.sendIo({ fiscalCode: person.fiscal_code, subject: message.subject, markdown: markdown(message), dueDate, paymentData });
        return `App IO ${sent.id}`;
      },
    };
  }

  /**
   * Sends one group: marked "sending" with where each goes in one write, sent together, the successes
   * marked "sent" in one write (App IO's message ids one by one), each failure as it is.
   */
  async function sendGroup(group: Prepared[], token: string, outcome: DeliveryOutcome) {
    if (group.length === 0) return;
    const detail = sql<string>`case id ${sql.join(
      group.map((p) => sql`when ${p.row.id} then ${p.to}`),
      sql` `,
    )} end`;
    const marked = await db
      .updateTable('message_outbox')
      .set({ state: 'sending', detail })
      .where('id', 'in', group.map((p) => p.row.id))
      .where('lease_token', '=', token)
      .where('state', '=', sql.lit('pending'))
      .returning('id')
      .execute();
    const mine = new Set(marked.map((m) => m.id));
    const sending = group.filter((p) => mine.has(p.row.id));
    const results = await Promise.allSettled(sending.map((p) => p.send()));
    const sentAt = clock.now();
    const sent: number[] = [];
    for (const [i, result] of results.entries()) {
      const p = sending[i]!;
      if (result.status === 'fulfilled') {
        if (result.value === undefined) sent.push(p.row.id);
        else await finish(p.row, token, { state: 'sent', sent_at: sentAt.toISOString(), detail: result.value, error: null });
        outcome.sent++;
      } else {
        const next = failure(p.row, result.reason, sentAt);
        await finish(p.row, token, next);
        if (next.state === 'failed') outcome.failed++;
        else outcome.retried++;
      }
    }
    if (sent.length) {
      await db
        .updateTable('message_outbox')
        .set({ state: 'sent', sent_at: sentAt.toISOString(), error: null, lease_token: null, lease_until: null })
        .where('id', 'in', sent)
        .where('lease_token', '=', token)
        .execute();
    }
  }

  /**
   * Sends what is due, batch after batch, until nothing is due or `maxMs` has passed (the scheduler's
   * tick goes on to its other steps; the next tick continues).
   */
  async function deliverDue({ maxMs = 50_000 }: { maxMs?: number } = {}): Promise<DeliveryOutcome> {
    const outcome: DeliveryOutcome = { sent: 0, skipped: 0, retried: 0, failed: 0, unknown: 0 };
    const started = Date.now();
    outcome.unknown += await reapDeadSends(clock.now());
    while (Date.now() - started < maxMs) {
      const token = randomUUID();
      const now = clock.now();
      const rows = await claim(now, token);
      if (rows.length === 0) break;
      const facts = await factsOf(rows);
      let group: Prepared[] = [];
      for (const row of rows) {
        let prepared: Prepared | undefined;
        try {
          prepared = await prepare(row, facts, token, now, outcome);
        } catch (error) {
          const next = failure(row, error, now);
          await finish(row, token, next);
          if (next.state === 'failed') outcome.failed++;
          else outcome.retried++;
        }
        if (prepared) group.push(prepared);
        if (group.length >= SEND_GROUP) {
          await sendGroup(group, token, outcome);
          group = [];
        }
      }
      await sendGroup(group, token, outcome);
    }
    return outcome;
  }

  return { deliverDue, claim, reapDeadSends };
}

export type MessageDelivery = ReturnType<typeof createMessageDelivery>;
