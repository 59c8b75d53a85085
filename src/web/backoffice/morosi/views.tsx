import type { Page } from '../../../db/pagination';
import type { Ente } from '../../../db/schema';
import { daysBetween } from '../../../domain/calendar/local-time';
import { type DebtorChoices, type DebtorOrder, type DebtorRow, type DebtorSort, DEFAULT_ORDER } from '../../../domain/debtors/debtors';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { type CsvCell, csvDocument, csvEuro, csvInteger } from '../../shared/csv';
import { FormErrors, SelectField, TextField } from '../../shared/fields';
import { Layout } from '../../shared/layout';
import { type Column, DataTable, FilterForm, Pager } from '../../shared/list';
import { xlsxDocument } from '../../shared/xlsx';

type Ctx = PageContext & { ente: Ente };

/** The list's GET parameters as typed (filters and order), kept in every link of the page. */
export type DebtorQuery = Record<'servizio' | 'scuola' | 'minimo' | 'ritardo' | 'ordina' | 'verso', string>;

/** The ages the filter offers: at least this many days late. */
export const AGE_CHOICES = ['31', '91', '366'] as const;

export const debtorsPath = (ente: Ente) => `/${ente.slug}/ufficio/morosi`;

function href(path: string, query: Record<string, string>): string {
  const text = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== '')).toString();
  return text ? `${path}?${text}` : path;
}

/** The header link of a column: its own order (descending first for amounts and counts), or the other direction when it is the current one. */
function sortLink(m: Messages, path: string, query: DebtorQuery, order: DebtorOrder, sort: DebtorSort): Column<DebtorRow>['sort'] {
  const t = m.officeDebtors;
  const current = order.sort === sort;
  const direction = current ? (order.direction === 'asc' ? 'desc' : 'asc') : sort === 'nome' ? 'asc' : 'desc';
  const state = current ? (order.direction === 'asc' ? 'ascending' : 'descending') : undefined;
  return {
    href: href(path, { ...query, ordina: sort, verso: direction }),
    state,
    hint: current ? t.sortedBy(t.sortLabels[sort]!, order.direction === 'asc' ? t.ascending : t.descending) : t.sortBy(t.sortLabels[sort]!),
  };
}

export function DebtorsPage({
  ctx,
  choices,
  typed,
  problems,
  order = DEFAULT_ORDER,
  page,
  first = true,
}: {
  ctx: Ctx;
  choices: DebtorChoices;
  typed: Partial<DebtorQuery>;
  problems: Record<string, string | undefined>;
  order?: DebtorOrder;
  page?: Page<DebtorRow> & { today: string };
  first?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeDebtors;
  const path = debtorsPath(ente);
  const query: DebtorQuery = {
    servizio: typed.servizio ?? '', scuola: typed.scuola ?? '', minimo: typed.minimo ?? '', ritardo: typed.ritardo ?? '',
    ordina: order.sort === DEFAULT_ORDER.sort && order.direction === DEFAULT_ORDER.direction ? '' : order.sort,
    verso: order.sort === DEFAULT_ORDER.sort && order.direction === DEFAULT_ORDER.direction ? '' : order.direction,
  };
  const labels = { servizio: t.service, scuola: t.school, minimo: t.minAmount, ritardo: t.minAge, ordina: t.sortField, verso: t.direction, dopo: m.lists.nextPage };
  const refused = Object.values(problems).some(Boolean);
  const sortable = (sort: DebtorSort) => sortLink(m, path, query, order, sort);
  const c = t.columns;
  const columns: Column<DebtorRow>[] = [
    {
      label: c.holder,
      sort: sortable('nome'),
      cell: (r) => (
        <>
          <a href={`/${ente.slug}/ufficio/anagrafe/persone/${r.personId}`}>{`${r.familyName} ${r.givenName}`}</a>
          <span class="d-block small text-break">{r.fiscalCode}</span>
        </>
      ),
    },
    { label: c.overdue, numeric: true, sort: sortable('scaduto'), cell: (r) => <strong>{m.format.euro(r.overdueCents)}</strong> },
    { label: c.notDue, numeric: true, sort: sortable('a_scadere'), cell: (r) => m.format.euro(r.notDueCents) },
    { label: c.age1, numeric: true, cell: (r) => m.format.euro(r.ageing[0]) },
    { label: c.age2, numeric: true, cell: (r) => m.format.euro(r.ageing[1]) },
    { label: c.age3, numeric: true, cell: (r) => m.format.euro(r.ageing[2]) },
    { label: c.age4, numeric: true, cell: (r) => m.format.euro(r.ageing[3]) },
    { label: c.documents, numeric: true, sort: sortable('documenti'), cell: (r) => String(r.documents) },
    { label: c.delay, numeric: true, sort: sortable('ritardo'), cell: (r) => <span class="text-nowrap">{t.days(daysBetween(r.oldestDueDate, page!.today))}</span> },
    { label: c.lastReminder, cell: (r) => (r.lastReminder ? m.format.date(r.lastReminder) : t.noReminder) },
    {
      label: c.statement,
      cell: (r) => (
        <a href={`${path}/${r.personId}/estratto-conto.pdf`}>
          {t.statementLink}
          <span class="visually-hidden"> {t.statementLabel(`${r.familyName} ${r.givenName}`)}</span>
        </a>
      ),
    },
  ];
  const sortOptions = Object.entries(t.sortLabels).map(([value, label]) => ({ value, label }));
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {refused && <FormErrors m={m} problems={problems} labels={labels} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={path} submit={t.submit}>
        <div class="col-12 col-md-6 col-lg-3">
          <SelectField m={m} name="servizio" label={t.service} value={typed.servizio} problem={problems.servizio} texts={t.problems} empty={t.anyService}
            options={choices.services.map((s) => ({ value: String(s.id), label: s.name }))} />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <SelectField m={m} name="scuola" label={t.school} value={typed.scuola} problem={problems.scuola} texts={t.problems} empty={t.anySchool}
            options={choices.schools.map((s) => ({ value: String(s.id), label: s.name }))} />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <TextField m={m} name="minimo" label={t.minAmount} hint={t.minAmountHint} value={typed.minimo} problem={problems.minimo} texts={t.problems} inputmode="decimal" />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <SelectField m={m} name="ritardo" label={t.minAge} value={typed.ritardo} problem={problems.ritardo} texts={t.problems} empty={t.anyAge}
            options={AGE_CHOICES.map((days) => ({ value: days, label: t.ages[days]! }))} />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <SelectField m={m} name="ordina" label={t.sortField} value={typed.ordina || order.sort} problem={problems.ordina} texts={t.problems} options={sortOptions} />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <SelectField m={m} name="verso" label={t.direction} value={typed.verso || order.direction} problem={problems.verso} texts={t.problems}
            options={[{ value: 'desc', label: t.descending }, { value: 'asc', label: t.ascending }]} />
        </div>
      </FilterForm>
      {page && (
        <>
          <p>
            {t.asOf(m.format.date(page.today))}{' '}
            {t.export}: <a href={href(`${path}.csv`, query)}>{t.csv}</a> · <a href={href(`${path}.xlsx`, query)}>{t.xlsx}</a>
          </p>
          <DataTable<DebtorRow>
            caption={`${t.caption} (${t.sortedBy(t.sortLabels[order.sort]!, order.direction === 'asc' ? t.ascending : t.descending)})`}
            rows={page.rows}
            keyOf={(r) => r.personId}
            empty={t.none}
            columns={columns}
          />
          <Pager m={m} path={path} query={query} next={page.next} first={first} />
        </>
      )}
    </Layout>
  );
}

const HEADER = [
  'codice_fiscale', 'cognome', 'nome', 'scaduto', 'a_scadere', 'scaduto_fino_trenta_giorni', 'scaduto_fino_novanta_giorni', 'scaduto_fino_un_anno', 'scaduto_oltre_un_anno', 'documenti',
  'scadenza_piu_vecchia', 'giorni_ritardo', 'ultimo_sollecito',
] as const;

function exportRows(rows: readonly DebtorRow[], today: string): CsvCell[][] {
  return rows.map((r) => [
    r.fiscalCode, r.familyName, r.givenName, csvEuro(r.overdueCents), csvEuro(r.notDueCents), csvEuro(r.ageing[0]), csvEuro(r.ageing[1]), csvEuro(r.ageing[2]),
    csvEuro(r.ageing[3]), csvInteger(r.documents), r.oldestDueDate, csvInteger(daysBetween(r.oldestDueDate, today)), r.lastReminder ?? '',
  ]);
}

/** The list as CSV: the same rows as the pages, every page at once. */
export function debtorsCsv(rows: readonly DebtorRow[], today: string): string {
  return csvDocument(HEADER, exportRows(rows, today));
}

/** The list as XLSX: the same header and rows as the CSV. */
export function debtorsXlsx(m: Messages, rows: readonly DebtorRow[], today: string): Uint8Array {
  return xlsxDocument(m.officeDebtors.sheetName, HEADER, exportRows(rows, today));
}
