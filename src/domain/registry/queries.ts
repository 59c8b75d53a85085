import { NotFoundError } from '../errors';
import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared';
import { termInForce } from './terms';
import type { DB } from '../../db/schema';

/**
 * Plain queries of the registry. Every one takes the ente: no personal data is read across tenants.
 * Those on every page view are `prepared` (compiled once); the others are built per call.
 */

export function listEnti(db: Kysely<DB>) {
  return db.selectFrom('ente').selectAll().orderBy('name').execute();
}

const enteBySlugQuery = prepared((db: Kysely<DB>, slug: string) => db.selectFrom('ente').selectAll().where('slug', '=', slug));

/** Read on every request under /{ente}/ (decision 0016): compiled once. */
export async function findEnteBySlug(db: Kysely<DB>, slug: string) {
  return (await enteBySlugQuery(db, slug))[0];
}

/**
 * The ente and, in the same statement, the caller's active operator row in it (none for '' — no fiscal
 * code is empty): every request of a logged-in user under /{ente}/ needs both, and on PostgreSQL a
 * statement costs about 0.2 ms of the two processes' CPU whatever it reads (bench/RESULTS.md).
 */
const enteWithOperatorQuery = prepared((db: Kysely<DB>, slug: string, fiscalCode: string) =>
  db
    .selectFrom('ente')
    .leftJoin('operator as o', (join) => join.onRef('o.ente_id', '=', 'ente.id').on('o.fiscal_code', '=', fiscalCode).on('o.active', '=', sql.lit(1)))
    .selectAll('ente')
    .select(['o.id as operator_id', 'o.role as operator_role', 'o.given_name as operator_given_name', 'o.family_name as operator_family_name', 'o.school_id as operator_school_id'])
    .where('ente.slug', '=', slug),
);

export async function findEnteWithOperator(db: Kysely<DB>, slug: string, fiscalCode: string) {
  const row = (await enteWithOperatorQuery(db, slug, fiscalCode))[0];
  if (!row) return undefined;
  const { operator_id: id, operator_role: role, operator_given_name: givenName, operator_family_name: familyName, operator_school_id: schoolId, ...ente } = row;
  return { ente, operator: id === null || role === null ? undefined : { id, role, givenName: givenName!, familyName: familyName!, schoolId } };
}

/** What a pupil page shows of the pupil (joined as `pupil`, `child` its person, `school`): one list for the portal and the office. */
const PUPIL_SUMMARY = [
  'pupil.id as id',
  'child.given_name as givenName',
  'child.family_name as familyName',
  'school.name as schoolName',
  'pupil.class_name as className',
  'child.fiscal_code as fiscalCode',
  'child.sex as sex',
  'child.birth_date as birthDate',
  'child.birth_place as birthPlace',
  'child.address as address',
  'child.postcode as postcode',
  'child.city as city',
  'child.province as province',
] as const;

/** The pupils a person (by fiscal code) is linked to as holder in one ente, with their personal data. */
export const pupilsOfHolder = prepared((db: Kysely<DB>, enteId: number, fiscalCode: string) =>
  db
    .selectFrom('pupil_holder as ph')
    .innerJoin('person as holder', 'holder.id', 'ph.person_id')
    .innerJoin('pupil', 'pupil.id', 'ph.pupil_id')
    .innerJoin('person as child', 'child.id', 'pupil.person_id')
    .innerJoin('school', 'school.id', 'pupil.school_id')
    .select(PUPIL_SUMMARY)
    .where('ph.ente_id', '=', enteId)
    .where('holder.ente_id', '=', enteId)
    .where('holder.fiscal_code', '=', fiscalCode)
    .orderBy('child.given_name')
    .orderBy('pupil.id'),
);

/** One pupil of the ente with the same personal data as `pupilsOfHolder` (the office's view of a pupil). */
export const pupilById = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('pupil')
    .innerJoin('person as child', 'child.id', 'pupil.person_id')
    .innerJoin('school', 'school.id', 'pupil.school_id')
    .select(PUPIL_SUMMARY)
    .where('pupil.ente_id', '=', enteId)
    .where('pupil.id', '=', pupilId),
);

const pupilAccountHolderQuery = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('pupil_holder as ph')
    .innerJoin('person', 'person.id', 'ph.person_id')
    .select([
      'person.fiscal_code as fiscalCode',
      'person.given_name as givenName',
      'person.family_name as familyName',
      'person.sex as sex',
      'person.birth_date as birthDate',
      'person.birth_place as birthPlace',
      'person.address as address',
      'person.postcode as postcode',
      'person.city as city',
      'person.province as province',
      'person.email as email',
      'person.phone as phone',
    ])
    .where('ph.ente_id', '=', enteId)
    .where('ph.pupil_id', '=', pupilId)
    .where('ph.relation', '=', sql.lit('intestatario')),
);

/** The account holder (intestatario) of a pupil; a co-holder sees the holder's data, not their own. */
export async function pupilAccountHolder(db: Kysely<DB>, enteId: number, pupilId: number) {
  return (await pupilAccountHolderQuery(db, enteId, pupilId))[0];
}

/** Every adult linked to a pupil (intestatario, cointestatario, delegato), for the office. */
export function adultsOfPupil(db: Kysely<DB>, enteId: number, pupilId: number) {
  return db
    .selectFrom('pupil_holder as ph')
    .innerJoin('person', 'person.id', 'ph.person_id')
    .select([
      'person.id as personId',
      'ph.relation as relation',
      'person.given_name as givenName',
      'person.family_name as familyName',
      'person.fiscal_code as fiscalCode',
      'person.email as email',
      'person.phone as phone',
    ])
    .where('ph.pupil_id', '=', pupilId)
    .where('ph.ente_id', '=', enteId)
    .orderBy('ph.relation')
    .orderBy('person.family_name')
    .orderBy('person.id')
    .execute();
}

/** A pupil's enrolments with the band in force on `day` (a change from a later date shows from that date, decision 0018). */
export const enrolmentsOfPupil = prepared((db: Kysely<DB>, enteId: number, pupilId: number, day: string) =>
  db
    .selectFrom('enrolment as e')
    .innerJoin('service as s', 's.id', 'e.service_id')
    .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
    .innerJoin('school', 'school.id', 'e.school_id')
    .innerJoin('tariff as t', (join) => join.on('t.id', '=', termInForce('tariff_id', 'e', day)))
    .leftJoin('badge as b', (join) =>
      join.onRef('b.pupil_id', '=', 'e.pupil_id').onRef('b.service_id', '=', 'e.service_id').on('b.active', '=', sql.lit(1)),
    )
    .select([
      'e.id as id',
      's.name as serviceName',
      's.billing as billing',
      'y.label as schoolYear',
      'school.name as schoolName',
      'e.state as state',
      'e.starts_on as startsOn',
      'e.ends_on as endsOn',
      'e.payment_mode as paymentMode',
      'e.debit_iban as debitIban',
      'e.invoice_recipient as invoiceRecipient',
      'e.invoice_address as invoiceAddress',
      'e.invoice_email as invoiceEmail',
      'e.reduction_note as reductionNote',
      'e.holder_person_id as holderPersonId',
      'e.service_id as serviceId',
      'e.school_year_id as schoolYearId',
      't.id as tariffId',
      't.band_label as bandLabel',
      't.unit as tariffUnit',
      't.amount_cents as amountCents',
      'b.code as badgeCode',
    ])
    .where('e.ente_id', '=', enteId)
    .where('e.pupil_id', '=', pupilId)
    .orderBy('y.starts_on', 'desc')
    .orderBy('s.name'),
);

export const attachmentsOfPupil = prepared((db: Kysely<DB>, enteId: number, pupilId: number) =>
  db
    .selectFrom('attachment')
    .select(['id', 'kind', 'title', 'file_name as fileName', 'created_at as createdAt'])
    .where('ente_id', '=', enteId)
    .where('pupil_id', '=', pupilId)
    // Only what the office marked visible to the parents (decision 0019).
    .where('visible_to_parent', '=', sql.lit(1))
    .orderBy('created_at', 'desc'),
);

export function attachmentById(db: Kysely<DB>, enteId: number, attachmentId: number) {
  return db
    .selectFrom('attachment')
    .select(['id', 'pupil_id as pupilId', 'file_name as fileName', 'content_type as contentType', 'visible_to_parent as visibleToParent', 'content'])
    .where('ente_id', '=', enteId)
    .where('id', '=', attachmentId)
    .executeTakeFirst();
}

const activeOperatorQuery = prepared((db: Kysely<DB>, enteId: number, fiscalCode: string) =>
  db
    .selectFrom('operator')
    .select(['id', 'role', 'given_name as givenName', 'family_name as familyName', 'school_id as schoolId'])
    .where('ente_id', '=', enteId)
    .where('fiscal_code', '=', fiscalCode)
    .where('active', '=', sql.lit(1)),
);

export async function activeOperator(db: Kysely<DB>, enteId: number, fiscalCode: string) {
  return (await activeOperatorQuery(db, enteId, fiscalCode))[0];
}

/** A pupil of this ente for the office's forms, with its record's version; 404 for another ente's or none. */
export async function pupilOfEnte(db: Kysely<DB>, enteId: number, pupilId: number) {
  const pupil = await db
    .selectFrom('pupil as p')
    .innerJoin('person as child', 'child.id', 'p.person_id')
    .select(['p.id', 'p.school_id as schoolId', 'p.class_name as className', 'p.version', 'child.given_name as givenName', 'child.family_name as familyName', 'child.fiscal_code as fiscalCode'])
    .where('p.ente_id', '=', enteId)
    .where('child.ente_id', '=', enteId)
    .where('p.id', '=', pupilId)
    .executeTakeFirst();
  if (!pupil) throw new NotFoundError('pupil');
  return pupil;
}
