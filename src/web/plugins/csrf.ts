import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false only where another mechanism binds the form to the browser (documented at the route). */
    csrf?: boolean;
  }
}

export class CsrfError extends Error {
  constructor() {
    super('missing or wrong CSRF token');
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Synchronizer token: every state-changing request carries the session's token in `_csrf`. */
export const csrfPlugin = fp(async (app) => {
  app.addHook('preHandler', async (request) => {
    if (!UNSAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === false) return;
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf ?? request.headers['x-csrf-token'];
    const expected = request.session?.csrfToken;
    if (typeof sent !== 'string' || !expected || !sameToken(sent, expected)) throw new CsrfError();
  });
});
