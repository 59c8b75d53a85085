import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../../domain/errors';
import { DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS } from '../../../domain/reconciliation/service';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { DifferencesPage, FlowPage, FlowsPage, reconciliationBase } from './views';

const daysForm = z.object({
  giorni: z
    .string()
    .trim()
    .refine((v) => v === '' || (/^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_GRACE_DAYS), 'daysInvalid')
    .transform((v) => (v === '' ? DEFAULT_GRACE_DAYS : Number(v))),
});

/** The outcome of the last fetch, carried by the redirect after it: "3-120-1" (flows, payments, receipts) or "errore". */
function doneParam(value: unknown) {
  if (value === 'errore') return 'failed' as const;
  const match = typeof value === 'string' ? /^(\d{1,6})-(\d{1,7})-(\d{1,6})$/.exec(value) : null;
  return match ? { ok: true as const, stored: Number(match[1]), payments: Number(match[2]), receipts: Number(match[3]) } : undefined;
}

/** /{ente}/ufficio/rendicontazione: pagoPA's reporting flows, fetched, kept and matched to our receipts (issue 15 point 7). */
export async function officeReconciliationRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const permission = { config: { permission: 'reconciliation.manage' as const } };

  app.get<{ Querystring: { fatto?: unknown; dopo?: unknown } }>('/rendicontazione', permission, async (request, reply) => {
    const cursor = typeof request.query.dopo === 'string' ? request.query.dopo : undefined;
    const view = await services.reconciliation.flows(request.office!, { cursor });
    const param = doneParam(request.query.fatto);
    const done = param === 'failed' ? { ok: false as const, reason: view.lastRun?.error ?? '—' } : param;
    return sendPage(reply, <FlowsPage ctx={enteContext(request)} view={view} done={done} first={!cursor} />);
  });

  app.post('/rendicontazione/scarica', permission, async (request, reply) => {
    const outcome = await services.reconciliation.fetchForOffice(request.office!);
    const done = outcome.failed ? 'errore' : `${outcome.stored}-${outcome.payments}-${outcome.receiptsApplied}`;
    return reply.redirect(`${reconciliationBase(request.office!.ente)}?fatto=${done}`, 303);
  });

  app.get<{ Params: { id: string } }>('/rendicontazione/flussi/:id', permission, async (request, reply) => {
    const id = parseId(request.params.id);
    if (id === undefined) throw new NotFoundError('flow');
    const view = await services.reconciliation.flow(request.office!, id);
    return sendPage(reply, <FlowPage ctx={enteContext(request)} view={view} />);
  });

  app.get('/rendicontazione/differenze', permission, async (request, reply) => {
    const form = parseForm(daysForm, request.query, { maxLength: 20 });
    const ctx = enteContext(request);
    if (!form.ok) {
      return sendPage(reply, <DifferencesPage ctx={ctx} view={undefined} typedDays={form.typed.giorni ?? ''} days={DEFAULT_GRACE_DAYS} problems={form.problems} />, 422);
    }
    const view = await services.reconciliation.differences(request.office!, form.values.giorni);
    return sendPage(reply, <DifferencesPage ctx={ctx} view={view} typedDays={form.typed.giorni ?? ''} days={form.values.giorni} />);
  });
}
