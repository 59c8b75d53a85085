import type { Ente } from '../../../db/schema';
import type { Badge, Statement, StatementRow } from '../../../domain/ledger/account';
import { csvDocument, csvEuro } from '../../shared/csv';
import type { Messages } from '../../i18n/it';
import { PeriodErrorSummary, PeriodForm, ServicePage } from '../../shared/components';
import { PendingTopups } from '../ricariche/views';
import type { PageContext } from '../../shared/context';

type EnteContext = PageContext & { ente: Ente };

/** A balance in words as well as in figures: a debt is never told by colour alone. */
export function balanceInWords(m: Messages, cents: number): string {
  if (cents > 0) return m.ledger.credit(m.format.euro(cents));
  if (cents < 0) return m.ledger.debt(m.format.euro(-cents));
  return m.ledger.zero;
}

export function movementDescription(m: Messages, row: Pick<StatementRow, 'kind' | 'valueDate' | 'note'>): string {
  const base = m.ledger.kinds[row.kind]!(m.format.date(row.valueDate));
  return row.note ? `${base}: ${row.note}` : base;
}

/** A signed amount, with its sign written out: "+50,00 €", "−3,28 €". */
export function signedEuro(m: Messages, cents: number): string {
  return cents > 0 ? `+${m.format.euro(cents)}` : cents < 0 ? `−${m.format.euro(-cents)}` : m.format.euro(0);
}

function badgeLabel(m: Messages, badge: Badge) {
  return (
    m.ledger.badgeOf(badge.code, `${badge.givenName} ${badge.familyName}`, badge.serviceName) +
    (badge.active ? '' : ` (${m.ledger.inactive})`) +
    (badge.blockedAt ? ` (${m.officeBadges.portal.blocked})` : '')
  );
}

export function ChooseBadgePage({ ctx, badges }: { ctx: EnteContext; badges: Badge[] }) {
  const { m, ente } = ctx;
  const t = m.ledger;
  return (
    <ServicePage ctx={ctx} title={t.title} lead={<p class="lead">{t.lead}</p>}>
      {badges.length === 0 ? (
        <>
          <p>{t.noBadges}</p>
          <p>
            <a class="btn btn-primary" href={`/${ente.slug}/documenti-contabili`}>
              {t.toDocuments}
            </a>
          </p>
        </>
      ) : (
        <>
          <h2 class="h4">{t.chooseBadge}</h2>
          <p>{t.chooseBadgeIntro}</p>
          <ul class="list-group mb-3">
            {badges.map((badge) => (
              <li class="list-group-item d-flex justify-content-between align-items-center flex-wrap gap-2" key={badge.id}>
                <span>{badgeLabel(m, badge)}</span>
                <a class="btn btn-outline-primary btn-sm" href={`/${ente.slug}/conto-corrente?badge=${badge.id}`}>
                  {t.choose}
                  <span class="visually-hidden"> {badge.code}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </ServicePage>
  );
}

export function LedgerPage({
  ctx,
  badge,
  badges,
  period,
  statement,
  problems = {},
}: {
  ctx: EnteContext;
  badge: Badge;
  badges: Badge[];
  period: { from: string; to: string };
  statement?: Statement;
  problems?: Partial<Record<string, string>>;
}) {
  const { m, ente } = ctx;
  const t = m.ledger;
  const query = `badge=${badge.id}&dal=${period.from}&al=${period.to}`;
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      lead={<p class="lead">{t.lead}</p>}
      errors={problems && <PeriodErrorSummary title={m.periodProblemTitle} problems={problems} texts={t.problems} />}
    >
      <p>
        <strong>{badgeLabel(m, badge)}</strong>
        {badges.length > 1 && (
          <>
            {' — '}
            <a href={`/${ente.slug}/conto-corrente?cambia=1`}>{t.changeBadge}</a>
          </>
        )}
      </p>
      {badge.blockedAt && <p class="alert alert-warning">{m.officeBadges.portal.blockedNote(badge.code)}</p>}
      <PeriodForm
        action={`/${ente.slug}/conto-corrente`}
        hidden={{ badge: String(badge.id) }}
        period={period}
        texts={{ from: t.from, to: t.to, submit: t.show, problems: t.problems }}
        problems={problems}
      />
      {statement && (
        <>
          <h2 class="h4">{t.summary}</h2>
          <dl class="row">
            <dt class="col-sm-5">{t.closing(m.format.date(statement.balanceDate))}</dt>
            <dd class="col-sm-7">
              <strong>{signedEuro(m, statement.closingCents)}</strong> ({balanceInWords(m, statement.closingCents)})
            </dd>
            <dt class="col-sm-5">{t.opening(m.format.date(statement.from))}</dt>
            <dd class="col-sm-7">
              {signedEuro(m, statement.openingCents)} ({balanceInWords(m, statement.openingCents)})
            </dd>
          </dl>
          {statement.closingCents < 0 && (
            <div class="alert alert-warning" role="note">
              <p class="mb-2">{t.debtNotice(m.format.euro(-statement.closingCents))}</p>
              <a href={`/${ente.slug}/ricariche`}>{t.topUp}</a>
            </div>
          )}
          <p class="d-flex flex-wrap gap-2">
            <a class="btn btn-outline-primary btn-sm" href={`/${ente.slug}/conto-corrente/csv?${query}`}>
              {t.csv}
            </a>
            <a class="btn btn-outline-primary btn-sm" href={`/${ente.slug}/conto-corrente/pdf?${query}`}>
              {t.pdf}
            </a>
          </p>
          <PendingTopups ctx={ctx} topups={statement.pending.map((topup) => ({ ...topup, badgeCode: badge.code, serviceName: badge.serviceName }))} />
          {statement.rows.length === 0 ? (
            <p>{t.none}</p>
          ) : (
              <table class="table table-stack">
                <caption>{t.caption(badge.code, m.format.date(statement.from), m.format.date(statement.to))}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.date}</th>
                    <th scope="col">{t.description}</th>
                    <th scope="col" class="text-end">
                      {t.amount}
                    </th>
                    <th scope="col" class="text-end">
                      {t.balance}
                    </th>
                  </tr>
                </thead>
                <tbody dangerouslySetInnerHTML={{ __html: rowsHtml(m, statement.rows) }} />
              </table>
          )}
        </>
      )}
    </ServicePage>
  );
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Rendered rows by statement (the account service hands out the same rows while the ledger is unchanged) and language. */
const renderedRows = new WeakMap<readonly StatementRow[], Map<string, string>>();

/**
 * The table rows of a statement as HTML, newest first (the first row's balance is the current one),
 * rendered once per statement and language: a school year is about 200 rows, and building them as
 * components was most of the page's time. Every text is escaped here; each cell carries its column's
 * name for the stacked layout of small screens.
 */
function rowsHtml(m: Messages, rows: readonly StatementRow[]): string {
  let byLang = renderedRows.get(rows);
  if (!byLang) {
    byLang = new Map();
    renderedRows.set(rows, byLang);
  }
  let html = byLang.get(m.lang);
  if (html === undefined) {
    const t = m.ledger;
    const [date, description, amount, balance] = [t.date, t.description, t.amount, t.balance].map((label) => `data-label="${escapeHtml(label)}"`);
    html = rows
      .toReversed()
      .map(
        (row) =>
          `<tr><td ${date}>${escapeHtml(m.format.date(row.valueDate))}</td><td ${description}>${escapeHtml(movementDescription(m, row))}</td>` +
          `<td class="text-end text-nowrap" ${amount}>${escapeHtml(signedEuro(m, row.amountCents))}</td><td class="text-end text-nowrap" ${balance}>${escapeHtml(signedEuro(m, row.balanceCents))}</td></tr>`,
      )
      .join('');
    byLang.set(m.lang, html);
  }
  return html;
}

/** The statement as CSV (the shared writer; amounts in cents-exact euro, as numbers). */
export function ledgerCsv(m: Messages, statement: Statement): string {
  return csvDocument(['data', 'descrizione', 'importo', 'saldo'], [
    [statement.from, m.ledger.opening(m.format.date(statement.from)), '', csvEuro(statement.openingCents)],
    ...statement.rows.map((row) => [row.valueDate, movementDescription(m, row), csvEuro(row.amountCents), csvEuro(row.balanceCents)]),
    [statement.balanceDate, m.ledger.closing(m.format.date(statement.balanceDate)), '', csvEuro(statement.closingCents)],
  ]);
}
