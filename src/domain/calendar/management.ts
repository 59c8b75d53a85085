import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { updateVersioned } from '../../db/versioned';
import { writeChange } from '../audit/audit';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { cutoffInstant } from './cutoff';
import { addDays, daysBetween, romeDate } from './local-time';

/** The page size of the closures' list. */
export const CLOSURES_PAGE = 50;
/** A closure or a school year covers at most a year of days. */
export const MAX_RANGE_DAYS = 366;
/** The longest reason a closure may have: it is one line on the parents' Refezione page. */
export const MAX_REASON_LENGTH = 200;

export interface SchoolYearInput {
  label: string;
  startsOn: string;
  endsOn: string;
}

export interface ClosureInput {
  /** null: the whole ente. */
  schoolId: number | null;
  from: string;
  to: string;
  reason: string;
}

/** Which closures the list shows: all, the whole ente's only, or one school's own. */
export type ClosureScope = { kind: 'all' } | { kind: 'ente' } | { kind: 'school'; schoolId: number };

export type YearField = 'anno' | 'inizio' | 'fine';
export type ClosureField = 'scuola' | 'dal' | 'al' | 'motivo';

export interface SchoolYearRow {
  id: number;
  label: string;
  startsOn: string;
  endsOn: string;
  version: number;
}

function yearRows(db: Kysely<DB>, enteId: number) {
  return db.selectFrom('school_year').select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn', 'version']).where('ente_id', '=', enteId);
}

function closureRows(db: Kysely<DB>, enteId: number) {
  return db
    .selectFrom('closure_period as c')
    .leftJoin('school', (join) => join.onRef('school.id', '=', 'c.school_id').on('school.ente_id', '=', enteId))
    .select(['c.id as id', 'c.school_id as schoolId', 'school.name as schoolName', 'c.starts_on as startsOn', 'c.ends_on as endsOn', 'c.reason as reason', 'c.author as author', 'c.created_at as createdAt'])
    .where('c.ente_id', '=', enteId);
}

export type ClosureRow = Awaited<ReturnType<ReturnType<typeof closureRows>['executeTakeFirstOrThrow']>>;

/** What an audit event keeps of a school year and of a closure (columns' names: the log names them). */
const describedYear = (year: { label: string; startsOn: string; endsOn: string }) => ({ label: year.label, starts_on: year.startsOn, ends_on: year.endsOn });
const describedClosure = (closure: { schoolId: number | null; startsOn: string; endsOn: string; reason: string }) => ({
  school_id: closure.schoolId,
  starts_on: closure.startsOn,
  ends_on: closure.endsOn,
  reason: closure.reason,
});

/**
 * The ente's calendar, managed by the office (issue 14, decision 0021): its school years and its closures
 * (holidays, strikes, trips) of the whole ente or of one school, with the reason parents read on the
 * Refezione page. Meals are booked by the daily freeze, which books nobody at a closed school: a closure
 * entered for a day still open removes that day's meals, and the parents' notices of that day stay
 * recorded. A day already decided — frozen, or past today's cut-off — is never closed, reopened, moved
 * into or out of a school year here: its meals are corrected through attendance corrections.
 */
export function createCalendarManagement(db: Kysely<DB>, clock: Clock) {
  /**
   * The first day whose meals are not decided yet: today until its cut-off, then tomorrow; and always after
   * the last day the freeze has claimed (a day being frozen is decided too).
   */
  async function firstOpenDay(trx: Kysely<DB>, ente: OperatorContext['ente']): Promise<string> {
    const now = clock.now();
    const today = romeDate(now);
    const byClock = now.getTime() < cutoffInstant(today, ente.cutoff_time).getTime() ? today : addDays(today, 1);
    const frozen = await trx.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', ente.id).executeTakeFirst();
    const afterFrozen = frozen?.date ? addDays(frozen.date, 1) : byClock;
    return afterFrozen > byClock ? afterFrozen : byClock;
  }

  // --- School years ---

  async function years(office: OperatorContext): Promise<SchoolYearRow[]> {
    requirePermission(office, 'calendar.manage');
    return yearRows(db, office.ente.id).orderBy('starts_on', 'desc').execute();
  }

  async function year(office: OperatorContext, yearId: number): Promise<SchoolYearRow & { firstOpenDay: string }> {
    requirePermission(office, 'calendar.manage');
    const row = await yearRows(db, office.ente.id).where('id', '=', yearId).executeTakeFirst();
    if (!row) throw new NotFoundError('school year');
    return { ...row, firstOpenDay: await firstOpenDay(db, office.ente) };
  }

  /** The rules of a year's dates that need no other row: the label's years, order, length. */
  function checkYearDates(input: SchoolYearInput): void {
    const problems: Partial<Record<YearField, string>> = {};
    const [first, second] = input.label.split('/').map(Number) as [number, number];
    if (Number(input.startsOn.slice(0, 4)) !== first) problems.inizio = 'startOutsideLabel';
    if (Number(input.endsOn.slice(0, 4)) !== second) problems.fine = 'endOutsideLabel';
    else if (input.endsOn <= input.startsOn) problems.fine = 'rangeReversed';
    else if (daysBetween(input.startsOn, input.endsOn) >= MAX_RANGE_DAYS) problems.fine = 'yearTooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
  }

  /** Another year of the ente sharing a day with these dates: the freeze and the pages take one year per day. */
  async function overlappingYear(trx: Kysely<DB>, enteId: number, input: SchoolYearInput, exceptId?: number) {
    let query = yearRows(trx, enteId).where('starts_on', '<=', input.endsOn).where('ends_on', '>=', input.startsOn);
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    return query.executeTakeFirst();
  }

  /** Creates a school year: its days must all be open (a year does not reach back over decided days). */
  async function createYear(office: OperatorContext, input: SchoolYearInput): Promise<number> {
    requirePermission(office, 'calendar.manage');
    checkYearDates(input);
    try {
      return await transaction(db, async (tx) => {
        const enteId = office.ente.id;
        if (await yearRows(tx.db, enteId).where('label', '=', input.label).executeTakeFirst()) throw new InvalidInputError<YearField>({ anno: 'labelTaken' });
        if (await overlappingYear(tx.db, enteId, input)) throw new InvalidInputError<YearField>({ inizio: 'overlapsYear' });
        if (input.startsOn < (await firstOpenDay(tx.db, office.ente))) throw new InvalidInputError<YearField>({ inizio: 'startDecided' });
        const inserted = await tx.db
          .insertInto('school_year')
          .values({ ente_id: enteId, label: input.label, starts_on: input.startsOn, ends_on: input.endsOn })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeChange(tx.db, clock, office, { action: 'office.schoolYear.add', subjectType: 'schoolYear', subjectId: inserted.id, before: null, after: describedYear(input) });
        return inserted.id;
      });
    } catch (error) {
      // Two offices creating the same year at once: the unique label refuses the second.
      if (uniqueViolation(error) !== undefined) throw new InvalidInputError<YearField>({ anno: 'labelTaken' });
      throw error;
    }
  }

  /**
   * Changes a year's first and last day, from the version the form was made from. The days a change
   * moves into or out of the year must all be open: a frozen or charged day stays where it was booked.
   * The year's closures must stay inside it.
   */
  async function changeYearDates(office: OperatorContext, yearId: number, version: number, dates: Omit<SchoolYearInput, 'label'>): Promise<void> {
    requirePermission(office, 'calendar.manage');
    await transaction(db, async (tx) => {
      const enteId = office.ente.id;
      const current = await yearRows(tx.db, enteId).where('id', '=', yearId).executeTakeFirst();
      if (!current) throw new NotFoundError('school year');
      const input = { label: current.label, ...dates };
      checkYearDates(input);
      const open = await firstOpenDay(tx.db, office.ente);
      const problems: Partial<Record<YearField, string>> = {};
      // The days between the old and the new first day (or last day) change year: none may be decided.
      if (input.startsOn !== current.startsOn && (input.startsOn < current.startsOn ? input.startsOn : current.startsOn) < open) problems.inizio = 'startDecided';
      if (input.endsOn !== current.endsOn && addDays(input.endsOn < current.endsOn ? input.endsOn : current.endsOn, 1) < open) problems.fine = 'endDecided';
      if (Object.keys(problems).length) throw new InvalidInputError(problems);
      if (await overlappingYear(tx.db, enteId, input, yearId)) throw new InvalidInputError<YearField>({ inizio: 'overlapsYear' });
      const outside = await tx.db
        .selectFrom('closure_period')
        .select(['starts_on', 'ends_on'])
        .where('ente_id', '=', enteId)
        .where('starts_on', '>=', current.startsOn)
        .where('starts_on', '<=', current.endsOn)
        .where((eb) => eb.or([eb('starts_on', '<', input.startsOn), eb('ends_on', '>', input.endsOn)]))
        .executeTakeFirst();
      if (outside) throw new InvalidInputError<YearField>(outside.starts_on < input.startsOn ? { inizio: 'closuresOutside' } : { fine: 'closuresOutside' });
      await updateVersioned(tx.db, 'school_year', { id: yearId, enteId, version }, { starts_on: input.startsOn, ends_on: input.endsOn });
      await writeChange(tx.db, clock, office, {
        action: 'office.schoolYear.dates',
        subjectType: 'schoolYear',
        subjectId: yearId,
        before: describedYear(current),
        after: describedYear(input),
      });
    });
  }

  // --- Closures ---

  async function schools(office: OperatorContext) {
    requirePermission(office, 'calendar.manage');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').execute();
  }

  /** A school year's closures, the latest days first (the coming ones at the top), in keyset pages. */
  async function closures(office: OperatorContext, yearId: number, scope: ClosureScope, cursor?: string): Promise<Page<ClosureRow>> {
    requirePermission(office, 'calendar.manage');
    const enteId = office.ente.id;
    const schoolYear = await yearRows(db, enteId).where('id', '=', yearId).executeTakeFirst();
    if (!schoolYear) throw new NotFoundError('school year');
    let query = closureRows(db, enteId).where('c.starts_on', '>=', schoolYear.startsOn).where('c.starts_on', '<=', schoolYear.endsOn);
    if (scope.kind === 'ente') query = query.where('c.school_id', 'is', null);
    if (scope.kind === 'school') query = query.where('c.school_id', '=', scope.schoolId);
    const after = decodeCursor(cursor, ['string', 'number'] as const);
    if (after) {
      const [startsOn, id] = after;
      query = query.where((eb) => eb.or([eb('c.starts_on', '<', startsOn), eb.and([eb('c.starts_on', '=', startsOn), eb('c.id', '<', id)])]));
    }
    const rows = await query
      .orderBy('c.starts_on', 'desc')
      .orderBy('c.id', 'desc')
      .limit(sql.lit(CLOSURES_PAGE + 1))
      .execute();
    return pageOf(rows, CLOSURES_PAGE, (row) => [row.startsOn, row.id]);
  }

  /** One closure, and whether it may still be removed (none of its days decided). */
  async function closure(office: OperatorContext, closureId: number): Promise<ClosureRow & { removable: boolean; firstOpenDay: string }> {
    requirePermission(office, 'calendar.manage');
    const row = await closureRows(db, office.ente.id).where('c.id', '=', closureId).executeTakeFirst();
    if (!row) throw new NotFoundError('closure');
    const open = await firstOpenDay(db, office.ente);
    return { ...row, removable: row.startsOn >= open, firstOpenDay: open };
  }

  /** The school year that holds a day, if any. */
  function yearOfDay(trx: Kysely<DB>, enteId: number, date: string) {
    return yearRows(trx, enteId).where('starts_on', '<=', date).where('ends_on', '>=', date).executeTakeFirst();
  }

  /**
   * Closes the ente or one school from a day to a day. Every day must be open (not frozen, before today's
   * cut-off), inside one school year, and not closed already for the same school (or the whole ente).
   * The period and its days are written with the audit event; the check of open days is made again
   * last, so a closure that took until the cut-off to commit is refused rather than reaching a day the
   * freeze may be booking (decision 0021).
   */
  async function addClosure(office: OperatorContext, input: ClosureInput): Promise<number> {
    requirePermission(office, 'calendar.manage');
    const problems: Partial<Record<ClosureField, string>> = {};
    if (input.to < input.from) problems.al = 'rangeReversed';
    else if (daysBetween(input.from, input.to) >= MAX_RANGE_DAYS) problems.al = 'rangeTooLong';
    const reason = input.reason.trim();
    if (reason === '') problems.motivo = 'required';
    else if (reason.length > MAX_REASON_LENGTH) problems.motivo = 'tooLong';
    if (Object.keys(problems).length) throw new InvalidInputError(problems);
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      if (input.schoolId !== null) {
        const school = await tx.db.selectFrom('school').select('id').where('ente_id', '=', enteId).where('id', '=', input.schoolId).executeTakeFirst();
        if (!school) throw new InvalidInputError<ClosureField>({ scuola: 'schoolUnknown' });
      }
      if (input.from < (await firstOpenDay(tx.db, office.ente))) throw new InvalidInputError<ClosureField>({ dal: 'dayDecided' });
      const schoolYear = await yearOfDay(tx.db, enteId, input.from);
      if (!schoolYear) throw new InvalidInputError<ClosureField>({ dal: 'outsideYear' });
      if (input.to > schoolYear.endsOn) throw new InvalidInputError<ClosureField>({ al: 'outsideYear' });
      // A period never spans more than MAX_RANGE_DAYS, so one starting before that cannot reach `from`.
      const overlapping = await tx.db
        .selectFrom('closure_period')
        .select('id')
        .where('ente_id', '=', enteId)
        .where('school_id', input.schoolId === null ? 'is' : '=', input.schoolId)
        .where('starts_on', '>=', addDays(input.from, -MAX_RANGE_DAYS))
        .where('starts_on', '<=', input.to)
        .where('ends_on', '>=', input.from)
        .executeTakeFirst();
      if (overlapping) throw new InvalidInputError<ClosureField>({ dal: 'overlapsClosure' });
      const period = await tx.db
        .insertInto('closure_period')
        .values({
          ente_id: enteId,
          school_id: input.schoolId,
          starts_on: input.from,
          ends_on: input.to,
          reason,
          author: office.operator.fiscalCode,
          created_at: clock.now().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const days: { ente_id: number; school_id: number | null; date: string; reason: string; period_id: number }[] = [];
      for (let date = input.from; date <= input.to; date = addDays(date, 1)) days.push({ ente_id: enteId, school_id: input.schoolId, date, reason, period_id: period.id });
      await tx.db.insertInto('closure').values(days).execute();
      await writeChange(tx.db, clock, office, {
        action: 'office.closure.add',
        subjectType: 'closure',
        subjectId: period.id,
        before: null,
        after: describedClosure({ schoolId: input.schoolId, startsOn: input.from, endsOn: input.to, reason }),
      });
      if (input.from < (await firstOpenDay(tx.db, office.ente))) throw new InvalidInputError<ClosureField>({ dal: 'dayDecided' });
      return period.id;
    });
  }

  /**
   * Removes a closure none of whose days is decided yet: its days are served again, and the notices
   * parents gave for them count again. A closure already begun stays as it was booked.
   */
  async function removeClosure(office: OperatorContext, closureId: number): Promise<void> {
    requirePermission(office, 'calendar.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const current = await closureRows(tx.db, enteId).where('c.id', '=', closureId).executeTakeFirst();
      if (!current) throw new NotFoundError('closure');
      // The days go first: they take the write lock (SQLite) or the rows (PostgreSQL) before the check.
      await tx.db.deleteFrom('closure').where('ente_id', '=', enteId).where('period_id', '=', closureId).execute();
      await tx.db.deleteFrom('closure_period').where('ente_id', '=', enteId).where('id', '=', closureId).execute();
      if (current.startsOn < (await firstOpenDay(tx.db, office.ente))) throw new InvalidInputError({ rimuovi: 'removeDecided' });
      await writeChange(tx.db, clock, office, { action: 'office.closure.remove', subjectType: 'closure', subjectId: closureId, before: describedClosure(current), after: null });
    });
  }

  /** The first day a closure may start on (the new closure form tells it). */
  function openFrom(office: OperatorContext): Promise<string> {
    requirePermission(office, 'calendar.manage');
    return firstOpenDay(db, office.ente);
  }

  return { openFrom, years, year, createYear, changeYearDates, schools, closures, closure, addClosure, removeClosure };
}

export type CalendarManagement = ReturnType<typeof createCalendarManagement>;
