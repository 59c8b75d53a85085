import { type Kysely, sql } from 'kysely';
import type { DB, ReminderStep } from '../../db/schema';

export interface LastReminder {
  personId: number;
  step: ReminderStep;
  runDate: string;
  /** How many steps the holder's documents have taken in all. */
  count: number;
}

/**
 * The last reminder step taken for each of these holders (the debtors list's "ultimo sollecito"): a plain
 * query, one read for a page of holders. Holders never reminded are absent from the map.
 */
export async function lastReminderOfHolders(db: Kysely<DB>, enteId: number, personIds: readonly number[]): Promise<Map<number, LastReminder>> {
  const found = new Map<number, LastReminder>();
  if (personIds.length === 0) return found;
  for (let start = 0; start < personIds.length; start += 5_000) {
    const ids = personIds.slice(start, start + 5_000);
    const rows = await db
      .selectFrom('reminder')
      .select(['holder_person_id as personId', 'step', 'run_date as runDate', 'id'])
      .where('ente_id', '=', enteId)
      .where('holder_person_id', 'in', ids)
      .execute();
    for (const row of rows) {
      const known = found.get(row.personId);
      // The newest: the latest run, then the higher step of that run (ids grow with time).
      if (!known) found.set(row.personId, { personId: row.personId, step: row.step, runDate: row.runDate, count: 1 });
      else {
        known.count += 1;
        if (row.runDate > known.runDate || (row.runDate === known.runDate && STEP_RANK[row.step] > STEP_RANK[known.step])) {
          known.step = row.step;
          known.runDate = row.runDate;
        }
      }
    }
  }
  return found;
}

export const STEP_RANK: Record<ReminderStep, number> = { primo: 1, secondo: 2, formale: 3, coattiva: 4 };

/** The holders of the ente suspended on `date` (a social-services case): no step is taken for them. */
export async function suspendedHolders(db: Kysely<DB>, enteId: number, date: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('family_suspension')
    .select('person_id')
    .where('ente_id', '=', enteId)
    .where('starts_on', '<=', date)
    .where('until_date', '>=', date)
    .where((eb) => eb.or([eb('ended_on', 'is', null), eb('ended_on', '>', date)]))
    .execute();
  return new Set(rows.map((r) => r.person_id));
}

/** The ente's unpaid documents due on or before `dueBy`, with the steps each has taken (a row per step, or one with none). */
export function candidatesWithSteps(db: Kysely<DB>, enteId: number, dueBy: string) {
  return db
    .selectFrom('document as d')
    .leftJoin('reminder as r', 'r.document_id', 'd.id')
    .select([
      'd.id', 'd.holder_person_id as holderId', 'd.pupil_id as pupilId', 'd.service_id as serviceId', 'd.total_cents as totalCents', 'd.due_date as dueDate',
      'r.step', 'r.run_date as runDate', 'r.new_due_date as newDueDate',
    ])
    .where('d.ente_id', '=', enteId)
    // A literal, so that SQLite uses the partial index of unpaid documents (a parameter cannot imply it).
    .where('d.state', '=', sql.lit('da_pagare'))
    .where('d.due_date', '<=', dueBy)
    .where('d.kind', '=', sql.lit('documento'))
    .where('d.total_cents', '>', 0)
    // A document split into instalments is chased through its instalments, not reminded (decision 0028).
    .where('d.instalment_plan_id', 'is', null)
    .execute();
}
