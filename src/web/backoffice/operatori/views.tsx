import type { Ente, OperatorRole } from '../../../db/schema';
import type { Page } from '../../../db/pagination';
import type { OperatorListRow } from '../../../domain/operators/management';
import { ROLES } from '../../../domain/operators/permissions';
import type { Messages } from '../../i18n/it';
import { ErrorSummary, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
type School = { id: number; name: string };

function crumbs({ m, ente }: Ctx, last?: string) {
  const list = { label: m.officeOperators.title, ...(last ? { href: `/${ente.slug}/ufficio/operatori` } : {}) };
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    list,
    ...(last ? [{ label: last }] : []),
  ];
}

function roleOptions(m: Messages) {
  return ROLES.map((role) => ({ value: role, label: `${m.backoffice.roles[role]} — ${m.officeOperators.roleHints[role]}` }));
}

function schoolOptions(schools: readonly School[]) {
  return schools.map((school) => ({ value: String(school.id), label: school.name }));
}

export function OperatorsPage({
  ctx,
  page,
  cursor,
  includeRemoved,
  done,
}: {
  ctx: Ctx;
  page: Page<OperatorListRow>;
  cursor?: string;
  includeRemoved: boolean;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeOperators;
  const path = `/${ente.slug}/ufficio/operatori`;
  const status = done === 'aggiunto' ? t.added : done === 'riattivato' ? t.reactivated : done === 'rimosso' ? t.removedDone : undefined;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={status} />
      <p>
        <a class="btn btn-primary" href={`${path}/nuovo`}>
          {t.add}
        </a>
      </p>
      <FilterForm action={path} submit={t.filter.apply}>
        <div class="col-12 col-md-6">
          <div class="select-wrapper mb-3">
            <label for="stato">{t.filter.label}</label>
            <select id="stato" name="stato">
              <option value="" selected={!includeRemoved}>
                {t.filter.active}
              </option>
              <option value="tutti" selected={includeRemoved}>
                {t.filter.all}
              </option>
            </select>
          </div>
        </div>
      </FilterForm>
      <DataTable
        caption={t.caption}
        rows={page.rows}
        keyOf={(row) => row.id}
        empty={t.none}
        columns={[
          {
            label: t.columns.name,
            cell: (row) => (
              <a href={`${path}/${row.id}`}>
                <span class="visually-hidden">{t.edit}</span>
                {row.familyName} {row.givenName}
              </a>
            ),
          },
          { label: t.columns.fiscalCode, cell: (row) => <span class="text-break">{row.fiscalCode}</span> },
          { label: t.columns.role, cell: (row) => m.backoffice.roles[row.role] },
          { label: t.columns.school, cell: (row) => row.schoolName ?? '—' },
          { label: t.columns.state, cell: (row) => (row.active === 1 ? t.active : t.removed) },
        ]}
      />
      <Pager m={m} path={path} query={includeRemoved ? { stato: 'tutti' } : {}} next={page.next} first={!cursor} />
    </Layout>
  );
}

export type AddTyped = Partial<Record<'codice_fiscale' | 'nome' | 'cognome' | 'ruolo' | 'scuola', string>>;
export type AddProblems = FormProblems<'codice_fiscale' | 'nome' | 'cognome' | 'ruolo' | 'scuola'>;

export function AddOperatorPage({ ctx, schools, typed = {}, problems = {} }: { ctx: Ctx; schools: readonly School[]; typed?: AddTyped; problems?: AddProblems }) {
  const { m, ente } = ctx;
  const t = m.officeOperators;
  return (
    <Layout ctx={ctx} title={t.addTitle} crumbs={crumbs(ctx, t.addTitle)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.addTitle}</h1>
      <p>{t.addLead}</p>
      <PostForm action={`/${ente.slug}/ufficio/operatori/nuovo`} csrfToken={ctx.csrfToken}>
        <TextField m={m} name="codice_fiscale" label={t.fields.codice_fiscale} value={typed.codice_fiscale} problem={problems.codice_fiscale} texts={t.problems} required autocomplete="off" />
        <TextField m={m} name="nome" label={t.fields.nome} value={typed.nome} problem={problems.nome} texts={t.problems} required autocomplete="off" />
        <TextField m={m} name="cognome" label={t.fields.cognome} value={typed.cognome} problem={problems.cognome} texts={t.problems} required autocomplete="off" />
        <SelectField m={m} name="ruolo" label={t.fields.ruolo} value={typed.ruolo ?? 'operatore'} problem={problems.ruolo} texts={t.problems} required options={roleOptions(m)} />
        <SelectField
          m={m}
          name="scuola"
          label={t.fields.scuola}
          value={typed.scuola}
          problem={problems.scuola}
          texts={t.problems}
          hint={t.schoolHint}
          empty={t.noSchool}
          options={schoolOptions(schools)}
        />
        <button type="submit" class="btn btn-primary">
          {t.create}
        </button>
      </PostForm>
    </Layout>
  );
}

export type RoleTyped = Partial<Record<'ruolo' | 'scuola', string>>;
export type RoleProblems = FormProblems<'ruolo' | 'scuola' | 'rimuovi' | 'versione'>;

export function OperatorPage({
  ctx,
  operator,
  schools,
  typed,
  problems = {},
  conflict,
  done,
}: {
  ctx: Ctx;
  operator: OperatorListRow;
  schools: readonly School[];
  typed?: RoleTyped;
  problems?: RoleProblems;
  /** Someone saved the operator since this page's form was made: the values saved now are shown. */
  conflict?: boolean;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeOperators;
  const name = `${operator.givenName} ${operator.familyName}`;
  const title = t.editTitle(name);
  const path = `/${ente.slug}/ufficio/operatori/${operator.id}`;
  const savedRole: OperatorRole = operator.role;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, name)}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={done === 'salvato' ? t.saved : undefined} />
      <dl class="row">
        <dt class="col-sm-4">{t.columns.fiscalCode}</dt>
        <dd class="col-sm-8 text-break">{operator.fiscalCode}</dd>
        <dt class="col-sm-4">{t.columns.role}</dt>
        <dd class="col-sm-8">
          {m.backoffice.roles[savedRole]}
          {conflict && <span class="d-block small">({m.forms.savedNow})</span>}
        </dd>
        <dt class="col-sm-4">{t.columns.school}</dt>
        <dd class="col-sm-8">{operator.schoolName ?? '—'}</dd>
        <dt class="col-sm-4">{t.columns.state}</dt>
        <dd class="col-sm-8">{operator.active === 1 ? t.active : t.removed}</dd>
      </dl>
      {operator.active === 1 ? (
        <>
          <section aria-labelledby="role-title" class="mt-4">
            <h2 class="h4" id="role-title">
              {t.fields.ruolo}
            </h2>
            <PostForm action={path} csrfToken={ctx.csrfToken} version={operator.version}>
              <SelectField
                m={m}
                name="ruolo"
                label={t.fields.ruolo}
                value={typed?.ruolo ?? operator.role}
                problem={problems.ruolo}
                texts={t.problems}
                required
                options={roleOptions(m)}
              />
              <SelectField
                m={m}
                name="scuola"
                label={t.fields.scuola}
                value={typed?.scuola ?? (operator.schoolId === null ? '' : String(operator.schoolId))}
                problem={problems.scuola}
                texts={t.problems}
                hint={t.schoolHint}
                empty={t.noSchool}
                options={schoolOptions(schools)}
              />
              <button type="submit" class="btn btn-primary">
                {t.save}
              </button>
            </PostForm>
          </section>
          <section aria-labelledby="remove-title" class="mt-5">
            <h2 class="h4" id="remove-title">
              {t.removeTitle}
            </h2>
            <p id="rimuovi">{t.removeLead}</p>
            <PostForm action={`${path}/rimuovi`} csrfToken={ctx.csrfToken} version={operator.version}>
              <button type="submit" class="btn btn-outline-danger">
                {t.remove}
              </button>
            </PostForm>
          </section>
        </>
      ) : (
        <p>{t.addLead}</p>
      )}
      <p class="mt-4">
        <a href={`/${ente.slug}/ufficio/operatori`}>{t.back}</a>
      </p>
    </Layout>
  );
}
