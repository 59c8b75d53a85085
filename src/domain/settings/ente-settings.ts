import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccessibilityState, DB, Ente } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { touchEnte, updateVersioned } from '../../db/versioned';
import { detectFileType } from '../attachments/file-types';
import { writeChange } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';

/**
 * The bounds the office may set. The cut-off is a time of the school day itself (absences of a day are
 * taken until then, then the day is frozen for the kitchen): between 06:00 and 12:00, before lunch is
 * cooked and away from the night hour that daylight saving skips or repeats (romeInstant relies on it).
 * A top-up is at least 1 € (pagoPA's cost per payment makes smaller ones pointless) and at most
 * 2,000 € (a family's school year of meals, with room).
 */
export const CUTOFF_EARLIEST = '06:00';
export const CUTOFF_LATEST = '12:00';
export const TOPUP_FLOOR_CENTS = 100;
export const TOPUP_CEILING_CENTS = 200_000;
/** The logo is embedded in every notice: a small PNG (as the notices' job always required). */
export const MAX_LOGO_BYTES = 256 * 1024;

export const ACCESSIBILITY_STATES: readonly AccessibilityState[] = ['conforme', 'parzialmente_conforme', 'non_conforme'];

/** What the settings page edits, as the service takes it (already in its stored form). */
export interface EnteSettingsInput {
  officeName: string;
  officeEmail: string;
  officePhone: string;
  officeHours: string;
  officeAddress: string;
  /** HH:MM */
  cutoffTime: string;
  topupMinCents: number;
  topupMaxCents: number;
  /** The ente's codice fiscale: 11 digits, check digit right. */
  taxCode: string;
  iban: string | null;
  segregationCode: string | null;
  cbill: string | null;
  postalAccount: string | null;
  postalAuthorisation: string | null;
  /** "il Comune di Esempio"; '' when not set. */
  nameWithArticle: string;
  accessibilityState: AccessibilityState | null;
  accessibilityStatementDate: string | null;
  accessibilityFeedbackEmail: string | null;
  accessibilityNonAccessible: string | null;
}

/** The settings of a stored ente, in the input's shape; with the version the page's form is made from. */
export function settingsOf(ente: Ente): EnteSettingsInput {
  return {
    officeName: ente.office_name,
    officeEmail: ente.office_email,
    officePhone: ente.office_phone,
    officeHours: ente.office_hours,
    officeAddress: ente.office_address,
    cutoffTime: ente.cutoff_time,
    topupMinCents: ente.topup_min_cents,
    topupMaxCents: ente.topup_max_cents,
    taxCode: ente.tax_code,
    iban: ente.iban,
    segregationCode: ente.segregation_code,
    cbill: ente.cbill,
    postalAccount: ente.postal_account,
    postalAuthorisation: ente.postal_authorisation,
    nameWithArticle: ente.name_with_article,
    accessibilityState: ente.accessibility_state,
    accessibilityStatementDate: ente.accessibility_statement_date,
    accessibilityFeedbackEmail: ente.accessibility_feedback_email,
    accessibilityNonAccessible: ente.accessibility_non_accessible,
  };
}

/**
 * The rules that join fields or need the clock or the database: the route's form has already checked each
 * field's format. Problems are named by the form's fields.
 */
function problemsOf(input: EnteSettingsInput, today: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.cutoffTime < CUTOFF_EARLIEST || input.cutoffTime > CUTOFF_LATEST) problems.orario_limite = 'cutoffRange';
  if (input.topupMinCents < TOPUP_FLOOR_CENTS || input.topupMinCents > TOPUP_CEILING_CENTS) problems.ricarica_minima = 'topupRange';
  if (input.topupMaxCents < TOPUP_FLOOR_CENTS || input.topupMaxCents > TOPUP_CEILING_CENTS) problems.ricarica_massima = 'topupRange';
  if (!problems.ricarica_minima && !problems.ricarica_massima && input.topupMinCents > input.topupMaxCents) problems.ricarica_massima = 'topupMinAboveMax';
  // A notice needs both: the account it is paid into and the segregation code of its number.
  if (input.iban && !input.segregationCode) problems.codice_segregazione = 'segregationWithIban';
  if (input.segregationCode && !input.iban) problems.iban = 'ibanWithSegregation';
  if (input.postalAuthorisation && !input.postalAccount) problems.conto_postale = 'postalAccountWithAuthorisation';
  const statementGiven = input.accessibilityStatementDate || input.accessibilityFeedbackEmail || input.accessibilityNonAccessible;
  if (!input.accessibilityState) {
    if (statementGiven) problems.stato_accessibilita = 'accessibilityStateRequired';
  } else {
    if (!input.accessibilityStatementDate) problems.data_dichiarazione = 'statementDateRequired';
    if (!input.accessibilityFeedbackEmail) problems.email_accessibilita = 'feedbackEmailRequired';
    if (input.accessibilityState !== 'conforme' && !input.accessibilityNonAccessible) problems.contenuti_non_accessibili = 'nonAccessibleRequired';
  }
  if (input.accessibilityStatementDate && input.accessibilityStatementDate > today) problems.data_dichiarazione = 'dateFuture';
  return problems;
}

/** What an audit event keeps of the settings: every field, by its column name (the ente's data is public). */
function described(settings: EnteSettingsInput): Record<string, unknown> {
  return {
    office_name: settings.officeName,
    office_email: settings.officeEmail,
    office_phone: settings.officePhone,
    office_hours: settings.officeHours,
    office_address: settings.officeAddress,
    cutoff_time: settings.cutoffTime,
    topup_min_cents: settings.topupMinCents,
    topup_max_cents: settings.topupMaxCents,
    tax_code: settings.taxCode,
    iban: settings.iban,
    segregation_code: settings.segregationCode,
    cbill: settings.cbill,
    postal_account: settings.postalAccount,
    postal_authorisation: settings.postalAuthorisation,
    name_with_article: settings.nameWithArticle,
    accessibility_state: settings.accessibilityState,
    accessibility_statement_date: settings.accessibilityStatementDate,
    accessibility_feedback_email: settings.accessibilityFeedbackEmail,
    accessibility_non_accessible: settings.accessibilityNonAccessible,
  };
}

/** A logo as the audit trail keeps it: not the image, but enough to tell one from another. */
function logoFacts(png: Buffer | null | undefined): Record<string, unknown> | null {
  if (!png) return null;
  return { bytes: png.length, sha256: createHash('sha256').update(png).digest('hex').slice(0, 16) };
}

async function enteRow(db: Kysely<DB>, enteId: number): Promise<Ente> {
  return (await db.selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
}

/**
 * The ente's own settings, edited by its amministratore (permission `settings.manage`): the office's
 * contacts shown on every page, the cut-off, the top-up bounds, the pagoPA data and the notices' logo,
 * the name in a sentence, the accessibility statement. Every save names the version its form was made
 * from, is audited with the values before and after, and raises the ente's data version in the same
 * transaction, so every process shows the new values on its next page (decision 0016).
 */
export function createEnteSettingsService(db: Kysely<DB>, clock: Clock) {
  /** The ente as stored now (the request's copy may be a moment older). */
  async function get(office: OperatorContext): Promise<Ente> {
    requirePermission(office, 'settings.manage');
    return enteRow(db, office.ente.id);
  }

  async function update(office: OperatorContext, version: number, input: EnteSettingsInput): Promise<void> {
    requirePermission(office, 'settings.manage');
    const problems = problemsOf(input, romeDate(clock.now()));
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
    try {
      await save(office, version, input);
    } catch (error) {
      // Two enti saving one tax code at once: the unique index refuses the second.
      if (uniqueViolation(error) === 'ente_tax_code') throw new InvalidInputError({ codice_fiscale_ente: 'taxCodeTaken' });
      throw error;
    }
  }

  async function save(office: OperatorContext, version: number, input: EnteSettingsInput): Promise<void> {
    await transaction(db, async (tx) => {
      const current = await enteRow(tx.db, office.ente.id);
      // Receipts find their ente by its tax code: two enti with one code would make a receipt ambiguous.
      const sameCode = await tx.db.selectFrom('ente').select('id').where('tax_code', '=', input.taxCode).where('id', '<>', office.ente.id).executeTakeFirst();
      if (sameCode) throw new InvalidInputError({ codice_fiscale_ente: 'taxCodeTaken' });
      await updateVersioned(tx.db, 'ente', { id: office.ente.id, enteId: office.ente.id, version }, {
        office_name: input.officeName,
        office_email: input.officeEmail,
        office_phone: input.officePhone,
        office_hours: input.officeHours,
        office_address: input.officeAddress,
        cutoff_time: input.cutoffTime,
        topup_min_cents: input.topupMinCents,
        topup_max_cents: input.topupMaxCents,
        tax_code: input.taxCode,
        iban: input.iban,
        segregation_code: input.segregationCode,
        cbill: input.cbill,
        postal_account: input.postalAccount,
        postal_authorisation: input.postalAuthorisation,
        name_with_article: input.nameWithArticle,
        accessibility_state: input.accessibilityState,
        accessibility_statement_date: input.accessibilityStatementDate,
        accessibility_feedback_email: input.accessibilityFeedbackEmail,
        accessibility_non_accessible: input.accessibilityNonAccessible,
      });
      await touchEnte(tx.db, office.ente.id);
      await writeChange(tx.db, clock, office, {
        action: 'office.settings.update',
        subjectType: 'ente',
        subjectId: office.ente.id,
        before: described(settingsOf(current)),
        after: described(input),
      });
    });
  }

  /** Whether the ente has a logo for its notices, and its size. */
  async function logo(office: OperatorContext): Promise<{ png: Buffer; updatedAt: string } | undefined> {
    requirePermission(office, 'settings.manage');
    const row = await db.selectFrom('ente_logo').select(['png', 'updated_at']).where('ente_id', '=', office.ente.id).executeTakeFirst();
    return row ? { png: Buffer.from(row.png), updatedAt: row.updated_at } : undefined;
  }

  /** What is wrong with a file offered as the logo, recognised by its content (decision 0019). */
  function logoProblem(content: Buffer): string | undefined {
    if (content.length > MAX_LOGO_BYTES) return 'fileTooLarge';
    if (detectFileType(content) !== 'png') return 'logoNotPng';
    return undefined;
  }

  /**
   * Replaces the notices' logo (null: removes it). Not versioned: the logo is one image that the last
   * upload replaces, and the settings form open in another tab does not carry it. Audited by size and digest.
   */
  async function setLogo(office: OperatorContext, png: Buffer | null): Promise<void> {
    requirePermission(office, 'settings.manage');
    if (png !== null) {
      const problem = logoProblem(png);
      if (problem) throw new InvalidInputError({ logo: problem });
    }
    await transaction(db, async (tx) => {
      const before = await tx.db.selectFrom('ente_logo').select('png').where('ente_id', '=', office.ente.id).executeTakeFirst();
      if (!before && png === null) return;
      const now = clock.now().toISOString();
      if (png !== null) {
        await tx.db
          .insertInto('ente_logo')
          .values({ ente_id: office.ente.id, png, updated_at: now })
          .onConflict((oc) => oc.column('ente_id').doUpdateSet({ png, updated_at: now }))
          .execute();
      } else {
        await tx.db.deleteFrom('ente_logo').where('ente_id', '=', office.ente.id).execute();
      }
      await touchEnte(tx.db, office.ente.id);
      await writeChange(tx.db, clock, office, {
        action: png ? 'office.settings.logo' : 'office.settings.logo.remove',
        subjectType: 'ente',
        subjectId: office.ente.id,
        before: before ? { logo: logoFacts(Buffer.from(before.png)) } : null,
        after: png ? { logo: logoFacts(png) } : null,
      });
    });
  }

  return { get, update, logo, logoProblem, setLogo };
}

export type EnteSettingsService = ReturnType<typeof createEnteSettingsService>;
