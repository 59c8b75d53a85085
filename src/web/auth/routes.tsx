import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/index';
import { maskFiscalCode } from '../../domain/registry/fiscal-code';
import type { Services } from '../../domain/services';
import { GatewayUnavailableError, type OidcClient, STATE_PATTERN } from '../../integrations/identity/oidc-client';
import { safeReturnPath } from '../shared/forms';
import { createLoginCounter } from './login-limits';
import { PENDING_LOGIN_MAX_AGE_MS, pendingLoginSeal } from './pending-login';
import { pageContext, sendPage } from '../shared/render';
import { MessagePage } from '../shared/components';

/** What the gateway sends back: anything longer or of another shape is not an answer to our request. */
const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().regex(STATE_PATTERN).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  iss: z.string().max(2048).optional(),
});

/** The window of the per-account log-in limit (LOGIN_RATE_LIMIT_PER_ACCOUNT log-ins in it). */
const ACCOUNT_WINDOW_MS = 10 * 60_000;

/** SPID/CIE log-in through the identity gateway (OIDC), and log-out. */
export async function authRoutes(
  app: FastifyInstance,
  { config, oidc, services }: { config: Config; oidc: OidcClient; services: Services },
) {
  const rateLimit = { max: config.loginRateLimitPerMinute, timeWindow: 60_000 };
  const logins = createLoginCounter({ limit: config.loginRateLimitPerAccount, windowMs: ACCOUNT_WINDOW_MS, secret: config.session.secret });
  let warnedOfProxy = false;
  const pendingLogins = pendingLoginSeal(config.session.secret);
  // Path=/ because the __Host- prefix requires it (no other host of the domain can plant one); the
  // cookie goes only to our own pages, for the minutes a log-in is in flight.
  const loginCookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.session.secureCookies };

  app.get('/auth/login', { config: { rateLimit } }, async (request, reply) => {
    const returnTo = safeReturnPath((request.query as Record<string, unknown>).torna);
    if (!config.trustProxy && !warnedOfProxy && request.headers['x-forwarded-for']) {
      // Behind a proxy that we do not trust, every parent seems to come from the proxy's address, and
      // the whole city would share one address's log-ins a minute.
      warnedOfProxy = true;
      request.log.warn('requests come through a proxy (X-Forwarded-For) but TRUST_PROXY is not set: the log-in limit per address counts the proxy as one client');
    }
    // A plain GET (a link from anywhere) never replaces a parent's session: already logged in, go on.
    if (request.session?.user) return reply.redirect(returnTo, 303);
    try {
      const { url, pending } = await oidc.startLogin(returnTo);
      // Sealed in a cookie, not a session row: a log-in started, or a bot following the link, writes
      // nothing; SameSite=Lax still sends it on the gateway's top-level redirect back to the callback.
      reply.setCookie(config.session.loginCookieName, pendingLogins.seal(pending, Date.now()), {
        ...loginCookie,
        maxAge: PENDING_LOGIN_MAX_AGE_MS / 1000,
      });
      return reply.redirect(url, 303);
    } catch (error) {
      if (!(error instanceof GatewayUnavailableError)) throw error;
      request.log.warn({ err: error.cause }, 'identity gateway unreachable');
      const ctx = pageContext(request);
      return sendPage(
        reply,
        <MessagePage
          ctx={ctx}
          title={ctx.m.errors.gatewayTitle}
          paragraphs={[ctx.m.errors.gatewayBody]}
          action={{ href: `/auth/login?torna=${encodeURIComponent(returnTo)}`, label: ctx.m.errors.loginRetry }}
        />,
        503,
      );
    }
  });

  app.get('/auth/callback', { config: { rateLimit } }, async (request, reply) => {
    // Only a log-in in flight is ours to finish or to drop; a logged-in parent's session is never touched
    // by a plain GET (a link from another site, the back button after logging in).
    if (request.session?.user) return reply.redirect('/', 303);
    const query = callbackQuery.safeParse(request.query);
    const pending = pendingLogins.open(request.cookies[config.session.loginCookieName], Date.now());
    // Used once, whatever the outcome: the next try starts a new log-in.
    reply.clearCookie(config.session.loginCookieName, loginCookie);
    const ctx = pageContext(request);
    const failed = (text: string) =>
      sendPage(
        reply,
        <MessagePage
          ctx={ctx}
          title={ctx.m.errors.loginTitle}
          paragraphs={[text]}
          action={{ href: `/auth/login?torna=${encodeURIComponent(safeReturnPath(pending?.returnTo))}`, label: ctx.m.errors.loginRetry }}
        />,
        401,
      );
    if (!pending || !query.success || query.data.error || !query.data.code) {
      return failed(ctx.m.errors.loginGeneric);
    }
    const callbackUrl = new URL(request.url, config.publicUrl);
    try {
      const identity = await oidc.finishLogin(callbackUrl, pending);
      if (!logins.allow(identity.fiscalCode)) {
        request.log.warn({ user: maskFiscalCode(identity.fiscalCode) }, 'login refused: too many for this account');
        return sendPage(reply, <MessagePage ctx={ctx} title={ctx.m.errors.tooManyTitle} paragraphs={[ctx.m.errors.tooManyAccount]} />, 429);
      }
      await reply.startSession({
        user: {
          fiscalCode: identity.fiscalCode,
          givenName: identity.givenName,
          familyName: identity.familyName,
          acr: identity.acr,
          idToken: identity.idToken,
          accessToken: identity.accessToken,
        },
      });
      request.log.info({ user: maskFiscalCode(identity.fiscalCode), acr: identity.acr }, 'login');
      // Checked again: the pending login was written by us, but the rule lives in one place.
      return reply.redirect(safeReturnPath(pending.returnTo), 303);
    } catch (error) {
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
    const user = request.session?.user;
    if (user?.accessToken) {
      // SPID/CIE: the log-in's access token is revoked at the gateway before its session is ended there.
      await oidc.revokeAccessToken(user.accessToken).then(
        (outcome) => request.log.info({ outcome }, 'access token revocation'),
        (error: unknown) => request.log.warn({ err: error }, 'access token revocation failed'),
      );
    }
    await reply.endSession();
    const gatewayLogout = await oidc.logoutUrl(user?.idToken, ente?.slug ?? '-');
    return reply.redirect(gatewayLogout ?? (ente ? `/${ente.slug}/` : '/'), 303);
  });

  /** Where the gateway sends the browser back after its own log-out; `state` carries the ente. */
  app.get('/auth/logged-out', async (request, reply) => {
    const state = (request.query as Record<string, unknown>).state;
    const ente = typeof state === 'string' && state !== '-' ? await services.enti.bySlug(state) : undefined;
    return reply.redirect(ente ? `/${ente.slug}/` : '/', 303);
  });
}
