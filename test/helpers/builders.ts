import type { Kysely } from 'kysely';
import type { DB, OperatorRole, PaymentMode, PupilRelation, ServiceKind } from '../../src/db/schema';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { searchKeyOf } from '../../src/domain/registry/search-key';

/**
 * Test data in a line (DESIGN §8): a person, a family, an enrolment, an operator, on top of any ente
 * (the demo's, or one a test makes), so that a test says what it needs instead of leaning on the seed.
 * Every name is fictitious; fiscal codes are valid (check character included) and unique per run.
 */

let sequence = 0;
const GIVEN = ['Anna', 'Bruno', 'Carla', 'Dario', 'Elena', 'Fabio', 'Gaia', 'Ivo', 'Lia', 'Marco', 'Nora', 'Oscar'];
const FAMILY = ['Ferri', 'Galli', 'Conti', 'Testa', 'Marini', 'Sala', 'Villa', 'Costa', 'Fabbri', 'Monti'];

export interface BuiltPerson {
  id: number;
  fiscalCode: string;
  givenName: string;
  familyName: string;
}

export async function enteIdOf(db: Kysely<DB>, slug = 'demo'): Promise<number> {
  return (await db.selectFrom('ente').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

/** A person of the ente with a valid, unique fiscal code; any field can be given. */
export async function buildPerson(
  db: Kysely<DB>,
  enteId: number,
  fields: Partial<{ givenName: string; familyName: string; sex: 'F' | 'M'; birthDate: string; email: string | null }> = {},
): Promise<BuiltPerson> {
  const n = ++sequence;
  const givenName = fields.givenName ?? GIVEN[n % GIVEN.length]!;
  const familyName = fields.familyName ?? FAMILY[(n * 7) % FAMILY.length]!;
  const sex = fields.sex ?? (n % 2 ? 'F' : 'M');
  // Day and year vary with the sequence (and the process), so two builders never make one code.
  // Born 1960–1999: an adult on every day the tests use (a holder must be; 2009 made one a minor, by the pid).
  const year = 1960 + ((n + process.pid) % 40);
  const birthDate = fields.birthDate ?? `${year}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + ((n * 3 + process.pid) % 28)).padStart(2, '0')}`;
  const place = `H${String(100 + ((n * 37 + process.pid) % 900)).padStart(3, '0')}`;
  const fiscalCode = fiscalCodeFor({ familyName, givenName, sex, birthDate, placeCode: place });
  const row = await db
    .insertInto('person')
    .values({
      ente_id: enteId,
      fiscal_code: fiscalCode,
      given_name: givenName,
      family_name: familyName,
      search_key: searchKeyOf({ givenName, familyName }),
      sex,
      birth_date: birthDate,
      birth_place: 'Roma',
      address: `Via della Prova ${n}`,
      postcode: '00100',
      city: 'Roma',
      province: 'RM',
      email: fields.email === undefined ? `famiglia${n}@esempio.invalid` : fields.email,
      phone: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, fiscalCode, givenName, familyName };
}

export interface BuiltPupil extends BuiltPerson {
  pupilId: number;
  schoolId: number;
}

/** A child of the ente at a school (the ente's first by default), with the adults linked to it. */
export async function buildPupil(
  db: Kysely<DB>,
  enteId: number,
  adults: { person: BuiltPerson; relation: PupilRelation }[],
  fields: Partial<{ schoolId: number; className: string; givenName: string; familyName: string }> = {},
): Promise<BuiltPupil> {
  const schoolId =
    fields.schoolId ?? (await db.selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow()).id;
  const child = await buildPerson(db, enteId, { givenName: fields.givenName, familyName: fields.familyName, birthDate: '2018-05-10' });
  const pupil = await db
    .insertInto('pupil')
    .values({ ente_id: enteId, person_id: child.id, school_id: schoolId, class_name: fields.className ?? '2A' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const adult of adults) {
    await db.insertInto('pupil_holder').values({ ente_id: enteId, pupil_id: pupil.id, person_id: adult.person.id, relation: adult.relation }).execute();
  }
  return { ...child, pupilId: pupil.id, schoolId };
}

/** A holder with `pupils` children (default one), each linked as intestatario. */
export async function buildFamily(db: Kysely<DB>, enteId: number, { pupils = 1 } = {}) {
  const holder = await buildPerson(db, enteId);
  const children: BuiltPupil[] = [];
  for (let i = 0; i < pupils; i++) {
    children.push(await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { familyName: holder.familyName }));
  }
  return { holder, pupils: children };
}

/** An enrolment of a pupil in a service of the ente (the canteen of its current school year by default). */
export async function buildEnrolment(
  db: Kysely<DB>,
  enteId: number,
  pupil: BuiltPupil,
  holder: BuiltPerson,
  fields: Partial<{ serviceKind: ServiceKind; schoolYearLabel: string; startsOn: string; paymentMode: PaymentMode }> = {},
): Promise<number> {
  const service = await db
    .selectFrom('service')
    .select('id')
    .where('ente_id', '=', enteId)
    .where('kind', '=', fields.serviceKind ?? 'refezione')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const yearQuery = db.selectFrom('school_year').select(['id', 'starts_on']).where('ente_id', '=', enteId);
  const year = await (fields.schoolYearLabel ? yearQuery.where('label', '=', fields.schoolYearLabel) : yearQuery.orderBy('starts_on', 'desc')).executeTakeFirstOrThrow();
  const tariff = await db
    .selectFrom('tariff')
    .select('id')
    .where('ente_id', '=', enteId)
    .where('service_id', '=', service.id)
    .where('school_year_id', '=', year.id)
    .orderBy('isee_min_cents')
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('enrolment')
    .values({
      ente_id: enteId,
      pupil_id: pupil.pupilId,
      service_id: service.id,
      school_year_id: year.id,
      school_id: pupil.schoolId,
      holder_person_id: holder.id,
      tariff_id: tariff.id,
      state: 'attiva',
      starts_on: fields.startsOn ?? year.starts_on,
      ends_on: null,
      payment_mode: fields.paymentMode ?? 'pagopa',
      debit_iban: null,
      invoice_recipient: `${holder.givenName} ${holder.familyName}`,
      invoice_address: 'Via della Prova 1, 00100 Roma (RM)',
      invoice_email: null,
      reduction_note: null,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An operator of the ente with a role (and a school for `scuola`); log in with `browser.login(op.fiscalCode)`. */
export async function buildOperator(db: Kysely<DB>, enteId: number, role: OperatorRole, schoolId: number | null = null): Promise<BuiltPerson> {
  const n = ++sequence;
  const givenName = GIVEN[(n * 5) % GIVEN.length]!;
  const familyName = `Operatore${String.fromCharCode(65 + (n % 26))}`;
  const fiscalCode = fiscalCodeFor({ familyName, givenName, sex: 'M', birthDate: `1975-03-${String(1 + ((n + process.pid) % 28)).padStart(2, '0')}`, placeCode: 'F205' });
  const row = await db
    .insertInto('operator')
    .values({ ente_id: enteId, fiscal_code: fiscalCode, given_name: givenName, family_name: familyName, role, school_id: role === 'scuola' ? schoolId : null, active: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, fiscalCode, givenName, familyName };
}

/**
 * A special diet of a pupil approved from `from` (to `to`, or until ended), as the office leaves it
 * (decision 0024): the freeze and the Refezione read it for the days it holds.
 */
export async function buildApprovedDiet(
  db: Kysely<DB>,
  enteId: number,
  pupil: { pupilId: number },
  dietCode: DB['pupil_diet']['diet_code'],
  from: string,
  to: string | null = null,
): Promise<number> {
  const now = new Date().toISOString();
  const row = await db
    .insertInto('pupil_diet')
    .values({
      ente_id: enteId, pupil_id: pupil.pupilId, diet_code: dietCode, kind: dietCode === 'vegetariana' ? 'ethical' : dietCode === 'senza-maiale' ? 'religious' : 'medical',
      reason: 'Dieta di prova', certificate_attachment_id: null, declared_on: null, state: 'approvata', approved_from: from, approved_to: to,
      approved_by: 'test', approved_at: now, recorded_by: 'test', created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
