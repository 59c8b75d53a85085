import type { Ente } from '../../db/schema';
import type { PupilSummary } from './service';

/**
 * A pupil whose data the viewer may read, as decided by the registry: for a parent, an adult linked to
 * the pupil (`selectPupil`); for the office, an operator with `registry.read` (`pupilForOffice`). The
 * services that read a pupil's pages take this handle, never a pupil row, so a route cannot hand them a
 * pupil it fetched itself (decision 0016).
 */
export interface AuthorizedPupil {
  readonly ente: Ente;
  readonly pupil: PupilSummary;
  readonly viewer: { readonly kind: 'parent' | 'office'; readonly fiscalCode: string };
  readonly requestId?: string;
}

const issued = new WeakSet<AuthorizedPupil>();

/** Only the registry service calls this, after deciding the viewer may see the pupil. */
export function issueAuthorizedPupil(handle: AuthorizedPupil): AuthorizedPupil {
  const frozen = Object.freeze({ ...handle, viewer: Object.freeze({ ...handle.viewer }) });
  issued.add(frozen);
  return frozen;
}

/** The gate of every service that reads a pupil's data. */
export function requireAuthorizedPupil(handle: AuthorizedPupil): void {
  if (!issued.has(handle)) throw new Error('not a pupil handle issued by the registry');
}

/** The audit action of a view: the portal's or the office's name for the same page. */
export function viewAction(handle: AuthorizedPupil, page: string): string {
  return `${handle.viewer.kind === 'office' ? 'office' : 'portal'}.${page}`;
}
