import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB, EnrolmentTable, EnrolmentTermTable, PaymentMode } from '../../db/schema';
import { updateVersioned } from '../../db/versioned';
import { transaction } from '../../db/transaction';
import { writeChange } from '../audit/audit';
import { addDays, romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { bandForIsee } from '../tariffs/resolution';
import { advanceClass, isValidIban, normaliseIban } from './iban';
import { pupilOfEnte } from './queries';

/**
 * Enrolments in the office (issue 13, decision 0018): create one, change it from a date, withdraw it from
 * a date, re-enrol for the next school year. A change never touches a day before its date: it is a new
 * `enrolment_term` row, read by the freeze, the charging and the billing for each day; the enrolment row
 * carries the values of its latest term (what the office and the parent see as "now and next").
 *
 * Problems are reported by form field (the office forms' names), as catalogue keys.
 */

type Enrolment = Selectable<EnrolmentTable>;
type Term = Selectable<EnrolmentTermTable>;

/** A person is an adult from the 18th birthday. */
function isAdultOn(birthDate: string, day: string): boolean {
  const eighteenth = `${String(Number(birthDate.slice(0, 4)) + 18).padStart(4, '0')}${birthDate.slice(4)}`;
  return eighteenth <= day;
}

export interface EnrolmentInput {
  serviceId: number;
  schoolYearId: number;
  schoolId: number;
  className: string;
  holderPersonId: number;
  /** The band chosen directly; null when the ISEE chooses it. */
  tariffId: number | null;
  iseeCents: number | null;
  iseeAttestedOn: string | null;
  paymentMode: PaymentMode;
  iban: string | null;
  invoiceRecipient: string;
  invoiceAddress: string;
  invoiceEmail: string | null;
  exemption: { percentBp: number; reason: string; validFrom: string; validTo: string | null } | null;
  startsOn: string;
  /** A re-enrolment: the enrolment of the previous year it continues. */
  renewsEnrolmentId?: number;
}

/** What a change from a date sets: the values of an enrolment that may vary over time. */
export type ChangeInput = { validFrom: string } & Pick<
  EnrolmentInput,
  'schoolId' | 'className' | 'holderPersonId' | 'tariffId' | 'iseeCents' | 'iseeAttestedOn' | 'paymentMode' | 'iban'
>;

/** The fields of an enrolment the audit keeps before and after (never the whole IBAN: its last four characters). */
function auditView(e: Partial<Enrolment> & { class_name?: string }) {
  return {
    school_id: e.school_id,
    class_name: e.class_name,
    holder_person_id: e.holder_person_id,
    tariff_id: e.tariff_id,
    isee_cents: e.isee_cents,
    isee_attested_on: e.isee_attested_on,
    payment_mode: e.payment_mode,
    debit_iban: e.debit_iban ? `…${e.debit_iban.slice(-4)}` : null,
    state: e.state,
    starts_on: e.starts_on,
    ends_on: e.ends_on,
  };
}

export function createEnrolmentService(db: Kysely<DB>, clock: Clock) {
  /** The adults linked to the pupil as intestatario: who may hold (pay for) an enrolment. */
  function holdersOf(trx: Kysely<DB>, enteId: number, pupilId: number) {
    return trx
      .selectFrom('pupil_holder as ph')
      .innerJoin('person', 'person.id', 'ph.person_id')
      .select(['person.id', 'person.given_name as givenName', 'person.family_name as familyName', 'person.fiscal_code as fiscalCode', 'person.birth_date as birthDate', 'person.address', 'person.postcode', 'person.city', 'person.province', 'person.email'])
      .where('ph.ente_id', '=', enteId)
      .where('person.ente_id', '=', enteId)
      .where('ph.pupil_id', '=', pupilId)
      .where('ph.relation', '=', sql.lit('intestatario'))
      .orderBy('person.family_name')
      .orderBy('person.given_name')
      .execute();
  }

  /** Everything an enrolment form offers: the ente's services, years, schools and bands, the pupil's holders. */
  async function formOptions(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const enteId = office.ente.id;
    const [pupil, holders, services, years, schools, tariffs] = await Promise.all([
      pupilOfEnte(db, enteId, pupilId),
      holdersOf(db, enteId, pupilId),
      db.selectFrom('service').select(['id', 'name', 'kind', 'billing']).where('ente_id', '=', enteId).orderBy('name').execute(),
      db.selectFrom('school_year').select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn']).where('ente_id', '=', enteId).orderBy('starts_on').execute(),
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).orderBy('name').execute(),
      bandsOf(db, enteId),
    ]);
    return { pupil, holders, services, years, schools, bands: tariffs };
  }

  /** The bands of the ente: one per service, year and code (the row a band's enrolments point at). */
  async function bandsOf(trx: Kysely<DB>, enteId: number) {
    const rows = await trx
      .selectFrom('tariff')
      .select(['id', 'service_id as serviceId', 'school_year_id as schoolYearId', 'band_code as bandCode', 'band_label as bandLabel', 'isee_min_cents as iseeMinCents', 'isee_max_cents as iseeMaxCents', 'resident', 'unit', 'amount_cents as amountCents', 'valid_from as validFrom'])
      .where('ente_id', '=', enteId)
      .orderBy('service_id')
      .orderBy('school_year_id')
      .orderBy('isee_min_cents')
      .orderBy('id')
      .execute();
    const bands = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const key = `${row.serviceId}/${row.schoolYearId}/${row.bandCode}`;
      const found = bands.get(key);
      // The band's first price (from the start of the year) names it.
      if (!found || (found.validFrom !== null && (row.validFrom === null || row.validFrom < found.validFrom))) bands.set(key, row);
    }
    return [...bands.values()];
  }

  /** The band by id or by ISEE, among the bands of the service and year; problems by field. */
  function chooseBand(
    bands: Awaited<ReturnType<typeof bandsOf>>,
    serviceId: number,
    schoolYearId: number,
    input: { tariffId: number | null; iseeCents: number | null },
    problems: Record<string, string>,
  ) {
    const ofService = bands.filter((b) => b.serviceId === serviceId && b.schoolYearId === schoolYearId);
    if (ofService.length === 0) {
      problems.fascia = 'noBands';
      return undefined;
    }
    if (input.iseeCents !== null) {
      try {
        return bandForIsee(ofService.map((b) => ({ ...b, resident: b.resident === 1 })), input.iseeCents, true);
      } catch {
        problems.isee = 'noBandForIsee';
        return undefined;
      }
    }
    const band = ofService.find((b) => b.id === input.tariffId);
    if (!band) problems.fascia = 'bandNotOfService';
    return band;
  }

  /** Checks shared by creation and change; returns the band chosen. */
  async function checkValues(
    trx: Kysely<DB>,
    enteId: number,
    pupilId: number,
    input: {
      serviceId: number; schoolYearId: number; schoolId: number; holderPersonId: number; tariffId: number | null; iseeCents: number | null;
      iseeAttestedOn: string | null; paymentMode: PaymentMode; iban: string | null;
    },
    day: string,
    problems: Record<string, string>,
  ) {
    const [school, holders, bands] = await Promise.all([
      trx.selectFrom('school').select('id').where('ente_id', '=', enteId).where('id', '=', input.schoolId).executeTakeFirst(),
      holdersOf(trx, enteId, pupilId),
      bandsOf(trx, enteId),
    ]);
    if (!school) problems.scuola = 'choose';
    const holder = holders.find((h) => h.id === input.holderPersonId);
    if (!holder) problems.intestatario = 'holderNotLinked';
    else if (!isAdultOn(holder.birthDate, day)) problems.intestatario = 'holderNotAdult';
    if (input.iseeCents !== null && input.iseeAttestedOn !== null && input.iseeAttestedOn > romeDate(clock.now())) problems.data_isee = 'iseeDateFuture';
    if (input.paymentMode === 'sepa' && (input.iban === null || !isValidIban(input.iban))) problems.iban = input.iban ? 'ibanInvalid' : 'ibanRequired';
    const band = chooseBand(bands, input.serviceId, input.schoolYearId, input, problems);
    return { band, holder };
  }

  /** A new enrolment of a pupil; its first term is written with it. */
  async function create(office: OperatorContext, pupilId: number, input: EnrolmentInput): Promise<number> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      const pupil = await pupilOfEnte(tx.db, enteId, pupilId);
      const problems: Record<string, string> = {};
      const [service, year] = await Promise.all([
        tx.db.selectFrom('service').select(['id', 'name']).where('ente_id', '=', enteId).where('id', '=', input.serviceId).executeTakeFirst(),
        tx.db.selectFrom('school_year').select(['id', 'starts_on', 'ends_on']).where('ente_id', '=', enteId).where('id', '=', input.schoolYearId).executeTakeFirst(),
      ]);
      if (!service) problems.servizio = 'choose';
      if (!year) problems.anno = 'choose';
      else if (input.startsOn < year.starts_on || input.startsOn > year.ends_on) problems.dal = 'dateOutsideYear';
      if (year && input.exemption) {
        if (input.exemption.validFrom < input.startsOn || input.exemption.validFrom > year.ends_on) problems.esenzione_dal = 'dateOutsideEnrolment';
        if (input.exemption.validTo !== null && (input.exemption.validTo < input.exemption.validFrom || input.exemption.validTo > year.ends_on)) {
          problems.esenzione_al = input.exemption.validTo < input.exemption.validFrom ? 'rangeReversed' : 'dateOutsideEnrolment';
        }
      }
      const { band } = await checkValues(tx.db, enteId, pupilId, input, input.startsOn, problems);
      if (service && year) {
        const existing = await tx.db
          .selectFrom('enrolment')
          .select('id')
          .where('pupil_id', '=', pupilId)
          .where('service_id', '=', service.id)
          .where('school_year_id', '=', year.id)
          .executeTakeFirst();
        if (existing) problems.servizio = 'alreadyEnrolled';
      }
      let renewed: Enrolment | undefined;
      if (input.renewsEnrolmentId !== undefined) {
        renewed = await tx.db.selectFrom('enrolment').selectAll().where('ente_id', '=', enteId).where('pupil_id', '=', pupilId).where('id', '=', input.renewsEnrolmentId).executeTakeFirst();
        if (!renewed) throw new NotFoundError('enrolment');
      }
      if (Object.keys(problems).length > 0 || !band) throw new InvalidInputError(problems);

      const now = clock.now().toISOString();
      const iban = input.paymentMode === 'sepa' && input.iban ? normaliseIban(input.iban) : null;
      const values = {
        ente_id: enteId,
        pupil_id: pupilId,
        service_id: input.serviceId,
        school_year_id: input.schoolYearId,
        school_id: input.schoolId,
        holder_person_id: input.holderPersonId,
        tariff_id: band.id,
        state: 'attiva' as const,
        starts_on: input.startsOn,
        ends_on: null,
        payment_mode: input.paymentMode,
        debit_iban: iban,
        invoice_recipient: input.invoiceRecipient,
        invoice_address: input.invoiceAddress,
        invoice_email: input.invoiceEmail,
        reduction_note: input.exemption ? input.exemption.reason : null,
        isee_cents: input.iseeCents,
        isee_attested_on: input.iseeCents === null ? null : input.iseeAttestedOn,
        created_at: now,
      };
      const { id } = await tx.db.insertInto('enrolment').values(values).returning('id').executeTakeFirstOrThrow();
      await tx.db
        .insertInto('enrolment_term')
        .values({
          ente_id: enteId, enrolment_id: id, valid_from: input.startsOn, school_id: input.schoolId, class_name: input.className, tariff_id: band.id,
          isee_cents: values.isee_cents, isee_attested_on: values.isee_attested_on, holder_person_id: input.holderPersonId,
          payment_mode: input.paymentMode, debit_iban: iban, author: office.operator.fiscalCode, created_at: now,
        })
        .execute();
      if (input.exemption) {
        await tx.db
          .insertInto('tariff_exemption')
          .values({ ente_id: enteId, enrolment_id: id, percent_bp: input.exemption.percentBp, reason: input.exemption.reason, valid_from: input.exemption.validFrom, valid_to: input.exemption.validTo, created_at: now })
          .execute();
      }
      // The pupil's class (and school) are those of the enrolment just made, when they differ.
      if (pupil.className !== input.className || pupil.schoolId !== input.schoolId) {
        await tx.db
          .updateTable('pupil')
          .set((eb) => ({ class_name: input.className, school_id: input.schoolId, version: eb('version', '+', 1) }))
          .where('id', '=', pupilId)
          .where('ente_id', '=', enteId)
          .execute();
      }
      await writeChange(tx.db, clock, office, {
        action: renewed ? 'office.enrolment.renew' : 'office.enrolment.create',
        subjectType: 'enrolment',
        subjectId: id,
        before: null,
        after: {
          ...auditView({ ...values, class_name: input.className }),
          service_id: input.serviceId,
          school_year_id: input.schoolYearId,
          exemption: input.exemption,
          ...(renewed ? { renews_enrolment_id: renewed.id } : {}),
        },
      });
      return id;
    });
  }

  /** An enrolment of the pupil, 404 otherwise. */
  async function enrolmentOf(trx: Kysely<DB>, enteId: number, pupilId: number, enrolmentId: number): Promise<Enrolment> {
    const row = await trx.selectFrom('enrolment').selectAll().where('ente_id', '=', enteId).where('pupil_id', '=', pupilId).where('id', '=', enrolmentId).executeTakeFirst();
    if (!row) throw new NotFoundError('enrolment');
    return row;
  }

  /** The terms of an enrolment, oldest first; for an enrolment never changed, the one its row describes. */
  async function termsOf(trx: Kysely<DB>, enrolment: Enrolment, className: string): Promise<Omit<Term, 'id' | 'author' | 'created_at'>[]> {
    const terms = await trx.selectFrom('enrolment_term').selectAll().where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
    if (terms.length > 0) return terms;
    return [
      {
        ente_id: enrolment.ente_id, enrolment_id: enrolment.id, valid_from: enrolment.starts_on, school_id: enrolment.school_id, class_name: className,
        tariff_id: enrolment.tariff_id, isee_cents: enrolment.isee_cents, isee_attested_on: enrolment.isee_attested_on,
        holder_person_id: enrolment.holder_person_id, payment_mode: enrolment.payment_mode, debit_iban: enrolment.debit_iban,
      },
    ];
  }

  /** The last day frozen (or being frozen) in the ente: a change or a withdrawal can only start after the days already decided. */
  async function lastFrozenDay(trx: Kysely<DB>, enteId: number): Promise<string | null> {
    const row = await trx.selectFrom('day_freeze').select((eb) => eb.fn.max('date').as('date')).where('ente_id', '=', enteId).executeTakeFirst();
    return row?.date ?? null;
  }

  /** The enrolment's manage page: its values, its terms and its history of changes. */
  async function detail(office: OperatorContext, pupilId: number, enrolmentId: number) {
    requirePermission(office, 'registry.read');
    const enteId = office.ente.id;
    const pupil = await pupilOfEnte(db, enteId, pupilId);
    const enrolment = await enrolmentOf(db, enteId, pupilId, enrolmentId);
    const [terms, service, year, schools, bands, holders, people, history, exemptions, lastFrozen, nextYear, charged] = await Promise.all([
      termsOf(db, enrolment, pupil.className),
      db.selectFrom('service').select(['id', 'name', 'billing']).where('id', '=', enrolment.service_id).executeTakeFirstOrThrow(),
      db.selectFrom('school_year').select(['id', 'label', 'starts_on as startsOn', 'ends_on as endsOn']).where('id', '=', enrolment.school_year_id).executeTakeFirstOrThrow(),
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', enteId).orderBy('name').execute(),
      bandsOf(db, enteId),
      holdersOf(db, enteId, pupilId),
      db
        .selectFrom('person')
        .select(['id', 'given_name as givenName', 'family_name as familyName'])
        .where('ente_id', '=', enteId)
        .where('id', 'in', db.selectFrom('enrolment_term').select('holder_person_id').where('enrolment_id', '=', enrolment.id).union(db.selectFrom('enrolment').select('holder_person_id').where('id', '=', enrolment.id)))
        .execute(),
      db
        .selectFrom('audit_event')
        .select(['id', 'action', 'actor_fiscal_code as actor', 'created_at as at', 'before_json as before', 'after_json as after'])
        .where('ente_id', '=', enteId)
        .where('subject_type', '=', 'enrolment')
        .where('subject_id', '=', enrolment.id)
        .orderBy('id', 'desc')
        .limit(sql.lit(100))
        .execute(),
      db.selectFrom('tariff_exemption').select(['percent_bp as percentBp', 'reason', 'valid_from as validFrom', 'valid_to as validTo']).where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute(),
      lastFrozenDay(db, enteId),
      nextSchoolYear(db, enteId, enrolment.school_year_id),
      // Through the pupil's charges (charge_pupil_day): no index starts with the enrolment (migration 0036).
      db.selectFrom('charge').select((eb) => eb.fn.max('date').as('date')).where('pupil_id', '=', enrolment.pupil_id).where('enrolment_id', '=', enrolment.id).where('kind', '<>', sql.lit('storno')).executeTakeFirst(),
    ]);
    const allTariffs = await db.selectFrom('tariff').select(['id', 'band_label as bandLabel', 'band_code as bandCode']).where('ente_id', '=', enteId).execute();
    const bandName = new Map(allTariffs.map((t) => [t.id, t.bandLabel]));
    const schoolName = new Map(schools.map((s) => [s.id, s.name]));
    const personName = new Map(people.map((p) => [p.id, `${p.givenName} ${p.familyName}`]));
    const renewedAlready = nextYear
      ? await db.selectFrom('enrolment').select('id').where('pupil_id', '=', pupilId).where('service_id', '=', enrolment.service_id).where('school_year_id', '=', nextYear.id).executeTakeFirst()
      : undefined;
    return {
      pupil,
      enrolment,
      service,
      year,
      terms: terms.map((t) => ({
        ...t,
        schoolName: schoolName.get(t.school_id) ?? '',
        bandLabel: bandName.get(t.tariff_id) ?? '',
        holderName: personName.get(t.holder_person_id) ?? '',
      })),
      current: terms.at(-1)!,
      schools,
      bands: bands.filter((b) => b.serviceId === enrolment.service_id && b.schoolYearId === enrolment.school_year_id),
      holders,
      history,
      exemptions,
      lastFrozen,
      lastCharged: charged?.date ?? null,
      nextYear,
      renewedEnrolmentId: renewedAlready?.id,
      today: romeDate(clock.now()),
    };
  }

  function nextSchoolYear(trx: Kysely<DB>, enteId: number, schoolYearId: number) {
    return trx
      .selectFrom('school_year as y')
      .select(['y.id', 'y.label', 'y.starts_on as startsOn', 'y.ends_on as endsOn'])
      .where('y.ente_id', '=', enteId)
      .where('y.starts_on', '>', (eb) => eb.selectFrom('school_year as current').select('current.ends_on').where('current.id', '=', schoolYearId).where('current.ente_id', '=', enteId))
      .orderBy('y.starts_on')
      .limit(sql.lit(1))
      .executeTakeFirst();
  }

  /**
   * A change from a date: a new term from `validFrom`, the enrolment row set to the latest term's values.
   * The date must come after every day already frozen in the ente, so no day already booked or charged
   * (or being charged) can fall under the new values; a day before it charged later (a catch-up) is
   * priced by the term in force on it, the old one.
   */
  async function changeFromDate(office: OperatorContext, pupilId: number, enrolmentId: number, version: number, input: ChangeInput): Promise<void> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    await transaction(db, async (tx) => {
      const pupil = await pupilOfEnte(tx.db, enteId, pupilId);
      const enrolment = await enrolmentOf(tx.db, enteId, pupilId, enrolmentId);
      // Someone saved since the form was made: their values are shown, nothing of this form is checked or written.
      if (enrolment.version !== version) throw new ConflictError(enrolment);
      const year = await tx.db.selectFrom('school_year').select(['starts_on', 'ends_on']).where('id', '=', enrolment.school_year_id).executeTakeFirstOrThrow();
      const terms = await termsOf(tx.db, enrolment, pupil.className);
      const problems: Record<string, string> = {};
      const lastFrozen = await lastFrozenDay(tx.db, enteId);
      const lastDay = enrolment.ends_on ?? year.ends_on;
      if (enrolment.state !== 'attiva') problems.dal = 'notActive';
      else if (input.validFrom <= enrolment.starts_on || input.validFrom > lastDay) problems.dal = 'dateOutsideEnrolment';
      else if (lastFrozen !== null && input.validFrom <= lastFrozen) problems.dal = 'dateNotAfterFrozen';
      else if (terms.some((t) => t.valid_from === input.validFrom)) problems.dal = 'changeSameDay';
      const { band } = await checkValues(
        tx.db,
        enteId,
        pupilId,
        { ...input, serviceId: enrolment.service_id, schoolYearId: enrolment.school_year_id },
        input.validFrom,
        problems,
      );
      const before = terms.filter((t) => t.valid_from < input.validFrom).at(-1) ?? terms[0]!;
      const iban = input.paymentMode === 'sepa' && input.iban ? normaliseIban(input.iban) : null;
      const term = {
        school_id: input.schoolId, class_name: input.className, tariff_id: band?.id ?? 0, isee_cents: input.iseeCents,
        isee_attested_on: input.iseeCents === null ? null : input.iseeAttestedOn, holder_person_id: input.holderPersonId,
        payment_mode: input.paymentMode, debit_iban: iban,
      };
      const same = (Object.keys(term) as (keyof typeof term)[]).every((key) => term[key] === before[key]);
      if (Object.keys(problems).length === 0 && same) problems.dal = 'nothingChanged';
      if (Object.keys(problems).length > 0 || !band) throw new InvalidInputError(problems);

      // The latest term after this change gives the enrolment row its values.
      const later = terms.filter((t) => t.valid_from > input.validFrom);
      const latest = later.at(-1) ?? term;
      // Version first: a save from an older form is refused before anything is written.
      await updateVersioned(tx.db, 'enrolment', { id: enrolment.id, enteId, version }, {
        school_id: latest.school_id, tariff_id: latest.tariff_id, holder_person_id: latest.holder_person_id, payment_mode: latest.payment_mode,
        debit_iban: latest.debit_iban, isee_cents: latest.isee_cents, isee_attested_on: latest.isee_attested_on,
      });
      const now = clock.now().toISOString();
      const stored = await tx.db.selectFrom('enrolment_term').select('id').where('enrolment_id', '=', enrolment.id).executeTakeFirst();
      if (!stored) {
        // The first change of an enrolment made without terms: its values until now become its first term.
        await tx.db.insertInto('enrolment_term').values({ ...terms[0]!, author: office.operator.fiscalCode, created_at: now }).execute();
      }
      await tx.db.insertInto('enrolment_term').values({ ...term, ente_id: enteId, enrolment_id: enrolment.id, valid_from: input.validFrom, author: office.operator.fiscalCode, created_at: now }).execute();
      if (later.length === 0 && (pupil.className !== term.class_name || pupil.schoolId !== term.school_id)) {
        await tx.db
          .updateTable('pupil')
          .set((eb) => ({ class_name: term.class_name, school_id: term.school_id, version: eb('version', '+', 1) }))
          .where('id', '=', pupilId)
          .where('ente_id', '=', enteId)
          .execute();
      }
      await writeChange(tx.db, clock, office, {
        action: 'office.enrolment.change',
        subjectType: 'enrolment',
        subjectId: enrolment.id,
        before: { valid_from: input.validFrom, ...auditView(before as Partial<Enrolment> & { class_name: string }) },
        after: { valid_from: input.validFrom, ...auditView(term as Partial<Enrolment> & { class_name: string }) },
      });
    });
  }

  /**
   * Withdrawal: the enrolment ends on `endsOn` (its last day of service) and is 'cessata'. Nothing is booked
   * after it (the freeze books only enrolments in force), attendance already booked for later days is
   * removed (the absence notices stay), and nothing is charged after it (the charging skips a day after the
   * end). Refused when a day after it is already charged: that needs a storno first.
   */
  async function withdraw(office: OperatorContext, pupilId: number, enrolmentId: number, version: number, endsOn: string): Promise<{ removedBookings: number }> {
    requirePermission(office, 'registry.write');
    const enteId = office.ente.id;
    return transaction(db, async (tx) => {
      const enrolment = await enrolmentOf(tx.db, enteId, pupilId, enrolmentId);
      if (enrolment.version !== version) throw new ConflictError(enrolment);
      const year = await tx.db.selectFrom('school_year').select(['starts_on', 'ends_on']).where('id', '=', enrolment.school_year_id).executeTakeFirstOrThrow();
      const problems: Record<string, string> = {};
      if (enrolment.state === 'cessata') problems.ultimo_giorno = 'alreadyWithdrawn';
      else if (endsOn < addDays(enrolment.starts_on, -1) || endsOn > year.ends_on) problems.ultimo_giorno = 'dateOutsideEnrolment';
      else {
        const charged = await tx.db
          .selectFrom('charge as c')
          .select((eb) => eb.fn.max('c.date').as('date'))
          .where('c.pupil_id', '=', enrolment.pupil_id)
          .where('c.enrolment_id', '=', enrolment.id)
          .where('c.date', '>', endsOn)
          .where('c.kind', '<>', sql.lit('storno'))
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('charge as r').select('r.id').whereRef('r.reverses_charge_id', '=', 'c.id'))))
          .executeTakeFirst();
        if (charged?.date) problems.ultimo_giorno = 'chargedAfter';
      }
      if (Object.keys(problems).length > 0) throw new InvalidInputError(problems);
      await updateVersioned(tx.db, 'enrolment', { id: enrolment.id, enteId, version }, { state: 'cessata', ends_on: endsOn });
      const removed = await tx.db.deleteFrom('attendance').where('enrolment_id', '=', enrolment.id).where('ente_id', '=', enteId).where('date', '>', endsOn).executeTakeFirst();
      await writeChange(tx.db, clock, office, {
        action: 'office.enrolment.withdraw',
        subjectType: 'enrolment',
        subjectId: enrolment.id,
        before: { state: enrolment.state, ends_on: enrolment.ends_on },
        after: { state: 'cessata', ends_on: endsOn, removed_bookings: Number(removed.numDeletedRows) },
      });
      return { removedBookings: Number(removed.numDeletedRows) };
    });
  }

  /**
   * The proposal of a re-enrolment for the next school year: same service, holder, payment mode, school;
   * the band of the new year with the same code (or by the same ISEE); the class advanced ("2A" → "3A").
   */
  async function renewalProposal(office: OperatorContext, pupilId: number, enrolmentId: number) {
    requirePermission(office, 'registry.read');
    const enteId = office.ente.id;
    const pupil = await pupilOfEnte(db, enteId, pupilId);
    const enrolment = await enrolmentOf(db, enteId, pupilId, enrolmentId);
    const next = await nextSchoolYear(db, enteId, enrolment.school_year_id);
    if (!next) return { kind: 'no-next-year' as const, enrolment };
    const [terms, bands, current] = await Promise.all([
      termsOf(db, enrolment, pupil.className),
      bandsOf(db, enteId),
      db.selectFrom('tariff').select(['band_code as bandCode']).where('id', '=', enrolment.tariff_id).executeTakeFirstOrThrow(),
    ]);
    const latest = terms.at(-1)!;
    const ofNext = bands.filter((b) => b.serviceId === enrolment.service_id && b.schoolYearId === next.id);
    const problems: Record<string, string> = {};
    const band =
      latest.isee_cents === null
        ? ofNext.find((b) => b.bandCode === current.bandCode)
        : chooseBand(bands, enrolment.service_id, next.id, { tariffId: null, iseeCents: latest.isee_cents }, problems);
    return {
      kind: 'proposal' as const,
      enrolment,
      nextYear: next,
      values: {
        serviceId: enrolment.service_id,
        schoolYearId: next.id,
        schoolId: latest.school_id,
        className: advanceClass(latest.class_name),
        holderPersonId: latest.holder_person_id,
        tariffId: latest.isee_cents === null ? (band?.id ?? null) : null,
        iseeCents: latest.isee_cents,
        iseeAttestedOn: latest.isee_attested_on,
        paymentMode: latest.payment_mode,
        iban: latest.debit_iban,
        invoiceRecipient: enrolment.invoice_recipient,
        invoiceAddress: enrolment.invoice_address,
        invoiceEmail: enrolment.invoice_email,
        startsOn: next.startsOn,
      },
    };
  }

  /** The pupil's enrolments, latest year first. */
  async function listOf(office: OperatorContext, pupilId: number) {
    requirePermission(office, 'registry.read');
    const enteId = office.ente.id;
    const pupil = await pupilOfEnte(db, enteId, pupilId);
    const enrolments = await db
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .innerJoin('school', 'school.id', 'e.school_id')
      .innerJoin('tariff as t', 't.id', 'e.tariff_id')
      .select(['e.id', 'e.state', 'e.starts_on as startsOn', 'e.ends_on as endsOn', 'y.ends_on as yearEndsOn', 's.name as serviceName', 'y.label as yearLabel', 'school.name as schoolName', 't.band_label as bandLabel'])
      .where('e.ente_id', '=', enteId)
      .where('e.pupil_id', '=', pupilId)
      .orderBy('y.starts_on', 'desc')
      .orderBy('s.name')
      .execute();
    return { pupil, enrolments };
  }

  return { formOptions, create, detail, changeFromDate, withdraw, renewalProposal, listOf };
}

export type EnrolmentService = ReturnType<typeof createEnrolmentService>;
