import type { Ente, FdrMatch } from '../../../db/schema';
import type { ReconciliationService } from '../../../domain/reconciliation/service';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { type Column, DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
type FlowsView = Awaited<ReturnType<ReconciliationService['flows']>>;
type FlowView = Awaited<ReturnType<ReconciliationService['flow']>>;
type DifferencesView = Awaited<ReturnType<ReconciliationService['differences']>>;
type PaymentRow = DifferencesView['payments'][number];

export const reconciliationBase = (ente: Ente) => `/${ente.slug}/ufficio/rendicontazione`;

function crumbs(ctx: Ctx, title?: string) {
  return backofficeCrumbs(ctx, ctx.m.officeReconciliation.title, title ? { areaHref: reconciliationBase(ctx.ente), title } : undefined);
}

function Status({ text, alert = false }: { text: string | undefined; alert?: boolean }) {
  return text ? (
    <div class={`alert ${alert ? 'alert-warning' : 'alert-success'}`} role="status">
      {text}
    </div>
  ) : null;
}

export function FlowsPage({
  ctx,
  view,
  done,
  first,
}: {
  ctx: Ctx;
  view: FlowsView;
  done?: { ok: true; stored: number; payments: number; receipts: number } | { ok: false; reason: string };
  first: boolean;
}) {
  const { m } = ctx;
  const t = m.officeReconciliation;
  const base = reconciliationBase(ctx.ente);
  const columns: Column<FlowsView['flows'][number]>[] = [
    { label: t.columns.fdr, cell: (f) => <a href={`${base}/flussi/${f.id}`}>{f.fdr}</a> },
    { label: t.columns.psp, cell: (f) => f.pspName },
    { label: t.columns.regulationDate, cell: (f) => m.format.date(f.regulationDate) },
    { label: t.columns.regulation, cell: (f) => <span class="text-break">{f.regulation}</span> },
    { label: t.columns.revision, cell: (f) => `${f.revision} — ${f.current ? t.current : t.superseded}` },
    { label: t.columns.payments, numeric: true, cell: (f) => t.paymentsOf(f.paymentsCount, f.declaredCount) },
    { label: t.columns.total, numeric: true, cell: (f) => m.format.euro(f.paymentsSumCents) },
    { label: t.columns.declared, numeric: true, cell: (f) => m.format.euro(f.declaredSumCents) },
    { label: t.columns.differences, numeric: true, cell: (f) => String(f.differences) },
  ];
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      {done && <Status text={done.ok ? t.fetched(done.stored, done.payments, done.receipts) : t.fetchFailed(done.reason)} alert={!done.ok} />}
      <p>
        {view.lastRun ? t.lastRun(m.format.dateTime(view.lastRun.at)) : t.neverFetched}
        {view.lastRun?.error && !done && <span class="d-block">{t.lastError(view.lastRun.error)}</span>}
      </p>
      <PostForm action={`${base}/scarica`} csrfToken={ctx.csrfToken} class="mb-4">
        <p class="small" id="fetch-hint">
          {t.fetchHint}
        </p>
        <button type="submit" class="btn btn-primary" aria-describedby="fetch-hint">
          {t.fetch}
        </button>
      </PostForm>
      <p>
        <a href={`${base}/differenze`}>{t.differencesLink}</a>
      </p>
      <DataTable caption={t.flowsCaption} columns={columns} rows={view.flows} keyOf={(f) => f.id} empty={t.noFlows} />
      <Pager m={m} path={base} query={{}} next={view.next} first={first} />
    </Layout>
  );
}

function paymentColumns(ctx: Ctx, withFlow: boolean): Column<PaymentRow>[] {
  const { m } = ctx;
  const t = m.officeReconciliation;
  const base = reconciliationBase(ctx.ente);
  const columns: Column<PaymentRow>[] = [
    { label: t.payment.iuv, cell: (p) => <span class="text-nowrap">{p.iuv}</span> },
    { label: t.payment.transfer, numeric: true, cell: (p) => String(p.transferIndex) },
    {
      label: t.payment.outcome,
      cell: (p) => (
        <>
          {t.matches[p.match] ?? p.match}
          {p.fetchNote && <span class="d-block small">{t.fetchNotes[p.fetchNote] ?? p.fetchNote}</span>}
        </>
      ),
    },
    { label: t.payment.amount, numeric: true, cell: (p) => m.format.euro(p.amountCents) },
    { label: t.payment.receipt, numeric: true, cell: (p) => (p.receiptCents === null ? '—' : m.format.euro(p.receiptCents)) },
    { label: t.payment.payDate, cell: (p) => m.format.dateTime(p.payDate) },
    { label: t.payment.iur, cell: (p) => <span class="text-break">{p.iur}</span> },
  ];
  if (withFlow) columns.push({ label: t.payment.flow, cell: (p) => <a href={`${base}/flussi/${p.flowId}`}>{`${p.fdr} (${p.revision})`}</a> });
  return columns;
}

export function FlowPage({ ctx, view }: { ctx: Ctx; view: FlowView }) {
  const { m } = ctx;
  const t = m.officeReconciliation;
  const { flow } = view;
  const title = t.flowTitle(flow.fdr);
  const order: FdrMatch[] = ['matched', 'amount_differs', 'no_receipt', 'duplicate', 'revoked'];
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <h1 class="text-break">{title}</h1>
      <p class="lead">{t.flowLead(flow.psp_name, flow.regulation, m.format.date(flow.regulation_date))}</p>
      <dl class="row">
        <dt class="col-sm-4">{t.columns.revision}</dt>
        <dd class="col-sm-8">{`${flow.revision} — ${flow.superseded_at === null ? t.current : t.superseded}`}</dd>
        <dt class="col-sm-4">{t.columns.published}</dt>
        <dd class="col-sm-8">{m.format.dateTime(flow.published_at)}</dd>
      </dl>
      <table class="table">
        <caption>{t.totalsCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.matchColumn}</th>
            <th scope="col" class="text-end">
              {t.countColumn}
            </th>
            <th scope="col" class="text-end">
              {t.amountColumn}
            </th>
          </tr>
        </thead>
        <tbody>
          {order
            .filter((match) => view.counts[match])
            .map((match) => (
              <tr key={match}>
                <th scope="row">{t.matches[match]}</th>
                <td class="text-end">{view.counts[match]!.count}</td>
                <td class="text-end text-nowrap">{m.format.euro(view.counts[match]!.cents)}</td>
              </tr>
            ))}
          <tr>
            <th scope="row">{t.totalRow}</th>
            <td class="text-end">{flow.payments_count}</td>
            <td class="text-end text-nowrap">{m.format.euro(flow.payments_sum_cents)}</td>
          </tr>
          <tr>
            <th scope="row">{t.declaredRow}</th>
            <td class="text-end">{flow.declared_count}</td>
            <td class="text-end text-nowrap">{m.format.euro(flow.declared_sum_cents)}</td>
          </tr>
        </tbody>
      </table>
      {view.differences.length === 0 ? (
        <p>{t.allMatched}</p>
      ) : (
        <DataTable caption={t.differencesCaption} columns={paymentColumns(ctx, false)} rows={view.differences} keyOf={(p) => p.id} empty={t.allMatched} />
      )}
      <p>
        <a href={reconciliationBase(ctx.ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

export function DifferencesPage({
  ctx,
  view,
  typedDays,
  days,
  problems = {},
}: {
  ctx: Ctx;
  view: DifferencesView | undefined;
  typedDays: string;
  days: number;
  problems?: FormProblems<'giorni'>;
}) {
  const { m } = ctx;
  const t = m.officeReconciliation;
  const d = t.differences;
  const base = reconciliationBase(ctx.ente);
  type Unreported = DifferencesView['unreported'][number];
  const unreportedColumns: Column<Unreported>[] = [
    { label: d.notice, cell: (r) => <span class="text-nowrap">{r.noticeNumber}</span> },
    { label: d.paidAt, cell: (r) => (r.paidAt ? m.format.dateTime(r.paidAt) : '—') },
    { label: d.debtor, cell: (r) => r.debtorName },
    { label: d.psp, cell: (r) => r.pspName },
    { label: d.amount, numeric: true, cell: (r) => m.format.euro(r.amountCents) },
  ];
  return (
    <Layout ctx={ctx} title={d.title} crumbs={crumbs(ctx, d.title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={{ giorni: d.days }} texts={t.problems} />}
      <h1>{d.title}</h1>
      <p class="lead">{d.lead}</p>
      <FilterForm action={`${base}/differenze`} submit={d.apply}>
        <div class="col-12 col-md-6">
          <TextField m={m} name="giorni" label={d.days} value={typedDays} problem={problems.giorni} texts={t.problems} hint={d.daysHint} inputmode="numeric" />
        </div>
      </FilterForm>
      {view && (
        <>
          <section aria-labelledby="flow-payments">
            <h2 class="h4" id="flow-payments">
              {d.paymentsTitle}
            </h2>
            <DataTable caption={d.paymentsCaption} columns={paymentColumns(ctx, true)} rows={view.payments} keyOf={(p) => p.id} empty={d.noPayments} />
            {view.payments.length >= 1000 && <p>{d.more}</p>}
          </section>
          <section aria-labelledby="unreported" class="mt-5">
            <h2 class="h4" id="unreported">
              {d.unreportedTitle}
            </h2>
            {!view.started ? (
              <p>{d.notStarted}</p>
            ) : (
              <>
                <p>{d.unreportedLead(days)}</p>
                <DataTable caption={d.unreportedCaption} columns={unreportedColumns} rows={view.unreported} keyOf={(r) => r.id} empty={d.noUnreported} />
                {view.unreported.length >= 1000 && <p>{d.more}</p>}
              </>
            )}
          </section>
        </>
      )}
      <p class="mt-4">
        <a href={base}>{t.back}</a>
      </p>
    </Layout>
  );
}
