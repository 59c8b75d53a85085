import { type Kysely, sql } from 'kysely';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import type { DB, YearEndAction } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { touchEnte } from '../../db/versioned';
import { uniqueViolation } from '../../db/unique-violation';
import { attachmentMeta, attachmentsOf, type AttachmentMeta } from '../attachments/queries';
import { type AuditTrail, writeChange } from '../audit/audit';
import { addDays, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { isValidIban, normaliseIban } from '../registry/iban';
import { badgesBelowThreshold, balanceOn, LOW_BALANCE_PAGE, type LowBalanceRow, type Threshold, thresholdOf } from './queries';

export type { LowBalanceRow, Threshold } from './queries';

/** The bounds of a threshold: ±1.000 € or ±50 meals (a larger one is a typing mistake). */
export const THRESHOLD_MAX_CENTS = 100_000;
export const THRESHOLD_MAX_MEALS = 50;

export const YEAR_END_ACTIONS: readonly YearEndAction[] = ['riporto', 'trasferimento', 'rimborso'];

/** What the office asks for at a year's end, as the service takes it. */
export interface YearEndInput {
  schoolYearId: number;
  action: YearEndAction;
  /** The sibling's badge (trasferimento). */
  targetBadgeId: number | null;
  /** The account the refund is paid to (rimborso). */
  iban: string | null;
  /** The holder's request, an attachment of the holder or of the pupil (rimborso). */
  attachmentId: number | null;
  note: string | null;
}

/** One movement a year-end closing writes, as the confirmation page shows it. */
export interface PlannedMovement {
  badgeId: number;
  badgeCode: string;
  pupilName: string;
  valueDate: string;
  amountCents: number;
  /** The badge's balance today before and after the movement. */
  balanceBeforeCents: number;
  balanceAfterCents: number;
}

export interface YearEndEffect {
  year: { id: number; label: string; endsOn: string };
  action: YearEndAction;
  creditCents: number;
  movements: PlannedMovement[];
  iban: string | null;
  attachment: { id: number; title: string } | null;
  note: string | null;
}

/** The unique key of a closing refused a second one (PostgreSQL names it; SQLite names its columns). */
function closedTwice(error: unknown): boolean {
  const which = uniqueViolation(error);
  if (which === 'prepaid_year_end_once') return true;
  return which === 'unknown' && /prepaid_year_end\.badge_id, prepaid_year_end\.school_year_id/.test(String((error as { message?: string }).message));
}

/** An IBAN as the audit trail and the pages keep it: only its last four characters. */
export function maskedIban(iban: string | null): string | null {
  return iban === null ? null : `…${iban.slice(-4)}`;
}

/**
 * Prepaid badges in the office (issue 15, point 4; decision 0029): the ente's low-balance threshold, the
 * badges at or below it with the holder's contacts, and the closing of a badge's credit at a school year's
 * end — carried to the next year, transferred to a sibling's badge, or refunded to an IBAN. A closing is
 * movements in the append-only ledger (never an edit), once per badge and year (a unique key), audited.
 */
export function createPrepaidService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  const today = () => romeDate(clock.now());

  async function threshold(office: OperatorContext) {
    requirePermission(office, 'prepaid.manage');
    return thresholdOf(db, office.ente.id);
  }

  /**
   * Saves the threshold if the row still has the version its form was made from (0: never set); audited with
   * before and after; raises the ente's data version like every other setting of the ente.
   */
  async function setThreshold(office: OperatorContext, version: number, input: Threshold): Promise<void> {
    requirePermission(office, 'prepaid.manage');
    if (!Number.isSafeInteger(input.value)) throw new InvalidInputError({ soglia: 'thresholdRange' });
    const bound = input.unit === 'euro' ? THRESHOLD_MAX_CENTS : THRESHOLD_MAX_MEALS;
    if (Math.abs(input.value) > bound) throw new InvalidInputError({ soglia: 'thresholdRange' });
    await transaction(db, async (tx) => {
      const before = await thresholdOf(tx.db, office.ente.id);
      const now = clock.now().toISOString();
      let saved: boolean;
      if (version === 0) {
        const inserted = await tx.db
          .insertInto('prepaid_threshold')
          .values({ ente_id: office.ente.id, unit: input.unit, value: input.value, version: 1, updated_at: now })
          .onConflict((oc) => oc.column('ente_id').doNothing())
          .executeTakeFirst();
        saved = Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
      } else {
        const updated = await tx.db
          .updateTable('prepaid_threshold')
          .set({ unit: input.unit, value: input.value, version: version + 1, updated_at: now })
          .where('ente_id', '=', office.ente.id)
          .where('version', '=', version)
          .executeTakeFirst();
        saved = Number(updated.numUpdatedRows) === 1;
      }
      if (!saved) throw new ConflictError({ unit: before.unit, value: before.value, version: before.version });
      await touchEnte(tx.db, office.ente.id);
      await writeChange(tx.db, clock, office, {
        action: 'office.prepaid.threshold',
        subjectType: 'ente',
        subjectId: office.ente.id,
        before: before.version === 0 ? null : { unit: before.unit, value: before.value },
        after: { unit: input.unit, value: input.value },
      });
    });
  }

  async function schools(office: OperatorContext) {
    requirePermission(office, 'prepaid.manage');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').orderBy('id').execute();
  }

  /** A page of the badges at or below the threshold (lowest first); the view of contacts is audited. */
  async function lowBalances(office: OperatorContext, filter: { schoolId?: number; cursor?: string }): Promise<{ threshold: Threshold & { version: number }; page: Page<LowBalanceRow>; balanceDate: string }> {
    requirePermission(office, 'prepaid.manage');
    const current = await thresholdOf(db, office.ente.id);
    const after = decodeCursor(filter.cursor, ['number', 'number'] as const);
    const rows = await badgesBelowThreshold(db, office.ente.id, current, { today: today(), schoolId: filter.schoolId, after, limit: LOW_BALANCE_PAGE + 1 });
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.prepaid.low.view', subjectType: 'ente', subjectId: office.ente.id, requestId: office.requestId });
    return { threshold: current, page: pageOf(rows, LOW_BALANCE_PAGE, (r) => [r.balanceCents, r.badgeId]), balanceDate: today() };
  }

  /** Every badge at or below the threshold, for the CSV and XLSX exports (audited: they carry contacts). */
  async function lowBalanceExport(office: OperatorContext, filter: { schoolId?: number }) {
    requirePermission(office, 'prepaid.manage');
    const current = await thresholdOf(db, office.ente.id);
    const rows = await badgesBelowThreshold(db, office.ente.id, current, { today: today(), schoolId: filter.schoolId });
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.prepaid.low.export', subjectType: 'ente', subjectId: office.ente.id, requestId: office.requestId });
    return { threshold: current, rows, balanceDate: today() };
  }

  /** A prepaid badge of the ente with its pupil and account holder; 404 for any other. */
  async function badgeRow(trx: Kysely<DB>, enteId: number, badgeId: number) {
    const row = await trx
      .selectFrom('badge as b')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .leftJoin('pupil_holder as ph', (join) => join.onRef('ph.pupil_id', '=', 'p.id').on('ph.relation', '=', sql.lit('intestatario')))
      .leftJoin('person as holder', 'holder.id', 'ph.person_id')
      .select([
        'b.id as id', 'b.code as code', 'b.active as active', 'b.service_id as serviceId', 's.name as serviceName', 'p.id as pupilId',
        'child.given_name as givenName', 'child.family_name as familyName', 'holder.id as holderId', 'holder.given_name as holderGivenName',
        'holder.family_name as holderFamilyName',
      ])
      .where('b.ente_id', '=', enteId)
      .where('b.id', '=', badgeId)
      .where('s.billing', '=', 'prepaid')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('badge');
    return row;
  }

  /** The active prepaid badges of the other pupils of the same account holder. */
  async function siblingBadges(trx: Kysely<DB>, enteId: number, badge: { id: number; pupilId: number; holderId: number | null }) {
    if (badge.holderId === null) return [];
    return trx
      .selectFrom('pupil_holder as ph')
      .innerJoin('badge as b', 'b.pupil_id', 'ph.pupil_id')
      .innerJoin('service as s', 's.id', 'b.service_id')
      .innerJoin('pupil as p', 'p.id', 'b.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select(['b.id as id', 'b.code as code', 'child.given_name as givenName', 'child.family_name as familyName', 's.name as serviceName'])
      .where('ph.ente_id', '=', enteId)
      .where('ph.person_id', '=', badge.holderId)
      .where('ph.relation', '=', sql.lit('intestatario'))
      .where('ph.pupil_id', '<>', badge.pupilId)
      .where('b.active', '=', sql.lit(1))
      .where('s.billing', '=', 'prepaid')
      .orderBy('child.given_name')
      .orderBy('b.id')
      .execute();
  }

  /** The school years that have ended, each with the badge's credit at its end and its closing if done. */
  async function yearsOf(trx: Kysely<DB>, enteId: number, badgeId: number) {
    const years = await trx
      .selectFrom('school_year')
      .select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn'])
      .where('ente_id', '=', enteId)
      .where('ends_on', '<', today())
      .orderBy('starts_on', 'desc')
      .execute();
    const closings = await trx.selectFrom('prepaid_year_end').selectAll().where('badge_id', '=', badgeId).execute();
    return Promise.all(
      years.map(async (year) => ({
        ...year,
        creditCents: await balanceOn(trx, badgeId, year.endsOn),
        closing: closings.find((c) => c.school_year_id === year.id) ?? null,
      })),
    );
  }

  /** The holder's and the pupil's attachments, among which the holder's request for a refund is chosen. */
  async function requestChoices(trx: Kysely<DB>, enteId: number, badge: { pupilId: number; holderId: number | null }): Promise<AttachmentMeta[]> {
    const ofPupil = await attachmentsOf(trx, enteId, { kind: 'pupil', id: badge.pupilId }, undefined);
    const ofHolder = badge.holderId === null ? [] : await attachmentsOf(trx, enteId, { kind: 'person', id: badge.holderId }, undefined);
    return [...ofHolder, ...ofPupil];
  }

  /** The page of a badge's year-end: its years, the sibling badges, the attachments to choose a request from. */
  async function yearEndView(office: OperatorContext, badgeId: number) {
    requirePermission(office, 'prepaid.manage');
    const badge = await badgeRow(db, office.ente.id, badgeId);
    const [years, siblings, requests, balanceCents] = await Promise.all([
      yearsOf(db, office.ente.id, badgeId),
      siblingBadges(db, office.ente.id, badge),
      requestChoices(db, office.ente.id, badge),
      balanceOn(db, badgeId, today()),
    ]);
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.prepaid.badge.view', subjectType: 'badge', subjectId: badgeId, requestId: office.requestId, pupilId: badge.pupilId });
    return { badge, years, siblings, requests, balanceCents, balanceDate: today() };
  }

  /**
   * What a closing would write, checked against the rules: the year has ended and is not closed yet for the
   * badge, there is a credit, and the action has what it needs. Read in the caller's transaction.
   */
  async function plan(trx: Kysely<DB>, office: OperatorContext, badgeId: number, input: YearEndInput): Promise<YearEndEffect & { badge: Awaited<ReturnType<typeof badgeRow>> }> {
    const badge = await badgeRow(trx, office.ente.id, badgeId);
    const problems: Record<string, string> = {};
    const year = await trx
      .selectFrom('school_year')
      .select(['id', 'label', 'ends_on as endsOn'])
      .where('ente_id', '=', office.ente.id)
      .where('id', '=', input.schoolYearId)
      .executeTakeFirst();
    if (!year) throw new InvalidInputError({ anno: 'choose' });
    if (year.endsOn >= today()) throw new InvalidInputError({ anno: 'yearNotEnded' });
    const closed = await trx.selectFrom('prepaid_year_end').select('id').where('badge_id', '=', badgeId).where('school_year_id', '=', year.id).executeTakeFirst();
    if (closed) throw new InvalidInputError({ anno: 'yearClosed' });
    const creditCents = await balanceOn(trx, badgeId, year.endsOn);
    if (creditCents <= 0) throw new InvalidInputError({ anno: 'noCredit' });

    let target = { id: badge.id, code: badge.code, pupilName: `${badge.givenName} ${badge.familyName}` };
    let iban: string | null = null;
    let attachment: { id: number; title: string } | null = null;
    if (input.action === 'trasferimento') {
      const sibling = (await siblingBadges(trx, office.ente.id, badge)).find((b) => b.id === input.targetBadgeId);
      if (!sibling) problems.tessera_destinazione = input.targetBadgeId === null ? 'siblingRequired' : 'siblingUnknown';
      else target = { id: sibling.id, code: sibling.code, pupilName: `${sibling.givenName} ${sibling.familyName}` };
    }
    if (input.action === 'rimborso') {
      if (!input.iban) problems.iban = 'ibanRequired';
      else if (!isValidIban(input.iban)) problems.iban = 'ibanInvalid';
      else iban = normaliseIban(input.iban);
      if (input.attachmentId === null) problems.richiesta = 'requestRequired';
      else {
        const meta = await attachmentMeta(trx, office.ente.id, input.attachmentId);
        const owned = meta && (meta.pupilId === badge.pupilId || (badge.holderId !== null && meta.personId === badge.holderId));
        if (!owned) problems.richiesta = 'requestUnknown';
        else attachment = { id: meta.id, title: meta.title };
      }
    }
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
    // Years are closed in order: a credit dated after this year's end on a badge whose later year is closed
    // already would leave that year's end not empty.
    const laterClosed = await trx
      .selectFrom('prepaid_year_end as c')
      .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
      .select('c.id')
      .where('c.badge_id', 'in', [badge.id, target.id])
      .where('y.ends_on', '>', year.endsOn)
      .executeTakeFirst();
    if (laterClosed) throw new InvalidInputError({ anno: 'laterYearClosed' });

    const now = today();
    const creditDate = addDays(year.endsOn, 1);
    const balanceNow = await balanceOn(trx, badge.id, now);
    const movements: PlannedMovement[] = [
      { badgeId: badge.id, badgeCode: badge.code, pupilName: `${badge.givenName} ${badge.familyName}`, valueDate: year.endsOn, amountCents: -creditCents, balanceBeforeCents: balanceNow, balanceAfterCents: balanceNow - creditCents },
    ];
    if (input.action !== 'rimborso') {
      const before = target.id === badge.id ? balanceNow - creditCents : await balanceOn(trx, target.id, now);
      movements.push({ badgeId: target.id, badgeCode: target.code, pupilName: target.pupilName, valueDate: creditDate, amountCents: creditCents, balanceBeforeCents: before, balanceAfterCents: before + creditCents });
    }
    return { badge, year, action: input.action, creditCents, movements, iban, attachment, note: input.note };
  }

  /** The effect of a closing, for the confirmation page: nothing is written. */
  async function yearEndPreview(office: OperatorContext, badgeId: number, input: YearEndInput): Promise<YearEndEffect> {
    requirePermission(office, 'prepaid.manage');
    const { badge: _badge, ...effect } = await plan(db, office, badgeId, input);
    return effect;
  }

  /**
   * Writes the closing the office confirmed: the debit that empties the badge at the year's end and, unless
   * refunded, the credit on the same badge (carried over) or the sibling's (transferred) the next day; the
   * closing row whose unique key makes it once; the audit event — one transaction. `expectedCents` is the
   * credit the confirmation page showed: a credit changed since is refused (ConflictError), never guessed.
   */
  async function closeYear(office: OperatorContext, badgeId: number, input: YearEndInput, expectedCents: number): Promise<number> {
    requirePermission(office, 'prepaid.manage');
    try {
      return await transaction(db, async (tx) => {
        const effect = await plan(tx.db, office, badgeId, input);
        if (effect.creditCents !== expectedCents) throw new ConflictError({ amount_cents: effect.creditCents });
        const now = clock.now().toISOString();
        const author = office.operator.fiscalCode;
        const notes: Record<YearEndAction, string> = {
          riporto: `Credito dell’anno ${effect.year.label} riportato all’anno successivo`,
          trasferimento: `Credito dell’anno ${effect.year.label} trasferito al badge ${effect.movements[1]?.badgeCode ?? ''}`,
          rimborso: `Credito dell’anno ${effect.year.label} da rimborsare con bonifico`,
        };
        const [debit, credit] = effect.movements;
        const debitRow = await tx.db
          .insertInto('movement')
          .values({ ente_id: office.ente.id, badge_id: debit!.badgeId, amount_cents: debit!.amountCents, kind: 'adjustment', value_date: debit!.valueDate, charge_id: null, reverses_movement_id: null, note: notes[effect.action], author, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        const creditRow = credit
          ? await tx.db
              .insertInto('movement')
              .values({
                ente_id: office.ente.id, badge_id: credit.badgeId, amount_cents: credit.amountCents, kind: 'adjustment', value_date: credit.valueDate, charge_id: null, reverses_movement_id: null,
                note: effect.action === 'riporto' ? notes.riporto : `Credito dell’anno ${effect.year.label} ricevuto dal badge ${debit!.badgeCode}`, author, created_at: now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          : undefined;
        const closing = await tx.db
          .insertInto('prepaid_year_end')
          .values({
            ente_id: office.ente.id, badge_id: badgeId, school_year_id: effect.year.id, action: effect.action, amount_cents: effect.creditCents,
            debit_movement_id: debitRow.id, credit_movement_id: creditRow?.id ?? null, target_badge_id: effect.action === 'trasferimento' ? credit!.badgeId : null,
            iban: effect.iban, request_attachment_id: effect.attachment?.id ?? null, note: effect.note, author, created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeChange(tx.db, clock, office, {
          action: `office.prepaid.year_end.${effect.action}`,
          subjectType: 'badge',
          subjectId: badgeId,
          pupilId: effect.badge.pupilId,
          before: { school_year_id: effect.year.id, credit_cents: effect.creditCents },
          after: {
            school_year_id: effect.year.id, credit_cents: 0, action: effect.action, amount_cents: effect.creditCents, debit_movement_id: debitRow.id,
            credit_movement_id: creditRow?.id ?? null, target_badge_id: effect.action === 'trasferimento' ? credit!.badgeId : null,
            iban: maskedIban(effect.iban), request_attachment_id: effect.attachment?.id ?? null, closing_id: closing.id,
          },
        });
        return closing.id;
      });
    } catch (error) {
      // Two confirmations of one closing at once: the unique key lets one through.
      if (closedTwice(error)) throw new InvalidInputError({ anno: 'yearClosed' });
      throw error;
    }
  }

  return { threshold, setThreshold, schools, lowBalances, lowBalanceExport, yearEndView, yearEndPreview, closeYear };
}

export type PrepaidService = ReturnType<typeof createPrepaidService>;
