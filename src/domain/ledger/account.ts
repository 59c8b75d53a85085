import { type Kysely, sql } from 'kysely';
import type { DB, Ente, MovementKind } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { addDays, isCalendarDate, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { pupilsVisibleTo } from '../registry/access';
import { type AuthorizedPupil, requireAuthorizedPupil, viewAction } from '../registry/authorized-pupil';
import type { Caller } from '../registry/service';
import { rowBoundedCache } from './row-bounded-cache';
import { badgesOfHolder, ledgerSummary, movementsBetween, paymentStarted, pendingTopups, schoolYearAround } from './queries';

/** A statement covers at most about a school year and a half: enough for any question, bounded in size. */
const MAX_PERIOD_DAYS = 550;

export type Badge = Awaited<ReturnType<typeof badgesOfHolder>>[number];

export interface StatementRow {
  id: number;
  valueDate: string;
  kind: MovementKind;
  note: string | null;
  amountCents: number;
  balanceCents: number;
}

/**
 * Movements kept per process in built statements, with their HTML: about 0.57 KB a row (measured), so
 * about 11 MB. Bounded by rows, not statements: a school year of daily meals is about 200 rows, a month 20.
 * The former bound of 1,000 statements held about 35 MB once Rome's families had filled it (1,000 of about
 * 60 rows), the difference between the demo's and Rome's memory in bench/RESULTS.md ("Rome scale").
 */
const CACHED_ROWS = 20_000;

/** The Conto corrente virtuale: a badge's movements with opening, running and closing balance. */
export function createAccountService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  /**
   * Rows of statements already built, by badge, period and the ledger summary that identifies them: a
   * parent opens the same school year again and again, and reading and rendering its rows was most of
   * the page's cost (bench/RESULTS.md). A new movement changes the summary, so a stale entry is never hit.
   */
  const statements = rowBoundedCache<StatementRow>(CACHED_ROWS);

  async function rowsOf(badgeId: number, from: string, to: string, openingCents: number, key: string): Promise<readonly StatementRow[]> {
    const cached = statements.get(key);
    if (cached) return cached;
    let balance = openingCents;
    const rows = (await movementsBetween(db, badgeId, from, to)).map((m) => {
      balance += m.amountCents;
      return { ...m, balanceCents: balance };
    });
    return statements.set(key, rows);
  }

  /** The caller's badges; a person who holds no pupil here is refused like on every portal page. */
  async function badgesOf(ente: Ente, caller: Caller): Promise<Badge[]> {
    const badges = await badgesOfHolder(db, ente.id, caller.fiscalCode);
    // No badge: still a linked adult's page (an empty account), or the error page for anyone else.
    if (badges.length === 0) await pupilsVisibleTo(db, ente.id, caller.fiscalCode);
    return badges;
  }

  /** The default period: the school year in course (or the last one). */
  async function defaultPeriod(ente: Ente): Promise<{ from: string; to: string }> {
    const today = romeDate(clock.now());
    const [year] = await schoolYearAround(db, ente.id, today);
    return year ? { from: year.startsOn, to: year.endsOn } : { from: `${today.slice(0, 4)}-01-01`, to: today };
  }

  async function statement(ente: Ente, caller: Caller, badge: Badge, from: string, to: string) {
    const problems: Partial<Record<'from' | 'to', string>> = {};
    if (!isCalendarDate(from)) problems.from = 'dateInvalid';
    if (!isCalendarDate(to)) problems.to = 'dateInvalid';
    else if (isCalendarDate(from) && to < from) problems.to = 'rangeReversed';
    else if (isCalendarDate(from) && addDays(from, MAX_PERIOD_DAYS - 1) < to) problems.to = 'periodTooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);

    const [[summary], pending] = await Promise.all([ledgerSummary(db, badge.id, from, to), pendingTopups(db, badge.id)]);
    const openingCents = Number(summary?.opening ?? 0);
    const key = `${badge.id}|${from}|${to}|${Number(summary?.count ?? 0)}|${summary?.lastId ?? 0}|${openingCents}`;
    const rows = await rowsOf(badge.id, from, to, openingCents, key);
    audit.record({
      enteId: ente.id,
      actorFiscalCode: caller.fiscalCode,
      action: 'portal.conto.view',
      subjectType: 'badge',
      subjectId: badge.id,
      requestId: caller.requestId,
    });
    // The balance is told as of today while the period runs, and as of its last day once it has ended.
    const today = romeDate(clock.now());
    const balanceDate = to < today ? to : today < from ? from : today;
    const waiting = pending.map(({ noticeState, cartUntil, ...topup }) => ({ ...topup, paymentStarted: paymentStarted({ noticeState, cartUntil }, clock.now()) }));
    return { badge, from, to, balanceDate, openingCents, closingCents: rows.at(-1)?.balanceCents ?? openingCents, rows, pending: waiting };
  }

  /** A badge of the caller's, or 404: the same answer for someone else's badge and for none. */
  function chosenBadge(badges: Badge[], badgeId: number | undefined): Badge | undefined {
    if (badgeId === undefined) return badges.length === 1 ? badges[0] : undefined;
    const found = badges.find((b) => b.id === badgeId);
    if (!found) throw new NotFoundError('badge');
    return found;
  }

  /**
   * The pupil's badges with their balance today and last movements, for the office's page of the pupil
   * (the handle says who may see it); the view is audited like the parent's.
   */
  async function ofPupil(handle: AuthorizedPupil, lastMovements = 10) {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    const badges = await db
      .selectFrom('badge')
      .innerJoin('service', 'service.id', 'badge.service_id')
      .select(['badge.id as id', 'badge.code as code', 'badge.active as active', 'service.name as serviceName'])
      .where('badge.ente_id', '=', ente.id)
      .where('badge.pupil_id', '=', pupil.id)
      .orderBy('badge.id')
      .execute();
    const today = romeDate(clock.now());
    const accounts = await Promise.all(
      badges.map(async (badge) => {
        const [balance, movements] = await Promise.all([
          db.selectFrom('movement').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.lit(0)).as('cents')).where('badge_id', '=', badge.id).where('value_date', '<=', today).executeTakeFirstOrThrow(),
          db
            .selectFrom('movement')
            .select(['id', 'amount_cents as amountCents', 'kind', 'value_date as valueDate', 'note'])
            .where('badge_id', '=', badge.id)
            .orderBy('value_date', 'desc')
            .orderBy('id', 'desc')
            .limit(sql.lit(lastMovements))
            .execute(),
        ]);
        return { ...badge, balanceCents: Number(balance.cents), movements };
      }),
    );
    for (const badge of badges) {
      audit.record({ enteId: ente.id, actorFiscalCode: handle.viewer.fiscalCode, action: viewAction(handle, 'conto.view'), subjectType: 'badge', subjectId: badge.id, requestId: handle.requestId, pupilId: pupil.id });
    }
    return { balanceDate: today, badges: accounts };
  }

  return { badgesOf, chosenBadge, defaultPeriod, statement, ofPupil };
}

export type AccountService = ReturnType<typeof createAccountService>;
export type Statement = Awaited<ReturnType<AccountService['statement']>>;
