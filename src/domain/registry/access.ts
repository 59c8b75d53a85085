/**
 * The portal's authorization rule, as a pure function so that it can be tested on its own:
 * a logged-in person sees a pupil's data only if linked to that pupil as holder in that ente.
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
