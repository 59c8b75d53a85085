import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { idField } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { KitchenPage, KitchenPrintPage, kitchenCsv } from './views';

const dayQuery = z.object({
  data: z.string().max(20).optional(),
  scuola: idField.optional(),
});

/** Pasti del giorno: /{ente}/ufficio/pasti, its CSV and each school's print. */
export async function kitchenRoutes(app: FastifyInstance, { services }: { services: Services }) {
  /** The day asked for (default today), its counts, or the problem with the date typed. */
  async function kitchenDay(request: FastifyRequest) {
    const query = dayQuery.safeParse(request.query);
    const asked = query.success ? query.data.data : undefined;
    // A query we cannot read (a date too long or repeated, a malformed school) is a wrong date too.
    const valid = query.success && (asked === undefined || asked === '' || isCalendarDate(asked));
    const date = valid && asked ? asked : services.freeze.today();
    const counts = await services.freeze.officeMealCounts(request.office!, date);
    return { date, counts, problem: valid ? undefined : messagesFor(request).kitchen.dateInvalid, schoolId: query.success ? query.data.scuola : undefined };
  }

  app.get('/pasti', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, counts, problem } = await kitchenDay(request);
    return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} counts={counts} problem={problem} />, problem ? 422 : 200);
  });

  app.get('/pasti.csv', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, counts, problem } = await kitchenDay(request);
    // A wrong date is refused as the page refuses it: never today's counts under another name.
    if (problem) return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} counts={counts} problem={problem} />, 422);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="pasti-${date}.csv"`)
      .header('cache-control', 'no-store')
      .send(kitchenCsv(enteContext(request), date, counts));
  });

  app.get('/pasti/stampa', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, counts, schoolId, problem } = await kitchenDay(request);
    if (problem) return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} counts={counts} problem={problem} />, 422);
    if (!schoolId || !counts.counts.some((r) => r.schoolId === schoolId)) throw new NotFoundError('school');
    return sendPage(reply, <KitchenPrintPage ctx={enteContext(request)} date={date} counts={counts} schoolId={schoolId} />);
  });
}
