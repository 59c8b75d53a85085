import type { FastifyInstance } from 'fastify';
import { MESSAGE_KINDS } from '../../../domain/messages/outbox';
import type { Services } from '../../../domain/services';
import { callerOrLogin } from '../../shared/caller';
import { hasControlCharacters } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { MessagePreferencesPage } from './views';

/** The form's fields: `email_<kind>` and `io_<kind>`, each "1" when ticked, absent otherwise. */
const FIELDS = MESSAGE_KINDS.flatMap((kind) => [`email_${kind}`, `io_${kind}`]);

/** Preferenze messaggi: /{ente}/preferenze-messaggi — each adult's own channels per kind of message (issue 16). */
export async function messagePreferencesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/preferenze-messaggi', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const { choices, email } = await services.messages.preferencesOf(request.ente!, caller);
    const saved = (request.query as { salvate?: string }).salvate === '1';
    return sendPage(reply, <MessagePreferencesPage ctx={enteContext(request)} choices={choices} email={email} saved={saved} />);
  });

  app.post('/preferenze-messaggi', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    // A ticked box sends "1"; anything else (a value sent twice, another value, control characters) was not typed into our page.
    const invalid = FIELDS.some((field) => body[field] !== undefined && (body[field] !== '1' || hasControlCharacters(String(body[field]))));
    const choices = MESSAGE_KINDS.map((kind) => ({ kind, email: body[`email_${kind}`] === '1', io: body[`io_${kind}`] === '1' }));
    if (invalid) {
      const { email } = await services.messages.preferencesOf(request.ente!, caller);
      return sendPage(reply, <MessagePreferencesPage ctx={enteContext(request)} choices={choices} email={email} saved={false} invalid />, 422);
    }
    await services.messages.savePreferences(request.ente!, caller, choices, request.cookies.lang === 'en' ? 'en' : 'it');
    return reply.redirect(`/${request.ente!.slug}/preferenze-messaggi?salvate=1`, 303);
  });
}
