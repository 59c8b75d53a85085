import type { Kysely } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { ForbiddenError } from '../errors';
import type { Caller } from '../registry/service';
import { activeOperator } from '../registry/queries';
import { issueOperatorContext, may, type OperatorContext } from './context';
import type { Permission } from './permissions';

export type OperatorRow = NonNullable<Awaited<ReturnType<typeof activeOperator>>>;

/**
 * Operators come from our database by fiscal code and ente, read on every request so that a removal or a
 * change of role takes effect at once. This service is the only maker of `OperatorContext`s.
 */
export function createOperatorService(db: Kysely<DB>, audit: AuditTrail) {
  /** The active operator row of a person in an ente, if any (the header's "Area ufficio" link, the scope). */
  function operatorRow(ente: Ente, fiscalCode: string): Promise<OperatorRow | undefined> {
    return activeOperator(db, ente.id, fiscalCode);
  }

  function contextOf(ente: Ente, fiscalCode: string, row: OperatorRow, requestId?: string): OperatorContext {
    return issueOperatorContext({
      ente,
      operator: { id: row.id, fiscalCode, givenName: row.givenName, familyName: row.familyName, role: row.role, schoolId: row.schoolId },
      requestId,
    });
  }

  /**
   * The context of a caller who may do `permission` in this ente; a refusal is audited and raised as
   * ForbiddenError. `row` is the operator row when the request has read it already.
   */
  async function authorize(ente: Ente, caller: Caller, permission: Permission, row?: OperatorRow | null): Promise<OperatorContext> {
    const found = row === undefined ? await operatorRow(ente, caller.fiscalCode) : (row ?? undefined);
    const context = found ? contextOf(ente, caller.fiscalCode, found, caller.requestId) : undefined;
    if (!context || !may(context, permission)) {
      audit.record({ enteId: ente.id, actorFiscalCode: caller.fiscalCode, action: 'backoffice.denied', requestId: caller.requestId });
      throw new ForbiddenError(`not an operator of this ente allowed ${permission}`);
    }
    return context;
  }

  return { operatorRow, authorize };
}
