import type { Ente, MessageKind, MessageState } from '../../../db/schema';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';
import { DataTable } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };
export type Typed = Record<string, string>;
export type OfficeMessageField = 'destinatari' | 'scuola' | 'classe' | 'servizio' | 'oggetto' | 'testo';
export type Choices = { schools: { id: number; name: string }[]; services: { id: number; name: string }[] };

const base = (ente: Ente) => `/${ente.slug}/ufficio/messaggi`;

function crumbs(ctx: Ctx, title?: string) {
  return backofficeCrumbs(ctx, ctx.m.messages.office.title, title ? { areaHref: base(ctx.ente), title } : undefined);
}

function Fields({ ctx, choices, typed, problems }: { ctx: Ctx; choices: Choices; typed: Typed; problems?: FormProblems<OfficeMessageField> }) {
  const { m } = ctx;
  const t = m.messages.office;
  const texts = t.problems as Record<string, string>;
  return (
    <>
      <SelectField
        m={m} name="destinatari" label={t.fields.destinatari} value={typed.destinatari} problem={problems?.destinatari} texts={texts} empty={t.choose}
        options={(['school', 'class', 'service'] as const).map((k) => ({ value: k, label: t.targets[k] }))}
      />
      <SelectField m={m} name="scuola" label={t.fields.scuola} value={typed.scuola} problem={problems?.scuola} texts={texts} empty={t.choose} options={choices.schools.map((s) => ({ value: String(s.id), label: s.name }))} />
      <TextField m={m} name="classe" label={t.fields.classe} value={typed.classe} problem={problems?.classe} texts={texts} hint={t.hints.classe} />
      <SelectField m={m} name="servizio" label={t.fields.servizio} value={typed.servizio} problem={problems?.servizio} texts={texts} empty={t.choose} options={choices.services.map((s) => ({ value: String(s.id), label: s.name }))} />
      <TextField m={m} name="oggetto" label={t.fields.oggetto} value={typed.oggetto} problem={problems?.oggetto} texts={texts} hint={t.hints.oggetto} required />
      <TextAreaField m={m} name="testo" label={t.fields.testo} value={typed.testo} problem={problems?.testo} texts={texts} hint={t.hints.testo} required />
    </>
  );
}

function DueDaysForm({ ctx, value, problem, saved }: { ctx: Ctx; value: string; problem?: string; saved?: boolean }) {
  const { m, ente } = ctx;
  const t = m.messages.office.dueDays;
  return (
    <section aria-labelledby="avviso-scadenza" class="mt-5">
      <h2 class="h4" id="avviso-scadenza">
        {t.title}
      </h2>
      {saved && (
        <div class="alert alert-success" role="status">
          {t.saved}
        </div>
      )}
      <PostForm action={`${base(ente)}/scadenze`} csrfToken={ctx.csrfToken}>
        <TextField m={m} name="giorni" label={t.label} value={value} problem={problem} texts={m.messages.office.problems as Record<string, string>} hint={t.hint} inputmode="numeric" required />
        <button type="submit" class="btn btn-outline-primary">
          {t.save}
        </button>
      </PostForm>
    </section>
  );
}

export function OfficeMessagePage({
  ctx,
  choices,
  typed,
  problems,
  sent,
  dueDays,
}: {
  ctx: Ctx;
  choices: Choices;
  typed: Typed;
  problems?: FormProblems<OfficeMessageField | 'giorni'>;
  sent?: number;
  dueDays: { value: string; saved?: boolean };
}) {
  const { m, ente } = ctx;
  const t = m.messages.office;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs(ctx)}>
      {problems && <FormErrors m={m} problems={problems} labels={{ ...t.fields, giorni: t.dueDays.label }} texts={t.problems as Record<string, string>} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      {sent !== undefined && (
        <div class="alert alert-success" role="status">
          {t.sent(sent)}
        </div>
      )}
      <PostForm action={`${base(ente)}/anteprima`} csrfToken={ctx.csrfToken}>
        <Fields ctx={ctx} choices={choices} typed={typed} problems={problems} />
        <button type="submit" class="btn btn-primary">
          {t.preview}
        </button>
      </PostForm>
      <DueDaysForm ctx={ctx} value={dueDays.value} problem={problems?.giorni} saved={dueDays.saved} />
    </Layout>
  );
}

function Hidden({ typed, submissionKey }: { typed: Typed; submissionKey?: string }) {
  return (
    <>
      {(['destinatari', 'scuola', 'classe', 'servizio', 'oggetto', 'testo'] as const).map((name) => (
        <input type="hidden" name={name} value={typed[name] ?? ''} key={name} />
      ))}
      {submissionKey && <input type="hidden" name="submissionKey" value={submissionKey} />}
    </>
  );
}

export function OfficeMessagePreviewPage({
  ctx,
  typed,
  preview,
  submissionKey,
}: {
  ctx: Ctx;
  typed: Typed;
  preview: { pupils: number; exampleName: string; subject: string; text: string };
  submissionKey: string;
}) {
  const { m, ente } = ctx;
  const t = m.messages.office;
  return (
    <Layout ctx={ctx} title={t.previewTitle} crumbs={crumbs(ctx, t.previewTitle)}>
      <h1>{t.previewTitle}</h1>
      <p class="lead">{t.previewCount(preview.pupils)}</p>
      <p>{t.previewExample(preview.exampleName)}</p>
      <div class="card card-bg mb-4">
        <div class="card-body">
          <h2 class="h5 card-title">{preview.subject}</h2>
          <p class="card-text message-text">
            {preview.text}
          </p>
        </div>
      </div>
      <div class="d-flex flex-wrap gap-3">
        <PostForm action={base(ente)} csrfToken={ctx.csrfToken}>
          <Hidden typed={typed} submissionKey={submissionKey} />
          <button type="submit" class="btn btn-primary">
            {t.send}
          </button>
        </PostForm>
        <PostForm action={`${base(ente)}/modifica`} csrfToken={ctx.csrfToken}>
          <Hidden typed={typed} />
          <button type="submit" class="btn btn-outline-primary">
            {t.back}
          </button>
        </PostForm>
      </div>
    </Layout>
  );
}

export interface HistoryRow {
  id: number;
  kind: MessageKind;
  channel: 'email' | 'io';
  state: MessageState;
  attempts: number;
  detail: string | null;
  error: string | null;
  sent_at: string | null;
  created_at: string;
  pupilName: string;
  pupilFamilyName: string;
}

export function MessageHistoryPage({ ctx, person, rows }: { ctx: Ctx; person: { id: number; name: string }; rows: HistoryRow[] }) {
  const { m, ente } = ctx;
  const t = m.messages.history;
  const title = `${t.title}: ${person.name}`;
  const list = backofficeCrumbs(ctx, title);
  return (
    <Layout ctx={ctx} title={title} crumbs={[...list.slice(0, 3), { label: person.name, href: `/${ente.slug}/ufficio/anagrafe/persone/${person.id}` }, { label: t.title }]}>
      <h1>{title}</h1>
      <DataTable
        caption={t.caption}
        empty={t.empty}
        rows={rows}
        keyOf={(r) => r.id}
        columns={[
          { label: t.columns.when, cell: (r) => m.format.dateTime(r.sent_at ?? r.created_at) },
          { label: t.columns.pupil, cell: (r) => `${r.pupilName} ${r.pupilFamilyName}` },
          { label: t.columns.kind, cell: (r) => m.messages.preferences.kinds[r.kind] },
          { label: t.columns.channel, cell: (r) => m.messages.preferences.channels[r.channel] },
          { label: t.columns.state, cell: (r) => (r.attempts > 0 ? `${t.states[r.state]} (${t.attempts(r.attempts)})` : t.states[r.state]) },
          { label: t.columns.detail, cell: (r) => [r.detail, r.error].filter(Boolean).join(' — ') },
        ]}
      />
    </Layout>
  );
}
