import { type Kysely, sql } from 'kysely';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import type { DB } from '../../db/schema';
import { addDays, romeInstant } from '../calendar/local-time';
import type { OperatorContext } from '../operators/context';
import { requirePermission } from '../operators/context';

/**
 * The activity log (issue 13, decision 0017): an ente's audit events, newest first, by operator (or any
 * fiscal code: parents' views are events too), by pupil and by days. Each filter is the leading part of an
 * index of migrations 0014/0015 — (ente, time), (ente, actor, time), (ente, pupil, time) — so a page is one
 * index range read backwards from the cursor, whatever the size of the log.
 */
export const ACTIVITY_PAGE_SIZE = 50;
/** A pupil's history on its office page: its latest changes (the log has them all). */
export const HISTORY_SIZE = 30;

export interface ActivityFilters {
  actorFiscalCode?: string;
  pupilId?: number;
  /** Rome days, inclusive. */
  from?: string;
  to?: string;
  /** Only the events of changes (before/after values), not views. */
  changesOnly?: boolean;
  after?: string;
}

export interface ActivityEvent {
  id: number;
  createdAt: string;
  actorFiscalCode: string | null;
  operatorName: string | null;
  action: string;
  subjectType: string | null;
  subjectId: number | null;
  pupilId: number | null;
  pupilName: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

function parseJson(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { value: text };
  }
}

/** One page of an ente's events, newest first. */
export async function activityPage(db: Kysely<DB>, enteId: number, filters: ActivityFilters, size = ACTIVITY_PAGE_SIZE): Promise<Page<ActivityEvent>> {
  let query = db
    .selectFrom('audit_event as ae')
    .leftJoin('operator as op', (join) => join.onRef('op.fiscal_code', '=', 'ae.actor_fiscal_code').on('op.ente_id', '=', enteId))
    .leftJoin('pupil as pu', (join) => join.onRef('pu.id', '=', 'ae.pupil_id').on('pu.ente_id', '=', enteId))
    .leftJoin('person as child', 'child.id', 'pu.person_id')
    .select([
      'ae.id as id',
      'ae.created_at as createdAt',
      'ae.actor_fiscal_code as actorFiscalCode',
      'ae.action as action',
      'ae.subject_type as subjectType',
      'ae.subject_id as subjectId',
      'ae.pupil_id as pupilId',
      'ae.before_json as beforeJson',
      'ae.after_json as afterJson',
      'op.given_name as operatorGiven',
      'op.family_name as operatorFamily',
      'child.given_name as childGiven',
      'child.family_name as childFamily',
    ])
    .where('ae.ente_id', '=', enteId);
  if (filters.actorFiscalCode) query = query.where('ae.actor_fiscal_code', '=', filters.actorFiscalCode);
  if (filters.pupilId !== undefined) query = query.where('ae.pupil_id', '=', filters.pupilId);
  if (filters.from) query = query.where('ae.created_at', '>=', romeInstant(filters.from, '00:00').toISOString());
  if (filters.to) query = query.where('ae.created_at', '<', romeInstant(addDays(filters.to, 1), '00:00').toISOString());
  if (filters.changesOnly) query = query.where((eb) => eb.or([eb('ae.before_json', 'is not', null), eb('ae.after_json', 'is not', null)]));
  const cursor = filters.after === undefined ? undefined : decodeCursor(filters.after, ['string', 'number'] as const);
  if (cursor) {
    const [at, id] = cursor;
    query = query.where((eb) => eb.or([eb('ae.created_at', '<', at), eb.and([eb('ae.created_at', '=', at), eb('ae.id', '<', id)])]));
  }
  const rows = await query
    .orderBy('ae.created_at', 'desc')
    .orderBy('ae.id', 'desc')
    .limit(sql.lit(size + 1))
    .execute();
  const events: ActivityEvent[] = rows.map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    actorFiscalCode: r.actorFiscalCode,
    operatorName: r.operatorGiven === null ? null : `${r.operatorGiven} ${r.operatorFamily ?? ''}`.trim(),
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    pupilId: r.pupilId,
    pupilName: r.childGiven === null ? null : `${r.childFamily ?? ''} ${r.childGiven}`.trim(),
    before: parseJson(r.beforeJson),
    after: parseJson(r.afterJson),
  }));
  return pageOf(events, size, (e) => [e.createdAt, e.id]);
}

/** A fiscal code shown to someone who need not read it whole: its first three and last four characters. */
export function maskFiscalCode(code: string): string {
  return code.length <= 7 ? '*'.repeat(code.length) : `${code.slice(0, 3)}${'*'.repeat(code.length - 7)}${code.slice(-4)}`;
}

/** The activity log of the office: amministratore only (`activity.read`). */
export function createActivityService(db: Kysely<DB>) {
  async function page(office: OperatorContext, filters: ActivityFilters): Promise<Page<ActivityEvent>> {
    requirePermission(office, 'activity.read');
    return activityPage(db, office.ente.id, filters);
  }

  /** The ente's operators, for the log's filter. */
  async function operators(office: OperatorContext) {
    requirePermission(office, 'activity.read');
    return db
      .selectFrom('operator')
      .select(['fiscal_code as fiscalCode', 'given_name as givenName', 'family_name as familyName'])
      .where('ente_id', '=', office.ente.id)
      .orderBy('family_name')
      .orderBy('given_name')
      .execute();
  }

  /** The latest changes of a pupil and its records, for its office page (`registry.read`). */
  async function pupilHistory(office: OperatorContext, pupilId: number): Promise<Page<ActivityEvent>> {
    requirePermission(office, 'registry.read');
    return activityPage(db, office.ente.id, { pupilId, changesOnly: true }, HISTORY_SIZE);
  }

  return { page, operators, pupilHistory };
}
export type ActivityService = ReturnType<typeof createActivityService>;
