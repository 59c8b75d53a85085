import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB, Ente, PositionState } from '../../db/schema';
import type { PagopaClients } from '../../integrations/pagopa/clients';
import { PagopaCallError } from '../../integrations/pagopa/clients';
import type { AuditTrail } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError, NotHolderError } from '../errors';
import { isOverdue, openDocument } from '../billing/open-documents';
import { paymentStarted } from '../ledger/queries';
import { pupilsVisibleTo } from '../registry/access';
import type { Caller } from '../registry/service';
import { clip, issuesNotices, iupdOf, navFor, type NoticeService, takeNoticeBases, topupDueDate } from './notices';

/** pagoPA's cart limit, and ours: a holder pays at most five notices at once. */
export const MAX_CART_NOTICES = 5;

/** What a holder reads of a notice: payable now, waiting in a cart, not yet on the platform, or paid. */
export type PayableState = 'payable' | 'in_cart' | 'preparing' | 'paid' | 'cancelled';

/**
 * What asking the platform about a notice held by a cart found: `released` (unpaid: free again at once),
 * `paid` (the platform has the payment, the receipt is on its way: it stays held) or `unknown` (the
 * platform did not answer or did not know: it stays held until the cart expires, to never pay twice).
 */
export type HoldCheck = 'released' | 'paid' | 'unknown';

/** The platform refused or could not be reached: nothing was paid, the holder may try again. */
export class PaymentUnavailableError extends Error {}

export interface PaymentSettings {
  cartMinutes: number;
  publicUrl: string;
}

/**
 * Paying (issue 5): the holder's unpaid items, carts of up to five notices sent to Checkout, the return
 * pages, and top-ups of a badge. A notice joins one open cart at a time; the lock is a conditional update,
 * so two tabs or two instances can never put it in two carts.
 */
export function createPaymentService(
  db: Kysely<DB>,
  clock: Clock,
  audit: AuditTrail,
  pagopa: PagopaClients,
  notices: NoticeService,
  settings: PaymentSettings,
) {
  function stateOf(row: { state: string; positionState: string; cartUntil: string | null }, now: string): PayableState {
    if (row.state === 'paid') return 'paid';
    if (row.state === 'cancelled') return 'cancelled';
    if (row.positionState !== 'published') return 'preparing';
    return row.cartUntil && row.cartUntil > now ? 'in_cart' : 'payable';
  }

  async function pupilIdsOf(ente: Ente, caller: Caller): Promise<number[]> {
    const pupils = await pupilsVisibleTo(db, ente.id, caller.fiscalCode);
    return pupils.map((p) => p.id);
  }

  /** Every unpaid document of the holder's pupils, oldest due first, with its notice's state. */
  async function unpaidDocuments(ente: Ente, caller: Caller) {
    const pupilIds = await pupilIdsOf(ente, caller);
    const rows = await db
      .selectFrom('document as d')
      .innerJoin('service as s', 's.id', 'd.service_id')
      .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .leftJoin('payment_notice as n', 'n.document_id', 'd.id')
      .select([
        'd.id', 'd.year', 'd.number', 'd.period', 'd.due_date as dueDate', 'd.total_cents as totalCents', 's.name as serviceName',
        'child.given_name as givenName', 'child.family_name as familyName', 'n.id as noticeId', 'n.nav', 'n.state as noticeState',
        'n.position_state as positionState', 'n.cart_until as cartUntil',
      ])
      .where('d.ente_id', '=', ente.id)
      .where('d.pupil_id', 'in', pupilIds)
      .where(openDocument('d'))
      .orderBy('d.due_date')
      .orderBy('d.id')
      .execute();
    const now = clock.now().toISOString();
    const today = romeDate(clock.now());
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.pagamenti.view', subjectType: 'ente', subjectId: ente.id, requestId: caller.requestId });
    return rows.map((row) => ({
      ...row,
      overdue: isOverdue(row.dueDate, today),
      payable: row.noticeId === null ? ('preparing' as const) : stateOf({ state: row.noticeState!, positionState: row.positionState!, cartUntil: row.cartUntil }, now),
    }));
  }

  /**
   * Puts the chosen notices in a cart and asks Checkout for it; returns where to send the browser.
   * `documentIds` come from the form: each is checked to be the caller's, unpaid and payable.
   */
  async function payDocuments(ente: Ente, caller: Caller, documentIds: number[]): Promise<{ location: string }> {
    const unique = [...new Set(documentIds)];
    if (unique.length === 0) throw new InvalidInputError({ documents: 'noneChosen' });
    if (unique.length > MAX_CART_NOTICES) throw new InvalidInputError({ documents: 'tooMany' });
    const pupilIds = await pupilIdsOf(ente, caller);
    const chosen = await db
      .selectFrom('document as d')
      .leftJoin('payment_notice as n', 'n.document_id', 'd.id')
      .select('n.id as noticeId')
      .where('d.ente_id', '=', ente.id)
      .where('d.id', 'in', unique)
      .where('d.pupil_id', 'in', pupilIds)
      .execute();
    // Another holder's document, or none at all: the same answer, and nothing is locked.
    if (chosen.length !== unique.length) throw new NotFoundError('document');
    const noticeIds = chosen.map((row) => row.noticeId);
    if (noticeIds.some((id) => id === null)) throw new InvalidInputError({ documents: 'notReady' });
    return payNotices(ente, caller, noticeIds as number[]);
  }

  async function payNotices(ente: Ente, caller: Caller, noticeIds: number[]): Promise<{ location: string }> {
    const now = clock.now();
    const cartId = randomUUID();
    const until = new Date(now.getTime() + settings.cartMinutes * 60_000).toISOString();
    const holder = await db.selectFrom('person').select(['id', 'email']).where('ente_id', '=', ente.id).where('fiscal_code', '=', caller.fiscalCode).executeTakeFirst();
    if (!holder) throw new NotHolderError();

    const chosen = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('payment_notice')
        .select(['id', 'nav', 'amount_cents', 'description', 'state', 'position_state', 'cart_until'])
        .where('ente_id', '=', ente.id)
        .where('id', 'in', noticeIds)
        .execute();
      const nowIso = now.toISOString();
      const problem = rows
        .map((row) => stateOf({ state: row.state, positionState: row.position_state, cartUntil: row.cart_until }, nowIso))
        .find((state) => state !== 'payable');
      if (problem) throw new InvalidInputError({ documents: problem === 'in_cart' ? 'inCart' : problem === 'paid' ? 'alreadyPaid' : 'notReady' });
      await trx
        .insertInto('payment_cart')
        .values({ id: cartId, ente_id: ente.id, holder_person_id: holder.id, state: 'sent', returned: null, created_at: nowIso, expires_at: until, checkout_url: null, abandoned_at: null })
        .execute();
      await trx.insertInto('payment_cart_item').values(rows.map((row) => ({ cart_id: cartId, notice_id: row.id }))).execute();
      // The lock: only notices still open, published and free move; if any did not, nothing does.
      const locked = await trx
        .updateTable('payment_notice')
        .set({ cart_id: cartId, cart_until: until })
        .where('id', 'in', noticeIds)
        .where('state', '=', 'open')
        .where('position_state', '=', 'published')
        .where((eb) => eb.or([eb('cart_until', 'is', null), eb('cart_until', '<=', nowIso)]))
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) !== noticeIds.length) throw new InvalidInputError({ documents: 'inCart' });
      return rows;
    });

    const returnUrl = (outcome: string) => `${settings.publicUrl}/${ente.slug}/pagamenti/esito/${cartId}/${outcome}`;
    try {
      const { location } = await pagopa.createCart({
        paymentNotices: chosen.map((row) => ({
          noticeNumber: row.nav,
          fiscalCode: ente.tax_code,
          amount: row.amount_cents,
          companyName: clip(ente.name, 140),
          description: clip(row.description, 140),
        })),
        returnUrls: { returnOkUrl: returnUrl('ok'), returnCancelUrl: returnUrl('annullato'), returnErrorUrl: returnUrl('errore'), returnWaitingUrl: returnUrl('in-attesa') },
        ...(holder.email ? { emailNotice: holder.email } : {}),
        idCart: cartId,
      });
      // Kept for "Riprendi il pagamento" from another tab; the cart works without it.
      await db.updateTable('payment_cart').set({ checkout_url: location }).where('id', '=', cartId).execute();
      audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.pagamento.avvio', subjectType: 'cart', requestId: caller.requestId });
      return { location };
    } catch (error) {
      // Checkout did not take the cart: nothing can be paid through it, so its notices are free again.
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('payment_cart').set({ state: 'refused' }).where('id', '=', cartId).execute();
        await trx.updateTable('payment_notice').set({ cart_id: null, cart_until: null }).where('cart_id', '=', cartId).execute();
      });
      if (error instanceof PagopaCallError) throw new PaymentUnavailableError(error.message);
      throw error;
    }
  }

  /**
   * Asks the platform about each notice the cart still holds, and releases at once those it says are
   * unpaid, so the holder can choose them again without waiting for the cart to expire. One the platform
   * says paid, or cannot tell about, stays held: a second cart could then pay it twice. The cart itself
   * may still be paid in a tab left open; the platform would then take two payments, and the second
   * receipt is kept flagged for a refund, never applied (receipts.ts).
   */
  async function releaseUnpaid(ente: Ente, cartId: string): Promise<Map<number, HoldCheck>> {
    const held = await db
      .selectFrom('payment_cart_item as i')
      .innerJoin('payment_notice as n', 'n.id', 'i.notice_id')
      .select(['n.id', 'n.nav', 'n.iuv'])
      .where('i.cart_id', '=', cartId)
      .where('n.cart_id', '=', cartId)
      .where('n.state', '=', 'open')
      .where('n.cart_until', '>', clock.now().toISOString())
      .execute();
    const checks = new Map<number, HoldCheck>();
    await Promise.all(
      held.map(async (notice) => {
        let state: 'unpaid' | 'paid' | 'unknown';
        try {
          state = await pagopa.paymentOptionState(ente.tax_code, iupdOf(ente, notice.iuv), notice.nav);
        } catch (error) {
          if (!(error instanceof PagopaCallError)) throw error;
          state = 'unknown';
        }
        if (state !== 'unpaid') {
          checks.set(notice.id, state);
          return;
        }
        // Only if still held by this cart and unpaid: a receipt applied meanwhile wins.
        await db.updateTable('payment_notice').set({ cart_id: null, cart_until: null }).where('id', '=', notice.id).where('cart_id', '=', cartId).where('state', '=', 'open').execute();
        checks.set(notice.id, 'released');
      }),
    );
    return checks;
  }

  async function cartOfCaller(ente: Ente, caller: Caller, cartId: string) {
    const cart = await db
      .selectFrom('payment_cart as c')
      .innerJoin('person as h', 'h.id', 'c.holder_person_id')
      .select(['c.id', 'c.expires_at as expiresAt'])
      .where('c.ente_id', '=', ente.id)
      .where('c.id', '=', cartId)
      .where('h.fiscal_code', '=', caller.fiscalCode)
      .executeTakeFirst();
    if (!cart) throw new NotFoundError('cart');
    return cart;
  }

  /**
   * The return page of a cart: what each of its notices is now. Only the cart's holder sees it. Back
   * "annullato" or "errore", the platform is asked whether each notice is still unpaid (the URL proves
   * nothing), and those that are go free at once.
   */
  async function cartReturn(ente: Ente, caller: Caller, cartId: string, returned: 'ok' | 'cancel' | 'error' | 'waiting') {
    const cart = await cartOfCaller(ente, caller, cartId);
    await db.updateTable('payment_cart').set({ returned }).where('id', '=', cart.id).execute();
    const checks = returned === 'cancel' || returned === 'error' ? await releaseUnpaid(ente, cart.id) : new Map<number, HoldCheck>();
    const now = clock.now().toISOString();
    const rows = await db
      .selectFrom('payment_cart_item as i')
      .innerJoin('payment_notice as n', 'n.id', 'i.notice_id')
      .select([
        'n.id', 'n.kind', 'n.document_id as documentId', 'n.topup_id as topupId', 'n.nav', 'n.description', 'n.amount_cents as amountCents', 'n.state',
        'n.cart_id as cartId', 'n.cart_until as cartUntil',
      ])
      .where('i.cart_id', '=', cart.id)
      .orderBy('n.id')
      .execute();
    const items = rows.map(({ cartId: holder, cartUntil, ...item }) => ({
      ...item,
      held: item.state === 'open' && holder === cart.id && cartUntil !== null && cartUntil > now,
      check: checks.get(item.id),
    }));
    return { cartId: cart.id, expiresAt: cart.expiresAt, returned, items, allPaid: items.every((i) => i.state === 'paid') };
  }

  /**
   * The caller's carts that still hold notices (a payment started in another tab, or one whose outcome is
   * not known yet), oldest first. A cart its holder left ("annullato", "errore" or "Abbandona") is checked
   * with the platform first, and its unpaid notices released; one never come back from may be being paid
   * in another tab right now: it is listed, to be resumed or abandoned, and the platform is not asked.
   */
  async function openCarts(ente: Ente, caller: Caller) {
    // The holder's notices held by a cart (through the holder's index), then those carts by their key.
    const held = async () => {
      const now = clock.now().toISOString();
      const notices = await db
        .selectFrom('person as h')
        .innerJoin('payment_notice as n', 'n.holder_person_id', 'h.id')
        .select(['n.cart_id as cartId', 'n.id', 'n.kind', 'n.nav', 'n.description', 'n.amount_cents as amountCents'])
        .where('h.ente_id', '=', ente.id)
        .where('h.fiscal_code', '=', caller.fiscalCode)
        .where('n.ente_id', '=', ente.id)
        .where('n.state', '=', 'open')
        .where('n.cart_until', '>', now)
        .orderBy('n.id')
        .execute();
      const cartIds = [...new Set(notices.map((n) => n.cartId!))];
      if (cartIds.length === 0) return [];
      const carts = await db
        .selectFrom('payment_cart')
        .select(['id', 'created_at as createdAt', 'expires_at as expiresAt', 'returned', 'checkout_url as checkoutUrl', 'abandoned_at as abandonedAt'])
        .where('id', 'in', cartIds)
        .where('ente_id', '=', ente.id)
        .execute();
      const byId = new Map(carts.map((cart) => [cart.id, cart]));
      return notices
        .flatMap((notice) => {
          const cart = byId.get(notice.cartId!);
          return cart ? [{ ...notice, cartId: cart.id, createdAt: cart.createdAt, expiresAt: cart.expiresAt, returned: cart.returned, checkoutUrl: cart.checkoutUrl, abandonedAt: cart.abandonedAt }] : [];
        })
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    };
    const left = (row: { returned: string | null; abandonedAt: string | null }) => row.abandonedAt !== null || row.returned === 'cancel' || row.returned === 'error';
    let rows = await held();
    const toCheck = [...new Set(rows.filter(left).map((row) => row.cartId))];
    const checks = new Map<number, HoldCheck>();
    if (toCheck.length > 0) {
      for (const cartId of toCheck) for (const [id, check] of await releaseUnpaid(ente, cartId)) checks.set(id, check);
      rows = await held();
    }
    const carts = new Map<string, { id: string; createdAt: string; expiresAt: string; resumeUrl: string | null; left: boolean; items: (typeof rows[number] & { check: HoldCheck | undefined })[] }>();
    for (const row of rows) {
      let cart = carts.get(row.cartId);
      if (!cart) {
        // "Riprendi" only for a cart never come back from: Checkout's page of a cart left is closed.
        const resumeUrl = !left(row) && row.returned === null ? row.checkoutUrl : null;
        cart = { id: row.cartId, createdAt: row.createdAt, expiresAt: row.expiresAt, resumeUrl, left: left(row), items: [] };
        carts.set(row.cartId, cart);
      }
      cart.items.push({ ...row, check: checks.get(row.id) });
    }
    return [...carts.values()];
  }

  /**
   * "Abbandona" on the Pagamento page: the holder gives up a cart left open (in another tab); its notices
   * are released as soon as the platform says they are unpaid, now or on a later view of the page.
   */
  async function abandonCart(ente: Ente, caller: Caller, cartId: string): Promise<Map<number, HoldCheck>> {
    const cart = await cartOfCaller(ente, caller, cartId);
    await db.updateTable('payment_cart').set({ abandoned_at: clock.now().toISOString() }).where('id', '=', cart.id).where('abandoned_at', 'is', null).execute();
    const checks = await releaseUnpaid(ente, cart.id);
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.pagamento.abbandono', subjectType: 'cart', requestId: caller.requestId });
    return checks;
  }

  /** The caller's badges that can be topped up (prepaid services), with their pupil and service. */
  async function topupBadges(ente: Ente, caller: Caller) {
    const pupilIds = await pupilIdsOf(ente, caller);
    return db
      .selectFrom('badge as b')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select(['b.id', 'b.code', 'b.blocked_at as blockedAt', 's.id as serviceId', 's.name as serviceName', 'child.given_name as givenName', 'child.family_name as familyName'])
      .where('b.ente_id', '=', ente.id)
      .where('b.pupil_id', 'in', pupilIds)
      .where('b.active', '=', sql.lit(1))
      .where('s.billing', '=', 'prepaid')
      .orderBy('child.given_name')
      .orderBy('b.id')
      .execute();
  }

  /**
   * A top-up "in attesa", without a notice yet: it takes one (a NAV and a debt position) only when the
   * holder chooses how to pay. At most `max_pending_topups` of a holder wait at once; the count and the
   * insert run under a lock on the holder's row, so two tabs cannot both take the last place.
   */
  async function requestTopup(ente: Ente, caller: Caller, badgeId: number, amountCents: number): Promise<number> {
    const badges = await topupBadges(ente, caller);
    const badge = badges.find((b) => b.id === badgeId);
    if (!badge) throw new NotFoundError('badge');
    // A blocked badge (a card reported lost, decision 0018) takes no top-ups until the office unblocks or replaces it.
    if (badge.blockedAt !== null) throw new InvalidInputError({ badge: 'badgeBlocked' });
    if (!Number.isSafeInteger(amountCents) || amountCents < ente.topup_min_cents) throw new InvalidInputError({ amount: 'belowMinimum' });
    if (amountCents > ente.topup_max_cents) throw new InvalidInputError({ amount: 'aboveMaximum' });
    if (!issuesNotices(ente)) throw new PaymentUnavailableError('ente without pagoPA data');
    const now = clock.now();
    const topupId = await db.transaction().execute(async (trx) => {
      const holder = await trx.selectFrom('person').select('id').where('ente_id', '=', ente.id).where('fiscal_code', '=', caller.fiscalCode).executeTakeFirstOrThrow();
      // The lock: a row lock on PostgreSQL, the write lock on SQLite; requests of one holder queue here.
      await trx.updateTable('person').set((eb) => ({ id: eb.ref('id') })).where('id', '=', holder.id).execute();
      const waiting = await trx
        .selectFrom('topup')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('ente_id', '=', ente.id)
        .where('holder_person_id', '=', holder.id)
        .where('state', '=', 'in_attesa')
        .where('cancelled_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(waiting.count) >= ente.max_pending_topups) throw new InvalidInputError({ amount: 'tooManyPending' });
      return openTopup(trx, ente, badge.id, holder.id, amountCents, now);
    });
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.ricarica.richiesta', subjectType: 'badge', subjectId: badge.id, requestId: caller.requestId });
    return topupId;
  }

  /** One of the caller's top-ups with its notice, if it has one yet. */
  async function topup(ente: Ente, caller: Caller, topupId: number) {
    const row = await db
      .selectFrom('topup as t')
      .innerJoin('person as h', 'h.id', 't.holder_person_id')
      .innerJoin('badge as b', 'b.id', 't.badge_id')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .leftJoin('payment_notice as n', 'n.topup_id', 't.id')
      .select([
        't.id', 't.amount_cents as amountCents', 't.state', 't.cancelled_at as cancelledAt', 't.created_at as createdAt', 'b.id as badgeId',
        'b.code as badgeCode', 's.name as serviceName', 'n.id as noticeId', 'n.nav', 'n.due_date as dueDate', 'n.state as noticeState',
        'n.position_state as positionState', 'n.cart_until as cartUntil',
      ])
      .where('t.ente_id', '=', ente.id)
      .where('t.id', '=', topupId)
      .where('h.fiscal_code', '=', caller.fiscalCode)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('topup');
    const payable: PayableState | 'no_notice' =
      row.noticeId === null ? 'no_notice' : stateOf({ state: row.noticeState!, positionState: row.positionState!, cartUntil: row.cartUntil }, clock.now().toISOString());
    return { ...row, payable, cancelled: row.cancelledAt !== null };
  }

  /**
   * The holder chose how to pay: the top-up takes its notice now (once, whichever of "Paga subito" and
   * "Paga dopo" comes first or twice), and its position is published right after commit.
   */
  async function topupNotice(ente: Ente, caller: Caller, topupId: number): Promise<number> {
    const row = await topup(ente, caller, topupId);
    if (row.cancelled) throw new InvalidInputError({ topup: 'cancelled' });
    if (row.state !== 'in_attesa') throw new InvalidInputError({ topup: 'alreadyPaid' });
    let noticeId = row.noticeId;
    if (noticeId === null) {
      noticeId = await db.transaction().execute(async (trx) => {
        // Locks the top-up while still waiting: a second request waits here, then finds the notice.
        const waiting = await trx
          .updateTable('topup')
          .set((eb) => ({ id: eb.ref('id') }))
          .where('id', '=', row.id)
          .where('state', '=', 'in_attesa')
          .where('cancelled_at', 'is', null)
          .executeTakeFirst();
        if (Number(waiting.numUpdatedRows) !== 1) throw new InvalidInputError({ topup: 'cancelled' });
        const existing = await trx.selectFrom('payment_notice').select('id').where('topup_id', '=', row.id).executeTakeFirst();
        return existing?.id ?? issueTopupNotice(trx, ente, row.id, clock.now());
      });
      audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.ricarica.avviso', subjectType: 'topup', subjectId: row.id, requestId: caller.requestId });
    }
    if (row.payable === 'no_notice' || row.payable === 'preparing') await notices.publishDue(noticeId);
    return noticeId;
  }

  /** "Paga subito": a one-notice cart. */
  async function payTopup(ente: Ente, caller: Caller, topupId: number) {
    const noticeId = await topupNotice(ente, caller, topupId);
    return payNotices(ente, caller, [noticeId]);
  }

  /** "Paga dopo": the notice to print (or pay by its code); its PDF is offered once its position is published. */
  async function payTopupLater(ente: Ente, caller: Caller, topupId: number): Promise<void> {
    await topupNotice(ente, caller, topupId);
  }

  /**
   * The holder withdraws a top-up not paid yet: it stops waiting, and its notice, if it had one, is
   * cancelled and its position withdrawn from the platform. Not while a payment of it may be under way
   * (an open cart): that payment could still complete.
   */
  async function cancelTopup(ente: Ente, caller: Caller, topupId: number): Promise<void> {
    const row = await topup(ente, caller, topupId);
    if (row.cancelled) return;
    if (row.state !== 'in_attesa' || row.payable === 'paid') throw new InvalidInputError({ topup: 'alreadyPaid' });
    if (row.payable === 'in_cart') throw new InvalidInputError({ topup: 'inCart' });
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const cancelled = await trx
        .updateTable('topup')
        .set({ cancelled_at: now.toISOString() })
        .where('id', '=', row.id)
        .where('state', '=', 'in_attesa')
        .where('cancelled_at', 'is', null)
        .executeTakeFirst();
      if (Number(cancelled.numUpdatedRows) !== 1) throw new InvalidInputError({ topup: 'alreadyPaid' });
      if (row.noticeId === null) return;
      // A position on the platform is withdrawn by the outbox; one never sent just closes. One whose sending
      // failed may still have reached the platform (the answer lost): it is withdrawn too (a 404 is fine).
      const nowIso = now.toISOString();
      await trx
        .updateTable('payment_notice')
        .set((eb) => ({
          state: 'cancelled',
          position_state: eb.case().when(eb.and([eb('position_state', '=', 'to_publish'), eb('position_attempts', '=', 0)])).then(sql.lit<PositionState>('invalidated')).else(sql.lit<PositionState>('to_invalidate')).end(),
          position_next_at: null,
          position_attempts: 0,
        }))
        .where('id', '=', row.noticeId)
        .where('state', '=', 'open')
        .where('position_state', 'in', ['published', 'to_publish'])
        .where((eb) => eb.or([eb('cart_until', 'is', null), eb('cart_until', '<=', nowIso)]))
        .execute();
      const notice = await trx.selectFrom('payment_notice').select('state').where('id', '=', row.noticeId).executeTakeFirstOrThrow();
      // Paid or put in a cart meanwhile: nothing is cancelled.
      if (notice.state !== 'cancelled') throw new InvalidInputError({ topup: notice.state === 'paid' ? 'alreadyPaid' : 'inCart' });
    });
    audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'portal.ricarica.annullata', subjectType: 'topup', subjectId: row.id, requestId: caller.requestId });
    if (row.noticeId !== null) await notices.publishDue(row.noticeId);
  }

  /** The caller's top-ups still waiting for their receipt, newest first: where a "Paga dopo" notice is found again. */
  async function pendingTopups(ente: Ente, caller: Caller) {
    const rows = await db
      .selectFrom('topup as t')
      .innerJoin('person as h', 'h.id', 't.holder_person_id')
      .innerJoin('badge as b', 'b.id', 't.badge_id')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .leftJoin('payment_notice as n', 'n.topup_id', 't.id')
      .select([
        't.id', 't.amount_cents as amountCents', 't.created_at as createdAt', 'b.code as badgeCode', 's.name as serviceName', 'n.state as noticeState',
        'n.cart_until as cartUntil',
      ])
      .where('t.ente_id', '=', ente.id)
      .where('h.ente_id', '=', ente.id)
      .where('h.fiscal_code', '=', caller.fiscalCode)
      .where('t.state', '=', 'in_attesa')
      .where('t.cancelled_at', 'is', null)
      .orderBy('t.id', 'desc')
      .limit(sql.lit(50))
      .execute();
    const now = clock.now();
    return rows.map(({ noticeState, cartUntil, ...topup }) => ({ ...topup, paymentStarted: paymentStarted({ noticeState, cartUntil }, now) }));
  }

  return { unpaidDocuments, payDocuments, cartReturn, openCarts, abandonCart, topupBadges, requestTopup, topup, payTopup, payTopupLater, cancelTopup, pendingTopups };
}

/** Writes a top-up "in attesa", in the caller's transaction: the badge is credited only when a receipt pays its notice. */
export async function openTopup(trx: Kysely<DB>, ente: Ente, badgeId: number, holderPersonId: number, amountCents: number, now: Date): Promise<number> {
  const topup = await trx
    .insertInto('topup')
    .values({
      ente_id: ente.id, badge_id: badgeId, holder_person_id: holderPersonId, amount_cents: amountCents, state: 'in_attesa',
      created_at: now.toISOString(), credited_at: null, cancelled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return topup.id;
}

/** Gives a top-up its notice (a NAV from the ente's counter, a position to publish), in the caller's transaction. */
export async function issueTopupNotice(trx: Kysely<DB>, ente: Ente, topupId: number, now: Date): Promise<number> {
  if (!issuesNotices(ente)) throw new PaymentUnavailableError('ente without pagoPA data');
  const topup = await trx
    .selectFrom('topup as t')
    .innerJoin('badge as b', 'b.id', 't.badge_id')
    .innerJoin('service as s', 's.id', 'b.service_id')
    .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
    .innerJoin('person as child', 'child.id', 'p.person_id')
    .select(['t.id', 't.amount_cents', 't.holder_person_id', 'b.code', 'b.pupil_id as pupilId', 's.id as serviceId', 's.name as serviceName', 'child.given_name as givenName'])
    .where('t.ente_id', '=', ente.id)
    .where('t.id', '=', topupId)
    .executeTakeFirstOrThrow();
  const nav = navFor(ente, await takeNoticeBases(trx, ente.id, 1));
  const notice = await trx
    .insertInto('payment_notice')
    .values({
      ente_id: ente.id, nav, iuv: nav.slice(1), kind: 'topup', document_id: null, topup_id: topup.id, holder_person_id: topup.holder_person_id,
      pupil_id: topup.pupilId, service_id: topup.serviceId, amount_cents: topup.amount_cents, due_date: topupDueDate(now),
      description: clip(`Ricarica badge ${topup.code} — ${topup.serviceName} — ${topup.givenName}`, 140),
      state: 'open', position_state: 'to_publish', position_next_at: null, position_error: null, published_at: null,
      cart_id: null, cart_until: null, paid_at: null, created_at: now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return notice.id;
}

export type PaymentService = ReturnType<typeof createPaymentService>;
