import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors';
import type { PaidItem } from '../../domain/payments/papers';
import type { Services } from '../../domain/services';
import { callerOrLogin } from '../shared/caller';
import { idField } from '../shared/forms';

const idParam = z.object({ id: idField });

export function sendPdf(reply: FastifyReply, file: { fileName: string; pdf: Buffer }) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(file.pdf);
}

/** The pagoPA papers (notice, receipt) of a document or of a top-up, for the caller. */
export async function paper(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'notice' | 'receipt',
  item: (id: number) => PaidItem,
) {
  const caller = callerOrLogin(request, reply);
  if (!caller) return reply;
  const params = idParam.safeParse(request.params);
  if (!params.success) throw new NotFoundError('item');
  const file = kind === 'notice' ? await services.papers.noticePdf(request.ente!, caller, item(params.data.id)) : await services.papers.receiptPdf(request.ente!, caller, item(params.data.id));
  return sendPdf(reply, file);
}
