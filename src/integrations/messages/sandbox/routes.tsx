import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { z } from 'zod';
import type { DB } from '../../../db/schema';
import type { Clock } from '../../../domain/clock';
import { APP_ASSETS_PREFIX, BOOTSTRAP_ITALIA_PREFIX, FONTS_CSS_PATH } from '../../../web/shared/assets';
import { parseId } from '../../../web/shared/forms';
import { formatEuroItalian } from '../../pagopa/amounts';
import { partOf } from './mime';

/** The sandboxes play external services: their APIs and forms carry no session token of ours. */
const external = { config: { csrf: false } } as const;
const LIST_LIMIT = 100;

const fiscalCode = z.string().regex(/^[A-Z0-9]{16}$/);

/** App IO's request bodies, with the limits of its API for services (subject 10–120, markdown 80–10,000). */
const profileRequest = z.object({ fiscal_code: fiscalCode });
const messageRequest = z.object({
  fiscal_code: fiscalCode,
  time_to_live: z.number().int().optional(),
  feature_level_type: z.enum(['STANDARD', 'ADVANCED']).optional(),
  content: z.object({
    subject: z.string().min(10).max(120),
    markdown: z.string().min(80).max(10_000),
    due_date: z.iso.datetime().optional(),
    payment_data: z
      .object({
        amount: z.number().int().min(1).max(9_999_999_999),
        notice_number: z.string().regex(/^[0123]\d{17}$/),
        invalid_after_due_date: z.boolean().optional(),
        payee: z.object({ fiscal_code: z.string().regex(/^\d{11}$/) }).optional(),
      })
      .optional(),
  }),
});

function sameKey(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}

function problem(reply: FastifyReply, status: number, detail: string) {
  return reply.code(status).type('application/problem+json').send({ title: status === 401 ? 'Unauthorized' : 'Bad request', status, detail });
}

function sendHtml(reply: FastifyReply, page: VNode, status = 200) {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!DOCTYPE html>${renderToString(page)}`);
}

/** A sandbox page: plainly not a real service, with our stylesheets and none of the portal's frame. */
function SandboxPage({ title, banner, children }: { title: string; banner: string; children: ComponentChildren }) {
  return (
    <html lang="it">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <link rel="stylesheet" href={FONTS_CSS_PATH} />
        <link rel="stylesheet" href={`${BOOTSTRAP_ITALIA_PREFIX}css/bootstrap-italia.min.css`} />
        <link rel="stylesheet" href={`${APP_ASSETS_PREFIX}css/app.css`} />
      </head>
      <body>
        <header class="container pt-3">
          <p class="alert alert-warning fw-semibold mb-0">{banner}</p>
        </header>
        <main id="main" class="container my-4">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

const when = (iso: string) => new Date(iso).toLocaleString('it-IT', { timeZone: 'Europe/Rome' });

/**
 * The App IO sandbox (/io-sandbox/): the two calls of the API for services that we make, with the same
 * paths, key header and bodies, and the page of the messages it received. A citizen has a profile only
 * when one was made on its page (or by a test): without it the API answers 404, as the real one does
 * for a citizen not on App IO.
 */
export async function ioSandboxRoutes(app: FastifyInstance, { db, clock, key }: { db: Kysely<DB>; clock: Clock; key: string }) {
  await app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      if (!sameKey(request.headers['ocp-apim-subscription-key'], key)) return problem(reply, 401, 'Access denied due to missing or invalid subscription key.');
    });
    api.post('/api/v1/profiles', external, async (request, reply) => {
      const body = profileRequest.safeParse(request.body);
      if (!body.success) return problem(reply, 400, 'Invalid fiscal code');
      const profile = await db.selectFrom('sandbox_io_profile').selectAll().where('fiscal_code', '=', body.data.fiscal_code).executeTakeFirst();
      if (!profile) return problem(reply, 404, 'Profile not found');
      return reply.send({ sender_allowed: profile.sender_allowed === 1, preferred_languages: ['it_IT'] });
    });
    api.post('/api/v1/messages', external, async (request, reply) => {
      const body = messageRequest.safeParse(request.body);
      if (!body.success) return problem(reply, 400, body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const profile = await db.selectFrom('sandbox_io_profile').selectAll().where('fiscal_code', '=', body.data.fiscal_code).executeTakeFirst();
      if (!profile) return problem(reply, 404, 'Profile not found');
      if (profile.sender_allowed !== 1) return problem(reply, 403, 'The recipient does not accept messages from this service');
      const id = randomUUID().replace(/-/g, '').toUpperCase().slice(0, 26);
      const { content } = body.data;
      await db
        .insertInto('sandbox_io_message')
        .values({
          message_id: id, fiscal_code: body.data.fiscal_code, subject: content.subject, markdown: content.markdown,
          payment_data: content.payment_data ? JSON.stringify(content.payment_data) : null, received_at: clock.now().toISOString(),
        })
        .execute();
      return reply.code(201).header('location', `/api/v1/messages/${body.data.fiscal_code}/${id}`).send({ id });
    });
  });

  app.get('/', async (_request, reply) => {
    const messages = await db.selectFrom('sandbox_io_message').selectAll().orderBy('id', 'desc').limit(sql.lit(LIST_LIMIT)).execute();
    const profiles = await db.selectFrom('sandbox_io_profile').selectAll().orderBy('fiscal_code').limit(sql.lit(LIST_LIMIT)).execute();
    return sendHtml(
      reply,
      <SandboxPage title="Sandbox App IO: messaggi ricevuti" banner="Ambiente di prova: questa pagina simula App IO, nessun messaggio arriva a un cittadino.">
        <h2 class="h4 mt-4">Messaggi ({messages.length})</h2>
        {messages.length === 0 ? (
          <p>Nessun messaggio ricevuto.</p>
        ) : (
          <ul class="list-unstyled">
            {messages.map((m) => {
              const payment = m.payment_data ? (JSON.parse(m.payment_data) as { amount: number; notice_number: string; payee?: { fiscal_code: string } }) : undefined;
              return (
                <li class="border-bottom py-3" key={m.id}>
                  <h3 class="h5">{m.subject}</h3>
                  <p class="mb-1">
                    Destinatario: <span class="font-monospace">{m.fiscal_code}</span> · ricevuto il {when(m.received_at)} · id {m.message_id}
                  </p>
                  {payment ? (
                    <p class="mb-1">
                      Avviso di pagamento: {formatEuroItalian(payment.amount)} € · codice avviso <span class="font-monospace">{payment.notice_number}</span>
                      {payment.payee ? ` · ente creditore ${payment.payee.fiscal_code}` : ''}
                    </p>
                  ) : (
                    <p class="mb-1">Senza avviso di pagamento.</p>
                  )}
                  <details>
                    <summary>Testo del messaggio</summary>
                    <pre class="mt-2 message-text">{m.markdown}</pre>
                  </details>
                </li>
              );
            })}
          </ul>
        )}
        <h2 class="h4 mt-4">Profili dei cittadini</h2>
        <p>Un codice fiscale senza profilo non è iscritto ad App IO: non riceve messaggi.</p>
        {profiles.length > 0 && (
          <ul>
            {profiles.map((p) => (
              <li key={p.fiscal_code}>
                <span class="font-monospace">{p.fiscal_code}</span>: {p.sender_allowed === 1 ? 'accetta i messaggi del servizio' : 'non accetta i messaggi del servizio'}
              </li>
            ))}
          </ul>
        )}
        <form method="post" action="/io-sandbox/profili" class="mt-3">
          <div class="form-group">
            <label for="codice-fiscale">Codice fiscale</label>
            <input type="text" id="codice-fiscale" name="codice_fiscale" class="form-control" maxLength={16} autoComplete="off" required />
          </div>
          <fieldset class="mb-3">
            <legend class="h6">Messaggi del servizio</legend>
            <div class="form-check">
              <input type="radio" id="accetta-si" name="accetta" value="1" checked />
              <label for="accetta-si">Accetta</label>
            </div>
            <div class="form-check">
              <input type="radio" id="accetta-no" name="accetta" value="0" />
              <label for="accetta-no">Non accetta</label>
            </div>
          </fieldset>
          <button type="submit" class="btn btn-primary">
            Salva il profilo
          </button>
        </form>
      </SandboxPage>,
    );
  });

  app.post('/profili', external, async (request, reply) => {
    const form = z.object({ codice_fiscale: z.string().trim().toUpperCase().pipe(fiscalCode), accetta: z.enum(['0', '1']) }).safeParse(request.body);
    if (!form.success) return reply.code(422).type('text/plain; charset=utf-8').send('Codice fiscale non valido: 16 lettere e cifre.');
    const sender_allowed = Number(form.data.accetta);
    await db
      .insertInto('sandbox_io_profile')
      .values({ fiscal_code: form.data.codice_fiscale, sender_allowed })
      .onConflict((oc) => oc.column('fiscal_code').doUpdateSet({ sender_allowed }))
      .execute();
    return reply.redirect('/io-sandbox/', 303);
  });
}

/** The mail sandbox's pages (/mail-sandbox/): what the built-in SMTP server received. */
export async function mailSandboxRoutes(app: FastifyInstance, { db }: { db: Kysely<DB> }) {
  const banner = 'Ambiente di prova: questa pagina mostra la posta ricevuta dal server SMTP di prova; nessun messaggio arriva a una persona.';
  app.get('/', async (_request, reply) => {
    const mails = await db.selectFrom('sandbox_mail').select(['id', 'envelope_to', 'subject', 'received_at']).orderBy('id', 'desc').limit(sql.lit(LIST_LIMIT)).execute();
    return sendHtml(
      reply,
      <SandboxPage title="Posta di prova: messaggi ricevuti" banner={banner}>
        {mails.length === 0 ? (
          <p>Nessun messaggio ricevuto.</p>
        ) : (
          <div class="table-responsive">
            <table class="table">
              <caption>Gli ultimi {LIST_LIMIT} messaggi, dal più recente</caption>
              <thead>
                <tr>
                  <th scope="col">Ricevuto</th>
                  <th scope="col">Destinatario</th>
                  <th scope="col">Oggetto</th>
                </tr>
              </thead>
              <tbody>
                {mails.map((mail) => (
                  <tr key={mail.id}>
                    <td>{when(mail.received_at)}</td>
                    <td>{mail.envelope_to}</td>
                    <td>
                      <a href={`/mail-sandbox/${mail.id}`}>{mail.subject || '(senza oggetto)'}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </SandboxPage>,
    );
  });
  app.get('/:id', async (request, reply) => {
    const id = parseId((request.params as { id: string }).id);
    const mail = id === undefined ? undefined : await db.selectFrom('sandbox_mail').selectAll().where('id', '=', id).executeTakeFirst();
    if (!mail) return sendHtml(reply, <SandboxPage title="Messaggio non trovato" banner={banner}><p><a href="/mail-sandbox/">Torna ai messaggi</a></p></SandboxPage>, 404);
    return sendHtml(
      reply,
      <SandboxPage title={mail.subject || '(senza oggetto)'} banner={banner}>
        <p>
          Da {mail.envelope_from} a {mail.envelope_to}, ricevuto il {when(mail.received_at)}.
        </p>
        <h2 class="h4">Testo</h2>
        <pre class="message-text">{partOf(mail.raw, 'text/plain') ?? ''}</pre>
        <p>
          <a href="/mail-sandbox/">Torna ai messaggi</a>
        </p>
      </SandboxPage>,
    );
  });
}
