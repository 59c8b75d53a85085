import { type Kysely, type Selectable, sql } from 'kysely';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import type { DB, PupilDietTable } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { updateVersioned } from '../../db/versioned';
import type { AttachmentService } from '../attachments/service';
import { type AuditTrail, writeChange } from '../audit/audit';
import { addDays, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { may, type OperatorContext, requirePermission } from '../operators/context';
import { pupilOfEnte } from '../registry/queries';
import { classOnDayAt, termInForce } from '../registry/terms';
import type { DietCode, DietKind, DietState } from './codes';
import { DIET_CODES, DIET_KINDS } from './codes';
import { APPROVED_STATES, dietInForce } from './queries';

/**
 * Special diets in the office (issue 14, decision 0024). A pupil's diet is recorded as a request with its
 * reason and its medical certificate (or the family's declaration, for an ethical or religious diet), then
 * approved from a day to a day (or until ended), refused, or ended early. The freeze and the parents'
 * Refezione read the diet in force on each day (diets/queries.ts).
 *
 * GDPR art. 9: the reason, the kind and the certificate are special-category data. Only an operator who
 * manages diets (`diets.manage`: amministratore, operatore) gets them; an operator who may only read diets
 * (`cucina`) gets, from the same functions, views without those fields — the choice is made here, not by
 * the pages. Every view of a pupil's diets, of the list and of the daily sheet is audited.
 */

type DietRow = Selectable<PupilDietTable>;

/** The page size of the office's list of diets. */
export const DIETS_PAGE = 50;

/** The list's state filter: the stored states, and "in force today" / "over" as the days make them. */
export const DIET_LIST_STATES = ['in-vigore', 'richiesta', 'approvata', 'conclusa', 'respinta'] as const;
export type DietListState = (typeof DIET_LIST_STATES)[number];

/** The state a person reads: an approved diet is future, in force or over by today's date. */
export type ShownDietState = 'richiesta' | 'respinta' | 'futura' | 'in-vigore' | 'conclusa';

export function shownState(diet: { state: DietState; approvedFrom: string | null; approvedTo: string | null }, today: string): ShownDietState {
  if (diet.state === 'richiesta' || diet.state === 'respinta') return diet.state;
  if (diet.approvedTo !== null && diet.approvedTo < today) return 'conclusa';
  if (diet.approvedFrom !== null && diet.approvedFrom > today) return 'futura';
  return 'in-vigore';
}

/** A diet as the kitchen sees it: the code and the days, nothing about why. */
export interface KitchenDietView {
  id: number;
  pupilId: number;
  dietCode: DietCode;
  state: DietState;
  shownState: ShownDietState;
  approvedFrom: string | null;
  approvedTo: string | null;
}

/** A diet as the office that manages diets sees it. */
export interface OfficeDietView extends KitchenDietView {
  kind: DietKind;
  reason: string;
  certificate: { id: number; title: string; fileName: string } | null;
  declaredOn: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  recordedBy: string;
  createdAt: string;
  version: number;
}

export interface DietInput {
  dietCode: DietCode;
  kind: DietKind;
  reason: string;
  /** An attachment of the pupil already filed, chosen as the certificate or declaration. */
  certificateAttachmentId: number | null;
  declaredOn: string | null;
}

/** A document uploaded with the request: filed among the pupil's attachments in the same transaction. */
export interface DietDocument {
  /** The attachment's title, in the office's language. */
  title: string;
  fileName: string;
  content: Buffer;
}

/** What an audit event keeps of a diet: the record's fields (the reason included: the log is read only by those who may read it). */
function described(row: DietRow): Record<string, unknown> {
  return {
    pupil_id: row.pupil_id,
    diet_code: row.diet_code,
    kind: row.kind,
    reason: row.reason,
    certificate_attachment_id: row.certificate_attachment_id,
    declared_on: row.declared_on,
    state: row.state,
    approved_from: row.approved_from,
    approved_to: row.approved_to,
    approved_by: row.approved_by,
  };
}

export function createDietService(db: Kysely<DB>, clock: Clock, audit: AuditTrail, attachments: Pick<AttachmentService, 'uploadWithin'>) {
  function today(): string {
    return romeDate(clock.now());
  }

  /** Whether this operator reads the reason and the certificate (decision 0024): only who manages diets. */
  function readsReasons(office: OperatorContext): boolean {
    return may(office, 'diets.manage');
  }

  function kitchenView(row: DietRow, day: string): KitchenDietView {
    const view = { id: row.id, pupilId: row.pupil_id, dietCode: row.diet_code, state: row.state, approvedFrom: row.approved_from, approvedTo: row.approved_to };
    return { ...view, shownState: shownState(view, day) };
  }

  async function dietOf(trx: Kysely<DB>, enteId: number, dietId: number): Promise<DietRow> {
    const row = await trx.selectFrom('pupil_diet').selectAll().where('ente_id', '=', enteId).where('id', '=', dietId).executeTakeFirst();
    if (!row) throw new NotFoundError('diet');
    return row;
  }

  /** The last day frozen (or being frozen) in the ente: its attendance keeps the diet it was booked with. */
  async function lastFrozenDay(trx: Kysely<DB>, enteId: number): Promise<string | null> {
    const row = await trx.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', enteId).executeTakeFirst();
    return row?.date ?? null;
  }

  /** The ente's schools, for the filters and the sheet. */
  async function schools(office: OperatorContext) {
    requirePermission(office, 'diets.read');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').execute();
  }

  /**
   * The ente's diets, one row per diet, by the pupil's family and given name; filtered by the pupil's
   * school and class and by state. Names, school, class, diet and days only, for every role.
   */
  async function list(
    office: OperatorContext,
    filters: { schoolId?: number; className?: string; state?: DietListState },
    cursor?: string,
  ): Promise<Page<DietListRow>> {
    requirePermission(office, 'diets.read');
    const day = today();
    let query = db
      .selectFrom('pupil_diet as d')
      .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .innerJoin('school', 'school.id', 'p.school_id')
      .select([
        'd.id as id', 'd.pupil_id as pupilId', 'd.diet_code as dietCode', 'd.state as state', 'd.approved_from as approvedFrom', 'd.approved_to as approvedTo',
        'child.given_name as givenName', 'child.family_name as familyName', 'school.name as schoolName', 'p.class_name as className',
      ])
      .where('d.ente_id', '=', office.ente.id);
    if (filters.schoolId !== undefined) query = query.where('p.school_id', '=', filters.schoolId);
    if (filters.className) query = query.where('p.class_name', '=', filters.className);
    const approved = [sql.lit<'approvata'>(APPROVED_STATES[0]), sql.lit<'terminata'>(APPROVED_STATES[1])];
    switch (filters.state) {
      case 'richiesta':
      case 'respinta':
        query = query.where('d.state', '=', filters.state);
        break;
      case 'in-vigore':
        query = query.where('d.state', 'in', approved).where('d.approved_from', '<=', day).where((eb) => eb.or([eb('d.approved_to', 'is', null), eb('d.approved_to', '>=', day)]));
        break;
      case 'approvata':
        // Approved and not over: in force today or from a later day.
        query = query.where('d.state', 'in', approved).where((eb) => eb.or([eb('d.approved_to', 'is', null), eb('d.approved_to', '>=', day)]));
        break;
      case 'conclusa':
        query = query.where('d.state', 'in', approved).where('d.approved_to', '<', day);
        break;
    }
    const after = decodeCursor(cursor, ['string', 'string', 'number'] as const);
    if (after) {
      const [family, given, id] = after;
      query = query.where((eb) =>
        eb.or([
          eb('child.family_name', '>', family),
          eb.and([eb('child.family_name', '=', family), eb('child.given_name', '>', given)]),
          eb.and([eb('child.family_name', '=', family), eb('child.given_name', '=', given), eb('d.id', '>', id)]),
        ]),
      );
    }
    const rows = await query.orderBy('child.family_name').orderBy('child.given_name').orderBy('d.id').limit(sql.lit(DIETS_PAGE + 1)).execute();
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.diets.list.view', requestId: office.requestId });
    return pageOf(
      rows.map((r) => ({ ...r, shownState: shownState(r, day) })),
      DIETS_PAGE,
      (r) => [r.familyName, r.givenName, r.id],
    );
  }

  /**
   * A pupil's diets, newest first. An operator who manages diets gets each with its reason, kind and
   * certificate, and the pupil's documents that may serve as one; the kitchen gets codes and days only.
   * The view is audited either way.
   */
  async function ofPupil(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'diets.read');
    const enteId = office.ente.id;
    const pupil = await pupilOfEnte(db, enteId, pupilId);
    const [school, rows] = await Promise.all([
      db.selectFrom('school').select('name').where('id', '=', pupil.schoolId).executeTakeFirstOrThrow(),
      db.selectFrom('pupil_diet').selectAll().where('ente_id', '=', enteId).where('pupil_id', '=', pupilId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute(),
    ]);
    const day = today();
    const full = readsReasons(office);
    audit.record({
      enteId,
      actorFiscalCode: office.operator.fiscalCode,
      action: full ? 'office.diets.view' : 'office.diets.codes.view',
      subjectType: 'pupil',
      subjectId: pupilId,
      requestId: office.requestId,
    });
    const header = { id: pupil.id, givenName: pupil.givenName, familyName: pupil.familyName, schoolName: school.name, className: pupil.className };
    if (!full) return { full: false as const, pupil: header, diets: rows.map((row) => kitchenView(row, day)), today: day };
    const documents = await documentsOf(db, enteId, pupilId);
    const byId = new Map(documents.map((d) => [d.id, d]));
    const diets: OfficeDietView[] = rows.map((row) => {
      const document = row.certificate_attachment_id === null ? undefined : byId.get(row.certificate_attachment_id);
      return {
        ...kitchenView(row, day),
        kind: row.kind,
        reason: row.reason,
        certificate: document ? { id: document.id, title: document.title, fileName: document.fileName } : null,
        declaredOn: row.declared_on,
        approvedBy: row.approved_by,
        approvedAt: row.approved_at,
        recordedBy: row.recorded_by,
        createdAt: row.created_at,
        version: row.version,
      };
    });
    return { full: true as const, pupil: { ...header, fiscalCode: pupil.fiscalCode }, diets, today: day };
  }

  /** One diet with its reason and certificate, for the page that approves, refuses or ends it; the view is audited. */
  async function one(office: OperatorContext, dietId: number) {
    requirePermission(office, 'diets.manage');
    const enteId = office.ente.id;
    const row = await dietOf(db, enteId, dietId);
    const [pupil, documents, lastFrozen] = await Promise.all([pupilOfEnte(db, enteId, row.pupil_id), documentsOf(db, enteId, row.pupil_id), lastFrozenDay(db, enteId)]);
    const school = await db.selectFrom('school').select('name').where('id', '=', pupil.schoolId).executeTakeFirstOrThrow();
    const day = today();
    const document = row.certificate_attachment_id === null ? undefined : documents.find((d) => d.id === row.certificate_attachment_id);
    audit.record({ enteId, actorFiscalCode: office.operator.fiscalCode, action: 'office.diet.view', subjectType: 'pupil_diet', subjectId: dietId, pupilId: row.pupil_id, requestId: office.requestId });
    const diet: OfficeDietView = {
      ...kitchenView(row, day),
      kind: row.kind,
      reason: row.reason,
      certificate: document ? { id: document.id, title: document.title, fileName: document.fileName } : null,
      declaredOn: row.declared_on,
      approvedBy: row.approved_by,
      approvedAt: row.approved_at,
      recordedBy: row.recorded_by,
      createdAt: row.created_at,
      version: row.version,
    };
    return { pupil: { id: pupil.id, givenName: pupil.givenName, familyName: pupil.familyName, fiscalCode: pupil.fiscalCode, schoolName: school.name, className: pupil.className }, diet, documents, lastFrozen, today: day };
  }

  /** The pupil's documents that may be a diet's certificate or declaration. */
  function documentsOf(trx: Kysely<DB>, enteId: number, pupilId: number) {
    return trx
      .selectFrom('attachment')
      .select(['id', 'kind', 'title', 'file_name as fileName', 'created_at as createdAt'])
      .where('ente_id', '=', enteId)
      .where('pupil_id', '=', pupilId)
      .where('kind', 'in', ['certificato-medico', 'altro'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** The pupil's name and codes for the request form (the office that manages diets only). */
  async function requestForm(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'diets.manage');
    const pupil = await pupilOfEnte(db, office.ente.id, pupilId);
    return { pupil, documents: await documentsOf(db, office.ente.id, pupilId), today: today() };
  }

  /** The problems of a request's values that need no database (by form field). */
  function inputProblems(input: DietInput): Record<string, string> {
    const problems: Record<string, string> = {};
    if (!DIET_CODES.includes(input.dietCode)) problems.dieta = 'choose';
    if (!DIET_KINDS.includes(input.kind)) problems.tipo = 'choose';
    const reason = input.reason.trim();
    if (input.kind === 'medical' && reason.length < 3) problems.motivo = 'reasonRequired';
    if (reason.length > 1000) problems.motivo = 'tooLong';
    if (input.declaredOn !== null && input.declaredOn > today()) problems.dichiarazione_del = 'dateFuture';
    return problems;
  }

  /** The document chosen among the pupil's, checked to fit the kind of diet. */
  async function checkDocument(trx: Kysely<DB>, enteId: number, pupilId: number, input: DietInput): Promise<void> {
    if (input.certificateAttachmentId === null) return;
    const chosen = (await documentsOf(trx, enteId, pupilId)).find((d) => d.id === input.certificateAttachmentId);
    if (!chosen) throw new InvalidInputError({ documento: 'documentNotOfPupil' });
    if (input.kind === 'medical' && chosen.kind !== 'certificato-medico') throw new InvalidInputError({ documento: 'notACertificate' });
  }

  /**
   * Records a request. A document uploaded with it is filed among the pupil's attachments (a certificate
   * for a medical diet, otherwise "altro") in the same transaction; a document already filed may be named
   * instead. Problems by form field.
   */
  async function record(office: OperatorContext, pupilId: number, input: DietInput, document?: DietDocument): Promise<number> {
    requirePermission(office, 'diets.manage');
    const problems = inputProblems(input);
    if (document && input.certificateAttachmentId !== null) problems.documento = 'documentTwice';
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
    const reason = input.reason.trim();
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      await pupilOfEnte(tx.db, enteId, pupilId);
      await checkDocument(tx.db, enteId, pupilId, input);
      let certificateId = input.certificateAttachmentId;
      if (document) {
        try {
          const filed = await attachments.uploadWithin(tx.db, office, { kind: 'pupil', id: pupilId }, {
            title: document.title,
            kind: input.kind === 'medical' ? 'certificato-medico' : 'altro',
            visibleToParent: false,
            fileName: document.fileName,
            content: document.content,
          });
          certificateId = filed.id;
        } catch (error) {
          // The file's problem is the form's file field.
          if (error instanceof InvalidInputError && 'file' in error.problems) throw new InvalidInputError({ file: String(error.problems.file) });
          throw error;
        }
      }
      const now = clock.now().toISOString();
      const row = await tx.db
        .insertInto('pupil_diet')
        .values({
          ente_id: enteId, pupil_id: pupilId, diet_code: input.dietCode, kind: input.kind, reason, certificate_attachment_id: certificateId,
          declared_on: input.declaredOn, state: 'richiesta', approved_from: null, approved_to: null, approved_by: null, approved_at: null,
          recorded_by: office.operator.fiscalCode, created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeChange(tx.db, clock, office, { action: 'office.diet.record', subjectType: 'pupil_diet', subjectId: row.id, before: null, after: described(row) });
      return row.id;
    });
  }

  /**
   * Corrects a diet's values from the version its form was made from: everything while it is a request;
   * once approved only the reason, the document and the declaration's day (its code and kind were what the
   * days already booked were cooked by). A refused or ended diet is no longer edited.
   */
  async function edit(office: OperatorContext, dietId: number, version: number, input: DietInput): Promise<void> {
    requirePermission(office, 'diets.manage');
    const problems = inputProblems(input);
    if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const row = await forChange(tx.db, office, dietId, version);
      if (row.state !== 'richiesta' && row.state !== 'approvata') throw new InvalidInputError({ motivo: 'notEditable' });
      if (row.state === 'approvata' && input.dietCode !== row.diet_code) throw new InvalidInputError({ dieta: 'fixedOnceApproved' });
      if (row.state === 'approvata' && input.kind !== row.kind) throw new InvalidInputError({ tipo: 'fixedOnceApproved' });
      await checkDocument(tx.db, enteId, row.pupil_id, input);
      if (row.state === 'approvata' && row.kind === 'medical' && input.certificateAttachmentId === null) throw new InvalidInputError({ documento: 'certificateMissing' });
      const after = {
        ...row, diet_code: input.dietCode, kind: input.kind, reason: input.reason.trim(), certificate_attachment_id: input.certificateAttachmentId, declared_on: input.declaredOn,
      };
      await updateVersioned(tx.db, 'pupil_diet', { id: row.id, enteId, version }, {
        diet_code: after.diet_code, kind: after.kind, reason: after.reason, certificate_attachment_id: after.certificate_attachment_id, declared_on: after.declared_on,
      });
      await writeChange(tx.db, clock, office, { action: 'office.diet.edit', subjectType: 'pupil_diet', subjectId: row.id, before: described(row), after: described(after) });
    });
  }

  /** Loads a diet for a change from the version its form was made from; someone else's save since is a conflict. */
  async function forChange(trx: Kysely<DB>, office: OperatorContext, dietId: number, version: number): Promise<DietRow> {
    const row = await dietOf(trx, office.ente.id, dietId);
    if (row.version !== version) throw new ConflictError(row);
    return row;
  }

  /**
   * Approves a request from `from` to `to` (null: until ended). The first day must come after every day
   * already frozen (their attendance keeps the diet it was booked with), and the range must not overlap
   * another approved diet of the pupil: the diet of a day is one. A medical diet needs its certificate; an
   * ethical or religious one the family's declaration (its day, or a document).
   */
  async function approve(office: OperatorContext, dietId: number, version: number, range: { from: string; to: string | null }): Promise<void> {
    requirePermission(office, 'diets.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const before = await dietOf(tx.db, enteId, dietId);
      // Takes the pupil's row first, so two approvals of one pupil's diets are checked one after the other.
      await tx.db.updateTable('pupil').set((eb) => ({ version: eb.ref('version') })).where('id', '=', before.pupil_id).where('ente_id', '=', enteId).execute();
      const row = await forChange(tx.db, office, dietId, version);
      const problems: Record<string, string> = {};
      if (row.state !== 'richiesta') problems.dal = 'notARequest';
      if (row.kind === 'medical' && row.certificate_attachment_id === null) problems.dal = 'certificateMissing';
      if (row.kind !== 'medical' && row.certificate_attachment_id === null && row.declared_on === null) problems.dal = 'declarationMissing';
      const lastFrozen = await lastFrozenDay(tx.db, enteId);
      if (!problems.dal && lastFrozen !== null && range.from <= lastFrozen) problems.dal = 'dateNotAfterFrozen';
      if (range.to !== null && range.to < range.from) problems.al = 'rangeReversed';
      if (Object.keys(problems).length === 0) {
        const overlapping = await tx.db
          .selectFrom('pupil_diet')
          .select(['id', 'approved_from', 'approved_to'])
          .where('pupil_id', '=', row.pupil_id)
          .where('id', '<>', row.id)
          .where('state', 'in', [sql.lit<'approvata'>('approvata'), sql.lit<'terminata'>('terminata')])
          .where((eb) => eb.or([eb('approved_to', 'is', null), eb('approved_to', '>=', range.from)]))
          .$if(range.to !== null, (q) => q.where('approved_from', '<=', range.to!))
          .executeTakeFirst();
        if (overlapping) problems.dal = 'overlapsApproved';
      }
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const after = { ...row, state: 'approvata' as const, approved_from: range.from, approved_to: range.to, approved_by: office.operator.fiscalCode, approved_at: clock.now().toISOString() };
      await updateVersioned(tx.db, 'pupil_diet', { id: row.id, enteId, version }, {
        state: after.state, approved_from: after.approved_from, approved_to: after.approved_to, approved_by: after.approved_by, approved_at: after.approved_at,
      });
      await writeChange(tx.db, clock, office, { action: 'office.diet.approve', subjectType: 'pupil_diet', subjectId: row.id, before: described(row), after: described(after) });
    });
  }

  /** Refuses a request: it stays on the pupil's page, never in force. */
  async function refuse(office: OperatorContext, dietId: number, version: number): Promise<void> {
    requirePermission(office, 'diets.manage');
    await transaction(db, async (tx) => {
      const row = await forChange(tx.db, office, dietId, version);
      if (row.state !== 'richiesta') throw new InvalidInputError({ respingi: 'notARequest' });
      const after = { ...row, state: 'respinta' as const };
      await updateVersioned(tx.db, 'pupil_diet', { id: row.id, enteId: office.ente.id, version }, { state: after.state });
      await writeChange(tx.db, clock, office, { action: 'office.diet.refuse', subjectType: 'pupil_diet', subjectId: row.id, before: described(row), after: described(after) });
    });
  }

  /**
   * Ends an approved diet: `lastDay` is its last day. Days already frozen keep the diet they were booked
   * with, so the last day cannot come before the last frozen day; a diet not started yet may end the day
   * before its first (it is then never in force). Only shortens: a longer diet is a new approval.
   */
  async function end(office: OperatorContext, dietId: number, version: number, lastDay: string): Promise<void> {
    requirePermission(office, 'diets.manage');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const row = await forChange(tx.db, office, dietId, version);
      const problems: Record<string, string> = {};
      const lastFrozen = await lastFrozenDay(tx.db, enteId);
      if (row.state !== 'approvata' || row.approved_from === null) problems.ultimo_giorno = 'notApproved';
      else if (lastDay < addDays(row.approved_from, -1)) problems.ultimo_giorno = 'endBeforeStart';
      else if (row.approved_to !== null && lastDay >= row.approved_to) problems.ultimo_giorno = 'endNotEarlier';
      // A diet that starts after the last frozen day may end the day before it starts, which is never before that day.
      else if (lastFrozen !== null && lastDay < lastFrozen) problems.ultimo_giorno = 'endBeforeFrozen';
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      const after = { ...row, state: 'terminata' as const, approved_to: lastDay };
      await updateVersioned(tx.db, 'pupil_diet', { id: row.id, enteId, version }, { state: after.state, approved_to: after.approved_to });
      await writeChange(tx.db, clock, office, { action: 'office.diet.end', subjectType: 'pupil_diet', subjectId: row.id, before: described(row), after: described(after) });
    });
  }

  /**
   * The sheet of a school's day for the serving staff: by class, the pupils booked at the canteen of that
   * school on that day (the school of the enrolment's term in force, as the freeze books them), in their
   * class of that day, with the diet in force. Name and diet only, for every role.
   */
  async function sheet(office: OperatorContext, schoolId: number, date: string) {
    requirePermission(office, 'diets.read');
    const enteId = office.ente.id;
    const school = await db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).where('id', '=', schoolId).executeTakeFirst();
    if (!school) throw new NotFoundError('school');
    const diet = dietInForce('e.pupil_id', date);
    const rows = await sql<{ pupilId: number; givenName: string; familyName: string; className: string; dietCode: DietCode }>`
      select distinct e.pupil_id as "pupilId", child.given_name as "givenName", child.family_name as "familyName", ${classOnDayAt('e.id', 'p', schoolId, date)} as "className",
             ${diet} as "dietCode"
      from enrolment e
      join service s on s.id = e.service_id and s.kind = 'refezione'
      join pupil p on p.id = e.pupil_id
      join person child on child.id = p.person_id
      where e.ente_id = ${enteId} and e.state in ('attiva', 'cessata')
        and e.starts_on <= ${date} and (e.ends_on is null or e.ends_on >= ${date})
        and (e.school_id = ${schoolId} or e.id in (select t.enrolment_id from enrolment_term t where t.school_id = ${schoolId}))
        and ${termInForce('school_id', 'e', date)} = ${schoolId}
        and ${diet} is not null
      order by "className", "familyName", "givenName", "pupilId"`.execute(db);
    audit.record({ enteId, actorFiscalCode: office.operator.fiscalCode, action: 'office.diets.sheet.view', subjectType: 'school', subjectId: schoolId, requestId: office.requestId });
    const classes = [...Map.groupBy(rows.rows, (row) => row.className)].map(([className, pupils]) => ({
      className,
      pupils: pupils.map(({ className: _, ...pupil }) => pupil),
    }));
    return { school, date, classes };
  }

  return { today, readsReasons, schools, list, ofPupil, one, requestForm, record, edit, approve, refuse, end, sheet };
}

export type DietListRow = {
  id: number;
  pupilId: number;
  dietCode: DietCode;
  state: DietState;
  approvedFrom: string | null;
  approvedTo: string | null;
  givenName: string;
  familyName: string;
  schoolName: string;
  className: string;
  shownState: ShownDietState;
};

export type DietService = ReturnType<typeof createDietService>;
export type PupilDiets = Awaited<ReturnType<DietService['ofPupil']>>;
