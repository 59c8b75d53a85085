import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SPID_LEVELS } from '../../config/index';
import { mountTestIdp, type TestIdp } from '../../integrations/identity/test-idp';
import { TEST_USERS } from '../../integrations/identity/test-users';
import { NotFoundError } from '../../domain/errors';
import { pageContext, sendPage } from '../render';
import { TestIdpLoginPage } from '../views/misc';

const PREFIX = '/test-idp';

const loginBody = z.object({
  fiscalCode: z.string(),
  level: z.enum(SPID_LEVELS),
});

/**
 * The built-in test identity provider: oidc-provider answers its protocol endpoints on the raw request
 * (before Fastify parses the body); its log-in interaction is one of our pages.
 * Its forms are exempt from our CSRF token: oidc-provider binds each interaction to its own
 * SameSite cookie, and it exists only outside production.
 */
export async function testIdpRoutes(app: FastifyInstance, { provider }: { provider: TestIdp }) {
  const handle = mountTestIdp(provider, PREFIX);

  app.all(`${PREFIX}/*`, {
    onRequest: async (request, reply) => {
      reply.hijack();
      await handle(request.raw, reply.raw);
    },
    handler: async () => undefined,
  });

  app.get(`${PREFIX}/interaction/:uid`, async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => {
      throw new NotFoundError('interaction');
    });
    const ctx = { ...pageContext(request), identityProviderPage: true };
    return sendPage(reply, <TestIdpLoginPage ctx={ctx} uid={details.uid} users={TEST_USERS} />);
  });

  app.post(`${PREFIX}/interaction/:uid/login`, { config: { csrf: false } }, async (request, reply) => {
    const body = loginBody.safeParse(request.body);
    const user = body.success ? TEST_USERS.find((u) => u.fiscalCode === body.data.fiscalCode) : undefined;
    if (!body.success || !user) throw new NotFoundError('test user');
    const redirectTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      { login: { accountId: user.fiscalCode, acr: body.data.level, remember: false } },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(redirectTo, 303);
  });

  app.post(`${PREFIX}/interaction/:uid/abort`, { config: { csrf: false } }, async (request, reply) => {
    const redirectTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      { error: 'access_denied', error_description: 'login cancelled by the user' },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(redirectTo, 303);
  });
}
