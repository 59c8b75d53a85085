import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type Config, IO_SANDBOX_KEY } from '../config/index';
import { PUBLIC_DIR } from '../config/paths';
import type { Database } from '../db/database';
import type { Clock } from '../domain/clock';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, NotHolderError } from '../domain/errors';
import { createServices, type Services } from '../domain/services';
import { createOidcClient, loadClientKey } from '../integrations/identity/oidc-client';
import { en } from './i18n/en';
import { it } from './i18n/it';
import { CsrfError, csrfPlugin } from './plugins/csrf';
import { BadRequestError, inputGuardPlugin } from './plugins/input-guard';
import { securityHeadersPlugin } from './plugins/security-headers';
import { sessionPlugin } from './plugins/session';
import { authRoutes } from './auth/routes';
import { backofficeRoutes } from './backoffice/index';
import { pagopaRoutes } from './pagopa/routes';
import { portalRoutes } from './portal/index';
import { publicRoutes } from './public/routes';
import { APP_ASSETS_PREFIX, BOOTSTRAP_ITALIA_PREFIX } from './shared/assets';
import { MessagePage } from './shared/components';
import { messagesFor, pageContext, sendPage } from './shared/render';
import { renderTestIdpLogout } from './test-idp/views';

const require = createRequire(import.meta.url);
const bootstrapItaliaDist = join(dirname(require.resolve('bootstrap-italia/package.json')), 'dist');

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export interface AppDependencies {
  config: Config;
  database: Database;
  clock: Clock;
  /** Where log lines go; stdout when absent. */
  logStream?: NodeJS.WritableStream;
}

/** Logs carry the path, never the query (codes, states) nor cookies; people appear only as masked CFs. */
function loggerOptions(config: Config, stream: NodeJS.WritableStream | undefined) {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
}

export async function buildApp({ config, database, clock, logStream }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, logStream),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    // One line per request, written when it ends (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: false },
  });
  // The built-in SMTP server (issue 16) first: our mail client is given the address it listens on.
  let smtpUrl = config.messages.smtpUrl;
  if (config.messages.mailSandbox) {
    const { startSmtpSandbox } = await import('../integrations/messages/sandbox/smtp');
    try {
      const smtp = await startSmtpSandbox(database.db, clock, { port: config.messages.mailSandboxPort });
      smtpUrl = smtp.url;
      app.addHook('onClose', async () => smtp.close());
    } catch (error) {
      // Another process of ours (a second instance, the worker's app) serves it on that port already.
      app.log.warn({ err: error }, 'mail sandbox not started');
    }
  }
  const services = createServices(database.db, clock, (error) => app.log.error({ err: error }, 'audit trail write failed'), {
    ...config,
    messages: { ...config.messages, smtpUrl },
  });
  app.addHook('onClose', async () => services.messages.close());
  app.decorate('services', services);
  app.decorate('officeRouteTable', []);
  app.decorateRequest('ente', undefined);
  app.decorateRequest('operatorRow', undefined);
  app.decorateRequest('office', undefined);
  // Pending audit events are written before the database is closed.
  app.addHook('onClose', async () => services.audit.flush());

  await app.register(securityHeadersPlugin, {
    gatewayOrigin: new URL(config.oidc.issuer).origin,
    checkoutOrigin: new URL(config.pagopa.checkoutUrl).origin,
    https: config.session.secureCookies,
  });
  await app.register(fastifyCookie);
  // After the cookies (its refusal page is in the visitor's language), before anything reads the address.
  await app.register(inputGuardPlugin);
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: () => Object.assign(new Error('too many requests'), { statusCode: 429 }),
  });
  await app.register(fastifyStatic, {
    root: bootstrapItaliaDist,
    prefix: BOOTSTRAP_ITALIA_PREFIX,
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: APP_ASSETS_PREFIX,
    decorateReply: false,
    maxAge: '1h',
    index: false,
  });
  await app.register(sessionPlugin, { db: database.db, clock, settings: config.session });
  await app.register(csrfPlugin);

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    const ctx = pageContext(request);
    const m = ctx.m;
    if (error instanceof NotHolderError) {
      const ofEnte = request.ente ? m.format.ofEnte(request.ente) : m.errors.notHolderNoEnte;
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.notHolderTitle} paragraphs={[m.errors.notHolderBody(ofEnte), m.errors.notHolderWhat]} />, 403);
    }
    if (error instanceof NotFoundError) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.notFoundTitle} paragraphs={[m.errors.notFoundBody]} />, 404);
    }
    if (error instanceof ForbiddenError) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.forbiddenTitle} paragraphs={[m.errors.forbiddenBody]} />, 403);
    }
    // Pages catch these to show the form again with the problems; one that did not still never answers 500.
    if (error instanceof ConflictError) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.forms.conflictTitle} paragraphs={[m.forms.problems.conflict]} />, 409);
    }
    if (error instanceof InvalidInputError) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.forms.summaryTitle} paragraphs={[m.forms.problems.invalid]} />, 422);
    }
    if (error instanceof BadRequestError) {
      request.log.warn({ reason: error.message }, 'bad request refused');
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.badRequestTitle} paragraphs={[m.errors.badRequestBody]} />, 400);
    }
    if (error instanceof CsrfError) {
      request.log.warn('csrf token missing or wrong');
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.csrfTitle} paragraphs={[m.errors.csrfBody]} />, 403);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 429) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.tooManyTitle} paragraphs={[m.errors.tooManyBody]} />, 429);
    }
    if (status >= 400 && status < 500) {
      return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.notFoundTitle} paragraphs={[m.errors.notFoundBody]} />, status === 404 ? 404 : 400);
    }
    request.log.error({ err: error }, 'request failed');
    return sendPage(reply, <MessagePage ctx={ctx} title={m.errors.serverTitle} paragraphs={[m.errors.serverBody]} />, 500);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const m = messagesFor(request);
    return sendPage(reply, <MessagePage ctx={pageContext(request)} title={m.errors.notFoundTitle} paragraphs={[m.errors.notFoundBody]} />, 404);
  });

  const oidcClientKey = config.oidc.privateKeyFile ? loadClientKey(config.oidc.privateKeyFile) : undefined;
  const oidc = createOidcClient(config.oidc, { allowHttp: !config.production });
  if (config.oidc.testIdp) {
    // Loaded only when enabled: production never even imports oidc-provider.
    const { createTestIdp } = await import('../integrations/identity/test-idp');
    const { createTestPeople } = await import('../integrations/identity/test-users');
    const people = createTestPeople();
    const provider = createTestIdp({
      people,
      production: config.production,
      issuer: config.oidc.issuer,
      clientId: config.oidc.clientId,
      clientSecret: config.oidc.clientSecret,
      clientPublicJwk: oidcClientKey?.publicJwk,
      redirectUri: config.oidc.redirectUri,
      postLogoutRedirectUri: config.oidc.postLogoutRedirectUri,
      fiscalCodeClaim: config.oidc.fiscalCodeClaim,
      cookieSecret: config.session.secret,
      renderLogout: (form, lang) => renderTestIdpLogout(lang === 'en' ? en : it, form),
    });
    const { testIdpRoutes } = await import('./test-idp/routes');
    await app.register(testIdpRoutes, { provider, people });
  }

  await app.register(pagopaRoutes, { services, push: config.pagopa.push, brokerId: config.pagopa.brokerId });
  if (config.pagopa.sandbox) {
    // Loaded only when enabled: production never serves the stand-in for the platform.
    const { pagopaSandboxRoutes } = await import('../integrations/pagopa/sandbox/routes');
    await app.register(pagopaSandboxRoutes, { prefix: '/pagopa-sandbox', db: database.db, clock, pagopa: config.pagopa, publicUrl: config.publicUrl });
  }
  if (config.messages.ioSandbox) {
    const { ioSandboxRoutes } = await import('../integrations/messages/sandbox/routes');
    await app.register(ioSandboxRoutes, { prefix: '/io-sandbox', db: database.db, clock, key: config.messages.ioKey ?? IO_SANDBOX_KEY });
  }
  if (config.messages.mailSandbox) {
    const { mailSandboxRoutes } = await import('../integrations/messages/sandbox/routes');
    await app.register(mailSandboxRoutes, { prefix: '/mail-sandbox', db: database.db });
  }
  await app.register(publicRoutes, { services, database, secureCookies: config.session.secureCookies });
  await app.register(authRoutes, { config, oidc, services });
  await app.register(
    async (ente) => {
      ente.addHook('onRequest', async (request) => {
        const slug = (request.params as { ente: string }).ente;
        const user = request.session?.user;
        if (!user) {
          request.ente = await services.enti.bySlug(slug);
          if (!request.ente) throw new NotFoundError('ente');
          request.operatorRow = null;
          return;
        }
        // Read once, with the ente: the header's "Area ufficio" link on every page, and the back office's operator.
        const found = await services.enti.bySlugWithOperator(slug, user.fiscalCode);
        if (!found) throw new NotFoundError('ente');
        request.ente = found.ente;
        request.operatorRow = found.operator ?? null;
      });
      await ente.register(portalRoutes, { services });
      await ente.register(backofficeRoutes, { services, prefix: '/ufficio' });
    },
    { prefix: '/:ente' },
  );

  return app;
}
