import type { Ente, ReminderStep } from '../../../db/schema';
import type { Page } from '../../../db/pagination';
import type { Ladder } from '../../../domain/reminders/ladder';
import { stepsOf } from '../../../domain/reminders/ladder';
import type { ReminderService } from '../../../domain/reminders/service';
import { csvDocument, csvEuro } from '../../shared/csv';
import { backofficeCrumbs, ErrorSummary, SavedNotice } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';
import type { Messages } from '../../i18n/it';

type Ctx = PageContext & { ente: Ente };
export type Typed = Record<string, string>;
type Runs = Awaited<ReturnType<ReminderService['runs']>>;
type LadderView = Awaited<ReturnType<ReminderService['ladder']>>;
export type ReminderRow = Awaited<ReturnType<ReminderService['collectionList']>>[number];
type Suspensions = Awaited<ReturnType<ReminderService['suspensions']>>;
type PersonReminders = Awaited<ReturnType<ReminderService['ofPerson']>>;

export const remindersBase = (ente: Ente) => `/${ente.slug}/ufficio/solleciti`;

/** Home › ente › Ufficio comunale › Solleciti › this page. */
function crumbs(ctx: Ctx, title?: string) {
  return backofficeCrumbs(ctx, ctx.m.officeReminders.title, title ? { areaHref: remindersBase(ctx.ente), title } : undefined);
}


function LadderTable({ m, ladder }: { m: Messages; ladder: Ladder }) {
  const t = m.officeReminders;
  const rows = stepsOf(ladder);
  return (
    <>
      {ladder.secondDays === null && <p>{t.noSecond}</p>}
      <DataTable
        caption={t.ladderCaption}
        rows={rows}
        keyOf={(row) => row.step}
        empty=""
        columns={[
          { label: t.ladderColumns.step, cell: (row) => t.steps[row.step] },
          { label: t.ladderColumns.days, numeric: true, cell: (row) => String(row.days) },
          { label: t.ladderColumns.note, cell: (row) => (row.step === 'formale' ? t.termNote(ladder.formalTermDays) : row.step === 'coattiva' ? t.collectionNote : '') },
        ]}
      />
    </>
  );
}

/** /{ente}/ufficio/solleciti — the ladder in force, the runs, and the ways to the suspensions and the forced-collection list. */
export function RemindersPage({ ctx, ladder, runs, saved }: { ctx: Ctx; ladder: LadderView; runs: Runs; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <SavedNotice text={saved} />
      <ul>
        <li>
          <a href={`${remindersBase(ente)}/sospensioni`}>{t.links.suspensions}</a>
        </li>
        <li>
          <a href={`${remindersBase(ente)}/coattiva`}>{t.links.collection}</a>
        </li>
      </ul>
      <section aria-labelledby="scala" class="mt-4">
        <h2 class="h3" id="scala">
          {t.ladderTitle}
        </h2>
        <p>{ladder.isDefault ? t.ladderDefault : t.ladderFrom(m.format.date(ladder.current.validFrom!))}</p>
        <LadderTable m={m} ladder={ladder.current} />
        <p>
          <a class="btn btn-outline-primary" href={`${remindersBase(ente)}/scala`}>
            {t.editLadder}
          </a>
        </p>
      </section>
      <section aria-labelledby="esecuzioni" class="mt-4">
        <h2 class="h3" id="esecuzioni">
          {t.runsTitle}
        </h2>
        <p>{t.runsLead}</p>
        <PostForm action={`${remindersBase(ente)}/esegui`} csrfToken={ctx.csrfToken}>
          <button type="submit" class="btn btn-primary mb-3">
            {t.runNow}
          </button>
        </PostForm>
        <DataTable
          caption={t.runsCaption}
          rows={runs}
          keyOf={(run) => run.date}
          empty={t.runsEmpty}
          columns={[
            { label: t.runColumns.date, cell: (run) => <a href={`${remindersBase(ente)}/invii/${run.date}`}>{t.openRun(m.format.date(run.date))}</a> },
            { label: t.runColumns.state, cell: (run) => (run.completedAt ? t.runState.done : t.runState.running) },
            { label: t.runColumns.total, numeric: true, cell: (run) => String(Object.values(run.steps).reduce((a, b) => a + (b ?? 0), 0)) },
            {
              label: t.runColumns.detail,
              cell: (run) =>
                (Object.entries(run.steps) as [ReminderStep, number][])
                  .map(([step, n]) => `${t.steps[step]}: ${n}`)
                  .join('; ') || '—',
            },
          ]}
        />
      </section>
    </Layout>
  );
}

export type LadderField = 'primo' | 'secondo' | 'formale' | 'termine' | 'coattiva' | 'versione';

export function typedLadder(ladder: Ladder): Typed {
  return {
    primo: String(ladder.firstDays), secondo: ladder.secondDays === null ? '' : String(ladder.secondDays), formale: String(ladder.formalDays),
    termine: String(ladder.formalTermDays), coattiva: String(ladder.collectionDays),
  };
}

/** /{ente}/ufficio/solleciti/scala — the form of a new version, and the versions saved. */
export function LadderPage({ ctx, ladder, typed, problems = {}, conflict }: { ctx: Ctx; ladder: LadderView; typed: Typed; problems?: FormProblems<LadderField>; conflict?: boolean }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const field = (name: Exclude<LadderField, 'versione'>, hint?: string, required = true) => (
    <TextField m={m} name={name} label={t.fields[name]} value={typed[name]} problem={problems[name]} texts={t.problems} hint={hint} required={required} inputmode="numeric" autocomplete="off" />
  );
  return (
    <Layout ctx={ctx} title={t.ladderPageTitle} crumbs={crumbs(ctx, t.ladderPageTitle)}>
      {conflict ? <ErrorSummary title={m.forms.conflictTitle} items={[{ text: t.conflict }]} /> : Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.ladderPageTitle}</h1>
      <p class="lead">{t.ladderPageLead}</p>
      <PostForm action={`${remindersBase(ente)}/scala`} csrfToken={ctx.csrfToken} version={ladder.version}>
        {field('primo')}
        {field('secondo', t.hints.secondo, false)}
        {field('formale')}
        {field('termine')}
        {field('coattiva')}
        <button type="submit" class="btn btn-primary me-2">
          {m.forms.save}
        </button>
        <a class="btn btn-outline-secondary" href={remindersBase(ente)}>
          {m.forms.cancel}
        </a>
      </PostForm>
      <section aria-labelledby="versioni" class="mt-5">
        <h2 class="h4" id="versioni">
          {t.historyTitle}
        </h2>
        <DataTable
          caption={t.historyCaption}
          rows={ladder.history}
          keyOf={(v) => v.id!}
          empty={t.ladderDefault}
          columns={[
            { label: t.historyColumns.from, cell: (v) => m.format.date(v.validFrom!) },
            { label: t.historyColumns.steps, cell: (v) => t.historySteps(v) },
            { label: t.historyColumns.author, cell: (v) => `${v.author} · ${m.format.dateTime(v.createdAt)}` },
          ]}
        />
      </section>
    </Layout>
  );
}

function reminderColumns(ctx: Ctx, { withLetter, withDate }: { withLetter: boolean; withDate?: boolean }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const name = (r: ReminderRow) => `${r.holderGivenName} ${r.holderFamilyName}`;
  return [
    { label: t.columns.holder, cell: (r: ReminderRow) => <a href={`/${ente.slug}/ufficio/anagrafe/persone/${r.holderId}`}>{name(r)}</a> },
    ...(withDate ? [{ label: t.columns.date, cell: (r: ReminderRow) => m.format.date(r.runDate) }] : []),
    { label: t.columns.fiscalCode, cell: (r: ReminderRow) => r.holderFiscalCode },
    { label: t.columns.pupil, cell: (r: ReminderRow) => `${r.pupilGivenName} ${r.pupilFamilyName}` },
    { label: t.columns.document, cell: (r: ReminderRow) => `${r.serviceName} ${t.documentLabel(r.documentNumber, r.documentYear, m.format.month(r.period))}` },
    { label: t.columns.amount, numeric: true, cell: (r: ReminderRow) => m.format.euro(r.amountCents) },
    { label: t.columns.due, cell: (r: ReminderRow) => m.format.date(r.dueDate) },
    { label: t.columns.step, cell: (r: ReminderRow) => t.steps[r.step] },
    { label: t.columns.newDue, cell: (r: ReminderRow) => (r.newDueDate ? m.format.date(r.newDueDate) : '—') },
    ...(withLetter
      ? [
          {
            label: t.columns.letter,
            cell: (r: ReminderRow) => (
              <a href={`${remindersBase(ente)}/lettere/${r.id}`}>
                {t.letterLink}
                <span class="visually-hidden"> {t.letterOf(name(r))}</span>
              </a>
            ),
          },
        ]
      : []),
  ];
}

/** /{ente}/ufficio/solleciti/invii/:date — a run's reminders, a page at a time, with their letters and the export. */
export function RunPage({ ctx, date, step, page, query, saved }: { ctx: Ctx; date: string; step: ReminderStep | undefined; page: Page<ReminderRow>; query: Record<string, string>; saved?: string }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const title = t.runTitle(m.format.date(date));
  const path = `${remindersBase(ente)}/invii/${date}`;
  const exportQuery = step ? `?passo=${step}` : '';
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, title)}>
      <h1>{title}</h1>
      <SavedNotice text={saved} />
      <p class="lead">{t.runLead}</p>
      <FilterForm action={path} submit={t.filter.apply}>
        <div class="col-12 col-md-6">
          <SelectField
            m={m}
            name="passo"
            label={t.fields.passo}
            value={step ?? ''}
            options={[{ value: '', label: t.filter.all }, ...(['primo', 'secondo', 'formale', 'coattiva'] as const).map((s) => ({ value: s, label: t.steps[s]! }))]}
          />
        </div>
      </FilterForm>
      <p class="d-flex flex-wrap gap-3">
        <a href={`${path}/elenco.csv${exportQuery}`}>{t.exportCsv}</a>
        <a href={`${path}/elenco.xlsx${exportQuery}`}>{t.exportXlsx}</a>
        {page.rows.length > 0 && <a href={`${path}/lettere.pdf?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString()}`}>{t.printPage}</a>}
      </p>
      <DataTable caption={t.listCaption} rows={page.rows} keyOf={(r) => r.id} empty={t.listEmpty} columns={reminderColumns(ctx, { withLetter: true })} />
      <Pager m={m} path={path} query={query} next={page.next} first={!query.dopo} />
    </Layout>
  );
}

/** The header and rows of a list of reminders: the same for CSV and XLSX. */
export function reminderExport(m: Messages, rows: readonly ReminderRow[]) {
  const header = [
    'giorno', 'passo', 'intestatario', 'codice_fiscale', 'indirizzo', 'cap', 'comune', 'provincia', 'email', 'alunno', 'servizio', 'documento', 'periodo',
    'importo', 'scadenza', 'nuova_scadenza', 'codice_avviso',
  ];
  const body = rows.map((r) => [
    r.runDate, m.officeReminders.steps[r.step]!, `${r.holderGivenName} ${r.holderFamilyName}`, r.holderFiscalCode, r.holderAddress, r.holderPostcode, r.holderCity,
    r.holderProvince, r.holderEmail ?? '', `${r.pupilGivenName} ${r.pupilFamilyName}`, r.serviceName, `${r.documentNumber}/${r.documentYear}`, r.period,
    csvEuro(r.amountCents), r.dueDate, r.newDueDate ?? '', r.nav ?? '',
  ]);
  return { header, body };
}

export function reminderCsv(m: Messages, rows: readonly ReminderRow[]): string {
  const { header, body } = reminderExport(m, rows);
  return csvDocument(header, body);
}

/** Rows of the forced-collection list shown on its page; the export has them all. */
export const COLLECTION_SHOWN = 200;

/** /{ente}/ufficio/solleciti/coattiva — the documents for the collector, and their export. */
export function CollectionPage({ ctx, rows }: { ctx: Ctx; rows: readonly ReminderRow[] }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const shown = rows.slice(0, COLLECTION_SHOWN);
  return (
    <Layout ctx={ctx} title={t.collectionTitle} crumbs={crumbs(ctx, t.collectionTitle)}>
      <h1>{t.collectionTitle}</h1>
      <p class="lead">{t.collectionLead}</p>
      <p class="d-flex flex-wrap gap-3">
        <a href={`${remindersBase(ente)}/coattiva.csv`}>{t.exportCsv}</a>
        <a href={`${remindersBase(ente)}/coattiva.xlsx`}>{t.exportXlsx}</a>
      </p>
      {rows.length > shown.length && <p>{t.collectionShown(shown.length, rows.length)}</p>}
      <DataTable caption={t.collectionTitle} rows={shown} keyOf={(r) => r.id} empty={t.listEmpty} columns={reminderColumns(ctx, { withLetter: true, withDate: true })} />
    </Layout>
  );
}

export type SuspensionField = 'codice_fiscale' | 'motivo' | 'fino_al' | 'sospensione';

/** /{ente}/ufficio/solleciti/sospensioni — the families suspended, a form to suspend one, a button to end each. */
export function SuspensionsPage({
  ctx, view, typed = {}, problems = {}, saved, status,
}: { ctx: Ctx; view: Suspensions; typed?: Typed; problems?: FormProblems<SuspensionField>; saved?: string; status?: number }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const name = (s: Suspensions['rows'][number]) => `${s.givenName} ${s.familyName}`;
  return (
    <Layout ctx={ctx} title={t.suspensionsTitle} crumbs={crumbs(ctx, t.suspensionsTitle)}>
      {status === 409 ? (
        <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />
      ) : problems.sospensione ? (
        <ErrorSummary title={m.forms.summaryTitle} items={[{ text: t.problems[problems.sospensione] ?? m.forms.problems.invalid }]} />
      ) : (
        Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />
      )}
      <h1>{t.suspensionsTitle}</h1>
      <p class="lead">{t.suspensionsLead}</p>
      <SavedNotice text={saved} />
      <DataTable
        caption={t.suspensionsCaption}
        rows={view.rows}
        keyOf={(s) => s.id}
        empty={t.suspensionsEmpty}
        columns={[
          { label: t.suspensionColumns.holder, cell: (s) => <a href={`/${ente.slug}/ufficio/anagrafe/persone/${s.personId}`}>{name(s)}</a> },
          { label: t.suspensionColumns.reason, cell: (s) => s.reason },
          { label: t.suspensionColumns.from, cell: (s) => m.format.date(s.startsOn) },
          { label: t.suspensionColumns.until, cell: (s) => m.format.date(s.untilDate) },
          { label: t.suspensionColumns.state, cell: (s) => (s.active ? t.suspensionState.active : s.endedOn ? t.endedOn(m.format.date(s.endedOn)) : t.suspensionState.over) },
          {
            label: t.suspensionColumns.action,
            cell: (s) =>
              s.active ? (
                <PostForm action={`${remindersBase(ente)}/sospensioni/${s.id}/termina`} csrfToken={ctx.csrfToken} version={s.version}>
                  <button type="submit" class="btn btn-outline-primary btn-sm">
                    {t.endSuspension}
                    <span class="visually-hidden"> {t.endSuspensionOf(name(s))}</span>
                  </button>
                </PostForm>
              ) : (
                '—'
              ),
          },
        ]}
      />
      <section aria-labelledby="nuova-sospensione" class="mt-5">
        <h2 class="h3" id="nuova-sospensione">
          {t.addSuspensionTitle}
        </h2>
        <PostForm action={`${remindersBase(ente)}/sospensioni`} csrfToken={ctx.csrfToken}>
          <TextField m={m} name="codice_fiscale" label={t.fields.codice_fiscale} value={typed.codice_fiscale} problem={problems.codice_fiscale} texts={t.problems} required autocomplete="off" />
          <TextField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} hint={t.hints.motivo} required autocomplete="off" />
          <TextField m={m} name="fino_al" label={t.fields.fino_al} value={typed.fino_al} problem={problems.fino_al} texts={t.problems} hint={t.hints.fino_al} required autocomplete="off" />
          <button type="submit" class="btn btn-primary">
            {t.addSuspension}
          </button>
        </PostForm>
      </section>
    </Layout>
  );
}

/** The section of a person's office page (anagrafe): the reminders of their documents, and whether they are suspended. */
export function PersonRemindersSection({ ctx, view, fiscalCode }: { ctx: Ctx; view: PersonReminders; fiscalCode: string }) {
  const { m, ente } = ctx;
  const t = m.officeReminders;
  const active = view.suspensions.find((s) => s.active);
  return (
    <section aria-labelledby="solleciti-persona" class="mt-4">
      <h2 class="h4" id="solleciti-persona">
        {t.personSection}
      </h2>
      {active && <p class="fw-semibold">{t.personSuspended(m.format.date(active.endedOn && active.endedOn < active.untilDate ? active.endedOn : active.untilDate))}</p>}
      <DataTable
        caption={t.personCaption}
        rows={view.reminders}
        keyOf={(r) => r.id}
        empty={t.personNone}
        columns={[
          { label: t.columns.date, cell: (r) => m.format.date(r.runDate) },
          { label: t.columns.step, cell: (r) => t.steps[r.step] },
          { label: t.columns.document, cell: (r) => `${r.serviceName} ${t.documentLabel(r.documentNumber, r.documentYear, m.format.month(r.period))}` },
          { label: t.columns.amount, numeric: true, cell: (r) => m.format.euro(r.amountCents) },
          {
            label: t.columns.letter,
            cell: (r) => (
              <a href={`${remindersBase(ente)}/lettere/${r.id}`}>
                {t.letterLink}
                <span class="visually-hidden"> {`${t.steps[r.step]} ${m.format.date(r.runDate)}`}</span>
              </a>
            ),
          },
        ]}
      />
      <p>
        <a href={`${remindersBase(ente)}/sospensioni?codice_fiscale=${encodeURIComponent(fiscalCode)}`}>{t.personManage}</a>
      </p>
    </section>
  );
}
