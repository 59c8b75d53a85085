import type { Ente } from '../../../db/schema';
import type { Resolution } from '../../../domain/corrections/receipts';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';
import { DataTable } from '../../shared/list';

export function FlaggedReceiptsPage({
  ctx,
  receipts,
  administrator,
  unreadable = [],
  resolutions = new Map(),
  mayResolve = false,
  done,
}: {
  ctx: PageContext & { ente: Ente };
  receipts: {
    id: number; receivedAt: string; receiptId: string; noticeNumber: string; debtorName: string; debtorFiscalCode: string; amountCents: number;
    pspName: string; flag: string | null; enteId: number | null; creditorTaxCode: string;
  }[];
  /** An amministratore also sees the receipts of creditors none of our enti is. */
  administrator: boolean;
  /** Receipts the pull could not read: set aside so that they stop nothing, listed here to be asked about. */
  unreadable?: { id: number; iuv: string; problem: string; detail: string; seenAt: string }[];
  /** How the office resolved each receipt (decision 0028), by receipt id. */
  resolutions?: ReadonlyMap<number, Resolution>;
  mayResolve?: boolean;
  done?: boolean;
}) {
  const { m } = ctx;
  const t = m.officeReceipts;
  return (
    <Layout
      ctx={ctx}
      title={t.title}
      crumbs={backofficeCrumbs(ctx, t.title)}
    >
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      {done && (
        <div class="alert alert-success" role="status">
          {m.officeCorrections.receipts.done}
        </div>
      )}
      {administrator && <p>{t.otherCreditorsNote}</p>}
      {/* One stacked table (decision 0014's table-stack): at 375 px each receipt reads as a labelled card. */}
      <DataTable
        caption={t.caption}
        rows={receipts}
        keyOf={(r) => r.id}
        empty={t.none}
        columns={[
          { label: t.received, cell: (r) => m.format.dateTime(r.receivedAt) },
          { label: t.receiptId, cell: (r) => <span class="text-break">{r.receiptId}</span> },
          { label: t.notice, cell: (r) => <span class="text-break">{r.noticeNumber}</span> },
          {
            label: t.debtor,
            cell: (r) => (
              <>
                {r.debtorName} <span class="d-block small">{r.debtorFiscalCode}</span>
              </>
            ),
          },
          { label: t.amount, numeric: true, cell: (r) => m.format.euro(r.amountCents) },
          { label: t.psp, cell: (r) => r.pspName },
          { label: t.reason, cell: (r) => (r.enteId === null ? t.otherCreditor(r.creditorTaxCode) : (t.flags[r.flag ?? ''] ?? r.flag)) },
          {
            label: m.officeCorrections.receipts.column,
            cell: (r) => <ResolutionCell ctx={ctx} id={r.id} receiptId={r.receiptId} resolution={resolutions.get(r.id)} mayResolve={mayResolve} />,
          },
        ]}
      />
      {unreadable.length > 0 && (
        <section aria-labelledby="unreadable-receipts" class="mt-5">
          <h2 class="h4" id="unreadable-receipts">
            {t.unreadableTitle}
          </h2>
          <p>{t.unreadableLead}</p>
          <div class="table-responsive">
            <table class="table">
              <caption>{t.unreadableCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.seen}</th>
                  <th scope="col">{t.iuv}</th>
                  <th scope="col">{t.reason}</th>
                  <th scope="col">{t.detail}</th>
                </tr>
              </thead>
              <tbody>
                {unreadable.map((r) => (
                  <tr key={r.id}>
                    <td>{m.format.dateTime(r.seenAt)}</td>
                    <td class="text-nowrap">{r.iuv}</td>
                    <td>{t.problems[r.problem] ?? r.problem}</td>
                    <td class="text-break small">{r.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </Layout>
  );
}

/** A receipt's resolution in words, or the link to resolve it. */
function ResolutionCell({ ctx, id, receiptId, resolution, mayResolve }: { ctx: PageContext & { ente: Ente }; id: number; receiptId: string; resolution?: Resolution; mayResolve: boolean }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections.receipts;
  if (resolution) {
    const text =
      resolution.action === 'assegnata'
        ? t.resolved.assegnata(resolution.documentNumber !== null ? t.documentItem(`${resolution.documentNumber}/${resolution.documentYear}`) : t.topupItem(String(resolution.topupId)))
        : resolution.action === 'rimborso'
          ? t.resolved.rimborso(m.format.euro(resolution.refundCents ?? 0))
          : t.resolved.verificata;
    return (
      <>
        {text}
        <span class="d-block small">
          {resolution.reason} — {m.format.dateTime(resolution.createdAt)}
        </span>
      </>
    );
  }
  if (!mayResolve) return <>{t.open}</>;
  return (
    <a href={`/${ente.slug}/ufficio/ricevute/${id}`}>
      {t.resolve}
      <span class="visually-hidden"> {t.resolveOf(receiptId)}</span>
    </a>
  );
}
