import type { Ente } from '../../../db/schema';
import type { AttachmentMeta } from '../../../domain/attachments/service';
import { type LowBalanceRow, maskedIban, type Threshold, type YearEndEffect } from '../../../domain/prepaid/service';
import type { PrepaidService } from '../../../domain/prepaid/service';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs, ErrorSummary, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { csvDocument, csvEuro, type CsvCell } from '../../shared/csv';
import { FormErrors, PostForm, problemText, SelectField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
export type Typed = Record<string, string>;
type YearEndView = Awaited<ReturnType<PrepaidService['yearEndView']>>;

export const base = (ente: Ente) => `/${ente.slug}/ufficio/prepagati`;

function crumbs(ctx: Ctx, title?: string) {
  return backofficeCrumbs(ctx, ctx.m.officePrepaid.title, title ? { areaHref: base(ctx.ente), title } : undefined);
}


/** Cents as a person types them back, with a sign: -250 → "-2,50". */
export function typedSignedEuro(cents: number): string {
  const abs = Math.abs(cents);
  const text = abs % 100 === 0 ? String(abs / 100) : `${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
  return cents < 0 ? `-${text}` : text;
}

export function thresholdText(m: Messages, threshold: Threshold & { version: number }): string {
  const t = m.officePrepaid;
  if (threshold.version === 0) return t.thresholdDefault;
  return threshold.unit === 'euro' ? t.thresholdEuro(m.format.euro(threshold.value)) : t.thresholdMeals(threshold.value);
}

function holderName(row: { holderGivenName: string | null; holderFamilyName: string | null }): string | null {
  return row.holderGivenName === null ? null : `${row.holderGivenName} ${row.holderFamilyName ?? ''}`.trim();
}

export function PrepaidPage({
  ctx,
  threshold,
  rows,
  next,
  first,
  balanceDate,
  schools,
  schoolId,
  typed,
  problems = {},
  saved,
}: {
  ctx: Ctx;
  threshold: Threshold & { version: number };
  rows: readonly LowBalanceRow[];
  next?: string;
  first: boolean;
  balanceDate: string;
  schools: readonly { id: number; name: string }[];
  schoolId?: number;
  typed?: Typed;
  problems?: FormProblems;
  saved?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officePrepaid;
  const values = typed ?? { unita: threshold.unit, soglia: threshold.unit === 'euro' ? typedSignedEuro(threshold.value) : String(threshold.value) };
  const query = schoolId === undefined ? '' : `?scuola=${schoolId}`;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={saved} />
      <section aria-labelledby="threshold-title" class="mb-5">
        <h2 class="h3" id="threshold-title">
          {t.thresholdTitle}
        </h2>
        <p>{t.thresholdNow(thresholdText(m, threshold))}</p>
        <p>{t.thresholdHint}</p>
        <PostForm action={`${base(ente)}/soglia`} csrfToken={ctx.csrfToken} version={threshold.version}>
          <SelectField m={m} name="unita" label={t.fields.unita!} value={values.unita} problem={problems.unita} texts={t.problems} options={[{ value: 'euro', label: t.units.euro! }, { value: 'pasti', label: t.units.pasti! }]} />
          <TextField m={m} name="soglia" label={t.fields.soglia!} value={values.soglia} problem={problems.soglia} texts={t.problems} hint={t.thresholdValueHint} inputmode="text" required />
          <button type="submit" class="btn btn-primary">
            {t.saveThreshold}
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="list-title">
        <h2 class="h3" id="list-title">
          {t.listTitle}
        </h2>
        <FilterForm action={base(ente)} submit={t.filter}>
          <div class="col-12 col-md-6">
            <SelectField m={m} name="scuola" label={t.fields.scuola!} value={schoolId === undefined ? '' : String(schoolId)} empty={t.allSchools} options={schools.map((s) => ({ value: String(s.id), label: s.name }))} />
          </div>
        </FilterForm>
        <p>{t.balanceOn(m.format.date(balanceDate))}</p>
        <p class="d-flex flex-wrap gap-3">
          <a href={`${base(ente)}/elenco.csv${query}`}>{t.csv}</a>
          <a href={`${base(ente)}/elenco.xlsx${query}`}>{t.xlsx}</a>
        </p>
        <DataTable
          caption={t.caption}
          rows={rows}
          keyOf={(row) => row.badgeId}
          empty={t.empty}
          columns={[
            { label: t.columns.pupil, cell: (row) => `${row.givenName} ${row.familyName}` },
            { label: t.columns.badge, cell: (row) => row.code },
            { label: t.columns.school, cell: (row) => `${row.schoolName}, ${row.className}` },
            { label: t.columns.balance, numeric: true, cell: (row) => m.format.euro(row.balanceCents) },
            { label: t.columns.holder, cell: (row) => holderName(row) ?? t.noHolder },
            {
              label: t.columns.contacts,
              cell: (row) =>
                row.holderEmail || row.holderPhone ? (
                  <>
                    {row.holderEmail && <a href={`mailto:${row.holderEmail}`}>{row.holderEmail}</a>}
                    {row.holderEmail && row.holderPhone && <br />}
                    {row.holderPhone && <a href={`tel:${row.holderPhone.replace(/\s+/g, '')}`}>{row.holderPhone}</a>}
                  </>
                ) : (
                  t.noContacts
                ),
            },
            {
              label: t.columns.actions,
              cell: (row) => (
                <a href={`${base(ente)}/tessere/${row.badgeId}`} aria-label={t.yearEndLinkOf(`${row.givenName} ${row.familyName}`)}>
                  {t.yearEndLink}
                </a>
              ),
            },
          ]}
        />
        <Pager m={m} path={base(ente)} query={schoolId === undefined ? {} : { scuola: String(schoolId) }} next={next} first={first} />
      </section>
    </Layout>
  );
}

export const LOW_BALANCE_HEADER = ['alunno', 'tessera', 'scuola', 'classe', 'servizio', 'saldo', 'prezzo_pasto', 'intestatario', 'email', 'telefono'] as const;

export function lowBalanceRows(rows: readonly LowBalanceRow[]): CsvCell[][] {
  return rows.map((r) => [
    `${r.givenName} ${r.familyName}`, r.code, r.schoolName, r.className, r.serviceName, csvEuro(r.balanceCents), csvEuro(r.mealPriceCents),
    holderName(r) ?? '', r.holderEmail ?? '', r.holderPhone ?? '',
  ]);
}

export function lowBalanceCsv(rows: readonly LowBalanceRow[]): string {
  return csvDocument(LOW_BALANCE_HEADER, lowBalanceRows(rows));
}

function ClosingText({ m, closing, codeOf }: { m: Messages; closing: NonNullable<YearEndView['years'][number]['closing']>; codeOf: (id: number | null) => string }) {
  const t = m.officePrepaid.yearEnd.closedAs;
  const euro = m.format.euro(closing.amount_cents);
  if (closing.action === 'riporto') return <>{t.riporto(euro)}</>;
  if (closing.action === 'trasferimento') return <>{t.trasferimento(euro, codeOf(closing.target_badge_id))}</>;
  return <>{t.rimborso(euro, maskedIban(closing.iban) ?? '')}</>;
}

export function YearEndPage({ ctx, view, typed = {}, problems = {}, saved }: { ctx: Ctx; view: YearEndView; typed?: Typed; problems?: FormProblems; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officePrepaid;
  const y = t.yearEnd;
  const { badge } = view;
  const path = `${base(ente)}/tessere/${badge.id}`;
  const open = view.years.filter((year) => year.closing === null && year.creditCents > 0);
  const codeOf = (id: number | null) => view.siblings.find((s) => s.id === id)?.code ?? String(id ?? '');
  const holder = badge.holderGivenName === null ? null : `${badge.holderGivenName} ${badge.holderFamilyName ?? ''}`.trim();
  const hasProblems = Object.keys(problems).length > 0;
  return (
    <Layout ctx={ctx} title={y.title(badge.code)} crumbs={crumbs(ctx, y.title(badge.code))}>
      {hasProblems && open.length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      {/* No year left to close (a confirmation sent twice): the problem, with no field to link to. */}
      {hasProblems && open.length === 0 && (
        <ErrorSummary title={m.forms.summaryTitle} items={Object.values(problems).map((key) => ({ text: problemText(m, t.problems, key) ?? '' }))} />
      )}
      <h1>{y.title(badge.code)}</h1>
      <p class="lead">{y.lead(`${badge.givenName} ${badge.familyName}`, badge.serviceName)}</p>
      <SavedNotice text={saved} />
      {holder && <p>{y.holder(holder)}</p>}
      <p>{y.balanceNow(m.format.euro(view.balanceCents), m.format.date(view.balanceDate))}</p>
      {view.years.length === 0 ? (
        <p>{y.noYears}</p>
      ) : (
        <DataTable
          caption={y.yearsCaption}
          rows={view.years}
          keyOf={(year) => year.id}
          empty={y.noYears}
          columns={[
            { label: y.columns.year, cell: (year) => year.label },
            { label: y.columns.endsOn, cell: (year) => m.format.date(year.endsOn) },
            { label: y.columns.credit, numeric: true, cell: (year) => (year.closing ? m.format.euro(year.closing.amount_cents) : m.format.euro(year.creditCents)) },
            { label: y.columns.closing, cell: (year) => (year.closing ? <ClosingText m={m} closing={year.closing} codeOf={codeOf} /> : year.creditCents > 0 ? y.open : y.nothing) },
          ]}
        />
      )}
      {open.length > 0 && (
        <section aria-labelledby="close-title" class="mt-4">
          <h2 class="h3" id="close-title">
            {y.formTitle}
          </h2>
          <PostForm action={`${path}/anteprima`} csrfToken={ctx.csrfToken}>
            <SelectField m={m} name="anno" label={t.fields.anno!} value={typed.anno ?? String(open[0]!.id)} problem={problems.anno} texts={t.problems} options={open.map((year) => ({ value: String(year.id), label: `${year.label} — ${m.format.euro(year.creditCents)}` }))} />
            <SelectField m={m} name="azione" label={t.fields.azione!} value={typed.azione ?? 'riporto'} problem={problems.azione} texts={t.problems} options={(['riporto', 'trasferimento', 'rimborso'] as const).map((a) => ({ value: a, label: y.actions[a]! }))} />
            {view.siblings.length === 0 ? (
              <p>{y.noSiblings}</p>
            ) : (
              <SelectField
                m={m}
                name="tessera_destinazione"
                label={t.fields.tessera_destinazione!}
                value={typed.tessera_destinazione ?? ''}
                problem={problems.tessera_destinazione}
                texts={t.problems}
                hint={y.siblingHint}
                empty={y.chooseSibling}
                options={view.siblings.map((s) => ({ value: String(s.id), label: `${s.givenName} ${s.familyName} — ${s.code} (${s.serviceName})` }))}
              />
            )}
            <TextField m={m} name="iban" label={t.fields.iban!} value={typed.iban} problem={problems.iban} texts={t.problems} hint={y.ibanHint} autocomplete="off" />
            <SelectField
              m={m}
              name="richiesta"
              label={t.fields.richiesta!}
              value={typed.richiesta ?? ''}
              problem={problems.richiesta}
              texts={t.problems}
              hint={y.requestHint}
              empty={y.chooseRequest}
              options={view.requests.map((a: AttachmentMeta) => ({ value: String(a.id), label: `${a.title} (${m.format.date(a.createdAt.slice(0, 10))})` }))}
            />
            {badge.holderId !== null && (
              <p>
                <a href={`/${ente.slug}/ufficio/anagrafe/persone/${badge.holderId}/allegati`}>{y.attachLink}</a>
              </p>
            )}
            <TextField m={m} name="nota" label={t.fields.nota!} value={typed.nota} problem={problems.nota} texts={t.problems} />
            <button type="submit" class="btn btn-primary">
              {y.preview}
            </button>
          </PostForm>
        </section>
      )}
      <p class="mt-4">
        <a href={base(ente)}>{y.back}</a>
      </p>
    </Layout>
  );
}

export function ConfirmPage({ ctx, badgeId, effect, typed, problem }: { ctx: Ctx; badgeId: number; effect: YearEndEffect; typed: Typed; problem?: string }) {
  const { m, ente } = ctx;
  const t = m.officePrepaid;
  const c = t.confirm;
  const path = `${base(ente)}/tessere/${badgeId}`;
  return (
    <Layout ctx={ctx} title={c.title} crumbs={crumbs(ctx, c.title)}>
      {problem && <FormErrors m={m} problems={{ anno: problem }} labels={t.fields} texts={t.problems} />}
      <h1>{c.title}</h1>
      <p class="lead">{c.lead(m.format.euro(effect.creditCents), effect.year.label)}</p>
      <p>{t.yearEnd.actions[effect.action]}</p>
      <DataTable
        caption={c.caption}
        rows={effect.movements}
        keyOf={(mv) => `${mv.badgeId}-${mv.valueDate}`}
        empty=""
        columns={[
          { label: c.columns.badge, cell: (mv) => `${mv.badgeCode} — ${mv.pupilName}` },
          { label: c.columns.date, cell: (mv) => m.format.date(mv.valueDate) },
          { label: c.columns.amount, numeric: true, cell: (mv) => m.format.euro(mv.amountCents) },
          { label: c.columns.before, numeric: true, cell: (mv) => m.format.euro(mv.balanceBeforeCents) },
          { label: c.columns.after, numeric: true, cell: (mv) => m.format.euro(mv.balanceAfterCents) },
        ]}
      />
      {effect.action === 'rimborso' && effect.iban && effect.attachment && <p>{c.refund(effect.iban, effect.attachment.title)}</p>}
      <PostForm action={`${path}/chiudi`} csrfToken={ctx.csrfToken}>
        {(['anno', 'azione', 'tessera_destinazione', 'iban', 'richiesta', 'nota'] as const).map((name) => (
          <input type="hidden" name={name} value={typed[name] ?? ''} key={name} />
        ))}
        <input type="hidden" name="importo" value={String(effect.creditCents)} />
        <div class="d-flex flex-wrap gap-3 align-items-center">
          <button type="submit" class="btn btn-primary">
            {c.confirm}
          </button>
          <a href={path}>{c.change}</a>
        </div>
      </PostForm>
    </Layout>
  );
}
