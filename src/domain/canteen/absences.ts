import { type Kysely, sql } from 'kysely';
import type { DB, Ente, NoticeDayOutcome, NoticeKind } from '../../db/schema';
import { type AuditTrail, writeAuditEvent, writeChange } from '../audit/audit';
import { attendanceChange } from '../calendar/cutoff';
import { addDays, isCalendarDate, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { pupilsVisibleTo } from '../registry/access';
import { termInForce } from '../registry/terms';
import type { Caller } from '../registry/service';
import { loadPupilCalendar } from './pupil-calendar';
import * as queries from './queries';

/** A notice may cover at most this many service days (issue 3): longer absences go through the office. */
export const MAX_SERVICE_DAYS_PER_NOTICE = 60;
/** Beyond this many calendar days a range is refused before looking at it day by day. */
const MAX_CALENDAR_DAYS = 366;

export type AbsenceField = 'pupil' | 'from' | 'to' | 'kind' | 'cancel';

/** Why a day cannot be changed any more: it is too late, as opposed to a day without service. */
const TOO_LATE: readonly NoticeDayOutcome[] = ['past-day', 'after-cutoff'];

/**
 * A notice or cancellation that would change no day is refused, not recorded: a receipt with a protocol
 * number for nothing would tell the parent that something was done. `planned` is false when no day of
 * the plan may be changed (too late, or no service), true when the days could be but were all set
 * already (then it is thrown inside the transaction, which also undoes the receipt).
 */
function nothingToRecord(plan: { outcome: NoticeDayOutcome }[], field: AbsenceField, planned: boolean): InvalidInputError<AbsenceField> {
  const cancel = field === 'cancel';
  const problem = planned
    ? cancel
      ? 'nothingToCancel'
      : 'alreadySet'
    : plan.some((d) => TOO_LATE.includes(d.outcome))
      ? cancel
        ? 'cancelTooLate'
        : 'tooLate'
      : 'noServiceDay';
  return new InvalidInputError<AbsenceField>({ [field]: problem });
}

/** A receipt's protocol number, as the parent and the office read it: the year, then the receipt's number. */
export function protocolOf(notice: { id: number; submitted_at: string }): string {
  return `${notice.submitted_at.slice(0, 4)}/${String(notice.id).padStart(6, '0')}`;
}

export interface AbsenceRequest {
  pupilId: number | undefined;
  from: string;
  to: string;
  kind: 'absent' | 'light_meal';
  submissionKey: string;
}

/** Comunicazioni assenze: parents' notices of absence or light meal, before each day's cut-off. */
export function createAbsenceService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  async function holderPupils(ente: Ente, caller: Caller) {
    return pupilsVisibleTo(db, ente.id, caller.fiscalCode);
  }

  /**
   * The days of the range the freeze has already taken (claimed or complete). The office may move the
   * cut-off later after a day was frozen at the old one (decision 0020): that day stays closed, because
   * the kitchen's counts and the charges were made from it.
   */
  async function frozenDays(ente: Ente, from: string, to: string): Promise<Set<string>> {
    const rows = await db.selectFrom('day_freeze').select('date').where('ente_id', '=', ente.id).where('date', '>=', from).where('date', '<=', to).execute();
    return new Set(rows.map((row) => row.date));
  }

  /** What happens to each day of the range: 'applied' if the notice may set it, else why not. */
  async function planDays(ente: Ente, pupilId: number, from: string, to: string) {
    const [dayOf, frozen] = await Promise.all([loadPupilCalendar(db, ente, pupilId, from, to), frozenDays(ente, from, to)]);
    const now = clock.now();
    const plan: { date: string; outcome: NoticeDayOutcome }[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) {
      const day = dayOf(date);
      if (!day.service) {
        plan.push({ date, outcome: day.reason });
        continue;
      }
      const change = attendanceChange(now, date, ente.cutoff_time);
      plan.push({ date, outcome: !change.open ? change.reason : frozen.has(date) ? 'after-cutoff' : 'applied' });
    }
    return plan;
  }

  /**
   * The existing receipt of a form this caller already sent (double click, resent form), if any. The key
   * is the sender's: another holder's key is not this caller's submission.
   */
  async function existingSubmission(ente: Ente, caller: Caller, submissionKey: string, trx: Kysely<DB> = db) {
    const row = await trx
      .selectFrom('absence_notice')
      .select('id')
      .where('ente_id', '=', ente.id)
      .where('submitted_by', '=', caller.fiscalCode)
      .where('submission_key', '=', submissionKey)
      .executeTakeFirst();
    return row?.id;
  }

  /**
   * Stores the receipt and its days and applies the plan, in one transaction. `apply` changes the days
   * planned as 'applied' and returns those it changed; the others get `alreadyDone` as their outcome.
   */
  async function recordNotice(
    ente: Ente,
    caller: Caller,
    notice: {
      pupilId: number;
      kind: NoticeKind;
      range: { from: string; to: string };
      submissionKey: string;
      plan: { date: string; outcome: NoticeDayOutcome }[];
      alreadyDone: NoticeDayOutcome;
      /** The field the refusal of a notice that changes nothing is shown at. */
      field: AbsenceField;
      /** An operator entering a notice a parent phoned in: the change is audited as the office's. */
      office?: OperatorContext;
      apply: (trx: Kysely<DB>, noticeId: number, days: string[]) => Promise<Set<string>>;
    },
  ): Promise<number> {
    const { pupilId, kind, range, submissionKey, plan, alreadyDone, field, office, apply } = notice;
    const candidates = plan.filter((d) => d.outcome === 'applied').map((d) => d.date);
    if (candidates.length === 0) throw nothingToRecord(plan, field, false);
    return db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('absence_notice')
        .values({
          ente_id: ente.id,
          pupil_id: pupilId,
          kind,
          requested_from: range.from,
          requested_to: range.to,
          submitted_by: caller.fiscalCode,
          submitted_at: clock.now().toISOString(),
          submission_key: submissionKey,
        })
        .onConflict((oc) => oc.columns(['ente_id', 'submitted_by', 'submission_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      // The same form committed first by a concurrent request: its receipt is this one's too.
      if (!inserted) return (await existingSubmission(ente, caller, submissionKey, trx))!;
      const applied = await apply(trx, inserted.id, candidates);
      // Every day was set already (by another device, the school, the office): the receipt is undone.
      if (applied.size === 0) throw nothingToRecord(plan, field, true);
      await trx
        .insertInto('absence_notice_day')
        .values(
          plan.map((d) => ({
            notice_id: inserted.id,
            date: d.date,
            outcome: d.outcome === 'applied' && !applied.has(d.date) ? alreadyDone : d.outcome,
          })),
        )
        .execute();
      if (office) {
        await writeChange(trx, clock, office, {
          action: `office.absence.${kind}`,
          subjectType: 'pupil',
          subjectId: pupilId,
          before: null,
          after: { notice_id: inserted.id, kind, requested_from: range.from, requested_to: range.to, days: [...applied].sort().join(', ') },
        });
      } else {
        await writeAuditEvent(trx, clock, {
          enteId: ente.id,
          actorFiscalCode: caller.fiscalCode,
          action: `portal.absence.${kind}`,
          subjectType: 'pupil',
          subjectId: pupilId,
          requestId: caller.requestId,
        });
      }
      return inserted.id;
    });
  }

  /** Validates and records a parent's notice; returns the id of its receipt. */
  async function submit(ente: Ente, caller: Caller, request: AbsenceRequest): Promise<number> {
    const pupils = await holderPupils(ente, caller);
    return submitNotice(ente, caller, request, (pupilId) => pupils.some((p) => p.id === pupilId));
  }

  /**
   * A notice a parent phoned in, entered by the office (issue 14): the parent's rules exactly (the
   * cut-off, service days, limits), the same receipt and protocol number; the operator is its submitter.
   */
  async function submitForOffice(office: OperatorContext, request: AbsenceRequest): Promise<number> {
    requirePermission(office, 'attendance.correct');
    const pupil =
      request.pupilId === undefined
        ? undefined
        : await db.selectFrom('pupil').select('id').where('ente_id', '=', office.ente.id).where('id', '=', request.pupilId).executeTakeFirst();
    const caller = { fiscalCode: office.operator.fiscalCode, requestId: office.requestId };
    return submitNotice(office.ente, caller, request, () => pupil !== undefined, office);
  }

  async function submitNotice(
    ente: Ente,
    caller: Caller,
    request: AbsenceRequest,
    mayNotify: (pupilId: number) => boolean,
    office?: OperatorContext,
  ): Promise<number> {
    const problems: Partial<Record<AbsenceField, string>> = {};
    if (request.pupilId === undefined) problems.pupil = 'pupilMissing';
    else if (!mayNotify(request.pupilId)) problems.pupil = 'pupilNotYours';
    if (!isCalendarDate(request.from)) problems.from = 'dateInvalid';
    const to = request.to === '' ? request.from : request.to;
    if (!isCalendarDate(to)) problems.to = 'dateInvalid';
    else if (isCalendarDate(request.from) && to < request.from) problems.to = 'rangeReversed';
    else if (isCalendarDate(request.from) && addDays(request.from, MAX_CALENDAR_DAYS) < to) problems.to = 'rangeTooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);

    const previous = await existingSubmission(ente, caller, request.submissionKey);
    if (previous !== undefined) return previous;

    const pupilId = request.pupilId!;
    const plan = await planDays(ente, pupilId, request.from, to);
    const serviceDays = plan.filter((d) => !['not-enrolled', 'outside-school-year', 'not-a-service-weekday', 'holiday', 'closure'].includes(d.outcome)).length;
    if (serviceDays > MAX_SERVICE_DAYS_PER_NOTICE) throw new InvalidInputError<AbsenceField>({ to: 'tooManyServiceDays' });
    if (request.kind === 'light_meal' && serviceDays > ente.light_meal_max_days) {
      throw new InvalidInputError<AbsenceField>({ kind: 'lightMealTooLong' });
    }
    return recordNotice(ente, caller, {
      pupilId,
      kind: request.kind,
      range: { from: request.from, to },
      submissionKey: request.submissionKey,
      plan,
      alreadyDone: 'already-set',
      field: 'from',
      office,
      apply: async (trx, noticeId, days) => {
        if (days.length === 0) return new Set();
        const set = await trx
          .insertInto('attendance_change')
          .values(
            days.map((date) => ({
              ente_id: ente.id,
              pupil_id: pupilId,
              date,
              status: request.kind,
              source: office ? ('office' as const) : ('parent' as const),
              notice_id: noticeId,
              set_at: clock.now().toISOString(),
            })),
          )
          // One state per pupil and day: what another device or click set first stays.
          .onConflict((oc) => oc.columns(['pupil_id', 'date']).doNothing())
          .returning('date')
          .execute();
        return new Set(set.map((row) => row.date));
      },
    });
  }

  /** Cancels the parent's own notice for one day, while that day is still before its cut-off. */
  async function cancelDay(ente: Ente, caller: Caller, pupilId: number, date: string, submissionKey: string) {
    const pupils = await holderPupils(ente, caller);
    if (!pupils.some((p) => p.id === pupilId) || !isCalendarDate(date)) throw new NotFoundError('pupil');
    const previous = await existingSubmission(ente, caller, submissionKey);
    if (previous !== undefined) return previous;
    const decision = attendanceChange(clock.now(), date, ente.cutoff_time);
    const closed = decision.open && (await frozenDays(ente, date, date)).has(date);
    const plan = [{ date, outcome: (decision.open ? (closed ? 'after-cutoff' : 'applied') : decision.reason) as NoticeDayOutcome }];
    return recordNotice(ente, caller, {
      pupilId,
      kind: 'cancel',
      range: { from: date, to: date },
      submissionKey,
      plan,
      alreadyDone: 'nothing-to-cancel',
      field: 'cancel',
      apply: async (trx, _noticeId, days) => {
        if (days.length === 0) return new Set();
        const removed = await trx
          .deleteFrom('attendance_change')
          .where('ente_id', '=', ente.id)
          .where('pupil_id', '=', pupilId)
          .where('date', 'in', days)
          .where('source', '=', 'parent')
          .returning('date')
          .execute();
        return new Set(removed.map((row) => row.date));
      },
    });
  }

  /** A receipt, only for the holder of its pupil. */
  async function receipt(ente: Ente, caller: Caller, noticeId: number) {
    const pupils = await holderPupils(ente, caller);
    const [notice, days] = await queries.noticeWithDays(db, ente.id, noticeId);
    const pupil = notice && pupils.find((p) => p.id === notice.pupil_id);
    if (!notice || !pupil) throw new NotFoundError('notice');
    return { notice, days, pupil };
  }

  /**
   * A receipt of the ente's, for the office (the notices it entered and the parents'), with the school of
   * the notice's first day — that of the pupil's canteen enrolment in force then (decision 0018), the pupil
   * row's without one — whose list the page leads back to.
   */
  async function officeReceipt(office: OperatorContext, noticeId: number) {
    requirePermission(office, 'attendance.correct');
    const [notice, days] = await queries.noticeWithDays(db, office.ente.id, noticeId);
    if (!notice) throw new NotFoundError('notice');
    const date = notice.requested_from;
    const schoolOfDay = sql<number>`(select ${termInForce('school_id', 'e', date)} from enrolment e join service s on s.id = e.service_id
      where e.ente_id = ${office.ente.id} and e.pupil_id = pupil.id and s.kind = 'refezione' and e.state in ('attiva', 'cessata')
        and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date}) order by e.id limit 1)`;
    const pupil = await db
      .selectFrom('pupil')
      .innerJoin('person', 'person.id', 'pupil.person_id')
      .select(['pupil.id', 'person.given_name as givenName', 'person.family_name as familyName', sql<number>`coalesce(${schoolOfDay}, pupil.school_id)`.as('schoolId')])
      .where('pupil.id', '=', notice.pupil_id)
      .executeTakeFirstOrThrow();
    return { notice, days, pupil };
  }

  /** The page: the holder's pupils, and for the chosen one the days changed from today on. */
  async function overview(ente: Ente, caller: Caller, pupilId: number | undefined) {
    const pupils = await holderPupils(ente, caller);
    const chosen = pupilId === undefined ? (pupils.length === 1 ? pupils[0] : undefined) : pupils.find((p) => p.id === pupilId);
    if (pupilId !== undefined && !chosen) throw new NotFoundError('pupil');
    const now = clock.now();
    const changes = chosen ? await queries.changesFrom(db, ente.id, chosen.id, romeDate(now)) : [];
    if (chosen) {
      audit.record({
        enteId: ente.id,
        actorFiscalCode: caller.fiscalCode,
        action: 'portal.assenze.view',
        subjectType: 'pupil',
        subjectId: chosen.id,
        requestId: caller.requestId,
      });
    }
    return {
      pupils,
      chosen,
      today: romeDate(now),
      changes: changes.map((c) => ({
        ...c,
        cancellable: c.source === 'parent' && attendanceChange(now, c.date, ente.cutoff_time).open,
      })),
    };
  }

  return { submit, submitForOffice, cancelDay, receipt, officeReceipt, overview };
}

export type AbsenceService = ReturnType<typeof createAbsenceService>;
