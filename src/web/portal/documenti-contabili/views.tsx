import type { Ente } from '../../../db/schema';
import type { DocumentDetail, DocumentList } from '../../../domain/billing/documents';
import type { PupilSummary } from '../../../domain/registry/service';
import type { Messages } from '../../i18n/it';
import { ServicePage } from '../../shared/components';
import { PupilLine } from '../pupil';
import type { PageContext } from '../../shared/context';

type EnteContext = PageContext & { ente: Ente };

function documentNumber(doc: { number: number; year: number }) {
  return `${doc.number}/${doc.year}`;
}

/**
 * The pagoPA papers of a document: the notice while it can be paid, the receipt once a receipt paid it.
 * A document paid some other way (or not through a notice) has neither.
 */
function PagopaLinks({ m, ente, doc }: { m: Messages; ente: Ente; doc: { id: number; number: number; year: number; state: string; noticeState: string | null; positionState: string | null } }) {
  const t = m.payments;
  const number = documentNumber(doc);
  if (doc.state === 'da_pagare' && doc.noticeState === 'open' && doc.positionState === 'published') {
    return (
      <a class="d-block" href={`/${ente.slug}/documenti-contabili/${doc.id}/avviso.pdf`}>
        {t.downloadNotice}
        <span class="visually-hidden"> {t.downloadNoticeOf(number)}</span>
      </a>
    );
  }
  if (doc.state === 'pagato' && doc.noticeState === 'paid') {
    return (
      <a class="d-block" href={`/${ente.slug}/documenti-contabili/${doc.id}/ricevuta.pdf`}>
        {t.downloadReceipt}
        <span class="visually-hidden"> {t.downloadReceiptOf(number)}</span>
      </a>
    );
  }
  return null;
}

/** The state in words; the visual badge repeats it and never carries meaning by colour alone. */
function StateBadge({ m, state }: { m: Messages; state: string }) {
  const tone = state === 'scaduto' ? 'bg-danger' : state === 'da_pagare' ? 'bg-warning text-dark' : state === 'pagato' ? 'bg-success' : 'bg-secondary';
  return <span class={`badge ${tone}`}>{m.documents.states[state] ?? state}</span>;
}

/**
 * An overdue document's notice is published payable until a later date (GPD refuses a past due date):
 * while it can be paid, that date is shown beside the document's own due date.
 */
function payableByShown(doc: { kind: string; state: string; dueDate: string; payableBy: string | null; noticeState: string | null }): boolean {
  return doc.kind === 'documento' && doc.state === 'da_pagare' && doc.noticeState === 'open' && !!doc.payableBy && doc.payableBy !== doc.dueDate;
}

export function DocumentsPage({ ctx, pupil, pupils, documents }: { ctx: EnteContext; pupil: PupilSummary; pupils: PupilSummary[]; documents: DocumentList }) {
  const { m, ente } = ctx;
  const t = m.documents;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  return (
    <ServicePage ctx={ctx} title={t.title} lead={<p class="lead">{t.lead}</p>}>
      <PupilLine ctx={ctx} pupil={pupil} pupils={pupils} service="documenti-contabili" />
      {documents.length === 0 ? (
        <p>{t.none}</p>
      ) : (
          <table class="table table-stack">
            <caption>{t.caption(name)}</caption>
            <thead>
              <tr>
                <th scope="col">{t.number}</th>
                <th scope="col">{t.issueDate}</th>
                <th scope="col">{t.period}</th>
                <th scope="col">{t.service}</th>
                <th scope="col" class="text-end">
                  {t.amount}
                </th>
                <th scope="col">{t.dueDate}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {documents.map((doc) => (
                <tr key={doc.id}>
                  <th scope="row" data-label={t.number}>
                    {doc.kind === 'nota_credito' && <span class="d-block small">{t.kinds.nota_credito}</span>}
                    {documentNumber(doc)}
                  </th>
                  <td data-label={t.issueDate}>{m.format.date(doc.issueDate)}</td>
                  <td data-label={t.period}>{m.format.month(doc.period)}</td>
                  <td data-label={t.service}>{doc.serviceName}</td>
                  <td class="text-end text-nowrap" data-label={t.amount}>{m.format.euro(doc.totalCents)}</td>
                  <td data-label={t.dueDate}>
                    {doc.kind === 'documento' ? m.format.date(doc.dueDate) : '—'}
                    {payableByShown(doc) && <span class="d-block small">{t.payableBy(m.format.date(doc.payableBy!))}</span>}
                  </td>
                  <td data-label={t.state}>
                    <StateBadge m={m} state={doc.shownState} />
                    {doc.paidAt && <span class="d-block small">{t.paidOn(m.format.date(doc.paidAt.slice(0, 10)))}</span>}
                  </td>
                  <td data-label={t.actions}>
                    <a href={`/${ente.slug}/documenti-contabili/${doc.id}`}>
                      {t.detail}
                      <span class="visually-hidden"> {t.detailOf(documentNumber(doc))}</span>
                    </a>
                    <PagopaLinks m={m} ente={ente} doc={doc} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
      )}
    </ServicePage>
  );
}

export function DocumentDetailPage({ ctx, detail }: { ctx: EnteContext; detail: DocumentDetail }) {
  const { m, ente } = ctx;
  const t = m.documents;
  const { document: doc, lines, pupil } = detail;
  const number = documentNumber(doc);
  const title = t.documentTitle(t.kinds[doc.kind]!, number);
  return (
    <ServicePage ctx={ctx} title={title}>
      <p>
        <a href={`/${ente.slug}/documenti-contabili?utente=${pupil.id}`}>{t.back}</a>
      </p>
      {doc.state === 'annullato' && doc.reason && (
        <div class="alert alert-info" role="note">
          {t.cancelled(doc.reason)}
        </div>
      )}
      <dl class="row">
        <dt class="col-sm-4">{t.pupil}</dt>
        <dd class="col-sm-8">
          {pupil.givenName} {pupil.familyName}
        </dd>
        <dt class="col-sm-4">{t.recipient}</dt>
        <dd class="col-sm-8">
          {doc.recipient}, {doc.address}
        </dd>
        <dt class="col-sm-4">{t.service}</dt>
        <dd class="col-sm-8">{doc.serviceName}</dd>
        <dt class="col-sm-4">{t.period}</dt>
        <dd class="col-sm-8">{m.format.month(doc.period)}</dd>
        <dt class="col-sm-4">{t.issueDate}</dt>
        <dd class="col-sm-8">{m.format.date(doc.issueDate)}</dd>
        {doc.kind === 'documento' && (
          <>
            <dt class="col-sm-4">{t.dueDate}</dt>
            <dd class="col-sm-8">{m.format.date(doc.dueDate)}</dd>
            {payableByShown(doc) && (
              <>
                <dt class="col-sm-4">{t.payableByLabel}</dt>
                <dd class="col-sm-8">{m.format.date(doc.payableBy!)}</dd>
              </>
            )}
          </>
        )}
        <dt class="col-sm-4">{t.state}</dt>
        <dd class="col-sm-8">
          <StateBadge m={m} state={doc.shownState} />
          {doc.paidAt && ` ${t.paidOn(m.format.date(doc.paidAt.slice(0, 10)))}`}
        </dd>
        <dt class="col-sm-4">{t.amount}</dt>
        <dd class="col-sm-8">
          <strong>{m.format.euro(doc.totalCents)}</strong>
        </dd>
      </dl>
      <h2 class="h4">{t.lines}</h2>
        <table class="table table-stack">
          <caption>{t.linesCaption(number)}</caption>
          <thead>
            <tr>
              <th scope="col">{t.lineDescription}</th>
              <th scope="col" class="text-end">
                {t.quantity}
              </th>
              <th scope="col" class="text-end">
                {t.unitPrice}
              </th>
              <th scope="col" class="text-end">
                {t.amount}
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.position}>
                <td lang="it" data-label={t.lineDescription}>{line.description}</td>
                <td class="text-end" data-label={t.quantity}>{line.quantity}</td>
                <td class="text-end text-nowrap" data-label={t.unitPrice}>{m.format.euro(line.unitPriceCents)}</td>
                <td class="text-end text-nowrap" data-label={t.amount}>{m.format.euro(line.amountCents)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                {t.total}
              </th>
              <td class="text-end text-nowrap">
                <strong>{m.format.euro(doc.totalCents)}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      <p class="d-flex flex-wrap gap-3">
        <PagopaLinks m={m} ente={ente} doc={doc} />
        {doc.state === 'da_pagare' && doc.noticeState === 'open' && <a href={`/${ente.slug}/pagamenti`}>{m.payments.title}</a>}
      </p>
    </ServicePage>
  );
}
