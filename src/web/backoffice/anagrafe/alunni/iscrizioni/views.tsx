import { Fragment } from 'preact';
import type { Ente } from '../../../../../db/schema';
import type { EnrolmentService } from '../../../../../domain/registry/enrolments';
import { backofficeCrumbs, SavedNotice } from '../../../../shared/components';
import type { PageContext } from '../../../../shared/context';
import { FormErrors, PostForm, type ProblemTexts, SelectField, TextField, problemText } from '../../../../shared/fields';
import type { FormProblems } from '../../../../shared/form';
import { Problem } from '../../../../shared/components';
import { Layout } from '../../../../shared/layout';
import { DataTable } from '../../../../shared/list';
import type { Messages } from '../../../../i18n/it';

type Ctx = PageContext & { ente: Ente };
type FormOptions = Awaited<ReturnType<EnrolmentService['formOptions']>>;
type Detail = Awaited<ReturnType<EnrolmentService['detail']>>;
type Listing = Awaited<ReturnType<EnrolmentService['listOf']>>;

/** A day as the forms show it: gg/mm/aaaa (what people type; the parser reads both). */
export function typedDate(date: string | null | undefined): string {
  return date ? `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}` : '';
}

/** Cents as a person types euro: 8500,50. */
export function typedEuro(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '';
  const euro = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest === 0 ? String(euro) : `${euro},${String(rest).padStart(2, '0')}`;
}

export function pupilBase(ente: Ente, pupilId: number) {
  return `/${ente.slug}/ufficio/anagrafe/alunni/${pupilId}`;
}

/** Home › ente › Ufficio comunale › Anagrafe › the pupil › (the enrolments) › this page. */
export function pupilCrumbs(ctx: Ctx, pupil: { id: number; givenName: string; familyName: string }, title: string, middle: { label: string; href: string }[] = []) {
  const base = backofficeCrumbs(ctx, title);
  return [
    ...base.slice(0, 3),
    { label: ctx.m.officeEnrolments.anagrafe, href: `/${ctx.ente.slug}/ufficio/anagrafe` },
    { label: `${pupil.givenName} ${pupil.familyName}`, href: pupilBase(ctx.ente, pupil.id) },
    ...middle,
    base[3]!,
  ];
}


export function EnrolmentListPage({ ctx, listing, saved }: { ctx: Ctx; listing: Listing; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeEnrolments;
  const name = `${listing.pupil.givenName} ${listing.pupil.familyName}`;
  const title = t.listTitle(name);
  const base = `${pupilBase(ente, listing.pupil.id)}/iscrizioni`;
  return (
    <Layout ctx={ctx} title={title} crumbs={pupilCrumbs(ctx, listing.pupil, title)}>
      <h1>{title}</h1>
      <SavedNotice text={saved} />
      <p class="d-flex flex-wrap gap-3">
        <a class="btn btn-primary" href={`${base}/nuova`}>
          {t.newEnrolment}
        </a>
        <a class="btn btn-outline-primary" href={`${pupilBase(ente, listing.pupil.id)}/badge`}>
          {t.badgesLink}
        </a>
      </p>
      <DataTable
        caption={t.listCaption}
        rows={listing.enrolments}
        keyOf={(e) => e.id}
        empty={t.none}
        columns={[
          { label: t.fields.servizio!, cell: (e) => e.serviceName },
          { label: t.fields.anno!, cell: (e) => e.yearLabel },
          { label: t.labels.school, cell: (e) => e.schoolName },
          { label: t.labels.band, cell: (e) => e.bandLabel },
          { label: t.labels.state, cell: (e) => t.states[e.state] ?? e.state },
          { label: t.labels.period, cell: (e) => t.periodText(m.format.date(e.startsOn), m.format.date(e.endsOn ?? e.yearEndsOn)) },
          {
            label: t.manage,
            cell: (e) => (
              <a href={`${base}/${e.id}`}>
                {t.manage}
                <span class="visually-hidden"> {t.manageOf(e.serviceName, e.yearLabel)}</span>
              </a>
            ),
          },
        ]}
      />
    </Layout>
  );
}

/** The band select: the ente's bands grouped by service and year (no script needed to narrow it). */
function BandSelect({
  m,
  name,
  value,
  problem,
  texts,
  bands,
  groupLabel,
}: {
  m: Messages;
  name: string;
  value: string;
  problem?: string;
  texts: ProblemTexts;
  bands: FormOptions['bands'];
  groupLabel: (band: FormOptions['bands'][number]) => string;
}) {
  const t = m.officeEnrolments;
  const groups = new Map<string, FormOptions['bands']>();
  for (const band of bands) {
    const key = groupLabel(band);
    groups.set(key, [...(groups.get(key) ?? []), band]);
  }
  const ids = [`${name}-hint`, problem ? `${name}-problem` : ''].filter(Boolean).join(' ');
  return (
    <div class="select-wrapper mb-4">
      <label for={name}>{t.fields.fascia}</label>
      <select id={name} name={name} class={problem ? 'is-invalid' : undefined} aria-describedby={ids} {...(problem ? { 'aria-invalid': 'true' } : {})}>
        <option value="">{t.bandByIsee}</option>
        {[...groups].map(([label, list]) => (
          <optgroup label={label} key={label}>
            {list.map((b) => (
              <option value={String(b.id)} selected={String(b.id) === value} key={b.id}>
                {`${b.bandLabel} — ${m.format.euro(b.amountCents)}`}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <small class="form-text" id={`${name}-hint`}>
        {t.hints.fascia}
      </small>
      <Problem id={`${name}-problem`} text={problemText(m, texts, problem)} />
    </div>
  );
}

function DateField(props: { m: Messages; name: string; label: string; value?: string; problem?: string; texts: ProblemTexts; hint?: string; required?: boolean }) {
  return <TextField {...props} hint={props.hint ?? props.m.officeEnrolments.hints.date} inputmode="numeric" autocomplete="off" />;
}

/** The fields shared by the creation form and the change form: school, class, holder, band/ISEE, payment. */
function TermFields({
  m,
  values,
  problems,
  schools,
  holders,
  bands,
  groupLabel,
}: {
  m: Messages;
  values: Record<string, string>;
  problems: FormProblems;
  schools: { id: number; name: string }[];
  holders: { id: number; givenName: string; familyName: string; fiscalCode: string }[];
  bands: FormOptions['bands'];
  groupLabel: (band: FormOptions['bands'][number]) => string;
}) {
  const t = m.officeEnrolments;
  const texts = t.problems;
  return (
    <>
      <SelectField m={m} name="scuola" label={t.fields.scuola!} value={values.scuola} problem={problems.scuola} texts={texts} empty={t.chooseOption} options={schools.map((s) => ({ value: String(s.id), label: s.name }))} />
      <TextField m={m} name="classe" label={t.fields.classe!} value={values.classe} problem={problems.classe} texts={texts} hint={t.hints.classe} required />
      <SelectField
        m={m}
        name="intestatario"
        label={t.fields.intestatario!}
        value={values.intestatario}
        problem={problems.intestatario}
        texts={texts}
        empty={t.chooseOption}
        options={holders.map((h) => ({ value: String(h.id), label: `${h.givenName} ${h.familyName} (${h.fiscalCode})` }))}
      />
      <fieldset class="mb-2">
        <legend class="h6">{t.sections.tariff}</legend>
        <BandSelect m={m} name="fascia" value={values.fascia ?? ''} problem={problems.fascia} texts={texts} bands={bands} groupLabel={groupLabel} />
        <TextField m={m} name="isee" label={t.fields.isee!} value={values.isee} problem={problems.isee} texts={texts} hint={t.hints.isee} inputmode="decimal" autocomplete="off" />
        <DateField m={m} name="data_isee" label={t.fields.data_isee!} value={values.data_isee} problem={problems.data_isee} texts={texts} />
      </fieldset>
      <SelectField
        m={m}
        name="modalita"
        label={t.fields.modalita!}
        value={values.modalita}
        problem={problems.modalita}
        texts={texts}
        options={['pagopa', 'sepa'].map((mode) => ({ value: mode, label: t.modes[mode]! }))}
      />
      <TextField m={m} name="iban" label={t.fields.iban!} value={values.iban} problem={problems.iban} texts={texts} hint={t.hints.iban} autocomplete="off" />
    </>
  );
}

const CREATE_FIELDS = [
  'servizio', 'anno', 'scuola', 'classe', 'intestatario', 'fascia', 'isee', 'data_isee', 'modalita', 'iban', 'destinatario_fattura', 'indirizzo_fattura',
  'email_fattura', 'esenzione_percentuale', 'esenzione_motivo', 'esenzione_dal', 'esenzione_al', 'dal',
];

export function EnrolmentFormPage({
  ctx,
  options,
  values,
  problems = {},
  renewal,
}: {
  ctx: Ctx;
  options: FormOptions;
  values: Record<string, string>;
  problems?: FormProblems;
  /** A re-enrolment: the year it is for and the enrolment it continues. */
  renewal?: { yearLabel: string; enrolmentId: number };
}) {
  const { m, ente } = ctx;
  const t = m.officeEnrolments;
  const texts = t.problems;
  const name = `${options.pupil.givenName} ${options.pupil.familyName}`;
  const title = renewal ? t.renewTitle(name, renewal.yearLabel) : t.newTitle(name);
  const base = `${pupilBase(ente, options.pupil.id)}/iscrizioni`;
  const labels = Object.fromEntries(CREATE_FIELDS.map((field) => [field, t.fields[field]!]));
  const serviceName = new Map(options.services.map((s) => [s.id, s.name]));
  const yearLabel = new Map(options.years.map((y) => [y.id, y.label]));
  return (
    <Layout ctx={ctx} title={title} crumbs={pupilCrumbs(ctx, options.pupil, title, [{ label: t.listTitle(name), href: base }])}>
      <FormErrors m={m} problems={problems} labels={labels} texts={texts} />
      <h1>{title}</h1>
      {renewal && <p class="lead">{t.renewLead}</p>}
      <PostForm action={`${base}/nuova`} csrfToken={ctx.csrfToken}>
        {renewal && <input type="hidden" name="rinnovo_di" value={String(renewal.enrolmentId)} />}
        <fieldset class="mb-2">
          <legend class="h5">{t.sections.service}</legend>
          <SelectField m={m} name="servizio" label={t.fields.servizio!} value={values.servizio} problem={problems.servizio} texts={texts} empty={t.chooseOption} options={options.services.map((s) => ({ value: String(s.id), label: s.name }))} />
          <SelectField m={m} name="anno" label={t.fields.anno!} value={values.anno} problem={problems.anno} texts={texts} empty={t.chooseOption} options={options.years.map((y) => ({ value: String(y.id), label: y.label }))} />
        </fieldset>
        <TermFields
          m={m}
          values={values}
          problems={problems}
          schools={options.schools}
          holders={options.holders}
          bands={options.bands}
          groupLabel={(b) => `${serviceName.get(b.serviceId) ?? ''} ${yearLabel.get(b.schoolYearId) ?? ''}`}
        />
        <fieldset class="mb-2">
          <legend class="h5">{t.sections.payment}</legend>
          <TextField m={m} name="destinatario_fattura" label={t.fields.destinatario_fattura!} value={values.destinatario_fattura} problem={problems.destinatario_fattura} texts={texts} required />
          <TextField m={m} name="indirizzo_fattura" label={t.fields.indirizzo_fattura!} value={values.indirizzo_fattura} problem={problems.indirizzo_fattura} texts={texts} required />
          <TextField m={m} name="email_fattura" type="email" label={t.fields.email_fattura!} value={values.email_fattura} problem={problems.email_fattura} texts={texts} autocomplete="off" />
        </fieldset>
        <fieldset class="mb-2">
          <legend class="h5">{t.sections.exemption}</legend>
          <TextField m={m} name="esenzione_percentuale" label={t.fields.esenzione_percentuale!} value={values.esenzione_percentuale} problem={problems.esenzione_percentuale} texts={texts} hint={t.hints.esenzione_percentuale} inputmode="decimal" autocomplete="off" />
          <TextField m={m} name="esenzione_motivo" label={t.fields.esenzione_motivo!} value={values.esenzione_motivo} problem={problems.esenzione_motivo} texts={texts} />
          <DateField m={m} name="esenzione_dal" label={t.fields.esenzione_dal!} value={values.esenzione_dal} problem={problems.esenzione_dal} texts={texts} />
          <DateField m={m} name="esenzione_al" label={t.fields.esenzione_al!} value={values.esenzione_al} problem={problems.esenzione_al} texts={texts} />
        </fieldset>
        <fieldset class="mb-2">
          <legend class="h5">{t.sections.start}</legend>
          <DateField m={m} name="dal" label={t.fields.dal!} value={values.dal} problem={problems.dal} texts={texts} required />
        </fieldset>
        <button type="submit" class="btn btn-primary">
          {t.save}
        </button>
      </PostForm>
    </Layout>
  );
}

/** What is stored now, after another operator's save: shown above a refused form. */
function ConflictBox({ m, detail }: { m: Messages; detail: Detail }) {
  return (
    <div class="alert alert-warning" role="alert" id="conflict">
      <h2 class="h5">{m.forms.conflictTitle}</h2>
      <p>{m.forms.problems.conflict}</p>
      <h3 class="h6">{m.forms.savedNow}</h3>
      <CurrentValues m={m} detail={detail} />
    </div>
  );
}

function CurrentValues({ m, detail }: { m: Messages; detail: Detail }) {
  const t = m.officeEnrolments;
  const e = detail.enrolment;
  const current = detail.terms.at(-1)!;
  const rows: [string, string][] = [
    [t.labels.state, t.states[e.state] ?? e.state],
    [t.labels.period, t.periodText(m.format.date(e.starts_on), m.format.date(e.ends_on ?? detail.year.endsOn))],
    [t.labels.school, current.schoolName],
    [t.labels.className, current.class_name],
    [t.labels.band, current.bandLabel],
    [t.labels.isee, current.isee_cents === null ? '—' : t.iseeText(m.format.euro(current.isee_cents), m.format.date(current.isee_attested_on ?? ''))],
    [t.labels.holder, current.holderName],
    [t.labels.payment, current.payment_mode === 'sepa' ? t.ibanText((current.debit_iban ?? '').slice(-4)) : t.modes.pagopa!],
    [t.labels.invoice, `${e.invoice_recipient}, ${e.invoice_address}${e.invoice_email ? `, ${e.invoice_email}` : ''}`],
  ];
  return (
    <dl class="row">
      {rows.map(([label, value]) => (
        <Fragment key={label}>
          <dt class="col-sm-4">{label}</dt>
          <dd class="col-sm-8">{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

const CHANGE_FIELDS = ['dal', 'scuola', 'classe', 'intestatario', 'fascia', 'isee', 'data_isee', 'modalita', 'iban'];

export function changeDefaults(detail: Detail): Record<string, string> {
  const c = detail.terms.at(-1)!;
  return {
    dal: '',
    scuola: String(c.school_id),
    classe: c.class_name,
    intestatario: String(c.holder_person_id),
    fascia: c.isee_cents === null ? String(c.tariff_id) : '',
    isee: typedEuro(c.isee_cents),
    data_isee: typedDate(c.isee_attested_on),
    modalita: c.payment_mode,
    iban: c.debit_iban ?? '',
  };
}

/** Which form of the manage page a refused submit belongs to. */
export type ManageForm = 'variazione' | 'ritiro';

export function EnrolmentManagePage({
  ctx,
  detail,
  form,
  values,
  problems = {},
  conflict = false,
  saved,
}: {
  ctx: Ctx;
  detail: Detail;
  form?: ManageForm;
  values?: Record<string, string>;
  problems?: FormProblems;
  conflict?: boolean;
  saved?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeEnrolments;
  const texts = t.problems;
  const e = detail.enrolment;
  const name = `${detail.pupil.givenName} ${detail.pupil.familyName}`;
  const title = t.manageTitle(detail.service.name, detail.year.label);
  const base = `${pupilBase(ente, detail.pupil.id)}/iscrizioni`;
  const here = `${base}/${e.id}`;
  const changeValues = form === 'variazione' && values ? values : changeDefaults(detail);
  const withdrawValues = form === 'ritiro' && values ? values : { ultimo_giorno: '' };
  const labels = Object.fromEntries([...CHANGE_FIELDS, 'ultimo_giorno'].map((field) => [field, t.fields[field]!]));
  return (
    <Layout ctx={ctx} title={`${title} — ${name}`} crumbs={pupilCrumbs(ctx, detail.pupil, title, [{ label: t.listTitle(name), href: base }])}>
      <FormErrors m={m} problems={problems} labels={labels} texts={texts} />
      <h1>
        {title} <span class="d-block h4">{name}</span>
      </h1>
      <SavedNotice text={saved} />
      {conflict && <ConflictBox m={m} detail={detail} />}
      {e.state === 'cessata' && e.ends_on && <p class="alert alert-info">{t.withdrawn(m.format.date(e.ends_on))}</p>}

      <section aria-labelledby="current-title" class="mb-5">
        <h2 class="h4" id="current-title">
          {t.summaryTitle}
        </h2>
        <CurrentValues m={m} detail={detail} />
        {detail.exemptions.length > 0 && (
          <>
            <h3 class="h6">{t.labels.exemptions}</h3>
            <ul>
              {detail.exemptions.map((x) => (
                <li key={`${x.validFrom}-${x.percentBp}`}>{t.exemptionText(`${x.percentBp / 100}%`, x.reason, m.format.date(x.validFrom), x.validTo ? m.format.date(x.validTo) : '')}</li>
              ))}
            </ul>
          </>
        )}
        <p>
          <a href={`/${ente.slug}/ufficio/tariffe/iscrizioni/${e.id}/esenzioni`}>{m.officeTariffs.exemptionsLink}</a>
        </p>
      </section>

      <section aria-labelledby="terms-title" class="mb-5">
        <h2 class="h4" id="terms-title">
          {t.termsTitle}
        </h2>
        <DataTable
          caption={t.termsCaption}
          rows={detail.terms}
          keyOf={(term) => term.valid_from}
          empty={t.noHistory}
          columns={[
            { label: t.termFrom, cell: (term) => m.format.date(term.valid_from) },
            { label: t.labels.school, cell: (term) => term.schoolName },
            { label: t.labels.className, cell: (term) => term.class_name },
            { label: t.labels.band, cell: (term) => term.bandLabel },
            { label: t.labels.isee, cell: (term) => (term.isee_cents === null ? '—' : m.format.euro(term.isee_cents)) },
            { label: t.labels.holder, cell: (term) => term.holderName },
            { label: t.labels.payment, cell: (term) => (term.payment_mode === 'sepa' ? t.ibanText((term.debit_iban ?? '').slice(-4)) : t.modes.pagopa!) },
          ]}
        />
      </section>

      {e.state === 'attiva' && (
        <section aria-labelledby="change-title" class="mb-5">
          <h2 class="h4" id="change-title">
            {t.changeTitle}
          </h2>
          <p>{t.changeLead}</p>
          {detail.lastFrozen && <p class="small">{t.lastFrozen(m.format.date(detail.lastFrozen))}</p>}
          <PostForm action={`${here}/variazione`} csrfToken={ctx.csrfToken} version={e.version}>
            <DateField m={m} name="dal" label={t.fields.dal!} value={changeValues.dal} problem={form === 'variazione' ? problems.dal : undefined} texts={texts} hint={`${t.hints.changeFrom} ${t.hints.date}`} required />
            <TermFields
              m={m}
              values={changeValues}
              problems={form === 'variazione' ? problems : {}}
              schools={detail.schools}
              holders={detail.holders}
              bands={detail.bands}
              groupLabel={() => `${detail.service.name} ${detail.year.label}`}
            />
            <button type="submit" class="btn btn-primary">
              {t.changeSave}
            </button>
          </PostForm>
        </section>
      )}

      {e.state !== 'cessata' && (
        <section aria-labelledby="withdraw-title" class="mb-5">
          <h2 class="h4" id="withdraw-title">
            {t.withdrawTitle}
          </h2>
          <p>{t.withdrawLead}</p>
          <PostForm action={`${here}/ritiro`} csrfToken={ctx.csrfToken} version={e.version}>
            <DateField
              m={m}
              name="ultimo_giorno"
              label={t.fields.ultimo_giorno!}
              value={withdrawValues.ultimo_giorno}
              problem={form === 'ritiro' ? problems.ultimo_giorno : undefined}
              texts={texts}
              hint={`${t.hints.ultimo_giorno} ${t.hints.date}`}
              required
            />
            <button type="submit" class="btn btn-outline-danger">
              {t.withdrawSave}
            </button>
          </PostForm>
        </section>
      )}

      <section aria-labelledby="renew-title" class="mb-5">
        <h2 class="h4" id="renew-title">
          {t.renewSectionTitle}
        </h2>
        {!detail.nextYear ? (
          <p>{t.renewNoYear}</p>
        ) : detail.renewedEnrolmentId ? (
          <p>
            {t.renewDone(detail.nextYear.label)} <a href={`${base}/${detail.renewedEnrolmentId}`}>{t.renewOpen}</a>
          </p>
        ) : (
          <p>
            <a class="btn btn-outline-primary" href={`${here}/rinnovo`}>
              {t.renewLink(detail.nextYear.label)}
            </a>
          </p>
        )}
      </section>

      <section aria-labelledby="history-title" class="mb-5">
        <h2 class="h4" id="history-title">
          {t.historyTitle}
        </h2>
        <DataTable
          caption={t.historyCaption}
          rows={detail.history}
          keyOf={(h) => h.id}
          empty={t.noHistory}
          columns={[
            { label: t.when, cell: (h) => m.format.dateTime(h.at) },
            { label: t.who, cell: (h) => h.actor ?? '—' },
            { label: t.what, cell: (h) => t.actions[h.action] ?? h.action },
            { label: t.before, cell: (h) => <ChangeValues json={h.before} /> },
            { label: t.after, cell: (h) => <ChangeValues json={h.after} /> },
          ]}
        />
      </section>
    </Layout>
  );
}

/** An audit event's values, as field: value lines (the raw field names: this is the office's record). */
function ChangeValues({ json }: { json: string | null }) {
  if (!json) return <>—</>;
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return <>—</>;
  }
  return (
    <ul class="list-unstyled mb-0 small text-break">
      {Object.entries(values).map(([key, value]) => (
        <li key={key}>
          {key}: {value === null || value === undefined ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value)}
        </li>
      ))}
    </ul>
  );
}
