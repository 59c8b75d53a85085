import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Ente } from '../../db/schema';
import type { OperatorRow } from '../../domain/operators/service';
import { en } from '../i18n/en';
import { it, type Messages } from '../i18n/it';
import type { PageContext } from './context';

declare module 'fastify' {
  interface FastifyRequest {
    ente: Ente | undefined;
    /** The logged-in person's active operator row in this ente (null: none; undefined: not read, outside an ente). */
    operatorRow: OperatorRow | null | undefined;
  }
}

export function messagesFor(request: FastifyRequest): Messages {
  return request.cookies.lang === 'en' ? en : it;
}

export function pageContext(request: FastifyRequest): PageContext {
  const user = request.session?.user;
  return {
    m: messagesFor(request),
    path: request.url,
    ente: request.ente,
    user: user ? { fullName: `${user.givenName} ${user.familyName}`.trim() } : undefined,
    csrfToken: request.session?.csrfToken,
    officeLink: Boolean(request.ente && request.operatorRow),
    requestId: request.id,
  };
}

/** For pages under /{ente}/, where the ente hook has already run. */
export function enteContext(request: FastifyRequest): PageContext & { ente: Ente } {
  const ctx = pageContext(request);
  if (!ctx.ente) throw new Error('enteContext used outside an ente route');
  return { ...ctx, ente: ctx.ente };
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!DOCTYPE html>${renderToString(page)}`);
}
