/** Errors the service layer raises on purpose; the web layer maps each to a status and a page. */

/** Logged in, but holder of no pupil of this ente: the seed wants an explicit error, never empty tables. */
export class NotHolderError extends Error {
  constructor() {
    super('caller is not the holder of any pupil of this ente');
  }
}

/** The thing does not exist, or exists but is not the caller's: the two are indistinguishable on purpose. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** Known person, wrong role (e.g. a parent at the office's pages). */
export class ForbiddenError extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

/** Input a person can correct: the form is shown again with these messages (catalogue keys) by field. */
export class InvalidInputError<Field extends string = string> extends Error {
  constructor(readonly problems: Partial<Record<Field, string>>) {
    super(`invalid input: ${Object.keys(problems).join(', ')}`);
  }
}

/** The reason every correction by the office must give (a storno, a cancellation): trimmed, not empty. */
export function correctionReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length < 3) throw new InvalidInputError({ reason: 'reasonRequired' });
  return reason;
}

/**
 * A save made from a version of a record that someone else has changed since: refused, with the values
 * now stored, so the page can show the other change instead of silently overwriting it.
 */
export class ConflictError extends Error {
  constructor(readonly current: Record<string, unknown>) {
    super('the record was changed by someone else since it was read');
  }
}
