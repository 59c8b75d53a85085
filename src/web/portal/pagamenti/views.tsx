import type { Ente } from '../../../db/schema';
import type { PaymentService } from '../../../domain/payments/payments';
import { MAX_CART_NOTICES } from '../../../domain/payments/payments';
import { groupInFours } from '../../../integrations/pagopa/nav';
import { APP_ASSETS_PREFIX } from '../../shared/assets';
import { ErrorSummary, ServicePage } from '../../shared/components';
import type { PageContext } from '../../shared/context';

type EnteContext = PageContext & { ente: Ente };
type Unpaid = Awaited<ReturnType<PaymentService['unpaidDocuments']>>;
type CartReturn = Awaited<ReturnType<PaymentService['cartReturn']>>;
type OpenCarts = Awaited<ReturnType<PaymentService['openCarts']>>;

const time = (iso: string) => new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

export function PaymentsPage({
  ctx,
  documents,
  carts,
  abandoned = false,
  chosen = [],
  problems = {},
}: {
  ctx: EnteContext;
  documents: Unpaid;
  carts: OpenCarts;
  /** The holder just abandoned a cart and it holds nothing any more. */
  abandoned?: boolean;
  chosen?: number[];
  problems?: Partial<Record<string, string>>;
}) {
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
      {abandoned && (
        <p class="alert alert-success" role="status">
          {t.abandoned}
        </p>
      )}
      <OpenCartList ctx={ctx} carts={carts} />
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

/** Carts still holding notices: a payment started in another tab is resumed or abandoned here. */
function OpenCartList({ ctx, carts }: { ctx: EnteContext; carts: OpenCarts }) {
  const { m, ente } = ctx;
  const t = m.payments;
  if (carts.length === 0) return null;
  return (
    <section aria-labelledby="open-carts" class="mb-4">
      <h2 class="h4" id="open-carts">
        {t.openCartsTitle}
      </h2>
      <p>{t.openCartsIntro}</p>
      {carts.map((cart) => {
        const when = m.format.dateTime(cart.createdAt);
        return (
          <div class="card card-bg mb-3" key={cart.id}>
            <div class="card-body">
              <p class="mb-2">{t.cartStarted(when, time(cart.expiresAt))}</p>
              <ul class="list-group mb-3" aria-label={t.cartItems}>
                {cart.items.map((item) => (
                  <li class="list-group-item" key={item.id}>
                    {item.description} — {m.format.euro(item.amountCents)}
                    <span class="d-block small">
                      {t.notice} {groupInFours(item.nav)}
                    </span>
                    <span class="d-block small fw-semibold">
                      {item.check === 'paid' ? t.heldPaid : item.check === 'unknown' || cart.left ? t.heldUnknown(time(cart.expiresAt)) : t.inProgress}
                    </span>
                  </li>
                ))}
              </ul>
              {!cart.left && (
                <div class="d-flex flex-wrap gap-3">
                  {cart.resumeUrl && (
                    <a class="btn btn-primary" href={cart.resumeUrl}>
                      {t.resume}
                      <span class="visually-hidden"> {t.cartOf(when)}</span>
                    </a>
                  )}
                  <form method="post" action={`/${ente.slug}/pagamenti/carrelli/${cart.id}/abbandona`}>
                    <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                    <button type="submit" class="btn btn-outline-primary">
                      {t.abandon}
                      <span class="visually-hidden"> {t.cartOf(when)}</span>
                    </button>
                  </form>
                </div>
              )}
            </div>
          </div>
        );
      })}
    </section>
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
            <span class="text-end">
              <strong>{item.state === 'paid' ? t.itemPaid : item.state === 'cancelled' ? t.itemCancelled : item.held ? t.itemChecking : t.itemReleased}</strong>
              {item.state === 'open' && (
                <span class="d-block small">
                  {!item.held ? t.itemReleasedHelp : item.check === 'paid' ? t.heldPaid : item.check === 'unknown' ? t.heldUnknown(time(result.expiresAt)) : ''}
                </span>
              )}
            </span>
          </li>
        ))}
      </ul>
      {result.allPaid ? (
        <p class="fw-semibold">{t.allPaid}</p>
      ) : (
        <>
          {result.items.some((i) => i.held && i.check === undefined) && <p>{t.lockedUntil(time(result.expiresAt))}</p>}
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
