import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database';
import type { Services } from '../../domain/services';
import { safeReturnPath } from '../shared/forms';
import { messagesFor, pageContext, sendPage } from '../shared/render';
import { FONTS_CSS, FONTS_CSS_PATH } from '../shared/assets';
import { HomePage, LegalPage } from './views';

const HEALTH_TIMEOUT_MS = 2_000;

export async function publicRoutes(
  app: FastifyInstance,
  { services, database, secureCookies }: { services: Services; database: Database; secureCookies: boolean },
) {
  app.get('/', async (request, reply) =>
    sendPage(reply, <HomePage ctx={pageContext(request)} enti={await services.enti.all()} />),
  );

  app.get('/dichiarazione-accessibilita', async (request, reply) => {
    const m = messagesFor(request);
    // Each ente publishes its own statement (decision 0020): the general one links to them.
    const enti = (await services.enti.all()).map((ente) => ({ label: ente.name, href: `/${ente.slug}/dichiarazione-accessibilita` }));
    return sendPage(
      reply,
      <LegalPage ctx={pageContext(request)} title={m.legal.accessibilityTitle} paragraphs={m.legal.accessibilityBody} links={{ title: m.officeSettings.statement.perEnte, items: enti }} />,
    );
  });

  app.get('/privacy', async (request, reply) => {
    const m = messagesFor(request);
    return sendPage(reply, <LegalPage ctx={pageContext(request)} title={m.legal.privacyTitle} paragraphs={m.legal.privacyBody} />);
  });

  /** A plain link (works without JavaScript); the choice is a preference cookie, nothing else. */
  app.get('/lingua/:lang', async (request, reply) => {
    const { lang } = request.params as { lang: string };
    const back = safeReturnPath((request.query as Record<string, unknown>).torna);
    if (lang === 'it' || lang === 'en') {
      reply.setCookie('lang', lang, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        maxAge: 365 * 24 * 3600,
      });
    }
    return reply.redirect(back, 303);
  });

  app.get(FONTS_CSS_PATH, async (_request, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(FONTS_CSS),
  );

  app.get('/health', async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([database.ping(), timeout]);
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: 'ok' });
    } catch {
      return reply.code(503).header('cache-control', 'no-store').send({ status: 'error', database: 'unreachable' });
    } finally {
      // A pending timer per request would keep thousands of closures alive under load.
      clearTimeout(timer);
    }
  });
}
