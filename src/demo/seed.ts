import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { PROJECT_ROOT } from '../config/paths';
import { searchKeyOf } from '../domain/registry/search-key';
import type { Billing, DB, OperatorRole, ServiceKind, TariffUnit } from '../db/schema';
import { enrolmentConfirmationPdf } from './attachments';
import { addDays } from '../domain/calendar/local-time';
import { fiscalCodeFor } from './fiscal-code-generator';
import { seedMenus } from './menus';
import { DIET_CODES, type DietCode } from '../domain/diets/codes';

/*
 * Deterministic, fictitious demo data: the same every run, no real person. Fiscal codes are computed by
 * the official rules from invented names, so they pass validation like real ones.
 */

/** Small deterministic PRNG (mulberry32): the demo must look the same on every machine. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

const FAMILY_NAMES = [
  'Bellini', 'Cattaneo', 'Donati', 'Esposito', 'Fabbri', 'Galli', 'Greco', 'Lombardi', 'Mancini', 'Marchetti',
  'Marini', 'Martinelli', 'Moretti', 'Negri', 'Orlando', 'Pellegrini', 'Riva', 'Romano', 'Ruggiero', 'Sala',
  'Santoro', 'Serra', 'Testa', 'Valentini', 'Vitale', 'Zanetti', 'Barbieri', 'Benedetti', 'Caruso', 'Colombo',
  'Conti', 'De Luca', 'Farina', 'Ferri', 'Gentile', 'Giordano', 'Leone', 'Longo', 'Mariani', 'Monti',
  'Palumbo', 'Parisi', 'Rinaldi', 'Sartori', 'Silvestri', 'Villa', 'Fontana', 'Guerra', 'Neri', 'Pace',
];
const GIVEN_F = ['Giulia', 'Chiara', 'Francesca', 'Elena', 'Sara', 'Marta', 'Laura', 'Valentina', 'Paola', 'Silvia'];
const GIVEN_M = ['Andrea', 'Luca', 'Matteo', 'Stefano', 'Paolo', 'Davide', 'Simone', 'Fabio', 'Roberto', 'Giorgio'];
const CHILD_F = ['Alice', 'Aurora', 'Beatrice', 'Emma', 'Ginevra', 'Greta', 'Martina', 'Nina', 'Sofia', 'Viola'];
const CHILD_M = ['Edoardo', 'Filippo', 'Gabriele', 'Leonardo', 'Lorenzo', 'Mattia', 'Pietro', 'Riccardo', 'Samuele', 'Tommaso'];
const PLACES = [
  { code: 'E202', name: 'Grosseto' },
  { code: 'D656', name: 'Follonica' },
  { code: 'F032', name: 'Massa Marittima' },
  { code: 'D612', name: 'Firenze' },
  { code: 'I726', name: 'Siena' },
];
const STREETS = ['Via dei Tigli', 'Via Roma', 'Via Garibaldi', 'Viale della Stazione', 'Via delle Rose', 'Piazza Grande', 'Via del Mare'];

interface PersonInput {
  givenName: string;
  familyName: string;
  sex: 'F' | 'M';
  birthDate: string;
  placeCode?: string;
  birthPlace?: string;
  fiscalCode?: string;
  address: string;
  email?: string | null;
  phone?: string | null;
}

interface EnteSeed {
  slug: string;
  name: string;
  nameWithArticle: string;
  taxCode: string;
  city: string;
  postcode: string;
  province: string;
  office: { name: string; email: string; phone: string; hours: string; address: string };
}

const NOW = '2026-09-01T07:00:00.000Z';

export async function seedDemo(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await seedDemoEnte(trx);
    await seedSecondEnte(trx);
  });
}

async function createEnte(db: Kysely<DB>, ente: EnteSeed) {
  const row = await db
    .insertInto('ente')
    .values({
      slug: ente.slug,
      name: ente.name,
      name_with_article: ente.nameWithArticle,
      tax_code: ente.taxCode,
      cbill: 'AB1CD',
      iban: 'IT60X0542811101000000123456',
      segregation_code: '12',
      // The second ente collects on a postal account too: its notices carry the postal Data Matrix.
      postal_account: ente.slug === 'demo' ? null : '001234567890',
      // Poste's authorisation to print the slip, printed on it (a made-up one).
      postal_authorisation: ente.slug === 'demo' ? null : 'AUT. DB/SSIC/E 00000 del 01/01/2026 (dimostrativa)',
      cutoff_time: '09:30',
      office_name: ente.office.name,
      office_email: ente.office.email,
      office_phone: ente.office.phone,
      office_hours: ente.office.hours,
      office_address: ente.office.address,
      created_at: NOW,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // The demo Comune has a coat of arms (made up) for its notices; the second ente has none.
  if (ente.slug === 'demo') {
    await db.insertInto('ente_logo').values({ ente_id: row.id, png: readFileSync(join(PROJECT_ROOT, 'src', 'demo', 'logo-demo.png')), updated_at: NOW }).execute();
  }
  return row.id;
}

function makeRegistry(db: Kysely<DB>, enteId: number, ente: EnteSeed) {
  async function person(input: PersonInput) {
    const place = PLACES.find((p) => p.code === input.placeCode) ?? PLACES[0]!;
    const fiscalCode =
      input.fiscalCode ??
      fiscalCodeFor({ ...input, placeCode: place.code });
    const row = await db
      .insertInto('person')
      .values({
        ente_id: enteId,
        fiscal_code: fiscalCode,
        given_name: input.givenName,
        family_name: input.familyName,
        search_key: searchKeyOf(input),
        sex: input.sex,
        birth_date: input.birthDate,
        birth_place: input.birthPlace ?? place.name,
        address: input.address,
        postcode: ente.postcode,
        city: ente.city,
        province: ente.province,
        email: input.email ?? null,
        phone: input.phone ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, fiscalCode, ...input };
  }

  async function school(name: string, level: 'infanzia' | 'primaria' | 'secondaria', address: string, weekdays = '1,2,3,4,5') {
    const row = await db
      .insertInto('school')
      .values({ ente_id: enteId, name, level, address, service_weekdays: weekdays })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function schoolYear(label: string, startsOn: string, endsOn: string) {
    const row = await db
      .insertInto('school_year')
      .values({ ente_id: enteId, label, starts_on: startsOn, ends_on: endsOn })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function service(kind: ServiceKind, name: string, billing: Billing, taxonomyCode: string) {
    const row = await db
      .insertInto('service')
      .values({ ente_id: enteId, kind, name, billing, taxonomy_code: taxonomyCode })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** ISEE bands of a service for a year, plus the non-resident tariff; returns band code → tariff id. */
  async function tariffs(serviceId: number, yearId: number, unit: TariffUnit, amounts: [number, number, number, number, number]) {
    const bands = [
      { code: 'A', label: 'Fascia A — ISEE fino a 6.000,00 €', min: 0, max: 600_000, resident: 1 },
      { code: 'B', label: 'Fascia B — ISEE da 6.000,01 a 12.000,00 €', min: 600_001, max: 1_200_000, resident: 1 },
      { code: 'C', label: 'Fascia C — ISEE da 12.000,01 a 20.000,00 €', min: 1_200_001, max: 2_000_000, resident: 1 },
      { code: 'D', label: 'Fascia D — ISEE oltre 20.000,00 € o non presentato', min: 2_000_001, max: null, resident: 1 },
      { code: 'NR', label: 'Non residenti', min: 0, max: null, resident: 0 },
    ];
    const ids: Record<string, number> = {};
    for (const [index, band] of bands.entries()) {
      const row = await db
        .insertInto('tariff')
        .values({
          ente_id: enteId,
          service_id: serviceId,
          school_year_id: yearId,
          band_code: band.code,
          band_label: band.label,
          isee_min_cents: band.min,
          isee_max_cents: band.max,
          resident: band.resident,
          unit,
          amount_cents: amounts[index]!,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids[band.code] = row.id;
    }
    return ids;
  }

  /** The reductions for the 2nd child and for the 3rd and following, in basis points. */
  async function siblingReductions(serviceId: number, yearId: number, second: number, third: number) {
    await db
      .insertInto('sibling_reduction')
      .values([
        { ente_id: enteId, service_id: serviceId, school_year_id: yearId, child_rank: 2, percent_bp: second },
        { ente_id: enteId, service_id: serviceId, school_year_id: yearId, child_rank: 3, percent_bp: third },
      ])
      .execute();
  }

  /** An exemption granted by the social services to an enrolment. */
  async function exemption(enrolmentId: number, percentBp: number, reason: string, validFrom: string) {
    await db
      .insertInto('tariff_exemption')
      .values({ ente_id: enteId, enrolment_id: enrolmentId, percent_bp: percentBp, reason, valid_from: validFrom, valid_to: null, created_at: NOW })
      .execute();
  }

  /** A pupil, with a special diet approved for the school year when `dietCode` is given (decision 0024). */
  async function pupil(person: { id: number }, schoolId: number, className: string, dietCode: DietCode | null = null) {
    const row = await db
      .insertInto('pupil')
      .values({ ente_id: enteId, person_id: person.id, school_id: schoolId, class_name: className })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (dietCode) {
      const medical = dietCode === 'senza-glutine' || dietCode === 'senza-lattosio';
      await db
        .insertInto('pupil_diet')
        .values({
          ente_id: enteId, pupil_id: row.id, diet_code: dietCode, kind: medical ? 'medical' : dietCode === 'vegetariana' ? 'ethical' : 'religious',
          reason: medical ? (dietCode === 'senza-glutine' ? 'Celiachia' : 'Intolleranza al lattosio') : 'Dichiarazione della famiglia',
          certificate_attachment_id: null, declared_on: medical ? null : '2026-09-01', state: 'approvata', approved_from: '2026-09-14', approved_to: null,
          approved_by: 'demo', approved_at: NOW, recorded_by: 'demo', created_at: NOW,
        })
        .execute();
    }
    return row.id;
  }

  async function holder(pupilId: number, personId: number, relation: 'intestatario' | 'cointestatario' = 'intestatario') {
    await db.insertInto('pupil_holder').values({ ente_id: enteId, pupil_id: pupilId, person_id: personId, relation }).execute();
  }

  async function enrol(input: {
    pupilId: number;
    serviceId: number;
    yearId: number;
    schoolId: number;
    holder: { id: number; givenName: string; familyName: string; address: string; email?: string | null };
    tariffId: number;
    state?: 'attiva' | 'cessata' | 'sospesa' | 'in_attesa';
    startsOn: string;
    endsOn?: string | null;
    sepaIban?: string;
  }) {
    const row = await db
      .insertInto('enrolment')
      .values({
        ente_id: enteId,
        pupil_id: input.pupilId,
        service_id: input.serviceId,
        school_year_id: input.yearId,
        school_id: input.schoolId,
        holder_person_id: input.holder.id,
        tariff_id: input.tariffId,
        state: input.state ?? 'attiva',
        starts_on: input.startsOn,
        ends_on: input.endsOn ?? null,
        payment_mode: input.sepaIban ? 'sepa' : 'pagopa',
        debit_iban: input.sepaIban ?? null,
        invoice_recipient: `${input.holder.givenName} ${input.holder.familyName}`,
        invoice_address: `${input.holder.address}, ${ente.postcode} ${ente.city} (${ente.province})`,
        invoice_email: input.holder.email ?? null,
        reduction_note: null,
        created_at: NOW,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function badge(code: string, pupilId: number, serviceId: number) {
    await db.insertInto('badge').values({ ente_id: enteId, code, pupil_id: pupilId, service_id: serviceId, issued_on: '2026-09-10', active: 1 }).execute();
  }

  async function operator(fiscalCode: string, givenName: string, familyName: string, role: OperatorRole, schoolId: number | null = null) {
    await db
      .insertInto('operator')
      .values({ ente_id: enteId, fiscal_code: fiscalCode, given_name: givenName, family_name: familyName, role, school_id: schoolId, active: 1 })
      .execute();
  }

  /** The letter confirming a pupil's canteen enrolment, attached to the pupil's record. */
  async function enrolmentConfirmation(pupilId: number, letter: { pupilName: string; holderName: string; serviceName: string; schoolName: string }) {
    const content = await enrolmentConfirmationPdf({
      ...letter,
      enteName: ente.name,
      officeName: ente.office.name,
      schoolYear: '2026/2027',
      issuedOn: new Date('2026-09-01T08:00:00Z'),
    });
    const title = 'Conferma di iscrizione alla refezione scolastica 2026/2027';
    const fileName = 'conferma-iscrizione-refezione-2026-2027.pdf';
    await db
      .insertInto('attachment')
      .values({
        ente_id: enteId, pupil_id: pupilId, person_id: null, kind: 'conferma-iscrizione', title,
        file_name: fileName, content_type: 'application/pdf', content, created_at: NOW,
        visible_to_parent: 1, sha256: createHash('sha256').update(content).digest('hex'), size_bytes: content.length,
      })
      .execute();
  }

  /** A closure as the office enters it (a period) and its days, as the office's calendar writes them (decision 0021). */
  async function closure(from: string, to: string, reason: string, schoolId: number | null = null) {
    const period = await db
      .insertInto('closure_period')
      .values({ ente_id: enteId, school_id: schoolId, starts_on: from, ends_on: to, reason, author: 'demo', created_at: NOW })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let date = from; date <= to; date = addDays(date, 1)) {
      await db.insertInto('closure').values({ ente_id: enteId, school_id: schoolId, date, reason, period_id: period.id }).execute();
    }
  }

  /** A day a parent had notified before the demo starts (history for the canteen pages and counts). */
  async function pastChange(pupilId: number, date: string, status: 'absent' | 'light_meal') {
    await db
      .insertInto('attendance_change')
      .values({ ente_id: enteId, pupil_id: pupilId, date, status, source: 'parent', notice_id: null, set_at: `${date}T06:30:00.000Z` })
      .execute();
  }

  return { person, school, schoolYear, service, tariffs, siblingReductions, exemption, pupil, holder, enrol, badge, operator, enrolmentConfirmation, closure, pastChange };
}

async function seedDemoEnte(db: Kysely<DB>) {
  const ente: EnteSeed = {
    slug: 'demo',
    name: 'Comune di Esempio',
    nameWithArticle: 'il Comune di Esempio',
    taxCode: '00100010016',
    city: 'Esempio',
    postcode: '58099',
    province: 'GR',
    office: {
      name: 'Ufficio Scuola — Servizi educativi',
      email: 'ufficio.scuola@esempio.example',
      phone: '0566 000 100',
      hours: 'Lunedì–venerdì 9:00–12:30; giovedì anche 15:00–17:30',
      address: 'Piazza del Municipio 1, 58099 Esempio (GR)',
    },
  };
  const enteId = await createEnte(db, ente);
  const r = makeRegistry(db, enteId, ente);
  const rnd = random(20_262_027);

  const infanzia = await r.school('Scuola dell’infanzia Girasole', 'infanzia', 'Via delle Rose 4, Esempio');
  const arcobaleno = await r.school('Scuola primaria Arcobaleno', 'primaria', 'Via Garibaldi 21, Esempio');
  const tigli = await r.school('Scuola primaria Via dei Tigli', 'primaria', 'Via dei Tigli 9, Esempio');
  const faro = await r.school('Scuola secondaria di primo grado Il Faro', 'secondaria', 'Viale della Stazione 2, Esempio', '1,3');

  const previousYear = await r.schoolYear('2025/2026', '2025-09-15', '2026-06-10');
  const year = await r.schoolYear('2026/2027', '2026-09-14', '2027-06-10');

  // National holidays are computed; these are the ente's own closures (regional school calendar, local events).
  await r.closure('2026-11-02', '2026-11-02', 'Ponte della Commemorazione dei defunti');
  await r.closure('2026-12-23', '2027-01-06', 'Vacanze di Natale');
  await r.closure('2027-03-25', '2027-03-30', 'Vacanze di Pasqua');
  await r.closure('2026-12-04', '2026-12-04', 'Sciopero del personale della mensa', tigli);

  await seedMenus(db, enteId);

  const canteenPrepaid = await r.service('refezione', 'Refezione scolastica (prepagata)', 'prepaid', '9/0107101TS/');
  const canteenPostpaid = await r.service('refezione', 'Refezione scolastica (a consuntivo)', 'postpaid', '9/0107101TS/');
  const transport = await r.service('trasporto', 'Trasporto scolastico', 'postpaid', '9/0107102SP/');

  const prepaidTariffs = await r.tariffs(canteenPrepaid, year, 'pasto', [200, 320, 410, 490, 550]);
  const postpaidTariffs = await r.tariffs(canteenPostpaid, year, 'pasto', [200, 320, 410, 490, 550]);
  const previousPostpaidTariffs = await r.tariffs(canteenPostpaid, previousYear, 'pasto', [190, 310, 400, 480, 540]);
  const transportTariffs = await r.tariffs(transport, year, 'mese', [1500, 2200, 3000, 3000, 3500]);
  // Siblings in the canteen: 20% off for the second child, 30% for the third and following.
  for (const serviceId of [canteenPrepaid, canteenPostpaid]) await r.siblingReductions(serviceId, year, 2000, 3000);
  await r.siblingReductions(canteenPostpaid, previousYear, 2000, 3000);

  // The school decides the canteen variant: prepaid (badge) at Girasole and Arcobaleno, postpaid elsewhere.
  const canteenOf = (schoolId: number) =>
    schoolId === infanzia || schoolId === arcobaleno
      ? { serviceId: canteenPrepaid, tariffs: prepaidTariffs, prepaid: true }
      : { serviceId: canteenPostpaid, tariffs: postpaidTariffs, prepaid: false };
  let badgeNumber = 100_000;

  // --- The families the README and the tests name ---
  const ada = await r.person({
    givenName: 'Ada', familyName: 'Lovelace', sex: 'F', birthDate: '1985-12-10', fiscalCode: 'LVLDAA85T50G702B',
    birthPlace: 'Pesaro', address: 'Via dei Tigli 12', email: 'ada.lovelace@example.org', phone: '333 000 0001',
  });
  const carlo = await r.person({
    givenName: 'Carlo', familyName: 'Lovelace', sex: 'M', birthDate: '1983-04-02', placeCode: 'D612', address: 'Via dei Tigli 12',
  });
  const sofia = await r.person({ givenName: 'Sofia', familyName: 'Lovelace', sex: 'F', birthDate: '2018-03-14', placeCode: 'E202', address: 'Via dei Tigli 12' });
  const tommaso = await r.person({ givenName: 'Tommaso', familyName: 'Lovelace', sex: 'M', birthDate: '2016-10-05', placeCode: 'E202', address: 'Via dei Tigli 12' });
  const sofiaPupil = await r.pupil(sofia, arcobaleno, '3ª A', 'senza-glutine');
  const tommasoPupil = await r.pupil(tommaso, tigli, '5ª B');
  for (const pupilId of [sofiaPupil, tommasoPupil]) {
    await r.holder(pupilId, ada.id);
    await r.holder(pupilId, carlo.id, 'cointestatario');
  }
  await r.enrol({ pupilId: sofiaPupil, serviceId: canteenPrepaid, yearId: year, schoolId: arcobaleno, holder: ada, tariffId: prepaidTariffs.C!, startsOn: '2026-09-14' });
  await r.badge('B100001', sofiaPupil, canteenPrepaid);
  await r.enrol({
    pupilId: tommasoPupil, serviceId: canteenPostpaid, yearId: year, schoolId: tigli, holder: ada, tariffId: postpaidTariffs.C!,
    startsOn: '2026-09-14',
  });
  await r.enrol({ pupilId: tommasoPupil, serviceId: transport, yearId: year, schoolId: tigli, holder: ada, tariffId: transportTariffs.C!, startsOn: '2026-09-14' });
  await r.enrol({
    pupilId: tommasoPupil, serviceId: canteenPostpaid, yearId: previousYear, schoolId: tigli, holder: ada, tariffId: previousPostpaidTariffs.C!,
    state: 'cessata', startsOn: '2025-09-15', endsOn: '2026-06-10',
  });
  await r.enrolmentConfirmation(sofiaPupil, {
    pupilName: 'Sofia Lovelace', holderName: 'Ada Lovelace', serviceName: 'Refezione scolastica (prepagata)', schoolName: 'Scuola primaria Arcobaleno',
  });
  // Ada's history since September: two days of absence and a light meal for Sofia, an absence for Tommaso.
  await r.pastChange(sofiaPupil, '2026-10-12', 'absent');
  await r.pastChange(sofiaPupil, '2026-10-13', 'absent');
  await r.pastChange(sofiaPupil, '2026-10-21', 'light_meal');
  await r.pastChange(tommasoPupil, '2026-11-09', 'absent');
  badgeNumber = 100_001;

  const giulia = await r.person({
    givenName: 'Giulia', familyName: 'Bianchi', sex: 'F', birthDate: '1980-01-01', fiscalCode: 'BNCGLI80A41F205F',
    birthPlace: 'Milano', address: 'Via Roma 3', email: 'giulia.bianchi@example.org',
  });
  const pietro = await r.person({ givenName: 'Pietro', familyName: 'Bianchi', sex: 'M', birthDate: '2021-06-20', placeCode: 'E202', address: 'Via Roma 3' });
  const pietroPupil = await r.pupil(pietro, infanzia, 'Sezione Gialla');
  await r.holder(pietroPupil, giulia.id);
  await r.enrol({ pupilId: pietroPupil, serviceId: canteenPrepaid, yearId: year, schoolId: infanzia, holder: giulia, tariffId: prepaidTariffs.B!, startsOn: '2026-09-14' });
  await r.badge('B100002', pietroPupil, canteenPrepaid);
  await r.enrolmentConfirmation(pietroPupil, {
    pupilName: 'Pietro Bianchi', holderName: 'Giulia Bianchi', serviceName: 'Refezione scolastica (prepagata)', schoolName: 'Scuola dell’infanzia Girasole',
  });
  badgeNumber = 100_002;

  // Marco Polo is the ente's administrator, Luca Verdi works in the kitchen; Mario Rossi is in no table at all.
  await r.operator('PLOMRC01P30L736Y', 'Marco', 'Polo', 'amministratore');
  await r.operator('VRDLCU75C12L219L', 'Luca', 'Verdi', 'cucina');

  // --- Forty-seven more fictitious families, one to three children each ---
  const schools = [infanzia, arcobaleno, tigli, faro];
  const usedCodes = new Set<string>();
  for (let family = 0; family < 47; family++) {
    const familyName = FAMILY_NAMES[family % FAMILY_NAMES.length]!;
    const street = `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`;
    const holderSex = rnd.next() < 0.7 ? 'F' : 'M';
    const holderInput: PersonInput = {
      givenName: rnd.pick(holderSex === 'F' ? GIVEN_F : GIVEN_M),
      familyName,
      sex: holderSex,
      birthDate: `19${rnd.int(75, 92)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`,
      placeCode: rnd.pick(PLACES).code,
      address: street,
      phone: `3${rnd.int(20, 49)} ${rnd.int(100, 999)} ${rnd.int(1000, 9999)}`,
    };
    holderInput.email = `${holderInput.givenName}.${familyName}`.toLowerCase().replace(/[^a-z.]/g, '') + `${family}@example.org`;
    if (usedCodes.has(fiscalCodeFor({ ...holderInput, placeCode: holderInput.placeCode! }))) continue;
    const holderPerson = await r.person(holderInput);
    usedCodes.add(holderPerson.fiscalCode);
    const band = rnd.pick(['A', 'B', 'C', 'D', 'D', 'NR'] as const);
    const sepa = rnd.next() < 0.25 ? `IT${String(rnd.int(10, 99))}X0306909606100000${String(rnd.int(100_000, 999_999))}` : undefined;
    const children = rnd.int(1, 3);
    for (let child = 0; child < children; child++) {
      const childSex = rnd.next() < 0.5 ? 'F' : 'M';
      const schoolId = rnd.pick(schools);
      const birthYear = schoolId === infanzia ? rnd.int(2021, 2023) : schoolId === faro ? rnd.int(2013, 2015) : rnd.int(2016, 2020);
      const childInput: PersonInput = {
        givenName: rnd.pick(childSex === 'F' ? CHILD_F : CHILD_M),
        familyName,
        sex: childSex,
        birthDate: `${birthYear}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`,
        placeCode: 'E202',
        address: street,
      };
      const childCode = fiscalCodeFor({ ...childInput, placeCode: 'E202' });
      if (usedCodes.has(childCode)) continue;
      usedCodes.add(childCode);
      const childPerson = await r.person(childInput);
      const className = schoolId === infanzia ? rnd.pick(['Sezione Gialla', 'Sezione Blu', 'Sezione Verde']) : `${rnd.int(1, schoolId === faro ? 3 : 5)}ª ${rnd.pick(['A', 'B', 'C'])}`;
      const diet = rnd.next() < 0.1 ? rnd.pick(DIET_CODES) : null;
      const pupilId = await r.pupil(childPerson, schoolId, className, diet);
      await r.holder(pupilId, holderPerson.id);
      const canteen = canteenOf(schoolId);
      const enrolmentId = await r.enrol({
        pupilId, serviceId: canteen.serviceId, yearId: year, schoolId, holder: holderPerson,
        tariffId: canteen.tariffs[band]!, startsOn: '2026-09-14', sepaIban: canteen.prepaid ? undefined : sepa,
      });
      // A few families in band A are helped by the social services.
      if (band === 'A' && child === 0) {
        const total = family % 2 === 0;
        await r.exemption(enrolmentId, total ? 10_000 : 5_000, total ? 'Esenzione totale disposta dai Servizi sociali' : 'Esenzione parziale disposta dai Servizi sociali', '2026-10-01');
      }
      if (canteen.prepaid) await r.badge(`B${++badgeNumber}`, pupilId, canteen.serviceId);
      // Their absences depend on the day the demo is loaded: src/demo/history.ts notifies them.
      if (schoolId === faro && rnd.next() < 0.4) {
        await r.enrol({ pupilId, serviceId: transport, yearId: year, schoolId, holder: holderPerson, tariffId: transportTariffs[band]!, startsOn: '2026-09-14', sepaIban: sepa });
      }
    }
  }
}

/** A second, smaller tenant: shows that every page and query is scoped to its ente. */
async function seedSecondEnte(db: Kysely<DB>) {
  const ente: EnteSeed = {
    slug: 'unione-colline',
    name: 'Unione dei Comuni delle Colline',
    nameWithArticle: 'l’Unione dei Comuni delle Colline',
    taxCode: '00200020022',
    city: 'Collina',
    postcode: '58098',
    province: 'GR',
    office: {
      name: 'Servizio Istruzione dell’Unione',
      email: 'istruzione@colline.example',
      phone: '0566 000 200',
      hours: 'Martedì e venerdì 9:00–13:00',
      address: 'Via del Castello 2, 58098 Collina (GR)',
    },
  };
  const enteId = await createEnte(db, ente);
  const r = makeRegistry(db, enteId, ente);
  const school = await r.school('Scuola primaria Le Querce', 'primaria', 'Via del Castello 10, Collina');
  const year = await r.schoolYear('2026/2027', '2026-09-14', '2027-06-10');
  const canteen = await r.service('refezione', 'Refezione scolastica', 'postpaid', '9/0107101TS/');
  const tariffs = await r.tariffs(canteen, year, 'pasto', [220, 340, 430, 510, 580]);
  const families = [
    { holder: ['Elena', 'Fontana', 'F', '1984-05-06'], child: ['Nina', 'F', '2017-02-11'] },
    { holder: ['Paolo', 'Guerra', 'M', '1979-11-23'], child: ['Mattia', 'M', '2018-07-30'] },
    { holder: ['Sara', 'Neri', 'F', '1988-08-15'], child: ['Greta', 'F', '2019-01-04'] },
  ] as const;
  for (const family of families) {
    const [givenName, familyName, sex, birthDate] = family.holder;
    const holder = await r.person({ givenName, familyName, sex, birthDate, placeCode: 'I726', address: 'Via del Castello 5' });
    const [childName, childSex, childBirth] = family.child;
    const child = await r.person({ givenName: childName, familyName, sex: childSex, birthDate: childBirth, placeCode: 'I726', address: 'Via del Castello 5' });
    const pupilId = await r.pupil(child, school, '2ª A');
    await r.holder(pupilId, holder.id);
    await r.enrol({ pupilId, serviceId: canteen, yearId: year, schoolId: school, holder, tariffId: tariffs.B!, startsOn: '2026-09-14' });
  }
  await r.operator('PLOMRC01P30L736Y', 'Marco', 'Polo', 'operatore');
}
