import type { Ente } from '../../../../db/schema';
import type { Page } from '../../../../db/pagination';
import { ATTACHMENT_KINDS, type AttachmentMeta, type AttachmentOwner, type AttachmentOwnerRow } from '../../../../domain/attachments/service';
import type { PageContext } from '../../../shared/context';
import { FormErrors, PostForm, type ProblemTexts, problemText, SelectField, TextField } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Problem } from '../../../shared/components';
import { Layout } from '../../../shared/layout';
import { DataTable, Pager } from '../../../shared/list';

type Ctx = PageContext & { ente: Ente };

/** The path of an owner's attachments page, relative to the ente. */
export function ownerPath(ente: Ente, owner: AttachmentOwner): string {
  return `/${ente.slug}/ufficio/anagrafe/${owner.kind === 'pupil' ? 'alunni' : 'persone'}/${owner.id}/allegati`;
}

export function ownerOfMeta(meta: Pick<AttachmentMeta, 'pupilId' | 'personId'>): AttachmentOwner {
  return meta.pupilId !== null ? { kind: 'pupil', id: meta.pupilId } : { kind: 'person', id: meta.personId! };
}

function crumbs({ m, ente }: Ctx, owner: AttachmentOwner, name: string, last: string) {
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    { label: m.officeAttachments.registry, href: `/${ente.slug}/ufficio/anagrafe` },
    { label: name, href: `/${ente.slug}/ufficio/anagrafe/${owner.kind === 'pupil' ? 'alunni' : 'persone'}/${owner.id}` },
    { label: last },
  ];
}

export type UploadTyped = Partial<Record<'titolo' | 'tipo' | 'visibile_genitore', string>>;
export type UploadProblems = FormProblems<'titolo' | 'tipo' | 'visibile_genitore' | 'file'>;

export function AttachmentsPage({
  ctx,
  owner,
  row,
  page,
  cursor,
  maxBytes,
  done,
  typed = {},
  problems = {},
}: {
  ctx: Ctx;
  owner: AttachmentOwner;
  row: AttachmentOwnerRow;
  page: Page<AttachmentMeta>;
  cursor?: string;
  maxBytes: number;
  /** What the previous request did, for a status line: caricato, eliminato, visibilita. */
  done?: string;
  typed?: UploadTyped;
  problems?: UploadProblems;
}) {
  const { m, ente } = ctx;
  const t = m.officeAttachments;
  const name = `${row.givenName} ${row.familyName}`;
  const title = t.titleOf(name);
  const path = ownerPath(ente, owner);
  // Only a pupil's documents can be shown on the parents' Scheda anagrafica.
  const forPupil = owner.kind === 'pupil';
  const max = t.size(maxBytes);
  const texts: ProblemTexts = { ...t.problems, fileTooLarge: t.fileTooLarge(max) };
  const status = done === 'caricato' ? t.uploaded : done === 'eliminato' ? t.removed : done === 'visibilita' ? t.visibilityChanged : undefined;
  const hasProblems = Object.keys(problems).length > 0;
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs(ctx, owner, name, t.title)}>
      {hasProblems && <FormErrors m={m} problems={problems} labels={t.fields} texts={texts} />}
      <h1>{title}</h1>
      <p>{row.schoolName !== null ? t.pupilFacts(row.fiscalCode, row.schoolName, row.className ?? '') : t.personFacts(row.fiscalCode)}</p>
      <p class="lead">{t.lead}</p>
      {status && !hasProblems && (
        <div class="alert alert-success" role="status">
          {status}
        </div>
      )}
      <DataTable
        caption={t.caption}
        rows={page.rows}
        keyOf={(a) => a.id}
        empty={t.none}
        columns={[
          {
            label: t.columns.title,
            cell: (a) => (
              <a href={`/${ente.slug}/ufficio/anagrafe/allegati/${a.id}`} aria-label={t.download(a.title)}>
                {a.title}
              </a>
            ),
          },
          { label: t.columns.kind, cell: (a) => t.kinds[a.kind] ?? a.kind },
          { label: t.columns.file, cell: (a) => <span class="text-break">{t.fileFacts(a.fileName, t.size(a.sizeBytes))}</span> },
          { label: t.columns.uploaded, cell: (a) => m.format.dateTime(a.createdAt) },
          ...(forPupil ? [{ label: t.columns.visible, cell: (a: AttachmentMeta) => (a.visibleToParent === 1 ? t.yes : t.no) }] : []),
          {
            label: t.columns.actions,
            cell: (a) => (
              <div class="d-flex flex-wrap gap-2">
                {forPupil && (
                  <PostForm action={`/${ente.slug}/ufficio/anagrafe/allegati/${a.id}/visibilita`} csrfToken={ctx.csrfToken}>
                    <input type="hidden" name="visibile" value={a.visibleToParent === 1 ? '0' : '1'} />
                    <button type="submit" class="btn btn-outline-primary btn-sm">
                      {a.visibleToParent === 1 ? t.hide(a.title) : t.show(a.title)}
                    </button>
                  </PostForm>
                )}
                <a class="btn btn-outline-danger btn-sm" href={`/${ente.slug}/ufficio/anagrafe/allegati/${a.id}/elimina`}>
                  {t.remove(a.title)}
                </a>
              </div>
            ),
          },
        ]}
      />
      <Pager m={m} path={path} query={{}} next={page.next} first={!cursor} />

      <section aria-labelledby="upload-title" class="mt-5">
        <h2 class="h4" id="upload-title">
          {t.uploadTitle}
        </h2>
        <PostForm action={path} csrfToken={ctx.csrfToken} enctype="multipart/form-data">
          <TextField m={m} name="titolo" label={t.fields.titolo} value={typed.titolo} problem={problems.titolo} texts={texts} required />
          <SelectField
            m={m}
            name="tipo"
            label={t.fields.tipo}
            value={typed.tipo}
            problem={problems.tipo}
            texts={texts}
            required
            empty={t.chooseKind}
            options={ATTACHMENT_KINDS.map((kind) => ({ value: kind, label: t.kinds[kind] ?? kind }))}
          />
          {forPupil && (
            <div class="form-check mb-4">
              <input
                id="visibile_genitore"
                name="visibile_genitore"
                type="checkbox"
                value="1"
                checked={typed.visibile_genitore === '1'}
                aria-describedby={problems.visibile_genitore ? 'visibile_genitore-hint visibile_genitore-problem' : 'visibile_genitore-hint'}
              />
              <label for="visibile_genitore">{t.fields.visibile_genitore}</label>
              <small class="form-text d-block" id="visibile_genitore-hint">
                {t.visibleHint}
              </small>
              <Problem id="visibile_genitore-problem" text={problemText(m, texts, problems.visibile_genitore)} />
            </div>
          )}
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
              required
              aria-required="true"
              aria-describedby={problems.file ? 'file-hint file-problem' : 'file-hint'}
              {...(problems.file ? { 'aria-invalid': 'true' } : {})}
            />
            <small class="form-text d-block" id="file-hint">
              {t.fileHint(max)}
            </small>
            <Problem id="file-problem" text={problemText(m, texts, problems.file)} />
          </div>
          <button type="submit" class="btn btn-primary">
            {t.upload}
          </button>
        </PostForm>
      </section>
    </Layout>
  );
}

/** The confirmation before an attachment is deleted. */
export function ConfirmDeletePage({ ctx, meta, ownerName }: { ctx: Ctx; meta: AttachmentMeta; ownerName: string }) {
  const { m, ente } = ctx;
  const t = m.officeAttachments;
  const owner = ownerOfMeta(meta);
  return (
    <Layout ctx={ctx} title={t.confirmTitle} crumbs={crumbs(ctx, owner, ownerName, t.confirmTitle)}>
      <h1>{t.confirmTitle}</h1>
      <p>{t.confirmLead(meta.title)}</p>
      <p class="text-break">{t.fileFacts(meta.fileName, t.size(meta.sizeBytes))}</p>
      <div class="d-flex flex-wrap gap-3 align-items-center">
        <PostForm action={`/${ente.slug}/ufficio/anagrafe/allegati/${meta.id}/elimina`} csrfToken={ctx.csrfToken}>
          <button type="submit" class="btn btn-danger">
            {t.confirm}
          </button>
        </PostForm>
        <a href={ownerPath(ente, owner)}>{t.back}</a>
      </div>
    </Layout>
  );
}
