import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';

/*
 * Column conventions, identical on SQLite and PostgreSQL so that one query serves both:
 * money in integer cents; calendar days as 'YYYY-MM-DD' text (Europe/Rome);
 * instants as ISO-8601 UTC text ('2026-11-26T08:00:00.000Z', sorts as time);
 * flags as integer 0/1.
 */

export interface EnteTable {
  id: Generated<number>;
  slug: string;
  name: string;
  /** The name with its article, for sentences: "l’Unione dei Comuni delle Colline"; '' when not set. */
  name_with_article: Generated<string>;
  tax_code: string;
  cbill: string | null;
  iban: string | null;
  segregation_code: string | null;
  postal_account: string | null;
  cutoff_time: string;
  office_name: string;
  office_email: string;
  office_phone: string;
  office_hours: string;
  office_address: string;
  light_meal_max_days: Generated<number>;
  /** 1: a light meal costs like a meal; 0: it is free. */
  charge_light_meals: Generated<number>;
  /** A document falls due on the last day of the month this many months after its period. */
  due_months_after_period: Generated<number>;
  /** Bounds of a top-up the holder may ask for. */
  topup_min_cents: Generated<number>;
  topup_max_cents: Generated<number>;
  /** An overdue document's notice is published payable until today plus this many days (GPD refuses a past due date). */
  overdue_payable_days: Generated<number>;
  /** Top-ups of one holder that may wait for payment at once. */
  max_pending_topups: Generated<number>;
  /** Poste Italiane's authorisation to print the postal slip; without it the slip is not printed. */
  postal_authorisation: string | null;
  created_at: string;
  /** Raised by every office change a cache may hold (decision 0016). */
  data_version: Generated<number>;
  /** Raised by every save of the settings page: a save made from an older version is refused (decisions 0016, 0020). */
  version: Generated<number>;
  /** The accessibility statement (decision 0020); null until the office fills it in. */
  accessibility_state: Generated<AccessibilityState | null>;
  accessibility_statement_date: Generated<string | null>;
  accessibility_feedback_email: Generated<string | null>;
  /** The contents that are not accessible, and why (free text, several lines). */
  accessibility_non_accessible: Generated<string | null>;
}

/** The conformance states of an accessibility statement (AgID guidelines). */
export type AccessibilityState = 'conforme' | 'parzialmente_conforme' | 'non_conforme';

export interface EnteLogoTable {
  ente_id: number;
  png: Buffer;
  updated_at: string;
}

export interface SchoolTable {
  id: Generated<number>;
  ente_id: number;
  name: string;
  level: 'nido' | 'infanzia' | 'primaria' | 'secondaria';
  address: string;
  /** ISO weekdays the canteen serves, e.g. '1,2,3,4,5'. */
  service_weekdays: string;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
}

export interface SchoolYearTable {
  id: Generated<number>;
  ente_id: number;
  label: string;
  starts_on: string;
  ends_on: string;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
}

export type ServiceKind = 'refezione' | 'trasporto' | 'prepost' | 'nido';
export type Billing = 'prepaid' | 'postpaid';

export interface ServiceTable {
  id: Generated<number>;
  ente_id: number;
  kind: ServiceKind;
  name: string;
  billing: Billing;
  taxonomy_code: string;
}

export interface PersonTable {
  id: Generated<number>;
  ente_id: number;
  fiscal_code: string;
  given_name: string;
  family_name: string;
  sex: 'F' | 'M';
  birth_date: string;
  birth_place: string;
  address: string;
  postcode: string;
  city: string;
  province: string;
  email: string | null;
  phone: string | null;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
  /** `searchKeyOf(person)`: set by every writer of the names (decision 0017); '' is found by no name. */
  search_key: string;
  /** Derived by the database: the key from the second, third, fourth word on (never written). */
  search_key_2: GeneratedAlways<string>;
  search_key_3: GeneratedAlways<string>;
  search_key_4: GeneratedAlways<string>;
}

export interface PupilTable {
  id: Generated<number>;
  ente_id: number;
  person_id: number;
  school_id: number;
  class_name: string;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
}

/**
 * The adults who follow a pupil, each with their own SPID/CIE: the account holder (intestatario, the payer
 * of the pupil's enrolments), the other parent (cointestatario) and delegates (delegato, e.g. a
 * grandparent). Every one of them sees the pupil's pages, may communicate absences and may pay; only the
 * office changes the links.
 */
export type PupilRelation = 'intestatario' | 'cointestatario' | 'delegato';

export interface PupilHolderTable {
  ente_id: number;
  pupil_id: number;
  person_id: number;
  relation: PupilRelation;
}

export type TariffUnit = 'pasto' | 'mese';

export interface TariffTable {
  id: Generated<number>;
  ente_id: number;
  service_id: number;
  school_year_id: number;
  band_code: string;
  band_label: string;
  isee_min_cents: number;
  isee_max_cents: number | null;
  resident: number;
  unit: TariffUnit;
  amount_cents: number;
  /** A change of the band's price from this day; null: from the start of the school year. */
  valid_from: string | null;
}

export interface SiblingReductionTable {
  ente_id: number;
  service_id: number;
  school_year_id: number;
  child_rank: number;
  /** Basis points: 2000 = 20%; 0 from a date withdraws the reduction. */
  percent_bp: number;
  /** The reduction from this day (decision 0022); null: from the start of the school year. */
  valid_from: string | null;
}

export interface TariffExemptionTable {
  id: Generated<number>;
  ente_id: number;
  enrolment_id: number;
  percent_bp: number;
  reason: string;
  valid_from: string;
  valid_to: string | null;
  created_at: string;
}

export type EnrolmentState = 'attiva' | 'sospesa' | 'cessata' | 'in_attesa';
export type PaymentMode = 'pagopa' | 'sepa';

export interface EnrolmentTable {
  id: Generated<number>;
  ente_id: number;
  pupil_id: number;
  service_id: number;
  school_year_id: number;
  school_id: number;
  holder_person_id: number;
  tariff_id: number;
  state: EnrolmentState;
  starts_on: string;
  ends_on: string | null;
  payment_mode: PaymentMode;
  /** Only the last four characters are ever shown. */
  debit_iban: string | null;
  invoice_recipient: string;
  invoice_address: string;
  invoice_email: string | null;
  reduction_note: string | null;
  created_at: string;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
  /** The ISEE value the band was chosen by (cents), and the day of its attestation; null: band chosen directly. */
  isee_cents: Generated<number | null>;
  isee_attested_on: Generated<string | null>;
}

/**
 * The values of an enrolment in force from a day (decision 0018): the term of a day is the one with the
 * latest `valid_from` on or before it; an enrolment without terms has its row's values throughout.
 */
export interface EnrolmentTermTable {
  id: Generated<number>;
  ente_id: number;
  enrolment_id: number;
  valid_from: string;
  school_id: number;
  class_name: string;
  tariff_id: number;
  isee_cents: number | null;
  isee_attested_on: string | null;
  holder_person_id: number;
  payment_mode: PaymentMode;
  debit_iban: string | null;
  author: string;
  created_at: string;
}

export interface BadgeTable {
  id: Generated<number>;
  ente_id: number;
  code: string;
  pupil_id: number;
  service_id: number;
  issued_on: string;
  active: number;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
  /** Blocked by the office (no top-ups; the account keeps working); null: usable. */
  blocked_at: Generated<string | null>;
  blocked_reason: Generated<string | null>;
}

/** The code of a lost card, replaced on its badge: never a badge's code again in the ente. */
export interface BadgeRetiredCodeTable {
  ente_id: number;
  code: string;
  badge_id: number;
  reason: string;
  retired_at: string;
  author: string;
}

export interface AttachmentTable {
  id: Generated<number>;
  ente_id: number;
  pupil_id: number | null;
  person_id: number | null;
  kind: string;
  title: string;
  file_name: string;
  content_type: string;
  content: Uint8Array;
  created_at: string;
  /** Listed on the parents' Scheda anagrafica and downloadable by them (1), or kept for the office (0). */
  visible_to_parent: Generated<number>;
  /** SHA-256 of `content`, hex. */
  sha256: string;
  size_bytes: number;
}

/**
 * A pupil's special diet (decision 0024): requested, then approved from a day to a day (or until ended).
 * `reason` and the certificate are special-category data (GDPR art. 9): the kitchen never reads them.
 */
export interface PupilDietTable {
  id: Generated<number>;
  ente_id: number;
  pupil_id: number;
  diet_code: 'senza-glutine' | 'senza-lattosio' | 'vegetariana' | 'senza-maiale';
  kind: 'medical' | 'ethical' | 'religious';
  /** The medical reason, or the notes of an ethical or religious diet. */
  reason: string;
  /** The medical certificate (an attachment of the pupil); null: none yet, or deleted since. */
  certificate_attachment_id: number | null;
  /** The day of the family's declaration (an ethical or religious diet). */
  declared_on: string | null;
  state: 'richiesta' | 'approvata' | 'respinta' | 'terminata';
  approved_from: string | null;
  /** The last day; null: until the office ends it. */
  approved_to: string | null;
  approved_by: string | null;
  approved_at: string | null;
  recorded_by: string;
  created_at: string;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
}

export type OperatorRole = 'amministratore' | 'operatore' | 'cucina' | 'scuola';

export interface OperatorTable {
  id: Generated<number>;
  ente_id: number;
  fiscal_code: string;
  given_name: string;
  family_name: string;
  role: OperatorRole;
  school_id: number | null;
  active: number;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
}

export interface AuditEventTable {
  id: Generated<number>;
  ente_id: number | null;
  actor_fiscal_code: string | null;
  action: string;
  subject_type: string | null;
  subject_id: number | null;
  request_id: string | null;
  created_at: string;
  /** The changed record's values before and after an office change (JSON); null for views and downloads. */
  before_json: string | null;
  after_json: string | null;
  /** The pupil the event concerns: the pupil itself, or the pupil of the enrolment, badge, attachment… (decision 0017). */
  pupil_id: number | null;
}

export interface SessionTable {
  /** HMAC of the cookie token: the database never holds a usable session token. */
  id: string;
  data: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface ClosureTable {
  id: Generated<number>;
  ente_id: number;
  school_id: number | null;
  date: string;
  reason: string;
  /** The office's closure (from a day to a day) this day belongs to (decision 0021). */
  period_id: number | null;
}

/** A closure as the office enters it: its days are rows of `closure`, which the freeze and the pages read. */
export interface ClosurePeriodTable {
  id: Generated<number>;
  ente_id: number;
  /** null: the whole ente. */
  school_id: number | null;
  starts_on: string;
  ends_on: string;
  reason: string;
  author: string;
  created_at: string;
}

export type NoticeKind = 'absent' | 'light_meal' | 'cancel';

export interface AbsenceNoticeTable {
  id: Generated<number>;
  ente_id: number;
  pupil_id: number;
  kind: NoticeKind;
  requested_from: string;
  requested_to: string;
  submitted_by: string;
  submitted_at: string;
  submission_key: string;
}

/** 'applied', or why the day was skipped. */
export type NoticeDayOutcome =
  | 'applied'
  | 'not-enrolled'
  | 'outside-school-year'
  | 'not-a-service-weekday'
  | 'holiday'
  | 'closure'
  | 'past-day'
  | 'after-cutoff'
  | 'already-set'
  | 'nothing-to-cancel';

export interface AbsenceNoticeDayTable {
  notice_id: number;
  date: string;
  outcome: NoticeDayOutcome;
}

export interface AttendanceChangeTable {
  ente_id: number;
  pupil_id: number;
  date: string;
  status: 'absent' | 'light_meal';
  source: 'parent' | 'school' | 'office';
  notice_id: number | null;
  set_at: string;
}

export interface DayFreezeTable {
  ente_id: number;
  date: string;
  frozen_at: string;
  meals: number;
  /** Since when a run has been freezing the day; a run that died is taken over once this is old. */
  claimed_at: string | null;
  /** Every batch is in and the kitchen's counts are written; null while the freeze runs. */
  completed_at: string | null;
}

export type AttendanceStatus = 'present' | 'absent' | 'light_meal';

export interface AttendanceTable {
  ente_id: number;
  pupil_id: number;
  date: string;
  school_id: number;
  enrolment_id: number;
  status: AttendanceStatus;
  source: 'default' | 'parent' | 'school' | 'office';
  diet_code: string | null;
  frozen_at: string;
}

/** An office correction of a frozen day (issue 14): the day before and after, why, and what it charged or credited. */
export interface AttendanceCorrectionTable {
  id: Generated<number>;
  ente_id: number;
  pupil_id: number;
  date: string;
  school_id: number;
  diet_code: string | null;
  status_before: AttendanceStatus;
  status_after: AttendanceStatus;
  reason: string;
  charge_id: number | null;
  author: string;
  created_at: string;
  submission_key: string;
}

export interface MealCountTable {
  ente_id: number;
  date: string;
  school_id: number;
  diet_code: string;
  meals: number;
  light_meals: number;
  absences: number;
}

export interface DayChargeTable {
  ente_id: number;
  date: string;
  charged_at: string;
  charges: number;
  total_cents: number;
  /** Since when a run has been charging the day; a run that died is taken over once this is old. */
  claimed_at: string | null;
  /** Every batch is in and the totals are written; null while the charging runs. */
  completed_at: string | null;
}

export type ChargeKind = 'meal' | 'light_meal' | 'fee' | 'storno';

export interface ChargeTable {
  id: Generated<number>;
  ente_id: number;
  enrolment_id: number;
  pupil_id: number;
  /** The day served; for a monthly fee the first of the month; for a storno the day it was made. */
  date: string;
  kind: ChargeKind;
  tariff_id: number;
  unit_price_cents: number;
  sibling_bp: number;
  sibling_cents: number;
  exemption_bp: number;
  exemption_cents: number;
  amount_cents: number;
  reverses_charge_id: number | null;
  reason: string | null;
  author: string;
  created_at: string;
}

export type MovementKind = 'meal' | 'light_meal' | 'topup' | 'storno' | 'adjustment';

export interface MovementTable {
  id: Generated<number>;
  ente_id: number;
  badge_id: number;
  /** Signed: credits positive, debits negative. */
  amount_cents: number;
  kind: MovementKind;
  value_date: string;
  charge_id: number | null;
  reverses_movement_id: number | null;
  /** The top-up a credit pays in; unique, so a top-up credits its badge once. */
  topup_id?: number | null;
  note: string | null;
  author: string;
  created_at: string;
}

export interface BillingRunTable {
  ente_id: number;
  period: string;
  completed_at: string;
  documents: number;
  /** The month's billed total (cents), for the office's log (decision 0022); null only while a run writes it. */
  total_cents: number | null;
}

export interface DocumentCounterTable {
  ente_id: number;
  year: number;
  last_number: number;
}

export type DocumentKind = 'documento' | 'nota_credito';
export type DocumentState = 'da_pagare' | 'pagato' | 'annullato' | 'emessa';

export interface DocumentTable {
  id: Generated<number>;
  ente_id: number;
  kind: DocumentKind;
  year: number;
  number: number;
  enrolment_id: number;
  pupil_id: number;
  holder_person_id: number;
  service_id: number;
  /** The month billed, 'YYYY-MM'. */
  period: string;
  issue_date: string;
  due_date: string;
  total_cents: number;
  state: DocumentState;
  cancels_document_id: number | null;
  reason: string | null;
  paid_at: string | null;
  created_at: string;
  /** The instalment plan that owes it now (decision 0028): set once, when the plan is made; null otherwise. */
  instalment_plan_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export type DocumentLineKind = 'meal' | 'light_meal' | 'fee' | 'sibling' | 'exemption' | 'storno' | 'credit';

export interface DocumentLineTable {
  document_id: number;
  position: number;
  kind: DocumentLineKind;
  description: string;
  quantity: number;
  unit_price_cents: number;
  amount_cents: number;
}

export interface DishTable {
  id: Generated<number>;
  ente_id: number;
  name: string;
  allergens: string;
  /** The ingredients as the kitchen writes them; '' when not given (migration 0024). */
  ingredients: Generated<string>;
  version: Generated<number>;
}

export interface MenuPlanTable {
  id: Generated<number>;
  ente_id: number;
  name: string;
  school_level: string;
  starts_on: string;
  ends_on: string;
  rotation_weeks: number;
  rotation_start: string;
  /** When the office published the plan; null: a draft, which parents do not see (migration 0024). */
  published_at: string | null;
  version: Generated<number>;
}

export type Course = 'primo' | 'secondo' | 'contorno' | 'frutta' | 'pane';

export interface MenuItemTable {
  plan_id: number;
  diet_code: string;
  week: number;
  weekday: number;
  course: Course;
  dish_id: number;
}

/** The menu of one day that replaces the plan's (a feast, a trip's packed lunch), for the ente or one level. */
export interface MenuSpecialTable {
  id: Generated<number>;
  ente_id: number;
  date: string;
  /** '' for every school level of the ente; a level's own special menu wins over the ente's. */
  school_level: string;
  name: string;
  version: Generated<number>;
}

export interface MenuSpecialItemTable {
  special_id: number;
  /** '' is the ordinary dish; a diet's row replaces it for that diet. */
  diet_code: string;
  course: Course;
  dish_id: number;
}

export type TopupState = 'in_attesa' | 'accreditata';

export interface TopupTable {
  id: Generated<number>;
  ente_id: number;
  badge_id: number;
  holder_person_id: number;
  amount_cents: number;
  state: TopupState;
  created_at: string;
  credited_at: string | null;
  /** Set when the holder withdrew the top-up before paying it. */
  cancelled_at: string | null;
}

export interface NoticeCounterTable {
  ente_id: number;
  last_base: number;
}

export type NoticeState = 'open' | 'paid' | 'cancelled';
export type PositionState = 'to_publish' | 'published' | 'to_invalidate' | 'invalidated';

export interface PaymentNoticeTable {
  id: Generated<number>;
  ente_id: number;
  /** The 18-digit notice number (codice avviso): aux digit 3 + IUV. */
  nav: string;
  iuv: string;
  kind: 'document' | 'topup';
  document_id: number | null;
  topup_id: number | null;
  holder_person_id: number;
  pupil_id: number;
  service_id: number;
  amount_cents: number;
  due_date: string;
  description: string;
  state: NoticeState;
  position_state: PositionState;
  position_attempts: Generated<number>;
  /** Instant of the next call to the platform for this position (null: now). */
  position_next_at: string | null;
  position_error: string | null;
  published_at: string | null;
  /** The cart holding this notice until cart_until: it can join no other cart before then. */
  cart_id: string | null;
  cart_until: string | null;
  paid_at: string | null;
  created_at: string;
}

export interface PaymentCartTable {
  id: string;
  ente_id: number;
  holder_person_id: number;
  state: 'sent' | 'refused';
  /** The return page the browser came back to, if it did: says nothing about the outcome. */
  returned: 'ok' | 'cancel' | 'error' | 'waiting' | null;
  created_at: string;
  expires_at: string;
  /** Where Checkout sent the browser: "Riprendi il pagamento" goes back there while the cart is valid. */
  checkout_url: string | null;
  /** The holder pressed "Abbandona": its notices are released as soon as the platform says they are unpaid. */
  abandoned_at: string | null;
}

export interface PaymentCartItemTable {
  cart_id: string;
  notice_id: number;
}

export type ReceiptFlag = 'ko' | 'unknown_notice' | 'amount_mismatch' | 'already_paid' | 'notice_cancelled';

export interface PaymentReceiptTable {
  id: Generated<number>;
  ente_id: number | null;
  creditor_tax_code: string;
  receipt_id: string;
  notice_number: string;
  outcome: string;
  amount_cents: number;
  fee_cents: number | null;
  paid_at: string | null;
  psp_id: string;
  psp_name: string;
  payment_method: string | null;
  payment_note: string | null;
  description: string;
  debtor_fiscal_code: string;
  debtor_name: string;
  payer_fiscal_code: string | null;
  payer_name: string | null;
  source: 'push' | 'pull';
  notice_id: number | null;
  status: 'applied' | 'flagged';
  flag: ReceiptFlag | null;
  xml: string;
  received_at: string;
}

export interface ReceiptPullTable {
  ente_id: number;
  pulled_until: string;
}

/** A receipt the pull could not read: the platform refused it (422) or it failed our parser. */
export interface ReceiptPullProblemTable {
  id: Generated<number>;
  ente_id: number;
  iuv: string;
  problem: 'platform_refused' | 'unreadable';
  detail: string;
  seen_at: string;
}

export interface SandboxPositionTable {
  creditor_tax_code: string;
  iupd: string;
  nav: string;
  status: string;
  amount_cents: number;
  body: string;
  updated_at: string;
}

export interface SandboxCartTable {
  id: string;
  body: string;
  state: string;
  created_at: string;
}

export interface SandboxReceiptTable {
  receipt_id: string;
  creditor_tax_code: string;
  iuv: string;
  debtor_fiscal_code: string;
  paid_at: string;
  xml: string;
}

/** A file uploaded for import, kept between its dry run and its confirmation (issue 13). */
export interface ImportUploadTable {
  /** Random, unguessable. */
  id: string;
  ente_id: number;
  operator_fiscal_code: string;
  sha256: string;
  file_name: string;
  content: Uint8Array;
  created_at: string;
}

export interface DB {
  ente: EnteTable;
  ente_logo: EnteLogoTable;
  school: SchoolTable;
  school_year: SchoolYearTable;
  service: ServiceTable;
  person: PersonTable;
  pupil: PupilTable;
  pupil_holder: PupilHolderTable;
  tariff: TariffTable;
  enrolment: EnrolmentTable;
  enrolment_term: EnrolmentTermTable;
  badge: BadgeTable;
  badge_retired_code: BadgeRetiredCodeTable;
  attachment: AttachmentTable;
  operator: OperatorTable;
  audit_event: AuditEventTable;
  session: SessionTable;
  closure: ClosureTable;
  absence_notice: AbsenceNoticeTable;
  absence_notice_day: AbsenceNoticeDayTable;
  attendance_change: AttendanceChangeTable;
  day_freeze: DayFreezeTable;
  attendance: AttendanceTable;
  meal_count: MealCountTable;
  dish: DishTable;
  menu_plan: MenuPlanTable;
  menu_item: MenuItemTable;
  sibling_reduction: SiblingReductionTable;
  tariff_exemption: TariffExemptionTable;
  day_charge: DayChargeTable;
  charge: ChargeTable;
  movement: MovementTable;
  billing_run: BillingRunTable;
  document_counter: DocumentCounterTable;
  document: DocumentTable;
  document_line: DocumentLineTable;
  topup: TopupTable;
  notice_counter: NoticeCounterTable;
  payment_notice: PaymentNoticeTable;
  payment_cart: PaymentCartTable;
  payment_cart_item: PaymentCartItemTable;
  payment_receipt: PaymentReceiptTable;
  receipt_pull: ReceiptPullTable;
  receipt_pull_problem: ReceiptPullProblemTable;
  sandbox_position: SandboxPositionTable;
  sandbox_cart: SandboxCartTable;
  sandbox_receipt: SandboxReceiptTable;
  import_upload: ImportUploadTable;
  closure_period: ClosurePeriodTable;
  menu_special: MenuSpecialTable;
  menu_special_item: MenuSpecialItemTable;
  pupil_diet: PupilDietTable;
  attendance_correction: AttendanceCorrectionTable;
  // issue 15/16 anchor: debtors tables (below this line)
  // —
  // issue 15/16 anchor: reminders tables (below this line)
  reminder_ladder: ReminderLadderTable;
  reminder: ReminderTable;
  reminder_run: ReminderRunTable;
  family_suspension: FamilySuspensionTable;
  // —
  // issue 15/16 anchor: instalments tables (below this line)
  office_correction: OfficeCorrectionTable;
  receipt_resolution: ReceiptResolutionTable;
  instalment_plan: InstalmentPlanTable;
  instalment_plan_document: InstalmentPlanDocumentTable;
  instalment: InstalmentTable;
  // —
  // issue 15/16 anchor: prepaid tables (below this line)
  prepaid_threshold: PrepaidThresholdTable;
  prepaid_year_end: PrepaidYearEndTable;
  // —
  // issue 15/16 anchor: reconciliation tables (below this line)
  fdr_flow: FdrFlowTable;
  fdr_payment: FdrPaymentTable;
  fdr_fetch: FdrFetchTable;
  sandbox_fdr_flow: SandboxFdrFlowTable;
  sandbox_fdr_day: SandboxFdrDayTable;
  // —
  // issue 15/16 anchor: messages tables (below this line)
  message_preference: MessagePreferenceTable;
  message_outbox: MessageOutboxTable;
  message_setting: MessageSettingTable;
  sandbox_mail: SandboxMailTable;
  sandbox_io_profile: SandboxIoProfileTable;
  sandbox_io_message: SandboxIoMessageTable;
  // —
}

export type Ente = Selectable<EnteTable>;
export type NewPerson = Insertable<PersonTable>;

// --- reconciliation ---

/** One revision of a reporting flow (FdR) published for the ente (issue 15 point 7). */
export interface FdrFlowTable {
  id: Generated<number>;
  ente_id: number;
  fdr: string;
  psp_id: string;
  revision: number;
  psp_name: string;
  flow_date: string;
  published_at: string;
  /** The identifier of the bank transfer that paid the flow (identificativoUnivocoRegolamento). */
  regulation: string;
  regulation_date: string;
  bic: string | null;
  declared_count: number;
  declared_sum_cents: number;
  payments_count: number;
  payments_sum_cents: number;
  superseded_at: string | null;
  fetched_at: string;
}

export type FdrMatch = 'matched' | 'amount_differs' | 'no_receipt' | 'duplicate' | 'revoked';

/** One payment (a transfer of a notice) reported in a flow revision, and what it matched. */
export interface FdrPaymentTable {
  id: Generated<number>;
  flow_id: number;
  ente_id: number;
  idx: number;
  iuv: string;
  iur: string;
  transfer_index: number;
  amount_cents: number;
  pay_status: string;
  pay_date: string;
  match: FdrMatch;
  receipt_row_id: number | null;
  fetch_note: string | null;
}

export interface FdrFetchTable {
  ente_id: number;
  first_fetched_at: string;
  published_until: string;
  last_run_at: string;
  last_error: string | null;
}

/** The sandbox's published flows: one row per revision, as the platform keeps them. */
export interface SandboxFdrFlowTable {
  creditor_tax_code: string;
  fdr: string;
  psp_id: string;
  revision: number;
  flow_date: string;
  published_at: string;
  is_latest: number;
  body: string;
  payments: string;
}

export interface SandboxFdrDayTable {
  creditor_tax_code: string;
  psp_id: string;
  day: string;
  fdr: string;
}

// --- prepaid ---

/** The ente's low-balance threshold for prepaid badges (issue 15): `value` is cents (euro) or meals (pasti). */
export interface PrepaidThresholdTable {
  ente_id: number;
  unit: 'euro' | 'pasti';
  value: number;
  /** Raised by every save: a save made from an older version is refused (decision 0016). */
  version: Generated<number>;
  updated_at: string;
}

export type YearEndAction = 'riporto' | 'trasferimento' | 'rimborso';

/** A badge's credit closed at the end of a school year (decision 0029): once per badge and year. */
export interface PrepaidYearEndTable {
  id: Generated<number>;
  ente_id: number;
  badge_id: number;
  school_year_id: number;
  action: YearEndAction;
  amount_cents: number;
  debit_movement_id: number;
  credit_movement_id: number | null;
  target_badge_id: number | null;
  iban: string | null;
  request_attachment_id: number | null;
  note: string | null;
  author: string;
  created_at: string;
}

// --- reminders ---

/** A version of the ente's reminder ladder (decision 0027): documents falling due from valid_from on follow it. */
export interface ReminderLadderTable {
  id: Generated<number>;
  ente_id: number;
  /** The version this one replaces (0: the ente's first); unique per ente, so two saves from one version collide. */
  replaces_id: number;
  valid_from: string;
  first_days: number;
  /** null: no second reminder. */
  second_days: number | null;
  formal_days: number;
  formal_term_days: number;
  collection_days: number;
  author: string;
  created_at: string;
}

export type ReminderStep = 'primo' | 'secondo' | 'formale' | 'coattiva';

/** One step of the ladder taken for one document: unique per document and step. */
export interface ReminderTable {
  id: Generated<number>;
  ente_id: number;
  document_id: number;
  step: ReminderStep;
  run_date: string;
  holder_person_id: number;
  pupil_id: number;
  service_id: number;
  amount_cents: number;
  due_date: string;
  new_due_date: string | null;
  ladder_id: number | null;
  created_at: string;
}

/** The daily run of an ente, claimed like the freeze's and the charging's days (src/domain/jobs/day-claim.ts). */
export interface ReminderRunTable {
  ente_id: number;
  date: string;
  started_at: string;
  reminders: Generated<number>;
  claimed_at: string | null;
  completed_at: string | null;
}

/** A family (its holder) the reminders leave alone until a day: a social-services case. */
export interface FamilySuspensionTable {
  id: Generated<number>;
  ente_id: number;
  person_id: number;
  reason: string;
  starts_on: string;
  until_date: string;
  ended_on: string | null;
  author: string;
  created_at: string;
  version: Generated<number>;
}

// --- instalments ---
// Issue 15, points 5, 6 and 3 (migration 0029, decision 0028): corrections, receipts resolved, instalment plans.

export type OfficeCorrectionKind = 'storno' | 'annullamento' | 'accredito' | 'addebito';

/** An office correction of an account, with the form's one-time key: a form sent twice does nothing twice. */
export interface OfficeCorrectionTable {
  id: Generated<number>;
  ente_id: number;
  kind: OfficeCorrectionKind;
  pupil_id: number;
  charge_id: number | null;
  document_id: number | null;
  badge_id: number | null;
  /** The storno charge, the credit note or the movement the correction wrote. */
  result_id: number;
  /** Signed, as written: the storno's, the credit note's, the movement's amount. */
  amount_cents: number;
  reason: string;
  author: string;
  submission_key: string;
  created_at: string;
}

export type ReceiptResolutionAction = 'assegnata' | 'rimborso' | 'verificata';

/** A kept receipt resolved by the office, once. */
export interface ReceiptResolutionTable {
  id: Generated<number>;
  ente_id: number;
  receipt_id: number;
  action: ReceiptResolutionAction;
  document_id: number | null;
  topup_id: number | null;
  refund_cents: number | null;
  reason: string;
  author: string;
  created_at: string;
}

export interface InstalmentPlanTable {
  id: Generated<number>;
  ente_id: number;
  holder_person_id: number;
  total_cents: number;
  instalments: number;
  state: 'in_corso' | 'pagato';
  reason: string;
  author: string;
  submission_key: string;
  created_at: string;
  paid_at: string | null;
}

export interface InstalmentPlanDocumentTable {
  document_id: number;
  plan_id: number;
  amount_cents: number;
}

export interface InstalmentTable {
  id: Generated<number>;
  ente_id: number;
  plan_id: number;
  position: number;
  amount_cents: number;
  due_date: string;
  nav: string;
  iuv: string;
  state: 'da_pagare' | 'pagata';
  paid_at: string | null;
  position_state: Generated<'to_publish' | 'published' | 'to_invalidate' | 'invalidated'>;
  position_attempts: Generated<number>;
  position_next_at: string | null;
  position_error: string | null;
  published_at: string | null;
}

// --- messages ---

/** The kinds of message an adult chooses channels for (issue 16). */
export type MessageKind = 'new_document' | 'due_soon' | 'reminder' | 'low_balance' | 'topup_credited' | 'statement_730' | 'office';
export type MessageChannel = 'email' | 'io';
/**
 * pending: to send (again) from next_at; sending: a process is sending it now; sent; skipped: nothing to
 * send to (no address, no App IO profile, refused); failed: every attempt failed; unknown: a process
 * died while sending it, so it may have gone: never sent again (decision 0031).
 */
export type MessageState = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'unknown';

export interface MessagePreferenceTable {
  person_id: number;
  kind: MessageKind;
  ente_id: number;
  email: number;
  io: number;
  language: 'it' | 'en';
  updated_at: string;
}

export interface MessageOutboxTable {
  id: Generated<number>;
  ente_id: number;
  event_key: string;
  kind: MessageKind;
  channel: MessageChannel;
  person_id: number;
  pupil_id: number;
  params: string;
  state: MessageState;
  attempts: Generated<number>;
  next_at: string;
  lease_token: string | null;
  lease_until: string | null;
  detail: string | null;
  error: string | null;
  sent_at: string | null;
  created_at: string;
}

export interface MessageSettingTable {
  ente_id: number;
  due_days: number;
}

export interface SandboxMailTable {
  id: Generated<number>;
  envelope_from: string;
  envelope_to: string;
  subject: string;
  raw: string;
  received_at: string;
}

export interface SandboxIoProfileTable {
  fiscal_code: string;
  sender_allowed: number;
}

export interface SandboxIoMessageTable {
  id: Generated<number>;
  message_id: string;
  fiscal_code: string;
  subject: string;
  markdown: string;
  payment_data: string | null;
  received_at: string;
}
