import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../domain/registry/service';

/** The logged-in caller, or a redirect to log-in that comes back here afterwards. */
export function callerOrLogin(request: FastifyRequest, reply: FastifyReply): Caller | undefined {
  const user = request.session?.user;
  if (user) return { fiscalCode: user.fiscalCode, requestId: request.id };
  void reply.redirect(`/auth/login?torna=${encodeURIComponent(request.url)}`, 303);
  return undefined;
}
