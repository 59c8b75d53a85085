import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/index';
import { maskFiscalCode } from '../../domain/registry/fiscal-code';
import type { Services } from '../../domain/services';
import type { OidcClient } from '../../integrations/identity/oidc-client';
import { pageContext, safeReturnPath, sendPage } from '../render';
import { MessagePage } from '../views/components';

const callbackQuery = z.object({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
});

/** SPID/CIE log-in through the identity gateway (OIDC), and log-out. */
export async function authRoutes(
  app: FastifyInstance,
  { config, oidc, services }: { config: Config; oidc: OidcClient; services: Services },
) {
  const rateLimit = { max: config.loginRateLimitPerMinute, timeWindow: 60_000 };

  app.get('/auth/login', { config: { rateLimit } }, async (request, reply) => {
    const returnTo = safeReturnPath((request.query as Record<string, unknown>).torna);
    const { url, pending } = await oidc.startLogin(returnTo);
    await reply.startSession({ pendingLogin: pending });
    return reply.redirect(url, 303);
  });

  app.get('/auth/callback', { config: { rateLimit } }, async (request, reply) => {
    const query = callbackQuery.safeParse(request.query);
    const pending = request.session?.pendingLogin;
    const ctx = pageContext(request);
    const failed = (text: string) =>
      sendPage(
        reply,
        <MessagePage
          ctx={ctx}
          title={ctx.m.errors.loginTitle}
          paragraphs={[text]}
          action={{ href: `/auth/login?torna=${encodeURIComponent(pending?.returnTo ?? '/')}`, label: ctx.m.errors.loginRetry }}
        />,
        401,
      );
    if (!pending || !query.success || query.data.error || !query.data.code) {
      await reply.endSession();
      return failed(ctx.m.errors.loginGeneric);
    }
    const callbackUrl = new URL(request.url, config.publicUrl);
    try {
      const identity = await oidc.finishLogin(callbackUrl, pending);
      await reply.startSession({
        user: {
          fiscalCode: identity.fiscalCode,
          givenName: identity.givenName,
          familyName: identity.familyName,
          acr: identity.acr,
          idToken: identity.idToken,
        },
      });
      request.log.info({ user: maskFiscalCode(identity.fiscalCode), acr: identity.acr }, 'login');
      return reply.redirect(pending.returnTo, 303);
    } catch (error) {
      await reply.endSession();
      const reason = (error as { reason?: string }).reason;
      request.log.warn({ reason: reason ?? (error as Error).message }, 'login refused');
      if (reason === 'level') return failed(ctx.m.errors.loginLevel);
      if (reason === 'fiscal-code') return failed(ctx.m.errors.loginFiscalCode);
      return failed(ctx.m.errors.loginGeneric);
    }
  });

  app.post('/auth/logout', async (request, reply) => {
    const slug = (request.body as Record<string, unknown> | undefined)?.ente;
    const ente = typeof slug === 'string' ? await services.enti.bySlug(slug) : undefined;
    const idToken = request.session?.user?.idToken;
    await reply.endSession();
    const gatewayLogout = await oidc.logoutUrl(idToken, ente?.slug ?? '-');
    return reply.redirect(gatewayLogout ?? (ente ? `/${ente.slug}/` : '/'), 303);
  });

  /** Where the gateway sends the browser back after its own log-out; `state` carries the ente. */
  app.get('/auth/logged-out', async (request, reply) => {
    const state = (request.query as Record<string, unknown>).state;
    const ente = typeof state === 'string' && state !== '-' ? await services.enti.bySlug(state) : undefined;
    return reply.redirect(ente ? `/${ente.slug}/` : '/', 303);
  });
}
