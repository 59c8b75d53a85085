import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Ente } from '../../src/db/schema';
import { InvalidInputError } from '../../src/domain/errors';
import { startTestApp, type TestApp } from '../helpers/app';
import { assertBooksAreSound, assertLedgerMatchesCharges } from '../helpers/books';
import { testEngines } from '../helpers/databases';

/** School days of October and November 2026 that the operations pick from. */
const DAYS = ['2026-10-01', '2026-10-02', '2026-10-12', '2026-10-21', '2026-10-30', '2026-11-02', '2026-11-16', '2026-11-25'];

type Operation =
  | { op: 'freeze'; day: string }
  | { op: 'charge'; day: string }
  | { op: 'catch-up' }
  | { op: 'bill'; period: '2026-09' | '2026-10' }
  | { op: 'storno'; pick: number }
  | { op: 'cancel'; pick: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('freeze' as const), day: fc.constantFrom(...DAYS) }),
  fc.record({ op: fc.constant('charge' as const), day: fc.constantFrom(...DAYS) }),
  fc.constant({ op: 'catch-up' as const }),
  fc.record({ op: fc.constant('bill' as const), period: fc.constantFrom('2026-09' as const, '2026-10' as const) }),
  fc.record({ op: fc.constant('storno' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
);

for (const { engine, skip } of testEngines()) {
  describe(`the books under any sequence of jobs and corrections on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    const db = () => t.database.db;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' });
      ente = (await db().selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
    });
    after(async () => {
      await t?.close();
    });

    it('keeps charges, ledger, documents and numbering sound after every step, whatever the order and repetitions', async () => {
      const { freeze, charging, billing } = t.app.services;
      const apply = async (step: Operation) => {
        switch (step.op) {
          case 'freeze':
            return freeze.freezeDay(ente, step.day);
          case 'charge':
            return charging.chargeDay(ente, step.day);
          case 'catch-up':
            return charging.chargeDueDays();
          case 'bill':
            return billing.billMonth(ente, step.period, { batchSize: 13 });
          case 'storno': {
            const charges = await db().selectFrom('charge').select('id').where('ente_id', '=', ente.id).where('kind', '<>', 'storno').orderBy('id').execute();
            if (charges.length === 0) return;
            const chargeId = charges[step.pick % charges.length]!.id;
            return charging.reverseCharge(ente, { chargeId, reason: 'Correzione di prova', author: 'PLOMRC01P30L736Y' }).catch((error: unknown) => {
              if (!(error instanceof InvalidInputError)) throw error; // already reversed: refused, nothing written
            });
          }
          case 'cancel': {
            const documents = await db().selectFrom('document').select('id').where('ente_id', '=', ente.id).where('kind', '=', 'documento').orderBy('id').execute();
            if (documents.length === 0) return;
            const documentId = documents[step.pick % documents.length]!.id;
            return billing.cancelDocument(ente, { documentId, reason: 'Annullamento di prova', author: 'PLOMRC01P30L736Y' }).catch((error: unknown) => {
              if (!(error instanceof InvalidInputError)) throw error; // already cancelled
            });
          }
        }
      };
      // One database across runs: every run continues from the books the previous ones left.
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 8 }), async (steps) => {
          for (const step of steps) {
            await apply(step);
            await assertBooksAreSound(db());
            await assertLedgerMatchesCharges(db());
          }
        }),
        // Shrinking would replay steps on books already changed: report the sequence as it failed.
        { numRuns: 25, endOnFailure: true, verbose: true },
      );
    });
  });
}
