import type { Ente } from '../../../db/schema';
import type { HolderRow, HolderView, PlanPreview, PlanView } from '../../../domain/instalments/service';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
export type PlanProblems = FormProblems<'rate' | 'prima_scadenza' | 'motivo' | 'documenti' | 'q' | 'chiave' | 'totale'>;
export const instalmentsBase = (ente: Ente) => `/${ente.slug}/ufficio/rateizzazioni`;

function crumbs(ctx: Ctx, title?: string) {
  const t = ctx.m.officeCorrections.instalments;
  return backofficeCrumbs(ctx, t.title, title ? { areaHref: instalmentsBase(ctx.ente), title } : undefined);
}

export function InstalmentsSearchPage({ ctx, query, results, problem }: { ctx: Ctx; query: string; results?: HolderRow[]; problem?: string }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections.instalments;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      {problem && <FormErrors m={m} problems={{ q: problem }} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={instalmentsBase(ente)} submit={t.search}>
        <div class="col-12">
          <TextField m={m} name="q" label={t.searchLabel} value={query} problem={problem} texts={t.problems} type="search" autocomplete="off" />
        </div>
      </FilterForm>
      {results && (
        <DataTable
          caption={t.resultsCaption(query)}
          rows={results}
          keyOf={(r) => r.id}
          empty={t.noResults}
          columns={[
            { label: t.columns.holder, cell: (r) => <a href={`${instalmentsBase(ente)}/intestatari/${r.id}`}>{`${r.familyName} ${r.givenName}`}</a> },
            { label: t.columns.fiscalCode, cell: (r) => r.fiscalCode },
            { label: t.columns.documents, numeric: true, cell: (r) => String(r.documents) },
            { label: t.columns.overdue, numeric: true, cell: (r) => m.format.euro(r.overdueCents) },
          ]}
        />
      )}
    </Layout>
  );
}

function DocumentsTable({ m, documents, caption }: { m: Messages; documents: HolderView['documents']; caption: string }) {
  const t = m.officeCorrections.instalments;
  return (
    <DataTable
      caption={caption}
      rows={documents}
      keyOf={(d) => d.id}
      empty={t.noOverdue}
      columns={[
        { label: t.docColumns.number, cell: (d) => `${d.number}/${d.year}` },
        { label: t.docColumns.service, cell: (d) => `${d.serviceName}, ${m.format.month(d.period)}` },
        { label: t.docColumns.pupil, cell: (d) => d.pupilGivenName },
        { label: t.docColumns.dueDate, cell: (d) => m.format.date(d.dueDate) },
        { label: t.docColumns.amount, numeric: true, cell: (d) => m.format.euro(d.totalCents) },
      ]}
    />
  );
}

function InstalmentsTable({ m, rows, noticeHref }: { m: Messages; rows: { position: number; dueDate: string; amountCents: number; nav?: string; state?: string }[]; noticeHref?: (position: number) => string }) {
  const t = m.officeCorrections.instalments;
  const withNav = rows.some((r) => r.nav);
  return (
    <DataTable
      caption={t.instalmentsCaption}
      rows={rows}
      keyOf={(r) => r.position}
      empty="—"
      columns={[
        { label: t.instColumns.position, cell: (r) => String(r.position) },
        { label: t.instColumns.dueDate, cell: (r) => m.format.date(r.dueDate) },
        { label: t.instColumns.amount, numeric: true, cell: (r) => m.format.euro(r.amountCents) },
        ...(withNav
          ? [
              { label: t.instColumns.nav, cell: (r: { nav?: string }) => r.nav ?? '' },
              { label: t.instColumns.state, cell: (r: { state?: string }) => t.instStates[r.state ?? ''] ?? r.state ?? '' },
            ]
          : []),
        ...(noticeHref
          ? [{
              label: t.instColumns.notice,
              cell: (r: { position: number; state?: string }) => (r.state === 'da_pagare' ? <a href={noticeHref(r.position)}>{t.noticeLink(r.position)}</a> : ''),
            }]
          : []),
      ]}
    />
  );
}

export function HolderPage({
  ctx, view, typed = {}, problems = {}, submissionKey, preview,
}: { ctx: Ctx; view: HolderView; typed?: Record<string, string>; problems?: PlanProblems; submissionKey: string; preview?: PlanPreview }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections.instalments;
  const name = `${view.person.familyName} ${view.person.givenName}`;
  const title = preview ? t.previewTitle : t.holderTitle(name);
  const action = `${instalmentsBase(ente)}/intestatari/${view.person.id}`;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <p class="lead">
        {name} ({view.person.fiscalCode})
      </p>
      <DocumentsTable m={m} documents={view.documents} caption={t.documentsCaption} />
      {view.documents.length > 0 && <p>{t.total(m.format.euro(view.totalCents))}</p>}
      {preview ? (
        <section aria-labelledby="preview-title">
          <h2 class="h3" id="preview-title">
            {t.instalmentsCaption}
          </h2>
          <p>{t.previewLead}</p>
          <InstalmentsTable m={m} rows={preview.instalments} />
          <p>{t.sum(m.format.euro(preview.instalments.reduce((sum, i) => sum + i.amountCents, 0)))}</p>
          <PostForm action={action} csrfToken={ctx.csrfToken}>
            <input type="hidden" name="rate" value={typed.rate ?? ''} />
            <input type="hidden" name="prima_scadenza" value={typed.prima_scadenza ?? ''} />
            <input type="hidden" name="motivo" value={typed.motivo ?? ''} />
            <input type="hidden" name="totale" value={String(preview.totalCents)} />
            <input type="hidden" name="chiave" value={submissionKey} />
            <button type="submit" name="passo" value="conferma" class="btn btn-primary me-3 mb-2">
              {t.confirm}
            </button>
            <a href={action} class="btn btn-outline-secondary mb-2">
              {t.back}
            </a>
          </PostForm>
        </section>
      ) : (
        view.documents.length > 0 && (
          <PostForm action={action} csrfToken={ctx.csrfToken}>
            <input type="hidden" name="chiave" value={submissionKey} />
            <input type="hidden" name="totale" value={String(view.totalCents)} />
            <TextField m={m} name="rate" label={t.fields.rate} value={typed.rate} problem={problems.rate} texts={t.problems} hint={t.countHint} required inputmode="numeric" autocomplete="off" />
            <TextField m={m} name="prima_scadenza" label={t.fields.prima_scadenza} value={typed.prima_scadenza} problem={problems.prima_scadenza} texts={t.problems} hint={t.dateHint} required autocomplete="off" />
            <TextAreaField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} required />
            <button type="submit" name="passo" value="verifica" class="btn btn-primary mb-2">
              {t.review}
            </button>
          </PostForm>
        )
      )}
      {view.plans.length > 0 && (
        <section aria-labelledby="plans-title" class="mt-4">
          <h2 class="h3" id="plans-title">
            {t.plansTitle}
          </h2>
          <DataTable
            caption={t.plansCaption}
            rows={view.plans}
            keyOf={(p) => p.id}
            empty="—"
            columns={[
              { label: t.planColumns.plan, cell: (p) => <a href={`${instalmentsBase(ente)}/piani/${p.id}`}>{t.planLink(String(p.id))}</a> },
              { label: t.planColumns.created, cell: (p) => m.format.dateTime(p.createdAt) },
              { label: t.planColumns.total, numeric: true, cell: (p) => m.format.euro(p.totalCents) },
              { label: t.planColumns.instalments, numeric: true, cell: (p) => String(p.instalments) },
              { label: t.planColumns.state, cell: (p) => t.states[p.state] ?? p.state },
            ]}
          />
        </section>
      )}
    </Layout>
  );
}

export function PlanPage({ ctx, plan, done }: { ctx: Ctx; plan: PlanView; done?: string }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections.instalments;
  const title = t.planTitle(String(plan.id));
  const doneText = done ? t.done[done] : undefined;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <h1>{title}</h1>
      <p class="lead">
        <a href={`${instalmentsBase(ente)}/intestatari/${plan.holderId}`}>{t.planLead(`${plan.familyName} ${plan.givenName}`, plan.fiscalCode)}</a>
      </p>
      {doneText && (
        <div class="alert alert-success" role="status">
          {doneText}
        </div>
      )}
      <dl class="row">
        <dt class="col-sm-4">{t.planFacts.total}</dt>
        <dd class="col-sm-8">{m.format.euro(plan.totalCents)}</dd>
        <dt class="col-sm-4">{t.planFacts.created}</dt>
        <dd class="col-sm-8">{m.format.dateTime(plan.createdAt)}</dd>
        <dt class="col-sm-4">{t.planFacts.reason}</dt>
        <dd class="col-sm-8">{plan.reason}</dd>
        <dt class="col-sm-4">{t.planFacts.state}</dt>
        <dd class="col-sm-8">{t.states[plan.state] ?? plan.state}</dd>
      </dl>
      <InstalmentsTable m={m} rows={plan.instalments} noticeHref={(position) => `${instalmentsBase(ente)}/piani/${plan.id}/rate/${position}/avviso.pdf`} />
      <DataTable
        caption={t.planDocumentsCaption}
        rows={plan.documents}
        keyOf={(d) => d.id}
        empty="—"
        columns={[
          { label: t.docColumns.number, cell: (d) => `${d.number}/${d.year}` },
          { label: t.docColumns.service, cell: (d) => `${d.serviceName}, ${m.format.month(d.period)}` },
          { label: t.docColumns.amount, numeric: true, cell: (d) => m.format.euro(d.amountCents) },
          { label: t.instColumns.state, cell: (d) => (d.state === 'da_pagare' ? m.documents.states.rateizzato : (m.documents.states[d.state] ?? d.state)) },
        ]}
      />
    </Layout>
  );
}
