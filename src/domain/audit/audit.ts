import type { Insertable, Kysely } from 'kysely';
import type { Clock } from '../clock';
import { bulkInsert } from '../../db/bulk';
import type { AuditEventTable, DB } from '../../db/schema';

export interface AuditEntry {
  enteId: number | null;
  actorFiscalCode: string | null;
  action: string;
  subjectType?: string;
  subjectId?: number;
  requestId?: string;
  /**
   * The pupil the event concerns, when the subject is not the pupil itself (an enrolment, a badge, an
   * attachment, the pupil's person…): the pupil's history and the activity log find the event by it
   * (decision 0017). A subject of type 'pupil' is its own.
   */
  pupilId?: number;
}

/** Pending events are written at least this often, and at once when this many are waiting. */
const FLUSH_INTERVAL_MS = 200;
const FLUSH_BATCH_SIZE = 500;

/**
 * Who looked at or changed what, kept in the database (never in logs, which hold no personal data).
 *
 * Every page view of a pupil is an event, and a commit per view was the largest cost of the page
 * (bench/RESULTS.md). Events are therefore queued and written together, in one transaction, every
 * 200 ms; `flush()` runs at shutdown. A crash can lose at most the last 200 ms of view events
 * (docs/decisions/0005-page-view-speed.md). Events that belong to a change of data are written
 * inside the transaction of the change itself (`writeAuditEvent`), not here.
 */
export function createAuditTrail(db: Kysely<DB>, clock: Clock, onError: (error: unknown) => void) {
  let pending: Insertable<AuditEventTable>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    // Batches are written one after the other, so events keep their order.
    writing = writing.then(() => (batch.length ? insertRows(db, batch) : undefined)).catch(onError);
    return writing;
  }

  function record(entry: AuditEntry): void {
    pending.push(auditRow(entry, clock));
    if (pending.length >= FLUSH_BATCH_SIZE) void flush();
    else timer ??= setTimeout(() => void flush(), FLUSH_INTERVAL_MS).unref();
  }

  return { record, flush };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;

/** For events that are part of a change of data: written in the change's own transaction. */
export async function writeAuditEvent(trx: Kysely<DB>, clock: Clock, entry: AuditEntry): Promise<void> {
  await trx.insertInto('audit_event').values(auditRow(entry, clock)).execute();
}

/** An office change: who, what, and the record's values before and after (null: created, or removed). */
export interface ChangeEntry {
  action: string;
  subjectType: string;
  subjectId: number;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /**
   * The pupil the change concerns (decision 0017). Needed only when neither the subject (type 'pupil')
   * nor the record (a `pupil_id` field of `after` or `before`: enrolment, badge, attachment) says it —
   * e.g. a change of the person row of a pupil.
   */
  pupilId?: number;
}

/**
 * Every office change writes this in the transaction of the change itself: the change and its trace are
 * committed together or not at all. Only the fields that changed are kept on an update.
 */
export async function writeChange(
  trx: Kysely<DB>,
  clock: Clock,
  context: { ente: { id: number }; operator: { fiscalCode: string }; requestId?: string },
  change: ChangeEntry,
): Promise<void> {
  const { before, after } = changedFields(change.before, change.after);
  await trx
    .insertInto('audit_event')
    .values({
      ...auditRow(
        {
          enteId: context.ente.id,
          actorFiscalCode: context.operator.fiscalCode,
          action: change.action,
          subjectType: change.subjectType,
          subjectId: change.subjectId,
          requestId: context.requestId,
          pupilId: change.pupilId ?? pupilIdOf(change.after) ?? pupilIdOf(change.before),
        },
        clock,
      ),
      before_json: before === null ? null : JSON.stringify(before),
      after_json: after === null ? null : JSON.stringify(after),
    })
    .execute();
}

/**
 * Many office changes of one unit of work (an import of 150,000 rows): the same events as `writeChange`,
 * inserted in bulk (src/db/bulk.ts) instead of one statement each.
 */
export async function writeChanges(
  trx: Kysely<DB>,
  clock: Clock,
  context: { ente: { id: number }; operator: { fiscalCode: string }; requestId?: string },
  changes: readonly ChangeEntry[],
): Promise<void> {
  const columns = ['ente_id', 'actor_fiscal_code', 'action', 'subject_type', 'subject_id', 'pupil_id', 'request_id', 'created_at', 'before_json', 'after_json'] as const;
  const rows = changes.map((change) => {
    const { before, after } = changedFields(change.before, change.after);
    const row = {
      ...auditRow(
        {
          enteId: context.ente.id,
          actorFiscalCode: context.operator.fiscalCode,
          action: change.action,
          subjectType: change.subjectType,
          subjectId: change.subjectId,
          requestId: context.requestId,
          pupilId: change.pupilId ?? pupilIdOf(change.after) ?? pupilIdOf(change.before),
        },
        clock,
      ),
      before_json: before === null ? null : JSON.stringify(before),
      after_json: after === null ? null : JSON.stringify(after),
    };
    return columns.map((column) => row[column]);
  });
  await bulkInsert(
    trx,
    'audit_event',
    columns.map((name) => ({ name, pg: name === 'ente_id' || name === 'subject_id' || name === 'pupil_id' ? 'int4' : 'text' })),
    rows,
  );
}

/** On an update, the fields whose values differ; a creation or a removal keeps the whole record. */
export function changedFields(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  if (!before || !after) return { before, after };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => key !== 'version' && JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  return {
    before: Object.fromEntries(keys.map((key) => [key, before[key] ?? null])),
    after: Object.fromEntries(keys.map((key) => [key, after[key] ?? null])),
  };
}

/** The `pupil_id` field of a record (enrolment, badge, attachment…), if it has one. */
function pupilIdOf(record: Record<string, unknown> | null): number | undefined {
  const value = record?.pupil_id ?? record?.pupilId;
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function auditRow(entry: AuditEntry, clock: Clock): Insertable<AuditEventTable> {
  return {
    ente_id: entry.enteId,
    actor_fiscal_code: entry.actorFiscalCode,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId ?? null,
    request_id: entry.requestId ?? null,
    created_at: clock.now().toISOString(),
    pupil_id: entry.pupilId ?? (entry.subjectType === 'pupil' ? (entry.subjectId ?? null) : null),
  };
}

async function insertRows(db: Kysely<DB>, rows: Insertable<AuditEventTable>[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Chunks keep each statement under SQLite's limit of bound parameters.
    for (let start = 0; start < rows.length; start += 100) {
      await trx.insertInto('audit_event').values(rows.slice(start, start + 100)).execute();
    }
  });
}
