import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { contentDisposition } from '../../../../domain/attachments/file-types';
import { NotFoundError } from '../../../../domain/errors';
import type { Services } from '../../../../domain/services';
import { BadRequestError } from '../../../plugins/input-guard';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { pupilAttachmentRoutes } from '../alunni/allegati/routes';
import { personAttachmentRoutes } from '../persone/allegati/routes';
import { ConfirmDeletePage, ownerOfMeta, ownerPath } from './views';

const visibilityForm = z.object({ visibile: z.enum(['0', '1']) });

/**
 * Attachments in the office (decision 0019): /{ente}/ufficio/anagrafe/allegati/:aid downloads one (every
 * download audited), …/:aid/visibilita shows it to the parents or hides it, …/:aid/elimina deletes it
 * after a confirmation. The lists and uploads of a pupil's and of a person's are registered here too.
 */
export async function officeAttachmentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  await app.register(pupilAttachmentRoutes, { services });
  await app.register(personAttachmentRoutes, { services });

  function attachmentId(params: unknown): number {
    const id = parseId((params as { aid?: string }).aid);
    if (id === undefined) throw new NotFoundError('attachment');
    return id;
  }

  app.get('/anagrafe/allegati/:aid', { config: { permission: 'attachments.manage' } }, async (request, reply) => {
    const file = await services.attachments.download(request.office!, attachmentId(request.params));
    return (
      reply
        .header('content-type', file.contentType)
        .header('content-disposition', contentDisposition(file.fileName))
        .header('x-content-type-options', 'nosniff')
        // Opened by mistake in a tab, the file can run nothing and load nothing.
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'no-store')
        .send(Buffer.from(file.content))
    );
  });

  app.post('/anagrafe/allegati/:aid/visibilita', { config: { permission: 'attachments.manage' } }, async (request, reply) => {
    const form = visibilityForm.safeParse(request.body);
    if (!form.success) throw new BadRequestError('visibility must be 0 or 1');
    const meta = await services.attachments.setVisibility(request.office!, attachmentId(request.params), form.data.visibile === '1');
    return reply.redirect(`${ownerPath(request.ente!, ownerOfMeta(meta))}?fatto=visibilita`, 303);
  });

  app.get('/anagrafe/allegati/:aid/elimina', { config: { permission: 'attachments.manage' } }, async (request, reply) => {
    const { meta, owner } = await services.attachments.describe(request.office!, attachmentId(request.params));
    return sendPage(reply, <ConfirmDeletePage ctx={enteContext(request)} meta={meta} ownerName={`${owner.givenName} ${owner.familyName}`} />);
  });

  app.post('/anagrafe/allegati/:aid/elimina', { config: { permission: 'attachments.manage' } }, async (request, reply) => {
    const meta = await services.attachments.remove(request.office!, attachmentId(request.params));
    return reply.redirect(`${ownerPath(request.ente!, ownerOfMeta(meta))}?fatto=eliminato`, 303);
  });
}
