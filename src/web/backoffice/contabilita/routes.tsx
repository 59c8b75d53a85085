import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountingQuery } from '../../../domain/accounting/receipts';
import { InvalidInputError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { normaliseDate } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { xlsxDocument, XLSX_CONTENT_TYPE } from '../../shared/xlsx';
import { ACCOUNTING_HEADER, accountingCsv, accountingRows, AccountingPage } from './views';

const queryForm = z.object({
  dal: z.string().transform((v) => normaliseDate(v)),
  al: z.string().transform((v) => normaliseDate(v)),
  per: z.enum(['giorno', 'mese'], 'choose'),
});

/**
 * Receipts in accounting (issue 15, point 8): /{ente}/ufficio/contabilita — receipts per day or month by service
 * and pagoPA taxonomy, as a page and as CSV and XLSX with the same filters and the same rows.
 */
export async function officeAccountingRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const exportPermission = { config: { permission: 'accounting.export' as const } };
  const accounting = services.accounting;

  /** The query a GET form or link names (the default without one); a problem is a 422 page. */
  async function summaryOf(request: FastifyRequest) {
    const raw = request.query as Record<string, unknown>;
    if (raw.dal === undefined && raw.al === undefined && raw.per === undefined) {
      const query = accounting.defaultQuery();
      return { typed: { dal: query.from, al: query.to, per: query.grouping }, summary: await accounting.summary(request.office!, query) };
    }
    const form = parseForm(queryForm, raw);
    if (!form.ok) return { typed: form.typed, problems: form.problems };
    const query: AccountingQuery = { from: form.values.dal, to: form.values.al, grouping: form.values.per };
    try {
      return { typed: form.typed, summary: await accounting.summary(request.office!, query) };
    } catch (error) {
      if (error instanceof InvalidInputError) return { typed: form.typed, problems: error.problems };
      throw error;
    }
  }

  function refused(request: FastifyRequest, reply: FastifyReply, result: Awaited<ReturnType<typeof summaryOf>>) {
    return sendPage(reply, <AccountingPage ctx={enteContext(request)} typed={result.typed} problems={result.problems} />, 422);
  }

  app.get('/contabilita', exportPermission, async (request, reply) => {
    const result = await summaryOf(request);
    if (!result.summary) return refused(request, reply, result);
    return sendPage(reply, <AccountingPage ctx={enteContext(request)} typed={result.typed} summary={result.summary} />);
  });

  app.get('/contabilita/incassi.csv', exportPermission, async (request, reply) => {
    const result = await summaryOf(request);
    if (!result.summary) return refused(request, reply, result);
    const { query } = result.summary;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="incassi-${query.grouping}-${query.from}-${query.to}.csv"`)
      .send(accountingCsv(messagesFor(request), result.summary));
  });

  app.get('/contabilita/incassi.xlsx', exportPermission, async (request, reply) => {
    const result = await summaryOf(request);
    if (!result.summary) return refused(request, reply, result);
    const { query } = result.summary;
    return reply
      .header('content-type', XLSX_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="incassi-${query.grouping}-${query.from}-${query.to}.xlsx"`)
      .send(Buffer.from(xlsxDocument('Incassi', ACCOUNTING_HEADER, accountingRows(messagesFor(request), result.summary))));
  });
}
