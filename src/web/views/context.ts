import type { Ente } from '../../db/schema';
import type { Messages } from '../i18n/it';

/** What every page needs to draw its frame: language, who is logged in, the ente, the CSRF token. */
export interface PageContext {
  m: Messages;
  path: string;
  ente?: Ente;
  user?: { fullName: string };
  csrfToken?: string;
  requestId: string;
}

export interface Crumb {
  label: string;
  href?: string;
}
