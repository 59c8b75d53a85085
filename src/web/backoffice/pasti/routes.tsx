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

/**
 * Pasti del giorno: /{ente}/ufficio/pasti, its CSV and each school's print. A frozen day's final counts
 * with the corrections after the cut-off as changes; today before the cut-off and the days ahead,
 * provisional counts from the bookings so far.
 */
export async function kitchenRoutes(app: FastifyInstance, { services }: { services: Services }) {
  /** The day asked for (default today), its counts, or the problem with the date typed. */
  async function kitchenDay(request: FastifyRequest) {
    const query = dayQuery.safeParse(request.query);
    const asked = query.success ? query.data.data : undefined;
    // A query we cannot read (a date too long or repeated, a malformed school) is a wrong date too.
    const valid = query.success && (asked === undefined || asked === '' || isCalendarDate(asked));
    const date = valid && asked ? asked : services.freeze.today();
    const day = await services.kitchen.officeDay(request.office!, date);
    return { date, day, problem: valid ? undefined : messagesFor(request).kitchen.dateInvalid, schoolId: query.success ? query.data.scuola : undefined };
  }

  app.get('/pasti', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, day, problem } = await kitchenDay(request);
    return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} day={day} today={services.freeze.today()} problem={problem} />, problem ? 422 : 200);
  });

  app.get('/pasti.csv', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, day, problem } = await kitchenDay(request);
    // A wrong date is refused as the page refuses it: never today's counts under another name.
    if (problem) return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} day={day} today={services.freeze.today()} problem={problem} />, 422);
    const name = day.kind === 'provisional' ? `pasti-provvisori-${date}.csv` : `pasti-${date}.csv`;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(kitchenCsv(enteContext(request), date, day));
  });

  app.get('/pasti/stampa', { config: { permission: 'kitchen.counts' } }, async (request, reply) => {
    const { date, day, schoolId, problem } = await kitchenDay(request);
    if (problem) return sendPage(reply, <KitchenPage ctx={enteContext(request)} date={date} day={day} today={services.freeze.today()} problem={problem} />, 422);
    if (!schoolId || !day.counts.some((r) => r.schoolId === schoolId)) throw new NotFoundError('school');
    return sendPage(reply, <KitchenPrintPage ctx={enteContext(request)} date={date} day={day} schoolId={schoolId} />);
  });
}
