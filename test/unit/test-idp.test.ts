import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestIdp } from '../../src/integrations/identity/test-idp';
import { createTestPeople } from '../../src/integrations/identity/test-users';

describe('built-in test identity provider', () => {
  it('refuses to start in production', () => {
    assert.throws(
      () =>
        createTestIdp({
          production: true,
          issuer: 'https://scuola.comune.example/test-idp',
          clientId: 'x',
          clientSecret: 'y',
          redirectUri: 'https://scuola.comune.example/auth/callback',
          postLogoutRedirectUri: 'https://scuola.comune.example/auth/logged-out',
          fiscalCodeClaim: 'fiscalNumber',
          cookieSecret: 'z'.repeat(32),
          renderLogout: () => '',
          people: createTestPeople(),
        }),
      /Refusing to start the test identity provider/,
    );
  });
});
