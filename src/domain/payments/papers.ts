import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import type { DB, Ente } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { pupilsVisibleTo } from '../registry/access';
import type { Caller } from '../registry/service';
import { type AuthorizedPupil, requireAuthorizedPupil, viewAction } from '../registry/authorized-pupil';
import type { PaymentNoticeInput } from '../../integrations/pdf/notice';
import { clip } from './notices';

/** A pupil's paid canteen notices with their applied receipts: documents and top-ups alike. */
function canteenReceipts(db: Kysely<DB>, enteId: number, pupilId: number) {
  return db
    .selectFrom('payment_notice as n')
    .innerJoin('payment_receipt as r', 'r.notice_id', 'n.id')
    .innerJoin('service as s', 's.id', 'n.service_id')
    .where('n.pupil_id', '=', pupilId)
    .where('n.state', '=', 'paid')
    .where('n.ente_id', '=', enteId)
    .where('r.status', '=', sql.lit('applied'))
    .where('s.kind', '=', sql.lit('refezione'));
}

/** When each canteen payment was made: all the Scheda needs, on every view, to list a statement per year. */
const canteenPaymentInstants = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  canteenReceipts(db, enteId, pupilId).select('r.paid_at as paidAt'),
);

/** The canteen payments themselves, oldest first, for the statement. */
const canteenPaymentsOf = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  canteenReceipts(db, enteId, pupilId)
    .select(['r.paid_at as paidAt', 'r.amount_cents as amountCents', 'r.receipt_id as receiptId', 'r.description', 'r.payer_name as payerName',
      'r.debtor_name as debtorName', 'n.nav'])
    .orderBy('r.paid_at'),
);

/**
 * The creditor's part of every pagoPA notice we print (a document's, a top-up's, an instalment's, the formal
 * reminder's): the ente's data as its settings hold them, and its logo when it has one. Only for an ente
 * that issues notices (it has its CBILL code).
 */
export function noticeCreditor(ente: Ente & { cbill: string }, logoPng?: Buffer): PaymentNoticeInput['creditor'] {
  return {
    taxCode: ente.tax_code,
    name: ente.name,
    office: ente.office_name,
    info: `${ente.office_email} · ${ente.office_phone}`,
    cbill: ente.cbill,
    ...(ente.postal_account ? { postalAccount: ente.postal_account } : {}),
    ...(ente.postal_authorisation ? { postalAuthorisation: ente.postal_authorisation } : {}),
    ...(logoPng ? { logoPng } : {}),
  };
}

/** The calendar year (Rome) of a payment. */
const yearOf = (paidAt: string) => Number(romeDate(new Date(paidAt)).slice(0, 4));

/** Which payable item a paper is about: a document of a pupil, or a top-up of the holder. */
export type PaidItem = { documentId: number } | { topupId: number };

/**
 * The papers of pagoPA (issue 5): the printable notice of an unpaid item, the receipt of a paid one, and
 * the yearly statement for the 730 tax return. Each checks that the item is the caller's. The PDF code
 * (pdfkit, fonts, QR and Data Matrix) is loaded at the first paper asked for: a process that serves only
 * pages never holds it in memory.
 */
/** A logo is embedded in every notice: kept small, as a printed coat of arms needs no more. */
const MAX_LOGO_BYTES = 256 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function createPaperService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  /** The notice of an item of the caller's, or 404 — also for someone else's item. */
  async function noticeOf(ente: Ente, caller: Caller, item: PaidItem) {
    const pupils = await pupilsVisibleTo(db, ente.id, caller.fiscalCode);
    let query = db
      .selectFrom('payment_notice as n')
      .innerJoin('person as debtor', 'debtor.id', 'n.holder_person_id')
      .selectAll('n')
      .select(['debtor.fiscal_code as debtorFiscalCode', 'debtor.given_name as debtorGivenName', 'debtor.family_name as debtorFamilyName',
        'debtor.address as debtorAddress', 'debtor.postcode as debtorPostcode', 'debtor.city as debtorCity'])
      .where('n.ente_id', '=', ente.id);
    query =
      'documentId' in item
        ? query.where('n.document_id', '=', item.documentId).where('n.pupil_id', 'in', pupils.map((p) => p.id))
        : query.where('n.topup_id', '=', item.topupId).where('debtor.fiscal_code', '=', caller.fiscalCode);
    const notice = await query.executeTakeFirst();
    if (!notice) throw new NotFoundError('notice');
    return notice;
  }

  /** "Scarica avviso pagoPA": only while the item is unpaid. */
  async function noticePdf(ente: Ente, caller: Caller, item: PaidItem): Promise<{ fileName: string; pdf: Buffer }> {
    const notice = await noticeOf(ente, caller, item);
    // Only a notice the platform knows can be paid with: before its position is published, there is none.
    if (notice.state !== 'open' || notice.position_state !== 'published' || !ente.cbill) throw new NotFoundError('notice');
    const [{ paymentNoticePdf }, logo] = await Promise.all([
      import('../../integrations/pdf/notice'),
      db.selectFrom('ente_logo').select('png').where('ente_id', '=', ente.id).executeTakeFirst(),
    ]);
    const pdf = await paymentNoticePdf({
      subject: clip(notice.description, 90),
      creditor: noticeCreditor({ ...ente, cbill: ente.cbill }, logo?.png),
      debtor: {
        fiscalCode: notice.debtorFiscalCode,
        fullName: `${notice.debtorGivenName} ${notice.debtorFamilyName}`,
        address: `${notice.debtorAddress}, ${notice.debtorPostcode} ${notice.debtorCity}`,
      },
      nav: notice.nav,
      amountCents: notice.amount_cents,
      dueDate: notice.due_date,
      createdAt: clock.now(),
    });
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.avviso.download', subjectType: 'notice', subjectId: notice.id, requestId: caller.requestId });
    return { fileName: `avviso-pagopa-${notice.nav}.pdf`, pdf };
  }

  /** "Scarica ricevuta": the receipt that paid the item. */
  async function receiptPdf(ente: Ente, caller: Caller, item: PaidItem): Promise<{ fileName: string; pdf: Buffer }> {
    const notice = await noticeOf(ente, caller, item);
    const receipt = await db
      .selectFrom('payment_receipt')
      .selectAll()
      .where('notice_id', '=', notice.id)
      .where('status', '=', sql.lit('applied'))
      .executeTakeFirst();
    if (!receipt) throw new NotFoundError('receipt');
    const { paymentReceiptPdf } = await import('../../integrations/pdf/receipt');
    const pdf = await paymentReceiptPdf({
      receiptId: receipt.receipt_id,
      nav: notice.nav,
      iuv: notice.iuv,
      subject: receipt.description,
      amountCents: receipt.amount_cents,
      ...(receipt.fee_cents !== null ? { feeCents: receipt.fee_cents } : {}),
      creditor: { taxCode: ente.tax_code, name: ente.name },
      debtor: { fiscalCode: receipt.debtor_fiscal_code, fullName: receipt.debtor_name },
      ...(receipt.payer_fiscal_code && receipt.payer_name ? { payer: { fiscalCode: receipt.payer_fiscal_code, fullName: receipt.payer_name } } : {}),
      paymentDateTime: receipt.paid_at ?? receipt.received_at,
      psp: { id: receipt.psp_id, name: receipt.psp_name },
      paymentMethod: receipt.payment_method ?? '',
      createdAt: clock.now(),
    });
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.ricevuta.download', subjectType: 'notice', subjectId: notice.id, requestId: caller.requestId });
    return { fileName: `ricevuta-pagopa-${notice.nav}.pdf`, pdf };
  }

  /** The calendar years in which something was paid for the pupil's canteen: one statement each. */
  async function statementYears(handle: AuthorizedPupil): Promise<number[]> {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    const years = new Set((await canteenPaymentInstants(db, ente.id, pupil.id)).map((p) => yearOf(p.paidAt!)));
    return [...years].sort((a, b) => b - a);
  }

  /** The statement for the 730 of a pupil already resolved by the registry's selectPupil. */
  async function statement730(handle: AuthorizedPupil, year: number): Promise<{ fileName: string; pdf: Buffer }> {
    requireAuthorizedPupil(handle);
    const { ente, pupil } = handle;
    // What was paid in the calendar year, by payment date.
    const payments = (await canteenPaymentsOf(db, ente.id, pupil.id)).filter((p) => yearOf(p.paidAt!) === year);
    if (payments.length === 0) throw new NotFoundError('statement');
    // Addressed to the pupil's account holder, the payer, whoever downloads it (a second parent, the office).
    const holder = await db
      .selectFrom('pupil_holder as ph')
      .innerJoin('person', 'person.id', 'ph.person_id')
      .select(['person.given_name', 'person.family_name', 'person.fiscal_code'])
      .where('ph.ente_id', '=', ente.id)
      .where('ph.pupil_id', '=', pupil.id)
      .where('ph.relation', '=', sql.lit('intestatario'))
      .executeTakeFirstOrThrow();
    const { statement730Pdf } = await import('../../integrations/pdf/statement730');
    const pdf = await statement730Pdf({
      year,
      creditor: { name: ente.name, taxCode: ente.tax_code, office: ente.office_name, address: ente.office_address },
      pupil: { fullName: `${pupil.givenName} ${pupil.familyName}`, fiscalCode: pupil.fiscalCode, birthDate: pupil.birthDate },
      holder: { fullName: `${holder.given_name} ${holder.family_name}`, fiscalCode: holder.fiscal_code },
      payments: payments.map((p) => ({
        paidAt: p.paidAt!, description: p.description, nav: p.nav, receiptId: p.receiptId, amountCents: p.amountCents,
        payer: p.payerName ?? p.debtorName,
      })),
      createdAt: clock.now(),
    });
    audit.record({ enteId: ente.id, actorFiscalCode: handle.viewer.fiscalCode, action: viewAction(handle, 'attestazione730.download'), subjectType: 'pupil', subjectId: pupil.id, requestId: handle.requestId });
    return { fileName: `attestazione-730-${year}-${pupil.givenName.toLowerCase().replace(/[^a-z]/g, '')}.pdf`, pdf };
  }

  /**
   * The creditor's logo on its notices, for scripted set-ups (`npm run job -- ente-logo`); the office sets
   * it on its settings page (`settings.setLogo`, which checks the PNG by its content and audits the change).
   * A PNG only, and small: it is embedded in every notice. Without transparency
   * it is embedded as it is; with an alpha channel pdfkit splits a mask out of it for every notice (slower).
   */
  async function setLogo(ente: Ente, operatorFiscalCode: string, png: Buffer | null): Promise<void> {
    if (png !== null) {
      if (png.length > MAX_LOGO_BYTES) throw new InvalidInputError({ logo: 'tooLarge' });
      if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new InvalidInputError({ logo: 'notPng' });
      const now = clock.now().toISOString();
      await db
        .insertInto('ente_logo')
        .values({ ente_id: ente.id, png, updated_at: now })
        .onConflict((oc) => oc.column('ente_id').doUpdateSet({ png, updated_at: now }))
        .execute();
    } else {
      await db.deleteFrom('ente_logo').where('ente_id', '=', ente.id).execute();
    }
    audit.record({ enteId: ente.id, actorFiscalCode: operatorFiscalCode, action: png ? 'office.ente.logo' : 'office.ente.logo.removed', subjectType: 'ente', subjectId: ente.id });
  }

  return { noticePdf, receiptPdf, statement730, statementYears, setLogo };
}

export type PaperService = ReturnType<typeof createPaperService>;
