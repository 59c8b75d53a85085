import type { Ente } from '../../../db/schema';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';

export function FlaggedReceiptsPage({
  ctx,
  receipts,
  administrator,
  unreadable = [],
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
      {administrator && <p>{t.otherCreditorsNote}</p>}
      {receipts.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <div class="table-responsive">
          <table class="table">
            <caption>{t.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.received}</th>
                <th scope="col">{t.receiptId}</th>
                <th scope="col">{t.notice}</th>
                <th scope="col">{t.debtor}</th>
                <th scope="col" class="text-end">
                  {t.amount}
                </th>
                <th scope="col">{t.psp}</th>
                <th scope="col">{t.reason}</th>
              </tr>
            </thead>
            <tbody>
              {receipts.map((r) => (
                <tr key={r.id}>
                  <td>{m.format.dateTime(r.receivedAt)}</td>
                  <td class="text-break">{r.receiptId}</td>
                  <td class="text-nowrap">{r.noticeNumber}</td>
                  <td>
                    {r.debtorName} <span class="d-block small">{r.debtorFiscalCode}</span>
                  </td>
                  <td class="text-end text-nowrap">{m.format.euro(r.amountCents)}</td>
                  <td>{r.pspName}</td>
                  <td>{r.enteId === null ? t.otherCreditor(r.creditorTaxCode) : (t.flags[r.flag ?? ''] ?? r.flag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
