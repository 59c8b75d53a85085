import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import { transaction } from '../../db/transaction';
import { touchEnte, updateVersioned } from '../../db/versioned';
import { writeChange } from '../audit/audit';
import { parseWeekdays } from '../calendar/service-days';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';

export type SchoolLevel = DB['school']['level'];
export const SCHOOL_LEVELS: readonly SchoolLevel[] = ['nido', 'infanzia', 'primaria', 'secondaria'];
/** Monday to Saturday (ISO weekdays): Italian schools never serve a meal on Sunday. */
export const SERVICE_WEEKDAYS = [1, 2, 3, 4, 5, 6] as const;
export const SCHOOLS_PAGE = 50;

export interface SchoolInput {
  name: string;
  level: SchoolLevel;
  address: string;
  /** ISO weekdays of service, at least one, Monday to Saturday. */
  weekdays: number[];
}

const COLUMNS = ['id', 'name', 'level', 'address', 'service_weekdays', 'version'] as const;

export interface SchoolRow {
  id: number;
  name: string;
  level: SchoolLevel;
  address: string;
  weekdays: number[];
  version: number;
}

function rowOf(row: { id: number; name: string; level: SchoolLevel; address: string; service_weekdays: string; version: number }): SchoolRow {
  return { id: row.id, name: row.name, level: row.level, address: row.address, weekdays: parseWeekdays(row.service_weekdays), version: row.version };
}

function described(school: SchoolInput) {
  return { name: school.name, level: school.level, address: school.address, service_weekdays: school.weekdays.join(',') };
}

/** The weekdays as stored: sorted, once each, '1,2,3,4,5'. */
function storedWeekdays(weekdays: readonly number[]): string {
  return [...new Set(weekdays)].sort((a, b) => a - b).join(',');
}

/**
 * The ente's schools (permission `settings.manage`): name, level (the menus go by it), address and the
 * weekdays the canteen serves (the freeze and the parents' calendars go by them). Every save is audited,
 * names its version, and raises the ente's data version (a menu's days are cached by it). Schools are not
 * deleted here: one with pupils, enrolments or operators is referenced by them.
 */
export function createSchoolService(db: Kysely<DB>, clock: Clock) {
  function check(input: SchoolInput): void {
    const problems: Record<string, string> = {};
    if (!SCHOOL_LEVELS.includes(input.level)) problems.grado = 'levelInvalid';
    if (input.weekdays.length === 0) problems.giorni = 'weekdaysRequired';
    else if (input.weekdays.some((day) => !(SERVICE_WEEKDAYS as readonly number[]).includes(day))) problems.giorni = 'weekdaysInvalid';
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
  }

  /** Two schools of one ente with one name would make the import's "school by name" ambiguous. */
  async function nameTaken(trx: Kysely<DB>, enteId: number, name: string, exceptId?: number): Promise<boolean> {
    let query = trx.selectFrom('school').select('id').where('ente_id', '=', enteId).where(sql<string>`lower(name)`, '=', name.toLowerCase());
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async function list(office: OperatorContext, cursor?: string): Promise<Page<SchoolRow>> {
    requirePermission(office, 'settings.manage');
    const after = decodeCursor(cursor, ['string', 'number'] as const);
    let query = db.selectFrom('school').select(COLUMNS).where('ente_id', '=', office.ente.id);
    if (after) {
      const [name, id] = after;
      query = query.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
    }
    const rows = await query.orderBy('name').orderBy('id').limit(sql.lit(SCHOOLS_PAGE + 1)).execute();
    return pageOf(rows.map(rowOf), SCHOOLS_PAGE, (r) => [r.name, r.id]);
  }

  async function get(office: OperatorContext, schoolId: number): Promise<SchoolRow> {
    requirePermission(office, 'settings.manage');
    const row = await db.selectFrom('school').select(COLUMNS).where('ente_id', '=', office.ente.id).where('id', '=', schoolId).executeTakeFirst();
    if (!row) throw new NotFoundError('school');
    return rowOf(row);
  }

  async function create(office: OperatorContext, input: SchoolInput): Promise<number> {
    requirePermission(office, 'settings.manage');
    check(input);
    return transaction(db, async (tx) => {
      if (await nameTaken(tx.db, office.ente.id, input.name)) throw new InvalidInputError({ nome: 'schoolNameTaken' });
      const inserted = await tx.db
        .insertInto('school')
        .values({ ente_id: office.ente.id, name: input.name, level: input.level, address: input.address, service_weekdays: storedWeekdays(input.weekdays) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await touchEnte(tx.db, office.ente.id);
      await writeChange(tx.db, clock, office, { action: 'office.school.add', subjectType: 'school', subjectId: inserted.id, before: null, after: described(input) });
      return inserted.id;
    });
  }

  async function update(office: OperatorContext, schoolId: number, version: number, input: SchoolInput): Promise<void> {
    requirePermission(office, 'settings.manage');
    check(input);
    await transaction(db, async (tx) => {
      const current = await tx.db.selectFrom('school').select(COLUMNS).where('ente_id', '=', office.ente.id).where('id', '=', schoolId).executeTakeFirst();
      if (!current) throw new NotFoundError('school');
      if (await nameTaken(tx.db, office.ente.id, input.name, schoolId)) throw new InvalidInputError({ nome: 'schoolNameTaken' });
      await updateVersioned(tx.db, 'school', { id: schoolId, enteId: office.ente.id, version }, {
        name: input.name,
        level: input.level,
        address: input.address,
        service_weekdays: storedWeekdays(input.weekdays),
      });
      await touchEnte(tx.db, office.ente.id);
      await writeChange(tx.db, clock, office, {
        action: 'office.school.update',
        subjectType: 'school',
        subjectId: schoolId,
        before: described(rowOf(current)),
        after: described({ ...input, weekdays: parseWeekdays(storedWeekdays(input.weekdays)) }),
      });
    });
  }

  return { list, get, create, update };
}

export type SchoolService = ReturnType<typeof createSchoolService>;
