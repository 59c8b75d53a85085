import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { acceptUploads, readUpload } from '../../shared/upload';
import { enteContext, sendPage } from '../../shared/render';
import { ImportPage, ImportReportPage, UploadGonePage, importCsv } from './views';

/** The largest file the page takes (150,000 rows are about 40 MB); the command line has no limit. */
export const UPLOAD_LIMIT_BYTES = 64 * 1024 * 1024;

const confirmForm = z.object({
  caricamento: z.string().regex(/^[0-9a-f]{32}$/, 'invalid'),
  impronta: z.string().regex(/^[0-9a-f]{64}$/, 'invalid'),
});

/**
 * Importa ed esporta: /{ente}/ufficio/importa (issue 13). The uploaded file is checked (the dry run) and,
 * without problems, kept in the database under a random id and its SHA-256; "Importa" names both and
 * imports exactly the bytes that were checked, checked again in the import's transaction.
 */
export async function importRoutes(app: FastifyInstance, { services }: { services: Services }) {
  await acceptUploads(app, UPLOAD_LIMIT_BYTES);

  app.get('/importa', { config: { permission: 'registry.import' } }, async (request, reply) => {
    return sendPage(reply, <ImportPage ctx={enteContext(request)} />);
  });

  app.post(
    '/importa',
    // The one upload pattern (web/shared/upload.ts): the CSRF token is checked before the file is read.
    { config: { permission: 'registry.import', csrf: 'multipart' } },
    async (request, reply) => {
      const office = request.office!;
      const ctx = enteContext(request);
      const sent = await readUpload(request, { fileField: 'file' });
      // A file over the limit is cut where it passes it and refused: said on the page, nothing kept.
      if (sent.problem === 'fileTooLarge') return sendPage(reply, <ImportPage ctx={ctx} fileProblem="fileTooLarge" />, 413);
      const file = sent.file && sent.file.content.length > 0 ? { fileName: sent.file.fileName, data: sent.file.content } : undefined;
      if (!file) return sendPage(reply, <ImportPage ctx={ctx} fileProblem="fileMissing" />, 422);
      const report = await services.imports.check(office, file.data);
      if (report.problems.length) return sendPage(reply, <ImportReportPage ctx={ctx} fileName={file.fileName} report={report} mode="check" />, 422);
      const upload = await services.imports.keepUpload(office, file.fileName, file.data);
      return sendPage(reply, <ImportReportPage ctx={ctx} fileName={file.fileName} report={report} upload={upload} mode="check" />);
    },
  );

  app.post('/importa/conferma', { config: { permission: 'registry.import' } }, async (request, reply) => {
    const office = request.office!;
    const ctx = enteContext(request);
    const form = parseForm(confirmForm, request.body);
    const result = form.ok ? await services.imports.applyUpload(office, form.values.caricamento, form.values.impronta) : undefined;
    if (!result) return sendPage(reply, <UploadGonePage ctx={ctx} />, 409);
    const status = result.report.applied ? 200 : result.report.problems[0]?.code === 'changedMeanwhile' ? 409 : 422;
    return sendPage(reply, <ImportReportPage ctx={ctx} fileName={result.fileName} report={result.report} mode="import" />, status);
  });

  app.get('/importa/modello.csv', { config: { permission: 'registry.import' } }, async (request, reply) => {
    const row = await services.imports.templateRow(request.office!);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="modello-importazione.csv"')
      .header('cache-control', 'no-store')
      .send(importCsv([row]));
  });

  app.get('/importa/esportazione.csv', { config: { permission: 'registry.import' } }, async (request, reply) => {
    const office = request.office!;
    const rows = await services.imports.exportRows(office);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="anagrafe-${office.ente.slug}.csv"`)
      .header('cache-control', 'no-store')
      .send(importCsv(rows));
  });
}
