import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate, romeDate } from '../../../../../domain/calendar/local-time';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../../domain/errors';
import type { ChangeInput, EnrolmentInput } from '../../../../../domain/registry/enrolments';
import type { Services } from '../../../../../domain/services';
import { parseForm } from '../../../../shared/form';
import { euroInputToCents, normaliseDate, parseId } from '../../../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../../../shared/render';
import { EnrolmentFormPage, EnrolmentListPage, EnrolmentManagePage, type ManageForm, pupilBase, typedDate, typedEuro } from './views';

/** A choice from a list: a database id, or the field's "choose" problem. */
const choice = z.string().refine((v) => parseId(v) !== undefined, 'choose').transform(Number);
const optionalChoice = z
  .string()
  .refine((v) => v === '' || parseId(v) !== undefined, 'choose')
  .transform((v) => (v === '' ? null : Number(v)));
const date = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v !== '', 'textRequired')
  .refine((v) => isCalendarDate(v), 'dateInvalid');
const optionalDate = z
  .string()
  .transform((v) => normaliseDate(v))
  .refine((v) => v === '' || isCalendarDate(v), 'dateInvalid')
  .transform((v) => (v === '' ? null : v));
const className = z
  .string()
  .trim()
  .min(1, 'textRequired')
  .max(10, 'classInvalid')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ]*$/u, 'classInvalid');

/** An ISEE value in euro as people write it: 8500, 8500,50, 8.500,50, € 8.500; at most 999.999,99. */
export function iseeToCents(value: string): number | undefined {
  let text = value.trim().replace(/^€\s*/, '').replace(/\s*€$/, '');
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(text)) text = text.replace(/\./g, '');
  return euroInputToCents(text);
}
const isee = z
  .string()
  .refine((v) => v.trim() === '' || iseeToCents(v) !== undefined, 'iseeInvalid')
  .transform((v) => (v.trim() === '' ? null : iseeToCents(v)!));
/** A percentage 1–100 with up to two decimals, in basis points. */
const percent = z
  .string()
  .refine((v) => v.trim() === '' || (/^\d{1,3}([.,]\d{1,2})?$/.test(v.trim()) && Number(v.trim().replace(',', '.')) > 0 && Number(v.trim().replace(',', '.')) <= 100), 'percentInvalid')
  .transform((v) => (v.trim() === '' ? null : Math.round(Number(v.trim().replace(',', '.')) * 100)));
const text = (max: number) => z.string().trim().min(1, 'textRequired').max(max, 'tooLong');
const email = z
  .string()
  .trim()
  .max(200, 'tooLong')
  .refine((v) => v === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), 'emailInvalid')
  .transform((v) => (v === '' ? null : v));
const mode = z.enum(['pagopa', 'sepa'], 'choose');
const iban = z
  .string()
  .trim()
  .max(50, 'ibanInvalid')
  .transform((v) => (v === '' ? null : v));
const version = z.string().refine((v) => parseId(v) !== undefined, 'versionInvalid').transform(Number);

const termShape = {
  scuola: choice,
  classe: className,
  intestatario: choice,
  fascia: optionalChoice,
  isee,
  data_isee: optionalDate,
  modalita: mode,
  iban,
};

const createForm = z.object({
  servizio: choice,
  anno: choice,
  ...termShape,
  destinatario_fattura: text(200),
  indirizzo_fattura: text(300),
  email_fattura: email,
  esenzione_percentuale: percent,
  esenzione_motivo: z.string().trim().max(300, 'tooLong'),
  esenzione_dal: optionalDate,
  esenzione_al: optionalDate,
  dal: date,
  rinnovo_di: optionalChoice,
});

const changeForm = z.object({ versione: version, dal: date, ...termShape });
const withdrawForm = z.object({ versione: version, ultimo_giorno: date });

/** The cross-field rules of the band/ISEE and payment fields, shared by creation and change. */
function termProblems(values: z.output<typeof changeForm> | z.output<typeof createForm>): Record<string, string> {
  const problems: Record<string, string> = {};
  if (values.fascia === null && values.isee === null) problems.fascia = 'bandOrIsee';
  if (values.fascia !== null && values.isee !== null) problems.fascia = 'bandAndIsee';
  if (values.isee !== null && values.data_isee === null) problems.data_isee = 'iseeDateRequired';
  if (values.modalita === 'sepa' && values.iban === null) problems.iban = 'ibanRequired';
  return problems;
}

function toTerm(values: z.output<typeof changeForm> | z.output<typeof createForm>) {
  return {
    schoolId: values.scuola,
    className: values.classe,
    holderPersonId: values.intestatario,
    tariffId: values.isee !== null ? null : values.fascia,
    iseeCents: values.isee,
    iseeAttestedOn: values.isee !== null ? values.data_isee : null,
    paymentMode: values.modalita,
    iban: values.modalita === 'sepa' ? values.iban : null,
  };
}

/** Enrolments of a pupil in the office: /{ente}/ufficio/anagrafe/alunni/:id/iscrizioni/… */
export async function officeEnrolmentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const ids = (request: FastifyRequest) => {
    const params = request.params as { id?: string; eid?: string };
    const pupilId = parseId(params.id);
    if (pupilId === undefined) throw new NotFoundError('pupil');
    if (params.eid === undefined) return { pupilId, enrolmentId: 0 };
    const enrolmentId = parseId(params.eid);
    if (enrolmentId === undefined) throw new NotFoundError('enrolment');
    return { pupilId, enrolmentId };
  };
  const savedText = (request: FastifyRequest) => {
    const key = (request.query as { esito?: unknown }).esito;
    return typeof key === 'string' ? messagesFor(request).officeEnrolments.saved[key] : undefined;
  };
  const base = (request: FastifyRequest, pupilId: number) => `${pupilBase(request.ente!, pupilId)}/iscrizioni`;

  app.get('/anagrafe/alunni/:id/iscrizioni', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const { pupilId } = ids(request);
    const listing = await services.enrolments.listOf(request.office!, pupilId);
    return sendPage(reply, <EnrolmentListPage ctx={enteContext(request)} listing={listing} saved={savedText(request)} />);
  });

  app.get('/anagrafe/alunni/:id/iscrizioni/nuova', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId } = ids(request);
    const options = await services.enrolments.formOptions(request.office!, pupilId);
    const holder = options.holders[0];
    const today = romeDate(services.clock.now());
    const year = options.years.find((y) => y.startsOn <= today && today <= y.endsOn) ?? options.years.at(-1);
    const values: Record<string, string> = {
      anno: year ? String(year.id) : '',
      scuola: String(options.pupil.schoolId),
      classe: options.pupil.className,
      intestatario: holder ? String(holder.id) : '',
      modalita: 'pagopa',
      destinatario_fattura: holder ? `${holder.givenName} ${holder.familyName}` : '',
      indirizzo_fattura: holder ? `${holder.address}, ${holder.postcode} ${holder.city} (${holder.province})` : '',
      email_fattura: holder?.email ?? '',
      dal: year ? typedDate(today > year.startsOn ? today : year.startsOn) : '',
    };
    return sendPage(reply, <EnrolmentFormPage ctx={enteContext(request)} options={options} values={values} />);
  });

  app.post('/anagrafe/alunni/:id/iscrizioni/nuova', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId } = ids(request);
    const office = request.office!;
    const form = parseForm(createForm, request.body);
    const refuse = async (problems: Record<string, string>) => {
      const options = await services.enrolments.formOptions(office, pupilId);
      const renewsId = parseId(form.typed.rinnovo_di);
      const renewal = renewsId ? { yearLabel: options.years.find((y) => String(y.id) === form.typed.anno)?.label ?? '', enrolmentId: renewsId } : undefined;
      return sendPage(reply, <EnrolmentFormPage ctx={enteContext(request)} options={options} values={form.typed} problems={problems} renewal={renewal} />, 422);
    };
    if (!form.ok) return refuse(form.problems);
    const v = form.values;
    const problems = termProblems(v);
    const exemptionGiven = v.esenzione_percentuale !== null || v.esenzione_motivo !== '' || v.esenzione_dal !== null || v.esenzione_al !== null;
    if (exemptionGiven) {
      if (v.esenzione_percentuale === null) problems.esenzione_percentuale = 'exemptionIncomplete';
      if (v.esenzione_motivo.length < 3) problems.esenzione_motivo = 'reasonRequired';
      if (v.esenzione_dal === null) problems.esenzione_dal = 'exemptionIncomplete';
    }
    if (Object.keys(problems).length > 0) return refuse(problems);
    const input: EnrolmentInput = {
      serviceId: v.servizio,
      schoolYearId: v.anno,
      ...toTerm(v),
      invoiceRecipient: v.destinatario_fattura,
      invoiceAddress: v.indirizzo_fattura,
      invoiceEmail: v.email_fattura,
      exemption:
        exemptionGiven && v.esenzione_percentuale !== null && v.esenzione_dal !== null
          ? { percentBp: v.esenzione_percentuale, reason: v.esenzione_motivo, validFrom: v.esenzione_dal, validTo: v.esenzione_al }
          : null,
      startsOn: v.dal,
      ...(v.rinnovo_di !== null ? { renewsEnrolmentId: v.rinnovo_di } : {}),
    };
    try {
      const id = await services.enrolments.create(office, pupilId, input);
      return reply.redirect(`${base(request, pupilId)}/${id}?esito=created`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return refuse(error.problems as Record<string, string>);
      throw error;
    }
  });

  app.get('/anagrafe/alunni/:id/iscrizioni/:eid', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const { pupilId, enrolmentId } = ids(request);
    const detail = await services.enrolments.detail(request.office!, pupilId, enrolmentId);
    return sendPage(reply, <EnrolmentManagePage ctx={enteContext(request)} detail={detail} saved={savedText(request)} />);
  });

  /** A refused submit of the manage page's forms: the page again, the form's input kept. */
  async function refuseManage(
    request: FastifyRequest,
    reply: FastifyReply,
    ids: { pupilId: number; enrolmentId: number },
    form: ManageForm,
    typed: Record<string, string>,
    problems: Record<string, string>,
    conflict = false,
  ) {
    const detail = await services.enrolments.detail(request.office!, ids.pupilId, ids.enrolmentId);
    return sendPage(
      reply,
      <EnrolmentManagePage ctx={enteContext(request)} detail={detail} form={form} values={typed} problems={problems} conflict={conflict} />,
      conflict ? 409 : 422,
    );
  }

  app.post('/anagrafe/alunni/:id/iscrizioni/:eid/variazione', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const where = ids(request);
    const form = parseForm(changeForm, request.body);
    if (!form.ok) return refuseManage(request, reply, where, 'variazione', form.typed, form.problems);
    const problems = termProblems(form.values);
    if (Object.keys(problems).length > 0) return refuseManage(request, reply, where, 'variazione', form.typed, problems);
    const input: ChangeInput = { validFrom: form.values.dal, ...toTerm(form.values) };
    try {
      await services.enrolments.changeFromDate(request.office!, where.pupilId, where.enrolmentId, form.values.versione, input);
      return reply.redirect(`${base(request, where.pupilId)}/${where.enrolmentId}?esito=changed`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return refuseManage(request, reply, where, 'variazione', form.typed, error.problems as Record<string, string>);
      if (error instanceof ConflictError) return refuseManage(request, reply, where, 'variazione', form.typed, {}, true);
      throw error;
    }
  });

  app.post('/anagrafe/alunni/:id/iscrizioni/:eid/ritiro', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const where = ids(request);
    const form = parseForm(withdrawForm, request.body);
    if (!form.ok) return refuseManage(request, reply, where, 'ritiro', form.typed, form.problems);
    try {
      await services.enrolments.withdraw(request.office!, where.pupilId, where.enrolmentId, form.values.versione, form.values.ultimo_giorno);
      return reply.redirect(`${base(request, where.pupilId)}/${where.enrolmentId}?esito=withdrawn`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return refuseManage(request, reply, where, 'ritiro', form.typed, error.problems as Record<string, string>);
      if (error instanceof ConflictError) return refuseManage(request, reply, where, 'ritiro', form.typed, {}, true);
      throw error;
    }
  });

  app.get('/anagrafe/alunni/:id/iscrizioni/:eid/rinnovo', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId, enrolmentId } = ids(request);
    const office = request.office!;
    const proposal = await services.enrolments.renewalProposal(office, pupilId, enrolmentId);
    if (proposal.kind === 'no-next-year') return reply.redirect(`${base(request, pupilId)}/${enrolmentId}`, 303);
    const options = await services.enrolments.formOptions(office, pupilId);
    const p = proposal.values;
    const values: Record<string, string> = {
      servizio: String(p.serviceId),
      anno: String(p.schoolYearId),
      scuola: String(p.schoolId),
      classe: p.className,
      intestatario: String(p.holderPersonId),
      fascia: p.tariffId === null ? '' : String(p.tariffId),
      isee: typedEuro(p.iseeCents),
      data_isee: typedDate(p.iseeAttestedOn),
      modalita: p.paymentMode,
      iban: p.iban ?? '',
      destinatario_fattura: p.invoiceRecipient,
      indirizzo_fattura: p.invoiceAddress,
      email_fattura: p.invoiceEmail ?? '',
      dal: typedDate(p.startsOn),
    };
    return sendPage(
      reply,
      <EnrolmentFormPage ctx={enteContext(request)} options={options} values={values} renewal={{ yearLabel: proposal.nextYear.label, enrolmentId }} />,
    );
  });
}
