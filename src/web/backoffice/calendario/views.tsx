import type { Ente } from '../../../db/schema';
import type { Page } from '../../../db/pagination';
import type { ClosureRow, SchoolYearRow } from '../../../domain/calendar/management';
import { ErrorSummary, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
type School = { id: number; name: string };

/** A stored day as people type it in our forms (gg/mm/aaaa). */
export function typedDate(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

function crumbs({ m, ente }: Ctx, last?: string) {
  const t = m.officeCalendar;
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    { label: t.title, ...(last ? { href: `/${ente.slug}/ufficio/calendario` } : {}) },
    ...(last ? [{ label: last }] : []),
  ];
}

/** The list's filter of places: '' every closure, 'ente' the whole ente's, or a school's id. */
export type ScopeFilter = string;

export function CalendarPage({
  ctx,
  years,
  chosenYear,
  schools,
  scope,
  closures,
  cursor,
  today,
  done,
}: {
  ctx: Ctx;
  years: readonly SchoolYearRow[];
  chosenYear: SchoolYearRow | undefined;
  schools: readonly School[];
  scope: ScopeFilter;
  closures: Page<ClosureRow> | undefined;
  cursor?: string;
  today: string;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeCalendar;
  const path = `/${ente.slug}/ufficio/calendario`;
  const status = ({ anno: t.yearAdded, date: t.datesSaved, chiusura: t.closureAdded, rimossa: t.closureRemoved } as Record<string, string>)[done ?? ''];
  const stateOf = (row: ClosureRow) => (row.startsOn > today ? t.states.upcoming : row.endsOn < today ? t.states.past : t.states.running);
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={status} />

      <section aria-labelledby="years-title" class="mt-4">
        <h2 class="h3" id="years-title">
          {t.yearsTitle}
        </h2>
        <p>
          <a class="btn btn-primary" href={`${path}/anni/nuovo`}>
            {t.newYear}
          </a>
        </p>
        <DataTable
          caption={t.yearsCaption}
          rows={years}
          keyOf={(row) => row.id}
          empty={t.noYears}
          columns={[
            { label: t.yearColumns.label, cell: (row) => row.label },
            { label: t.yearColumns.startsOn, cell: (row) => m.format.date(row.startsOn) },
            { label: t.yearColumns.endsOn, cell: (row) => m.format.date(row.endsOn) },
            {
              label: t.yearColumns.actions,
              cell: (row) => (
                <a href={`${path}/anni/${row.id}`}>
                  {t.editDates}
                  <span class="visually-hidden"> {row.label}</span>
                </a>
              ),
            },
          ]}
        />
      </section>

      <section aria-labelledby="closures-title" class="mt-5">
        <h2 class="h3" id="closures-title">
          {t.closuresTitle}
        </h2>
        {years.length > 0 && (
          <p>
            <a class="btn btn-primary" href={`${path}/chiusure/nuova`}>
              {t.newClosure}
            </a>
          </p>
        )}
        {chosenYear && (
          <>
            <FilterForm action={path} submit={t.filter.apply}>
              <div class="col-12 col-md-6">
                <div class="select-wrapper mb-3">
                  <label for="anno">{t.filter.year}</label>
                  <select id="anno" name="anno">
                    {years.map((year) => (
                      <option value={String(year.id)} selected={year.id === chosenYear.id} key={year.id}>
                        {year.label}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              <div class="col-12 col-md-6">
                <div class="select-wrapper mb-3">
                  <label for="scuola">{t.filter.school}</label>
                  <select id="scuola" name="scuola" aria-describedby="scuola-hint">
                    <option value="" selected={scope === ''}>
                      {t.filter.all}
                    </option>
                    <option value="ente" selected={scope === 'ente'}>
                      {t.filter.ente}
                    </option>
                    {schools.map((school) => (
                      <option value={String(school.id)} selected={scope === String(school.id)} key={school.id}>
                        {school.name}
                      </option>
                    ))}
                  </select>
                  <small class="form-text" id="scuola-hint">
                    {t.filter.hint}
                  </small>
                </div>
              </div>
            </FilterForm>
            <DataTable
              caption={t.closuresCaption(chosenYear.label)}
              rows={closures?.rows ?? []}
              keyOf={(row) => row.id}
              empty={t.noClosures}
              columns={[
                {
                  label: t.closureColumns.from,
                  cell: (row) => (
                    <a href={`${path}/chiusure/${row.id}`}>
                      <span class="visually-hidden">{t.details}</span>
                      {m.format.date(row.startsOn)}
                    </a>
                  ),
                },
                { label: t.closureColumns.to, cell: (row) => m.format.date(row.endsOn) },
                { label: t.closureColumns.where, cell: (row) => row.schoolName ?? t.wholeEnte },
                { label: t.closureColumns.reason, cell: (row) => <span class="text-break">{row.reason}</span> },
                { label: t.closureColumns.state, cell: stateOf },
              ]}
            />
            <Pager m={m} path={path} query={{ anno: String(chosenYear.id), scuola: scope }} next={closures?.next} first={!cursor} />
          </>
        )}
      </section>
    </Layout>
  );
}

export type YearTyped = Partial<Record<'anno' | 'inizio' | 'fine', string>>;
export type YearProblems = FormProblems<'anno' | 'inizio' | 'fine' | 'versione'>;

export function NewYearPage({ ctx, typed = {}, problems = {} }: { ctx: Ctx; typed?: YearTyped; problems?: YearProblems }) {
  const { m, ente } = ctx;
  const t = m.officeCalendar;
  return (
    <Layout ctx={ctx} title={t.yearNewTitle} crumbs={crumbs(ctx, t.yearNewTitle)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.yearFields} texts={t.problems} />}
      <h1>{t.yearNewTitle}</h1>
      <p>{t.yearNewLead}</p>
      <PostForm action={`/${ente.slug}/ufficio/calendario/anni/nuovo`} csrfToken={ctx.csrfToken}>
        <TextField m={m} name="anno" label={t.yearFields.anno} value={typed.anno} problem={problems.anno} texts={t.problems} hint={t.yearLabelHint} required autocomplete="off" />
        <TextField m={m} name="inizio" label={t.yearFields.inizio} value={typed.inizio} problem={problems.inizio} texts={t.problems} hint={t.dateHint} required autocomplete="off" />
        <TextField m={m} name="fine" label={t.yearFields.fine} value={typed.fine} problem={problems.fine} texts={t.problems} hint={t.dateHint} required autocomplete="off" />
        <button type="submit" class="btn btn-primary">
          {t.createYear}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={`/${ente.slug}/ufficio/calendario`}>{t.back}</a>
      </p>
    </Layout>
  );
}

export function YearPage({
  ctx,
  year,
  typed,
  problems = {},
  conflict,
}: {
  ctx: Ctx;
  year: SchoolYearRow & { firstOpenDay: string };
  typed?: YearTyped;
  problems?: YearProblems;
  /** Someone saved the year since this page's form was made: the dates saved now are shown. */
  conflict?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeCalendar;
  const title = t.yearEditTitle(year.label);
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, year.label)}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.yearFields} texts={t.problems} />}
      <h1>{title}</h1>
      <p>{t.yearEditLead(m.format.date(year.firstOpenDay))}</p>
      <dl class="row">
        <dt class="col-sm-4">{t.yearFields.inizio}</dt>
        <dd class="col-sm-8">
          {m.format.date(year.startsOn)}
          {conflict && <span class="d-block small">({m.forms.savedNow})</span>}
        </dd>
        <dt class="col-sm-4">{t.yearFields.fine}</dt>
        <dd class="col-sm-8">{m.format.date(year.endsOn)}</dd>
      </dl>
      <PostForm action={`/${ente.slug}/ufficio/calendario/anni/${year.id}`} csrfToken={ctx.csrfToken} version={year.version}>
        <TextField
          m={m}
          name="inizio"
          label={t.yearFields.inizio}
          value={typed?.inizio ?? typedDate(year.startsOn)}
          problem={problems.inizio}
          texts={t.problems}
          hint={t.dateHint}
          required
          autocomplete="off"
        />
        <TextField
          m={m}
          name="fine"
          label={t.yearFields.fine}
          value={typed?.fine ?? typedDate(year.endsOn)}
          problem={problems.fine}
          texts={t.problems}
          hint={t.dateHint}
          required
          autocomplete="off"
        />
        <button type="submit" class="btn btn-primary">
          {t.saveDates}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={`/${ente.slug}/ufficio/calendario`}>{t.back}</a>
      </p>
    </Layout>
  );
}

export type ClosureTyped = Partial<Record<'scuola' | 'dal' | 'al' | 'motivo', string>>;
export type ClosureProblems = FormProblems<'scuola' | 'dal' | 'al' | 'motivo'>;

export function NewClosurePage({
  ctx,
  schools,
  firstOpenDay,
  typed = {},
  problems = {},
}: {
  ctx: Ctx;
  schools: readonly School[];
  firstOpenDay: string;
  typed?: ClosureTyped;
  problems?: ClosureProblems;
}) {
  const { m, ente } = ctx;
  const t = m.officeCalendar;
  return (
    <Layout ctx={ctx} title={t.closureNewTitle} crumbs={crumbs(ctx, t.closureNewTitle)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.closureFields} texts={t.problems} />}
      <h1>{t.closureNewTitle}</h1>
      <p>{t.closureNewLead(m.format.date(firstOpenDay))}</p>
      <PostForm action={`/${ente.slug}/ufficio/calendario/chiusure/nuova`} csrfToken={ctx.csrfToken}>
        <SelectField
          m={m}
          name="scuola"
          label={t.closureFields.scuola}
          value={typed.scuola}
          problem={problems.scuola}
          texts={t.problems}
          required
          empty={t.chooseWhere}
          options={[{ value: 'ente', label: t.wholeEnteOption }, ...schools.map((school) => ({ value: String(school.id), label: school.name }))]}
        />
        <TextField m={m} name="dal" label={t.closureFields.dal} value={typed.dal} problem={problems.dal} texts={t.problems} hint={t.dateHint} required autocomplete="off" />
        <TextField m={m} name="al" label={t.closureFields.al} value={typed.al} problem={problems.al} texts={t.problems} hint={`${t.dateHint}. ${t.toHint}`} autocomplete="off" />
        <TextField m={m} name="motivo" label={t.closureFields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} hint={t.reasonHint} required autocomplete="off" />
        <button type="submit" class="btn btn-primary">
          {t.createClosure}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={`/${ente.slug}/ufficio/calendario`}>{t.back}</a>
      </p>
    </Layout>
  );
}

export function ClosurePage({
  ctx,
  closure,
  problems = {},
}: {
  ctx: Ctx;
  closure: ClosureRow & { removable: boolean };
  problems?: FormProblems<'rimuovi'>;
}) {
  const { m, ente } = ctx;
  const t = m.officeCalendar;
  const title = t.closureTitle(m.format.date(closure.startsOn), m.format.date(closure.endsOn));
  const path = `/${ente.slug}/ufficio/calendario/chiusure/${closure.id}`;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.closureFields} texts={t.problems} />}
      <h1>{title}</h1>
      <dl class="row">
        <dt class="col-sm-4">{t.closureColumns.where}</dt>
        <dd class="col-sm-8">{closure.schoolName ?? t.wholeEnte}</dd>
        <dt class="col-sm-4">{t.closureColumns.from}</dt>
        <dd class="col-sm-8">{m.format.dayWithWeekday(closure.startsOn)}</dd>
        <dt class="col-sm-4">{t.closureColumns.to}</dt>
        <dd class="col-sm-8">{m.format.dayWithWeekday(closure.endsOn)}</dd>
        <dt class="col-sm-4">{t.closureColumns.reason}</dt>
        <dd class="col-sm-8 text-break">{closure.reason}</dd>
        <dt class="col-sm-4">{t.addedBy}</dt>
        <dd class="col-sm-8 text-break">{closure.author}</dd>
        <dt class="col-sm-4">{t.addedAt}</dt>
        <dd class="col-sm-8">{m.format.dateTime(closure.createdAt)}</dd>
      </dl>
      <section aria-labelledby="remove-title" class="mt-4">
        <h2 class="h4" id="remove-title">
          {t.removeTitle}
        </h2>
        {closure.removable ? (
          <>
            <p id="rimuovi">{t.removeLead}</p>
            <PostForm action={`${path}/rimuovi`} csrfToken={ctx.csrfToken}>
              <button type="submit" class="btn btn-outline-danger">
                {t.remove}
              </button>
            </PostForm>
          </>
        ) : (
          <p id="rimuovi">{t.notRemovable}</p>
        )}
      </section>
      <p class="mt-4">
        <a href={`/${ente.slug}/ufficio/calendario`}>{t.back}</a>
      </p>
    </Layout>
  );
}
