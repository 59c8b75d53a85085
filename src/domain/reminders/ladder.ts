import type { ReminderStep } from '../../db/schema';
import { addDays } from '../calendar/local-time';

/**
 * The reminder ladder (decision 0027): how many days after its due date an unpaid document gets each
 * step. A document follows the ladder version in force on its due date (the newest saved on or before
 * it; the default when none was): a change applies to the documents falling due from the day it is saved,
 * and a document half-way up the ladder finishes it under the rules it started with.
 */
export interface Ladder {
  /** The version's id; null: the default ladder (the ente never saved one). */
  id: number | null;
  validFrom: string | null;
  firstDays: number;
  /** null: no second reminder. */
  secondDays: number | null;
  formalDays: number;
  /** The formal notice's new due date: this many days after it is sent. */
  formalTermDays: number;
  collectionDays: number;
}

/** Macerata's and Latina's ladder, as the issue names it: 15, 45, 90 (30 days to pay), then forced collection. */
export const DEFAULT_LADDER: Ladder = { id: null, validFrom: null, firstDays: 15, secondDays: 45, formalDays: 90, formalTermDays: 30, collectionDays: 150 };

/** The largest number of days a step may wait: ten years is already no ladder's. */
export const MAX_LADDER_DAYS = 3650;
/** The longest term a formal notice may give. */
export const MAX_TERM_DAYS = 365;

export const STEPS: readonly ReminderStep[] = ['primo', 'secondo', 'formale', 'coattiva'];

/** The steps of a ladder in order, with the days after the due date each waits for. */
export function stepsOf(ladder: Ladder): { step: ReminderStep; days: number }[] {
  return [
    { step: 'primo', days: ladder.firstDays },
    ...(ladder.secondDays === null ? [] : [{ step: 'secondo' as const, days: ladder.secondDays }]),
    { step: 'formale', days: ladder.formalDays },
    { step: 'coattiva', days: ladder.collectionDays },
  ];
}

/** Problems of a ladder the office typed, by form field (catalogue keys); empty when it is a ladder. */
export function ladderProblems(ladder: Omit<Ladder, 'id' | 'validFrom'>): Record<string, string> {
  const problems: Record<string, string> = {};
  const days = (value: number | null, field: string, max = MAX_LADDER_DAYS) => {
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > max)) problems[field] = 'daysInvalid';
  };
  days(ladder.firstDays, 'primo');
  days(ladder.secondDays, 'secondo');
  days(ladder.formalDays, 'formale');
  days(ladder.formalTermDays, 'termine', MAX_TERM_DAYS);
  days(ladder.collectionDays, 'coattiva');
  if (Object.keys(problems).length) return problems;
  if (ladder.secondDays !== null && ladder.secondDays <= ladder.firstDays) problems.secondo = 'notAfterPrevious';
  if (ladder.formalDays <= (ladder.secondDays ?? ladder.firstDays)) problems.formale = 'notAfterPrevious';
  if (ladder.collectionDays <= ladder.formalDays + ladder.formalTermDays) problems.coattiva = 'notAfterTerm';
  return problems;
}

/** The ladder a document due on `dueDate` follows: versions sorted oldest first (valid_from, then id). */
export function ladderFor(versions: readonly Ladder[], dueDate: string): Ladder {
  let found: Ladder = DEFAULT_LADDER;
  for (const version of versions) if (version.validFrom !== null && version.validFrom <= dueDate) found = version;
  return found;
}

/** The smallest first-step wait of any version: no document due later than `today - that` needs a look. */
export function smallestFirstDays(versions: readonly Ladder[]): number {
  return Math.min(DEFAULT_LADDER.firstDays, ...versions.map((v) => v.firstDays));
}

export interface TakenStep {
  step: ReminderStep;
  runDate: string;
  newDueDate: string | null;
}

/**
 * The step an unpaid document takes on `today`, or null. Steps go in order, one per run: a document found
 * 200 days overdue gets its first reminder, not a formal notice. Each step waits for its days after the due
 * date and, after the previous step, for the ladder's gap between the two (a late first reminder does not
 * bring the second closer); forced collection waits for the formal notice's new due date to pass.
 */
export function nextStep(ladder: Ladder, dueDate: string, taken: readonly TakenStep[], today: string): { step: ReminderStep; newDueDate: string | null } | null {
  const steps = stepsOf(ladder);
  const done = new Map(taken.map((t) => [t.step, t]));
  const index = steps.findIndex((s) => !done.has(s.step));
  if (index < 0) return null;
  const { step, days } = steps[index]!;
  let earliest = addDays(dueDate, days);
  if (index > 0) {
    const previous = steps[index - 1]!;
    const previousTaken = done.get(previous.step)!;
    const afterPrevious = addDays(previousTaken.runDate, days - previous.days);
    if (afterPrevious > earliest) earliest = afterPrevious;
  }
  if (step === 'coattiva') {
    const formal = done.get('formale');
    if (formal?.newDueDate) {
      const afterTerm = addDays(formal.newDueDate, 1);
      if (afterTerm > earliest) earliest = afterTerm;
    }
  }
  if (earliest > today) return null;
  return { step, newDueDate: step === 'formale' ? addDays(today, ladder.formalTermDays) : null };
}
