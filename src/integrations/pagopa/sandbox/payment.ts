import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema';
import { romeDate, romeDateTime } from '../../../domain/calendar/local-time';
import type { Clock } from '../../../domain/clock';
import { euroDecimalFromCents } from '../amounts';
import { type PagopaReceipt, receiptXml } from '../receipt-xml';
import { changeCartState, changePositionStatus, findCart, findPositionByNav, insertReceipt, type StoredCart, type StoredPosition } from './store';

/** Who took the money: the PSP fields of the receipt. */
export interface SandboxPsp {
  idPSP: string;
  PSPCompanyName: string;
  idChannel: string;
  channelDescription: string;
  paymentMethod: string;
}

export const CHECKOUT_PSP: SandboxPsp = {
  idPSP: 'SANDBOXPSP01',
  PSPCompanyName: 'PSP di prova (sandbox)',
  idChannel: 'SANDBOXPSP01_01',
  channelDescription: 'app',
  paymentMethod: 'CP',
};

/** A tobacconist's counter: "PO", paid at the PSP's own premises. */
export const COUNTER_PSP: SandboxPsp = {
  idPSP: 'SANDBOXTABACCHI',
  PSPCompanyName: 'Tabaccheria di prova (sandbox)',
  idChannel: 'SANDBOXTABACCHI_01',
  channelDescription: 'sportello',
  paymentMethod: 'PO',
};

/** The PSP's flat fee: shown on the receipt, never part of the notice's amount. */
const FEE = '0.50';

/** xsd stISODateTime as the platform writes it: Rome's wall clock, no offset ("2026-11-26T10:15:30"). */
export { romeDateTime };

export interface IssuedReceipt {
  creditorTaxCode: string;
  receipt: PagopaReceipt;
}

function buildReceipt(position: StoredPosition, psp: SandboxPsp, now: Date, paymentNote: string | undefined): PagopaReceipt {
  const { body } = position;
  const option = body.paymentOption[0]!;
  return {
    receiptId: randomBytes(16).toString('hex'),
    noticeNumber: option.nav,
    fiscalCode: position.creditorTaxCode,
    outcome: 'OK',
    creditorReferenceId: option.iuv,
    paymentAmount: euroDecimalFromCents(option.amount),
    description: option.description,
    companyName: body.companyName,
    debtor: {
      uniqueIdentifier: { entityUniqueIdentifierType: body.type, entityUniqueIdentifierValue: body.fiscalCode },
      fullName: body.fullName,
    },
    transferList: {
      transfer: option.transfer.map((transfer) => ({
        idTransfer: transfer.idTransfer,
        transferAmount: euroDecimalFromCents(transfer.amount),
        fiscalCodePA: position.creditorTaxCode,
        IBAN: transfer.iban,
        remittanceInformation: transfer.remittanceInformation,
        transferCategory: transfer.category,
      })),
    },
    ...psp,
    ...(paymentNote ? { paymentNote } : {}),
    fee: FEE,
    paymentDateTime: romeDateTime(now),
    applicationDate: romeDate(now),
  };
}

/**
 * Pays a VALID position inside the caller's transaction: PAID, and its receipt stored for the receipts
 * API. Undefined when it is no longer VALID (paid meanwhile), so no position ever gets two receipts.
 */
async function payPosition(
  trx: Kysely<DB>,
  position: StoredPosition,
  psp: SandboxPsp,
  now: Date,
  paymentNote?: string,
  evenIfPaid = false,
): Promise<IssuedReceipt | undefined> {
  if (!(await changePositionStatus(trx, position, ['VALID'], 'PAID', now)) && !evenIfPaid) return undefined;
  const receipt = buildReceipt(position, psp, now, paymentNote);
  await insertReceipt(trx, {
    receiptId: receipt.receiptId,
    creditorTaxCode: position.creditorTaxCode,
    iuv: receipt.creditorReferenceId,
    debtorFiscalCode: position.body.fiscalCode,
    paidAt: now,
    xml: receiptXml(receipt),
  });
  return { creditorTaxCode: position.creditorTaxCode, receipt };
}

export type CartPayment =
  | { outcome: 'unknown' }
  /** `receipts` is empty when the cart had been paid before, or its notices were all paid elsewhere. */
  | { outcome: 'paid'; cart: StoredCart; receipts: IssuedReceipt[] }
  | { outcome: 'cancelled' | 'failed'; cart: StoredCart };

/**
 * Pays every notice of an open cart, all or nothing as Checkout does: when one notice is no longer
 * payable (withdrawn by the creditor since the cart was made), nothing is paid and the cart fails.
 * A notice paid elsewhere meanwhile gets no second receipt, unless `doublePayment` plays the race the
 * platform can lose (the PSP had already taken the money when a tobacconist paid the same notice): then
 * it is paid twice, and the creditor gets two receipts for one notice.
 */
export async function payCart(db: Kysely<DB>, clock: Clock, cartId: string, doublePayment = false): Promise<CartPayment> {
  const now = clock.now();
  return db.transaction().execute(async (trx): Promise<CartPayment> => {
    const cart = await findCart(trx, cartId);
    if (!cart) return { outcome: 'unknown' };
    // Claiming the cart first serializes two clicks on "Paga": the second finds it no longer open.
    if (!(await changeCartState(trx, cartId, 'open', 'paid'))) {
      return cart.state === 'paid' ? { outcome: 'paid', cart, receipts: [] } : { outcome: cart.state === 'cancelled' ? 'cancelled' : 'failed', cart };
    }
    const positions: StoredPosition[] = [];
    for (const notice of cart.request.paymentNotices) {
      const position = await findPositionByNav(trx, notice.fiscalCode, notice.noticeNumber);
      const payable = position?.creditorTaxCode === notice.fiscalCode && (position.status === 'VALID' || position.status === 'PAID');
      if (!position || !payable) {
        await changeCartState(trx, cartId, 'paid', 'failed');
        return { outcome: 'failed', cart };
      }
      positions.push(position);
    }
    const receipts: IssuedReceipt[] = [];
    for (const position of positions) {
      const issued = await payPosition(trx, position, CHECKOUT_PSP, now, cart.request.idCart, doublePayment);
      if (issued) receipts.push(issued);
    }
    return { outcome: 'paid', cart, receipts };
  });
}

/** Cancelling an open cart; a cart already paid, failed or cancelled stays as it is. */
export async function cancelCart(db: Kysely<DB>, cartId: string): Promise<StoredCart | undefined> {
  await changeCartState(db, cartId, 'open', 'cancelled');
  return findCart(db, cartId);
}

export type NoticePayment =
  | { outcome: 'paid'; issued: IssuedReceipt }
  | { outcome: 'unknown' | 'invalid' | 'already-paid' };

/** A notice paid by its code at a counter: no cart, no paymentNote, exactly as a tobacconist pays it. */
export async function payNotice(db: Kysely<DB>, clock: Clock, creditorTaxCode: string, nav: string): Promise<NoticePayment> {
  const now = clock.now();
  return db.transaction().execute(async (trx): Promise<NoticePayment> => {
    const position = await findPositionByNav(trx, creditorTaxCode, nav);
    if (!position || position.status === 'DRAFT') return { outcome: 'unknown' };
    if (position.status === 'INVALID') return { outcome: 'invalid' };
    const issued = position.status === 'VALID' ? await payPosition(trx, position, COUNTER_PSP, now) : undefined;
    return issued ? { outcome: 'paid', issued } : { outcome: 'already-paid' };
  });
}
