import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noticeCreditor } from '../../../domain/payments/papers';
import { z } from 'zod';
import type { Ente, ReminderStep } from '../../../db/schema';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import { STEPS } from '../../../domain/reminders/ladder';
import type { Services } from '../../../domain/services';
import type { PaymentNoticeInput } from '../../../integrations/pdf/notice';
import type { ReminderLetter } from '../../../integrations/pdf/reminder';
import { it as italian } from '../../i18n/it';
import { type FormProblems, parseForm } from '../../shared/form';
import { normaliseDate, parseId } from '../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../shared/render';
import { XLSX_CONTENT_TYPE, xlsxDocument } from '../../shared/xlsx';
import {
  CollectionPage, LadderPage, type LadderField, RemindersPage, reminderCsv, reminderExport, RunPage, SuspensionsPage, type SuspensionField, type Typed, typedLadder,
} from './views';

const days = z
  .string()
  .trim()
  .refine((v) => v !== '', 'textRequired')
  .refine((v) => /^\d{1,4}$/.test(v), 'daysInvalid')
  .transform(Number);
const optionalDays = z
  .string()
  .trim()
  .refine((v) => v === '' || /^\d{1,4}$/.test(v), 'daysInvalid')
  .transform((v) => (v === '' ? null : Number(v)));
const version = z
  .string()
  .refine((v) => /^\d{1,9}$/.test(v), 'invalid')
  .transform(Number);
const ladderForm = z.object({ primo: days, secondo: optionalDays, formale: days, termine: days, coattiva: days, versione: version });
const suspensionForm = z.object({
  codice_fiscale: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .refine((v) => v !== '', 'textRequired')
    .refine((v) => /^([A-Z0-9]{16}|\d{11})$/.test(v), 'fiscalCodeInvalid'),
  motivo: z.string().trim().min(3, 'reasonRequired').max(300, 'tooLong'),
  fino_al: z
    .string()
    .transform((v) => normaliseDate(v))
    .refine((v) => v !== '', 'textRequired')
    .refine((v) => isCalendarDate(v), 'dateInvalid'),
});
const endForm = z.object({ versione: version });

function stepOf(value: unknown): ReminderStep | undefined {
  return typeof value === 'string' && (STEPS as readonly string[]).includes(value) ? (value as ReminderStep) : undefined;
}

function dateParam(request: FastifyRequest): string {
  const date = (request.params as { date?: string }).date ?? '';
  if (!isCalendarDate(date)) throw new NotFoundError('run');
  return date;
}

function doneParam(request: FastifyRequest): string | undefined {
  const value = (request.query as { fatto?: unknown }).fatto;
  return typeof value === 'string' ? value : undefined;
}

type LetterRow = Awaited<ReturnType<Services['reminders']['letter']>>['letters'][number];

/** A step's letter in Italian: its texts, and for a formal notice the pagoPA notice payable by the new due date. */
function letterOf(ente: Ente, r: LetterRow['reminder'], notice: LetterRow['notice'], logoPng: Buffer | null, createdAt: Date): ReminderLetter {
  const m = italian;
  const t = m.officeReminders.letter;
  const due = m.format.date(r.dueDate);
  const newDue = r.newDueDate ? m.format.date(r.newDueDate) : '';
  const holder = `${r.holderGivenName} ${r.holderFamilyName}`;
  const details: [string, string][] = [
    [t.details.document, `${r.documentNumber}/${r.documentYear} — ${r.serviceName}, ${m.format.month(r.period)}`],
    [t.details.pupil, `${r.pupilGivenName} ${r.pupilFamilyName}`],
    [t.details.amount, m.format.euro(r.amountCents)],
    [t.details.due, due],
    ...(r.newDueDate ? [[t.details.newDue, newDue] as [string, string]] : []),
    ...(notice ? [[t.details.nav, notice.nav] as [string, string]] : []),
  ];
  // A formal notice carries its pagoPA notice when the document has one the platform knows.
  const payable = r.step === 'formale' && notice && notice.state === 'open' && notice.positionState === 'published' && ente.cbill && r.newDueDate;
  const noticeInput: PaymentNoticeInput | null = payable
    ? {
        subject: t.noticeSubject(r.serviceName, m.format.month(r.period)),
        creditor: noticeCreditor({ ...ente, cbill: ente.cbill! }, logoPng ?? undefined),
        debtor: { fiscalCode: r.holderFiscalCode, fullName: holder, address: `${r.holderAddress}, ${r.holderPostcode} ${r.holderCity}` },
        nav: notice.nav,
        amountCents: notice.amountCents,
        dueDate: r.newDueDate!,
        createdAt,
      }
    : null;
  return {
    texts: {
      title: t.subject[r.step]!,
      enteName: ente.name,
      officeLines: [ente.office_name, ente.office_address, `${ente.office_email} · ${ente.office_phone}`].filter((line) => line.trim() !== ''),
      addressee: [holder, r.holderAddress, `${r.holderPostcode} ${r.holderCity} (${r.holderProvince})`],
      place: t.place(ente.name, m.format.date(r.runDate)),
      subject: t.subject[r.step]!,
      paragraphs: [t.greeting(holder), t.body[r.step]!(due, newDue), t.paidNote],
      details,
      closing: t.closing,
      signature: t.signature(ente.office_name),
    },
    notice: noticeInput,
  };
}

/**
 * Reminders (issue 15 point 2): /{ente}/ufficio/solleciti — the ladder and the runs, the ladder's form, a
 * run's list with its letters and export, the forced-collection list and its export, the suspended families.
 */
export async function officeReminderRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'reminders.manage' as const } };
  const reminders = services.reminders;
  const root = (request: FastifyRequest) => `/${request.ente!.slug}/ufficio/solleciti`;

  app.get('/solleciti', manage, async (request, reply) => {
    const office = request.office!;
    const [ladder, runs] = await Promise.all([reminders.ladder(office), reminders.runs(office)]);
    const saved = doneParam(request) === 'scala' ? messagesFor(request).officeReminders.saved.ladder : undefined;
    return sendPage(reply, <RemindersPage ctx={enteContext(request)} ladder={ladder} runs={runs} saved={saved} />);
  });

  async function ladderPage(request: FastifyRequest, reply: FastifyReply, form: { typed?: Typed; problems?: FormProblems<LadderField>; conflict?: boolean; status?: number } = {}) {
    const ladder = await reminders.ladder(request.office!);
    // After a conflict the form shows the ladder saved meanwhile, to be checked and saved again.
    const typed = form.conflict || !form.typed ? typedLadder(ladder.current) : form.typed;
    return sendPage(reply, <LadderPage ctx={enteContext(request)} ladder={ladder} typed={typed} problems={form.problems} conflict={form.conflict} />, form.status);
  }

  app.get('/solleciti/scala', manage, async (request, reply) => ladderPage(request, reply));

  // Today's run now, rather than at the scheduler's next tick; then its list (empty form: only the token).
  app.post('/solleciti/esegui', manage, async (request, reply) => {
    const outcome = await reminders.runTodayForOffice(request.office!);
    return reply.redirect(`${root(request)}/invii/${outcome.date}?fatto=${outcome.outcome === 'run' ? 'eseguito' : 'gia-eseguito'}`, 303);
  });

  app.post('/solleciti/scala', manage, async (request, reply) => {
    const form = parseForm(ladderForm, request.body);
    if (!form.ok) return ladderPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const v = form.values;
    try {
      await reminders.saveLadder(
        request.office!,
        { firstDays: v.primo, secondDays: v.secondo, formalDays: v.formale, formalTermDays: v.termine, collectionDays: v.coattiva },
        v.versione,
      );
    } catch (error) {
      if (error instanceof InvalidInputError) return ladderPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return ladderPage(request, reply, { conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`${root(request)}?fatto=scala`, 303);
  });

  app.get('/solleciti/invii/:date', manage, async (request, reply) => {
    const date = dateParam(request);
    const query = request.query as { passo?: unknown; dopo?: unknown };
    const step = stepOf(query.passo);
    const after = typeof query.dopo === 'string' ? query.dopo : undefined;
    const page = await reminders.runList(request.office!, date, { step, after });
    const done = doneParam(request);
    const t = messagesFor(request).officeReminders.saved;
    const saved = done === 'eseguito' ? t.run : done === 'gia-eseguito' ? t.alreadyRun : undefined;
    return sendPage(reply, <RunPage ctx={enteContext(request)} date={date} step={step} page={page} query={{ passo: step ?? '', dopo: after ?? '' }} saved={saved} />);
  });

  app.get('/solleciti/invii/:date/elenco.csv', manage, async (request, reply) => {
    const date = dateParam(request);
    const { rows } = await reminders.runList(request.office!, date, { step: stepOf((request.query as { passo?: unknown }).passo), all: true });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="solleciti-${date}.csv"`)
      .header('cache-control', 'no-store')
      .send(reminderCsv(messagesFor(request), rows));
  });

  app.get('/solleciti/invii/:date/elenco.xlsx', manage, async (request, reply) => {
    const date = dateParam(request);
    const { rows } = await reminders.runList(request.office!, date, { step: stepOf((request.query as { passo?: unknown }).passo), all: true });
    const { header, body } = reminderExport(messagesFor(request), rows);
    return reply
      .header('content-type', XLSX_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="solleciti-${date}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(xlsxDocument('Solleciti', header, body)));
  });

  app.get('/solleciti/coattiva', manage, async (request, reply) => {
    const rows = await reminders.collectionList(request.office!);
    return sendPage(reply, <CollectionPage ctx={enteContext(request)} rows={rows} />);
  });

  app.get('/solleciti/coattiva.csv', manage, async (request, reply) => {
    const rows = await reminders.collectionList(request.office!);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="riscossione-coattiva-${reminders.today()}.csv"`)
      .header('cache-control', 'no-store')
      .send(reminderCsv(messagesFor(request), rows));
  });

  app.get('/solleciti/coattiva.xlsx', manage, async (request, reply) => {
    const rows = await reminders.collectionList(request.office!);
    const { header, body } = reminderExport(messagesFor(request), rows);
    return reply
      .header('content-type', XLSX_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="riscossione-coattiva-${reminders.today()}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(xlsxDocument('Riscossione coattiva', header, body)));
  });

  /**
   * Letters as PDF, always in Italian (they go to the family, whatever language the operator reads the office
   * in); every download audited.
   */
  async function sendLetters(request: FastifyRequest, reply: FastifyReply, found: Awaited<ReturnType<typeof reminders.letter>>, fileName: string) {
    const ente = request.ente!;
    const letters = found.letters.map(({ reminder, notice }) => letterOf(ente, reminder, notice, found.logoPng, found.createdAt));
    const { reminderLettersPdf } = await import('../../../integrations/pdf/reminder');
    const pdf = await reminderLettersPdf(letters, { title: letters.length === 1 ? letters[0]!.texts.title : italian.officeReminders.title, author: ente.name }, found.createdAt);
    for (const { reminder } of found.letters) {
      services.audit.record({
        enteId: ente.id, actorFiscalCode: request.office!.operator.fiscalCode, action: 'office.reminders.letter.download', subjectType: 'reminder', subjectId: reminder.id,
        requestId: request.id,
      });
    }
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  }

  app.get('/solleciti/lettere/:id', manage, async (request, reply) => {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('reminder');
    const found = await reminders.letter(request.office!, id);
    const r = found.letters[0]!.reminder;
    return sendLetters(request, reply, found, `sollecito-${r.step}-${r.documentNumber}-${r.documentYear}.pdf`);
  });

  /** The letters of the page of a run's list being looked at (same filter and cursor): printed at once. */
  app.get('/solleciti/invii/:date/lettere.pdf', manage, async (request, reply) => {
    const date = dateParam(request);
    const query = request.query as { passo?: unknown; dopo?: unknown };
    const found = await reminders.lettersOfPage(request.office!, date, { step: stepOf(query.passo), after: typeof query.dopo === 'string' ? query.dopo : undefined });
    if (found.letters.length === 0) throw new NotFoundError('letters');
    return sendLetters(request, reply, found, `solleciti-${date}-lettere.pdf`);
  });

  async function suspensionsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: Typed; problems?: FormProblems<SuspensionField>; status?: number } = {},
  ) {
    const view = await reminders.suspensions(request.office!);
    const done = doneParam(request);
    const t = messagesFor(request).officeReminders.saved;
    const saved = form.status ? undefined : done === 'sospesa' ? t.suspension : done === 'terminata' ? t.ended : undefined;
    // A link from a person's page names the holder to suspend.
    const asked = (request.query as { codice_fiscale?: unknown }).codice_fiscale;
    const typed = form.typed ?? (typeof asked === 'string' && /^[A-Z0-9]{11,16}$/.test(asked) ? { codice_fiscale: asked } : {});
    return sendPage(reply, <SuspensionsPage ctx={enteContext(request)} view={view} typed={typed} problems={form.problems} saved={saved} status={form.status} />, form.status);
  }

  app.get('/solleciti/sospensioni', manage, async (request, reply) => suspensionsPage(request, reply));

  app.post('/solleciti/sospensioni', manage, async (request, reply) => {
    const form = parseForm(suspensionForm, request.body);
    if (!form.ok) return suspensionsPage(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    const v = form.values;
    try {
      await reminders.addSuspension(request.office!, { fiscalCode: v.codice_fiscale, reason: v.motivo, untilDate: v.fino_al });
    } catch (error) {
      if (error instanceof InvalidInputError) return suspensionsPage(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      throw error;
    }
    return reply.redirect(`${root(request)}/sospensioni?fatto=sospesa`, 303);
  });

  app.post('/solleciti/sospensioni/:id/termina', manage, async (request, reply) => {
    const id = parseId((request.params as { id?: string }).id);
    if (id === undefined) throw new NotFoundError('suspension');
    const form = parseForm(endForm, request.body);
    if (!form.ok) return suspensionsPage(request, reply, { problems: { sospensione: 'notActive' }, status: 422 });
    try {
      await reminders.endSuspension(request.office!, id, form.values.versione);
    } catch (error) {
      if (error instanceof InvalidInputError) return suspensionsPage(request, reply, { problems: error.problems, status: 422 });
      if (error instanceof ConflictError) return suspensionsPage(request, reply, { status: 409 });
      throw error;
    }
    return reply.redirect(`${root(request)}/sospensioni?fatto=terminata`, 303);
  });
}
