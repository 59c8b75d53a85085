import type { ComponentChildren } from 'preact';
import type { Messages } from '../i18n/it';
import { ErrorSummary, Problem } from './components';
import type { FormProblems } from './form';

/**
 * The fields of every office and portal form (decision 0016): a visible label tied to its input, the
 * problem under the field tied by aria-describedby, what was typed kept after a refused submit.
 * `problems` holds catalogue keys; `texts` the form's own messages, falling back to the shared ones.
 */
export type ProblemTexts = Record<string, string>;

export function problemText(m: Messages, texts: ProblemTexts, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return texts[key] ?? (m.forms.problems as Record<string, string>)[key] ?? m.forms.problems.invalid;
}

interface FieldProps {
  m: Messages;
  name: string;
  label: string;
  value?: string;
  problem?: string;
  texts?: ProblemTexts;
  hint?: string;
  required?: boolean;
}

function describedBy(name: string, problem: string | undefined, hint: string | undefined) {
  const ids = [hint ? `${name}-hint` : '', problem ? `${name}-problem` : ''].filter(Boolean).join(' ');
  return ids ? { 'aria-describedby': ids } : {};
}

/** The hint and the problem under a field, each with the id its `aria-describedby` names. */
function FieldHelp({ m, name, hint, problem, texts }: { m: Messages; name: string; hint?: string; problem?: string; texts: ProblemTexts }) {
  return (
    <>
      {hint && (
        <small class="form-text" id={`${name}-hint`}>
          {hint}
        </small>
      )}
      <Problem id={`${name}-problem`} text={problemText(m, texts, problem)} />
    </>
  );
}

export function TextField({
  m,
  name,
  label,
  value = '',
  problem,
  texts = {},
  hint,
  required,
  type = 'text',
  autocomplete,
  inputmode,
}: FieldProps & { type?: 'text' | 'email' | 'tel' | 'date' | 'search'; autocomplete?: string; inputmode?: 'numeric' | 'decimal' | 'text' }) {
  return (
    <div class="form-group mb-4">
      <label for={name} class="active">
        {label}
        {required && <span class="visually-hidden"> ({m.forms.required})</span>}
      </label>
      <input
        type={type as 'text'}
        class={`form-control${problem ? ' is-invalid' : ''}`}
        id={name}
        name={name}
        value={value}
        {...(required ? { required: true, 'aria-required': 'true' } : {})}
        {...(autocomplete ? { autocomplete } : {})}
        {...(inputmode ? { inputmode } : {})}
        {...(problem ? { 'aria-invalid': 'true' } : {})}
        {...describedBy(name, problem, hint)}
      />
      <FieldHelp m={m} name={name} hint={hint} problem={problem} texts={texts} />
    </div>
  );
}

export function TextAreaField({ m, name, label, value = '', problem, texts = {}, hint, required }: FieldProps) {
  return (
    <div class="form-group mb-4">
      <label for={name} class="active">
        {label}
      </label>
      <textarea
        class={`form-control${problem ? ' is-invalid' : ''}`}
        id={name}
        name={name}
        rows={3}
        {...(required ? { required: true } : {})}
        {...(problem ? { 'aria-invalid': 'true' } : {})}
        {...describedBy(name, problem, hint)}
      >
        {value}
      </textarea>
      <FieldHelp m={m} name={name} hint={hint} problem={problem} texts={texts} />
    </div>
  );
}

export function SelectField({
  m,
  name,
  label,
  value = '',
  problem,
  texts = {},
  hint,
  required,
  options,
  empty,
}: FieldProps & { options: readonly { value: string; label: string }[]; empty?: string }) {
  return (
    <div class="select-wrapper mb-4">
      <label for={name}>{label}</label>
      <select
        id={name}
        name={name}
        class={problem ? 'is-invalid' : undefined}
        {...(required ? { required: true } : {})}
        {...(problem ? { 'aria-invalid': 'true' } : {})}
        {...describedBy(name, problem, hint)}
      >
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((option) => (
          <option value={option.value} selected={option.value === value} key={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldHelp m={m} name={name} hint={hint} problem={problem} texts={texts} />
    </div>
  );
}

/** The error summary of a refused form: each problem links to its field, in the form's order. */
export function FormErrors({
  m,
  problems,
  labels,
  texts = {},
}: {
  m: Messages;
  problems: FormProblems;
  labels: Record<string, string>;
  texts?: ProblemTexts;
}) {
  const items = Object.entries(problems)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([field, key]) => ({ text: `${labels[field] ?? field}: ${problemText(m, texts, key)}`, field: labels[field] ? field : undefined }));
  return <ErrorSummary title={m.forms.summaryTitle} items={items} />;
}

/** A POST form of ours: the CSRF token, and the version the record had when the form was made. */
export function PostForm({
  action,
  csrfToken,
  version,
  children,
  class: className,
  enctype,
}: {
  action: string;
  csrfToken: string | undefined;
  version?: number;
  children: ComponentChildren;
  class?: string;
  enctype?: 'multipart/form-data';
}) {
  return (
    <form method="post" action={action} class={className} {...(enctype ? { enctype } : {})} novalidate>
      <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
      {version !== undefined && <input type="hidden" name="versione" value={String(version)} />}
      {children}
    </form>
  );
}
