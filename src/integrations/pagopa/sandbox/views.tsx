import { type ComponentChildren, Fragment } from 'preact';
import { BOOTSTRAP_ITALIA_PREFIX, FONTS_CSS_PATH } from '../../../web/shared/assets';
import { formatEuroItalian } from '../amounts';
import { groupInFours } from '../nav';
import type { PagopaReceipt } from '../receipt-xml';
import type { SandboxCartRequest } from './schemas';
import type { CartState } from './store';
import { DELIVERY_MODES, type DeliveryMode, sandboxTexts } from './texts';

const t = sandboxTexts;

const euro = (cents: number) => `${formatEuroItalian(cents)} €`;

/**
 * A page of the sandbox: it plays an external site, so it has none of our portal's header, session or
 * language switch, but it uses the same stylesheets, and says plainly that it is not pagoPA.
 */
export function SandboxPage({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="it">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <link rel="stylesheet" href={FONTS_CSS_PATH} />
        <link rel="stylesheet" href={`${BOOTSTRAP_ITALIA_PREFIX}css/bootstrap-italia.min.css`} />
      </head>
      <body>
        <header class="container pt-3">
          <p class="alert alert-warning fw-semibold mb-0">{t.banner}</p>
        </header>
        <main id="main" class="container my-4">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

function DeliverySelect({ selected, problem }: { selected: DeliveryMode; problem?: string | undefined }) {
  const describedBy = problem ? 'consegna-hint consegna-problem' : 'consegna-hint';
  return (
    <div class="select-wrapper mb-4">
      <label for="consegna">{t.delivery.label}</label>
      <select id="consegna" name="consegna" aria-describedby={describedBy} {...(problem ? { 'aria-invalid': 'true' } : {})}>
        {DELIVERY_MODES.map((mode) => (
          <option value={mode} selected={mode === selected} key={mode}>
            {t.delivery.options[mode]}
          </option>
        ))}
      </select>
      <small id="consegna-hint" class="form-text">
        {t.delivery.hint}
      </small>
      {problem && (
        <div class="invalid-feedback d-block" id="consegna-problem">
          {problem}
        </div>
      )}
    </div>
  );
}

export function CheckoutPage({ cart, payAction, cancelAction }: { cart: SandboxCartRequest; payAction: string; cancelAction: string }) {
  const total = cart.paymentNotices.reduce((sum, notice) => sum + notice.amount, 0);
  return (
    <SandboxPage title={t.checkout.title}>
      <p class="lead">{t.checkout.lead}</p>
      <div class="table-responsive">
        <table class="table">
          <caption>{t.checkout.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t.checkout.description}</th>
              <th scope="col">{t.checkout.creditor}</th>
              <th scope="col">{t.checkout.noticeCode}</th>
              <th scope="col" class="text-end">
                {t.checkout.amount}
              </th>
            </tr>
          </thead>
          <tbody>
            {cart.paymentNotices.map((notice) => (
              <tr key={notice.noticeNumber}>
                <td>{notice.description}</td>
                <td>{notice.companyName}</td>
                <td class="text-nowrap">{groupInFours(notice.noticeNumber)}</td>
                <td class="text-end text-nowrap">{euro(notice.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                {t.checkout.total}
              </th>
              <td class="text-end text-nowrap fw-bold">{euro(total)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <form method="post" action={payAction}>
        <DeliverySelect selected="normale" />
        <div class="form-check mb-3">
          <input class="form-check-input" type="checkbox" name="doppio-pagamento" value="si" id="doppio-pagamento" aria-describedby="doppio-pagamento-hint" />
          <label class="form-check-label" for="doppio-pagamento">
            {t.checkout.doublePayment}
          </label>
          <p class="form-text" id="doppio-pagamento-hint">
            {t.checkout.doublePaymentHint}
          </p>
        </div>
        <div class="d-flex flex-wrap gap-3">
          <button type="submit" class="btn btn-primary" formAction={payAction}>
            {t.checkout.pay}
          </button>
          <button type="submit" class="btn btn-outline-primary" formAction={cancelAction}>
            {t.checkout.cancel}
          </button>
        </div>
      </form>
    </SandboxPage>
  );
}

/** A cart that can no longer be paid: its outcome, and the way back to the creditor's site. */
export function CartClosedPage({ state, returnUrl }: { state: Exclude<CartState, 'open'>; returnUrl: string }) {
  return (
    <SandboxPage title={t.checkout.closedTitle}>
      <p>{t.checkout.closed[state]}</p>
      <p>
        <a href={returnUrl}>{t.checkout.backToCreditor}</a>
      </p>
    </SandboxPage>
  );
}

export function MessagePage({ title, body }: { title: string; body: string }) {
  return (
    <SandboxPage title={title}>
      <p>{body}</p>
    </SandboxPage>
  );
}

export interface CounterValues {
  creditorTaxCode: string;
  noticeCode: string;
  delivery: DeliveryMode;
}

export type CounterProblem = keyof typeof sandboxTexts.counter.problems;
export type CounterField = 'creditorTaxCode' | 'noticeCode' | 'delivery';

const FIELD_IDS: Record<CounterField, string> = { creditorTaxCode: 'ente', noticeCode: 'avviso', delivery: 'consegna' };

export function CounterPage({
  action,
  values,
  problems = {},
}: {
  action: string;
  values: CounterValues;
  problems?: Partial<Record<CounterField, CounterProblem>>;
}) {
  const message = (field: CounterField) => {
    const problem = problems[field];
    return problem && t.counter.problems[problem];
  };
  const fields = [
    { field: 'creditorTaxCode', label: t.counter.creditorTaxCode, hint: t.counter.creditorTaxCodeHint, name: 'ente', value: values.creditorTaxCode },
    { field: 'noticeCode', label: t.counter.noticeCode, hint: t.counter.noticeCodeHint, name: 'avviso', value: values.noticeCode },
  ] as const;
  const listed = (Object.keys(problems) as CounterField[]).filter((field) => problems[field]);
  return (
    <SandboxPage title={t.counter.title}>
      <p class="lead">{t.counter.lead}</p>
      {listed.length > 0 && (
        <div class="alert alert-danger" role="alert">
          <p class="mb-1">{t.counter.errorsTitle}</p>
          <ul class="mb-0">
            {listed.map((field) => (
              <li key={field}>
                <a href={`#${FIELD_IDS[field]}`}>{message(field)}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action={action} novalidate>
        {fields.map(({ field, label, hint, name, value }) => {
          const problem = message(field);
          return (
            <div class="form-group mb-4" key={field}>
              <label for={name} class="active">
                {label}
              </label>
              <input
                type="text"
                class="form-control"
                id={name}
                name={name}
                value={value}
                inputMode="numeric"
                autoComplete="off"
                required
                aria-describedby={problem ? `${name}-hint ${name}-problem` : `${name}-hint`}
                {...(problem ? { 'aria-invalid': 'true' } : {})}
              />
              <small id={`${name}-hint`} class="form-text">
                {hint}
              </small>
              {problem && (
                <div class="invalid-feedback d-block" id={`${name}-problem`}>
                  {problem}
                </div>
              )}
            </div>
          );
        })}
        <DeliverySelect selected={values.delivery} problem={message('delivery')} />
        <button type="submit" class="btn btn-primary">
          {t.counter.submit}
        </button>
      </form>
    </SandboxPage>
  );
}

export function CounterDonePage({ receipt, amountCents, formUrl }: { receipt: PagopaReceipt; amountCents: number; formUrl: string }) {
  const rows: [string, string][] = [
    [t.counter.doneAmount, euro(amountCents)],
    [t.counter.doneNoticeCode, groupInFours(receipt.noticeNumber)],
    [t.counter.doneCreditor, receipt.companyName],
    [t.counter.doneReceiptId, receipt.receiptId],
  ];
  return (
    <SandboxPage title={t.counter.doneTitle}>
      <p class="lead" role="status">
        {t.counter.doneLead}
      </p>
      <dl class="row">
        {rows.map(([term, value]) => (
          <Fragment key={term}>
            <dt class="col-md-4">{term}</dt>
            <dd class="col-md-8 text-break">{value}</dd>
          </Fragment>
        ))}
      </dl>
      <p>
        <a href={formUrl}>{t.counter.another}</a>
      </p>
    </SandboxPage>
  );
}
