import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import type { Services } from '../../../domain/services';
import { normaliseDate, parseId } from '../../shared/forms';
import { parseForm } from '../../shared/form';
import { enteContext, sendPage } from '../../shared/render';
import { ActivityLogPage } from './views';

const FISCAL_CODE = /^[A-Z0-9]{16}$/;

/** The log's GET form: operator (from the list, or any fiscal code), pupil, days, the page's cursor. */
const activityForm = z
  .object({
    operatore: z.string().trim().toUpperCase().refine((v) => v === '' || FISCAL_CODE.test(v), 'fiscalCodeInvalid'),
    cf: z.string().trim().toUpperCase().refine((v) => v === '' || FISCAL_CODE.test(v), 'fiscalCodeInvalid'),
    alunno: z.string().trim().refine((v) => v === '' || parseId(v) !== undefined, 'pupilInvalid'),
    dal: z.string().transform(normaliseDate).refine((v) => v === '' || isCalendarDate(v), 'dateInvalid'),
    al: z.string().transform(normaliseDate).refine((v) => v === '' || isCalendarDate(v), 'dateInvalid'),
    dopo: z.string().max(500, 'tooLong'),
  })
  .superRefine((values, context) => {
    if (values.dal && values.al && values.al < values.dal) context.addIssue({ code: 'custom', path: ['al'], message: 'rangeInvalid' });
  });

/** Registro attività: /{ente}/ufficio/registro-attivita — who looked at or changed what. */
export async function activityLogRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/registro-attivita', { config: { permission: 'activity.read' } }, async (request, reply) => {
    const office = request.office!;
    const ctx = enteContext(request);
    const operators = await services.activity.operators(office);
    const form = parseForm(activityForm, request.query, { maxLength: 500 });
    if (!form.ok) return sendPage(reply, <ActivityLogPage ctx={ctx} operators={operators} typed={form.typed} problems={form.problems} />, 422);
    const { operatore, cf, alunno, dal, al, dopo } = form.values;
    const page = await services.activity.page(office, {
      actorFiscalCode: cf || operatore || undefined,
      pupilId: alunno ? parseId(alunno) : undefined,
      from: dal || undefined,
      to: al || undefined,
      after: dopo || undefined,
    });
    return sendPage(reply, <ActivityLogPage ctx={ctx} operators={operators} typed={form.typed} problems={{}} page={page} first={!dopo} />);
  });
}
