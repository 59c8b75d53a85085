import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import { NotHolderError } from '../errors';
import { pupilsOfHolder } from './queries';

/**
 * Who may see a pupil (issue 13: "one domain function decides who may see a pupil, used everywhere"):
 * any adult linked to the pupil in `pupil_holder` — the intestatario, a cointestatario, a delegato —
 * sees the pupil's pages, may communicate absences and may pay. Whose documents or enrolments they are
 * (`holder_person_id`) decides to whom a document is addressed, never who may see or pay it. A person
 * linked to no pupil of the ente sees no data and the error page (the seed's rule).
 *
 * `decidePupilAccess` is the rule, pure, so that it can be tested on its own; `pupilsVisibleTo` applies
 * it to the links in the database and is what every portal service calls.
 */
export type PupilAccess =
  | { kind: 'not-holder' }
  | { kind: 'not-found' }
  | { kind: 'choose' }
  | { kind: 'pupil'; pupilId: number };

export function decidePupilAccess(holderPupilIds: readonly number[], requestedPupilId: number | undefined): PupilAccess {
  if (holderPupilIds.length === 0) return { kind: 'not-holder' };
  if (requestedPupilId === undefined) {
    return holderPupilIds.length === 1 ? { kind: 'pupil', pupilId: holderPupilIds[0]! } : { kind: 'choose' };
  }
  return holderPupilIds.includes(requestedPupilId) ? { kind: 'pupil', pupilId: requestedPupilId } : { kind: 'not-found' };
}

export type VisiblePupil = Awaited<ReturnType<typeof pupilsOfHolder>>[number];

/** The pupils a person (by codice fiscale) is linked to in the ente, whatever the relation; NotHolderError if none. */
export async function pupilsVisibleTo(db: Kysely<DB>, enteId: number, fiscalCode: string): Promise<VisiblePupil[]> {
  const pupils = await pupilsOfHolder(db, enteId, fiscalCode);
  if (decidePupilAccess(pupils.map((p) => p.id), undefined).kind === 'not-holder') throw new NotHolderError();
  return pupils;
}
