import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { type Browser, LEVEL } from './app';

/**
 * Logs in any person the builders made (an operator, a holder), through the test IdP's form for any valid
 * codice fiscale; returns the page the person lands on.
 */
export async function loginPerson(
  browser: Browser,
  person: { fiscalCode: string; givenName: string; familyName: string },
  returnTo: string,
): Promise<LightMyRequestResponse> {
  const page = await browser.follow(await browser.get(`/auth/login?torna=${encodeURIComponent(returnTo)}`));
  const uid = /\/test-idp\/interaction\/([\w-]+)\/login-as/.exec(page.body)?.[1];
  assert.ok(uid, 'the test IdP offers its form for any person');
  const submitted = await browser.post(`/test-idp/interaction/${uid}/login-as`, {
    fiscalCode: person.fiscalCode,
    givenName: person.givenName,
    familyName: person.familyName,
    level: LEVEL.L2,
  });
  return browser.follow(submitted);
}
