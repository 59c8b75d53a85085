import type { Browser } from './app';
import type { BuiltPerson } from './builders';

/** Logs in any person (a builder's) through the test IdP's form for a codice fiscale not in its list. */
export async function loginAs(browser: Browser, person: BuiltPerson, returnTo: string) {
  const page = await browser.follow(await browser.get(`/auth/login?torna=${encodeURIComponent(returnTo)}`));
  const uid = /\/test-idp\/interaction\/([\w-]+)\/login-as/.exec(page.body)?.[1];
  if (!uid) throw new Error('no test IdP page');
  const submitted = await browser.post(`/test-idp/interaction/${uid}/login-as`, {
    fiscalCode: person.fiscalCode, givenName: person.givenName, familyName: person.familyName, level: 'https://www.spid.gov.it/SpidL2',
  });
  return browser.follow(submitted);
}
