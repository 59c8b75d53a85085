import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SPID_LEVELS } from '../../config/index';
import { mountTestIdp, type TestIdp } from '../../integrations/identity/test-idp';
import { TEST_USERS, type TestPeople } from '../../integrations/identity/test-users';
import { parseFiscalCode } from '../../domain/registry/fiscal-code';
import { hasControlCharacters } from '../shared/forms';
import { NotFoundError } from '../../domain/errors';
import { pageContext, sendPage } from '../shared/render';
import { TestIdpLoginPage, type TestIdpPersonValues } from './views';

const PREFIX = '/test-idp';

const loginBody = z.object({
  fiscalCode: z.string(),
  level: z.enum(SPID_LEVELS),
});

/** A name as a person types it: letters of any alphabet, spaces, apostrophes, hyphens and dots. */
const NAME_PATTERN = /^[\p{L}][\p{L}\p{M} '’.-]*$/u;
const NAME_MAX = 60;

type PersonProblems = Partial<Record<'fiscalCode' | 'givenName' | 'familyName', string>>;

/** The "log in as anyone" form: a valid codice fiscale and a name; problems are catalogue keys per field. */
function parsePersonForm(body: unknown): { values: TestIdpPersonValues; problems: PersonProblems } {
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : '');
  const level = SPID_LEVELS.find((l) => l === raw.level) ?? SPID_LEVELS[1];
  const values: TestIdpPersonValues = { fiscalCode: text('fiscalCode'), givenName: text('givenName'), familyName: text('familyName'), level };
  const problems: PersonProblems = {};
  const fiscalCode = parseFiscalCode(hasControlCharacters(values.fiscalCode) ? '?' : values.fiscalCode);
  if (!fiscalCode.ok) problems.fiscalCode = fiscalCode.problem === 'empty' ? 'fiscalCodeEmpty' : 'fiscalCodeInvalid';
  else values.fiscalCode = fiscalCode.code;
  for (const field of ['givenName', 'familyName'] as const) {
    const name = values[field].trim();
    if (name === '') problems[field] = `${field}Empty`;
    else if (name.length > NAME_MAX || hasControlCharacters(name) || !NAME_PATTERN.test(name)) problems[field] = `${field}Invalid`;
    else values[field] = name;
  }
  return { values, problems };
}

/**
 * The built-in test identity provider: oidc-provider answers its protocol endpoints on the raw request
 * (before Fastify parses the body); its log-in interaction is one of our pages.
 * Its forms are exempt from our CSRF token: oidc-provider binds each interaction to its own
 * SameSite cookie, and it exists only outside production.
 */
export async function testIdpRoutes(app: FastifyInstance, { provider, people }: { provider: TestIdp; people: TestPeople }) {
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

  // Log in as any person with a valid codice fiscale, e.g. one the office has just registered.
  app.post<{ Params: { uid: string } }>(`${PREFIX}/interaction/:uid/login-as`, { config: { csrf: false } }, async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => {
      throw new NotFoundError('interaction');
    });
    const { values, problems } = parsePersonForm(request.body);
    if (Object.keys(problems).length > 0) {
      const ctx = { ...pageContext(request), identityProviderPage: true };
      return sendPage(reply, <TestIdpLoginPage ctx={ctx} uid={details.uid} users={TEST_USERS} person={values} problems={problems} />, 422);
    }
    people.remember({ fiscalCode: values.fiscalCode, givenName: values.givenName, familyName: values.familyName });
    const redirectTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      { login: { accountId: values.fiscalCode, acr: values.level, remember: false } },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(redirectTo, 303);
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
