import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEBTOR_SORTS, type DebtorFilters, type DebtorOrder, DEFAULT_ORDER } from '../../../domain/debtors/debtors';
import { NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { parseForm } from '../../shared/form';
import { euroInputToCents, parseId } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { XLSX_CONTENT_TYPE } from '../../shared/xlsx';
import { AGE_CHOICES, DebtorsPage, debtorsCsv, debtorsXlsx } from './views';

const optionalId = z.string().refine((v) => v === '' || parseId(v) !== undefined, 'choose');

/** The list's GET form: filters, order, the page's cursor. Every field optional; a wrong one is refused with 422. */
const debtorForm = z.object({
  servizio: optionalId,
  scuola: optionalId,
  minimo: z.string().refine((v) => v.trim() === '' || euroInputToCents(v) !== undefined, 'euroInvalid'),
  ritardo: z.string().refine((v) => v === '' || (AGE_CHOICES as readonly string[]).includes(v), 'choose'),
  ordina: z.string().refine((v) => v === '' || (DEBTOR_SORTS as readonly string[]).includes(v), 'choose'),
  verso: z.string().refine((v) => v === '' || v === 'asc' || v === 'desc', 'choose'),
  dopo: z.string().max(500, 'tooLong'),
});

type DebtorForm = z.output<typeof debtorForm>;

function filtersOf(values: DebtorForm): DebtorFilters {
  return {
    serviceId: values.servizio ? parseId(values.servizio) : undefined,
    schoolId: values.scuola ? parseId(values.scuola) : undefined,
    minOverdueCents: values.minimo.trim() ? euroInputToCents(values.minimo) : undefined,
    minDaysOverdue: values.ritardo ? Number(values.ritardo) : undefined,
  };
}

function orderOf(values: DebtorForm): DebtorOrder {
  if (!values.ordina) return values.verso ? { ...DEFAULT_ORDER, direction: values.verso as DebtorOrder['direction'] } : DEFAULT_ORDER;
  return { sort: values.ordina as DebtorOrder['sort'], direction: (values.verso || (values.ordina === 'nome' ? 'asc' : 'desc')) as DebtorOrder['direction'] };
}

/** A file name's date part: the day of the list. */
const fileName = (today: string, extension: string) => `morosi-${today}.${extension}`;

/**
 * Morosi: /{ente}/ufficio/morosi — the holders with something overdue (filters, order, keyset pages), the
 * same list as CSV and XLSX, and a holder's statement across pupils as a PDF. Read-only.
 */
export async function officeDebtorRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const read = { config: { permission: 'debtors.read' as const } };
  const debtors = services.debtors;

  /** The form, or the page refusing it (422, the values typed kept) — for the list and the exports alike. */
  async function parsed(request: FastifyRequest, reply: FastifyReply) {
    const form = parseForm(debtorForm, request.query, { maxLength: 500 });
    if (form.ok) return form;
    const choices = await debtors.choices(request.office!);
    await sendPage(reply, <DebtorsPage ctx={enteContext(request)} choices={choices} typed={form.typed} problems={form.problems} />, 422);
    return undefined;
  }

  app.get('/morosi', read, async (request, reply) => {
    const form = await parsed(request, reply);
    if (!form) return reply;
    const order = orderOf(form.values);
    const [choices, page] = await Promise.all([
      debtors.choices(request.office!),
      debtors.page(request.office!, filtersOf(form.values), order, form.values.dopo || undefined),
    ]);
    return sendPage(reply, <DebtorsPage ctx={enteContext(request)} choices={choices} typed={form.typed} problems={{}} order={order} page={page} first={!form.values.dopo} />);
  });

  app.get('/morosi.csv', read, async (request, reply) => {
    const form = await parsed(request, reply);
    if (!form) return reply;
    const { rows, today } = await debtors.all(request.office!, filtersOf(form.values), orderOf(form.values));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName(today, 'csv')}"`)
      .header('cache-control', 'no-store')
      .send(debtorsCsv(rows, today));
  });

  app.get('/morosi.xlsx', read, async (request, reply) => {
    const form = await parsed(request, reply);
    if (!form) return reply;
    const { rows, today } = await debtors.all(request.office!, filtersOf(form.values), orderOf(form.values));
    return reply
      .header('content-type', XLSX_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="${fileName(today, 'xlsx')}"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(debtorsXlsx(messagesFor(request), rows, today)));
  });

  app.get('/morosi/:person/estratto-conto.pdf', read, async (request, reply) => {
    const personId = parseId((request.params as { person?: string }).person);
    if (personId === undefined) throw new NotFoundError('holder');
    const statement = await debtors.statement(request.office!, personId);
    const m = messagesFor(request);
    const t = m.officeDebtors.pdf;
    const ente = request.ente!;
    const { holder } = statement;
    const { debtorStatementPdf } = await import('../../../integrations/pdf/debtor-statement');
    const now = services.clock.now();
    const pdf = await debtorStatementPdf(
      {
        title: t.title,
        enteName: ente.name,
        officeLine: `${ente.office_name} — ${ente.office_email} — ${ente.office_phone}`,
        asOf: t.asOf(m.format.date(statement.today)),
        holder: [t.holder, `${holder.givenName} ${holder.familyName}`],
        fiscalCode: [t.fiscalCode, holder.fiscalCode],
        address: [t.address, `${holder.address}, ${holder.postcode} ${holder.city} (${holder.province})`],
        headers: t.headers,
        rows: statement.documents.map((d) => ({
          document: t.document(d.number, d.year, m.format.month(d.period)),
          pupilAndService: `${d.pupilGivenName} ${d.pupilFamilyName} — ${d.serviceName}`,
          due: m.format.date(d.dueDate),
          delay: d.overdue ? m.officeDebtors.days(d.daysOverdue) : t.notDue,
          amount: m.format.euro(d.totalCents),
        })),
        none: t.none,
        totals: [
          [t.overdueTotal, m.format.euro(statement.overdueCents)],
          [t.notDueTotal, m.format.euro(statement.notDueCents)],
          [t.total, m.format.euro(statement.overdueCents + statement.notDueCents)],
        ],
        footer: t.footer(m.format.dateTime(now.toISOString())),
      },
      now,
    );
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="estratto-conto-${holder.id}-${statement.today}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });
}
