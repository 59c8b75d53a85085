import type { Kysely } from 'kysely';
import type { DB, Ente, OperatorRole } from '../../db/schema';
import type { AuditTrail } from '../audit/audit';
import { ForbiddenError } from '../errors';
import type { Caller } from '../registry/service';
import { activeOperator } from '../registry/queries';

/** Roles come from our database by fiscal code and ente, read on every request so revocation is immediate. */
export function createOperatorService(db: Kysely<DB>, audit: AuditTrail) {
  async function requireOperator(ente: Ente, caller: Caller, allowed: readonly OperatorRole[]) {
    const operator = await activeOperator(db, ente.id, caller.fiscalCode);
    if (!operator || !allowed.includes(operator.role)) {
      audit.record({
        enteId: ente.id,
        actorFiscalCode: caller.fiscalCode,
        action: 'backoffice.denied',
        requestId: caller.requestId,
      });
      throw new ForbiddenError('not an operator of this ente with an allowed role');
    }
    return operator;
  }
  return { requireOperator };
}

export const ALL_ROLES: readonly OperatorRole[] = ['amministratore', 'operatore', 'cucina', 'scuola'];
