import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../../db/schema';

export interface AuditEntry {
  enteId: number | null;
  actorFiscalCode: string | null;
  action: string;
  subjectType?: string;
  subjectId?: number;
  requestId?: string;
}

/** Who looked at or changed what: kept in the database (never in logs, which must hold no personal data). */
export async function recordAudit(db: Kysely<DB>, clock: Clock, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      ente_id: entry.enteId,
      actor_fiscal_code: entry.actorFiscalCode,
      action: entry.action,
      subject_type: entry.subjectType ?? null,
      subject_id: entry.subjectId ?? null,
      request_id: entry.requestId ?? null,
      created_at: clock.now().toISOString(),
    })
    .execute();
}
