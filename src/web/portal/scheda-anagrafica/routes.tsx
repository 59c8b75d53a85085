import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { yearField } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { forOnePupil } from '../pupil';
import { SchedaPage } from './views';

/** Scheda anagrafica: /{ente}/scheda-anagrafica, with the 730 statement. */
export async function schedaRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/scheda-anagrafica', async (request, reply) =>
    forOnePupil(services, request, reply, 'scheda-anagrafica', async (_caller, { pupil, pupils, handle }) => {
      const [record, statementYears] = await Promise.all([
        services.registry.pupilRecord(handle),
        services.papers.statementYears(handle),
      ]);
      return sendPage(reply, <SchedaPage ctx={enteContext(request)} pupil={pupil} pupils={pupils} record={record} statementYears={statementYears} />);
    }),
  );

  app.get('/scheda-anagrafica/attestazione-730', async (request, reply) =>
    forOnePupil(services, request, reply, 'scheda-anagrafica', async (_caller, { handle }) => {
      const year = yearField.safeParse((request.query as { anno?: unknown }).anno);
      if (!year.success || year.data < 2000 || year.data > 2100) throw new NotFoundError('statement');
      const file = await services.papers.statement730(handle, year.data);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'no-store')
        .send(file.pdf);
    }),
  );
}
