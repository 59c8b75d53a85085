import { type Kysely, sql } from 'kysely';
import type { DB, OperatorRole } from '../../db/schema';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import { transaction } from '../../db/transaction';
import { updateVersioned } from '../../db/versioned';
import { writeChange } from '../audit/audit';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from './context';

/** The page size of the operators' list. */
export const OPERATORS_PAGE = 50;

export interface OperatorInput {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  role: OperatorRole;
  /** The school of a `scuola` operator; ignored (null) for the other roles. */
  schoolId: number | null;
}

const COLUMNS = [
  'operator.id as id',
  'operator.fiscal_code as fiscalCode',
  'operator.given_name as givenName',
  'operator.family_name as familyName',
  'operator.role as role',
  'operator.school_id as schoolId',
  'school.name as schoolName',
  'operator.active as active',
  'operator.version as version',
] as const;

function operatorRows(db: Kysely<DB>, enteId: number) {
  return db
    .selectFrom('operator')
    .leftJoin('school', (join) => join.onRef('school.id', '=', 'operator.school_id').on('school.ente_id', '=', enteId))
    .select(COLUMNS)
    .where('operator.ente_id', '=', enteId);
}

export type OperatorListRow = Awaited<ReturnType<ReturnType<typeof operatorRows>['executeTakeFirstOrThrow']>>;

/** What an audit event keeps of an operator. */
function described(row: { fiscalCode: string; givenName: string; familyName: string; role: OperatorRole; schoolId: number | null; active: number }) {
  return { fiscalCode: row.fiscalCode, givenName: row.givenName, familyName: row.familyName, role: row.role, schoolId: row.schoolId, active: row.active === 1 };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Takes the write lock on the ente's active administrators before they are counted, so that two changes
 * that would each leave one administrator cannot both pass the count: on PostgreSQL the update locks the
 * rows (a concurrent change waits, then sees the first one's result); on SQLite the first write of a
 * transaction takes the database's single writer lock before anything is read. The update changes nothing.
 */
async function lockAdministrators(trx: Kysely<DB>, enteId: number): Promise<void> {
  await trx
    .updateTable('operator')
    .set((eb) => ({ version: eb.ref('version') }))
    .where('ente_id', '=', enteId)
    .where('role', '=', sql.lit('amministratore'))
    .where('active', '=', sql.lit(1))
    .execute();
}

async function otherAdministrators(trx: Kysely<DB>, enteId: number, exceptId: number): Promise<number> {
  const row = await trx
    .selectFrom('operator')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('ente_id', '=', enteId)
    .where('role', '=', sql.lit('amministratore'))
    .where('active', '=', sql.lit(1))
    .where('id', '<>', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * The ente's operators, managed by its amministratore (permission `operators.manage`). A removed operator
 * is deactivated, not deleted, so the activity log keeps naming who did what; adding the same codice
 * fiscale again reactivates the row. The last active amministratore can be neither removed nor demoted.
 * The scope reads the operator on every request, so a removal or a change of role holds from the next one.
 */
export function createOperatorManagement(db: Kysely<DB>, clock: Clock) {
  async function list(office: OperatorContext, { cursor, includeRemoved = false }: { cursor?: string; includeRemoved?: boolean } = {}): Promise<Page<OperatorListRow>> {
    requirePermission(office, 'operators.manage');
    const after = decodeCursor(cursor, ['string', 'string', 'number'] as const);
    let query = operatorRows(db, office.ente.id);
    if (!includeRemoved) query = query.where('operator.active', '=', sql.lit(1));
    if (after) {
      const [family, given, id] = after;
      query = query.where((eb) =>
        eb.or([
          eb('operator.family_name', '>', family),
          eb.and([eb('operator.family_name', '=', family), eb('operator.given_name', '>', given)]),
          eb.and([eb('operator.family_name', '=', family), eb('operator.given_name', '=', given), eb('operator.id', '>', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('operator.family_name')
      .orderBy('operator.given_name')
      .orderBy('operator.id')
      .limit(sql.lit(OPERATORS_PAGE + 1))
      .execute();
    return pageOf(rows, OPERATORS_PAGE, (r) => [r.familyName, r.givenName, r.id]);
  }

  async function get(office: OperatorContext, operatorId: number): Promise<OperatorListRow> {
    requirePermission(office, 'operators.manage');
    const row = await operatorRows(db, office.ente.id).where('operator.id', '=', operatorId).executeTakeFirst();
    if (!row) throw new NotFoundError('operator');
    return row;
  }

  /** The ente's schools, for the school of a `scuola` operator. */
  async function schools(office: OperatorContext) {
    requirePermission(office, 'operators.manage');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').execute();
  }

  /** The school of the input, checked to be the ente's; null for the roles without one. */
  async function schoolOf(trx: Kysely<DB>, office: OperatorContext, input: Pick<OperatorInput, 'role' | 'schoolId'>): Promise<number | null> {
    if (input.role !== 'scuola') return null;
    if (input.schoolId === null) throw new InvalidInputError({ scuola: 'schoolRequired' });
    const school = await trx.selectFrom('school').select('id').where('ente_id', '=', office.ente.id).where('id', '=', input.schoolId).executeTakeFirst();
    if (!school) throw new InvalidInputError({ scuola: 'schoolUnknown' });
    return school.id;
  }

  /** Adds an operator, or reactivates a removed one with the same codice fiscale. */
  async function add(office: OperatorContext, input: OperatorInput): Promise<{ id: number; reactivated: boolean }> {
    requirePermission(office, 'operators.manage');
    try {
      return await transaction(db, async (tx) => {
        const schoolId = await schoolOf(tx.db, office, input);
        const values = { given_name: input.givenName, family_name: input.familyName, role: input.role, school_id: schoolId, active: 1 };
        const existing = await operatorRows(tx.db, office.ente.id).where('operator.fiscal_code', '=', input.fiscalCode).executeTakeFirst();
        if (existing?.active === 1) throw new InvalidInputError({ codice_fiscale: 'alreadyOperator' });
        if (existing) {
          await updateVersioned(tx.db, 'operator', { id: existing.id, enteId: office.ente.id, version: existing.version }, values);
          await writeChange(tx.db, clock, office, {
            action: 'office.operator.reactivate',
            subjectType: 'operator',
            subjectId: existing.id,
            before: described(existing),
            after: described({ ...existing, ...input, schoolId, active: 1 }),
          });
          return { id: existing.id, reactivated: true };
        }
        const inserted = await tx.db
          .insertInto('operator')
          .values({ ente_id: office.ente.id, fiscal_code: input.fiscalCode, ...values })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeChange(tx.db, clock, office, {
          action: 'office.operator.add',
          subjectType: 'operator',
          subjectId: inserted.id,
          before: null,
          after: described({ ...input, schoolId, active: 1 }),
        });
        return { id: inserted.id, reactivated: false };
      });
    } catch (error) {
      // Two offices adding the same person at once: the second finds the first's row.
      if (isUniqueViolation(error)) throw new InvalidInputError({ codice_fiscale: 'alreadyOperator' });
      throw error;
    }
  }

  /** Changes the role (and the school of a `scuola` operator), from the version the form was made from. */
  async function changeRole(office: OperatorContext, operatorId: number, version: number, input: Pick<OperatorInput, 'role' | 'schoolId'>): Promise<void> {
    requirePermission(office, 'operators.manage');
    await transaction(db, async (tx) => {
      await lockAdministrators(tx.db, office.ente.id);
      const current = await operatorRows(tx.db, office.ente.id).where('operator.id', '=', operatorId).executeTakeFirst();
      if (!current || current.active !== 1) throw new NotFoundError('operator');
      const schoolId = await schoolOf(tx.db, office, input);
      if (current.role === 'amministratore' && input.role !== 'amministratore' && (await otherAdministrators(tx.db, office.ente.id, operatorId)) === 0) {
        throw new InvalidInputError({ ruolo: 'lastAdministrator' });
      }
      await updateVersioned(tx.db, 'operator', { id: operatorId, enteId: office.ente.id, version }, { role: input.role, school_id: schoolId });
      await writeChange(tx.db, clock, office, {
        action: 'office.operator.role',
        subjectType: 'operator',
        subjectId: operatorId,
        before: described(current),
        after: described({ ...current, role: input.role, schoolId }),
      });
    });
  }

  /** Removes (deactivates) an operator, from the version the page was made from. */
  async function remove(office: OperatorContext, operatorId: number, version: number): Promise<void> {
    requirePermission(office, 'operators.manage');
    await transaction(db, async (tx) => {
      await lockAdministrators(tx.db, office.ente.id);
      const current = await operatorRows(tx.db, office.ente.id).where('operator.id', '=', operatorId).executeTakeFirst();
      if (!current || current.active !== 1) throw new NotFoundError('operator');
      if (current.role === 'amministratore' && (await otherAdministrators(tx.db, office.ente.id, operatorId)) === 0) {
        throw new InvalidInputError({ rimuovi: 'lastAdministrator' });
      }
      await updateVersioned(tx.db, 'operator', { id: operatorId, enteId: office.ente.id, version }, { active: 0 });
      await writeChange(tx.db, clock, office, {
        action: 'office.operator.remove',
        subjectType: 'operator',
        subjectId: operatorId,
        before: described(current),
        after: described({ ...current, active: 0 }),
      });
    });
  }

  return { list, get, schools, add, changeRole, remove };
}

export type OperatorManagement = ReturnType<typeof createOperatorManagement>;
