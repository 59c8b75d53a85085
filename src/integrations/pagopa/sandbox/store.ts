import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema';
import type { SandboxCartRequest, SandboxDebtPosition } from './schemas';

/**
 * What "the platform" knows, kept in the sandbox_* tables. Plain functions taking the database or a
 * transaction; every state change is a conditional update, so two requests racing (a double click, a
 * tobacconist and a cart paying the same notice) cannot both win.
 */

type Db = Kysely<DB>;

/** The GPD states the sandbox uses; PUBLISHED, EXPIRED and REPORTED never happen here. */
export type PositionStatus = 'DRAFT' | 'VALID' | 'INVALID' | 'PAID';

export interface StoredPosition {
  creditorTaxCode: string;
  iupd: string;
  nav: string;
  status: PositionStatus;
  amountCents: number;
  /** When its state last changed: the payment's instant once PAID. */
  updatedAt: string;
  body: SandboxDebtPosition;
}

type PositionRow = DB['sandbox_position'];

function toPosition(row: Pick<PositionRow, 'creditor_tax_code' | 'iupd' | 'nav' | 'status' | 'amount_cents' | 'body' | 'updated_at'>): StoredPosition {
  return {
    creditorTaxCode: row.creditor_tax_code,
    iupd: row.iupd,
    nav: row.nav,
    status: row.status as PositionStatus,
    amountCents: row.amount_cents,
    updatedAt: row.updated_at,
    body: JSON.parse(row.body) as SandboxDebtPosition,
  };
}

export async function findPosition(db: Db, creditorTaxCode: string, iupd: string): Promise<StoredPosition | undefined> {
  const row = await db
    .selectFrom('sandbox_position')
    .selectAll()
    .where('creditor_tax_code', '=', creditorTaxCode)
    .where('iupd', '=', iupd)
    .executeTakeFirst();
  return row && toPosition(row);
}

/** A NAV is unique within its creditor's positions, not across creditors. */
export async function findPositionByNav(db: Db, creditorTaxCode: string, nav: string): Promise<StoredPosition | undefined> {
  const row = await db.selectFrom('sandbox_position').selectAll().where('creditor_tax_code', '=', creditorTaxCode).where('nav', '=', nav).executeTakeFirst();
  return row && toPosition(row);
}

/** 'conflict' when the iupd (per creditor) or the notice number is taken, as GPD answers 409. */
export async function insertPosition(
  db: Db,
  creditorTaxCode: string,
  body: SandboxDebtPosition,
  status: PositionStatus,
  now: Date,
): Promise<'created' | 'conflict'> {
  const option = body.paymentOption[0]!;
  const taken = async () =>
    (await findPosition(db, creditorTaxCode, body.iupd)) !== undefined || (await findPositionByNav(db, creditorTaxCode, option.nav)) !== undefined;
  if (await taken()) return 'conflict';
  try {
    await db
      .insertInto('sandbox_position')
      .values({
        creditor_tax_code: creditorTaxCode,
        iupd: body.iupd,
        nav: option.nav,
        status,
        amount_cents: option.amount,
        body: JSON.stringify(body),
        updated_at: now.toISOString(),
      })
      .execute();
    return 'created';
  } catch (error) {
    // Another request inserted the same keys between the check and the insert.
    if (await taken()) return 'conflict';
    throw error;
  }
}

/** Moves a position to `to` only from one of the `from` states; false when it was in another state. */
export async function changePositionStatus(
  db: Db,
  key: { creditorTaxCode: string; iupd: string },
  from: PositionStatus[],
  to: PositionStatus,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('sandbox_position')
    .set({ status: to, updated_at: now.toISOString() })
    .where('creditor_tax_code', '=', key.creditorTaxCode)
    .where('iupd', '=', key.iupd)
    .where('status', 'in', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type CartState = 'open' | 'paid' | 'cancelled' | 'failed';

export interface StoredCart {
  id: string;
  state: CartState;
  request: SandboxCartRequest;
}

export async function insertCart(db: Db, id: string, request: SandboxCartRequest, now: Date): Promise<void> {
  await db
    .insertInto('sandbox_cart')
    .values({ id, body: JSON.stringify(request), state: 'open', created_at: now.toISOString() })
    .execute();
}

export async function findCart(db: Db, id: string): Promise<StoredCart | undefined> {
  const row = await db.selectFrom('sandbox_cart').select(['id', 'state', 'body']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, state: row.state as CartState, request: JSON.parse(row.body) as SandboxCartRequest };
}

export async function changeCartState(db: Db, id: string, from: CartState, to: CartState): Promise<boolean> {
  const result = await db.updateTable('sandbox_cart').set({ state: to }).where('id', '=', id).where('state', '=', from).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertReceipt(
  db: Db,
  receipt: { receiptId: string; creditorTaxCode: string; iuv: string; debtorFiscalCode: string; paidAt: Date; xml: string },
): Promise<void> {
  await db
    .insertInto('sandbox_receipt')
    .values({
      receipt_id: receipt.receiptId,
      creditor_tax_code: receipt.creditorTaxCode,
      iuv: receipt.iuv,
      debtor_fiscal_code: receipt.debtorFiscalCode,
      paid_at: receipt.paidAt.toISOString(),
      xml: receipt.xml,
    })
    .execute();
}

/** One page of a creditor's receipts paid in [from, to) (ISO UTC instants, compared as text), oldest first, and how many there are. */
export async function listReceipts(
  db: Db,
  creditorTaxCode: string,
  filter: { from: string; to: string; offset: number; limit: number },
): Promise<{ rows: { iuv: string; debtorFiscalCode: string; paidAt: string }[]; total: number }> {
  const base = db
    .selectFrom('sandbox_receipt')
    .where('creditor_tax_code', '=', creditorTaxCode)
    .where('paid_at', '>=', filter.from)
    .where('paid_at', '<', filter.to);
  const { total } = await base.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow();
  // The page size comes with the request: bound, not inlined (the sandbox's listing is no hot path).
  // eslint-disable-next-line no-restricted-syntax
  const rows = await base.select(['iuv', 'debtor_fiscal_code', 'paid_at']).orderBy('paid_at').orderBy('receipt_id').offset(filter.offset).limit(filter.limit).execute();
  return { rows: rows.map((row) => ({ iuv: row.iuv, debtorFiscalCode: row.debtor_fiscal_code, paidAt: row.paid_at })), total: Number(total) };
}

export async function findReceiptXml(db: Db, creditorTaxCode: string, iuv: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sandbox_receipt')
    .select('xml')
    .where('creditor_tax_code', '=', creditorTaxCode)
    .where('iuv', '=', iuv)
    .orderBy('paid_at', 'desc')
    .executeTakeFirst();
  return row?.xml;
}

export async function findReceiptById(db: Db, receiptId: string): Promise<string | undefined> {
  const row = await db.selectFrom('sandbox_receipt').select('xml').where('receipt_id', '=', receiptId).executeTakeFirst();
  return row?.xml;
}
