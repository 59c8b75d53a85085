import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { SPID_LEVELS, type Config } from '../../config/index';
import { parseFiscalCode } from '../../domain/registry/fiscal-code';

/** What we keep of a login in flight, sealed in a cookie (web/auth/pending-login.ts). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export interface VerifiedIdentity {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email: string | null;
  acr: string;
  idToken: string;
  /** Kept only to revoke it at log-out (SPID/CIE rules): we call nothing else with it. */
  accessToken: string;
}

export type LoginFailure = 'level' | 'fiscal-code';

export class LoginRefusedError extends Error {
  constructor(readonly reason: LoginFailure) {
    super(`login refused: ${reason}`);
  }
}

/** The gateway did not answer (discovery or its endpoints unreachable): the log-in cannot start now. */
export class GatewayUnavailableError extends Error {
  constructor(cause: unknown) {
    super('identity gateway unreachable', { cause });
  }
}

type OidcConfig = Config['oidc'];

/** How long we wait for the gateway on each call, in seconds: a parent is waiting for the page. */
const GATEWAY_TIMEOUT_SECONDS = 10;

/**
 * `state` and `nonce`: SPID and CIE require random strings of at least 32 alphanumeric characters
 * (openid-client's own are base64url, with `-` and `_`). 32 random bytes as hex: 64 characters, 256 bits.
 */
export function randomAlphanumeric(): string {
  return randomBytes(32).toString('hex');
}

/** What a `state` of ours looks like; anything else coming back is not ours. */
export const STATE_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Relying party of the identity gateway (SPID/CIE through OIDC): authorization code + PKCE (S256),
 * state, nonce, response_mode=query. Discovery is lazy, so the app starts even if the gateway is down.
 */
export function createOidcClient(settings: OidcConfig, options: { allowHttp: boolean }) {
  let discovered: Promise<oidc.Configuration> | undefined;

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= (async () => {
      const { clientMetadata, clientAuth } = await clientAuthentication(settings);
      return oidc.discovery(new URL(settings.issuer), settings.clientId, clientMetadata, clientAuth, {
        execute: options.allowHttp ? [oidc.allowInsecureRequests] : [],
        timeout: GATEWAY_TIMEOUT_SECONDS,
      });
    })().catch((error: unknown) => {
      discovered = undefined; // try again on the next log-in
      throw error;
    });
    return discovered;
  }

  async function startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const config = await configuration().catch((error: unknown) => {
      throw new GatewayUnavailableError(error);
    });
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = { state: randomAlphanumeric(), nonce: randomAlphanumeric(), codeVerifier, returnTo };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri,
      scope: settings.scope,
      response_mode: 'query',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      acr_values: settings.acrValues,
      prompt: 'login',
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code, checks state, nonce, PKCE, SPID level and fiscal code. */
  async function finishLogin(callbackUrl: URL, pending: PendingLogin): Promise<VerifiedIdentity> {
    const config = await configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims()!;
    const acr = String(idClaims.acr ?? '');
    const level = SPID_LEVELS.indexOf(acr as (typeof SPID_LEVELS)[number]);
    if (level < settings.minLevelIndex) throw new LoginRefusedError('level');

    let claims: Record<string, unknown> = idClaims;
    if (claims[settings.fiscalCodeClaim] === undefined) {
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
    }
    const fiscalCode = parseFiscalCode(String(claims[settings.fiscalCodeClaim] ?? ''));
    if (!fiscalCode.ok) throw new LoginRefusedError('fiscal-code');
    return {
      fiscalCode: fiscalCode.code,
      givenName: String(claims.given_name ?? ''),
      familyName: String(claims.family_name ?? ''),
      email: typeof claims.email === 'string' ? claims.email : null,
      acr,
      idToken: tokens.id_token!,
      accessToken: tokens.access_token,
    };
  }

  /**
   * At log-out, SPID and CIE require the relying party to revoke the access tokens of the log-in (at
   * SPID this also ends the single sign-on session). Done when the gateway publishes a
   * `revocation_endpoint`; a failure is reported to the caller, who logs it and goes on: the parent's
   * log-out must not depend on the gateway answering.
   */
  async function revokeAccessToken(accessToken: string): Promise<'revoked' | 'not-supported'> {
    const config = await configuration();
    if (!config.serverMetadata().revocation_endpoint) return 'not-supported';
    await oidc.tokenRevocation(config, accessToken, { token_type_hint: 'access_token' });
    return 'revoked';
  }

  /** Where to send the browser after our session is gone, if the gateway offers RP-initiated log-out. */
  async function logoutUrl(idToken: string | undefined, state: string): Promise<string | undefined> {
    const config = await configuration().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: settings.postLogoutRedirectUri,
      state,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).href;
  }

  return { startLogin, finishLogin, revokeAccessToken, logoutUrl };
}

export type OidcClient = ReturnType<typeof createOidcClient>;

async function clientAuthentication(settings: OidcConfig) {
  if (settings.privateKeyFile) {
    const { key, kid } = loadClientKey(settings.privateKeyFile);
    const cryptoKey = await webcrypto.subtle.importKey(
      'pkcs8',
      key.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return {
      clientMetadata: { token_endpoint_auth_method: 'private_key_jwt' },
      clientAuth: oidc.PrivateKeyJwt({ key: cryptoKey as CryptoKey, kid }),
    };
  }
  return {
    clientMetadata: { client_secret: settings.clientSecret, token_endpoint_auth_method: 'client_secret_basic' },
    clientAuth: oidc.ClientSecretBasic(settings.clientSecret),
  };
}

/** The client's RSA key for private_key_jwt (PEM, PKCS#8); its kid is derived so the gateway can pick it. */
export function loadClientKey(file: string) {
  const key = createPrivateKey(readFileSync(file));
  const publicJwk = createPublicKey(key).export({ format: 'jwk' });
  const kid = `ssol-${String(publicJwk.n).slice(0, 16)}`;
  return { key, kid, publicJwk: { ...publicJwk, kid, use: 'sig', alg: 'RS256' } };
}
