import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { normaliseDate } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { forOnePupil } from '../pupil';
import { CanteenPage } from './views';

/** Refezione scolastica: /{ente}/refezione */
export async function canteenRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/refezione', async (request, reply) =>
    forOnePupil(services, request, reply, 'refezione', async (_caller, { pupil, pupils, handle }) => {
      const query = request.query as { dal?: string; al?: string };
      const month = services.canteenDays.currentMonth();
      const period = { from: normaliseDate(query.dal) || month.from, to: normaliseDate(query.al) || month.to };
      const ctx = enteContext(request);
      try {
        const result = await services.canteenDays.days(handle, period.from, period.to);
        return sendPage(reply, <CanteenPage ctx={ctx} result={{ ...result, pupils }} period={period} now={services.clock.now()} />);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        const result = { pupil, pupils, diets: [], rows: [] };
        return sendPage(reply, <CanteenPage ctx={ctx} result={result} period={period} now={services.clock.now()} problems={error.problems} />, 422);
      }
    }),
  );
}
