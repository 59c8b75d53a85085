import type { Ente } from '../../db/schema';
import type { PaymentService } from '../../domain/payments/payments';
import { MAX_CART_NOTICES } from '../../domain/payments/payments';
import { groupInFours } from '../../integrations/pagopa/nav';
import { APP_ASSETS_PREFIX } from './assets';
import { ErrorSummary, Problem, ServicePage } from './components';
import type { PageContext } from './context';

type EnteContext = PageContext & { ente: Ente };
type Unpaid = Awaited<ReturnType<PaymentService['unpaidDocuments']>>;
type CartReturn = Awaited<ReturnType<PaymentService['cartReturn']>>;
type TopupBadges = Awaited<ReturnType<PaymentService['topupBadges']>>;
type PendingTopupRows = Awaited<ReturnType<PaymentService['pendingTopups']>>;
type Topup = Awaited<ReturnType<PaymentService['topup']>>;

const time = (iso: string) => new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

export function PaymentsPage({ ctx, documents, chosen = [], problems = {} }: { ctx: EnteContext; documents: Unpaid; chosen?: number[]; problems?: Partial<Record<string, string>> }) {
  const { m, ente } = ctx;
  const t = m.payments;
  const messages = Object.values(problems).map((key) => t.problems[key!] ?? key!);
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      lead={<p class="lead">{t.lead}</p>}
      notice={m.pageNotices.pagamenti}
      errors={<ErrorSummary title={t.problemTitle} items={messages.map((text) => ({ text }))} />}
    >
      {documents.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <form method="post" action={`/${ente.slug}/pagamenti`} data-payment-choice="" data-max={String(MAX_CART_NOTICES)}>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <p id="limit">{t.limit(MAX_CART_NOTICES)}</p>
            <table class="table table-stack" aria-describedby="limit">
              <caption>{t.caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.choose}</th>
                  <th scope="col">{t.document}</th>
                  <th scope="col">{t.pupil}</th>
                  <th scope="col">{t.service}</th>
                  <th scope="col">{t.dueDate}</th>
                  <th scope="col" class="text-end">
                    {t.amount}
                  </th>
                  <th scope="col">{t.state}</th>
                  <th scope="col">{t.notice}</th>
                </tr>
              </thead>
              <tbody>
                {documents.map((doc) => {
                  const label = `${doc.number}/${doc.year} — ${doc.givenName}, ${m.format.month(doc.period)}, ${m.format.euro(doc.totalCents)}`;
                  return (
                    <tr key={doc.id}>
                      <td data-label={t.choose}>
                        {doc.payable === 'payable' ? (
                          <div class="form-check">
                            <input
                              class="form-check-input"
                              type="checkbox"
                              name="documento"
                              value={String(doc.id)}
                              id={`doc-${doc.id}`}
                              checked={chosen.includes(doc.id)}
                              data-amount-cents={String(doc.totalCents)}
                            />
                            <label class="form-check-label" for={`doc-${doc.id}`}>
                              <span class="visually-hidden">{t.chooseDocument(label)}</span>
                            </label>
                          </div>
                        ) : (
                          '—'
                        )}
                      </td>
                      <th scope="row" data-label={t.document}>
                        <a href={`/${ente.slug}/documenti-contabili/${doc.id}`}>
                          {doc.number}/{doc.year}
                        </a>
                      </th>
                      <td data-label={t.pupil}>{doc.givenName}</td>
                      <td data-label={t.service}>
                        {doc.serviceName}, {m.format.month(doc.period)}
                      </td>
                      <td data-label={t.dueDate}>
                        {m.format.date(doc.dueDate)}
                        {doc.overdue && <span class="d-block small fw-semibold">{t.overdue}</span>}
                      </td>
                      <td class="text-end text-nowrap" data-label={t.amount}>{m.format.euro(doc.totalCents)}</td>
                      <td data-label={t.state}>
                        {t.states[doc.payable]}
                        {doc.payable === 'in_cart' && <span class="d-block small">{t.inCartHelp}</span>}
                        {doc.payable === 'preparing' && <span class="d-block small">{t.preparingHelp}</span>}
                      </td>
                      <td data-label={t.notice}>
                        {doc.noticeId !== null && doc.payable !== 'preparing' ? (
                          <a href={`/${ente.slug}/documenti-contabili/${doc.id}/avviso.pdf`}>
                            {t.downloadNotice}
                            <span class="visually-hidden"> {t.downloadNoticeOf(`${doc.number}/${doc.year}`)}</span>
                          </a>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          {/* Filled in by /js/payments.js as boxes are ticked; hidden without JavaScript. */}
          <p id="chosen-total" class="fw-semibold" aria-live="polite" hidden data-none={t.chosenNone} data-some={t.chosenSome} data-full={t.chosenFull(MAX_CART_NOTICES)} />
          <button type="submit" class="btn btn-primary">
            {t.start}
          </button>
          <script src={`${APP_ASSETS_PREFIX}js/payments.js`} defer />
        </form>
      )}
    </ServicePage>
  );
}

export function CartReturnPage({ ctx, result }: { ctx: EnteContext; result: CartReturn }) {
  const { m, ente } = ctx;
  const t = m.payments;
  return (
    <ServicePage ctx={ctx} title={t.resultTitle}>
      <p class="lead">{t.returned[result.returned]}</p>
      <p>{t.truth}</p>
      <ul class="list-group mb-3">
        {result.items.map((item) => (
          <li class="list-group-item d-flex justify-content-between flex-wrap gap-2" key={item.id}>
            <span>
              {item.description} — {m.format.euro(item.amountCents)}
              <span class="d-block small">
                {m.payments.notice} {groupInFours(item.nav)}
              </span>
            </span>
            <strong>{item.state === 'paid' ? t.itemPaid : item.state === 'cancelled' ? t.itemCancelled : t.itemChecking}</strong>
          </li>
        ))}
      </ul>
      {result.allPaid ? (
        <p class="fw-semibold">{t.allPaid}</p>
      ) : (
        <>
          <p>{t.lockedUntil(time(result.expiresAt))}</p>
          <p>
            <a class="btn btn-outline-primary" href={`/${ente.slug}/pagamenti/esito/${result.cartId}/${returnSlug(result.returned)}`}>
              {t.refresh}
            </a>
          </p>
        </>
      )}
      <p class="d-flex flex-wrap gap-3">
        {result.items.some((i) => i.kind === 'document') && <a href={`/${ente.slug}/documenti-contabili`}>{t.toDocuments}</a>}
        {result.items.some((i) => i.kind === 'topup') && <a href={`/${ente.slug}/conto-corrente`}>{t.toLedger}</a>}
        <a href={`/${ente.slug}/pagamenti`}>{t.toPayments}</a>
      </p>
    </ServicePage>
  );
}

export const RETURN_SLUGS = { ok: 'ok', annullato: 'cancel', errore: 'error', 'in-attesa': 'waiting' } as const;

function returnSlug(returned: CartReturn['returned']): string {
  return Object.entries(RETURN_SLUGS).find(([, value]) => value === returned)![0];
}

export interface TopupFormValues {
  badgeId?: number;
  amount: string;
}

export function TopupFormPage({
  ctx,
  badges,
  pending,
  values,
  problems = {},
}: {
  ctx: EnteContext;
  badges: TopupBadges;
  pending: PendingTopupRows;
  values: TopupFormValues;
  problems?: Partial<Record<string, string>>;
}) {
  const { m, ente } = ctx;
  const t = m.topups;
  const message = (field: string) => (problems[field] ? t.problems[problems[field]!] ?? problems[field] : undefined);
  const invalid = (field: string) => (problems[field] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${field}-problem` } : { 'aria-describedby': `${field}-help` });
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      lead={<p class="lead">{t.lead}</p>}
      notice={m.pageNotices.ricariche}
      errors={<ErrorSummary title={t.problemsTitle} items={Object.keys(problems).map((field) => ({ text: message(field)!, field }))} />}
    >
      {badges.length === 0 ? (
        <p>{t.noBadges}</p>
      ) : (
        <>
          <form method="post" action={`/${ente.slug}/ricariche`} novalidate>
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <div class="select-wrapper mb-4">
              <label for="badge">{t.badge}</label>
              <select id="badge" name="badge" required {...(problems.badge ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'badge-problem' } : {})}>
                {badges.map((b) => (
                  <option value={String(b.id)} selected={b.id === values.badgeId} key={b.id}>
                    {t.badgeOption(b.serviceName, b.code, `${b.givenName} ${b.familyName}`)}
                  </option>
                ))}
              </select>
              <Problem id="badge-problem" text={message('badge')} />
            </div>
            <div class="mb-4">
              <label for="amount" class="active">
                {t.amount}
              </label>
              <input type="text" inputmode="decimal" autocomplete="off" class="form-control" id="amount" name="importo" value={values.amount} required {...invalid('amount')} />
              <p class="small mt-1" id="amount-help">
                {t.amountHelp(m.format.euro(ente.topup_min_cents), m.format.euro(ente.topup_max_cents))}
              </p>
              <Problem id="amount-problem" text={message('amount')} />
            </div>
            <button type="submit" class="btn btn-primary">
              {t.confirm}
            </button>
          </form>
        </>
      )}
      <PendingTopups ctx={ctx} topups={pending} />
    </ServicePage>
  );
}

/**
 * Top-ups asked for and not paid yet, each with the way back to its notice: on the Ricariche page and
 * beside the Conto corrente (never in its balance).
 */
export function PendingTopups({ ctx, topups }: { ctx: EnteContext; topups: { id: number; amountCents: number; createdAt: string; badgeCode: string }[] }) {
  const { m, ente } = ctx;
  const t = m.topups;
  if (topups.length === 0) return null;
  return (
    <section aria-labelledby="pending-topups" class="my-4">
      <h2 class="h4" id="pending-topups">
        {t.pendingList}
      </h2>
      <p>{t.pending}</p>
      <table class="table table-stack">
        <caption>{t.pendingCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.requestedOn}</th>
            <th scope="col">{t.badge}</th>
            <th scope="col" class="text-end">
              {m.payments.amount}
            </th>
            <th scope="col">{m.payments.state}</th>
            <th scope="col">{m.payments.notice}</th>
          </tr>
        </thead>
        <tbody>
          {topups.map((topup) => (
            <tr key={topup.id}>
              <td data-label={t.requestedOn}>{m.format.dateTime(topup.createdAt)}</td>
              <td data-label={t.badge}>{topup.badgeCode}</td>
              <td class="text-end text-nowrap" data-label={m.payments.amount}>{m.format.euro(topup.amountCents)}</td>
              <td data-label={m.payments.state}>{t.state.in_attesa}</td>
              <td data-label={m.payments.notice}>
                <a href={`/${ente.slug}/ricariche/${topup.id}`}>
                  {t.open}
                  <span class="visually-hidden"> {t.openOf(m.format.euro(topup.amountCents))}</span>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function TopupPage({ ctx, topup, problem }: { ctx: EnteContext; topup: Topup; problem?: string }) {
  const { m, ente } = ctx;
  const t = m.topups;
  const action = (what: string) => `/${ente.slug}/ricariche/${topup.id}/${what}`;
  const csrf = <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
  const waiting = topup.state === 'in_attesa' && !topup.cancelled;
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      notice={m.pageNotices.ricariche}
      errors={problem && <ErrorSummary title={m.payments.problemTitle} items={[{ text: t.problems[problem] ?? m.payments.problems[problem] ?? problem }]} />}
    >
      <p class="lead">{t.summary(m.format.euro(topup.amountCents), topup.badgeCode)}</p>
      {topup.nav && topup.dueDate && (
        <p>
          {m.payments.notice} {groupInFours(topup.nav)}. {t.dueBy(m.format.date(topup.dueDate))}
        </p>
      )}
      {topup.state === 'accreditata' ? (
        <p class="fw-semibold">{t.credited}</p>
      ) : topup.cancelled ? (
        <p class="fw-semibold">{t.cancelledNotice}</p>
      ) : (
        <>
          <p class="fw-semibold">{t.pending}</p>
          <h2 class="h4">{t.chosenTitle}</h2>
          <div class="row g-4 mb-4">
            <section class="col-md-6" aria-labelledby="pay-now">
              <h3 class="h5" id="pay-now">
                {t.payNow}
              </h3>
              <p>{t.payNowHelp}</p>
              {topup.payable === 'payable' || topup.payable === 'no_notice' || topup.payable === 'preparing' ? (
                <form method="post" action={action('paga')}>
                  {csrf}
                  <button type="submit" class="btn btn-primary">
                    {t.payNow}
                  </button>
                </form>
              ) : (
                <p>{topup.payable === 'in_cart' ? t.inCart : ''}</p>
              )}
            </section>
            <section class="col-md-6" aria-labelledby="pay-later">
              <h3 class="h5" id="pay-later">
                {t.payLater}
              </h3>
              <p>{t.payLaterHelp}</p>
              {topup.payable === 'no_notice' ? (
                <form method="post" action={action('avviso')}>
                  {csrf}
                  <button type="submit" class="btn btn-outline-primary">
                    {t.payLaterButton}
                  </button>
                </form>
              ) : topup.payable === 'preparing' ? (
                <p>{t.preparing}</p>
              ) : (
                <a class="btn btn-outline-primary" href={action('avviso.pdf')}>
                  {t.downloadNotice}
                </a>
              )}
            </section>
          </div>
          {waiting && topup.payable !== 'in_cart' && (
            <section aria-labelledby="cancel-topup" class="mb-4">
              <h2 class="h5" id="cancel-topup">
                {t.cancelTitle}
              </h2>
              <p>{t.cancelHelp}</p>
              <form method="post" action={action('annulla')}>
                {csrf}
                <button type="submit" class="btn btn-outline-danger">
                  {t.cancel}
                </button>
              </form>
            </section>
          )}
        </>
      )}
      <p>
        <a href={`/${ente.slug}/conto-corrente?badge=${topup.badgeId}`}>{m.payments.toLedger}</a>
      </p>
    </ServicePage>
  );
}
