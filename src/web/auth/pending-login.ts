import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { PendingLogin } from '../../integrations/identity/oidc-client';

/**
 * A log-in in flight (state, nonce, PKCE verifier, where to go back) travels in a sealed cookie, not in
 * a database session (decision 0038): nothing is written until someone has actually logged in.
 * AES-256-GCM with a key derived from SESSION_SECRET, so the browser can neither read the PKCE
 * verifier nor change a field; the time it was sealed is inside, so an old cookie is refused.
 */

/** Long enough for a SPID log-in with an app confirmation or an SMS code; the cookie's Max-Age too. */
export const PENDING_LOGIN_MAX_AGE_MS = 15 * 60_000;

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far beyond any sealed log-in (about 400 characters): a longer cookie is not ours, and is not decoded. */
const MAX_SEALED_LENGTH = 2_000;

export interface PendingLoginSeal {
  seal(pending: PendingLogin, now: number): string;
  /** The log-in sealed in `sealed`, or undefined when it is not ours, altered, or older than the limit. */
  open(sealed: string | undefined, now: number): PendingLogin | undefined;
}

export function pendingLoginSeal(secret: string): PendingLoginSeal {
  // A key of its own: the session ids' HMAC uses the secret directly, and the two must never be confused.
  const key = Buffer.from(hkdfSync('sha256', secret, 'ssol', 'pending OIDC log-in cookie', 32));
  return {
    seal(pending, now) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = JSON.stringify({ ...pending, sealedAt: now });
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, now) {
      if (!sealed || sealed.length > MAX_SEALED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
      let plain: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined; // altered, or sealed with another secret
      }
      const { state, nonce, codeVerifier, returnTo, sealedAt } = JSON.parse(plain) as PendingLogin & { sealedAt: number };
      // A little of the future is allowed for two processes whose clocks differ slightly.
      if (!(now - sealedAt <= PENDING_LOGIN_MAX_AGE_MS && sealedAt - now <= 60_000)) return undefined;
      return { state, nonce, codeVerifier, returnTo };
    },
  };
}
