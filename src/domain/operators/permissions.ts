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
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES: readonly OperatorRole[] = ['amministratore', 'operatore', 'cucina', 'scuola'];

/**
 * Roles (DESIGN §8): `amministratore` everything, operators too; `operatore` registry and money;
 * `cucina` counts, menus, diets as codes; `scuola` attendance of its own school.
 */
export const ROLE_PERMISSIONS: Readonly<Record<OperatorRole, readonly Permission[]>> = {
  amministratore: PERMISSIONS,
  operatore: ['backoffice.home', 'registry.read', 'registry.write', 'attachments.manage', 'registry.import', 'receipts.read', 'accounts.correct'],
  cucina: ['backoffice.home', 'kitchen.counts'],
  scuola: ['backoffice.home'],
};

export function roleMay(role: OperatorRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
