import type { Ente } from '../../../db/schema';
import { ACCESSIBILITY_STATES, MAX_LOGO_BYTES, TOPUP_CEILING_CENTS, TOPUP_FLOOR_CENTS } from '../../../domain/settings/ente-settings';
import { ConflictBox } from '../anagrafe/person-form';
import { backofficeCrumbs, Problem, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, problemText, SelectField, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';

type Ctx = PageContext & { ente: Ente };

export const SETTINGS_FIELDS = [
  'nome_ufficio',
  'email_ufficio',
  'telefono_ufficio',
  'orari_ufficio',
  'indirizzo_ufficio',
  'orario_limite',
  'ricarica_minima',
  'ricarica_massima',
  'codice_fiscale_ente',
  'iban',
  'codice_segregazione',
  'cbill',
  'conto_postale',
  'autorizzazione_poste',
  'nome_con_articolo',
  'stato_accessibilita',
  'data_dichiarazione',
  'email_accessibilita',
  'contenuti_non_accessibili',
] as const;

export type SettingsField = (typeof SETTINGS_FIELDS)[number];
export type SettingsTyped = Partial<Record<SettingsField | 'versione', string>>;
export type SettingsProblems = FormProblems<SettingsField | 'versione' | 'logo'>;

/** Cents as the form shows them and `euroInputToCents` reads them back: "5,00", no thousands separator. */
export function euroTyped(cents: number): string {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
}

/** The stored settings as the form shows them. */
export function settingsTyped(ente: Ente): SettingsTyped {
  const date = ente.accessibility_statement_date;
  return {
    nome_ufficio: ente.office_name,
    email_ufficio: ente.office_email,
    telefono_ufficio: ente.office_phone,
    orari_ufficio: ente.office_hours,
    indirizzo_ufficio: ente.office_address,
    orario_limite: ente.cutoff_time,
    ricarica_minima: euroTyped(ente.topup_min_cents),
    ricarica_massima: euroTyped(ente.topup_max_cents),
    codice_fiscale_ente: ente.tax_code,
    iban: ente.iban ?? '',
    codice_segregazione: ente.segregation_code ?? '',
    cbill: ente.cbill ?? '',
    conto_postale: ente.postal_account ?? '',
    autorizzazione_poste: ente.postal_authorisation ?? '',
    nome_con_articolo: ente.name_with_article,
    stato_accessibilita: ente.accessibility_state ?? '',
    data_dichiarazione: date ? `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}` : '',
    email_accessibilita: ente.accessibility_feedback_email ?? '',
    contenuti_non_accessibili: ente.accessibility_non_accessible ?? '',
  };
}

export function SettingsPage({
  ctx,
  stored,
  typed,
  problems = {},
  saved,
  hasLogo,
  done,
}: {
  ctx: Ctx;
  /** The ente as stored now: its version is the form's. */
  stored: Ente;
  typed: SettingsTyped;
  problems?: SettingsProblems;
  /** After a conflict: the values saved meanwhile, as the form shows them. */
  saved?: SettingsTyped;
  hasLogo: boolean;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeSettings;
  const path = `/${ente.slug}/ufficio/impostazioni`;
  const status = done === 'salvato' ? t.saved : done === 'logo' ? t.logo.uploaded : done === 'logo-tolto' ? t.logo.removed : undefined;
  const version = typed.versione && /^\d{1,9}$/.test(typed.versione) && !saved ? Number(typed.versione) : stored.version;
  const field = (name: SettingsField, extra: { required?: boolean; type?: 'text' | 'email' | 'tel'; hint?: string; inputmode?: 'numeric' | 'decimal' | 'text'; autocomplete?: string } = {}) => (
    <TextField
      m={m}
      name={name}
      label={t.fields[name]!}
      value={typed[name]}
      problem={problems[name]}
      texts={t.problems}
      required={extra.required}
      type={extra.type}
      hint={extra.hint}
      inputmode={extra.inputmode}
      autocomplete={extra.autocomplete ?? 'off'}
    />
  );
  const range = t.hints.ricarica(m.format.euro(TOPUP_FLOOR_CENTS), m.format.euro(TOPUP_CEILING_CENTS));
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {saved && <ConflictBox m={m} saved={saved} typed={typed} labels={t.fields} />}
      {!saved && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={status} />
      <p>
        <a href={`${path}/scuole`}>{t.schoolsLink}</a>
      </p>
      <PostForm action={path} csrfToken={ctx.csrfToken} version={version}>
        <fieldset class="mb-4">
          <legend class="h4">{t.sections.contacts}</legend>
          <p>{t.sections.contactsLead}</p>
          {field('nome_ufficio', { required: true })}
          {field('email_ufficio', { required: true, type: 'email' })}
          {field('telefono_ufficio', { required: true, type: 'tel' })}
          {field('orari_ufficio', { required: true })}
          {field('indirizzo_ufficio', { required: true })}
        </fieldset>
        <fieldset class="mb-4">
          <legend class="h4">{t.sections.canteen}</legend>
          {field('orario_limite', { required: true, hint: t.hints.orario_limite, inputmode: 'numeric' })}
          {field('ricarica_minima', { required: true, hint: range, inputmode: 'decimal' })}
          {field('ricarica_massima', { required: true, hint: range, inputmode: 'decimal' })}
        </fieldset>
        <fieldset class="mb-4">
          <legend class="h4">{t.sections.pagopa}</legend>
          {field('codice_fiscale_ente', { required: true, hint: t.hints.codice_fiscale_ente, inputmode: 'numeric' })}
          {field('iban', { hint: t.hints.iban })}
          {field('codice_segregazione', { hint: t.hints.codice_segregazione, inputmode: 'numeric' })}
          {field('cbill', { hint: t.hints.cbill })}
          {field('conto_postale', { hint: t.hints.conto_postale, inputmode: 'numeric' })}
          {field('autorizzazione_poste', { hint: t.hints.autorizzazione_poste })}
        </fieldset>
        <fieldset class="mb-4">
          <legend class="h4">{t.sections.name}</legend>
          {field('nome_con_articolo', { hint: `${t.hints.nome_con_articolo} ${t.hints.namePreview(m.format.ofEnte(stored))}` })}
        </fieldset>
        <fieldset class="mb-4">
          <legend class="h4">{t.sections.accessibility}</legend>
          <p>
            {t.sections.accessibilityLead} <a href={`/${ente.slug}/dichiarazione-accessibilita`}>{m.officeSettings.statement.title}</a>.
          </p>
          <SelectField
            m={m}
            name="stato_accessibilita"
            label={t.fields.stato_accessibilita!}
            value={typed.stato_accessibilita}
            problem={problems.stato_accessibilita}
            texts={t.problems}
            empty={t.noState}
            options={ACCESSIBILITY_STATES.map((state) => ({ value: state, label: t.states[state]! }))}
          />
          {field('data_dichiarazione', { hint: t.hints.data_dichiarazione })}
          {field('email_accessibilita', { type: 'email' })}
          <TextAreaField
            m={m}
            name="contenuti_non_accessibili"
            label={t.fields.contenuti_non_accessibili!}
            value={typed.contenuti_non_accessibili}
            problem={problems.contenuti_non_accessibili}
            texts={t.problems}
            hint={t.hints.contenuti_non_accessibili}
          />
        </fieldset>
        <button type="submit" class="btn btn-primary">
          {t.save}
        </button>
      </PostForm>
      <section aria-labelledby="logo-title" class="mt-5">
        <h2 class="h4" id="logo-title">
          {t.sections.logo}
        </h2>
        {hasLogo ? (
          <>
            <p>{t.logo.current}</p>
            <p>
              <img src={`${path}/logo.png?v=${stored.data_version}`} alt={t.logo.alt} class="img-fluid border p-2" width={160} />
            </p>
          </>
        ) : (
          <p>{t.logo.none}</p>
        )}
        <PostForm action={`${path}/logo`} csrfToken={ctx.csrfToken} enctype="multipart/form-data">
          <div class="form-group mb-4">
            <label for="logo" class="active">
              {t.fields.logo}
            </label>
            <input
              type="file"
              id="logo"
              name="logo"
              class={`form-control${problems.logo ? ' is-invalid' : ''}`}
              accept=".png,image/png"
              required
              aria-required="true"
              aria-describedby={problems.logo ? 'logo-hint logo-problem' : 'logo-hint'}
              {...(problems.logo ? { 'aria-invalid': 'true' } : {})}
            />
            <small class="form-text d-block" id="logo-hint">
              {t.hints.logo(MAX_LOGO_BYTES / 1024)}
            </small>
            <Problem id="logo-problem" text={problemText(m, t.problems, problems.logo)} />
          </div>
          <button type="submit" class="btn btn-outline-primary">
            {t.logo.upload}
          </button>
        </PostForm>
        {hasLogo && (
          <PostForm action={`${path}/logo/rimuovi`} csrfToken={ctx.csrfToken} class="mt-3">
            <button type="submit" class="btn btn-outline-danger">
              {t.logo.remove}
            </button>
          </PostForm>
        )}
      </section>
    </Layout>
  );
}
