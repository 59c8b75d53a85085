import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Badge, Statement } from '../../../domain/ledger/account';
import type { Services } from '../../../domain/services';
import { idField, normaliseDate } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { ChooseBadgePage, LedgerPage, ledgerCsv, movementDescription, signedEuro } from './views';
import { callerOrLogin } from '../../shared/caller';
import { rememberedPupil, rememberPupil } from '../pupil';

const ledgerQuery = z.object({
  badge: idField.optional(),
  dal: z.string().optional(),
  al: z.string().optional(),
  cambia: z.string().optional(),
});

/** Conto corrente virtuale: /{ente}/conto-corrente, with its CSV and PDF downloads. */
export async function ledgerRoutes(app: FastifyInstance, { services }: { services: Services }) {
  /** The caller's chosen badge and period, or the reply already sent (log-in, chooser). */
  async function resolve(request: FastifyRequest, reply: FastifyReply) {
    const caller = callerOrLogin(request, reply);
    if (!caller) return undefined;
    const parsed = ledgerQuery.safeParse(request.query);
    // A malformed badge id is nobody's badge: the same answer as someone else's.
    if (!parsed.success) throw new NotFoundError('badge');
    const ente = request.ente!;
    const badges = await services.accounts.badgesOf(ente, caller);
    const severalPupils = new Set(badges.map((b) => b.pupilId)).size > 1;
    let badge = services.accounts.chosenBadge(badges, parsed.data.badge);
    if (!badge && parsed.data.cambia === undefined) {
      // The pupil chosen earlier in the session, if that pupil has one badge among the caller's own.
      const remembered = rememberedPupil(request);
      const theirs = badges.filter((b) => b.pupilId === remembered);
      if (theirs.length === 1) badge = theirs[0];
    }
    if (badge && severalPupils) await rememberPupil(request, reply, badge.pupilId);
    if (!badge) {
      await sendPage(reply, <ChooseBadgePage ctx={enteContext(request)} badges={badges} />);
      return undefined;
    }
    const year = await services.accounts.defaultPeriod(ente);
    const period = { from: normaliseDate(parsed.data.dal) || year.from, to: normaliseDate(parsed.data.al) || year.to };
    return { caller, badge, badges, period };
  }

  app.get('/conto-corrente', async (request, reply) => {
    const chosen = await resolve(request, reply);
    if (!chosen) return reply;
    const { caller, badge, badges, period } = chosen;
    const ctx = enteContext(request);
    try {
      const statement = await services.accounts.statement(request.ente!, caller, badge, period.from, period.to);
      return sendPage(reply, <LedgerPage ctx={ctx} badge={badge} badges={badges} period={period} statement={statement} />);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return sendPage(reply, <LedgerPage ctx={ctx} badge={badge} badges={badges} period={period} problems={error.problems} />, 422);
    }
  });

  /** Downloads answer a bad period with the page and its message, like the page itself. */
  async function download(request: FastifyRequest, reply: FastifyReply, send: (statement: Statement, badge: Badge) => Promise<FastifyReply>) {
    const chosen = await resolve(request, reply);
    if (!chosen) return reply;
    const { caller, badge, badges, period } = chosen;
    try {
      return await send(await services.accounts.statement(request.ente!, caller, badge, period.from, period.to), badge);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return sendPage(reply, <LedgerPage ctx={enteContext(request)} badge={badge} badges={badges} period={period} problems={error.problems} />, 422);
    }
  }

  app.get('/conto-corrente/csv', (request, reply) =>
    download(request, reply, async (statement, badge) =>
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="conto-${badge.code}-${statement.from}-${statement.to}.csv"`)
        .header('cache-control', 'no-store')
        .send(ledgerCsv(messagesFor(request), statement)),
    ),
  );

  app.get('/conto-corrente/pdf', (request, reply) =>
    download(request, reply, async (statement, badge) => {
      const m = messagesFor(request);
      const ente = request.ente!;
      const user = request.session!.user!;
      const t = m.ledger;
      const { statementPdf } = await import('../../../integrations/pdf/statement');
      const pdf = await statementPdf(
        {
          title: t.pdfTitle,
          enteName: ente.name,
          officeLine: `${ente.office_name} — ${ente.office_email} — ${ente.office_phone}`,
          holder: [t.pdfHolder, `${user.givenName} ${user.familyName}`],
          pupil: [t.pdfPupil, `${badge.givenName} ${badge.familyName}`],
          service: [t.pdfService, badge.serviceName],
          badge: [t.badge, badge.code],
          period: t.pdfPeriod(m.format.date(statement.from), m.format.date(statement.to)),
          headers: [t.date, t.description, t.amount, t.balance],
          opening: [t.opening(m.format.date(statement.from)), signedEuro(m, statement.openingCents)],
          closing: [t.closing(m.format.date(statement.balanceDate)), signedEuro(m, statement.closingCents)],
          // Newest first, as on the page: the balance of today (or of the period's last day) at the top.
          rows: statement.rows.toReversed().map((row) => ({
            date: m.format.date(row.valueDate),
            description: movementDescription(m, row),
            amount: signedEuro(m, row.amountCents),
            balance: signedEuro(m, row.balanceCents),
          })),
          footer: t.pdfIssued(m.format.dateTime(services.clock.now().toISOString())),
        },
        services.clock.now(),
      );
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="estratto-conto-${badge.code}-${statement.from}-${statement.to}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    }),
  );
}
