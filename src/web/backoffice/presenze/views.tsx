import type { Ente } from '../../../db/schema';
import { SavedNotice } from '../../shared/components';
import type { AttendanceService } from '../../../domain/attendance/service';
import { type AbsenceService, protocolOf } from '../../../domain/canteen/absences';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';

type Ctx = PageContext & { ente: Ente };
type DayList = Awaited<ReturnType<AttendanceService['dayList']>>;
type BookedPupil = Awaited<ReturnType<AttendanceService['bookedPupil']>>;
type ListedPupil = Awaited<ReturnType<AttendanceService['listedPupil']>>;
type Receipt = Awaited<ReturnType<AbsenceService['officeReceipt']>>;

export const listPath = (ente: Ente, schoolId?: number, date?: string, className?: string) => {
  const query = new URLSearchParams();
  if (schoolId !== undefined) query.set('scuola', String(schoolId));
  if (date) query.set('data', date);
  if (className) query.set('classe', className);
  const text = query.toString();
  return `/${ente.slug}/ufficio/presenze${text ? `?${text}` : ''}`;
};

function crumbs({ m, ente }: Ctx, last?: { label: string; list: string }) {
  const t = m.officeAttendance;
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    { label: t.title, ...(last ? { href: last.list } : {}) },
    ...(last ? [{ label: last.label }] : []),
  ];
}

/** Made once: a formatter costs more to make than the 1,500 rows of a list take to render. */
const TIME = new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit' });

function time(iso: string) {
  return TIME.format(new Date(iso));
}

export type ListProblems = FormProblems<'scuola' | 'data' | 'assenti'>;

/** Presenze a scuola: the chooser of school and day, and the day's list by class. */
export function AttendancePage({
  ctx,
  schools,
  schoolId,
  date,
  list,
  className,
  problems = {},
  done,
}: {
  ctx: Ctx;
  schools: readonly { id: number; name: string }[];
  schoolId?: number;
  date: string;
  list?: DayList;
  /** One class of the list only (a teacher's); all of them when not given. */
  className?: string;
  problems?: ListProblems;
  done?: number;
}) {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const dayText = m.format.dayWithWeekday(date);
  return (
    <Layout ctx={ctx} title={list ? `${t.title} — ${list.school.name}` : t.title} crumbs={crumbs(ctx)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{list ? `${t.title} — ${list.school.name}` : t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={done !== undefined ? t.saved(done) : undefined} />
      {schools.length === 0 ? (
        <p>{t.noSchools}</p>
      ) : (
        <form method="get" action={`/${ente.slug}/ufficio/presenze`} class="row g-3 align-items-end mb-4" role="search">
          <div class="col-12 col-md-6">
            <SelectField
              m={m}
              name="scuola"
              label={t.school}
              value={schoolId === undefined ? '' : String(schoolId)}
              problem={problems.scuola}
              texts={t.problems}
              options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
              {...(schools.length > 1 ? { empty: '—' } : {})}
            />
          </div>
          <div class="col-12 col-md-3">
            <TextField m={m} name="data" type="date" label={t.day} value={date} problem={problems.data} texts={t.problems} />
          </div>
          {list && list.classes.length > 1 && (
            <div class="col-12 col-md-3">
              <SelectField
                m={m}
                name="classe"
                label={t.classFilter}
                value={className ?? ''}
                empty={t.allClasses}
                options={list.classes.map((c) => ({ value: c.className, label: c.className }))}
              />
            </div>
          )}
          <div class="col-12 col-md-3 mb-4">
            <button type="submit" class="btn btn-primary">
              {t.show}
            </button>
          </div>
        </form>
      )}
      {!list ? (
        schools.length > 0 && <p>{t.chooseSchool}</p>
      ) : (
        <DayListView ctx={ctx} list={list} dayText={dayText} className={className} />
      )}
    </Layout>
  );
}

function DayListView({ ctx, list, dayText, className }: { ctx: Ctx; list: DayList; dayText: string; className?: string }) {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const { phase, service } = list;
  return (
    <>
      <h2 class="h3">{dayText}</h2>
      {!service.service ? (
        <div class="alert alert-info" role="status">
          {t.noService[service.reason]}
          {service.note ? ` (${service.note})` : ''}
        </div>
      ) : (
        <div class="alert alert-info" role="status">
          {phase === 'open' ? t.open(time(list.cutoffAt), m.format.date(list.date)) : phase === 'closing' ? t.closing : t.frozen(m.format.dateTime(list.frozenAt!))}
        </div>
      )}
      {list.totals.pupils > 0 && <p>{t.totals(list.totals.pupils, list.totals.present, list.totals.lightMeals, list.totals.absent)}</p>}
      {list.classes.length === 0 && (service.service || phase === 'frozen') && <p>{t.noPupils}</p>}
      {list.classes.filter((group) => className === undefined || group.className === className).map((group) => {
        const anchor = `classe-${group.className.replace(/[^A-Za-z0-9]/g, '') || 'x'}`;
        const caption = t.classCaption(group.className, dayText);
        const marking = phase === 'open' && service.service;
        const shownAbsent = group.pupils.filter((p) => p.status === 'absent').map((p) => p.pupilId);
        const actions = list.mayCorrect && phase !== 'closing';
        const headerId = `${anchor}-assente`;
        const table = (
          <table class="table table-stack">
            <caption>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.columns.pupil}</th>
                <th scope="col">{t.columns.status}</th>
                {marking && (
                  <th scope="col" id={headerId}>
                    {t.columns.absent}
                  </th>
                )}
                {actions && <th scope="col">{t.columns.actions}</th>}
              </tr>
            </thead>
            <tbody dangerouslySetInnerHTML={{ __html: classRowsHtml(ctx, list, group.pupils, { marking, actions, headerId }) }} />
          </table>
        );
        return (
          <section aria-labelledby={anchor} class="mb-5" key={group.className}>
            <h3 class="h4" id={anchor}>
              {t.classTitle(group.className)}
            </h3>
            {marking ? (
              <PostForm action={`/${ente.slug}/ufficio/presenze/classe`} csrfToken={ctx.csrfToken}>
                <input type="hidden" name="scuola" value={String(list.school.id)} />
                <input type="hidden" name="data" value={list.date} />
                <input type="hidden" name="mostrati_assenti" value={shownAbsent.join(',')} />
                <input type="hidden" name="classe" value={className ?? ''} />
                {table}
                <button type="submit" class="btn btn-primary">
                  {t.saveClass(group.className)}
                </button>
              </PostForm>
            ) : (
              table
            )}
          </section>
        );
      })}
    </>
  );
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESCAPABLE = /[&<>"']/;
/** Most names have nothing to escape: a test is cheaper than a replace that finds nothing (1,500 rows a list). */
const escapeHtml = (text: string) => (ESCAPABLE.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : text);

/**
 * A class's rows as HTML: a school's list is 1,500 rows, and building them as components was most of
 * the page's time (as the statement's rows, conto-corrente/views.tsx). Every text is escaped here. The
 * pupil's name is the row's header; the checkbox is named by it and its column ("Rossi Sofia Assente"),
 * the link is described by it; each cell carries its column's name for the stacked layout of phones.
 */
function classRowsHtml(ctx: Ctx, list: DayList, pupils: DayList['classes'][number]['pupils'], options: { marking: boolean; actions: boolean; headerId: string }): string {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const label = (text: string) => `data-label="${escapeHtml(text)}"`;
  const [pupilLabel, statusLabel, absentLabel, actionsLabel] = [t.columns.pupil, t.columns.status, t.columns.absent, t.columns.actions].map(label);
  const base = `/${ente.slug}/ufficio/presenze`;
  const actionText = escapeHtml(list.phase === 'frozen' ? t.correct : t.phoned);
  // A status and its source are a few texts: escaped once for the class, not once a row; and the
  // row's fixed parts are joined once for the class (1,500 rows a list).
  const stateOf = new Map<string, string>();
  const rowStart = `<tr><th scope="row" ${pupilLabel} id="n`;
  const stateStart = `</th><td ${statusLabel}>`;
  const checkboxStart = `</td><td ${absentLabel}><input class="form-check-input" type="checkbox" name="assente" value="`;
  const labelledBy = ` ${options.headerId}"`;
  const linkStart = list.phase === 'frozen' ? `</td><td ${actionsLabel}><a href="${base}/correzione?alunno=` : `</td><td ${actionsLabel}><a href="${base}/telefonata?alunno=`;
  const linkQuery = list.phase === 'frozen' ? `&amp;data=${list.date}" aria-describedby="n` : `&amp;scuola=${list.school.id}&amp;data=${list.date}" aria-describedby="n`;
  const linkEnd = `">${actionText}</a>`;
  let html = '';
  for (const p of pupils) {
    const id = p.pupilId;
    const status = p.status ?? 'present';
    const stateKey = `${status} ${p.source ?? ''}`;
    let state = stateOf.get(stateKey);
    if (state === undefined) {
      state = escapeHtml(t.statuses[status]!);
      if (p.source && p.source !== 'default') state += `<span class="d-block small">(${escapeHtml(t.sources[p.source]!)})</span>`;
      stateOf.set(stateKey, state);
    }
    const correction = 'correction' in p ? p.correction : undefined;
    if (correction) state += `<span class="d-block small">${escapeHtml(t.correctedNote(t.statuses[correction.before]!, correction.reason))}</span>`;
    html += `${rowStart}${id}">${escapeHtml(`${p.familyName} ${p.givenName}`)}${stateStart}${state}`;
    if (options.marking) html += `${checkboxStart}${id}" id="assente-${id}" aria-labelledby="n${id}${labelledBy}${status === 'absent' ? ' checked' : ''}/>`;
    if (options.actions) html += `${linkStart}${id}${linkQuery}${id}${linkEnd}`;
    html += '</td></tr>';
  }
  return html;
}

export type CorrectionTyped = Partial<Record<'stato' | 'motivo', string>>;
export type CorrectionProblems = FormProblems<'stato' | 'motivo' | 'data' | 'alunno' | 'chiave'>;

/** One pupil's frozen day, and the form that corrects it with a reason. */
export function CorrectionPage({
  ctx,
  pupil,
  typed = {},
  problems = {},
  submissionKey,
  done,
}: {
  ctx: Ctx;
  pupil: BookedPupil;
  typed?: CorrectionTyped;
  problems?: CorrectionProblems;
  submissionKey: string;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  const title = t.correctTitle(name);
  const back = listPath(ente, pupil.schoolId, pupil.date);
  const doneText = done === 'corretto' ? t.corrected : done === 'addebito' ? t.correctedCharged : done === 'invariato' ? t.unchanged : undefined;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, { label: name, list: back })}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={doneText} />
      <p>{t.correctLead}</p>
      <dl class="row">
        <dt class="col-sm-4">{t.school}</dt>
        <dd class="col-sm-8">
          {pupil.schoolName} — {t.classTitle(pupil.className)}
        </dd>
        <dt class="col-sm-4">{t.day}</dt>
        <dd class="col-sm-8">{m.format.dayWithWeekday(pupil.date)}</dd>
        <dt class="col-sm-4">{t.booked}</dt>
        <dd class="col-sm-8">
          {t.statuses[pupil.status]} ({t.sources[pupil.source]})
        </dd>
      </dl>
      {pupil.corrections.length > 0 && (
        <section aria-labelledby="storia" class="mb-4">
          <h2 class="h4" id="storia">
            {t.history}
          </h2>
          <ul>
            {pupil.corrections.map((c, i) => (
              <li key={i}>{t.historyItem(m.format.dateTime(c.createdAt), t.statuses[c.before]!, t.statuses[c.after]!, c.reason)}</li>
            ))}
          </ul>
        </section>
      )}
      <PostForm action={`/${ente.slug}/ufficio/presenze/correzione`} csrfToken={ctx.csrfToken}>
        <input type="hidden" name="alunno" value={String(pupil.pupilId)} />
        <input type="hidden" name="data" value={pupil.date} />
        <input type="hidden" name="chiave" value={submissionKey} />
        <SelectField
          m={m}
          name="stato"
          label={t.fields.stato!}
          value={typed.stato ?? (pupil.status === 'absent' ? 'present' : 'absent')}
          problem={problems.stato}
          texts={t.problems}
          required
          options={(['present', 'absent', 'light_meal'] as const).map((s) => ({ value: s, label: t.statuses[s]! }))}
        />
        <TextAreaField m={m} name="motivo" label={t.fields.motivo!} value={typed.motivo} problem={problems.motivo} texts={t.problems} hint={t.hints.motivo} required />
        <button type="submit" class="btn btn-primary">
          {t.saveCorrection}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={back}>{t.backToList}</a>
      </p>
    </Layout>
  );
}

export type PhonedTyped = Partial<Record<'dal' | 'al' | 'tipo', string>>;
export type PhonedProblems = FormProblems<'dal' | 'al' | 'tipo' | 'alunno' | 'chiave'>;

/** A notice a parent phoned in, entered by the office for one pupil of the list. */
export function PhonedAbsencePage({
  ctx,
  pupil,
  date,
  typed = {},
  problems = {},
  submissionKey,
}: {
  ctx: Ctx;
  pupil: ListedPupil;
  date: string;
  typed?: PhonedTyped;
  problems?: PhonedProblems;
  submissionKey: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  const title = t.phonedTitle(name);
  const back = listPath(ente, pupil.schoolId, date);
  const texts = { ...t.problems, ...m.absences.problems };
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, { label: name, list: back })}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={texts} />}
      <h1>{title}</h1>
      <p>{t.phonedLead}</p>
      <p>
        {pupil.schoolName} — {t.classTitle(pupil.className)}
      </p>
      <PostForm action={`/${ente.slug}/ufficio/presenze/telefonata`} csrfToken={ctx.csrfToken}>
        <input type="hidden" name="alunno" value={String(pupil.pupilId)} />
        <input type="hidden" name="scuola" value={String(pupil.schoolId)} />
        <input type="hidden" name="data" value={date} />
        <input type="hidden" name="chiave" value={submissionKey} />
        <SelectField
          m={m}
          name="tipo"
          label={t.fields.tipo!}
          value={typed.tipo ?? 'absent'}
          problem={problems.tipo}
          texts={texts}
          required
          options={(['absent', 'light_meal'] as const).map((k) => ({ value: k, label: m.absences.kinds[k] }))}
        />
        <TextField m={m} name="dal" label={t.fields.dal!} value={typed.dal ?? date} problem={problems.dal} texts={texts} hint={t.hints.dal} required />
        <TextField m={m} name="al" label={t.fields.al!} value={typed.al} problem={problems.al} texts={texts} hint={t.hints.dal} />
        <button type="submit" class="btn btn-primary">
          {t.sendPhoned}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={back}>{t.backToList}</a>
      </p>
    </Layout>
  );
}

/** The receipt of a phoned-in notice: the protocol number the parent would have had. */
export function OfficeReceiptPage({ ctx, receipt }: { ctx: Ctx; receipt: Receipt }) {
  const { m, ente } = ctx;
  const t = m.officeAttendance;
  const a = m.absences;
  const { notice, days, pupil } = receipt;
  const applied = days.filter((d) => d.outcome === 'applied');
  const skipped = days.filter((d) => d.outcome !== 'applied');
  const back = listPath(ente, pupil.schoolId, notice.requested_from);
  return (
    <Layout ctx={ctx} title={t.receiptTitle} crumbs={crumbs(ctx, { label: t.receiptTitle, list: back })}>
      <h1>{t.receiptTitle}</h1>
      <div class="alert alert-success" role="status">
        <strong>
          {a.protocol}: {protocolOf(notice)}
        </strong>
      </div>
      <dl class="row">
        <dt class="col-sm-4">{a.pupil}</dt>
        <dd class="col-sm-8">
          {pupil.givenName} {pupil.familyName}
        </dd>
        <dt class="col-sm-4">{a.kind}</dt>
        <dd class="col-sm-8">{a.kinds[notice.kind]}</dd>
        <dt class="col-sm-4">{a.requested}</dt>
        <dd class="col-sm-8">
          {notice.requested_from === notice.requested_to
            ? m.format.date(notice.requested_from)
            : m.scheda.fromTo(m.format.date(notice.requested_from), m.format.date(notice.requested_to))}
        </dd>
        <dt class="col-sm-4">{a.submittedAt}</dt>
        <dd class="col-sm-8">{m.format.dateTime(notice.submitted_at)}</dd>
        <dt class="col-sm-4">{a.submittedBy}</dt>
        <dd class="col-sm-8 text-break">{notice.submitted_by}</dd>
      </dl>
      <h2 class="h4">{a.applied}</h2>
      {applied.length === 0 ? (
        <p>{a.noneApplied}</p>
      ) : (
        <ul>
          {applied.map((d) => (
            <li key={d.date}>{m.format.dayWithWeekday(d.date)}</li>
          ))}
        </ul>
      )}
      {skipped.length > 0 && (
        <>
          <h2 class="h4">{a.skipped}</h2>
          <ul>
            {skipped.map((d) => (
              <li key={d.date}>
                {m.format.dayWithWeekday(d.date)}: {a.outcomes[d.outcome]}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={back}>{t.backToList}</a>
      </p>
    </Layout>
  );
}

