/**
 * Which unique constraint (or index) refused a write, on either engine, or undefined when the error is
 * not a unique violation. PostgreSQL names the constraint; SQLite names its columns, which are mapped
 * back to the constraint here. A service turns the known ones into the message of the field at fault
 * (a codice fiscale already in the registry…): the database, not a prior look-up, is what stops a race.
 */
const SQLITE_COLUMNS: Record<string, string> = {
  'person.ente_id, person.fiscal_code': 'person_fiscal_code',
  'pupil.ente_id, pupil.person_id': 'pupil_person',
  'pupil_holder.pupil_id, pupil_holder.person_id': 'pupil_holder_pk',
  'pupil_holder.pupil_id': 'pupil_holder_one_intestatario',
  'ente.tax_code': 'ente_tax_code',
};

export function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint, message } = (error ?? {}) as { code?: string; constraint?: string; message?: string };
  if (code === '23505') return constraint ?? 'unknown';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = /constraint failed: (.+)$/.exec(message ?? '')?.[1]?.trim() ?? '';
    return SQLITE_COLUMNS[columns] ?? 'unknown';
  }
  return undefined;
}
