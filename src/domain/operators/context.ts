import type { Ente, OperatorRole } from '../../db/schema';
import { ForbiddenError } from '../errors';
import { type Permission, roleMay } from './permissions';

/** The operator behind a back-office request, resolved once per request by the `/:ente/ufficio` scope. */
export interface OperatorContext {
  readonly ente: Ente;
  readonly operator: {
    readonly id: number;
    readonly fiscalCode: string;
    readonly givenName: string;
    readonly familyName: string;
    readonly role: OperatorRole;
    /** The school of a `scuola` operator; null for the other roles. */
    readonly schoolId: number | null;
  };
  readonly requestId?: string;
}

/**
 * Contexts made by `issueOperatorContext` only: a service given an object that merely looks like one
 * (built by a route from rows it fetched) refuses it, so a new route cannot skip the operator check.
 */
const issued = new WeakSet<OperatorContext>();

export function issueOperatorContext(context: OperatorContext): OperatorContext {
  const frozen = Object.freeze({ ...context, operator: Object.freeze({ ...context.operator }) });
  issued.add(frozen);
  return frozen;
}

/** The gate of every back-office service function: a real context, whose role has the permission. */
export function requirePermission(context: OperatorContext, permission: Permission): void {
  if (!issued.has(context)) throw new Error('not an operator context issued by the operator service');
  if (!roleMay(context.operator.role, permission)) throw new ForbiddenError(`role ${context.operator.role} lacks ${permission}`);
}

export function may(context: OperatorContext, permission: Permission): boolean {
  return issued.has(context) && roleMay(context.operator.role, permission);
}
