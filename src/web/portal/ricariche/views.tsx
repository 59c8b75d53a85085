import type { Ente } from '../../../db/schema';
import type { PaymentService } from '../../../domain/payments/payments';
import { groupInFours } from '../../../integrations/pagopa/nav';
import { ErrorSummary, Problem, ServicePage } from '../../shared/components';
import type { PageContext } from '../../shared/context';

type EnteContext = PageContext & { ente: Ente };
type TopupBadges = Awaited<ReturnType<PaymentService['topupBadges']>>;
type PendingTopupRows = Awaited<ReturnType<PaymentService['pendingTopups']>>;
type Topup = Awaited<ReturnType<PaymentService['topup']>>;

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
  const message = (field: string) =>
    problems[field] ? (t.problems[problems[field]!] ?? (problems[field] === 'badgeBlocked' ? m.officeBadges.portal.badgeBlocked : problems[field])) : undefined;
  const blocked = badges.filter((b) => b.blockedAt !== null);
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
                  <option value={String(b.id)} selected={b.id === values.badgeId} disabled={b.blockedAt !== null} key={b.id}>
                    {t.badgeOption(b.serviceName, b.code, `${b.givenName} ${b.familyName}`)}
                    {b.blockedAt !== null ? ` (${m.officeBadges.portal.blocked})` : ''}
                  </option>
                ))}
              </select>
              {blocked.map((b) => (
                <p class="small mt-1 mb-0" key={b.id}>
                  {m.officeBadges.portal.blockedNote(b.code)}
                </p>
              ))}
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
export function PendingTopups({
  ctx,
  topups,
}: {
  ctx: EnteContext;
  topups: { id: number; amountCents: number; createdAt: string; badgeCode: string; serviceName: string; paymentStarted: boolean }[];
}) {
  const { m, ente } = ctx;
  const t = m.topups;
  if (topups.length === 0) return null;
  return (
    <section aria-labelledby="pending-topups" class="my-4">
      <h2 class="h4" id="pending-topups">
        {t.pendingList}
      </h2>
      <p>{t.pendingIntro}</p>
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
              <td data-label={t.badge}>{t.serviceAndBadge(topup.serviceName, topup.badgeCode)}</td>
              <td class="text-end text-nowrap" data-label={m.payments.amount}>{m.format.euro(topup.amountCents)}</td>
              <td data-label={m.payments.state}>{topup.paymentStarted ? t.awaitingReceipt : t.toPay}</td>
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
          <p class="fw-semibold">{topup.payable === 'in_cart' ? t.pending : t.choosePayment}</p>
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
