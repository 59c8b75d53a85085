import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { DB } from '../../../db/schema';
import type { Clock } from '../../../domain/clock';
import { centsFromEuroDecimal, formatEuroItalian } from '../amounts';
import { publishDueFlows, republishFlow, type SandboxFdrPayment } from './fdr';
import { creditorTaxCodeSchema } from './schemas';
import { MessagePage, SandboxPage } from './views';

/** The sandbox's page of reporting flows (Italian only, as its other pages): see, publish now, republish. */
const t = {
  title: 'Sandbox pagoPA — flussi di rendicontazione',
  lead: "I flussi che i PSP della sandbox pubblicano per un ente: uno per PSP e giorno, con i pagamenti ricevuti quel giorno, pubblicati quando l'ente li chiede dopo la fine del giorno. Qui si possono pubblicare subito quelli di oggi, o ripubblicare un flusso come nuova revisione.",
  creditor: 'Codice fiscale dell’ente creditore',
  creditorHint: '11 cifre',
  show: 'Mostra i flussi',
  publishToday: 'Pubblica ora anche i flussi di oggi',
  caption: 'Flussi pubblicati, revisione per revisione',
  none: 'Nessun flusso pubblicato per questo ente.',
  fdr: 'Flusso',
  psp: 'PSP',
  revision: 'Revisione',
  published: 'Pubblicato',
  payments: 'Pagamenti',
  total: 'Totale',
  latest: 'ultima',
  change: 'Modifica nella nuova revisione',
  changes: { nessuna: 'nessuna', 'togli-ultimo': "togli l'ultimo pagamento", 'importo-ultimo': "l'ultimo pagamento con 1 € in meno", 'ripeti-primo': 'il primo pagamento riportato due volte' },
  republish: 'Ripubblica come nuova revisione',
  badCreditorTitle: 'Sandbox pagoPA — richiesta non valida',
  badCreditor: "Il codice fiscale dell'ente deve avere 11 cifre.",
  notFoundTitle: 'Sandbox pagoPA — flusso non trovato',
  notFound: 'Il flusso indicato non esiste.',
};

type Change = keyof typeof t.changes;
const CHANGES = Object.keys(t.changes) as Change[];

function edit(change: Change) {
  return (payments: SandboxFdrPayment[]): SandboxFdrPayment[] => {
    if (payments.length === 0) return payments;
    const last = payments[payments.length - 1]!;
    if (change === 'togli-ultimo') return payments.slice(0, -1);
    if (change === 'importo-ultimo') return [...payments.slice(0, -1), { ...last, pay: Math.max(0.01, Number((last.pay - 1).toFixed(2))) }];
    if (change === 'ripeti-primo') return [...payments, { ...payments[0]!, iur: `${payments[0]!.iur}-BIS`.slice(0, 35) }];
    return payments;
  };
}

function send(reply: FastifyReply, page: VNode, status = 200) {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!DOCTYPE html>${renderToString(page)}`);
}

const field = (body: unknown, name: string) => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

export function fdrSandboxPage(app: FastifyInstance, { db, clock, external }: { db: Kysely<DB>; clock: Clock; external: { config: { csrf: false } } }) {
  const path = `${app.prefix}/rendicontazione`;
  const badCreditor = (reply: FastifyReply) => send(reply, <MessagePage title={t.badCreditorTitle} body={t.badCreditor} />, 400);

  app.get<{ Querystring: { ente?: unknown } }>('/rendicontazione', async (request, reply) => {
    const raw = typeof request.query.ente === 'string' ? request.query.ente.trim() : '';
    if (raw !== '' && !creditorTaxCodeSchema.safeParse(raw).success) return badCreditor(reply);
    const flows = raw
      ? await db.selectFrom('sandbox_fdr_flow').selectAll().where('creditor_tax_code', '=', raw).orderBy('published_at', 'desc').orderBy('fdr').orderBy('revision', 'desc').limit(sql.lit(200)).execute()
      : [];
    return send(
      reply,
      <SandboxPage title={t.title}>
        <p class="lead">{t.lead}</p>
        <form method="get" action={path} class="mb-4">
          <div class="form-group mb-3">
            <label for="ente" class="active">
              {t.creditor}
            </label>
            <input type="text" class="form-control" id="ente" name="ente" value={raw} inputMode="numeric" aria-describedby="ente-hint" />
            <small id="ente-hint" class="form-text">
              {t.creditorHint}
            </small>
          </div>
          <button type="submit" class="btn btn-primary">
            {t.show}
          </button>
        </form>
        {raw && (
          <>
            <form method="post" action={`${path}/pubblica`} class="mb-4">
              <input type="hidden" name="ente" value={raw} />
              <button type="submit" class="btn btn-outline-primary">
                {t.publishToday}
              </button>
            </form>
            {flows.length === 0 ? (
              <p>{t.none}</p>
            ) : (
              <div class="table-responsive">
                <table class="table">
                  <caption>{t.caption}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t.fdr}</th>
                      <th scope="col">{t.psp}</th>
                      <th scope="col">{t.revision}</th>
                      <th scope="col">{t.published}</th>
                      <th scope="col" class="text-end">
                        {t.payments}
                      </th>
                      <th scope="col" class="text-end">
                        {t.total}
                      </th>
                      <th scope="col">{t.republish}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {flows.map((flow) => {
                      const payments = JSON.parse(flow.payments) as SandboxFdrPayment[];
                      const cents = payments.reduce((sum, p) => sum + centsFromEuroDecimal(p.pay.toFixed(2)), 0);
                      const id = `${flow.psp_id}-${flow.fdr}-${flow.revision}`.replace(/[^A-Za-z0-9-]/g, '');
                      return (
                        <tr key={id}>
                          <th scope="row" data-label={t.fdr} class="text-break">
                            {flow.fdr}
                          </th>
                          <td data-label={t.psp}>{flow.psp_id}</td>
                          <td data-label={t.revision}>{flow.is_latest ? `${flow.revision} (${t.latest})` : String(flow.revision)}</td>
                          <td data-label={t.published}>{flow.published_at.slice(0, 16).replace('T', ' ')} UTC</td>
                          <td data-label={t.payments} class="text-end">
                            {payments.length}
                          </td>
                          <td data-label={t.total} class="text-end text-nowrap">{`${formatEuroItalian(cents)} €`}</td>
                          <td data-label={t.republish}>
                            {flow.is_latest === 1 && (
                              <form method="post" action={`${path}/ripubblica`}>
                                <input type="hidden" name="ente" value={raw} />
                                <input type="hidden" name="psp" value={flow.psp_id} />
                                <input type="hidden" name="fdr" value={flow.fdr} />
                                <label for={`modifica-${id}`}>{t.change}</label>
                                <select id={`modifica-${id}`} name="modifica" class="mb-2">
                                  {CHANGES.map((change) => (
                                    <option value={change} key={change}>
                                      {t.changes[change]}
                                    </option>
                                  ))}
                                </select>
                                <button type="submit" class="btn btn-outline-primary btn-sm">
                                  {t.republish}
                                </button>
                              </form>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </SandboxPage>,
    );
  });

  app.post('/rendicontazione/pubblica', external, async (request, reply) => {
    const ente = field(request.body, 'ente');
    if (!creditorTaxCodeSchema.safeParse(ente).success) return badCreditor(reply);
    await publishDueFlows(db, ente, clock.now(), { includeToday: true });
    return reply.redirect(`${path}?ente=${ente}`, 303);
  });

  app.post('/rendicontazione/ripubblica', external, async (request, reply) => {
    const ente = field(request.body, 'ente');
    const change = field(request.body, 'modifica') as Change;
    if (!creditorTaxCodeSchema.safeParse(ente).success || !CHANGES.includes(change)) return badCreditor(reply);
    const revision = await republishFlow(db, { creditorTaxCode: ente, pspId: field(request.body, 'psp'), fdr: field(request.body, 'fdr') }, edit(change), clock.now());
    if (revision === undefined) return send(reply, <MessagePage title={t.notFoundTitle} body={t.notFound} />, 404);
    return reply.redirect(`${path}?ente=${ente}`, 303);
  });
}
