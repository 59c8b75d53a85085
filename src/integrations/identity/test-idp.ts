import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { SPID_LEVELS } from '../../config/index';
import type { TestPeople } from './test-users';

export interface TestIdpOptions {
  production: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Public JWK of the client, when it authenticates with private_key_jwt. */
  clientPublicJwk?: Record<string, unknown>;
  redirectUri: string;
  postLogoutRedirectUri: string;
  fiscalCodeClaim: string;
  cookieSecret: string;
  /** Whom it can log in: the test users, and the people typed into its form. */
  people: TestPeople;
  /** Renders the page that asks "log out of the test IdP too?"; receives the provider's own form. */
  renderLogout(form: string, lang: string): string;
}

export type TestIdp = Provider;

/**
 * The built-in SPID-like identity provider for development, tests and the demo. It speaks real OpenID
 * Connect (oidc-provider), so the app's ordinary OIDC client code is what runs against it.
 */
export function createTestIdp(options: TestIdpOptions): TestIdp {
  if (options.production) {
    throw new Error("Refusing to start the test identity provider: NODE_ENV is 'production'.");
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-idp', use: 'sig', alg: 'RS256' };

  const client: NonNullable<Configuration['clients']>[number] = {
    client_id: options.clientId,
    redirect_uris: [options.redirectUri],
    post_logout_redirect_uris: [options.postLogoutRedirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...(options.clientPublicJwk
      ? { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [options.clientPublicJwk] } }
      : { token_endpoint_auth_method: 'client_secret_basic', client_secret: options.clientSecret }),
  };

  const configuration: Configuration = {
    clients: [client],
    jwks: { keys: [signingKey as never] },
    cookies: { keys: [options.cookieSecret] },
    acrValues: [...SPID_LEVELS],
    claims: {
      openid: ['sub'],
      profile: ['given_name', 'family_name', options.fiscalCodeClaim],
      email: ['email'],
    },
    // Gateways put the identity attributes in the ID token; so does this one.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // As SPID and CIE gateways do: the relying party revokes the access token at log-out.
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          const lang = /(?:^|;\s*)lang=en/.test(ctx.get('cookie')) ? 'en' : 'it';
          ctx.type = 'html';
          ctx.body = options.renderLogout(form, lang);
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/test-idp/interaction/${interaction.uid}` },
    // First-party test client: consent is implied, as at a real SPID gateway for its own relying parties.
    loadExistingGrant: async (ctx) => {
      const session = ctx.oidc.session!;
      const clientId = ctx.oidc.client!.clientId;
      const existing = session.grantIdFor(clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: session.accountId! });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, accountId) => {
      const user = options.people.find(accountId);
      if (!user) return undefined;
      return {
        accountId,
        claims: async () => ({
          // SPID subjects are opaque and pairwise; the fiscal code travels in its own claim.
          sub: `test-${Buffer.from(accountId).toString('base64url')}`,
          given_name: user.givenName,
          family_name: user.familyName,
          email: user.email,
          [options.fiscalCodeClaim]: `TINIT-${user.fiscalCode}`,
        }),
      };
    },
    ttl: {
      Session: 3600,
      Grant: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
      AccessToken: 600,
      IdToken: 600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'text';
      ctx.body = `Identity provider di test: ${out.error}${out.error_description ? ` — ${out.error_description}` : ''}`;
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.on('server_error', (_ctx, error) => {
    console.error('test identity provider error', error);
  });
  return provider;
}

/** Hands a raw request whose URL is under `prefix` to the provider, as a mounted sub-application. */
export function mountTestIdp(provider: TestIdp, prefix: string) {
  const callback = provider.callback();
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
    req.originalUrl = req.url;
    req.url = req.url!.slice(prefix.length) || '/';
    return callback(req, res);
  };
}
