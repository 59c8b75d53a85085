import type { ComponentChildren } from 'preact';
import type { Messages } from '../i18n/it';

/**
 * The one list pattern (decision 0016): a table that stacks into labelled cards on a phone (decision
 * 0014's `table-stack`), filters as a GET form so a list can be bookmarked, and keyset pages (the
 * `dopo` parameter carries the opaque cursor of `db/pagination.ts`).
 */
export interface Column<Row> {
  label: string;
  /** The cell's content; the first column is the row's header cell. */
  cell: (row: Row) => ComponentChildren;
  numeric?: boolean;
  /**
   * A column the list can be sorted by: its header is a link to the list in that order, and the column the
   * list is sorted by says so to assistive technology (`aria-sort`) and in text, never by colour alone. A
   * list with sortable columns also offers its order in its filter form, for phones (see `SortLink`).
   */
  sort?: { href: string; state?: 'ascending' | 'descending'; hint: string };
}

export function DataTable<Row>({
  caption,
  columns,
  rows,
  keyOf,
  empty,
}: {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  keyOf: (row: Row) => string | number;
  empty: string;
}) {
  if (rows.length === 0) return <p>{empty}</p>;
  return (
    <table class="table table-stack">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" class={column.numeric ? 'text-end' : undefined} key={column.label} aria-sort={column.sort?.state}>
              {column.sort ? <SortLink label={column.label} {...column.sort} /> : column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={keyOf(row)}>
            {columns.map((column, i) =>
              i === 0 ? (
                <th scope="row" data-label={column.label} key={column.label}>
                  {column.cell(row)}
                </th>
              ) : (
                <td data-label={column.label} class={column.numeric ? 'text-end' : undefined} key={column.label}>
                  {column.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A sortable column's header: the column's name as a link, an arrow for the current order, a hint in words.
 * On a phone the header row of a stacked table is out of sight (decision 0014), so there the link is not
 * rendered at all (no focus on an invisible link): the list's own filter form offers the order instead.
 */
function SortLink({ label, href, state, hint }: { label: string; href: string; state?: 'ascending' | 'descending'; hint: string }) {
  return (
    <>
      <span class="d-md-none">{label}</span>
      <a href={href} class="text-nowrap d-none d-md-inline">
        {label}
        {state && <span aria-hidden="true">{state === 'ascending' ? ' ▲' : ' ▼'}</span>}
        <span class="visually-hidden"> ({hint})</span>
      </a>
    </>
  );
}

/** The filters of a list: a GET form, so the address of a filtered list can be kept and shared. */
export function FilterForm({ action, submit, children }: { action: string; submit: string; children: ComponentChildren }) {
  return (
    <form method="get" action={action} class="mb-4" role="search">
      <div class="row g-3 align-items-end">{children}</div>
      <button type="submit" class="btn btn-primary">
        {submit}
      </button>
    </form>
  );
}

/** Links to the first and the next page of a keyset list, with the current filters kept. */
export function Pager({ m, path, query, next, first }: { m: Messages; path: string; query: Record<string, string>; next?: string; first: boolean }) {
  if (!next && first) return null;
  const href = (extra: Record<string, string>) => {
    const params = new URLSearchParams(Object.entries({ ...query, ...extra }).filter(([, value]) => value !== ''));
    const text = params.toString();
    return text ? `${path}?${text}` : path;
  };
  return (
    <nav aria-label={m.lists.pages} class="d-flex gap-3 my-3">
      {!first && <a href={href({ dopo: '' })}>{m.lists.firstPage}</a>}
      {next && <a href={href({ dopo: next })}>{m.lists.nextPage}</a>}
    </nav>
  );
}
