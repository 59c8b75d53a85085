import { type Kysely, type RawBuilder, sql } from 'kysely';
import { decodeCursor, encodeCursor, type Page } from '../../db/pagination';
import type { DB } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { openDocument } from '../billing/open-documents';
import { addDays, daysBetween, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';

/** Rows on a page of the debtors list. */
export const DEBTORS_PAGE = 50;

/** The columns the list sorts by, as they travel in the address (`?ordina=`). */
export const DEBTOR_SORTS = ['nome', 'scaduto', 'a_scadere', 'ritardo', 'documenti'] as const;
export type DebtorSort = (typeof DEBTOR_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

/** The list's filters: all optional; amounts in cents, the age in days of the oldest overdue document. */
export interface DebtorFilters {
  serviceId?: number;
  schoolId?: number;
  minOverdueCents?: number;
  minDaysOverdue?: number;
}

export interface DebtorOrder {
  sort: DebtorSort;
  direction: SortDirection;
}

export const DEFAULT_ORDER: DebtorOrder = { sort: 'scaduto', direction: 'desc' };

/** One holder (intestatario) with what is open across their pupils and services, in integer cents. */
export interface DebtorRow {
  personId: number;
  fiscalCode: string;
  givenName: string;
  familyName: string;
  overdueCents: number;
  notDueCents: number;
  /** Overdue by 1–30, 31–90, 91–365 and more than 365 days. */
  ageing: [number, number, number, number];
  /** Open documents, overdue or not yet due. */
  documents: number;
  /** The due date of the oldest overdue document. */
  oldestDueDate: string;
  /** The run day of the holder's latest reminder (solleciti, any step), or null: none yet. */
  lastReminder: string | null;
}

/** The filters on documents (alias `d` or `n`, a constant of our code): the document's service, the pupil's school. */
function documentFilters(alias: 'd' | 'n', filters: DebtorFilters): RawBuilder<boolean>[] {
  const where: RawBuilder<boolean>[] = [];
  if (filters.serviceId !== undefined) where.push(sql<boolean>`${sql.ref(`${alias}.service_id`)} = ${filters.serviceId}`);
  if (filters.schoolId !== undefined) {
    where.push(sql<boolean>`exists (select 1 from pupil as p where p.id = ${sql.ref(`${alias}.pupil_id`)} and p.school_id = ${filters.schoolId})`);
  }
  return where;
}

/**
 * What each holder with something overdue owes: a document counts for the pupil's intestatario (the payer,
 * one per pupil: migration 0016), whatever the relation of other adults who may also see it. Filters by
 * service and school narrow the documents before they are summed.
 *
 * Read in three steps so that the work follows the arrears, not the ente: the overdue documents summed per
 * pupil (one pass over the partial index of open documents, in its order), those pupils' sums per
 * intestatario, then — only for those holders — what their pupils have open and not yet due.
 */
function openByHolder(db: Kysely<DB>, enteId: number, today: string, filters: DebtorFilters) {
  const bounds = { d30: addDays(today, -30), d90: addDays(today, -90), d365: addDays(today, -365) };
  const sumWhen = (condition: RawBuilder<unknown>) => sql<number>`sum(case when ${condition} then d.total_cents else 0 end)`;
  let overdue = db.selectFrom('document as d').where('d.ente_id', '=', enteId).where(openDocument('d')).where('d.due_date', '<', today);
  for (const where of documentFilters('d', filters)) overdue = overdue.where(where);
  const perPupil = overdue.groupBy('d.pupil_id').select([
    'd.pupil_id as pupilId',
    sql<number>`sum(d.total_cents)`.as('overdueCents'),
    sumWhen(sql`d.due_date >= ${bounds.d30}`).as('age1'),
    sumWhen(sql`d.due_date < ${bounds.d30} and d.due_date >= ${bounds.d90}`).as('age2'),
    sumWhen(sql`d.due_date < ${bounds.d90} and d.due_date >= ${bounds.d365}`).as('age3'),
    sumWhen(sql`d.due_date < ${bounds.d365}`).as('age4'),
    sql<number>`count(*)`.as('documents'),
    sql<string>`min(d.due_date)`.as('oldestDueDate'),
  ]);
  const perHolder = db
    .selectFrom(perPupil.as('op'))
    .innerJoin('pupil_holder as ph', (join) => join.onRef('ph.pupil_id', '=', 'op.pupilId').on('ph.relation', '=', sql.lit('intestatario')))
    .groupBy('ph.person_id')
    .select([
      'ph.person_id as personId',
      sql<number>`sum(op.${sql.ref('overdueCents')})`.as('overdueCents'),
      sql<number>`sum(op.age1)`.as('age1'),
      sql<number>`sum(op.age2)`.as('age2'),
      sql<number>`sum(op.age3)`.as('age3'),
      sql<number>`sum(op.age4)`.as('age4'),
      sql<number>`sum(op.documents)`.as('overdueDocuments'),
      sql<string>`min(op.${sql.ref('oldestDueDate')})`.as('oldestDueDate'),
    ]);
  const notDue = (what: RawBuilder<number>) => {
    let query = db
      .selectFrom('pupil_holder as ph2')
      .innerJoin('document as n', 'n.pupil_id', 'ph2.pupil_id')
      .select(what.as('value'))
      .whereRef('ph2.person_id', '=', sql.ref('h.personId'))
      .where('ph2.relation', '=', sql.lit('intestatario'))
      .where('n.ente_id', '=', enteId)
      .where(openDocument('n'))
      .where('n.due_date', '>=', today);
    for (const where of documentFilters('n', filters)) query = query.where(where);
    return query;
  };
  return db
    .selectFrom(perHolder.as('h'))
    .select((eb) => [
      'h.personId', 'h.overdueCents', 'h.age1', 'h.age2', 'h.age3', 'h.age4', 'h.oldestDueDate',
      eb.fn.coalesce(notDue(sql<number>`sum(n.total_cents)`), sql.lit(0)).as('notDueCents'),
      sql<number>`h.${sql.ref('overdueDocuments')} + (${notDue(sql<number>`count(*)`)})`.as('documents'),
    ]);
}

/** The sort key of each column: its expression on the outer query, and the key's parts of a row. */
const SORT_KEYS: Record<DebtorSort, { refs: string[]; types: ('string' | 'number')[]; of: (row: DebtorRow) => (string | number)[]; invert?: boolean }> = {
  nome: { refs: ['person.family_name', 'person.given_name', 'o.personId'], types: ['string', 'string', 'number'], of: (r) => [r.familyName, r.givenName, r.personId] },
  scaduto: { refs: ['o.overdueCents', 'o.personId'], types: ['number', 'number'], of: (r) => [r.overdueCents, r.personId] },
  a_scadere: { refs: ['o.notDueCents', 'o.personId'], types: ['number', 'number'], of: (r) => [r.notDueCents, r.personId] },
  // More days late is an older due date: "descending delay" sorts the due dates ascending.
  ritardo: { refs: ['o.oldestDueDate', 'o.personId'], types: ['string', 'number'], of: (r) => [r.oldestDueDate, r.personId], invert: true },
  documenti: { refs: ['o.documents', 'o.personId'], types: ['number', 'number'], of: (r) => [r.documents, r.personId] },
};

/**
 * The debtors list's one query, behind the page and the exports alike: the holders with something overdue,
 * with the filters, in the order asked, after a keyset cursor, `limit` rows (all without), each with the day
 * of the holder's latest reminder (solleciti).
 *
 * Sorted by an amount, a count or the delay, the page is chosen from the sums alone and only its rows are
 * joined to their persons; sorted by name, every debtor's name is needed first.
 */
function debtorQuery(db: Kysely<DB>, enteId: number, today: string, filters: DebtorFilters, order: DebtorOrder, after?: readonly (string | number)[], limit?: number) {
  const key = SORT_KEYS[order.sort];
  const ascending = (order.direction === 'asc') !== Boolean(key.invert);
  const byName = order.sort === 'nome';
  const refs = (refs: string[]) => (byName ? refs : refs.map((ref) => ref.replace(/^o\./, 'h.')));
  let sums = db
    .selectFrom(openByHolder(db, enteId, today, filters).as('h'))
    .selectAll('h')
    .where('h.overdueCents', '>', 0);
  if (filters.minOverdueCents !== undefined) sums = sums.where('h.overdueCents', '>=', filters.minOverdueCents);
  if (filters.minDaysOverdue !== undefined) sums = sums.where('h.oldestDueDate', '<=', addDays(today, -filters.minDaysOverdue));
  const keyset = <Q extends { where(expression: RawBuilder<boolean>): Q }>(query: Q, parts: string[]): Q => {
    if (!after) return query;
    const columns = sql.join(parts.map((ref) => sql.ref(ref)));
    const values = sql.join(after.map((value) => sql`${value}`));
    return query.where(ascending ? sql<boolean>`(${columns}) > (${values})` : sql<boolean>`(${columns}) < (${values})`);
  };
  if (!byName) {
    sums = keyset(sums, refs(key.refs));
    for (const ref of refs(key.refs)) sums = sums.orderBy(sql.ref(ref), ascending ? 'asc' : 'desc');
    if (limit !== undefined) sums = sums.limit(limit);
  }
  let query = db
    .selectFrom(sums.as('o'))
    .innerJoin('person', 'person.id', 'o.personId')
    .select([
      'o.personId', 'person.fiscal_code as fiscalCode', 'person.given_name as givenName', 'person.family_name as familyName',
      'o.overdueCents', 'o.notDueCents', 'o.age1', 'o.age2', 'o.age3', 'o.age4', 'o.documents', 'o.oldestDueDate',
      // The day of the holder's latest reminder (reminder_holder: one index range per row of the page).
      sql<string | null>`(select max(r.run_date) from reminder r where r.ente_id = ${enteId} and r.holder_person_id = o."personId")`.as('lastReminder'),
    ]);
  if (byName) query = keyset(query, key.refs);
  for (const ref of key.refs) query = query.orderBy(sql.ref(ref), ascending ? 'asc' : 'desc');
  return byName && limit !== undefined ? query.limit(limit) : query;
}

type RawDebtor = Awaited<ReturnType<ReturnType<typeof debtorQuery>['execute']>>[number];

function toRow(raw: RawDebtor): DebtorRow {
  return {
    personId: Number(raw.personId),
    fiscalCode: raw.fiscalCode,
    givenName: raw.givenName,
    familyName: raw.familyName,
    overdueCents: Number(raw.overdueCents),
    notDueCents: Number(raw.notDueCents),
    ageing: [Number(raw.age1), Number(raw.age2), Number(raw.age3), Number(raw.age4)],
    documents: Number(raw.documents),
    oldestDueDate: raw.oldestDueDate,
    lastReminder: raw.lastReminder,
  };
}

/** An open document of a holder's statement. */
export interface StatementDocument {
  id: number;
  year: number;
  number: number;
  period: string;
  issueDate: string;
  dueDate: string;
  totalCents: number;
  serviceName: string;
  pupilGivenName: string;
  pupilFamilyName: string;
  overdue: boolean;
  daysOverdue: number;
}

/**
 * The debtors (issue 15 point 1, decision 0026): /{ente}/ufficio/morosi — who owes what, by holder, with
 * its ageing, the exports of the same list, and a holder's statement across pupils. Read-only.
 */
export function createDebtorService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  const today = () => romeDate(clock.now());

  /** The services and schools the filters offer. */
  async function choices(office: OperatorContext) {
    requirePermission(office, 'debtors.read');
    const [services, schools] = await Promise.all([
      db.selectFrom('service').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').execute(),
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').execute(),
    ]);
    return { services, schools };
  }

  /** One page of the list; a cursor that does not fit the order asked starts from the first page. */
  async function page(office: OperatorContext, filters: DebtorFilters, order: DebtorOrder, cursor?: string): Promise<Page<DebtorRow> & { today: string }> {
    requirePermission(office, 'debtors.read');
    const key = SORT_KEYS[order.sort];
    const after = cursor ? decodeCursor(cursor, key.types) : undefined;
    const day = today();
    const raw = await debtorQuery(db, office.ente.id, day, filters, order, after, DEBTORS_PAGE + 1).execute();
    const rows = raw.map(toRow);
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.debtors.view', subjectType: 'ente', subjectId: office.ente.id, requestId: office.requestId });
    if (rows.length <= DEBTORS_PAGE) return { rows, today: day };
    const shown = rows.slice(0, DEBTORS_PAGE);
    return { rows: shown, next: encodeCursor(key.of(shown[shown.length - 1]!)), today: day };
  }

  /** Every row of the list with these filters and order: the exports. */
  async function all(office: OperatorContext, filters: DebtorFilters, order: DebtorOrder): Promise<{ rows: DebtorRow[]; today: string }> {
    requirePermission(office, 'debtors.read');
    const day = today();
    const raw = await debtorQuery(db, office.ente.id, day, filters, order).execute();
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.debtors.export', subjectType: 'ente', subjectId: office.ente.id, requestId: office.requestId });
    return { rows: raw.map(toRow), today: day };
  }

  /**
   * A holder's statement across pupils: every open document of the pupils they are the intestatario of,
   * oldest due first, with the totals the list shows. 404 for a person who is no intestatario of the ente.
   */
  async function statement(office: OperatorContext, personId: number) {
    requirePermission(office, 'debtors.read');
    const enteId = office.ente.id;
    const holder = await db
      .selectFrom('person')
      .select(['id', 'fiscal_code as fiscalCode', 'given_name as givenName', 'family_name as familyName', 'address', 'postcode', 'city', 'province'])
      .where('ente_id', '=', enteId)
      .where('id', '=', personId)
      .where((eb) => eb.exists(eb.selectFrom('pupil_holder as ph').select(sql.lit(1).as('one')).whereRef('ph.person_id', '=', 'person.id').where('ph.relation', '=', sql.lit('intestatario'))))
      .executeTakeFirst();
    if (!holder) throw new NotFoundError('holder');
    const day = today();
    const rows = await db
      .selectFrom('document as d')
      .innerJoin('pupil_holder as ph', (join) => join.onRef('ph.pupil_id', '=', 'd.pupil_id').on('ph.relation', '=', sql.lit('intestatario')))
      .innerJoin('service as s', 's.id', 'd.service_id')
      .innerJoin('pupil as p', 'p.id', 'd.pupil_id')
      .innerJoin('person as child', 'child.id', 'p.person_id')
      .select([
        'd.id', 'd.year', 'd.number', 'd.period', 'd.issue_date as issueDate', 'd.due_date as dueDate', 'd.total_cents as totalCents', 's.name as serviceName',
        'child.given_name as pupilGivenName', 'child.family_name as pupilFamilyName',
      ])
      .where('d.ente_id', '=', enteId)
      .where('ph.person_id', '=', holder.id)
      .where(openDocument('d'))
      .orderBy('d.due_date')
      .orderBy('d.id')
      .execute();
    const documents: StatementDocument[] = rows.map((row) => {
      const overdue = row.dueDate < day;
      return { ...row, overdue, daysOverdue: overdue ? daysBetween(row.dueDate, day) : 0 };
    });
    const overdueCents = documents.filter((d) => d.overdue).reduce((sum, d) => sum + d.totalCents, 0);
    const notDueCents = documents.filter((d) => !d.overdue).reduce((sum, d) => sum + d.totalCents, 0);
    audit.record({ enteId, actorFiscalCode: office.operator.fiscalCode, action: 'office.debtors.statement', subjectType: 'person', subjectId: holder.id, requestId: office.requestId });
    return { holder, today: day, documents, overdueCents, notDueCents };
  }

  return { choices, page, all, statement };
}

export type DebtorService = ReturnType<typeof createDebtorService>;
export type DebtorStatement = Awaited<ReturnType<DebtorService['statement']>>;
export type DebtorChoices = Awaited<ReturnType<DebtorService['choices']>>;
