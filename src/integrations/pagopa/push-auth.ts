import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PushAuthConfig } from '../../config/index';
import { networkMatcher } from '../../config/networks';

/** What a push is judged by: the client address (after TRUST_PROXY), the socket's peer, the headers. */
export interface PushCaller {
  /** The client address as Fastify computes it (X-Forwarded-For only with TRUST_PROXY). */
  ip: string;
  /** The direct peer of the connection: our reverse proxy, when there is one. */
  peer: string | undefined;
  headers: IncomingHttpHeaders;
}

/** Why a push was refused, for our log (never for the caller, who only learns "not authorised"). */
export type PushRefusal = 'network' | 'certificate_proxy' | 'certificate_unverified' | 'certificate_subject' | 'key';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  // A header sent twice is not what a proxy that sets it once would send.
  return typeof value === 'string' ? value : undefined;
}

function sameSecret(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const left = Buffer.from(sent);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The station's authentication of the platform's receipt pushes (issue 12, point 1). pagoPA's forwarder
 * removes Ocp-Apim-Subscription-Key and reaches us over mutual TLS from published addresses; so a push
 * is judged by its source network and by the client certificate our reverse proxy verified. Every check
 * configured must pass; a key, when configured, is one more check, never the only one (the config
 * refuses to start production so).
 */
export function createPushAuthenticator(config: PushAuthConfig) {
  const fromAllowedNetwork = config.networks ? networkMatcher(config.networks) : undefined;
  const fromProxy = config.certificate ? networkMatcher(config.certificate.proxyNetworks) : undefined;

  return function authenticate(caller: PushCaller): PushRefusal | undefined {
    if (fromAllowedNetwork && !fromAllowedNetwork(caller.ip)) return 'network';
    if (config.certificate) {
      // The certificate headers mean something only when our proxy set them: from anyone else they
      // are just text a caller typed.
      if (!fromProxy!(caller.peer)) return 'certificate_proxy';
      if (header(caller.headers, config.certificate.verifyHeader) !== 'SUCCESS') return 'certificate_unverified';
      if (header(caller.headers, config.certificate.subjectHeader) !== config.certificate.subject) return 'certificate_subject';
    }
    if (config.key && !sameSecret(header(caller.headers, 'ocp-apim-subscription-key'), config.key)) return 'key';
    return undefined;
  };
}
