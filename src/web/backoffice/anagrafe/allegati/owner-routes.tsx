import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ATTACHMENT_KINDS, type AttachmentOwner } from '../../../../domain/attachments/service';
import { InvalidInputError, NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { parseForm } from '../../../shared/form';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { acceptUploads, readUpload } from '../../../shared/upload';
import { AttachmentsPage, ownerPath, type UploadProblems, type UploadTyped } from './views';

/** The upload form: its fields as the browser sends them; the file is read apart (readUpload). */
const uploadForm = z.object({
  titolo: z.string().trim().min(1, 'required').max(200, 'tooLong'),
  tipo: z.enum(ATTACHMENT_KINDS, { message: 'kindInvalid' }),
  visibile_genitore: z.enum(['', '1'], { message: 'invalid' }),
});

/**
 * The attachments of one owner — /{ente}/ufficio/anagrafe/alunni/:id/allegati for a pupil,
 * …/anagrafe/persone/:id/allegati for a person: the list, and the upload (multipart, the CSRF token read
 * before the file).
 */
export function ownerAttachmentRoutes(kind: AttachmentOwner['kind']) {
  const segment = kind === 'pupil' ? 'alunni' : 'persone';
  return async function routes(app: FastifyInstance, { services }: { services: Services }) {
    await acceptUploads(app, services.attachments.maxBytes);

    function ownerFrom(request: FastifyRequest): AttachmentOwner {
      const id = parseId((request.params as { id?: string }).id);
      if (id === undefined) throw new NotFoundError(kind);
      return { kind, id };
    }

    async function page(request: FastifyRequest, reply: FastifyReply, owner: AttachmentOwner, form: { typed?: UploadTyped; problems?: UploadProblems; status?: number } = {}) {
      const query = request.query as { dopo?: unknown; fatto?: unknown };
      const cursor = typeof query.dopo === 'string' ? query.dopo : undefined;
      const { owner: row, page } = await services.attachments.ownerPage(request.office!, owner, cursor);
      return sendPage(
        reply,
        <AttachmentsPage
          ctx={enteContext(request)}
          owner={owner}
          row={row}
          page={page}
          cursor={cursor}
          maxBytes={services.attachments.maxBytes}
          done={typeof query.fatto === 'string' ? query.fatto : undefined}
          typed={form.typed}
          problems={form.problems}
        />,
        form.status,
      );
    }

    app.get(`/anagrafe/${segment}/:id/allegati`, { config: { permission: 'attachments.manage' } }, async (request, reply) =>
      page(request, reply, ownerFrom(request)),
    );

    app.post(`/anagrafe/${segment}/:id/allegati`, { config: { permission: 'attachments.manage', csrf: 'multipart' } }, async (request, reply) => {
      const office = request.office!;
      const owner = ownerFrom(request);
      const upload = await readUpload(request, { fileField: 'file' });
      const form = parseForm(uploadForm, upload.fields);
      const problems: UploadProblems = form.ok ? {} : { ...form.problems };
      const fileProblem = upload.problem ?? (upload.file ? services.attachments.fileProblem(upload.file.content) : 'fileMissing');
      if (fileProblem) problems.file = fileProblem;
      if (!form.ok || !upload.file || fileProblem) return page(request, reply, owner, { typed: form.typed, problems, status: 422 });
      try {
        await services.attachments.upload(office, owner, {
          title: form.values.titolo,
          kind: form.values.tipo,
          visibleToParent: kind === 'pupil' && form.values.visibile_genitore === '1',
          fileName: upload.file.fileName,
          content: upload.file.content,
        });
      } catch (error) {
        if (error instanceof InvalidInputError) return page(request, reply, owner, { typed: form.typed, problems: error.problems, status: 422 });
        throw error;
      }
      return reply.redirect(`${ownerPath(request.ente!, owner)}?fatto=caricato`, 303);
    });
  };
}
