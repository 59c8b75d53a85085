import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';

/** The invariants of issue 4 that hold whatever ran, however often. */
export async function assertBooksAreSound(db: Kysely<DB>) {
  const unbalanced = await sql<{ id: number }>`
    select d.id from document d left join document_line l on l.document_id = d.id
    group by d.id, d.total_cents having d.total_cents <> coalesce(sum(l.amount_cents), 0)`.execute(db);
  assert.deepEqual(unbalanced.rows, [], 'every document total equals the sum of its lines');

  const numbering = await sql<{ ente_id: number; year: number; n: number; max: number; distinct_numbers: number; last_number: number }>`
    select d.ente_id, d.year, count(*) as n, max(d.number) as max, count(distinct d.number) as distinct_numbers, c.last_number
    from document d join document_counter c on c.ente_id = d.ente_id and c.year = d.year
    group by d.ente_id, d.year, c.last_number`.execute(db);
  for (const row of numbering.rows) {
    assert.equal(Number(row.n), Number(row.max), `no gap in ${row.year}`);
    assert.equal(Number(row.n), Number(row.distinct_numbers), `no duplicate in ${row.year}`);
    assert.equal(Number(row.last_number), Number(row.max), 'the counter is where the numbers stopped');
  }

  const twice = await sql`select enrolment_id, period from document where kind = 'documento' group by enrolment_id, period having count(*) > 1`.execute(db);
  assert.deepEqual(twice.rows, [], 'one document per enrolment and month');

  const mismatched = await sql`
    select d.id from document d
    where d.kind = 'documento' and d.total_cents <> (
      select sum(c.amount_cents) from charge c
      where c.enrolment_id = d.enrolment_id and c.date >= d.period || '-01' and c.date <= d.period || '-31')`.execute(db);
  assert.deepEqual(mismatched.rows, [], 'a document bills exactly the charges of its enrolment and month');

  const uncharged = await sql`
    select a.pupil_id, a.date from attendance a
    join enrolment e on e.id = a.enrolment_id join tariff t on t.id = e.tariff_id and t.unit = 'pasto'
    where a.status in ('present', 'light_meal')
      and exists (select 1 from day_charge dc where dc.ente_id = a.ente_id and dc.date = a.date)
      and (select count(*) from charge c where c.enrolment_id = a.enrolment_id and c.date = a.date and c.kind <> 'storno') <> 1`.execute(db);
  assert.deepEqual(uncharged.rows, [], 'every booked meal of a charged day has exactly one charge');
}

/** Each prepaid badge's meal debits and storno credits are exactly the charges of its pupil's prepaid meals. */
export async function assertLedgerMatchesCharges(db: Kysely<DB>) {
  const mismatched = await sql`
    select b.id from badge b
    where coalesce((select sum(m.amount_cents) from movement m where m.badge_id = b.id and m.kind <> 'topup' and m.kind <> 'adjustment'), 0)
      <> -coalesce((select sum(c.amount_cents) from charge c join enrolment e on e.id = c.enrolment_id
                    where c.pupil_id = b.pupil_id and e.service_id = b.service_id), 0)`.execute(db);
  assert.deepEqual(mismatched.rows, [], 'the ledger of every badge mirrors its charges');
}
