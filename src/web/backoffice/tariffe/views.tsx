import type { Ente } from '../../../db/schema';
import type { BandView, ExemptionsView, PreviewResult, TariffTableView } from '../../../domain/tariffs/management';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs, ErrorSummary, Problem, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextField, problemText } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm } from '../../shared/list';
import { pupilBase, typedDate, typedEuro } from '../anagrafe/alunni/iscrizioni/views';

type Ctx = PageContext & { ente: Ente };
type Option = { id: number; name?: string; label?: string };
export type Choices = { services: { id: number; name: string }[]; years: { id: number; label: string }[] };
export type Typed = Record<string, string>;

const base = (ente: Ente) => `/${ente.slug}/ufficio/tariffe`;

/** Home › ente › Ufficio comunale › Tariffe › this page. */
function crumbs(ctx: Ctx, title?: string) {
  return backofficeCrumbs(ctx, ctx.m.officeTariffs.title, title ? { areaHref: base(ctx.ente), title } : undefined);
}


/** Basis points as a person reads a percentage: 2000 → "20%", 1250 → "12,5%". */
export function percentText(bp: number): string {
  return `${(bp / 100).toLocaleString('it-IT', { maximumFractionDigits: 2 })}%`;
}

/** Basis points as a person types them back: 1250 → "12,5". */
export function typedPercent(bp: number | null | undefined): string {
  return bp === null || bp === undefined ? '' : (bp / 100).toLocaleString('it-IT', { maximumFractionDigits: 2, useGrouping: false });
}

function options(list: readonly Option[]) {
  return list.map((o) => ({ value: String(o.id), label: o.name ?? o.label ?? '' }));
}

/** The choice of a tariff table: a GET form, so the address of a table can be kept. */
function TableChooser({ ctx, choices, serviceId, yearId, action }: { ctx: Ctx; choices: Choices; serviceId?: number; yearId?: number; action: string }) {
  const t = ctx.m.officeTariffs;
  return (
    <FilterForm action={action} submit={t.choose.apply}>
      <div class="col-12 col-md-6">
        <SelectField m={ctx.m} name="servizio" label={t.choose.servizio} value={serviceId === undefined ? '' : String(serviceId)} options={options(choices.services)} />
      </div>
      <div class="col-12 col-md-6">
        <SelectField m={ctx.m} name="anno" label={t.choose.anno} value={yearId === undefined ? '' : String(yearId)} options={options(choices.years)} />
      </div>
    </FilterForm>
  );
}

export function TariffsPage({ ctx, choices, table, saved }: { ctx: Ctx; choices: Choices; table?: TariffTableView; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  const query = table ? `?servizio=${table.service.id}&anno=${table.year.id}` : '';
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={saved} />
      {choices.services.length === 0 || choices.years.length === 0 ? (
        <p>{t.noServices}</p>
      ) : (
        <TableChooser ctx={ctx} choices={choices} serviceId={table?.service.id} yearId={table?.year.id} action={base(ente)} />
      )}
      <p>
        <a href={`${base(ente)}/anteprima${query}`}>{t.previewLink}</a>
      </p>
      {table && (
        <>
          <h2 class="h3 mt-4">{t.tableTitle(table.service.name, table.year.label)}</h2>
          <p>
            {t.priceDay(m.format.date(table.day))} {t.changeLimit(m.format.date(table.earliestChange))}
          </p>
          <DataTable
            caption={t.bandsCaption}
            rows={table.bands}
            keyOf={(band) => band.id}
            empty={t.noBands}
            columns={[
              {
                label: t.columns.band,
                cell: (band) => (
                  <a href={`${base(ente)}/fasce/${band.id}`}>
                    <span class="visually-hidden">{t.openBand}</span>
                    {band.bandLabel}
                  </a>
                ),
              },
              { label: t.columns.resident, cell: (band) => (band.resident ? t.residents : t.nonResidents) },
              { label: t.columns.isee, cell: (band) => iseeRangeText(m, band) },
              { label: t.columns.price, numeric: true, cell: (band) => `${m.format.euro(band.inForce.amountCents)} ${t.units[band.unit]}` },
              { label: t.columns.from, cell: (band) => (band.inForce.validFrom === null ? t.fromYearStart : m.format.date(band.inForce.validFrom)) },
              { label: t.columns.changes, cell: (band) => t.changesCount(band.prices.length) },
            ]}
          />
          <p>
            <a class="btn btn-outline-primary" href={`${base(ente)}/fasce/nuova${query}`}>
              {t.addBand}
            </a>
          </p>
          <section aria-labelledby="siblings-title" class="mt-5">
            <h2 class="h3" id="siblings-title">
              {t.siblingsTitle}
            </h2>
            <p>{t.siblingsLead}</p>
            <SiblingsHistory ctx={ctx} table={table} />
            <p>
              <a class="btn btn-outline-primary" href={`${base(ente)}/riduzioni${query}`}>
                {t.changeSiblings}
              </a>
            </p>
          </section>
          <p class="mt-4">{t.exemptionsHint}</p>
        </>
      )}
    </Layout>
  );
}

function iseeRangeText(m: Messages, band: { resident: boolean; iseeMinCents: number; iseeMaxCents: number | null }) {
  const t = m.officeTariffs;
  if (!band.resident) return t.anyIsee;
  return t.iseeRange(m.format.euro(band.iseeMinCents), band.iseeMaxCents === null ? null : m.format.euro(band.iseeMaxCents));
}

/** A rank's reduction among rules: the highest rank up to it covers it (as `siblingPercent`). */
function rankPercent(rules: readonly { childRank: number; percentBp: number }[], rank: number): number {
  return rules.filter((r) => r.childRank <= rank).sort((a, b) => b.childRank - a.childRank)[0]?.percentBp ?? 0;
}

function SiblingsHistory({ ctx, table }: { ctx: Ctx; table: TariffTableView }) {
  const { m } = ctx;
  const t = m.officeTariffs;
  const days = [...new Set(table.siblings.map((r) => r.validFrom ?? ''))];
  const rows = days.map((day) => {
    const rules = table.siblings.filter((r) => (r.validFrom ?? '') <= day);
    const latest = new Map<number, { childRank: number; percentBp: number; validFrom: string | null }>();
    for (const r of rules) latest.set(r.childRank, r);
    const inForce = [...latest.values()];
    return { day, second: rankPercent(inForce, 2), third: rankPercent(inForce, 3) };
  });
  return (
    <>
      <p>{t.siblingsNow(percentText(rankPercent(table.siblingsInForce, 2)), percentText(rankPercent(table.siblingsInForce, 3)))}</p>
      <DataTable
        caption={t.siblingsCaption}
        rows={rows}
        keyOf={(row) => row.day}
        empty={t.noSiblings}
        columns={[
          { label: t.siblingsColumns.from, cell: (row) => (row.day === '' ? t.fromYearStart : m.format.date(row.day)) },
          { label: t.siblingsColumns.second, numeric: true, cell: (row) => percentText(row.second) },
          { label: t.siblingsColumns.third, numeric: true, cell: (row) => percentText(row.third) },
        ]}
      />
    </>
  );
}

export type BandField = 'servizio' | 'anno' | 'codice' | 'etichetta' | 'residenti' | 'isee_da' | 'isee_a' | 'unita' | 'importo';

export function NewBandPage({ ctx, choices, typed = {}, problems = {} }: { ctx: Ctx; choices: Choices; typed?: Typed; problems?: FormProblems<BandField> }) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  return (
    <Layout ctx={ctx} title={t.newBandTitle} crumbs={crumbs(ctx, t.newBandTitle)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.newBandTitle}</h1>
      <p>{t.newBandLead}</p>
      <PostForm action={`${base(ente)}/fasce/nuova`} csrfToken={ctx.csrfToken}>
        <SelectField m={m} name="servizio" label={t.fields.servizio} value={typed.servizio} problem={problems.servizio} texts={t.problems} required options={options(choices.services)} />
        <SelectField m={m} name="anno" label={t.fields.anno} value={typed.anno} problem={problems.anno} texts={t.problems} required options={options(choices.years)} />
        <TextField m={m} name="codice" label={t.fields.codice} value={typed.codice} problem={problems.codice} texts={t.problems} required autocomplete="off" />
        <TextField m={m} name="etichetta" label={t.fields.etichetta} value={typed.etichetta} problem={problems.etichetta} texts={t.problems} required autocomplete="off" />
        <SelectField
          m={m}
          name="residenti"
          label={t.fields.residenti}
          value={typed.residenti ?? 'si'}
          problem={problems.residenti}
          texts={t.problems}
          required
          options={[
            { value: 'si', label: t.residentOptions.si },
            { value: 'no', label: t.residentOptions.no },
          ]}
        />
        <TextField m={m} name="isee_da" label={t.fields.isee_da} value={typed.isee_da} problem={problems.isee_da} texts={t.problems} inputmode="decimal" autocomplete="off" />
        <TextField m={m} name="isee_a" label={t.fields.isee_a} value={typed.isee_a} problem={problems.isee_a} texts={t.problems} hint={t.iseeToHint} inputmode="decimal" autocomplete="off" />
        <SelectField
          m={m}
          name="unita"
          label={t.fields.unita}
          value={typed.unita ?? 'pasto'}
          problem={problems.unita}
          texts={t.problems}
          required
          options={[
            { value: 'pasto', label: t.units.pasto },
            { value: 'mese', label: t.units.mese },
          ]}
        />
        <TextField m={m} name="importo" label={t.fields.importo} value={typed.importo} problem={problems.importo} texts={t.problems} required inputmode="decimal" autocomplete="off" />
        <button type="submit" class="btn btn-primary">
          {t.newBandSubmit}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={base(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

export type PriceField = 'dal' | 'importo' | 'modifica';

export function BandPage({ ctx, view, typed = {}, problems = {}, saved }: { ctx: Ctx; view: BandView; typed?: Typed; problems?: FormProblems<PriceField>; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  const { band } = view;
  const title = t.bandTitle(band.bandLabel);
  const tableLink = `${base(ente)}?servizio=${band.serviceId}&anno=${band.schoolYearId}`;
  const stateOf = (validFrom: string | null) => {
    const from = validFrom ?? view.year.startsOn;
    if (from > view.day) return t.priceStates.future;
    return (view.inForce.validFrom ?? view.year.startsOn) === from ? t.priceStates.current : t.priceStates.past;
  };
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {/* A refused withdrawal has no field to point at: the summary says it. */}
      {problems.modifica && <ErrorSummary title={m.forms.summaryTitle} items={[{ text: problemText(m, t.problems, problems.modifica)! }]} />}
      {!problems.modifica && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={saved} />
      <dl class="row">
        <dt class="col-sm-4">{t.fields.servizio}</dt>
        <dd class="col-sm-8">{view.service.name}</dd>
        <dt class="col-sm-4">{t.fields.anno}</dt>
        <dd class="col-sm-8">{view.year.label}</dd>
        <dt class="col-sm-4">{t.columns.resident}</dt>
        <dd class="col-sm-8">{band.resident ? t.residents : t.nonResidents}</dd>
        <dt class="col-sm-4">{t.columns.isee}</dt>
        <dd class="col-sm-8">{iseeRangeText(m, band)}</dd>
        <dt class="col-sm-4">{t.columns.price}</dt>
        <dd class="col-sm-8">{`${m.format.euro(view.inForce.amountCents)} ${t.units[band.unit]}`}</dd>
      </dl>
      <section aria-labelledby="history-title">
        <h2 class="h4" id="history-title">
          {t.historyTitle}
        </h2>
        <DataTable
          caption={t.historyCaption}
          rows={band.prices}
          keyOf={(price) => price.id}
          empty={t.noBands}
          columns={[
            { label: t.historyColumns.from, cell: (price) => (price.validFrom === null ? `${m.format.date(view.year.startsOn)} (${t.fromYearStart})` : m.format.date(price.validFrom)) },
            { label: t.historyColumns.price, numeric: true, cell: (price) => `${m.format.euro(price.amountCents)} ${t.units[price.unit]}` },
            { label: t.historyColumns.state, cell: (price) => stateOf(price.validFrom) },
            {
              label: t.historyColumns.withdraw,
              cell: (price) =>
                price.validFrom !== null && price.validFrom >= view.earliestChange ? (
                  <PostForm action={`${base(ente)}/fasce/${band.id}/annulla`} csrfToken={ctx.csrfToken}>
                    <input type="hidden" name="modifica" value={String(price.id)} />
                    <button type="submit" class="btn btn-outline-danger btn-sm">
                      {t.withdrawSubmit(m.format.date(price.validFrom))}
                    </button>
                  </PostForm>
                ) : (
                  t.notWithdrawable
                ),
            },
          ]}
        />
      </section>
      <section aria-labelledby="change-title" class="mt-4">
        <h2 class="h4" id="change-title">
          {t.changeTitle}
        </h2>
        <p>
          {t.changeLead} {t.changeLimit(m.format.date(view.earliestChange))}
        </p>
        <PostForm action={`${base(ente)}/fasce/${band.id}`} csrfToken={ctx.csrfToken}>
          <TextField m={m} name="dal" label={t.fields.dal} value={typed.dal ?? ''} problem={problems.dal} texts={t.problems} required autocomplete="off" hint="GG/MM/AAAA" />
          <TextField m={m} name="importo" label={t.fields.importo} value={typed.importo ?? ''} problem={problems.importo} texts={t.problems} required inputmode="decimal" autocomplete="off" />
          <button type="submit" class="btn btn-primary">
            {t.changeSubmit}
          </button>
        </PostForm>
      </section>
      <p class="mt-4">
        <a href={tableLink}>{t.back}</a>
      </p>
    </Layout>
  );
}

export type SiblingsField = 'dal' | 'secondo' | 'terzo';

export function SiblingsPage({ ctx, table, typed, problems = {} }: { ctx: Ctx; table: TariffTableView; typed?: Typed; problems?: FormProblems<SiblingsField> }) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  const title = t.siblingsFormTitle;
  const shown = typed ?? { secondo: typedPercent(rankPercent(table.siblingsInForce, 2)), terzo: typedPercent(rankPercent(table.siblingsInForce, 3)) };
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <p class="lead">{t.tableTitle(table.service.name, table.year.label)}</p>
      <p>{t.siblingsLead}</p>
      <SiblingsHistory ctx={ctx} table={table} />
      <p>{t.changeLimit(m.format.date(table.earliestChange))}</p>
      <PostForm action={`${base(ente)}/riduzioni?servizio=${table.service.id}&anno=${table.year.id}`} csrfToken={ctx.csrfToken}>
        <TextField m={m} name="dal" label={t.fields.dal} value={shown.dal ?? ''} problem={problems.dal} texts={t.problems} required autocomplete="off" hint="GG/MM/AAAA" />
        <TextField m={m} name="secondo" label={t.fields.secondo} value={shown.secondo} problem={problems.secondo} texts={t.problems} required hint={t.percentHint} inputmode="decimal" autocomplete="off" />
        <TextField m={m} name="terzo" label={t.fields.terzo} value={shown.terzo} problem={problems.terzo} texts={t.problems} required inputmode="decimal" autocomplete="off" />
        <button type="submit" class="btn btn-primary">
          {t.siblingsSubmit}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={`${base(ente)}?servizio=${table.service.id}&anno=${table.year.id}`}>{t.back}</a>
      </p>
    </Layout>
  );
}

export type PreviewField = 'servizio' | 'anno' | 'isee' | 'residente' | 'figlio' | 'esenzione' | 'data';

export function PreviewPage({
  ctx,
  choices,
  typed = {},
  problems = {},
  result,
}: {
  ctx: Ctx;
  choices: Choices;
  typed?: Typed;
  problems?: FormProblems<PreviewField>;
  result?: PreviewResult;
}) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  const title = t.previewTitle;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <p class="lead">{t.previewLead}</p>
      <form method="get" action={`${base(ente)}/anteprima`} novalidate>
        <div class="row">
          <div class="col-12 col-md-6">
            <SelectField m={m} name="servizio" label={t.fields.servizio} value={typed.servizio} problem={problems.servizio} texts={t.problems} required options={options(choices.services)} />
          </div>
          <div class="col-12 col-md-6">
            <SelectField m={m} name="anno" label={t.fields.anno} value={typed.anno} problem={problems.anno} texts={t.problems} required options={options(choices.years)} />
          </div>
          <div class="col-12 col-md-6">
            <SelectField
              m={m}
              name="residente"
              label={t.fields.residente}
              value={typed.residente ?? 'si'}
              problem={problems.residente}
              texts={t.problems}
              options={[
                { value: 'si', label: t.residentChoice.si },
                { value: 'no', label: t.residentChoice.no },
              ]}
            />
          </div>
          <div class="col-12 col-md-6">
            <TextField m={m} name="isee" label={t.fields.isee} value={typed.isee} problem={problems.isee} texts={t.problems} hint={t.iseeHint} inputmode="decimal" autocomplete="off" />
          </div>
          <div class="col-12 col-md-6">
            <SelectField
              m={m}
              name="figlio"
              label={t.fields.figlio}
              value={typed.figlio ?? '1'}
              problem={problems.figlio}
              texts={t.problems}
              options={[
                { value: '1', label: t.rankChoice[1] },
                { value: '2', label: t.rankChoice[2] },
                { value: '3', label: t.rankChoice[3] },
              ]}
            />
          </div>
          <div class="col-12 col-md-6">
            <TextField m={m} name="esenzione" label={t.fields.esenzione} value={typed.esenzione} problem={problems.esenzione} texts={t.problems} hint={t.exemptionHint} inputmode="decimal" autocomplete="off" />
          </div>
          <div class="col-12 col-md-6">
            <TextField m={m} name="data" label={t.fields.data} value={typed.data} problem={problems.data} texts={t.problems} hint={t.dateHint} autocomplete="off" />
          </div>
        </div>
        <button type="submit" class="btn btn-primary">
          {t.previewSubmit}
        </button>
      </form>
      {result && <PreviewOutcome m={m} result={result} />}
      <p class="mt-4">
        <a href={base(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

function PreviewOutcome({ m, result }: { m: Messages; result: PreviewResult }) {
  const t = m.officeTariffs;
  const unit = t.units[result.band.unit];
  const { price } = result;
  return (
    <section aria-labelledby="result-title" class="mt-4" role="status">
      <h2 class="h4" id="result-title">
        {t.resultTitle}
      </h2>
      <dl class="row">
        <dt class="col-sm-5">{t.result.band}</dt>
        <dd class="col-sm-7">{result.band.bandLabel}</dd>
        <dt class="col-sm-5">{t.result.date}</dt>
        <dd class="col-sm-7">{m.format.date(result.date)}</dd>
        <dt class="col-sm-5">{t.result.bandPrice(unit)}</dt>
        <dd class="col-sm-7">{m.format.euro(price.unitPriceCents)}</dd>
        {price.siblingBp > 0 && (
          <>
            <dt class="col-sm-5">{t.result.sibling(percentText(price.siblingBp))}</dt>
            <dd class="col-sm-7">− {m.format.euro(price.siblingCents)}</dd>
          </>
        )}
        {price.exemptionBp > 0 && (
          <>
            <dt class="col-sm-5">{t.result.exemption(percentText(price.exemptionBp))}</dt>
            <dd class="col-sm-7">− {m.format.euro(price.exemptionCents)}</dd>
          </>
        )}
        <dt class="col-sm-5">{t.result.total(unit)}</dt>
        <dd class="col-sm-7">
          <strong data-testid="preview-total">{m.format.euro(price.amountCents)}</strong>
        </dd>
      </dl>
    </section>
  );
}

export type ExemptionField = 'percentuale' | 'motivo' | 'dal' | 'al';

export function ExemptionsPage({
  ctx,
  view,
  typed = {},
  problems = {},
  end,
  conflict,
  saved,
}: {
  ctx: Ctx;
  view: ExemptionsView;
  typed?: Typed;
  problems?: FormProblems<ExemptionField>;
  /** A refused end of one exemption: which, what was typed, the problem. */
  end?: { exemptionId: number; typed: string; problem: string };
  conflict?: boolean;
  saved?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeTariffs;
  const { enrolment } = view;
  const name = `${enrolment.givenName} ${enrolment.familyName}`;
  const title = t.exemptionsTitle(name);
  const path = `${base(ente)}/iscrizioni/${enrolment.id}/esenzioni`;
  const endField = (id: number) => `ultimo_giorno-${id}`;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {end && (
        <ErrorSummary
          title={m.forms.summaryTitle}
          items={[{ text: `${t.fields.ultimo_giorno}: ${problemText(m, t.problems, end.problem)}`, field: endField(end.exemptionId) }]}
        />
      )}
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <p class="lead">{t.exemptionsLead(enrolment.serviceName, enrolment.yearLabel)}</p>
      <SavedNotice text={saved} />
      <p>{t.changeLimit(m.format.date(view.earliestChange))}</p>
      <DataTable
        caption={t.exemptionsCaption}
        rows={view.exemptions}
        keyOf={(x) => x.id}
        empty={t.noExemptions}
        columns={[
          { label: t.exemptionsColumns.percent, cell: (x) => percentText(x.percentBp) },
          { label: t.exemptionsColumns.reason, cell: (x) => <span class="text-break">{x.reason}</span> },
          { label: t.exemptionsColumns.from, cell: (x) => m.format.date(x.validFrom) },
          { label: t.exemptionsColumns.to, cell: (x) => (x.validTo === null ? t.openEnded : m.format.date(x.validTo)) },
          {
            label: t.exemptionsColumns.end,
            cell: (x) => {
              const field = endField(x.id);
              const problem = end?.exemptionId === x.id ? problemText(m, t.problems, end.problem) : undefined;
              return (
                <PostForm action={`${path}/${x.id}/termina`} csrfToken={ctx.csrfToken}>
                  <input type="hidden" name="valido_al" value={x.validTo ?? ''} />
                  <label for={field} class="active small">
                    {t.endLabel(percentText(x.percentBp), m.format.date(x.validFrom))}
                  </label>
                  <input
                    type="text"
                    class={`form-control${problem ? ' is-invalid' : ''}`}
                    id={field}
                    name="ultimo_giorno"
                    value={end?.exemptionId === x.id ? end.typed : ''}
                    autocomplete="off"
                    {...(problem ? { 'aria-invalid': 'true', 'aria-describedby': `${field}-problem` } : {})}
                  />
                  <Problem id={`${field}-problem`} text={problem} />
                  <button type="submit" class="btn btn-outline-primary btn-sm mt-2">
                    {t.endSubmit}
                  </button>
                </PostForm>
              );
            },
          },
        ]}
      />
      <section aria-labelledby="add-title" class="mt-5">
        <h2 class="h4" id="add-title">
          {t.addExemptionTitle}
        </h2>
        <PostForm action={path} csrfToken={ctx.csrfToken}>
          <TextField m={m} name="percentuale" label={t.fields.percentuale} value={typed.percentuale} problem={problems.percentuale} texts={t.problems} required inputmode="decimal" autocomplete="off" />
          <TextField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} required autocomplete="off" />
          <TextField m={m} name="dal" label={t.fields.dal} value={typed.dal ?? typedDate(view.earliestChange)} problem={problems.dal} texts={t.problems} required autocomplete="off" hint="GG/MM/AAAA" />
          <TextField m={m} name="al" label={t.fields.al} value={typed.al} problem={problems.al} texts={t.problems} autocomplete="off" hint="GG/MM/AAAA" />
          <button type="submit" class="btn btn-primary">
            {t.addExemptionSubmit}
          </button>
        </PostForm>
      </section>
      <p class="mt-4">
        <a href={`${pupilBase(ente, enrolment.pupilId)}/iscrizioni/${enrolment.id}`}>{t.backToEnrolment}</a>
      </p>
    </Layout>
  );
}

export { typedEuro };
