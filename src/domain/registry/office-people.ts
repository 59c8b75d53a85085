import { type Kysely, sql } from 'kysely';
import type { DB, PupilRelation } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { uniqueViolation } from '../../db/unique-violation';
import { updateVersioned } from '../../db/versioned';
import { type AuditTrail, writeChange } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { type PersonInput, personAuditRecord, personValues } from './person-values';
import { firstDayNotFrozen } from './terms';

/**
 * The office's registry of people (issue 13): persons, pupils and the adults linked to a pupil. Every
 * function takes the operator's context, checks its permission first and reads only the operator's ente;
 * every change is one transaction with its audit event (before and after).
 */

/** A second person with a codice fiscale already in the ente's registry: refused, the existing one offered. */
export class PersonTakenError extends Error {
  constructor(
    /** The form field the code was typed into. */
    readonly field: string,
    readonly existing: { id: number; fiscalCode: string; givenName: string; familyName: string },
  ) {
    super('a person with this fiscal code is already in the registry');
  }
}

/** The relations the office may give to an adult besides the intestatario. */
export const OTHER_RELATIONS = ['cointestatario', 'delegato'] as const satisfies readonly PupilRelation[];
export type OtherRelation = (typeof OTHER_RELATIONS)[number];

/** A person of a form: one already in the registry (by codice fiscale), or a new one with its data. */
export type PersonChoice = { existing: string } | { create: PersonInput };

export interface NewPupil {
  child: PersonChoice;
  holder: PersonChoice;
  schoolId: number;
  className: string;
}

export interface PupilChanges {
  pupilVersion: number;
  personVersion: number;
  person: PersonInput;
  schoolId: number;
  className: string;
}

const PERSON_COLUMNS = [
  'id', 'version', 'fiscal_code', 'given_name', 'family_name', 'sex', 'birth_date', 'birth_place', 'address', 'postcode', 'city', 'province', 'email', 'phone',
] as const;

export function createOfficePeopleService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  function viewed(office: OperatorContext, action: string, subjectType: string, subjectId: number) {
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action, subjectType, subjectId, requestId: office.requestId });
  }

  function personRow(trx: Kysely<DB>, enteId: number, personId: number) {
    return trx.selectFrom('person').select(PERSON_COLUMNS).where('ente_id', '=', enteId).where('id', '=', personId).executeTakeFirst();
  }

  function personByCode(trx: Kysely<DB>, enteId: number, fiscalCode: string) {
    return trx
      .selectFrom('person')
      .leftJoin('pupil', (join) => join.onRef('pupil.person_id', '=', 'person.id').onRef('pupil.ente_id', '=', 'person.ente_id'))
      .select(['person.id', 'person.fiscal_code as fiscalCode', 'person.given_name as givenName', 'person.family_name as familyName', 'pupil.id as pupilId'])
      .where('person.ente_id', '=', enteId)
      .where('person.fiscal_code', '=', fiscalCode)
      .executeTakeFirst();
  }

  /** The ente's schools, for the pupil's forms. */
  async function schools(office: OperatorContext) {
    requirePermission(office, 'registry.read');
    return db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', office.ente.id).orderBy('name').orderBy('id').execute();
  }

  /** A person of the registry by codice fiscale (and the pupil they are, if any): the offer of the existing one. */
  async function findByFiscalCode(office: OperatorContext, fiscalCode: string) {
    requirePermission(office, 'registry.read');
    return personByCode(db, office.ente.id, fiscalCode);
  }

  /** A person's page: the data, and the pupils they are linked to and how (or the pupil they are). */
  async function person(office: OperatorContext, personId: number) {
    requirePermission(office, 'registry.read');
    const row = await personRow(db, office.ente.id, personId);
    if (!row) throw new NotFoundError('person');
    const [links, ownPupil] = await Promise.all([
      db
        .selectFrom('pupil_holder as ph')
        .innerJoin('pupil', 'pupil.id', 'ph.pupil_id')
        .innerJoin('person as child', 'child.id', 'pupil.person_id')
        .innerJoin('school', 'school.id', 'pupil.school_id')
        .select([
          'pupil.id as pupilId', 'ph.relation as relation', 'child.given_name as givenName', 'child.family_name as familyName',
          'school.name as schoolName', 'pupil.class_name as className',
        ])
        .where('ph.ente_id', '=', office.ente.id)
        .where('ph.person_id', '=', row.id)
        .orderBy('child.given_name')
        .orderBy('pupil.id')
        .execute(),
      db
        .selectFrom('pupil')
        .innerJoin('school', 'school.id', 'pupil.school_id')
        .select(['pupil.id as pupilId', 'school.name as schoolName', 'pupil.class_name as className'])
        .where('pupil.ente_id', '=', office.ente.id)
        .where('pupil.person_id', '=', row.id)
        .executeTakeFirst(),
    ]);
    viewed(office, 'office.person.view', 'person', row.id);
    return { person: row, links, ownPupil: ownPupil ?? null };
  }

  /** Turns a unique violation (a race the look-ups could not see) into the message of the field at fault; anything else goes on. */
  async function rethrowTaken(error: unknown, office: OperatorContext, codes: { field: string; fiscalCode: string }[]): Promise<never> {
    const violated = uniqueViolation(error);
    if (violated === 'person_fiscal_code') {
      for (const { field, fiscalCode } of codes) {
        const existing = await personByCode(db, office.ente.id, fiscalCode);
        if (existing) throw new PersonTakenError(field, existing);
      }
    }
    if (violated === 'pupil_person') throw new InvalidInputError({ alunno_codice_fiscale: 'alreadyPupil' });
    if (violated === 'pupil_holder_pk') throw new InvalidInputError({ codice_fiscale: 'alreadyLinked' });
    if (violated === 'pupil_holder_one_intestatario') throw new InvalidInputError({ persona: 'holderChanged' });
    throw error;
  }

  /** Inserts a new person (in the caller's transaction), refusing a codice fiscale already in the ente. */
  async function insertPerson(trx: Kysely<DB>, office: OperatorContext, input: PersonInput, field: string): Promise<number> {
    const existing = await personByCode(trx, office.ente.id, input.fiscalCode);
    if (existing) throw new PersonTakenError(field, existing);
    // The unique constraint (ente, codice fiscale) stops a concurrent creation of the same code.
    const values = personValues(input);
    const { id } = await trx.insertInto('person').values({ ente_id: office.ente.id, ...values }).returning('id').executeTakeFirstOrThrow();
    await writeChange(trx, clock, office, { action: 'person.create', subjectType: 'person', subjectId: id, before: null, after: personAuditRecord(values) });
    return id;
  }

  async function createPerson(office: OperatorContext, input: PersonInput): Promise<number> {
    requirePermission(office, 'registry.write');
    try {
      return await transaction(db, (tx) => insertPerson(tx.db, office, input, 'codice_fiscale'));
    } catch (error) {
      return rethrowTaken(error, office, [{ field: 'codice_fiscale', fiscalCode: input.fiscalCode }]);
    }
  }

  /** Saves a person's data from the version its form was made from; the codice fiscale only if it is free. */
  async function savePerson(trx: Kysely<DB>, office: OperatorContext, personId: number, version: number, input: PersonInput, field: string) {
    const before = await personRow(trx, office.ente.id, personId);
    if (!before) throw new NotFoundError('person');
    if (before.fiscal_code !== input.fiscalCode) {
      const other = await personByCode(trx, office.ente.id, input.fiscalCode);
      if (other && other.id !== personId) throw new PersonTakenError(field, other);
    }
    const values = personValues(input);
    await updateVersioned(trx, 'person', { id: personId, enteId: office.ente.id, version }, values);
    await writeChange(trx, clock, office, { action: 'person.update', subjectType: 'person', subjectId: personId, before: personAuditRecord(before), after: personAuditRecord(values) });
  }

  async function updatePerson(office: OperatorContext, personId: number, version: number, input: PersonInput): Promise<void> {
    requirePermission(office, 'registry.write');
    try {
      await transaction(db, (tx) => savePerson(tx.db, office, personId, version, input, 'codice_fiscale'));
    } catch (error) {
      await rethrowTaken(error, office, [{ field: 'codice_fiscale', fiscalCode: input.fiscalCode }]);
    }
  }

  function pupilRow(trx: Kysely<DB>, enteId: number, pupilId: number) {
    return trx
      .selectFrom('pupil')
      .select(['id', 'person_id', 'school_id', 'class_name', 'version'])
      .where('ente_id', '=', enteId)
      .where('id', '=', pupilId)
      .executeTakeFirst();
  }

  async function requireSchool(trx: Kysely<DB>, enteId: number, schoolId: number) {
    const school = await trx.selectFrom('school').select('id').where('ente_id', '=', enteId).where('id', '=', schoolId).executeTakeFirst();
    if (!school) throw new InvalidInputError({ scuola: 'schoolUnknown' });
  }

  /** The person of a form's choice: the existing one by code, or a new one created now. */
  async function personOf(trx: Kysely<DB>, office: OperatorContext, choice: PersonChoice, field: string): Promise<number> {
    if ('create' in choice) return insertPerson(trx, office, choice.create, field);
    const found = await personByCode(trx, office.ente.id, choice.existing);
    if (!found) throw new InvalidInputError({ [field]: 'personNotFound' });
    return found.id;
  }

  /**
   * A new pupil: the child (an existing person or a new one), the school and class, and the intestatario
   * (existing or new) — one transaction, each creation audited.
   */
  async function createPupil(office: OperatorContext, input: NewPupil): Promise<number> {
    requirePermission(office, 'registry.write');
    const codeOf = (choice: PersonChoice) => ('create' in choice ? choice.create.fiscalCode : choice.existing);
    if (codeOf(input.child) === codeOf(input.holder)) throw new InvalidInputError({ intestatario_codice_fiscale: 'holderIsChild' });
    try {
      return await transaction(db, async (tx) => {
        await requireSchool(tx.db, office.ente.id, input.schoolId);
        const childId = await personOf(tx.db, office, input.child, 'alunno_codice_fiscale');
        const already = await tx.db.selectFrom('pupil').select('id').where('ente_id', '=', office.ente.id).where('person_id', '=', childId).executeTakeFirst();
        if (already) throw new InvalidInputError({ alunno_codice_fiscale: 'alreadyPupil' });
        const holderId = await personOf(tx.db, office, input.holder, 'intestatario_codice_fiscale');
        const pupil = { ente_id: office.ente.id, person_id: childId, school_id: input.schoolId, class_name: input.className };
        const { id } = await tx.db.insertInto('pupil').values(pupil).returning('id').executeTakeFirstOrThrow();
        await tx.db.insertInto('pupil_holder').values({ ente_id: office.ente.id, pupil_id: id, person_id: holderId, relation: 'intestatario' }).execute();
        await writeChange(tx.db, clock, office, {
          action: 'pupil.create', subjectType: 'pupil', subjectId: id, before: null,
          after: { person_id: childId, school_id: input.schoolId, class_name: input.className, intestatario_person_id: holderId },
        });
        return id;
      });
    } catch (error) {
      const created = [
        { field: 'alunno_codice_fiscale', choice: input.child },
        { field: 'intestatario_codice_fiscale', choice: input.holder },
      ].filter((c) => 'create' in c.choice);
      return rethrowTaken(error, office, created.map((c) => ({ field: c.field, fiscalCode: codeOf(c.choice) })));
    }
  }

  /** A pupil with the child's data, for the edit form. */
  async function pupil(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const row = await pupilRow(db, office.ente.id, pupilId);
    if (!row) throw new NotFoundError('pupil');
    const child = (await personRow(db, office.ente.id, row.person_id))!;
    viewed(office, 'office.pupil.edit.view', 'pupil', row.id);
    return { pupil: row, person: child };
  }

  /** The child's data, school and class (diets are pupil_diet rows, ufficio/diete); each from its own version. */
  async function updatePupil(office: OperatorContext, pupilId: number, changes: PupilChanges): Promise<void> {
    requirePermission(office, 'registry.write');
    try {
      await transaction(db, async (tx) => {
        const before = await pupilRow(tx.db, office.ente.id, pupilId);
        if (!before) throw new NotFoundError('pupil');
        await requireSchool(tx.db, office.ente.id, changes.schoolId);
        const values = { school_id: changes.schoolId, class_name: changes.className };
        await updateVersioned(tx.db, 'pupil', { id: pupilId, enteId: office.ente.id, version: changes.pupilVersion }, values);
        await writeChange(tx.db, clock, office, {
          action: 'pupil.update', subjectType: 'pupil', subjectId: pupilId,
          before: { school_id: before.school_id, class_name: before.class_name }, after: values,
        });
        await savePerson(tx.db, office, before.person_id, changes.personVersion, changes.person, 'codice_fiscale');
      });
    } catch (error) {
      await rethrowTaken(error, office, [{ field: 'codice_fiscale', fiscalCode: changes.person.fiscalCode }]);
    }
  }

  const adultsQuery = (trx: Kysely<DB>, enteId: number, pupilId: number) =>
    trx
      .selectFrom('pupil_holder as ph')
      .innerJoin('person', 'person.id', 'ph.person_id')
      .select([
        'person.id as personId', 'ph.relation as relation', 'person.fiscal_code as fiscalCode', 'person.given_name as givenName',
        'person.family_name as familyName', 'person.email as email', 'person.phone as phone',
      ])
      .where('ph.ente_id', '=', enteId)
      .where('ph.pupil_id', '=', pupilId)
      // The intestatario first, then the others by name.
      .orderBy(sql`case when ph.relation = 'intestatario' then 0 when ph.relation = 'cointestatario' then 1 else 2 end`)
      .orderBy('person.family_name')
      .orderBy('person.id')
      .execute();

  /** The adults linked to a pupil, the intestatario first. */
  async function adults(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const row = await db
      .selectFrom('pupil')
      .innerJoin('person as child', 'child.id', 'pupil.person_id')
      .innerJoin('school', 'school.id', 'pupil.school_id')
      .select(['pupil.id', 'child.id as personId', 'child.given_name as givenName', 'child.family_name as familyName', 'school.name as schoolName', 'pupil.class_name as className'])
      .where('pupil.ente_id', '=', office.ente.id)
      .where('pupil.id', '=', pupilId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('pupil');
    const list = await adultsQuery(db, office.ente.id, pupilId);
    viewed(office, 'office.pupil.adults.view', 'pupil', row.id);
    return { pupil: row, adults: list };
  }

  /**
   * Starts a change of a pupil's links: the pupil of the ente, locked until the transaction ends (a row
   * lock on PostgreSQL, the write lock on SQLite), so that two operators' changes of one pupil's adults
   * run one after the other and each sees the other's result.
   */
  async function lockPupil(trx: Kysely<DB>, enteId: number, pupilId: number) {
    const locked = await trx
      .updateTable('pupil')
      .set((eb) => ({ id: eb.ref('id') }))
      .where('ente_id', '=', enteId)
      .where('id', '=', pupilId)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) !== 1) throw new NotFoundError('pupil');
    return adultsQuery(trx, enteId, pupilId);
  }

  /** Links an adult (existing by code, or created now) as cointestatario or delegato; never twice, never the child. */
  async function linkAdult(office: OperatorContext, pupilId: number, choice: PersonChoice, relation: OtherRelation): Promise<number> {
    requirePermission(office, 'registry.write');
    try {
      return await transaction(db, async (tx) => {
        const linked = await lockPupil(tx.db, office.ente.id, pupilId);
        const child = (await pupilRow(tx.db, office.ente.id, pupilId))!;
        const personId = await personOf(tx.db, office, choice, 'codice_fiscale');
        if (personId === child.person_id) throw new InvalidInputError({ codice_fiscale: 'adultIsChild' });
        if (linked.some((adult) => adult.personId === personId)) throw new InvalidInputError({ codice_fiscale: 'alreadyLinked' });
        await tx.db.insertInto('pupil_holder').values({ ente_id: office.ente.id, pupil_id: pupilId, person_id: personId, relation }).execute();
        await writeChange(tx.db, clock, office, { action: 'pupil.adult.link', subjectType: 'pupil', subjectId: pupilId, before: null, after: { person_id: personId, relation } });
        return personId;
      });
    } catch (error) {
      return rethrowTaken(error, office, 'create' in choice ? [{ field: 'codice_fiscale', fiscalCode: choice.create.fiscalCode }] : []);
    }
  }

  /** Removes an adult's link; the intestatario cannot be removed (another is chosen first). */
  async function unlinkAdult(office: OperatorContext, pupilId: number, personId: number): Promise<void> {
    requirePermission(office, 'registry.write');
    await transaction(db, async (tx) => {
      const linked = await lockPupil(tx.db, office.ente.id, pupilId);
      const adult = linked.find((a) => a.personId === personId);
      if (!adult) throw new NotFoundError('link');
      if (adult.relation === 'intestatario') throw new InvalidInputError({ persona: 'holderCannotBeRemoved' });
      await tx.db.deleteFrom('pupil_holder').where('ente_id', '=', office.ente.id).where('pupil_id', '=', pupilId).where('person_id', '=', personId).execute();
      await writeChange(tx.db, clock, office, {
        action: 'pupil.adult.unlink', subjectType: 'pupil', subjectId: pupilId, before: { person_id: personId, relation: adult.relation }, after: null,
      });
    });
  }

  /**
   * Makes another linked adult the intestatario: the former one stays linked as cointestatario, and the
   * pupil's enrolments still open (not 'cessata') move to the new holder, with their invoice recipient —
   * from now on; documents already issued stay as they were. All in one transaction, each change audited.
   */
  async function changeHolder(office: OperatorContext, pupilId: number, personId: number): Promise<void> {
    requirePermission(office, 'registry.write');
    try {
      await transaction(db, async (tx) => {
        const linked = await lockPupil(tx.db, office.ente.id, pupilId);
        const chosen = linked.find((a) => a.personId === personId);
        if (!chosen) throw new InvalidInputError({ persona: 'notLinked' });
        if (chosen.relation === 'intestatario') return;
        const former = linked.find((a) => a.relation === 'intestatario');
        const links = (trx: Kysely<DB>) => trx.updateTable('pupil_holder').where('ente_id', '=', office.ente.id).where('pupil_id', '=', pupilId);
        if (former) await links(tx.db).set({ relation: 'cointestatario' }).where('person_id', '=', former.personId).execute();
        await links(tx.db).set({ relation: 'intestatario' }).where('person_id', '=', personId).execute();
        await writeChange(tx.db, clock, office, {
          action: 'pupil.holder.change', subjectType: 'pupil', subjectId: pupilId,
          before: { intestatario_person_id: former?.personId ?? null, [`person_${personId}_relation`]: chosen.relation },
          after: { intestatario_person_id: personId, ...(former ? { [`person_${former.personId}_relation`]: 'cointestatario' } : {}) },
        });
        await moveOpenEnrolments(tx.db, office, pupilId, personId);
      });
    } catch (error) {
      await rethrowTaken(error, office, []);
    }
  }

  async function moveOpenEnrolments(trx: Kysely<DB>, office: OperatorContext, pupilId: number, holderId: number) {
    const holder = (await personRow(trx, office.ente.id, holderId))!;
    const changeFrom = await firstDayNotFrozen(trx, office.ente.id, romeDate(clock.now()));
    const enrolments = await trx
      .selectFrom('enrolment')
      .select(['id', 'version', 'holder_person_id', 'invoice_recipient', 'invoice_address', 'invoice_email'])
      .where('ente_id', '=', office.ente.id)
      .where('pupil_id', '=', pupilId)
      .where('state', '!=', 'cessata')
      .orderBy('id')
      .execute();
    for (const enrolment of enrolments) {
      if (enrolment.holder_person_id === holderId) continue;
      const values = {
        holder_person_id: holderId,
        invoice_recipient: `${holder.given_name} ${holder.family_name}`,
        invoice_address: `${holder.address}, ${holder.postcode} ${holder.city} (${holder.province})`,
        invoice_email: holder.email,
      };
      const { id, version, ...before } = enrolment;
      await updateVersioned(trx, 'enrolment', { id, enteId: office.ente.id, version }, values);
      const validFrom = await holderFrom(trx, id, holderId, changeFrom, office.operator.fiscalCode);
      await writeChange(trx, clock, office, { action: 'enrolment.holder.change', subjectType: 'enrolment', subjectId: id, before, after: validFrom ? { ...values, valid_from: validFrom } : values });
    }
  }

  /**
   * The new holder in the enrolment's terms, which the billing, the sibling reductions and the Scheda read
   * for each day (decision 0018): from the first day not frozen on, a term of its own when a term in force
   * began before it, and in the terms not begun yet (the office's change for a later day included: none of
   * their days is decided). The days before keep the former holder, whose documents stay his. An enrolment
   * without terms is its row on every day. Returns the change's date, or undefined for such an enrolment.
   */
  async function holderFrom(trx: Kysely<DB>, enrolmentId: number, holderId: number, changeFrom: string, author: string): Promise<string | undefined> {
    const terms = await trx.selectFrom('enrolment_term').selectAll().where('enrolment_id', '=', enrolmentId).orderBy('valid_from').execute();
    if (terms.length === 0) return undefined;
    await trx.updateTable('enrolment_term').set({ holder_person_id: holderId }).where('enrolment_id', '=', enrolmentId).where('valid_from', '>=', changeFrom).execute();
    const inForce = terms.filter((t) => t.valid_from < changeFrom).at(-1);
    if (inForce && !terms.some((t) => t.valid_from === changeFrom)) {
      const { id: _id, ...values } = inForce;
      await trx.insertInto('enrolment_term').values({ ...values, valid_from: changeFrom, holder_person_id: holderId, author, created_at: clock.now().toISOString() }).execute();
    }
    return changeFrom;
  }

  return {
    schools, findByFiscalCode, person, createPerson, updatePerson, pupil, createPupil, updatePupil, adults, linkAdult, unlinkAdult, changeHolder,
  };
}

export type OfficePeopleService = ReturnType<typeof createOfficePeopleService>;
