import { z } from 'zod';
import type { Ente } from '../../../db/schema';
import { romeDate } from '../../../domain/calendar/local-time';
import type { Clock } from '../../../domain/clock';
import {
  type PersonFormField,
  PERSON_FORM_FIELDS,
  personFormOf,
  personFormSchema,
  type PersonInput,
  personInputFromForm,
  type PersonValues,
} from '../../../domain/registry/person-values';
import type { Messages } from '../../i18n/it';
import { SelectField, TextField } from '../../shared/fields';
import { type FormProblems, parseForm } from '../../shared/form';
import type { PageContext } from '../../shared/context';
import { ERROR_SUMMARY_ID } from '../../shared/components';

/**
 * The parts the office's registry forms share (persons, pupils, the adults of a pupil): a person's
 * fields, their parsing under a name prefix (two persons on one page: `alunno_…`, `intestatario_…`),
 * the box offering the person already in the registry, the conflict box, and the breadcrumbs.
 */
export type Typed = Record<string, string>;

export function officePath(ente: Ente, path: string) {
  return `/${ente.slug}/ufficio/${path}`;
}

/** Home › ente › Ufficio comunale › Anagrafe › this page. */
export function registryCrumbs({ m, ente }: PageContext & { ente: Ente }, title: string) {
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: officePath(ente, '') },
    { label: m.officePeople.registry, href: officePath(ente, 'anagrafe') },
    { label: title },
  ];
}

export type PersonParse =
  | { ok: true; input: PersonInput; typed: Typed }
  | { ok: false; problems: FormProblems; typed: Typed };

/** The person's fields of a form, each named `prefix + field`, parsed with the person's rules. */
export function parsePersonForm(body: unknown, prefix: string, clock: Clock): PersonParse {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const own = Object.fromEntries(PERSON_FORM_FIELDS.map((field) => [field, raw[prefix + field]]));
  const parsed = parseForm(personFormSchema(romeDate(clock.now())), own);
  const typed = Object.fromEntries(Object.entries(parsed.typed).map(([field, value]) => [prefix + field, value]));
  if (parsed.ok) return { ok: true, input: personInputFromForm(parsed.values), typed };
  const problems = Object.fromEntries(Object.entries(parsed.problems).map(([field, key]) => [prefix + field, key]));
  return { ok: false, problems, typed };
}

/** The labels of a person's fields under a prefix, for the error summary (`Alunno – Cognome`). */
export function personLabels(m: Messages, prefix = '', group?: string): Record<string, string> {
  return Object.fromEntries(PERSON_FORM_FIELDS.map((field) => [prefix + field, group ? `${group} – ${m.officePeople.fields[field]}` : m.officePeople.fields[field]]));
}

/** A form's version fields: positive integers, as our pages write them. */
export const versionField = z.string().regex(/^[1-9][0-9]{0,9}$/, 'invalid').transform(Number);

/** A school of the form, and a class: "2A", "3 B", "Sezione Verde". */
export const schoolClassShape = {
  scuola: z.string().regex(/^[1-9][0-9]{0,9}$/, 'schoolUnknown').transform(Number),
  classe: z
    .string()
    .transform((value) => value.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'classRequired').max(20, 'classFormat').regex(/^[\p{L}\p{N} ]+$/u, 'classFormat')),
};

/**
 * A person's fields, grouped. `fixedCode`: the codice fiscale was chosen at an earlier step; it is sent
 * again as a hidden field and shown as text.
 */
export function PersonFields({
  m,
  prefix = '',
  typed,
  problems,
  fixedCode,
  headingLevel = 2,
}: {
  m: Messages;
  prefix?: string;
  typed: Typed;
  problems: FormProblems;
  fixedCode?: string;
  headingLevel?: 2 | 3;
}) {
  const t = m.officePeople;
  const texts = t.problems as Record<string, string>;
  const field = (name: PersonFormField, extra: { required?: boolean; type?: 'text' | 'email' | 'tel'; autocomplete?: string; inputmode?: 'numeric' | 'text' } = {}) => (
    <TextField
      m={m}
      name={prefix + name}
      label={t.fields[name]}
      value={typed[prefix + name] ?? ''}
      problem={problems[prefix + name]}
      texts={texts}
      hint={(t.hints as Record<string, string>)[name]}
      required={extra.required ?? true}
      type={extra.type}
      autocomplete={extra.autocomplete}
      inputmode={extra.inputmode}
    />
  );
  const Legend = ({ children }: { children: string }) => <legend class={headingLevel === 2 ? 'h4' : 'h5'}>{children}</legend>;
  return (
    <>
      <fieldset class="mb-3">
        <Legend>{t.sections.personal}</Legend>
        {fixedCode !== undefined ? (
          <>
            <input type="hidden" name={`${prefix}codice_fiscale`} value={fixedCode} />
            <p>
              {t.fields.codice_fiscale}: <strong>{fixedCode}</strong>
            </p>
            {problems[`${prefix}codice_fiscale`] && (
              <div class="invalid-feedback d-block mb-3" id={`${prefix}codice_fiscale`} tabindex={-1}>
                {texts[problems[`${prefix}codice_fiscale`]!] ?? m.forms.problems.invalid}
              </div>
            )}
          </>
        ) : (
          field('codice_fiscale')
        )}
        {field('cognome', { autocomplete: 'off' })}
        {field('nome', { autocomplete: 'off' })}
        <SelectField
          m={m}
          name={`${prefix}sesso`}
          label={t.fields.sesso}
          value={typed[`${prefix}sesso`] ?? ''}
          problem={problems[`${prefix}sesso`]}
          texts={texts}
          required
          empty={t.chooseSex}
          options={[
            { value: 'F', label: t.sexes.F! },
            { value: 'M', label: t.sexes.M! },
          ]}
        />
        {field('data_nascita', { inputmode: 'numeric' })}
        {field('luogo_nascita')}
      </fieldset>
      <fieldset class="mb-3">
        <Legend>{t.sections.residence}</Legend>
        {field('indirizzo')}
        {field('cap', { inputmode: 'numeric' })}
        {field('comune')}
        {field('provincia')}
      </fieldset>
      <fieldset class="mb-3">
        <Legend>{t.sections.contacts}</Legend>
        {field('email', { required: false, type: 'email' })}
        {field('telefono', { required: false, type: 'tel' })}
      </fieldset>
    </>
  );
}

/** The person already in the registry under the code typed: offered, with a link to their page. */
export function ExistingPersonBox({
  m,
  ente,
  existing,
}: {
  m: Messages;
  ente: Ente;
  existing: { id: number; fiscalCode: string; givenName: string; familyName: string; pupilId?: number | null };
}) {
  const t = m.officePeople.existing;
  const name = `${existing.givenName} ${existing.familyName}`;
  return (
    <div class="alert alert-warning" role="note" aria-labelledby={`existing-${existing.id}`}>
      <p class="fw-semibold mb-1" id={`existing-${existing.id}`}>
        {t.title}
      </p>
      <p class="mb-1">{t.text(name, existing.fiscalCode)}</p>
      <ul class="mb-0">
        <li>
          <a href={officePath(ente, `anagrafe/persone/${existing.id}`)}>{t.openPerson(name)}</a>
        </li>
        {existing.pupilId ? (
          <li>
            <a href={officePath(ente, `anagrafe/alunni/${existing.pupilId}`)}>{t.openPupil(name)}</a>
          </li>
        ) : null}
      </ul>
    </div>
  );
}

/** A save refused because someone saved first: the message, and the values saved now that differ from the form's. */
export function ConflictBox({ m, saved, typed, labels }: { m: Messages; saved: Typed; typed: Typed; labels: Record<string, string> }) {
  const changed = Object.keys(saved).filter((field) => labels[field] && (saved[field] ?? '') !== (typed[field] ?? ''));
  return (
    <div class="alert alert-danger error-summary" role="alert" id={ERROR_SUMMARY_ID} tabindex={-1}>
      <p class="fw-semibold mb-1">{m.forms.conflictTitle}</p>
      <p class="mb-1">{m.forms.problems.conflict}</p>
      {changed.length > 0 && (
        <dl class="mb-0">
          {changed.map((field) => (
            <div key={field}>
              <dt>
                <a href={`#${field}`}>{labels[field]}</a>
              </dt>
              <dd>
                {m.forms.savedNow}: <strong>{saved[field] || '—'}</strong>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

/** A stored person as the form shows it: the day of birth as gg/mm/aaaa. */
export function personTyped(row: PersonValues, prefix = ''): Typed {
  const form = personFormOf(row);
  const [y, mo, d] = form.data_nascita.split('-');
  form.data_nascita = `${d}/${mo}/${y}`;
  return Object.fromEntries(Object.entries(form).map(([field, value]) => [prefix + field, value]));
}
