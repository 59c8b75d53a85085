import { type Kysely, sql } from 'kysely';
import type { AttendanceStatus, DB, Ente } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { writeChange } from '../audit/audit';
import { attendanceChange, cutoffInstant } from '../calendar/cutoff';
import { italianHolidays } from '../calendar/holidays';
import { isCalendarDate, romeDate } from '../calendar/local-time';
import { parseWeekdays, serviceDay, type ServiceDay } from '../calendar/service-days';
import type { Clock } from '../clock';
import { closuresOfSchoolBetween } from '../canteen/queries';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { mealCharge, writeStorno } from '../ledger/charging';
import { type OperatorContext, may, requirePermission } from '../operators/context';
import { termInForce } from '../registry/terms';
import { loadTariffContext } from '../tariffs/context';
import { correctionsOfDay, dayState, frozenDayRows, type FrozenDayRow, openDayRows, type OpenDayRow } from './queries';

export type AttendanceField = 'scuola' | 'data' | 'alunno' | 'stato' | 'motivo' | 'assenti';

/** Where a school's day stands: changes before the cut-off, the freeze running, corrections after it. */
export type DayPhase = 'open' | 'closing' | 'frozen';

/** A reason is a sentence someone will read on the family's document: a few characters at least. */
const REASON_MIN = 3;
const REASON_MAX = 300;

/**
 * The day's attendance at school (issue 14): the list by class with the absences communicated, marking
 * before the cut-off (the school: absent without notice, present without booking), and the office's
 * corrections of a frozen day, which credit or charge the meal in the append-only ledger (decision 0025).
 */
export function createAttendanceService(db: Kysely<DB>, clock: Clock) {
  /** A `scuola` operator reads and marks its own school only; the other roles any school of the ente. */
  function requireSchool(office: OperatorContext, schoolId: number): void {
    if (office.operator.role === 'scuola' && office.operator.schoolId !== schoolId) {
      throw new ForbiddenError(`a scuola operator of school ${office.operator.schoolId} asked for school ${schoolId}`);
    }
  }

  /** The schools the operator may choose: its own for a `scuola` operator. */
  async function schools(office: OperatorContext) {
    requirePermission(office, 'attendance.mark');
    let query = db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id);
    if (office.operator.role === 'scuola') query = query.where('id', '=', office.operator.schoolId ?? -1);
    return query.orderBy('name').orderBy('id').execute();
  }

  /** The operator's school by default (a `scuola` operator's; another role's when the ente has one). */
  async function defaultSchool(office: OperatorContext): Promise<number | undefined> {
    if (office.operator.role === 'scuola') return office.operator.schoolId ?? undefined;
    const list = await schools(office);
    return list.length === 1 ? list[0]!.id : undefined;
  }

  async function schoolOf(ente: Ente, schoolId: number) {
    const school = await db.selectFrom('school').selectAll().where('ente_id', '=', ente.id).where('id', '=', schoolId).executeTakeFirst();
    if (!school) throw new NotFoundError('school');
    return school;
  }

  /** Whether the school serves meals on the day (weekday, school year, holidays, closures), and if not why. */
  async function schoolServiceDay(ente: Ente, school: { id: number; service_weekdays: string }, date: string): Promise<ServiceDay> {
    const [year, closures] = await Promise.all([
      db.selectFrom('school_year').select(['starts_on', 'ends_on']).where('ente_id', '=', ente.id).where('starts_on', '<=', date).where('ends_on', '>=', date).executeTakeFirst(),
      closuresOfSchoolBetween(db, ente.id, school.id, date, date),
    ]);
    if (!year) return { service: false, reason: 'outside-school-year' };
    return serviceDay(date, {
      serviceWeekdays: parseWeekdays(school.service_weekdays),
      schoolYear: { startsOn: year.starts_on, endsOn: year.ends_on },
      holidays: new Map(italianHolidays(Number(date.slice(0, 4))).map((h) => [h.date, h.name])),
      closures: new Map(closures.map((c) => [c.date, c.reason])),
    });
  }

  function phaseOf(ente: Ente, date: string, frozen: boolean): DayPhase {
    if (frozen) return 'frozen';
    return attendanceChange(clock.now(), date, ente.cutoff_time).open ? 'open' : 'closing';
  }

  function checkDate(date: string): void {
    if (!isCalendarDate(date)) throw new InvalidInputError<AttendanceField>({ data: 'dateInvalid' });
  }

  /**
   * The list of a school's day by class: before the freeze the pupils it will book with the changes
   * communicated (parents', the school's, the office's); after it the day as booked and corrected.
   */
  async function dayList(office: OperatorContext, input: { schoolId: number; date: string }) {
    requirePermission(office, 'attendance.mark');
    requireSchool(office, input.schoolId);
    checkDate(input.date);
    const { ente } = office;
    const { date } = input;
    const [school, state] = await Promise.all([schoolOf(ente, input.schoolId), dayState(db, ente.id, date)]);
    const phase = phaseOf(ente, date, state.frozen);
    const service = await schoolServiceDay(ente, school, date);
    type Row = (OpenDayRow | FrozenDayRow) & { correction?: { before: AttendanceStatus; reason: string } };
    let rows: Row[];
    if (phase === 'frozen') {
      const [booked, corrections] = await Promise.all([frozenDayRows(db, ente.id, school.id, date), correctionsOfDay(db, ente.id, date, school.id)]);
      // The first state and the latest reason: what the day was at the cut-off, and why it is not any more.
      const correctionOf = new Map<number, { before: AttendanceStatus; reason: string }>();
      for (const c of corrections) correctionOf.set(c.pupilId, { before: correctionOf.get(c.pupilId)?.before ?? c.before, reason: c.reason });
      rows = booked.map((row) => {
        const correction = correctionOf.get(row.pupilId);
        return correction && correction.before !== row.status ? { ...row, correction } : row;
      });
    } else {
      rows = service.service ? await openDayRows(db, ente.id, school.id, date) : [];
    }
    const classes = [...Map.groupBy(rows, (row) => row.className)].map(([className, pupils]) => ({ className, pupils }));
    const statusOf = (row: Row): AttendanceStatus => row.status ?? 'present';
    return {
      school: { id: school.id, name: school.name },
      date,
      phase,
      service,
      cutoffAt: cutoffInstant(date, ente.cutoff_time).toISOString(),
      frozenAt: state.frozenAt,
      charging: state.charging,
      classes,
      totals: {
        pupils: rows.length,
        present: rows.filter((r) => statusOf(r) === 'present').length,
        lightMeals: rows.filter((r) => statusOf(r) === 'light_meal').length,
        absent: rows.filter((r) => statusOf(r) === 'absent').length,
      },
      mayCorrect: may(office, 'attendance.correct'),
    };
  }

  /**
   * The school marks a class before the cut-off: the pupils newly ticked absent are not booked (a change
   * with source 'school'), those newly unticked are booked present (the absence, whoever set it, is
   * undone). Only what changed on the form since it was shown is applied: a parent's notice that arrived
   * meanwhile for a pupil the teacher did not touch stays.
   */
  async function markClass(office: OperatorContext, input: { schoolId: number; date: string; shownAbsent: number[]; absent: number[] }) {
    requirePermission(office, 'attendance.mark');
    requireSchool(office, input.schoolId);
    checkDate(input.date);
    const { ente } = office;
    const { date } = input;
    const school = await schoolOf(ente, input.schoolId);
    const decision = attendanceChange(clock.now(), date, ente.cutoff_time);
    if (!decision.open) throw new InvalidInputError<AttendanceField>({ assenti: 'tooLate' });
    const service = await schoolServiceDay(ente, school, date);
    if (!service.service) throw new InvalidInputError<AttendanceField>({ assenti: 'noServiceDay' });
    const listed = new Set((await openDayRows(db, ente.id, school.id, date)).map((row) => row.pupilId));
    if (![...input.shownAbsent, ...input.absent].every((id) => listed.has(id))) throw new InvalidInputError<AttendanceField>({ assenti: 'pupilNotListed' });
    const shown = new Set(input.shownAbsent);
    const ticked = new Set(input.absent);
    const toAbsent = input.absent.filter((id) => !shown.has(id));
    const toPresent = input.shownAbsent.filter((id) => !ticked.has(id));
    const now = clock.now().toISOString();
    return transaction(db, async ({ db: trx }) => {
      let changed = 0;
      for (const pupilId of [...toAbsent, ...toPresent]) {
        const current = await trx.selectFrom('attendance_change').selectAll().where('pupil_id', '=', pupilId).where('date', '=', date).executeTakeFirst();
        const before = current ? { date, status: current.status, source: current.source } : { date, status: 'present', source: 'default' };
        if (toAbsent.includes(pupilId)) {
          if (current?.status === 'absent') continue;
          if (current) {
            await trx.updateTable('attendance_change').set({ status: 'absent', source: 'school', set_at: now }).where('pupil_id', '=', pupilId).where('date', '=', date).execute();
          } else {
            await trx.insertInto('attendance_change').values({ ente_id: ente.id, pupil_id: pupilId, date, status: 'absent', source: 'school', notice_id: null, set_at: now }).execute();
          }
          await writeChange(trx, clock, office, {
            action: 'office.attendance.absent',
            subjectType: 'pupil',
            subjectId: pupilId,
            before,
            after: { date, status: 'absent', source: 'school' },
          });
        } else {
          if (!current) continue;
          await trx.deleteFrom('attendance_change').where('pupil_id', '=', pupilId).where('date', '=', date).execute();
          await writeChange(trx, clock, office, {
            action: 'office.attendance.present',
            subjectType: 'pupil',
            subjectId: pupilId,
            before,
            after: { date, status: 'present', source: 'school' },
          });
        }
        changed++;
      }
      return { changed };
    });
  }

  /** The pupil of a frozen day, for the correction form. */
  async function bookedPupil(office: OperatorContext, input: { pupilId: number; date: string }) {
    requirePermission(office, 'attendance.correct');
    checkDate(input.date);
    const row = await db
      .selectFrom('attendance as a')
      .innerJoin('pupil as p', 'p.id', 'a.pupil_id')
      .innerJoin('person as per', 'per.id', 'p.person_id')
      .innerJoin('school as s', 's.id', 'a.school_id')
      .select(['a.pupil_id as pupilId', 'a.status', 'a.source', 'a.school_id as schoolId', 's.name as schoolName', 'p.class_name as className', 'per.given_name as givenName', 'per.family_name as familyName'])
      .where('a.ente_id', '=', office.ente.id)
      .where('a.pupil_id', '=', input.pupilId)
      .where('a.date', '=', input.date)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('attendance');
    const corrections = await db
      .selectFrom('attendance_correction')
      .select(['status_before as before', 'status_after as after', 'reason', 'author', 'created_at as createdAt'])
      .where('ente_id', '=', office.ente.id)
      .where('pupil_id', '=', input.pupilId)
      .where('date', '=', input.date)
      .orderBy('id')
      .execute();
    return { ...row, date: input.date, corrections };
  }

  /** A pupil of the school on the open day, for the phoned-in absence form. */
  async function listedPupil(office: OperatorContext, input: { schoolId: number; pupilId: number; date: string }) {
    requirePermission(office, 'attendance.correct');
    checkDate(input.date);
    const school = await schoolOf(office.ente, input.schoolId);
    const [row] = await openDayRows(db, office.ente.id, school.id, input.date, input.pupilId);
    if (!row) throw new NotFoundError('pupil');
    return { ...row, schoolId: school.id, schoolName: school.name };
  }

  /**
   * The office corrects a frozen day with a reason (sent home ill, a trip): the attendance row now says
   * what happened, a correction row says what it was and why, and — when the day is already charged — the
   * difference goes into the ledger: a storno credits a meal charged, a charge adds one not charged, a
   * storno of the storno restores one credited by mistake. Nothing is edited. When the day is not charged
   * yet the charging reads the corrected row. Idempotent: the same form again finds its correction; a
   * second correction to the same state changes nothing.
   */
  async function correct(
    office: OperatorContext,
    input: { pupilId: number; date: string; status: AttendanceStatus; reason: string; submissionKey: string },
  ): Promise<{ outcome: 'corrected' | 'unchanged'; chargeId: number | null }> {
    requirePermission(office, 'attendance.correct');
    const { ente, operator } = office;
    const problems: Partial<Record<AttendanceField, string>> = {};
    if (!isCalendarDate(input.date)) problems.data = 'dateInvalid';
    const reason = input.reason.trim();
    if (reason.length < REASON_MIN) problems.motivo = 'reasonRequired';
    else if (reason.length > REASON_MAX) problems.motivo = 'tooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);

    const previousOf = (executor: Kysely<DB>) =>
      executor
        .selectFrom('attendance_correction')
        .select(['charge_id'])
        .where('ente_id', '=', ente.id)
        .where('author', '=', operator.fiscalCode)
        .where('submission_key', '=', input.submissionKey)
        .executeTakeFirst();
    const previous = await previousOf(db);
    if (previous) return { outcome: 'corrected', chargeId: previous.charge_id };

    const now = clock.now();
    return transaction(db, async ({ db: trx }) => {
      // The day's freeze row is the lock of its corrections and of its charging's claim (decision 0025):
      // this write takes SQLite's writer and PostgreSQL's row, so a charging run either claimed the day
      // before (it is seen below) or reads the attendance after this commits.
      const locked = await trx
        .updateTable('day_freeze')
        .set({ meals: sql`meals` })
        .where('ente_id', '=', ente.id)
        .where('date', '=', input.date)
        .where('completed_at', 'is not', null)
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) throw new InvalidInputError<AttendanceField>({ data: 'notFrozen' });
      // The same form sent twice at once: the second waited for the lock, and finds the first's correction.
      const sameForm = await previousOf(trx);
      if (sameForm) return { outcome: 'corrected' as const, chargeId: sameForm.charge_id };
      const booked = await trx.selectFrom('attendance').selectAll().where('ente_id', '=', ente.id).where('pupil_id', '=', input.pupilId).where('date', '=', input.date).executeTakeFirst();
      if (!booked) throw new InvalidInputError<AttendanceField>({ alunno: 'notBooked' });
      if (booked.status === input.status) return { outcome: 'unchanged' as const, chargeId: null };
      const charging = await trx.selectFrom('day_charge').select('completed_at').where('ente_id', '=', ente.id).where('date', '=', input.date).executeTakeFirst();
      if (charging && charging.completed_at === null) throw new InvalidInputError<AttendanceField>({ data: 'chargingRunning' });
      const chargeId = charging ? await settle(trx, ente, booked, input.status, { reason, author: operator.fiscalCode, now }) : null;
      await trx
        .updateTable('attendance')
        .set({ status: input.status, source: 'office' })
        .where('pupil_id', '=', booked.pupil_id)
        .where('date', '=', booked.date)
        .execute();
      const correction = await trx
        .insertInto('attendance_correction')
        .values({
          ente_id: ente.id,
          pupil_id: booked.pupil_id,
          date: booked.date,
          school_id: booked.school_id,
          diet_code: booked.diet_code,
          status_before: booked.status,
          status_after: input.status,
          reason,
          charge_id: chargeId,
          author: operator.fiscalCode,
          created_at: now.toISOString(),
          submission_key: input.submissionKey,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeChange(trx, clock, office, {
        action: 'office.attendance.correct',
        subjectType: 'pupil',
        subjectId: booked.pupil_id,
        before: { date: booked.date, status: booked.status, source: booked.source },
        after: { date: booked.date, status: input.status, source: 'office', reason, correction_id: correction.id, charge_id: chargeId },
      });
      return { outcome: 'corrected' as const, chargeId };
    });
  }

  /**
   * The difference a correction of a charged day makes in the ledger; the id of the charge or storno
   * written, or null when nothing is owed either way. The meal's charge for the day is unique (the
   * charge_once_per_day index), its stornos form a chain (reverses_charge_id, unique): an odd chain is
   * charged, an even one credited.
   */
  async function settle(
    trx: Kysely<DB>,
    ente: Ente,
    booked: { pupil_id: number; enrolment_id: number; date: string },
    status: AttendanceStatus,
    input: { reason: string; author: string; now: Date },
  ): Promise<number | null> {
    const { date } = booked;
    const original = await trx
      .selectFrom('charge')
      .selectAll()
      .where('enrolment_id', '=', booked.enrolment_id)
      .where('date', '=', date)
      .where('kind', '<>', sql.lit('storno'))
      .executeTakeFirst();
    const stornoReason = `${status === 'absent' ? 'Correzione presenze' : 'Ripristino pasto'} del ${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}: ${input.reason}`;
    if (original) {
      const chain = [original];
      for (;;) {
        const next = await trx.selectFrom('charge').selectAll().where('reverses_charge_id', '=', chain.at(-1)!.id).executeTakeFirst();
        if (!next) break;
        chain.push(next);
      }
      const charged = chain.length % 2 === 1;
      if (status === 'absent') return charged ? (await writeStorno(trx, ente, chain.at(-1)!, { ...input, reason: stornoReason })).stornoId : null;
      if (original.kind !== (status === 'present' ? 'meal' : 'light_meal')) throw new InvalidInputError<AttendanceField>({ stato: 'otherKindCharged' });
      return charged ? null : (await writeStorno(trx, ente, chain.at(-1)!, { ...input, reason: stornoReason })).stornoId;
    }
    if (status === 'absent') return null;
    return chargeMeal(trx, ente, booked, status, input);
  }

  /** A meal not charged at the freeze (the pupil was booked absent) charged for its day, as the charging would have. */
  async function chargeMeal(
    trx: Kysely<DB>,
    ente: Ente,
    booked: { pupil_id: number; enrolment_id: number; date: string },
    status: 'present' | 'light_meal',
    input: { author: string; now: Date },
  ): Promise<number | null> {
    const { date } = booked;
    const enrolment = await trx
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .select([
        'e.id as enrolmentId', 'e.pupil_id as pupilId', 'e.service_id as serviceId', 'e.school_year_id as schoolYearId', 's.billing',
        termInForce('tariff_id', 'e', date).as('tariffId'), termInForce('holder_person_id', 'e', date).as('holderPersonId'),
      ])
      .where('e.id', '=', booked.enrolment_id)
      .executeTakeFirstOrThrow();
    const tariffs = await loadTariffContext(trx, ente, date, { holderPersonId: enrolment.holderPersonId });
    // A canteen with a monthly fee is billed by the month, not by the meal: nothing to add.
    if (tariffs.unitOf(enrolment.tariffId) !== 'pasto') return null;
    if (enrolment.billing === 'postpaid') {
      // A charge dated in a month already billed would never reach a document.
      const billed = await trx
        .selectFrom('document')
        .select('id')
        .where('enrolment_id', '=', enrolment.enrolmentId)
        .where('period', '=', date.slice(0, 7))
        .executeTakeFirst();
      if (billed) throw new InvalidInputError<AttendanceField>({ data: 'monthBilled' });
    }
    const lightMeal = status === 'light_meal';
    const price = tariffs.priceOf(enrolment, { free: lightMeal && !ente.charge_light_meals });
    const row = mealCharge(ente, enrolment, date, price, { lightMeal, author: input.author, now: input.now.toISOString() });
    // The unique index on (enrolment, day) refuses a second charge of the meal, whatever the code did.
    const charge = await trx.insertInto('charge').values(row).returning(['id', 'amount_cents', 'kind']).executeTakeFirstOrThrow();
    if (enrolment.billing === 'prepaid') {
      const badge = await trx
        .selectFrom('badge')
        .select('id')
        .where('pupil_id', '=', enrolment.pupilId)
        .where('service_id', '=', enrolment.serviceId)
        .where('active', '=', sql.lit(1))
        .executeTakeFirst();
      if (badge) {
        await trx
          .insertInto('movement')
          .values({
            ente_id: ente.id, badge_id: badge.id, amount_cents: -charge.amount_cents, kind: charge.kind as 'meal' | 'light_meal', value_date: date,
            charge_id: charge.id, reverses_movement_id: null, note: null, author: input.author, created_at: input.now.toISOString(),
          })
          .execute();
      }
    }
    return charge.id;
  }

  /** Today in Rome by the service's clock: the page's default day. */
  function today(): string {
    return romeDate(clock.now());
  }

  return { schools, defaultSchool, dayList, markClass, bookedPupil, listedPupil, correct, today, requireSchool };
}

export type AttendanceService = ReturnType<typeof createAttendanceService>;
