import type { Ente } from '../../../../db/schema';
import type { Page } from '../../../../db/pagination';
import { SCHOOL_LEVELS, SERVICE_WEEKDAYS, type SchoolRow } from '../../../../domain/settings/schools';
import type { Messages } from '../../../i18n/it';
import { ConflictBox } from '../../anagrafe/person-form';
import { Problem, SavedNotice } from '../../../shared/components';
import type { PageContext } from '../../../shared/context';
import { FormErrors, PostForm, problemText, SelectField, TextField } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Layout } from '../../../shared/layout';
import { DataTable, Pager } from '../../../shared/list';

type Ctx = PageContext & { ente: Ente };

export type SchoolField = 'nome' | 'grado' | 'indirizzo' | 'giorni' | 'versione';
export type SchoolTyped = Partial<Record<string, string>>;
export type SchoolProblems = FormProblems<SchoolField>;

/** The form's name of a weekday's checkbox: one field each, so that none is ever sent twice. */
export const weekdayField = (day: number) => `giorno_${day}`;

export function schoolTyped(school: SchoolRow): SchoolTyped {
  return {
    nome: school.name,
    grado: school.level,
    indirizzo: school.address,
    ...Object.fromEntries(school.weekdays.map((day) => [weekdayField(day), '1'])),
    // For the conflict box: the days as a sentence.
    giorni: school.weekdays.join(','),
  };
}

function weekdaysText(m: Messages, weekdays: readonly number[]): string {
  return weekdays.map((day) => m.officeSettings.schools.weekdays[day - 1] ?? String(day)).join(', ');
}

function crumbs({ m, ente }: Ctx, last?: string) {
  const settings = `/${ente.slug}/ufficio/impostazioni`;
  const t = m.officeSettings;
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    { label: t.title, href: settings },
    { label: t.schools.title, ...(last ? { href: `${settings}/scuole` } : {}) },
    ...(last ? [{ label: last }] : []),
  ];
}

export function SchoolsPage({ ctx, page, cursor, done }: { ctx: Ctx; page: Page<SchoolRow>; cursor?: string; done?: string }) {
  const { m, ente } = ctx;
  const t = m.officeSettings.schools;
  const path = `/${ente.slug}/ufficio/impostazioni/scuole`;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={done === 'aggiunta' ? t.added : undefined} />
      <p>
        <a class="btn btn-primary" href={`${path}/nuova`}>
          {t.add}
        </a>
      </p>
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
                {row.name}
              </a>
            ),
          },
          { label: t.columns.level, cell: (row) => t.levels[row.level] ?? row.level },
          { label: t.columns.address, cell: (row) => row.address },
          { label: t.columns.weekdays, cell: (row) => weekdaysText(m, row.weekdays) },
        ]}
      />
      <Pager m={m} path={path} query={{}} next={page.next} first={!cursor} />
    </Layout>
  );
}

/** The form of a school, new or existing: name, level, address, the weekdays with canteen. */
export function SchoolFormPage({
  ctx,
  school,
  typed,
  problems = {},
  saved,
  version,
  done,
}: {
  ctx: Ctx;
  /** The school edited; none: a new one. */
  school?: SchoolRow;
  typed: SchoolTyped;
  problems?: SchoolProblems;
  /** After a conflict: the school as saved meanwhile. */
  saved?: SchoolTyped;
  version?: number;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeSettings.schools;
  const title = school ? t.editTitle(school.name) : t.newTitle;
  const path = `/${ente.slug}/ufficio/impostazioni/scuole`;
  const savedForBox = saved ? { ...saved, giorni: weekdaysText(m, (saved.giorni ?? '').split(',').filter(Boolean).map(Number)) } : undefined;
  const typedForBox = {
    ...typed,
    giorni: weekdaysText(m, SERVICE_WEEKDAYS.filter((day) => typed[weekdayField(day)] === '1')),
  };
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, school ? school.name : t.newTitle)}>
      {savedForBox && <ConflictBox m={m} saved={savedForBox} typed={typedForBox} labels={t.fields} />}
      {!saved && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={done === 'salvata' ? t.saved : undefined} />
      <PostForm action={school ? `${path}/${school.id}` : `${path}/nuova`} csrfToken={ctx.csrfToken} version={version}>
        <TextField m={m} name="nome" label={t.fields.nome!} value={typed.nome} problem={problems.nome} texts={t.problems} required autocomplete="off" />
        <SelectField
          m={m}
          name="grado"
          label={t.fields.grado!}
          value={typed.grado}
          problem={problems.grado}
          texts={t.problems}
          required
          empty={t.chooseLevel}
          options={SCHOOL_LEVELS.map((level) => ({ value: level, label: t.levels[level]! }))}
        />
        <TextField m={m} name="indirizzo" label={t.fields.indirizzo!} value={typed.indirizzo} problem={problems.indirizzo} texts={t.problems} required autocomplete="off" />
        <fieldset class="mb-4" id="giorni" aria-describedby={problems.giorni ? 'giorni-hint giorni-problem' : 'giorni-hint'}>
          <legend class="fs-6 fw-semibold">{t.weekdaysLegend}</legend>
          <small class="form-text d-block mb-2" id="giorni-hint">
            {t.weekdaysHint}
          </small>
          {SERVICE_WEEKDAYS.map((day) => (
            <div class="form-check form-check-inline" key={day}>
              <input
                type="checkbox"
                id={weekdayField(day)}
                name={weekdayField(day)}
                value="1"
                checked={typed[weekdayField(day)] === '1'}
                {...(problems.giorni ? { 'aria-invalid': 'true' } : {})}
              />
              <label for={weekdayField(day)}>{t.weekdays[day - 1]}</label>
            </div>
          ))}
          <Problem id="giorni-problem" text={problemText(m, t.problems, problems.giorni)} />
        </fieldset>
        <button type="submit" class="btn btn-primary">
          {school ? t.save : t.create}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={path}>{t.back}</a>
      </p>
    </Layout>
  );
}
