import type { Page } from '../../../db/pagination';
import type { Ente } from '../../../db/schema';
import { type ActivityEvent, maskFiscalCode } from '../../../domain/audit/activity';
import type { Messages } from '../../i18n/it';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, SelectField, TextField } from '../../shared/fields';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };

/** An action in words; an action the catalogue does not know is shown as it is recorded. */
export function actionInWords(m: Messages, action: string): string {
  return m.officeActivity.actions[action] ?? action;
}

export function whoActed(event: ActivityEvent): string {
  if (event.operatorName) return event.operatorName;
  return event.actorFiscalCode ? maskFiscalCode(event.actorFiscalCode) : '—';
}

function shownValue(m: Messages, value: unknown): string {
  if (value === null || value === undefined || value === '') return m.officeActivity.emptyValue;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An event's values, "campo: prima → dopo" one per line; a creation or a removal lists the record's values. */
export function EventValues({ m, event }: { m: Messages; event: ActivityEvent }) {
  const t = m.officeActivity;
  const { before, after } = event;
  if (!before && !after) return null;
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const label = (field: string) => t.fields[field] ?? field;
  return (
    <ul class="list-unstyled mb-0 small text-break">
      {!before && <li>{t.created}</li>}
      {!after && <li>{t.removed}</li>}
      {fields.map((field) => (
        <li key={field}>
          {before && after
            ? t.change(label(field), shownValue(m, before[field]), shownValue(m, after[field]))
            : `${label(field)}: ${shownValue(m, (after ?? before)![field])}`}
        </li>
      ))}
    </ul>
  );
}

/** What an event is about: the pupil (linked to its office page) or the record's kind and number. */
export function EventSubject({ m, ente, event }: { m: Messages; ente: Ente; event: ActivityEvent }) {
  const t = m.officeActivity;
  const record =
    event.subjectType && event.subjectId !== null && event.subjectType !== 'pupil'
      ? t.subject(t.subjects[event.subjectType] ?? event.subjectType, event.subjectId)
      : undefined;
  return (
    <>
      {record && <span class="d-block">{record}</span>}
      {event.pupilId !== null && (
        <a href={`/${ente.slug}/ufficio/anagrafe/alunni/${event.pupilId}`}>{t.pupilLabel(event.pupilName ?? '', event.pupilId)}</a>
      )}
      {!record && event.pupilId === null && '—'}
    </>
  );
}

export function ActivityLogPage({
  ctx,
  operators,
  typed,
  problems,
  page,
  first = true,
}: {
  ctx: Ctx;
  operators: { fiscalCode: string; givenName: string; familyName: string }[];
  typed: Record<string, string>;
  problems: Record<string, string | undefined>;
  page?: Page<ActivityEvent>;
  first?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeActivity;
  const path = `/${ente.slug}/ufficio/registro-attivita`;
  const labels = { operatore: t.operator, cf: t.fiscalCode, alunno: t.pupil, dal: t.from, al: t.to, dopo: m.lists.nextPage };
  const refused = Object.values(problems).some(Boolean);
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {refused && <FormErrors m={m} problems={problems} labels={labels} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={path} submit={t.submit}>
        <div class="col-12 col-md-6 col-lg-4">
          <SelectField
            m={m}
            name="operatore"
            label={t.operator}
            value={typed.operatore}
            problem={problems.operatore}
            texts={t.problems}
            empty={t.anyOperator}
            options={operators.map((o) => ({ value: o.fiscalCode, label: `${o.familyName} ${o.givenName}` }))}
          />
        </div>
        <div class="col-12 col-md-6 col-lg-4">
          <TextField m={m} name="cf" label={t.fiscalCode} hint={t.fiscalCodeHint} value={typed.cf} problem={problems.cf} texts={t.problems} autocomplete="off" />
        </div>
        <div class="col-12 col-md-4 col-lg-4">
          <TextField m={m} name="alunno" label={t.pupil} hint={t.pupilHint} value={typed.alunno} problem={problems.alunno} texts={t.problems} inputmode="numeric" />
        </div>
        <div class="col-12 col-md-4 col-lg-3">
          <TextField m={m} name="dal" label={t.from} hint={t.dateHint} value={typed.dal} problem={problems.dal} texts={t.problems} />
        </div>
        <div class="col-12 col-md-4 col-lg-3">
          <TextField m={m} name="al" label={t.to} hint={t.dateHint} value={typed.al} problem={problems.al} texts={t.problems} />
        </div>
      </FilterForm>
      {page && (
        <>
          <DataTable<ActivityEvent>
            caption={t.caption}
            rows={page.rows}
            keyOf={(e) => e.id}
            empty={t.none}
            columns={[
              { label: t.columns.when, cell: (e) => <span class="text-nowrap">{m.format.dateTime(e.createdAt)}</span> },
              { label: t.columns.who, cell: (e) => whoActed(e) },
              { label: t.columns.action, cell: (e) => actionInWords(m, e.action) },
              { label: t.columns.subject, cell: (e) => <EventSubject m={m} ente={ente} event={e} /> },
              { label: t.columns.values, cell: (e) => <EventValues m={m} event={e} /> },
            ]}
          />
          <Pager
            m={m}
            path={path}
            query={{ operatore: typed.operatore ?? '', cf: typed.cf ?? '', alunno: typed.alunno ?? '', dal: typed.dal ?? '', al: typed.al ?? '' }}
            next={page.next}
            first={first}
          />
        </>
      )}
    </Layout>
  );
}
