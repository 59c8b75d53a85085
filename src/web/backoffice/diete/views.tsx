import type { Ente } from '../../../db/schema';
import type { Page } from '../../../db/pagination';
import { DIET_CODES, DIET_KINDS } from '../../../domain/diets/codes';
import { DIET_LIST_STATES, type DietListRow, type DietService, type PupilDiets } from '../../../domain/diets/service';
import type { Messages } from '../../i18n/it';
import { APP_ASSETS_PREFIX } from '../../shared/assets';
import { backofficeCrumbs, ErrorSummary, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextAreaField, TextField, problemText } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';
import { typedDate } from '../anagrafe/alunni/iscrizioni/views';

type Ctx = PageContext & { ente: Ente };
type RequestForm = Awaited<ReturnType<DietService['requestForm']>>;
type DietDetail = Awaited<ReturnType<DietService['one']>>;
type Sheet = Awaited<ReturnType<DietService['sheet']>>;

/** Which of a diet page's forms a refused submit came from. */
export type DietForm = 'modifica' | 'approva' | 'respingi' | 'termina';

function listPath(ente: Ente) {
  return `/${ente.slug}/ufficio/diete`;
}

/** Home › ente › Ufficio comunale › Diete speciali › (middle) › this page. */
function crumbs(ctx: Ctx, title?: string, middle: { label: string; href: string }[] = []) {
  const base = backofficeCrumbs(ctx, ctx.m.officeDiets.title);
  if (!title) return base;
  return [...base.slice(0, 3), { label: ctx.m.officeDiets.title, href: listPath(ctx.ente) }, ...middle, { label: title }];
}

function dietName(m: Messages, code: string): string {
  return m.kitchen.diets[code] ?? code;
}

function days(m: Messages, from: string | null, to: string | null): string {
  return m.officeDiets.days(from === null ? null : m.format.date(from), to === null ? null : m.format.date(to));
}


function problemsOf(m: Messages, problems: FormProblems, labels: Record<string, string>) {
  return Object.keys(problems).length > 0 ? <FormErrors m={m} problems={problems} labels={labels} texts={m.officeDiets.problems} /> : null;
}

/** The list of the ente's diets, filtered by school, class and state. */
export function DietListPage({
  ctx,
  schools,
  page,
  typed,
  problems,
  cursor,
  manages,
}: {
  ctx: Ctx;
  schools: readonly { id: number; name: string }[];
  page: Page<DietListRow>;
  typed: Record<string, string>;
  problems: FormProblems;
  cursor?: string;
  manages: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeDiets;
  const path = listPath(ente);
  const query = { scuola: typed.scuola ?? '', classe: typed.classe ?? '', stato: typed.stato ?? '' };
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      {problemsOf(m, problems, { scuola: t.filter.school, classe: t.filter.className, stato: t.filter.state })}
      <h1>{t.title}</h1>
      <p class="lead">{manages ? t.lead : t.kitchenLead}</p>
      <p>
        <a href={`${path}/foglio`}>{t.sheetLink}</a>
      </p>
      <FilterForm action={path} submit={t.filter.submit}>
        <div class="col-12 col-md-4">
          <SelectField
            m={m}
            name="scuola"
            label={t.filter.school}
            value={query.scuola}
            problem={problems.scuola}
            texts={t.problems}
            empty={t.filter.anySchool}
            options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
          />
        </div>
        <div class="col-12 col-md-4">
          <TextField m={m} name="classe" label={t.filter.className} value={query.classe} problem={problems.classe} texts={t.problems} hint={t.filter.classHint} />
        </div>
        <div class="col-12 col-md-4">
          <SelectField
            m={m}
            name="stato"
            label={t.filter.state}
            value={query.stato}
            problem={problems.stato}
            texts={t.problems}
            empty={t.filter.anyState}
            options={DIET_LIST_STATES.map((state) => ({ value: state, label: t.filterStates[state] ?? state }))}
          />
        </div>
      </FilterForm>
      <DataTable
        caption={t.caption}
        rows={page.rows}
        keyOf={(row) => row.id}
        empty={t.none}
        columns={[
          {
            label: t.columns.pupil,
            cell: (row) => (
              <a href={`${path}/alunni/${row.pupilId}`}>
                {row.familyName} {row.givenName}
              </a>
            ),
          },
          { label: t.columns.school, cell: (row) => t.pupilFacts(row.schoolName, row.className) },
          { label: t.columns.diet, cell: (row) => dietName(m, row.dietCode) },
          { label: t.columns.days, cell: (row) => days(m, row.approvedFrom, row.approvedTo) },
          { label: t.columns.state, cell: (row) => t.states[row.shownState] ?? row.shownState },
        ]}
      />
      <Pager m={m} path={path} query={query} next={page.next} first={!cursor} />
    </Layout>
  );
}

/** A pupil's diets: with reasons and documents for who manages diets, codes and days for the kitchen. */
export function PupilDietsPage({ ctx, diets, saved }: { ctx: Ctx; diets: PupilDiets; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeDiets;
  const name = `${diets.pupil.givenName} ${diets.pupil.familyName}`;
  const title = t.pupilTitle(name);
  const path = listPath(ente);
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, name)}>
      <h1>{title}</h1>
      <p class="lead">
        {diets.full && <span class="text-break">{diets.pupil.fiscalCode} — </span>}
        {t.pupilFacts(diets.pupil.schoolName, diets.pupil.className)}
      </p>
      <SavedNotice text={saved} />
      {diets.full ? (
        <>
          <p>
            <a class="btn btn-primary" href={`${path}/alunni/${diets.pupil.id}/nuova`}>
              {t.newRequest}
            </a>
          </p>
          <DataTable
            caption={title}
            rows={diets.diets}
            keyOf={(d) => d.id}
            empty={t.noDiets}
            columns={[
              {
                label: t.columns.diet,
                cell: (d) => (
                  <a href={`${path}/${d.id}`}>
                    {dietName(m, d.dietCode)}
                    <span class="visually-hidden">{` — ${t.states[d.shownState] ?? d.shownState} ${days(m, d.approvedFrom, d.approvedTo)}`}</span>
                  </a>
                ),
              },
              { label: t.fieldsShown.kind, cell: (d) => t.kinds[d.kind] ?? d.kind },
              { label: t.fieldsShown.reason, cell: (d) => <span class="text-break">{d.reason || '—'}</span> },
              { label: t.fieldsShown.document, cell: (d) => d.certificate?.title ?? (d.declaredOn ? `${t.fieldsShown.declaredOn} ${m.format.date(d.declaredOn)}` : t.noDocument) },
              { label: t.columns.days, cell: (d) => days(m, d.approvedFrom, d.approvedTo) },
              { label: t.columns.state, cell: (d) => t.states[d.shownState] ?? d.shownState },
            ]}
          />
          <p>
            <a href={`/${ente.slug}/ufficio/anagrafe/alunni/${diets.pupil.id}`}>{t.pupilPage}</a>
          </p>
        </>
      ) : (
        <>
          <p>{t.kitchenLead}</p>
          <DataTable
            caption={title}
            rows={diets.diets}
            keyOf={(d) => d.id}
            empty={t.noDiets}
            columns={[
              { label: t.columns.diet, cell: (d) => dietName(m, d.dietCode) },
              { label: t.columns.days, cell: (d) => days(m, d.approvedFrom, d.approvedTo) },
              { label: t.columns.state, cell: (d) => t.states[d.shownState] ?? d.shownState },
            ]}
          />
        </>
      )}
      <p>
        <a href={path}>{t.backToList}</a>
      </p>
    </Layout>
  );
}

/** Records a request: the diet, its kind, the reason, and its document (one already filed, or a file uploaded with it). */
export function DietRequestPage({
  ctx,
  form,
  typed,
  problems,
  maxBytes,
}: {
  ctx: Ctx;
  form: RequestForm;
  typed: Record<string, string>;
  problems: FormProblems;
  maxBytes: number;
}) {
  const { m, ente } = ctx;
  const t = m.officeDiets;
  const name = `${form.pupil.givenName} ${form.pupil.familyName}`;
  const path = listPath(ente);
  const pupilPath = `${path}/alunni/${form.pupil.id}`;
  const fileProblem = problems.file === 'fileTooLarge' ? m.officeAttachments.fileTooLarge(m.officeAttachments.size(maxBytes)) : problemText(m, t.problems, problems.file);
  return (
    <Layout ctx={ctx} title={t.requestTitle} crumbs={crumbs(ctx, t.requestTitle, [{ label: name, href: pupilPath }])}>
      {problemsOf(m, problems, t.fields)}
      <h1>{t.requestTitle}</h1>
      <p class="lead">
        {name} — <span class="text-break">{form.pupil.fiscalCode}</span>
      </p>
      <p>{t.requestLead}</p>
      <PostForm action={`${pupilPath}/nuova`} csrfToken={ctx.csrfToken} enctype="multipart/form-data">
        <SelectField
          m={m}
          name="dieta"
          label={t.fields.dieta}
          value={typed.dieta}
          problem={problems.dieta}
          texts={t.problems}
          required
          empty={t.chooseDiet}
          options={DIET_CODES.map((code) => ({ value: code, label: dietName(m, code) }))}
        />
        <SelectField
          m={m}
          name="tipo"
          label={t.fields.tipo}
          value={typed.tipo}
          problem={problems.tipo}
          texts={t.problems}
          required
          empty={t.chooseKind}
          options={DIET_KINDS.map((kind) => ({ value: kind, label: t.kinds[kind] ?? kind }))}
        />
        <TextAreaField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} hint={t.reasonHint} />
        <TextField
          m={m}
          name="dichiarazione_del"
          label={t.fields.dichiarazione_del}
          value={typed.dichiarazione_del}
          problem={problems.dichiarazione_del}
          texts={t.problems}
          hint={t.declarationHint}
          autocomplete="off"
        />
        <SelectField
          m={m}
          name="documento"
          label={t.fields.documento}
          value={typed.documento}
          problem={problems.documento}
          texts={t.problems}
          hint={t.documentHint}
          empty={t.documentNone}
          options={form.documents.map((d) => ({ value: String(d.id), label: `${d.title} (${m.officeAttachments.kinds[d.kind] ?? d.kind}, ${m.format.dateTime(d.createdAt)})` }))}
        />
        <div class="form-group mb-4">
          <label for="file" class="active">
            {t.fields.file}
          </label>
          <input
            type="file"
            id="file"
            name="file"
            class={`form-control${problems.file ? ' is-invalid' : ''}`}
            accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
            aria-describedby={problems.file ? 'file-hint file-problem' : 'file-hint'}
            {...(problems.file ? { 'aria-invalid': 'true' } : {})}
          />
          <small class="form-text d-block" id="file-hint">
            {t.fileHint}
          </small>
          {fileProblem && (
            <div class="invalid-feedback d-block" id="file-problem">
              {fileProblem}
            </div>
          )}
        </div>
        <button type="submit" class="btn btn-primary me-3">
          {t.record}
        </button>
        <a href={pupilPath}>{t.cancel}</a>
      </PostForm>
    </Layout>
  );
}

/** One diet: what it is and why, its document, and the forms that approve, refuse or end it. */
export function DietPage({
  ctx,
  detail,
  form,
  typed = {},
  problems = {},
  conflict,
  saved,
}: {
  ctx: Ctx;
  detail: DietDetail;
  form?: DietForm;
  typed?: Record<string, string>;
  problems?: FormProblems;
  conflict?: boolean;
  saved?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeDiets;
  const { pupil, diet } = detail;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  const path = listPath(ente);
  const pupilPath = `${path}/alunni/${pupil.id}`;
  const title = t.dietOf(dietName(m, diet.dietCode), t.states[diet.shownState] ?? diet.shownState);
  const value = (which: DietForm, field: string, fallback = '') => (form === which ? (typed[field] ?? fallback) : fallback);
  const problem = (which: DietForm, field: string) => (form === which ? problems[field] : undefined);
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, dietName(m, diet.dietCode), [{ label: name, href: pupilPath }])}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && problemsOf(m, problems, t.fields)}
      <h1>{title}</h1>
      <p class="lead">
        {name} — <span class="text-break">{pupil.fiscalCode}</span> — {t.pupilFacts(pupil.schoolName, pupil.className)}
      </p>
      <SavedNotice text={saved} />
      <dl class="row">
        <dt class="col-sm-4">{t.fieldsShown.kind}</dt>
        <dd class="col-sm-8">{t.kinds[diet.kind] ?? diet.kind}</dd>
        <dt class="col-sm-4">{t.fieldsShown.reason}</dt>
        <dd class="col-sm-8 text-break">{diet.reason || '—'}</dd>
        <dt class="col-sm-4">{t.fieldsShown.document}</dt>
        <dd class="col-sm-8">
          {diet.certificate ? <a href={`/${ente.slug}/ufficio/anagrafe/allegati/${diet.certificate.id}`}>{t.download(diet.certificate.title)}</a> : t.noDocument}
        </dd>
        <dt class="col-sm-4">{t.fieldsShown.declaredOn}</dt>
        <dd class="col-sm-8">{diet.declaredOn ? m.format.date(diet.declaredOn) : '—'}</dd>
        <dt class="col-sm-4">{t.fieldsShown.recorded}</dt>
        <dd class="col-sm-8">{t.recordedBy(m.format.dateTime(diet.createdAt), diet.recordedBy)}</dd>
        <dt class="col-sm-4">{t.fieldsShown.days}</dt>
        <dd class="col-sm-8">
          {days(m, diet.approvedFrom, diet.approvedTo)}
          {conflict && <span class="d-block small">({m.forms.savedNow})</span>}
        </dd>
        <dt class="col-sm-4">{t.fieldsShown.approvedBy}</dt>
        <dd class="col-sm-8">{diet.approvedBy && diet.approvedAt ? t.approvedBy(m.format.dateTime(diet.approvedAt), diet.approvedBy) : '—'}</dd>
      </dl>
      {detail.lastFrozen && (diet.state === 'richiesta' || diet.state === 'approvata') && <p>{t.frozenUntil(m.format.date(detail.lastFrozen))}</p>}
      {diet.state === 'richiesta' && (
        <>
          <section aria-labelledby="approve-title" class="mt-4">
            <h2 class="h4" id="approve-title">
              {t.approveTitle}
            </h2>
            <PostForm action={`${path}/${diet.id}/approva`} csrfToken={ctx.csrfToken} version={diet.version}>
              <TextField m={m} name="dal" label={t.fields.dal} value={value('approva', 'dal')} problem={problem('approva', 'dal')} texts={t.problems} hint={m.officeActivity.dateHint} required autocomplete="off" />
              <TextField m={m} name="al" label={t.fields.al} value={value('approva', 'al')} problem={problem('approva', 'al')} texts={t.problems} hint={t.toHint} autocomplete="off" />
              <button type="submit" class="btn btn-primary">
                {t.approve}
              </button>
            </PostForm>
          </section>
          <section aria-labelledby="refuse-title" class="mt-4">
            <h2 class="h4" id="refuse-title">
              {t.refuse}
            </h2>
            <PostForm action={`${path}/${diet.id}/respingi`} csrfToken={ctx.csrfToken} version={diet.version}>
              <button type="submit" class="btn btn-outline-danger" id="respingi">
                {t.refuse}
              </button>
            </PostForm>
          </section>
        </>
      )}
      {diet.state === 'approvata' && (
        <section aria-labelledby="end-title" class="mt-4">
          <h2 class="h4" id="end-title">
            {t.endTitle}
          </h2>
          <PostForm action={`${path}/${diet.id}/termina`} csrfToken={ctx.csrfToken} version={diet.version}>
            <TextField
              m={m}
              name="ultimo_giorno"
              label={t.fields.ultimo_giorno}
              value={value('termina', 'ultimo_giorno', typedDate(detail.today))}
              problem={problem('termina', 'ultimo_giorno')}
              texts={t.problems}
              hint={t.endHint}
              required
              autocomplete="off"
            />
            <button type="submit" class="btn btn-primary">
              {t.end}
            </button>
          </PostForm>
        </section>
      )}
      {(diet.state === 'richiesta' || diet.state === 'approvata') && (
        <section aria-labelledby="edit-title" class="mt-5">
          <h2 class="h4" id="edit-title">
            {t.editTitle}
          </h2>
          <p>{diet.state === 'approvata' ? t.editLeadApproved : t.editLead}</p>
          <PostForm action={`${path}/${diet.id}/modifica`} csrfToken={ctx.csrfToken} version={diet.version}>
            {diet.state === 'richiesta' ? (
              <>
                <SelectField
                  m={m}
                  name="dieta"
                  label={t.fields.dieta}
                  value={value('modifica', 'dieta', diet.dietCode)}
                  problem={problem('modifica', 'dieta')}
                  texts={t.problems}
                  required
                  options={DIET_CODES.map((code) => ({ value: code, label: dietName(m, code) }))}
                />
                <SelectField
                  m={m}
                  name="tipo"
                  label={t.fields.tipo}
                  value={value('modifica', 'tipo', diet.kind)}
                  problem={problem('modifica', 'tipo')}
                  texts={t.problems}
                  required
                  options={DIET_KINDS.map((kind) => ({ value: kind, label: t.kinds[kind] ?? kind }))}
                />
              </>
            ) : (
              <>
                <input type="hidden" name="dieta" value={diet.dietCode} />
                <input type="hidden" name="tipo" value={diet.kind} />
              </>
            )}
            <TextAreaField m={m} name="motivo" label={t.fields.motivo} value={value('modifica', 'motivo', diet.reason)} problem={problem('modifica', 'motivo')} texts={t.problems} hint={t.reasonHint} />
            <TextField
              m={m}
              name="dichiarazione_del"
              label={t.fields.dichiarazione_del}
              value={value('modifica', 'dichiarazione_del', typedDate(diet.declaredOn))}
              problem={problem('modifica', 'dichiarazione_del')}
              texts={t.problems}
              hint={t.declarationHint}
              autocomplete="off"
            />
            <SelectField
              m={m}
              name="documento"
              label={t.fields.documento}
              value={value('modifica', 'documento', diet.certificate ? String(diet.certificate.id) : '')}
              problem={problem('modifica', 'documento')}
              texts={t.problems}
              hint={t.documentHint}
              empty={t.documentNone}
              options={detail.documents.map((d) => ({ value: String(d.id), label: `${d.title} (${m.officeAttachments.kinds[d.kind] ?? d.kind}, ${m.format.dateTime(d.createdAt)})` }))}
            />
            <p>
              <a href={`/${ente.slug}/ufficio/anagrafe/alunni/${pupil.id}/allegati`}>{t.uploadElsewhere}</a>
            </p>
            <button type="submit" class="btn btn-primary">
              {t.save}
            </button>
          </PostForm>
        </section>
      )}
      <p class="mt-4">
        <a href={pupilPath}>{t.open(name)}</a>
      </p>
    </Layout>
  );
}

/** The sheet of a school's day for the serving staff: by class, name and diet; printable. */
export function DietSheetPage({
  ctx,
  schools,
  typed,
  problems = {},
  sheet,
}: {
  ctx: Ctx;
  schools: readonly { id: number; name: string }[];
  typed: Record<string, string>;
  problems?: FormProblems;
  sheet?: Sheet;
}) {
  const { m, ente } = ctx;
  const t = m.officeDiets;
  const heading = sheet ? t.sheetHeading(sheet.school.name, m.format.dayWithWeekday(sheet.date)) : t.sheetTitle;
  return (
    <Layout ctx={ctx} title={heading} crumbs={crumbs(ctx, t.sheetTitle)}>
      {problemsOf(m, problems, { scuola: t.sheetSchool, data: t.sheetDate })}
      <h1>{heading}</h1>
      <p class="d-print-none">{t.sheetLead}</p>
      <form method="get" action={`${listPath(ente)}/foglio`} class="mb-4 d-print-none">
        <div class="row g-3 align-items-end">
          <div class="col-12 col-md-6">
            <SelectField
              m={m}
              name="scuola"
              label={t.sheetSchool}
              value={typed.scuola}
              problem={problems.scuola}
              texts={t.problems}
              required
              empty={t.sheetChooseSchool}
              options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
            />
          </div>
          <div class="col-12 col-md-6">
            <TextField m={m} name="data" label={t.sheetDate} value={typed.data?.includes('-') ? typedDate(typed.data) : typed.data} problem={problems.data} texts={t.problems} hint={m.officeActivity.dateHint} required autocomplete="off" />
          </div>
        </div>
        <button type="submit" class="btn btn-primary">
          {t.sheetShow}
        </button>
      </form>
      {sheet && (
        <>
          <div class="d-print-none mb-4">
            {/* Shown and wired by /js/print.js; without JavaScript the browser's own Print command does the same. */}
            <button type="button" class="btn btn-outline-primary me-3" data-print hidden>
              {t.print}
            </button>
            <p class="small mb-0">{t.printHint}</p>
          </div>
          {sheet.classes.length === 0 ? (
            <p>{t.sheetNone}</p>
          ) : (
            sheet.classes.map((group) => (
              <table class="table" key={group.className}>
                <caption>{t.sheetClass(group.className)}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.sheetColumns.pupil}</th>
                    <th scope="col">{t.sheetColumns.diet}</th>
                  </tr>
                </thead>
                <tbody>
                  {group.pupils.map((p) => (
                    <tr key={p.pupilId}>
                      <th scope="row">
                        {p.familyName} {p.givenName}
                      </th>
                      <td>{dietName(m, p.dietCode)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))
          )}
          <script src={`${APP_ASSETS_PREFIX}js/print.js`} defer />
        </>
      )}
      <p class="d-print-none">
        <a href={listPath(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}
