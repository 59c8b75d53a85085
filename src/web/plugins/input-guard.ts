import fp from 'fastify-plugin';
import { hasControlCharacters } from '../shared/forms';

/** An address no page of ours makes: answered with a clear 400 page, before anything reads it. */
export class BadRequestError extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

/**
 * Refuses a request whose path or query string, once percent-decoded, holds control characters (NUL
 * above all: PostgreSQL refuses it in text, so it would surface as a 500 deep in a query) or is not
 * valid percent-encoded UTF-8. No link or form of ours produces either, so nothing legitimate is lost;
 * form bodies are checked by each route's own validation, which keeps the form on a 422.
 */
export const inputGuardPlugin = fp(async (app) => {
  app.addHook('onRequest', async (request) => {
    let decoded = request.url;
    try {
      // Most addresses have nothing encoded: no need to decode them (this runs on every request).
      if (decoded.includes('%')) decoded = decodeURIComponent(decoded);
    } catch {
      throw new BadRequestError('malformed percent-encoding');
    }
    if (hasControlCharacters(decoded)) throw new BadRequestError('control characters in the address');
  });
});
