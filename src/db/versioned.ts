import type { Kysely, Updateable } from 'kysely';
import { ConflictError } from '../domain/errors';
import type { DB } from './schema';

/** The tables whose rows carry a `version` (decision 0016). */
export type VersionedTable = 'person' | 'pupil' | 'enrolment' | 'badge' | 'operator' | 'school_year' | 'pupil_diet' | VersionedSettingsTable | VersionedMenuTable;
/** The ente itself (its settings page; its own id is its ente) and its schools (decision 0020). */
type VersionedSettingsTable = 'ente' | 'school';
/** Dishes, menu plans and special menus (decision 0023). */
type VersionedMenuTable = 'dish' | 'menu_plan' | 'menu_special';

/**
 * Saves `values` on one row of the ente only if it still has the version the form was made from, and
 * raises its version; otherwise refuses with the values stored now (ConflictError). Two operators saving
 * the same record from the same version: the first wins, the second is told what the first changed.
 */
export async function updateVersioned<T extends VersionedTable>(
  trx: Kysely<DB>,
  table: T,
  row: { id: number; enteId: number; version: number },
  values: Updateable<DB[T]>,
): Promise<void> {
  // Kysely cannot relate a generic table name to its columns; the columns used here exist on each of them.
  type Row = { id: number; ente_id: number; version: number };
  const db = trx as unknown as Kysely<{ versioned: Row }>;
  const name = table as unknown as 'versioned';
  // The ente row is its own ente: its id is the ente's.
  const enteColumn = (table === 'ente' ? 'id' : 'ente_id') as 'ente_id';
  const result = await db
    .updateTable(name)
    .set({ ...(values as object), version: row.version + 1 })
    .where('id', '=', row.id)
    .where(enteColumn, '=', row.enteId)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return;
  const current = await db.selectFrom(name).selectAll().where('id', '=', row.id).where(enteColumn, '=', row.enteId).executeTakeFirst();
  throw new ConflictError((current ?? {}) as Record<string, unknown>);
}

/** Raises the ente's data version in the transaction of a change that a cache may hold (decision 0016). */
export async function touchEnte(trx: Kysely<DB>, enteId: number): Promise<void> {
  await trx
    .updateTable('ente')
    .set((eb) => ({ data_version: eb('data_version', '+', 1) }))
    .where('id', '=', enteId)
    .execute();
}
