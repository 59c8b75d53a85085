import { type RawBuilder, sql } from 'kysely';

/**
 * What a holder still owes (decision 0026): the one rule the parents' "Pagamento dei servizi scolastici"
 * and the office's debtors list share. A document is open while it is a `documento` (a credit note is
 * never owed) in state `da_pagare`: a paid one (its receipt applied) and a cancelled one (with its credit
 * note) are not. A notice waiting in a pagoPA cart is still owed until its receipt arrives; pagoPA pays a
 * notice whole (a receipt of another amount is kept aside, never applied), so there is no partial payment
 * to subtract. The literals are inlined, not bound, so both engines can use the partial index of open
 * documents.
 *
 * A document split into instalments (decision 0028) is owed through its instalments, each with its own
 * notice: its own notice is withdrawn, so it is not open here (a document is in one plan at most, and
 * becomes paid when the plan's last instalment is). The document row carries its plan (`instalment_plan_id`),
 * so the rule reads the document alone and the partial index of open documents (migrations 0027, 0029)
 * answers it: a join with the plans cost the debtors' page twice its time on PostgreSQL.
 *
 * `alias` is the document table's alias in the caller's query (a constant of our code).
 */
export function openDocument(alias = 'd'): RawBuilder<boolean> {
  if (!/^[a-z_]+$/.test(alias)) throw new Error(`not a plain alias: ${alias}`);
  return sql<boolean>`${sql.ref(`${alias}.kind`)} = 'documento' and ${sql.ref(`${alias}.state`)} = 'da_pagare'
    and ${sql.ref(`${alias}.instalment_plan_id`)} is null`;
}

/** An open document is overdue from the day after its due date: the parent's page then reads "scaduto". */
export function isOverdue(dueDate: string, today: string): boolean {
  return dueDate < today;
}
