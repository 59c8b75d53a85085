import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDays } from '../../src/domain/calendar/local-time';
import { DEFAULT_LADDER, type Ladder, ladderFor, ladderProblems, nextStep, type TakenStep } from '../../src/domain/reminders/ladder';

const ladder = (fields: Partial<Ladder>): Ladder => ({ ...DEFAULT_LADDER, id: 1, validFrom: '2027-01-01', ...fields });

describe('the reminder ladder', () => {
  it('refuses steps out of order, a collection before the formal notice’s term, and days out of range', () => {
    assert.deepEqual(ladderProblems(DEFAULT_LADDER), {});
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, secondDays: null }), {});
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, secondDays: 15 }), { secondo: 'notAfterPrevious' });
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, secondDays: null, formalDays: 15 }), { formale: 'notAfterPrevious' });
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, collectionDays: 120 }), { coattiva: 'notAfterTerm' });
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, firstDays: 0 }), { primo: 'daysInvalid' });
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, formalTermDays: 366 }), { termine: 'daysInvalid' });
    assert.deepEqual(ladderProblems({ ...DEFAULT_LADDER, collectionDays: 3651 }), { coattiva: 'daysInvalid' });
  });

  it('gives a document the version in force on its due date, the default before any', () => {
    const versions = [ladder({ id: 1, validFrom: '2027-01-01', firstDays: 5 }), ladder({ id: 2, validFrom: '2027-03-01', firstDays: 7 })];
    assert.equal(ladderFor(versions, '2026-12-31'), DEFAULT_LADDER);
    assert.equal(ladderFor(versions, '2027-01-01').id, 1);
    assert.equal(ladderFor(versions, '2027-02-28').id, 1);
    assert.equal(ladderFor(versions, '2027-03-01').id, 2);
  });

  it('skips the second reminder when the ladder has none, and keeps the gaps after a late step', () => {
    const noSecond = ladder({ secondDays: null });
    const due = '2027-01-31';
    assert.deepEqual(nextStep(noSecond, due, [{ step: 'primo', runDate: addDays(due, 15), newDueDate: null }], addDays(due, 90)), { step: 'formale', newDueDate: addDays(due, 120) });
    const formalLate: TakenStep[] = [
      { step: 'primo', runDate: addDays(due, 15), newDueDate: null },
      { step: 'formale', runDate: addDays(due, 140), newDueDate: addDays(due, 170) },
    ];
    // A formal notice sent late (day 140, payable until 170): forced collection keeps the ladder's gap after it (150 - 90 = 60 days).
    assert.equal(nextStep(noSecond, due, formalLate, addDays(due, 171)), null, 'not at the ladder’s day 150, nor right after the new due date');
    assert.equal(nextStep(noSecond, due, formalLate, addDays(due, 199)), null);
    assert.deepEqual(nextStep(noSecond, due, formalLate, addDays(due, 200)), { step: 'coattiva', newDueDate: null });
  });

  it('run every day from the due date, takes each step once, in order, never before its day (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 60 }),
        fc.boolean(), fc.integer({ min: 0, max: 40 }),
        (first, gap2, gap3, term, gap4, withSecond, lateStart) => {
          const l = ladder({
            firstDays: first, secondDays: withSecond ? first + gap2 : null, formalDays: first + gap2 + gap3, formalTermDays: term,
            collectionDays: first + gap2 + gap3 + term + gap4,
          });
          assert.deepEqual(ladderProblems(l), {});
          const due = '2027-01-31';
          const taken: TakenStep[] = [];
          // The runs start `lateStart` days after the first step's day (a ladder introduced late, downtime).
          for (let day = addDays(due, first + lateStart); day <= addDays(due, l.collectionDays + 400); day = addDays(day, 1)) {
            const next = nextStep(l, due, taken, day);
            if (next) taken.push({ step: next.step, runDate: day, newDueDate: next.newDueDate });
          }
          assert.deepEqual(taken.map((t) => t.step), withSecond ? ['primo', 'secondo', 'formale', 'coattiva'] : ['primo', 'formale', 'coattiva']);
          const daysOf: Record<string, number> = { primo: l.firstDays, secondo: l.secondDays ?? 0, formale: l.formalDays, coattiva: l.collectionDays };
          for (const t of taken) assert.ok(t.runDate >= addDays(due, daysOf[t.step]!), `${t.step} not before its day`);
          const formal = taken.find((t) => t.step === 'formale')!;
          assert.equal(formal.newDueDate, addDays(formal.runDate, term));
          assert.ok(taken.at(-1)!.runDate > formal.newDueDate!, 'forced collection after the new due date');
        },
      ),
      { numRuns: 200 },
    );
  });
});
