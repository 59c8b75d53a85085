import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Caller, PupilSummary } from '../../../domain/registry/service';
import type { Services } from '../../../domain/services';
import { idField, normaliseDate, parseId, yearField } from '../../forms';
import { enteContext, sendPage } from '../../render';
import { CanteenPage } from '../../views/canteen';
import { callerOrLogin } from '../caller';
import { absenceRoutes } from './absences';
import { ledgerRoutes } from './ledger';
import { paymentRoutes } from './payments';
import { DocumentDetailPage, DocumentsPage } from '../../views/documents';
import { ChoosePupilPage, type PortalServiceKey, SchedaPage, ServiceListPage } from '../../views/portal';

const pupilQuery = z.object({ utente: idField.optional() });

function requestedPupil(request: FastifyRequest): number | undefined {
  const parsed = pupilQuery.safeParse(request.query);
  // A malformed id is nobody's pupil: the same answer as someone else's.
  if (!parsed.success) throw new NotFoundError('pupil');
  return parsed.data.utente;
}

/** Parents' portal of one ente: /{ente}/… */
export async function portalRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/', async (request, reply) => sendPage(reply, <ServiceListPage ctx={enteContext(request)} />));

  /** One pupil at a time (the seed): the chosen pupil's page, or the chooser for a holder of several. */
  async function forOnePupil(
    request: FastifyRequest,
    reply: FastifyReply,
    service: PortalServiceKey,
    render: (caller: Caller, chosen: { pupil: PupilSummary; pupils: PupilSummary[] }) => Promise<FastifyReply>,
  ) {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const selection = await services.registry.selectPupil(request.ente!, caller, requestedPupil(request));
    if (selection.kind === 'choose') {
      return sendPage(reply, <ChoosePupilPage ctx={enteContext(request)} service={service} pupils={selection.pupils} />);
    }
    return render(caller, selection);
  }

  app.get('/scheda-anagrafica', async (request, reply) =>
    forOnePupil(request, reply, 'scheda-anagrafica', async (caller, { pupil, pupils }) => {
      const [record, statementYears] = await Promise.all([
        services.registry.pupilRecord(request.ente!, caller, pupil),
        services.papers.statementYears(request.ente!, pupil),
      ]);
      return sendPage(reply, <SchedaPage ctx={enteContext(request)} pupil={pupil} pupils={pupils} record={record} statementYears={statementYears} />);
    }),
  );

  app.get('/scheda-anagrafica/attestazione-730', async (request, reply) =>
    forOnePupil(request, reply, 'scheda-anagrafica', async (caller, { pupil }) => {
      const year = yearField.safeParse((request.query as { anno?: unknown }).anno);
      if (!year.success || year.data < 2000 || year.data > 2100) throw new NotFoundError('statement');
      const file = await services.papers.statement730(request.ente!, caller, pupil, year.data);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'no-store')
        .send(file.pdf);
    }),
  );

  app.get('/allegati/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('attachment');
    const file = await services.registry.attachment(request.ente!, caller, id);
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(file.content));
  });

  app.get('/refezione', async (request, reply) =>
    forOnePupil(request, reply, 'refezione', async (caller, { pupil, pupils }) => {
      const query = request.query as { dal?: string; al?: string };
      const month = services.canteenDays.currentMonth();
      const period = { from: normaliseDate(query.dal) || month.from, to: normaliseDate(query.al) || month.to };
      const ctx = enteContext(request);
      try {
        const result = await services.canteenDays.days(request.ente!, caller, pupil, period.from, period.to);
        return sendPage(reply, <CanteenPage ctx={ctx} result={{ ...result, pupils }} period={period} now={services.clock.now()} />);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        const result = { pupil, pupils, dietCode: null, rows: [] };
        return sendPage(reply, <CanteenPage ctx={ctx} result={result} period={period} now={services.clock.now()} problems={error.problems} />, 422);
      }
    }),
  );

  app.get('/documenti-contabili', async (request, reply) =>
    forOnePupil(request, reply, 'documenti-contabili', async (caller, { pupil, pupils }) => {
      const documents = await services.documents.ofPupil(request.ente!, caller, pupil);
      return sendPage(reply, <DocumentsPage ctx={enteContext(request)} pupil={pupil} pupils={pupils} documents={documents} />);
    }),
  );

  app.get('/documenti-contabili/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('document');
    const detail = await services.documents.detail(request.ente!, caller, id);
    return sendPage(reply, <DocumentDetailPage ctx={enteContext(request)} detail={detail} />);
  });

  await app.register(absenceRoutes, { services });
  await app.register(ledgerRoutes, { services });
  await app.register(paymentRoutes, { services });
}
