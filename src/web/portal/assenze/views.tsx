import type { Ente } from '../../../db/schema';
import { type AbsenceService, protocolOf } from '../../../domain/canteen/absences';
import { ErrorSummary, Problem, ServicePage } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { PupilLine } from '../pupil';

type EnteContext = PageContext & { ente: Ente };
type Overview = Awaited<ReturnType<AbsenceService['overview']>>;
type Receipt = Awaited<ReturnType<AbsenceService['receipt']>>;

export interface AbsenceFormValues {
  pupilId?: number;
  from: string;
  to: string;
  kind: 'absent' | 'light_meal';
}

/** The problem of one field: message under the field, linked to it for screen readers. */
export function AbsencesPage({
  ctx,
  overview,
  values,
  problems = {},
  submissionKey,
}: {
  ctx: EnteContext;
  overview: Overview;
  values: AbsenceFormValues;
  problems?: Partial<Record<string, string>>;
  submissionKey: string;
}) {
  const { m, ente } = ctx;
  const t = m.absences;
  const message = (field: string) => (problems[field] ? t.problems[problems[field]!] ?? problems[field] : undefined);
  const invalid = (field: string) => (problems[field] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${field}-problem` } : {});
  return (
    <ServicePage ctx={ctx} title={t.title} lead={<p class="lead">{t.lead(ente.cutoff_time)}</p>} notice={m.pageNotices.assenze(ente.cutoff_time)}
      errors={
        <ErrorSummary
          title={t.errorsTitle}
          items={Object.keys(problems).map((field) => ({ text: message(field)!, field: field === 'kind' ? 'kind-absent' : field === 'cancel' ? 'notified-days' : field }))}
        />
      }
    >
      {overview.chosen && <PupilLine ctx={ctx} pupil={overview.chosen} pupils={overview.pupils} service="assenze" />}
      <section aria-labelledby="new-notice" class="mb-5">
        <h2 class="h4" id="new-notice">
          {t.formTitle}
        </h2>
        <form method="post" action={`/${ente.slug}/assenze`} novalidate>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="submissionKey" value={submissionKey} />
          <div class="select-wrapper mb-4">
            <label for="pupil">{t.pupil}</label>
            <select id="pupil" name="utente" required {...invalid('pupil')}>
              <option value="">{t.choosePupil}</option>
              {overview.pupils.map((p) => (
                <option value={String(p.id)} selected={p.id === values.pupilId} key={p.id}>
                  {p.givenName} {p.familyName} — {p.schoolName}
                </option>
              ))}
            </select>
            <Problem id="pupil-problem" text={message('pupil')} />
          </div>
          <fieldset class="mb-4" {...(problems.kind ? { 'aria-describedby': 'kind-problem' } : {})}>
            <legend class="h6">{t.kind}</legend>
            {(['absent', 'light_meal'] as const).map((kind) => (
              <div class="form-check form-check-inline" key={kind}>
                <input class="form-check-input" type="radio" name="tipo" id={`kind-${kind}`} value={kind} checked={values.kind === kind} />
                <label class="form-check-label" for={`kind-${kind}`}>
                  {t.kinds[kind]}
                </label>
              </div>
            ))}
            <p class="small mt-2 mb-0">{t.lightMealHint(ente.light_meal_max_days)}</p>
            <Problem id="kind-problem" text={message('kind')} />
          </fieldset>
          <div class="row">
            <div class="col-md-6 mb-4">
              <label for="from" class="active">
                {t.from}
              </label>
              <input type="date" class="form-control" id="from" name="dal" value={values.from} required {...invalid('from')} />
              <Problem id="from-problem" text={message('from')} />
            </div>
            <div class="col-md-6 mb-4">
              <label for="to" class="active">
                {t.to}
              </label>
              <input type="date" class="form-control" id="to" name="al" value={values.to} {...invalid('to')} />
              <Problem id="to-problem" text={message('to')} />
            </div>
          </div>
          <button type="submit" class="btn btn-primary">
            {t.confirm}
          </button>
        </form>
      </section>
      <DaysList ctx={ctx} overview={overview} />
    </ServicePage>
  );
}

function DaysList({ ctx, overview }: { ctx: EnteContext; overview: Overview }) {
  const { m, ente } = ctx;
  const t = m.absences;
  if (!overview.chosen) {
    return (
      <section class="mb-4">
        <p>{t.chooseToSee}</p>
        <ul>
          {overview.pupils.map((p) => (
            <li key={p.id}>
              <a href={`/${ente.slug}/assenze?utente=${p.id}`}>
                {p.givenName} {p.familyName}
              </a>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  const pupil = overview.chosen;
  return (
    <section aria-labelledby="notified-days" class="mb-4">
      <h2 class="h4" id="notified-days">
        {t.daysTitle(`${pupil.givenName} ${pupil.familyName}`)}
      </h2>
      {overview.changes.length === 0 ? (
        <p>{t.noDays}</p>
      ) : (
          <table class="table table-stack">
            <caption class="visually-hidden">{t.daysTitle(`${pupil.givenName} ${pupil.familyName}`)}</caption>
            <thead>
              <tr>
                <th scope="col">{t.date}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.source}</th>
                <th scope="col">{t.action}</th>
              </tr>
            </thead>
            <tbody>
              {overview.changes.map((change) => (
                <tr key={change.date}>
                  <th scope="row" data-label={t.date}>{m.format.dayWithWeekday(change.date)}</th>
                  <td data-label={t.state}>{t.kinds[change.status]}</td>
                  <td data-label={t.source}>{t.sources[change.source]}</td>
                  <td data-label={t.action}>
                    {change.cancellable ? (
                      <form method="post" action={`/${ente.slug}/assenze/annulla`} class="m-0">
                        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                        <input type="hidden" name="submissionKey" value={`${crypto.randomUUID()}`} />
                        <input type="hidden" name="utente" value={String(pupil.id)} />
                        <input type="hidden" name="giorno" value={change.date} />
                        <button type="submit" class="btn btn-outline-primary btn-sm" aria-label={t.cancelLabel(m.format.date(change.date))}>
                          {t.cancel}
                        </button>
                      </form>
                    ) : (
                      t.frozen
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
      )}
    </section>
  );
}

export function AbsenceReceiptPage({ ctx, receipt }: { ctx: EnteContext; receipt: Receipt }) {
  const { m, ente } = ctx;
  const t = m.absences;
  const { notice, days, pupil } = receipt;
  const applied = days.filter((d) => d.outcome === 'applied');
  const skipped = days.filter((d) => d.outcome !== 'applied');
  const protocol = protocolOf(notice);
  return (
    <ServicePage ctx={ctx} title={t.receiptTitle}>
      <div class="alert alert-success" role="status">
        <strong>
          {t.protocol}: {protocol}
        </strong>
      </div>
      <dl class="row">
        <dt class="col-sm-4">{t.pupil}</dt>
        <dd class="col-sm-8">
          {pupil.givenName} {pupil.familyName}
        </dd>
        <dt class="col-sm-4">{t.kind}</dt>
        <dd class="col-sm-8">{t.kinds[notice.kind]}</dd>
        <dt class="col-sm-4">{t.requested}</dt>
        <dd class="col-sm-8">
          {notice.requested_from === notice.requested_to
            ? m.format.date(notice.requested_from)
            : m.scheda.fromTo(m.format.date(notice.requested_from), m.format.date(notice.requested_to))}
        </dd>
        <dt class="col-sm-4">{t.submittedAt}</dt>
        <dd class="col-sm-8">{m.format.dateTime(notice.submitted_at)}</dd>
        <dt class="col-sm-4">{t.submittedBy}</dt>
        <dd class="col-sm-8">{notice.submitted_by}</dd>
      </dl>
      <h2 class="h4">{t.applied}</h2>
      {applied.length === 0 ? (
        <p>{t.noneApplied}</p>
      ) : (
        <ul>
          {applied.map((d) => (
            <li key={d.date}>{m.format.dayWithWeekday(d.date)}</li>
          ))}
        </ul>
      )}
      {skipped.length > 0 && (
        <>
          <h2 class="h4">{t.skipped}</h2>
          <ul>
            {skipped.map((d) => (
              <li key={d.date}>
                {m.format.dayWithWeekday(d.date)}: {t.outcomes[d.outcome]}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={`/${ente.slug}/assenze?utente=${pupil.id}`}>{t.back}</a>
      </p>
    </ServicePage>
  );
}
