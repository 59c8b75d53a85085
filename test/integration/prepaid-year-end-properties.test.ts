import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Ente } from '../../src/db/schema';
import { InvalidInputError } from '../../src/domain/errors';
import type { OperatorContext } from '../../src/domain/operators/context';
import { badgesBelowThreshold } from '../../src/domain/prepaid/queries';
import type { YearEndInput } from '../../src/domain/prepaid/service';
import { MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { SAMPLE_JPEG } from '../helpers/files';

/** July 2027: both 2025/2026 (ended 10 June 2026) and 2026/2027 (ended 10 June 2027) can be closed. */
const NOW = '2027-07-10T10:00:00+02:00';
const TODAY = '2027-07-10';
const VALID_IBAN = 'IT60X0542811101000000123456';
const DAYS = ['2025-10-01', '2026-02-15', '2026-06-10', '2026-06-11', '2026-11-03', '2027-03-20', '2027-06-10', '2027-06-30'];

type Movement = { badge: number; day: string; cents: number };
type Closing = { badge: number; year: number; action: 'riporto' | 'trasferimento' | 'rimborso'; target: number; repeat: boolean };

const movement: fc.Arbitrary<Movement> = fc.record({
  badge: fc.nat({ max: 2 }),
  day: fc.constantFrom(...DAYS),
  cents: fc.oneof(fc.integer({ min: 100, max: 20_000 }), fc.integer({ min: -600, max: -200 })),
});
const closing: fc.Arbitrary<Closing> = fc.record({
  badge: fc.nat({ max: 2 }),
  year: fc.nat({ max: 1 }),
  action: fc.constantFrom('riporto' as const, 'trasferimento' as const, 'rimborso' as const),
  target: fc.nat({ max: 2 }),
  repeat: fc.boolean(),
});

for (const { engine, skip } of testEngines()) {
  describe(`year-end closings keep the ledger sound on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: OperatorContext;
    let serviceId: number;
    let years: { id: number; endsOn: string }[];
    let family = 0;
    const db = () => app.database.db;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      office = await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'prepaid.manage');
      serviceId = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('billing', '=', 'prepaid').executeTakeFirstOrThrow()).id;
      years = await db().selectFrom('school_year').select(['id', 'ends_on as endsOn']).where('ente_id', '=', enteId).where('label', 'in', ['2025/2026', '2026/2027']).orderBy('starts_on').execute();
      assert.equal(years.length, 2);
    });
    after(async () => {
      await app?.close();
    });

    /** Three siblings of one holder, each with a prepaid badge. */
    async function buildFamily() {
      const holder = await buildPerson(db(), enteId);
      const badges: number[] = [];
      for (let i = 0; i < 3; i++) {
        const pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { familyName: holder.familyName });
        const code = `F${process.pid % 1000}${engine[0]}${++family}x${i}`;
        badges.push((await db().insertInto('badge').values({ ente_id: enteId, code, pupil_id: pupil.pupilId, service_id: serviceId, issued_on: '2025-09-01', active: 1 }).returning('id').executeTakeFirstOrThrow()).id);
      }
      return badges;
    }

    const rowsOf = (badges: number[]) => db().selectFrom('movement').selectAll().where('badge_id', 'in', badges).orderBy('id').execute();
    const sumUpTo = (rows: { badge_id: number; value_date: string; amount_cents: number }[], badge: number, day: string) =>
      rows.filter((r) => r.badge_id === badge && r.value_date <= day).reduce((sum, r) => sum + r.amount_cents, 0);

    it('whatever the movements and the closings, in any order and repeated: every balance the office reads is the sum of its movements, each carry or transfer moves money without making or losing it, a refund takes out exactly the credit, nothing is edited', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(movement, { maxLength: 8 }), fc.array(closing, { minLength: 1, maxLength: 6 }), async (movements, closings) => {
          const badges = await buildFamily();
          for (const m of movements) {
            await db()
              .insertInto('movement')
              .values({ ente_id: enteId, badge_id: badges[m.badge]!, amount_cents: m.cents, kind: m.cents > 0 ? 'topup' : 'meal', value_date: m.day, charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: NOW })
              .execute();
          }
          let refunded = 0;
          const initialTotal = (await rowsOf(badges)).reduce((sum, r) => sum + r.amount_cents, 0);
          for (const step of closings) {
            const before = await rowsOf(badges);
            const badgeId = badges[step.badge]!;
            const year = years[step.year]!;
            const input: YearEndInput = {
              schoolYearId: year.id,
              action: step.action,
              targetBadgeId: step.action === 'trasferimento' ? badges[step.target]! : null,
              iban: step.action === 'rimborso' ? VALID_IBAN : null,
              attachmentId: null,
              note: null,
            };
            // A refund needs the holder's request, filed as an attachment of the holder.
            if (step.action === 'rimborso') input.attachmentId = await requestFor(badgeId);
            const credit = sumUpTo(before, badgeId, year.endsOn);
            let effect;
            try {
              effect = await app.app.services.prepaid.yearEndPreview(office, badgeId, input);
            } catch (error) {
              assert.ok(error instanceof InvalidInputError, String(error));
              const closed = await db().selectFrom('prepaid_year_end').select('id').where('badge_id', '=', badgeId).where('school_year_id', '=', year.id).executeTakeFirst();
              const why = Object.values(error.problems)[0];
              const laterClosed = await db()
                .selectFrom('prepaid_year_end as c')
                .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
                .select('c.id')
                .where('c.badge_id', 'in', [badgeId, badges[step.target]!])
                .where('y.ends_on', '>', year.endsOn)
                .executeTakeFirst();
              assert.ok(
                credit <= 0 || closed !== undefined || (step.action === 'trasferimento' && step.target === step.badge) || laterClosed !== undefined,
                `refused (${why}) with a credit of ${credit}, not closed, a valid ${step.action}`,
              );
              await assert.rejects(app.app.services.prepaid.closeYear(office, badgeId, input, Math.max(credit, 1)), InvalidInputError);
              assert.deepEqual(await rowsOf(badges), before, 'a refused closing writes nothing');
              continue;
            }
            assert.equal(effect.creditCents, credit, 'the credit is the balance at the year’s end');
            await app.app.services.prepaid.closeYear(office, badgeId, input, effect.creditCents);
            if (step.repeat) await assert.rejects(app.app.services.prepaid.closeYear(office, badgeId, input, effect.creditCents), InvalidInputError);
            const afterRows = await rowsOf(badges);
            assert.deepEqual(afterRows.slice(0, before.length), before, 'no movement edited or removed');
            const added = afterRows.slice(before.length);
            assert.equal(added.length, step.action === 'rimborso' ? 1 : 2, 'a debit, and its credit unless refunded');
            assert.equal(sumUpTo(afterRows, badgeId, year.endsOn), 0, 'the badge is empty at the year’s end');
            const net = added.reduce((sum, r) => sum + r.amount_cents, 0);
            if (step.action === 'rimborso') {
              assert.equal(net, -credit);
              refunded += credit;
            } else assert.equal(net, 0, 'a carry or a transfer makes and loses no money');
          }
          const rows = await rowsOf(badges);
          assert.equal(rows.reduce((sum, r) => sum + r.amount_cents, 0), initialTotal - refunded, 'the family’s money is what it had less the refunds');
          // The balances the office reads (the list, a badge's page, each year's credit) are the sums of the movements.
          const listed = await badgesBelowThreshold(db(), enteId, { unit: 'euro', value: 10_000_000 }, { today: TODAY });
          for (const badgeId of badges) {
            assert.equal(listed.find((r) => r.badgeId === badgeId)?.balanceCents, sumUpTo(rows, badgeId, TODAY));
            const view = await app.app.services.prepaid.yearEndView(office, badgeId);
            assert.equal(view.balanceCents, sumUpTo(rows, badgeId, TODAY));
            for (const year of view.years.filter((y) => years.some((known) => known.id === y.id))) assert.equal(year.creditCents, sumUpTo(rows, badgeId, year.endsOn));
          }
          // Every year closed is still empty at its end: later closings never put money back before it.
          const closedYears = await db().selectFrom('prepaid_year_end as c').innerJoin('school_year as y', 'y.id', 'c.school_year_id').select(['c.badge_id', 'y.ends_on']).where('c.badge_id', 'in', badges).execute();
          for (const c of closedYears) assert.equal(sumUpTo(rows, c.badge_id, c.ends_on), 0, 'a closed year stays empty at its end');
          const twice = await db().selectFrom('prepaid_year_end').select(['badge_id', 'school_year_id']).where('badge_id', 'in', badges).execute();
          assert.equal(new Set(twice.map((c) => `${c.badge_id}|${c.school_year_id}`)).size, twice.length, 'at most one closing per badge and year');
        }),
        {
          numRuns: engine === 'sqlite' ? 25 : 15,
          // Besides the random runs: the later year closed first, then the earlier one refunded and transferred.
          examples: [
            [
              [{ badge: 0, day: '2025-10-01', cents: 5_000 }, { badge: 0, day: '2026-11-03', cents: 1_000 }, { badge: 1, day: '2026-02-15', cents: 700 }],
              [
                { badge: 0, year: 1, action: 'riporto', target: 0, repeat: false },
                { badge: 0, year: 0, action: 'rimborso', target: 0, repeat: false },
                { badge: 1, year: 0, action: 'trasferimento', target: 0, repeat: false },
                { badge: 1, year: 0, action: 'trasferimento', target: 2, repeat: true },
              ],
            ],
          ],
        },
      );
    });

    it('two confirmations of one closing at once: one is recorded, the other refused', async () => {
      const [badgeId] = await buildFamily();
      await db().insertInto('movement').values({ ente_id: enteId, badge_id: badgeId!, amount_cents: 2_000, kind: 'topup', value_date: '2026-10-01', charge_id: null, reverses_movement_id: null, note: null, author: 'test', created_at: NOW }).execute();
      const input: YearEndInput = { schoolYearId: years[1]!.id, action: 'riporto', targetBadgeId: null, iban: null, attachmentId: null, note: null };
      const results = await Promise.allSettled([0, 1].map(() => app.app.services.prepaid.closeYear(office, badgeId!, input, 2_000)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof InvalidInputError, String(rejected.reason));
      assert.equal((await rowsOf([badgeId!])).length, 3);
    });

    /** The holder's request, filed once per badge's holder. */
    const requests = new Map<number, number>();
    async function requestFor(badgeId: number): Promise<number> {
      const holder = await db()
        .selectFrom('badge as b')
        .innerJoin('pupil_holder as ph', 'ph.pupil_id', 'b.pupil_id')
        .select('ph.person_id')
        .where('b.id', '=', badgeId)
        .where('ph.relation', '=', 'intestatario')
        .executeTakeFirstOrThrow();
      const known = requests.get(holder.person_id);
      if (known) return known;
      const files = await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'attachments.manage');
      const meta = await app.app.services.attachments.upload(files, { kind: 'person', id: holder.person_id }, { title: 'Richiesta di rimborso', kind: 'altro', visibleToParent: false, fileName: 'richiesta.jpg', content: SAMPLE_JPEG });
      requests.set(holder.person_id, meta.id);
      return meta.id;
    }
  });
}
