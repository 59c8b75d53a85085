import type { Ente } from '../../../db/schema';
import type { AccountingRow, AccountingSummary } from '../../../domain/accounting/receipts';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { csvDocument, csvEuro, csvInteger, type CsvCell } from '../../shared/csv';
import { FormErrors, SelectField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
export type Typed = Record<string, string>;

export const base = (ente: Ente) => `/${ente.slug}/ufficio/contabilita`;

function periodText(m: Messages, period: string): string {
  return period.length === 7 ? m.format.month(period) : m.format.date(period);
}

export function AccountingPage({ ctx, typed, summary, problems = {} }: { ctx: Ctx; typed: Typed; summary?: AccountingSummary; problems?: FormProblems }) {
  const { m, ente } = ctx;
  const t = m.officeAccounting;
  const query = summary ? `?dal=${summary.query.from}&al=${summary.query.to}&per=${summary.query.grouping}` : '';
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={base(ente)} submit={t.show}>
        <div class="col-12 col-md-4">
          <TextField m={m} name="dal" label={t.fields.dal!} value={typed.dal} problem={problems.dal} texts={t.problems} type="date" />
        </div>
        <div class="col-12 col-md-4">
          <TextField m={m} name="al" label={t.fields.al!} value={typed.al} problem={problems.al} texts={t.problems} type="date" />
        </div>
        <div class="col-12 col-md-4">
          <SelectField m={m} name="per" label={t.fields.per!} value={typed.per} problem={problems.per} texts={t.problems} options={[{ value: 'giorno', label: t.groupings.giorno! }, { value: 'mese', label: t.groupings.mese! }]} />
        </div>
      </FilterForm>
      <p>{t.note}</p>
      {summary && (
        <>
          <p class="d-flex flex-wrap gap-3">
            <a href={`${base(ente)}/incassi.csv${query}`}>{t.csv}</a>
            <a href={`${base(ente)}/incassi.xlsx${query}`}>{t.xlsx}</a>
          </p>
          <DataTable
            caption={t.caption(m.format.date(summary.query.from), m.format.date(summary.query.to))}
            rows={summary.rows}
            keyOf={(row) => `${row.period}|${row.serviceName}|${row.taxonomyCode}`}
            empty={t.empty}
            columns={[
              { label: t.columns.period, cell: (row) => periodText(m, row.period) },
              { label: t.columns.service, cell: (row) => row.serviceName ?? t.notAttributed },
              { label: t.columns.taxonomy, cell: (row) => row.taxonomyCode ?? '—' },
              { label: t.columns.receipts, numeric: true, cell: (row) => String(row.receipts) },
              { label: t.columns.amount, numeric: true, cell: (row) => m.format.euro(row.amountCents) },
            ]}
          />
          <p class="fw-semibold" data-testid="accounting-total">
            {t.totalLine(summary.totalReceipts, m.format.euro(summary.totalCents))}
          </p>
        </>
      )}
    </Layout>
  );
}

export const ACCOUNTING_HEADER = ['periodo', 'servizio', 'tassonomia', 'ricevute', 'importo'] as const;

/** The rows of the export, then the total line (its service and taxonomy empty). */
export function accountingRows(m: Messages, summary: AccountingSummary): CsvCell[][] {
  const rows = summary.rows.map((row: AccountingRow) => [row.period, row.serviceName ?? m.officeAccounting.notAttributed, row.taxonomyCode ?? '', csvInteger(row.receipts), csvEuro(row.amountCents)]);
  return [...rows, [m.officeAccounting.total, '', '', csvInteger(summary.totalReceipts), csvEuro(summary.totalCents)]];
}

export function accountingCsv(m: Messages, summary: AccountingSummary): string {
  return csvDocument(ACCOUNTING_HEADER, accountingRows(m, summary));
}
