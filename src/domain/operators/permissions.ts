import type { OperatorRole } from '../../db/schema';

/**
 * What an operator may do in the back office. Each back-office route names exactly one of these
 * (`config.permission`), and each service function that changes or reads office data checks it again
 * on the `OperatorContext` it is given. This file is the only place where roles are listed.
 */
export const PERMISSIONS = [
  /** The back office's home page and its header link. */
  'backoffice.home',
  /** Search the registry and read a pupil's or a person's office page (everything the parent sees, and its history). */
  'registry.read',
  /** Create and edit persons, pupils, the adults linked to a pupil, enrolments and badges. */
  'registry.write',
  /** Upload attachments, and download them (every download is audited). */
  'attachments.manage',
  /** Import a file from the previous supplier; export the registry. */
  'registry.import',
  /** Add and remove operators. */
  'operators.manage',
  /** Read the activity log: who looked at or changed what. */
  'activity.read',
  /** The kitchen's meal counts and printable sheets. */
  'kitchen.counts',
  /** pagoPA receipts kept for the office to check. */
  'receipts.read',
  /** Corrections of accounts: a charge reversed, a document cancelled, a manual credit or debit. */
  'accounts.correct',
  /** The ente's settings (contacts, cut-off, top-up limits, pagoPA data, accessibility statement) and its schools. */
  'settings.manage',
  /** School years and closures. */
  'calendar.manage',
  /** Tariffs, reductions and exemptions, from a date; the "what would this family pay" preview. */
  'tariffs.manage',
  /** Dishes, allergens, menu plans, diet variants, special menus of a day. */
  'menus.manage',
  /** Read special diets: the kitchen sees the diet, never its medical reason (the service decides). */
  'diets.read',
  /** Record and approve special diets with their certificate or declaration. */
  'diets.manage',
  /** The day's attendance at school: mark before the cut-off (a `scuola` operator for its own school only). */
  'attendance.mark',
  /** Corrections of a frozen day's attendance, with a reason; absences phoned in by a parent. */
  'attendance.correct',
  /** What the next billing run will bill, and the log of past runs. */
  'billing.preview',
  /** The debtors list, its exports, and a holder's statement across pupils. */
  'debtors.read',
  /** The reminder ladder, families suspended from it, its runs and the list for forced collection. */
  'reminders.manage',
  /** Split a holder's overdue documents into instalments. */
  'instalments.manage',
  /** Resolve a kept receipt: assign it, record a refund to make, or mark it checked. */
  'receipts.resolve',
  /** Prepaid badges below the threshold; a year-end credit carried, transferred or refunded. */
  'prepaid.manage',
  /** pagoPA's reporting flows (flussi di rendicontazione), matched to our receipts. */
  'reconciliation.manage',
  /** Receipts per day and month by service and pagoPA taxonomy, the basis of the reversali. */
  'accounting.export',
  /** Messages to families: write, preview and send; what was sent to a family and what failed. */
  'messages.send',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES: readonly OperatorRole[] = ['amministratore', 'operatore', 'cucina', 'scuola'];

/**
 * Roles (DESIGN §8): `amministratore` everything, operators too; `operatore` registry and money;
 * `cucina` counts, menus, diets as codes; `scuola` attendance of its own school.
 */
export const ROLE_PERMISSIONS: Readonly<Record<OperatorRole, readonly Permission[]>> = {
  amministratore: PERMISSIONS,
  operatore: [
    'backoffice.home', 'registry.read', 'registry.write', 'attachments.manage', 'registry.import', 'receipts.read', 'accounts.correct',
    'calendar.manage', 'tariffs.manage', 'menus.manage', 'diets.read', 'diets.manage', 'attendance.mark', 'attendance.correct', 'billing.preview',
    'debtors.read', 'reminders.manage', 'instalments.manage', 'receipts.resolve', 'prepaid.manage', 'reconciliation.manage', 'accounting.export',
    'messages.send',
  ],
  cucina: ['backoffice.home', 'kitchen.counts', 'menus.manage', 'diets.read'],
  scuola: ['backoffice.home', 'attendance.mark'],
};

export function roleMay(role: OperatorRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
