import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false only where another mechanism binds the form to the browser (documented at the route);
     * 'multipart' where the body is a file upload read with `readUpload` (web/shared/upload.ts), which
     * checks the `_csrf` field before it reads any file.
     */
    csrf?: boolean | 'multipart';
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

/** Whether `sent` is the token of the request's session. */
export function csrfTokenMatches(request: FastifyRequest, sent: unknown): boolean {
  const expected = request.session?.csrfToken;
  return typeof sent === 'string' && Boolean(expected) && sameToken(sent, expected!);
}

export function isMultipartRequest(request: FastifyRequest): boolean {
  return /^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? '');
}

/** Synchronizer token: every state-changing request carries the session's token in `_csrf`. */
export const csrfPlugin = fp(async (app) => {
  app.addHook('preHandler', async (request) => {
    const mode = request.routeOptions.config.csrf;
    if (!UNSAFE_METHODS.has(request.method) || mode === false) return;
    // An upload's fields are read by the route itself, the token first (readUpload); any other request
    // to such a route, and a multipart body anywhere else, is checked here like every form.
    if (mode === 'multipart' && isMultipartRequest(request)) return;
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf ?? request.headers['x-csrf-token'];
    if (!csrfTokenMatches(request, sent)) throw new CsrfError();
  });
});
