import type { ComponentChildren } from 'preact';
import type { Ente } from '../../../db/schema';
import type { CorrectionDocument, CorrectionSearchRow, PupilAccount } from '../../../domain/corrections/service';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm } from '../../shared/list';
import { signedEuro } from '../../portal/conto-corrente/views';

type Ctx = PageContext & { ente: Ente };
export type Typed = Record<string, string>;
export type CorrectionProblems = FormProblems<'motivo' | 'importo' | 'tipo' | 'chiave' | 'documento' | 'addebito' | 'q'>;

export const correctionsBase = (ente: Ente) => `/${ente.slug}/ufficio/documenti`;

function crumbs(ctx: Ctx, title?: string) {
  const t = ctx.m.officeCorrections;
  return backofficeCrumbs(ctx, t.title, title ? { areaHref: correctionsBase(ctx.ente), title } : undefined);
}

function Done({ m, done }: { m: Messages; done: string | undefined }) {
  const text = done ? m.officeCorrections.done[done] : undefined;
  return text ? (
    <div class="alert alert-success" role="status">
      {text}
    </div>
  ) : null;
}

const numberOf = (d: { number: number; year: number }) => `${d.number}/${d.year}`;

function shownState(m: Messages, d: { state: string; dueDate: string; overdue?: boolean }, today: string) {
  const overdue = d.overdue ?? (d.state === 'da_pagare' && d.dueDate < today);
  return m.documents.states[overdue ? 'scaduto' : d.state] ?? d.state;
}

export function SearchPage({ ctx, query, results, problem, today }: { ctx: Ctx; query: string; results?: CorrectionSearchRow[]; problem?: string; today: string }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const base = correctionsBase(ente);
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      {problem && <FormErrors m={m} problems={{ q: problem }} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={base} submit={t.search}>
        <div class="col-12">
          <TextField m={m} name="q" label={t.searchLabel} value={query} problem={problem} texts={t.problems} type="search" autocomplete="off" />
        </div>
      </FilterForm>
      {results && (
        <DataTable
          caption={t.resultsCaption(query)}
          rows={results}
          keyOf={(d) => d.id}
          empty={t.noResults}
          columns={[
            {
              label: t.columns.number,
              cell: (d) => (
                <a href={`${base}/${d.id}`}>
                  <span class="visually-hidden">{t.openDocument} </span>
                  {`${m.documents.kinds[d.kind] ?? d.kind} ${numberOf(d)}`}
                </a>
              ),
            },
            { label: t.columns.date, cell: (d) => m.format.date(d.issueDate) },
            { label: t.columns.holder, cell: (d) => `${d.holderFamilyName} ${d.holderGivenName}` },
            { label: t.columns.pupil, cell: (d) => `${d.pupilFamilyName} ${d.pupilGivenName}` },
            { label: t.columns.service, cell: (d) => `${d.serviceName}, ${m.format.month(d.period)}` },
            { label: t.columns.amount, numeric: true, cell: (d) => m.format.euro(d.totalCents) },
            { label: t.columns.state, cell: (d) => shownState(m, d, today) },
          ]}
        />
      )}
    </Layout>
  );
}

function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="row">
      {items.map(([label, value]) => (
        <>
          <dt class="col-sm-4">{label}</dt>
          <dd class="col-sm-8">{value}</dd>
        </>
      ))}
    </dl>
  );
}

export function DocumentPage({ ctx, doc, done }: { ctx: Ctx; doc: CorrectionDocument; done?: string }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const base = correctionsBase(ente);
  const number = numberOf(doc);
  const title = t.documentTitle(m.documents.kinds[doc.kind] ?? doc.kind, number);
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <h1>{title}</h1>
      <p class="lead">{t.documentLead(`${doc.holderFamilyName} ${doc.holderGivenName} (${doc.holderFiscalCode})`, `${doc.pupilFamilyName} ${doc.pupilGivenName}`)}</p>
      <Done m={m} done={done} />
      <Facts
        items={[
          [t.facts.issueDate, m.format.date(doc.issueDate)],
          [t.facts.dueDate, m.format.date(doc.dueDate)],
          [t.facts.service, doc.serviceName],
          [t.facts.period, m.format.month(doc.period)],
          [t.facts.total, m.format.euro(doc.totalCents)],
          [t.facts.state, doc.planId !== null && doc.state === 'da_pagare' ? m.documents.states.rateizzato! : shownState(m, doc, '')],
          ...(doc.notice ? [[t.facts.notice, `${doc.notice.nav} — ${t.noticeStates[doc.notice.state] ?? doc.notice.state}`] as [string, string]] : []),
        ]}
      />
      {doc.creditNote && (
        <p>
          <a href={`${base}/${doc.creditNote.id}`}>{t.creditNote(numberOf(doc.creditNote))}</a>
        </p>
      )}
      {doc.cancelled && (
        <p>
          <a href={`${base}/${doc.cancelled.id}`}>{t.cancels(numberOf(doc.cancelled))}</a>
        </p>
      )}
      <DataTable
        caption={t.linesCaption(number)}
        rows={doc.lines}
        keyOf={(line) => line.position}
        empty="—"
        columns={[
          { label: m.documents.lineDescription, cell: (line) => line.description },
          { label: m.documents.quantity, numeric: true, cell: (line) => String(line.quantity) },
          { label: m.documents.unitPrice, numeric: true, cell: (line) => m.format.euro(line.unitPriceCents) },
          { label: m.documents.total, numeric: true, cell: (line) => m.format.euro(line.amountCents) },
        ]}
      />
      {doc.cancellable ? (
        <p>
          <a class="btn btn-outline-primary" href={`${base}/${doc.id}/annulla`}>
            {t.cancelAction}
          </a>
        </p>
      ) : (
        doc.kind === 'documento' && <p>{t.notCancellableNote}</p>
      )}
      {doc.corrections.length > 0 && (
        <section aria-labelledby="corrections-title" class="mt-4">
          <h2 class="h4" id="corrections-title">
            {t.correctionsTitle}
          </h2>
          <DataTable
            caption={t.correctionsCaption}
            rows={doc.corrections}
            keyOf={(c) => c.createdAt}
            empty="—"
            columns={[
              { label: t.columns.date, cell: (c) => m.format.dateTime(c.createdAt) },
              { label: t.chargeColumns.kind, cell: (c) => t.kinds[c.kind] ?? c.kind },
              { label: t.fields.motivo, cell: (c) => c.reason },
              { label: t.columns.amount, numeric: true, cell: (c) => m.format.euro(c.amountCents) },
            ]}
          />
        </section>
      )}
      <p class="mt-4">
        <a href={`${base}/alunni/${doc.pupilId}`}>{t.pupilAccount}</a>
      </p>
    </Layout>
  );
}

/**
 * A correction's two steps on one page: the form (reason, and what else it needs), then — after "Verifica
 * l'effetto" — what the correction will write, with the same values carried in hidden fields and Conferma.
 */
function CorrectionForm({
  ctx,
  action,
  typed,
  problems,
  submissionKey,
  effect,
  children,
  backHref,
}: {
  ctx: Ctx;
  action: string;
  typed: Typed;
  problems: CorrectionProblems;
  submissionKey: string;
  effect?: string[];
  children?: ComponentChildren;
  backHref: string;
}) {
  const { m } = ctx;
  const t = m.officeCorrections;
  if (effect) {
    return (
      <section aria-labelledby="effect-title">
        <h2 class="h3" id="effect-title">
          {t.effectTitle}
        </h2>
        <p>{t.confirmLead}</p>
        <ul>
          {effect.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <p>
          {t.fields.motivo}: <strong>{typed.motivo}</strong>
        </p>
        <PostForm action={action} csrfToken={ctx.csrfToken}>
          {Object.entries(typed)
            .filter(([name]) => name !== '_csrf' && name !== 'passo' && name !== 'chiave')
            .map(([name, value]) => (
              <input type="hidden" name={name} value={value} key={name} />
            ))}
          <input type="hidden" name="chiave" value={submissionKey} />
          <button type="submit" name="passo" value="conferma" class="btn btn-primary me-3 mb-2">
            {t.confirm}
          </button>
          <a href={backHref} class="btn btn-outline-secondary mb-2">
            {t.back}
          </a>
        </PostForm>
      </section>
    );
  }
  return (
    <PostForm action={action} csrfToken={ctx.csrfToken}>
      <input type="hidden" name="chiave" value={submissionKey} />
      {children}
      <TextAreaField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} hint={t.reasonHint} required />
      <button type="submit" name="passo" value="verifica" class="btn btn-primary me-3 mb-2">
        {t.review}
      </button>
      <a href={backHref} class="btn btn-outline-secondary mb-2">
        {t.back}
      </a>
    </PostForm>
  );
}

function Summary({ m, problems }: { m: Messages; problems: CorrectionProblems }) {
  const t = m.officeCorrections;
  return Object.keys(problems).length > 0 ? <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} /> : null;
}

export function CancelPage({
  ctx, doc, typed = {}, problems = {}, submissionKey, confirm,
}: { ctx: Ctx; doc: CorrectionDocument; typed?: Typed; problems?: CorrectionProblems; submissionKey: string; confirm?: { creditCents: number; noticeWithdrawn: boolean } }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const number = numberOf(doc);
  const title = confirm ? t.confirmTitle : t.cancelTitle(number);
  const effect = confirm
    ? [t.cancelEffect.document(number, m.format.euro(doc.totalCents)), t.cancelEffect.credit(m.format.euro(confirm.creditCents)), ...(confirm.noticeWithdrawn ? [t.cancelEffect.notice] : [])]
    : undefined;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <Summary m={m} problems={problems} />
      <h1>{title}</h1>
      <p class="lead">{t.cancelLead}</p>
      <p>{t.documentLead(`${doc.holderFamilyName} ${doc.holderGivenName}`, `${doc.pupilFamilyName} ${doc.pupilGivenName}`)}</p>
      <CorrectionForm
        ctx={ctx}
        action={`${correctionsBase(ente)}/${doc.id}/annulla`}
        typed={typed}
        problems={problems}
        submissionKey={submissionKey}
        effect={effect}
        backHref={`${correctionsBase(ente)}/${doc.id}`}
      />
    </Layout>
  );
}

export function PupilAccountPage({ ctx, account, done, today }: { ctx: Ctx; account: PupilAccount; done?: string; today: string }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const base = correctionsBase(ente);
  const name = `${account.pupil.familyName} ${account.pupil.givenName}`;
  const title = t.accountTitle(name);
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <h1>{title}</h1>
      <p class="lead">{t.accountLead}</p>
      <Done m={m} done={done} />
      <p>
        <a href={`/${ente.slug}/ufficio/anagrafe/alunni/${account.pupil.id}`}>{name}</a>
      </p>
      <section aria-labelledby="badges-title" class="mb-4">
        <h2 class="h3" id="badges-title">
          {t.badgesTitle}
        </h2>
        {account.badges.length === 0 ? (
          <p>{t.noBadges}</p>
        ) : (
          <ul>
            {account.badges.map((b) => (
              <li key={b.id}>
                {m.ledger.badge} {b.code} — {b.serviceName}: {t.balance(signedEuro(m, b.balanceCents))} —{' '}
                <a href={`${base}/badge/${b.id}/movimento`}>
                  {t.manualMovement}
                  <span class="visually-hidden"> ({b.code})</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="charges-title" class="mb-4">
        <h2 class="h3" id="charges-title">
          {t.chargesCaption}
        </h2>
        <DataTable
          caption={t.chargesCaption}
          rows={account.charges}
          keyOf={(c) => c.id}
          empty={t.noCharges}
          columns={[
            { label: t.chargeColumns.date, cell: (c) => m.format.date(c.date) },
            { label: t.chargeColumns.kind, cell: (c) => (c.kind === 'storno' && c.reason ? `${t.chargeKinds.storno}: ${c.reason}` : (t.chargeKinds[c.kind] ?? c.kind)) },
            { label: t.chargeColumns.service, cell: (c) => c.serviceName },
            { label: t.chargeColumns.amount, numeric: true, cell: (c) => m.format.euro(c.amountCents) },
            {
              label: t.chargeColumns.action,
              cell: (c) =>
                c.reversedBy !== null ? (
                  t.reversed
                ) : c.kind === 'storno' ? (
                  '—'
                ) : (
                  <a href={`${base}/addebiti/${c.id}/storno`}>
                    {t.reverse}
                    <span class="visually-hidden"> {t.reverseOf(m.format.date(c.date))}</span>
                  </a>
                ),
            },
          ]}
        />
      </section>
      <section aria-labelledby="documents-title">
        <h2 class="h3" id="documents-title">
          {t.documentsCaption}
        </h2>
        <DataTable
          caption={t.documentsCaption}
          rows={account.documents}
          keyOf={(d) => d.id}
          empty={t.noDocuments}
          columns={[
            {
              label: t.columns.number,
              cell: (d) => (
                <a href={`${base}/${d.id}`}>
                  <span class="visually-hidden">{t.openDocument} </span>
                  {`${m.documents.kinds[d.kind] ?? d.kind} ${numberOf(d)}`}
                </a>
              ),
            },
            { label: t.columns.service, cell: (d) => `${d.serviceName}, ${m.format.month(d.period)}` },
            { label: t.columns.amount, numeric: true, cell: (d) => m.format.euro(d.totalCents) },
            { label: t.columns.state, cell: (d) => shownState(m, d, today) },
          ]}
        />
      </section>
    </Layout>
  );
}

export function StornoPage({
  ctx, preview, typed = {}, problems = {}, submissionKey, confirming,
}: {
  ctx: Ctx;
  preview: { charge: { id: number; date: string; kind: string; amountCents: number; pupilId: number; serviceName: string; billing: string }; stornoCents: number; badgeCredited: boolean; stornoDate: string };
  typed?: Typed; problems?: CorrectionProblems; submissionKey: string; confirming?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const { charge } = preview;
  const title = confirming ? t.confirmTitle : t.stornoTitle;
  const effect = confirming
    ? [
        t.stornoEffect.charge(m.format.date(charge.date), t.chargeKinds[charge.kind] ?? charge.kind, m.format.euro(charge.amountCents)),
        t.stornoEffect.storno(m.format.euro(preview.stornoCents), m.format.date(preview.stornoDate)),
        preview.badgeCredited ? t.stornoEffect.badge(m.format.euro(-preview.stornoCents)) : t.stornoEffect.document,
      ]
    : undefined;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <Summary m={m} problems={problems} />
      <h1>{title}</h1>
      <p class="lead">{t.stornoLead}</p>
      <p>{t.stornoEffect.charge(m.format.date(charge.date), t.chargeKinds[charge.kind] ?? charge.kind, m.format.euro(charge.amountCents))} {charge.serviceName}.</p>
      <CorrectionForm
        ctx={ctx}
        action={`${correctionsBase(ente)}/addebiti/${charge.id}/storno`}
        typed={typed}
        problems={problems}
        submissionKey={submissionKey}
        effect={effect}
        backHref={`${correctionsBase(ente)}/alunni/${charge.pupilId}`}
      />
    </Layout>
  );
}

export function MovementPage({
  ctx, badge, typed = {}, problems = {}, submissionKey, preview,
}: {
  ctx: Ctx;
  badge: { id: number; code: string; pupilId: number; serviceName: string; givenName: string; familyName: string; balanceCents: number };
  typed?: Typed; problems?: CorrectionProblems; submissionKey: string;
  preview?: { signedCents: number; balanceAfterCents: number; valueDate: string };
}) {
  const { m, ente } = ctx;
  const t = m.officeCorrections;
  const title = preview ? t.confirmTitle : t.movementTitle(badge.code);
  const effect = preview
    ? [
        t.movementEffect.movement(t.kinds[preview.signedCents > 0 ? 'accredito' : 'addebito']!, m.format.euro(Math.abs(preview.signedCents)), m.format.date(preview.valueDate)),
        t.movementEffect.balance(signedEuro(m, badge.balanceCents), signedEuro(m, preview.balanceAfterCents)),
      ]
    : undefined;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <Summary m={m} problems={problems} />
      <h1>{title}</h1>
      <p class="lead">{t.movementLead}</p>
      <p>
        {badge.familyName} {badge.givenName} — {m.ledger.badge} {badge.code} ({badge.serviceName}): {t.balance(signedEuro(m, badge.balanceCents))}
      </p>
      <CorrectionForm
        ctx={ctx}
        action={`${correctionsBase(ente)}/badge/${badge.id}/movimento`}
        typed={typed}
        problems={problems}
        submissionKey={submissionKey}
        effect={effect}
        backHref={`${correctionsBase(ente)}/alunni/${badge.pupilId}`}
      >
        <SelectField
          m={m}
          name="tipo"
          label={t.fields.tipo}
          value={typed.tipo ?? 'accredito'}
          problem={problems.tipo}
          texts={t.problems}
          required
          options={[
            { value: 'accredito', label: t.directions.accredito! },
            { value: 'addebito', label: t.directions.addebito! },
          ]}
        />
        <TextField m={m} name="importo" label={t.fields.importo} value={typed.importo} problem={problems.importo} texts={t.problems} hint={t.amountHint} required inputmode="decimal" autocomplete="off" />
      </CorrectionForm>
    </Layout>
  );
}
