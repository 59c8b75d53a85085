import type { Ente } from '../../db/schema';
import type { Messages } from '../i18n/it';

/** What every page needs to draw its frame: language, who is logged in, the ente, the CSRF token. */
export interface PageContext {
  m: Messages;
  path: string;
  ente?: Ente;
  user?: { fullName: string };
  csrfToken?: string;
  /** The logged-in person is an operator of this page's ente: the header links to the back office. */
  officeLink?: boolean;
  requestId: string;
  /** Pages of the test identity provider: no log-in or log-out button of ours there. */
  identityProviderPage?: boolean;
}

export interface Crumb {
  label: string;
  href?: string;
}
