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
 * Security headers from helmet, with a CSP that allows no inline script or style. The middleware is built
 * once at start (the Fastify wrapper rebuilt it on every request, a measurable cost per page).
 */
export const securityHeadersPlugin = fp<Options>(async (app, { gatewayOrigin, checkoutOrigin, https }) => {
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
  app.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
});
