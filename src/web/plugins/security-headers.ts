import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet from 'helmet';

interface Options {
  /** Origin of the identity gateway: log-out redirects there after a form POST. */
  gatewayOrigin: string;
  /** Origin of pagoPA Checkout: starting a payment redirects there after a form POST. */
  checkoutOrigin: string;
  https: boolean;
}

/**
 * Security headers from helmet, with a CSP that allows no inline script or style. Our headers are the
 * same for every request (no nonce), so helmet runs once at start and its headers are kept; each request
 * only copies them (running helmet's eleven middlewares per page view was a measurable cost).
 */
export const securityHeadersPlugin = fp<Options>(async (app, options) => {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
});

function securityHeaders({ gatewayOrigin, checkoutOrigin, https }: Options): Record<string, string> {
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", gatewayOrigin, checkoutOrigin],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  applyHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return headers;
}
