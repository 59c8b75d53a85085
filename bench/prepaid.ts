/**
 * One measurement of the prepaid office's list (issue 15, point 4; decision 0029): the first page of the
 * badges at or below the threshold, and the full export, over BADGES active prepaid badges with MOVEMENTS
 * movements each, on SQLite (a throw-away database). The issue names no target for this list; the figure
 * says how far the "sum every badge's movements on each page" design carries.
 *
 *   npx tsx bench/prepaid.ts            # BENCH_PREPAID_BADGES (default 20000), BENCH_PREPAID_MOVEMENTS (default 100)
 *
 * Prints the figures; it does not write bench/RESULTS.md by itself.
 */
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { badgesBelowThreshold, LOW_BALANCE_PAGE } from '../src/domain/prepaid/queries';
import { createThrowawayDatabase } from '../test/helpers/databases';
import { percentile } from './in-process';

const BADGES = Number(process.env.BENCH_PREPAID_BADGES ?? 20_000);
const MOVEMENTS = Number(process.env.BENCH_PREPAID_MOVEMENTS ?? 100);
const TODAY = '2027-05-31';

const throwaway = await createThrowawayDatabase('sqlite');
const database = createDatabase(throwaway.url);
try {
  const db = database.db;
  await migrateToLatest(database);
  await seedDemo(db);
  const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
  const school = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id').executeTakeFirstOrThrow();
  const service = await db.selectFrom('service').select('id').where('ente_id', '=', ente.id).where('billing', '=', 'prepaid').executeTakeFirstOrThrow();
  const started = performance.now();
  await sql`
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${BADGES})
    insert into person (ente_id, fiscal_code, given_name, family_name, sex, birth_date, birth_place, address, postcode, city, province, email, phone, search_key)
    select ${ente.id}, 'BNCPRP' || printf('%010d', i), 'Alunno', 'Prova' || i, 'F', '2018-01-01', 'Roma', 'Via Prova', '00100', 'Roma', 'RM', 'prova' || i || '@esempio.invalid', null, 'alunno prova' || i from n`.execute(db);
  await sql`
    insert into pupil (ente_id, person_id, school_id, class_name)
    select ente_id, id, ${school.id}, '2A' from person where fiscal_code like 'BNCPRP%'`.execute(db);
  await sql`
    insert into badge (ente_id, code, pupil_id, service_id, issued_on, active)
    select p.ente_id, 'X' || p.id, p.id, ${service.id}, '2026-09-01', 1 from pupil p join person pe on pe.id = p.person_id where pe.fiscal_code like 'BNCPRP%'`.execute(db);
  // A top-up, then daily meals of 4,10 €: balances spread from about -150 € to +50 €.
  await sql`
    with recursive k(j) as (select 1 union all select j + 1 from k where j < ${MOVEMENTS})
    insert into movement (ente_id, badge_id, amount_cents, kind, value_date, charge_id, reverses_movement_id, note, author, created_at)
    select b.ente_id, b.id,
           case when k.j = 1 then 5000 + (b.id % 200) * 100 else -410 end,
           case when k.j = 1 then 'topup' else 'meal' end,
           date('2026-09-14', '+' || k.j || ' days'), null, null, null, 'bench', '2026-09-14T08:00:00Z'
    from badge b cross join k where b.code like 'X%'`.execute(db);
  const seeded = (performance.now() - started) / 1000;

  const threshold = { unit: 'euro' as const, value: 0 };
  const firstPage: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    rows = (await badgesBelowThreshold(db, ente.id, threshold, { today: TODAY, limit: LOW_BALANCE_PAGE + 1 })).length;
    firstPage.push(performance.now() - t0);
  }
  const t1 = performance.now();
  const all = await badgesBelowThreshold(db, ente.id, threshold, { today: TODAY });
  const exportMs = performance.now() - t1;
  const t2 = performance.now();
  await badgesBelowThreshold(db, ente.id, { unit: 'pasti', value: 3 }, { today: TODAY, limit: LOW_BALANCE_PAGE + 1 });
  const mealsMs = performance.now() - t2;
  firstPage.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      engine: 'sqlite', badges: BADGES, movementsPerBadge: MOVEMENTS, seededSeconds: Math.round(seeded * 10) / 10, firstPageRows: rows,
      firstPageMedianMs: percentile(firstPage, 50), firstPageMaxMs: percentile(firstPage, 100), exportRows: all.length, exportMs: Math.round(exportMs), mealsFirstPageMs: Math.round(mealsMs),
    })}\n`,
  );
} finally {
  await database.destroy();
  await throwaway.drop();
}
