import type { Ente } from '../../../db/schema';
import { IMPORT_COLUMNS, type ImportColumn, type ImportProblem, type ImportReport, OPTIONAL_VALUES, RECORD_KINDS, type RecordKind } from '../../../domain/import/columns';
import { type CsvCell, csvDocument } from '../../shared/csv';
import { backofficeCrumbs, ErrorSummary, Problem } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { PostForm } from '../../shared/fields';
import { Layout } from '../../shared/layout';
import { DataTable } from '../../shared/list';
import { describeImportProblem } from './texts';

type Ctx = PageContext & { ente: Ente };

/** Problems listed on the page; all of them are counted, and the CLI prints every one. */
export const PROBLEMS_SHOWN = 1000;

/** Importa ed esporta: upload a file to check, the template, the export, the columns. */
export function ImportPage({ ctx, fileProblem }: { ctx: Ctx; fileProblem?: 'fileMissing' | 'fileTooLarge' }) {
  const { m, ente } = ctx;
  const t = m.officeImport;
  const base = `/${ente.slug}/ufficio/importa`;
  const problemText = fileProblem ? t.fileProblems[fileProblem] : undefined;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {problemText && <ErrorSummary title={m.forms.summaryTitle} items={[{ text: `${t.fileLabel}: ${problemText}`, field: 'file' }]} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <section aria-labelledby="upload-title" class="mb-5">
        <h2 id="upload-title" class="h4">
          {t.uploadTitle}
        </h2>
        <PostForm action={base} csrfToken={ctx.csrfToken} enctype="multipart/form-data">
          <div class="form-group mb-4">
            <label for="file" class="active">
              {t.fileLabel}
              <span class="visually-hidden"> ({m.forms.required})</span>
            </label>
            <input
              type="file"
              id="file"
              name="file"
              class={`form-control${problemText ? ' is-invalid' : ''}`}
              accept=".csv,text/csv"
              required
              aria-required="true"
              aria-describedby={problemText ? 'file-hint file-problem' : 'file-hint'}
              {...(problemText ? { 'aria-invalid': 'true' } : {})}
            />
            <small class="form-text" id="file-hint">
              {t.fileHint}
            </small>
            <Problem id="file-problem" text={problemText} />
          </div>
          <button type="submit" class="btn btn-primary">
            {t.check}
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="template-title" class="mb-5">
        <h2 id="template-title" class="h4">
          {t.templateTitle}
        </h2>
        <p>{t.templateLead}</p>
        <p>
          <a href={`${base}/modello.csv`} download>
            {t.templateLink}
          </a>
        </p>
      </section>
      <section aria-labelledby="export-title" class="mb-5">
        <h2 id="export-title" class="h4">
          {t.exportTitle}
        </h2>
        <p>{t.exportLead}</p>
        <p>
          <a href={`${base}/esportazione.csv`} download>
            {t.exportLink}
          </a>
        </p>
      </section>
      <section aria-labelledby="columns-title">
        <h2 id="columns-title" class="h4">
          {t.columnsTitle}
        </h2>
        <DataTable
          caption={t.columnsCaption}
          columns={[
            { label: t.columnName, cell: (c: ImportColumn) => <code>{c}</code> },
            { label: t.columnMeaning, cell: (c: ImportColumn) => `${t.columns[c]}${OPTIONAL_VALUES.includes(c) ? ` ${t.optional}` : ''}` },
          ]}
          rows={IMPORT_COLUMNS}
          keyOf={(c) => c}
          empty=""
        />
      </section>
    </Layout>
  );
}

/** The report of a dry run or an import: problems by row and column, what is (or would be) created and changed. */
export function ImportReportPage({
  ctx,
  fileName,
  report,
  upload,
  mode,
}: {
  ctx: Ctx;
  fileName: string;
  report: ImportReport;
  /** A dry run, or an import (which may have found problems and written nothing). */
  mode: 'check' | 'import';
  /** The kept upload, when the file can be imported: the "Importa" form names it. */
  upload?: { id: string; sha256: string };
}) {
  const { m, ente } = ctx;
  const t = m.officeImport;
  const base = `/${ente.slug}/ufficio/importa`;
  const title = report.applied ? t.resultTitle : mode === 'import' ? t.notImportedTitle : t.reportTitle;
  const shown = report.problems.slice(0, PROBLEMS_SHOWN);
  const nothing = RECORD_KINDS.every((k) => report.created[k] === 0 && report.changed[k] === 0);
  return (
    <Layout ctx={ctx} title={title} crumbs={backofficeCrumbs(ctx, title)}>
      {report.problems.length > 0 && (
        <div class="alert alert-danger" role="alert">
          <p class="mb-0 fw-semibold">{t.problemsTitle(report.problems.length)}</p>
        </div>
      )}
      <h1>{title}</h1>
      <p>{t.fileSummary(fileName, report.rows, report.encoding === 'utf-8' ? 'UTF-8' : 'Windows-1252', report.separator)}</p>
      {report.problems.length > 0 ? (
        <section aria-labelledby="problems-title" class="mb-5">
          <h2 id="problems-title" class="h4">
            {t.problemsTitle(report.problems.length)}
          </h2>
          {shown.length < report.problems.length && <p>{t.problemsShown(shown.length, report.problems.length)}</p>}
          <DataTable
            caption={t.problemsCaption}
            columns={[
              { label: t.rowHeader, cell: (p: ImportProblem) => t.fileRow(p.row) },
              { label: t.columnHeader, cell: (p: ImportProblem) => (p.column ? <code>{p.column}</code> : t.wholeRow) },
              { label: t.problemHeader, cell: (p: ImportProblem) => describeImportProblem(m, p) },
            ]}
            rows={shown}
            keyOf={(p) => `${p.row}/${p.column ?? ''}/${p.code}/${p.value ?? ''}`}
            empty=""
          />
        </section>
      ) : (
        !report.applied && <p class="alert alert-success">{t.noProblems}</p>
      )}
      {nothing && report.problems.length === 0 ? (
        <p>{t.nothingToChange}</p>
      ) : (
        <DataTable
          caption={report.applied ? t.countsCaptionDone : t.countsCaptionCheck}
          columns={[
            { label: t.kindHeader, cell: (k: RecordKind) => t.kinds[k] },
            { label: t.createdHeader, cell: (k: RecordKind) => String(report.created[k]), numeric: true },
            { label: t.changedHeader, cell: (k: RecordKind) => String(report.changed[k]), numeric: true },
          ]}
          rows={RECORD_KINDS}
          keyOf={(k) => k}
          empty=""
        />
      )}
      {upload && !report.applied && report.problems.length === 0 && (
        <section aria-labelledby="confirm-title" class="my-5">
          <h2 id="confirm-title" class="h4">
            {t.confirmTitle}
          </h2>
          <p>{t.confirmLead}</p>
          <PostForm action={`${base}/conferma`} csrfToken={ctx.csrfToken}>
            <input type="hidden" name="caricamento" value={upload.id} />
            <input type="hidden" name="impronta" value={upload.sha256} />
            <button type="submit" class="btn btn-primary">
              {t.confirm}
            </button>
          </PostForm>
        </section>
      )}
      <p class="mt-4">
        <a href={base}>{t.again}</a>
      </p>
    </Layout>
  );
}

/** The kept upload is gone (imported already, or older than a day). */
export function UploadGonePage({ ctx }: { ctx: Ctx }) {
  const { m, ente } = ctx;
  const t = m.officeImport;
  return (
    <Layout ctx={ctx} title={t.notImportedTitle} crumbs={backofficeCrumbs(ctx, t.notImportedTitle)}>
      <h1>{t.notImportedTitle}</h1>
      <p>{t.uploadGone}</p>
      <p>
        <a href={`/${ente.slug}/ufficio/importa`}>{t.again}</a>
      </p>
    </Layout>
  );
}

/** Rows in the import's columns, through the one CSV writer (formula neutralisation; import reads it back). */
export function importCsv(rows: readonly Record<ImportColumn, string>[]): string {
  return csvDocument(
    IMPORT_COLUMNS,
    rows.map((row) => IMPORT_COLUMNS.map((column): CsvCell => row[column])),
  );
}
