import { type Kysely, sql } from 'kysely';
import { DIET_CODES } from '../../domain/diets/codes';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Special diets from a date (issue 14, decision 0024): `pupil_diet` holds a pupil's diet requests, with the
 * reason (special-category data), the certificate or declaration, and the days the office approved it for.
 * The freeze and the parents' Refezione read the diet in force on each day from it; `pupil.diet_code` (one
 * value with no dates) is moved here — each one as a diet approved from the pupil's first enrolment — and
 * dropped, so nothing can read a diet that is not the day's.
 */
export const pupilDiets: AppMigration = {
  name: '0025_pupil_diets',
  async up(db: Kysely<unknown>, dialect) {
    const codes = sql.join(DIET_CODES.map((code) => sql.lit(code)));
    await withId(db.schema.createTable('pupil_diet'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('diet_code', 'text', (c) => c.notNull().check(sql`diet_code in (${codes})`))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('medical', 'ethical', 'religious')`))
      .addColumn('reason', 'text', (c) => c.notNull())
      // A deleted attachment leaves the diet without its certificate (the page says so), not a dangling id.
      .addColumn('certificate_attachment_id', 'integer', (c) => c.references('attachment.id').onDelete('set null'))
      .addColumn('declared_on', 'text')
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('richiesta', 'approvata', 'respinta', 'terminata')`))
      .addColumn('approved_from', 'text')
      .addColumn('approved_to', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addColumn('recorded_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      // An approved diet has its first day; its last is on or after it (or none: until ended).
      .addCheckConstraint('pupil_diet_approved_range', sql`state not in ('approvata', 'terminata') or (approved_from is not null and (approved_to is null or approved_to >= approved_from))`)
      .execute();
    // The freeze and the Refezione: the diet of a pupil in force on a day is one probe of this index.
    await db.schema.createIndex('pupil_diet_pupil_from').on('pupil_diet').columns(['pupil_id', 'approved_from']).execute();
    // The office's list of an ente's diets by state.
    await db.schema.createIndex('pupil_diet_ente_state').on('pupil_diet').columns(['ente_id', 'state', 'pupil_id']).execute();

    const unknown = await sql<{ code: string }>`select distinct diet_code as code from pupil where diet_code is not null and diet_code not in (${codes})`.execute(db);
    if (unknown.rows.length > 0) {
      throw new Error(`pupils have diet codes outside the fixed list (${unknown.rows.map((r) => r.code).join(', ')}): map them to ${DIET_CODES.join(', ')} first`);
    }
    const now = new Date().toISOString();
    await sql`
      insert into pupil_diet (ente_id, pupil_id, diet_code, kind, reason, certificate_attachment_id, declared_on, state,
                              approved_from, approved_to, approved_by, approved_at, recorded_by, created_at, version)
      select p.ente_id, p.id, p.diet_code,
             case p.diet_code when 'vegetariana' then 'ethical' when 'senza-maiale' then 'religious' else 'medical' end,
             'Dieta registrata prima della gestione delle diete speciali: verificare il certificato o la dichiarazione.',
             null, null, 'approvata',
             coalesce((select min(e.starts_on) from enrolment e where e.pupil_id = p.id), ${now.slice(0, 10)}),
             null, 'migrazione-0025', ${now}, 'migrazione-0025', ${now}, 1
      from pupil p
      where p.diet_code is not null`.execute(db);
    await db.schema.alterTable('pupil').dropColumn('diet_code').execute();
  },
};
