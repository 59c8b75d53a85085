import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { updateVersioned } from '../../db/versioned';
import { transaction } from '../../db/transaction';
import { writeChange } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { pupilOfEnte } from './queries';

/** A badge code as printed on the card: letters and digits, 4 to 20, stored in capitals. */
export const BADGE_CODE = /^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$/;

export function normaliseBadgeCode(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * What a code names in the ente: the badge in use, a blocked one, the card of a badge that was replaced
 * (its code retired for ever), or nothing. Anything that takes a code from outside (a reader, an import,
 * a search, a top-up by code) asks this and refuses all but 'in-use'.
 */
export async function badgeByCode(db: Kysely<DB>, enteId: number, code: string) {
  const wanted = normaliseBadgeCode(code);
  const badge = await db
    .selectFrom('badge')
    .select(['id', 'code', 'pupil_id as pupilId', 'service_id as serviceId', 'active', 'blocked_at as blockedAt'])
    .where('ente_id', '=', enteId)
    .where('code', '=', wanted)
    .executeTakeFirst();
  if (badge) return { status: badge.blockedAt !== null ? ('blocked' as const) : badge.active ? ('in-use' as const) : ('inactive' as const), badge };
  const retired = await db.selectFrom('badge_retired_code').select(['badge_id as badgeId']).where('ente_id', '=', enteId).where('code', '=', wanted).executeTakeFirst();
  if (retired) return { status: 'retired' as const, replacedBy: retired.badgeId };
  return { status: 'unknown' as const };
}

/** Is the error the database's refusal of a code already used (unique constraint or the retired-code trigger)? */
function isCodeClash(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_TRIGGER' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/**
 * Badges in the office (issue 13, decision 0018). A badge is the pupil's account for a prepaid service:
 * its movements and top-ups name its id. A lost card is replaced by giving the badge a new code, so the
 * balance and the whole history stay with it; the old code is retired (kept, never usable again). A
 * blocked badge takes no top-ups; its meals are still debited (the meals were eaten).
 */
export function createBadgeService(db: Kysely<DB>, clock: Clock) {
  /** The pupil's badges with balance, state and retired codes; the prepaid services it may get one for. */
  async function list(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const enteId = office.ente.id;
    const pupil = await pupilOfEnte(db, enteId, pupilId);
    const [badges, services] = await Promise.all([
      db
        .selectFrom('badge as b')
        .innerJoin('service as s', 's.id', 'b.service_id')
        .select((eb) => [
          'b.id', 'b.code', 'b.issued_on as issuedOn', 'b.active', 'b.blocked_at as blockedAt', 'b.blocked_reason as blockedReason', 'b.version',
          's.name as serviceName',
          eb.fn.coalesce(eb.selectFrom('movement as m').select((m) => m.fn.sum<number>('m.amount_cents').as('sum')).whereRef('m.badge_id', '=', 'b.id'), sql<number>`0`).as('balanceCents'),
        ])
        .where('b.ente_id', '=', enteId)
        .where('b.pupil_id', '=', pupilId)
        .orderBy('b.id')
        .execute(),
      db
        .selectFrom('enrolment as e')
        .innerJoin('service as s', 's.id', 'e.service_id')
        .select(['s.id', 's.name'])
        .distinct()
        .where('e.ente_id', '=', enteId)
        .where('e.pupil_id', '=', pupilId)
        .where('e.state', '=', 'attiva')
        .where('s.billing', '=', 'prepaid')
        .execute(),
    ]);
    // The retired codes of these badges, by each badge's key (never the ente's codes joined back).
    const retired = badges.length === 0 ? [] : await db
      .selectFrom('badge_retired_code')
      .select(['code', 'badge_id as badgeId', 'reason', 'retired_at as retiredAt'])
      .where('ente_id', '=', enteId)
      .where('badge_id', 'in', badges.map((b) => b.id))
      .orderBy('retired_at')
      .execute();
    return {
      pupil,
      badges: badges.map((b) => ({ ...b, balanceCents: Number(b.balanceCents), retired: retired.filter((r) => r.badgeId === b.id) })),
      services,
    };
  }

  async function badgeOf(trx: Kysely<DB>, enteId: number, pupilId: number, badgeId: number) {
    const badge = await trx.selectFrom('badge').selectAll().where('ente_id', '=', enteId).where('pupil_id', '=', pupilId).where('id', '=', badgeId).executeTakeFirst();
    if (!badge) throw new NotFoundError('badge');
    return badge;
  }

  /** Is the code free: no badge has it and no card had it. */
  async function codeTaken(trx: Kysely<DB>, enteId: number, code: string): Promise<boolean> {
    const [inUse, retired] = await Promise.all([
      trx.selectFrom('badge').select('id').where('ente_id', '=', enteId).where('code', '=', code).executeTakeFirst(),
      trx.selectFrom('badge_retired_code').select('code').where('ente_id', '=', enteId).where('code', '=', code).executeTakeFirst(),
    ]);
    return Boolean(inUse || retired);
  }

  /** A new badge of a prepaid service the pupil is enrolled in; one in use per pupil and service. */
  async function issue(office: OperatorContext, pupilId: number, input: { serviceId: number; code: string }): Promise<number> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    const code = normaliseBadgeCode(input.code);
    try {
      return await transaction(db, async (tx) => {
        await pupilOfEnte(tx.db, enteId, pupilId);
        const problems: Record<string, string> = {};
        const service = await tx.db
          .selectFrom('enrolment as e')
          .innerJoin('service as s', 's.id', 'e.service_id')
          .select('s.id')
          .where('e.ente_id', '=', enteId)
          .where('e.pupil_id', '=', pupilId)
          .where('e.service_id', '=', input.serviceId)
          .where('e.state', '=', 'attiva')
          .where('s.billing', '=', 'prepaid')
          .executeTakeFirst();
        if (!service) problems.servizio = 'notPrepaidEnrolment';
        else {
          const active = await tx.db
            .selectFrom('badge')
            .select('code')
            .where('ente_id', '=', enteId)
            .where('pupil_id', '=', pupilId)
            .where('service_id', '=', input.serviceId)
            .where('active', '=', sql.lit(1))
            .executeTakeFirst();
          if (active) problems.servizio = 'alreadyHasBadge';
        }
        if (!BADGE_CODE.test(code)) problems.codice = 'codeInvalid';
        else if (await codeTaken(tx.db, enteId, code)) problems.codice = 'codeTaken';
        if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
        const values = { ente_id: enteId, code, pupil_id: pupilId, service_id: input.serviceId, issued_on: romeDate(clock.now()), active: 1 };
        const { id } = await tx.db.insertInto('badge').values(values).returning('id').executeTakeFirstOrThrow();
        await writeChange(tx.db, clock, office, { action: 'office.badge.issue', subjectType: 'badge', subjectId: id, before: null, after: values });
        return id;
      });
    } catch (error) {
      // Two operators giving one code at the same instant: the database refuses the second.
      if (isCodeClash(error)) throw new InvalidInputError({ codice: 'codeTaken' });
      throw error;
    }
  }

  /**
   * A lost card: the badge takes the new code (and is usable again if it was blocked); the old code is
   * retired in the same transaction. Movements and top-ups name the badge, not the code, so the balance
   * and the history are the new card's, and nothing in the ledger is written or rewritten.
   */
  async function replace(office: OperatorContext, pupilId: number, badgeId: number, version: number, input: { code: string; reason: string }): Promise<void> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    const code = normaliseBadgeCode(input.code);
    try {
      await transaction(db, async (tx) => {
        const badge = await badgeOf(tx.db, enteId, pupilId, badgeId);
        if (badge.version !== version) throw new ConflictError(badge);
        const problems: Record<string, string> = {};
        if (!badge.active) problems.codice = 'badgeNotInUse';
        else if (!BADGE_CODE.test(code)) problems.codice = 'codeInvalid';
        else if (code === badge.code || (await codeTaken(tx.db, enteId, code))) problems.codice = 'codeTaken';
        if (input.reason.trim().length < 3) problems.motivo = 'reasonRequired';
        if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
        const now = clock.now().toISOString();
        const after = { code, issued_on: romeDate(clock.now()), blocked_at: null, blocked_reason: null };
        await updateVersioned(tx.db, 'badge', { id: badge.id, enteId, version }, after);
        await tx.db
          .insertInto('badge_retired_code')
          .values({ ente_id: enteId, code: badge.code, badge_id: badge.id, reason: input.reason.trim(), retired_at: now, author: office.operator.fiscalCode })
          .execute();
        await writeChange(tx.db, clock, office, {
          action: 'office.badge.replace',
          subjectType: 'badge',
          subjectId: badge.id,
          before: { code: badge.code, issued_on: badge.issued_on, blocked_at: badge.blocked_at, blocked_reason: badge.blocked_reason },
          after: { ...after, reason: input.reason.trim() },
        });
      });
    } catch (error) {
      if (isCodeClash(error)) throw new InvalidInputError({ codice: 'codeTaken' });
      throw error;
    }
  }

  /** Blocks (no top-ups, the parents' pages say so) or unblocks a badge. */
  async function setBlocked(office: OperatorContext, pupilId: number, badgeId: number, version: number, blocked: boolean, reason: string): Promise<void> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const badge = await badgeOf(tx.db, enteId, pupilId, badgeId);
      if (badge.version !== version) throw new ConflictError(badge);
      const problems: Record<string, string> = {};
      if (blocked && badge.blocked_at !== null) problems.motivo = 'alreadyBlocked';
      else if (!blocked && badge.blocked_at === null) problems.motivo = 'notBlocked';
      else if (blocked && reason.trim().length < 3) problems.motivo = 'reasonRequired';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const after = blocked ? { blocked_at: clock.now().toISOString(), blocked_reason: reason.trim() } : { blocked_at: null, blocked_reason: null };
      await updateVersioned(tx.db, 'badge', { id: badge.id, enteId, version }, after);
      await writeChange(tx.db, clock, office, {
        action: blocked ? 'office.badge.block' : 'office.badge.unblock',
        subjectType: 'badge',
        subjectId: badge.id,
        before: { blocked_at: badge.blocked_at, blocked_reason: badge.blocked_reason },
        after: blocked ? after : { ...after, reason: reason.trim() || null },
      });
    });
  }

  /** What a code names, for an operator (e.g. a card handed in at the desk). */
  function lookUp(office: OperatorContext, code: string) {
    requirePermission(office, 'registry.read');
    return badgeByCode(db, office.ente.id, code);
  }

  return { list, issue, replace, block: (o: OperatorContext, p: number, b: number, v: number, reason: string) => setBlocked(o, p, b, v, true, reason), unblock: (o: OperatorContext, p: number, b: number, v: number, reason = '') => setBlocked(o, p, b, v, false, reason), lookUp };
}

export type BadgeService = ReturnType<typeof createBadgeService>;
