import type { Ente } from '../../../db/schema';
import type { BillingOverview } from '../../../domain/billing/preview';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';
import { DataTable } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };

export function BillingPage({ ctx, overview }: { ctx: Ctx; overview: BillingOverview }) {
  const { m } = ctx;
  const t = m.officeTariffs.billing;
  const { totals } = overview;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <section aria-labelledby="preview-title">
        <h2 class="h3" id="preview-title">
          {t.previewTitle(m.format.month(overview.period))}
        </h2>
        <p>{t.soFar(overview.daysCharged, overview.lastChargedDay === null ? null : m.format.date(overview.lastChargedDay))}</p>
        <DataTable
          caption={t.caption}
          rows={overview.rows.length > 0 ? [...overview.rows, { serviceName: t.totalRow, schoolName: '', ...totals }] : []}
          keyOf={(row) => `${row.serviceName}/${row.schoolName}`}
          empty={t.none}
          columns={[
            { label: t.columns.service, cell: (row) => row.serviceName },
            { label: t.columns.school, cell: (row) => row.schoolName || '—' },
            { label: t.columns.documents, numeric: true, cell: (row) => String(row.documents) },
            { label: t.columns.lines, numeric: true, cell: (row) => String(row.lines) },
            { label: t.columns.total, numeric: true, cell: (row) => m.format.euro(row.totalCents) },
          ]}
        />
      </section>
      <section aria-labelledby="runs-title" class="mt-5">
        <h2 class="h3" id="runs-title">
          {t.runsTitle}
        </h2>
        <DataTable
          caption={t.runsCaption}
          rows={overview.runs}
          keyOf={(run) => run.period}
          empty={t.noRuns}
          columns={[
            { label: t.runsColumns.period, cell: (run) => m.format.month(run.period) },
            { label: t.runsColumns.completedAt, cell: (run) => m.format.dateTime(run.completedAt) },
            { label: t.runsColumns.documents, numeric: true, cell: (run) => String(run.documents) },
            { label: t.runsColumns.total, numeric: true, cell: (run) => (run.totalCents === null ? '—' : m.format.euro(run.totalCents)) },
          ]}
        />
      </section>
    </Layout>
  );
}
