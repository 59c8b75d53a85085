import type { Permission } from '../../domain/operators/permissions';

/**
 * The areas of the back office, in the order its home lists them: each a folder under
 * `web/backoffice/` and a path under `/{ente}/ufficio/`, shown to the roles with its permission.
 */
export const OFFICE_AREAS = [
  { key: 'anagrafe', path: 'anagrafe', permission: 'registry.read' },
  { key: 'importa', path: 'importa', permission: 'registry.import' },
  { key: 'presenze', path: 'presenze', permission: 'attendance.mark' },
  { key: 'pasti', path: 'pasti', permission: 'kitchen.counts' },
  { key: 'diete', path: 'diete', permission: 'diets.read' },
  { key: 'menu', path: 'menu', permission: 'menus.manage' },
  { key: 'calendario', path: 'calendario', permission: 'calendar.manage' },
  { key: 'tariffe', path: 'tariffe', permission: 'tariffs.manage' },
  { key: 'fatturazione', path: 'fatturazione', permission: 'billing.preview' },
  { key: 'morosi', path: 'morosi', permission: 'debtors.read' },
  { key: 'solleciti', path: 'solleciti', permission: 'reminders.manage' },
  { key: 'rateizzazioni', path: 'rateizzazioni', permission: 'instalments.manage' },
  { key: 'documenti', path: 'documenti', permission: 'accounts.correct' },
  { key: 'prepagati', path: 'prepagati', permission: 'prepaid.manage' },
  { key: 'ricevute', path: 'ricevute', permission: 'receipts.read' },
  { key: 'rendicontazione', path: 'rendicontazione', permission: 'reconciliation.manage' },
  { key: 'contabilita', path: 'contabilita', permission: 'accounting.export' },
  { key: 'messaggi', path: 'messaggi', permission: 'messages.send' },
  { key: 'impostazioni', path: 'impostazioni', permission: 'settings.manage' },
  { key: 'operatori', path: 'operatori', permission: 'operators.manage' },
  { key: 'registroAttivita', path: 'registro-attivita', permission: 'activity.read' },
] as const satisfies readonly { key: string; path: string; permission: Permission }[];

export type OfficeAreaKey = (typeof OFFICE_AREAS)[number]['key'];
