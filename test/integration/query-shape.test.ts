/**
 * The query-shape rule of the parents' pages (issue 18): every query a parent page runs reaches the rows
 * of the ente's families through an index that starts with the family's key (holder, pupil, badge,
 * document, …), never by scanning a table of the ente. A page that does is fast on the demo's 50 families
 * and 50 times slower in Rome (bench/RESULTS.md, "Rome scale"), so a new page cannot scan the ente
 * unnoticed.
 *
 * How: each page is opened through the real app, as Ada and as Giulia, while every statement sent to the
 * database is recorded (at the driver: better-sqlite3's statements, pg's client). Each recorded statement
 * is then explained — SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN (FORMAT JSON)` with the same
 * parameters — and every access to a table of families is checked.
 *
 * PostgreSQL chooses by cost, and on the test's small tables a sequential scan is cheaper than any index,
 * so its plan would tell nothing about Rome. Realistic statistics throughout would need a Rome-sized
 * database in the test (or forged pg_class and pg_statistic rows, which the server rewrites at its next
 * ANALYZE). The test instead ANALYZEs the demo data — which gives the columns' real shape: one ente, many
 * pupils, badges, documents — and runs its EXPLAINs with `enable_seqscan = off`: PostgreSQL then uses an
 * index wherever one can serve the query, the most selective by those statistics, and still scans where
 * none can, which is the question asked here: is there an index that starts with the family's key for
 * this query. Hash and merge joins are turned off too: on tiny tables they read a whole index to join it,
 * where on Rome's tables a family's few rows drive nested loops of index look-ups — the plan asked for; for the same reason joins keep
 * their written order (join_collapse_limit = 1: family queries start from the family's table) and no inner side is materialised. SQLite plans by rules and by the statistics
 * the migrations ship (sqlite_stat1, migration 0011), the same on any size of data: its plans are checked
 * as they are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { ADA, Browser, GIULIA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

const NOW = '2026-11-26T09:00:00+01:00';

/**
 * Tables whose size follows the ente's configuration (schools, services, years, tariffs, menus, days of
 * the calendar, operators), not its number of families; reading all of an ente's rows of them is bounded
 * (Rome: 400 schools, about 200 service days a year). Everything
 * else is checked, including tables no page reads today.
 */
const CONFIGURATION_TABLES = new Set([
  'ente', 'school', 'school_year', 'service', 'tariff', 'sibling_reduction', 'dish', 'menu_plan', 'menu_item',
  'document_counter', 'notice_counter', 'kysely_migration', 'kysely_migration_lock',
  'menu_special', 'menu_special_item',
  // One row per ente and day (the freeze's and the charging's marks), and the office's own staff.
  'day_freeze', 'day_charge', 'operator',
]);

/**
 * Columns that single out one family's rows. The session's key is its id; a person is found by its fiscal
 * code within the ente; a closure belongs to a school (the family's pupils' schools), or to the whole ente
 * with school_id null.
 */
const FAMILY_KEYS = new Set([
  'id', 'rowid', 'pupil_id', 'person_id', 'holder_person_id', 'badge_id', 'document_id', 'enrolment_id', 'notice_id', 'topup_id',
  'cart_id', 'fiscal_code', 'charge_id', 'reverses_charge_id', 'subject_id', 'school_id',
]);

interface Recorded {
  text: string;
  values: unknown[];
}

/** Records the statements the app sends while `recording` is on; installed once per process. */
const recorder = (() => {
  const seen: Recorded[] = [];
  const state = { recording: false };
  const keep = (text: string, values: unknown[]) => {
    if (state.recording && /^\s*(select|with|update|delete)\b/i.test(text)) seen.push({ text, values });
  };
  // better-sqlite3: the app's statement cache prepares once and runs many times, so the runs are recorded.
  const probe = new SqliteDatabase(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['all', 'get', 'run', 'iterate']) {
    const original = statementPrototype[method]!;
    statementPrototype[method] = function (this: { source: string }, ...args: unknown[]) {
      keep(this.source, (args[0] as unknown[] | undefined) ?? []);
      return original.apply(this, args);
    };
  }
  const clientPrototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const originalQuery = clientPrototype.query;
  clientPrototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; values?: unknown[] };
    if (typeof first === 'string') keep(first, (args[1] as unknown[] | undefined) ?? []);
    else if (first && typeof first.text === 'string') keep(first.text, first.values ?? []);
    return originalQuery.apply(this, args);
  };
  return {
    async during(run: () => Promise<void>): Promise<Recorded[]> {
      seen.length = 0;
      state.recording = true;
      try {
        await run();
      } finally {
        state.recording = false;
      }
      const unique = new Map(seen.map((r) => [r.text, r]));
      return [...unique.values()];
    },
  };
})();

/** The tables of a statement by the names SQLite's plan gives them (an alias, or the table's own name). */
function tablesByName(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const match of text.matchAll(/\b(?:from|join)\s+"(\w+)"(?:\s+as\s+"(\w+)")?/gi)) names.set(match[2] ?? match[1]!, match[1]!);
  return names;
}

/** What is wrong with one SQLite plan (the details of EXPLAIN QUERY PLAN's rows), or nothing. */
export function sqliteProblems(details: string[], text: string): string[] {
  const tables = tablesByName(text);
  const tableOf = (name: string) => tables.get(name) ?? name;
  const problems: string[] = [];
  // A subquery in FROM (a page's rows, read first and then joined) is run as a co-routine or materialised:
  // scanning its own rows reads no table (its reads are the plan's other rows).
  const subqueries = new Set(details.flatMap((detail) => /^(?:CO-ROUTINE|MATERIALIZE) (\w+)$/.exec(detail)?.[1] ?? []));
  for (const detail of details) {
    const scan = /^SCAN (\w+)/.exec(detail);
    if (scan) {
      if (scan[1] !== 'CONSTANT' && !subqueries.has(scan[1]!) && !CONFIGURATION_TABLES.has(tableOf(scan[1]!))) problems.push(`scans ${tableOf(scan[1]!)}: ${detail}`);
      continue;
    }
    const search = /^SEARCH (\w+) USING (?:COVERING )?(?:INDEX (\w+)|INTEGER PRIMARY KEY|PRIMARY KEY) \((.*)\)(?: LEFT-JOIN)?$/.exec(detail);
    if (search) {
      const table = tableOf(search[1]!);
      if (CONFIGURATION_TABLES.has(table)) continue;
      // "a=? AND b>? AND b<?": the columns compared for equality are the index's leading ones.
      const equalities = search[3]!.split(' AND ').filter((term) => term.endsWith('=?') && !/[<>]=\?$/.test(term)).map((term) => term.slice(0, -2));
      if (!equalities.some((column) => FAMILY_KEYS.has(column))) problems.push(`reads ${table} by ${search[3]} (no family key): ${detail}`);
      continue;
    }
    const other = /^SEARCH (\w+)/.exec(detail);
    if (other && !CONFIGURATION_TABLES.has(tableOf(other[1]!))) problems.push(`unexpected access to ${tableOf(other[1]!)}: ${detail}`);
  }
  return problems;
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PgPlanNode[];
}

/** Columns an index condition of PostgreSQL's plan compares for equality (or with IS NULL). */
function comparedColumns(condition: string | undefined): string[] {
  return [...(condition ?? '').matchAll(/\((?:\w+\.)?(\w+) (?:= |IS NULL)/g)].map((m) => m[1]!);
}

/** What is wrong with one PostgreSQL plan: a sequential scan of a family table, or an index read without a family key. */
export function postgresProblems(node: PgPlanNode, problems: string[] = [], heapOf?: string): string[] {
  const relation = node['Relation Name'] ?? heapOf;
  if (relation && !CONFIGURATION_TABLES.has(relation)) {
    if (node['Node Type'] === 'Seq Scan') problems.push(`scans ${relation}`);
    if (/Index/.test(node['Node Type']) && !comparedColumns(node['Index Cond']).some((column) => FAMILY_KEYS.has(column))) {
      problems.push(`reads ${relation} by ${node['Index Name']} (${node['Index Cond'] ?? 'whole index'})`);
    }
  }
  // A bitmap heap scan's index conditions are on its bitmap index scans, which name no table.
  const heap = node['Node Type'] === 'Bitmap Heap Scan' ? relation : node['Node Type'].startsWith('Bitmap') ? heapOf : undefined;
  for (const child of node.Plans ?? []) postgresProblems(child, problems, heap);
  return problems;
}

for (const { engine, skip } of testEngines()) {
  describe(`query shape of the parents' pages on ${engine}`, { skip }, () => {
    let t: TestApp;
    const pupils = new Map<string, number>();
    let adaDocument: number;
    let sqliteFile: string | undefined;

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
      const rows = await t.database.db
        .selectFrom('pupil')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .select(['pupil.id', 'person.given_name as name'])
        .where('person.family_name', 'in', ['Lovelace', 'Rossi'])
        .execute();
      for (const row of rows) pupils.set(row.name, row.id);
      adaDocument = (await t.database.db.selectFrom('document').select('id').where('pupil_id', '=', pupils.get('Tommaso')!).orderBy('id').executeTakeFirstOrThrow()).id;
      if (engine === 'sqlite') sqliteFile = t.config.databaseUrl.slice('sqlite:'.length);
      // What autovacuum would have done by now: real column statistics (one ente, many pupils).
      else await sql`analyze`.execute(t.database.db);
    });
    after(async () => {
      await t?.close();
    });

    /** Every parent page, with the pupil or document it needs. */
    const pages = () => {
      const tommaso = pupils.get('Tommaso')!;
      return {
        [ADA]: [
          '/demo/',
          `/demo/scheda-anagrafica?utente=${tommaso}`,
          `/demo/documenti-contabili?utente=${tommaso}`,
          `/demo/documenti-contabili/${adaDocument}`,
          `/demo/refezione?utente=${tommaso}&dal=2026-11-01&al=2026-11-30`,
          '/demo/pagamenti',
          '/demo/conto-corrente',
          '/demo/ricariche',
          `/demo/assenze?utente=${tommaso}`,
          '/demo/preferenze-messaggi',
        ],
        [GIULIA]: ['/demo/scheda-anagrafica', '/demo/documenti-contabili', '/demo/refezione', '/demo/pagamenti', '/demo/conto-corrente', '/demo/ricariche', '/demo/assenze'],
      };
    };

    async function explain(statement: Recorded): Promise<string[]> {
      if (engine === 'sqlite') {
        const connection = new SqliteDatabase(sqliteFile!, { readonly: true });
        try {
          const rows = connection.prepare(`explain query plan ${statement.text}`).all(...(statement.values as never[])) as { detail: string }[];
          return sqliteProblems(rows.map((r) => r.detail), statement.text);
        } finally {
          connection.close();
        }
      }
      return t.database.db.connection().execute(async (db) => {
        await sql`set enable_seqscan = off`.execute(db);
        await sql`set enable_hashjoin = off`.execute(db);
        await sql`set enable_mergejoin = off`.execute(db);
        // Joins in the order written: a family query starts from the family's table, whatever tiny
        // tables would cost (at Rome scale the statistics choose that order; here they could not tell).
        await sql`set join_collapse_limit = 1`.execute(db);
        // Nor a whole tiny index read once and kept (materialised) for the loop: at Rome scale the
        // inner side of a family's loop is an index look-up per row.
        await sql`set enable_material = off`.execute(db);
        try {
          const result = await db.executeQuery<{ 'QUERY PLAN': { Plan: PgPlanNode }[] }>({
            sql: `explain (format json) ${statement.text}`,
            parameters: statement.values,
            query: { kind: 'RawNode' } as never,
            queryId: { queryId: 'explain' } as never,
          });
          return postgresProblems(result.rows[0]!['QUERY PLAN'][0]!.Plan);
        } finally {
          await sql`reset all`.execute(db);
        }
      });
    }

    it('opens every parent page, as two different families, through indexes that start with the family’s key', async () => {
      const failures: string[] = [];
      let explained = 0;
      for (const [fiscalCode, paths] of Object.entries(pages())) {
        const browser = new Browser(t.app);
        await browser.login(fiscalCode);
        for (const path of paths) {
          let status = 0;
          const statements = await recorder.during(async () => {
            status = (await browser.get(path)).statusCode;
          });
          assert.equal(status, 200, `${path} as ${fiscalCode}`);
          assert.ok(statements.length >= 1, `${path} read the database`);
          for (const statement of statements) {
            explained++;
            for (const problem of await explain(statement)) failures.push(`${path}: ${problem}\n    ${statement.text.replace(/\s+/g, ' ').slice(0, 400)}`);
          }
        }
      }
      assert.ok(explained > 30, `the pages' statements were recorded and explained (${explained})`);
      assert.deepEqual(failures, [], `queries of parent pages that do not start from the family:\n${failures.join('\n')}`);
    });

    it('searches the registry in the office through the search indexes, never reading the ente’s persons or pupils whole', async () => {
      // The office's search (issue 13) reads ranges of the name key, the fiscal code and the badge code:
      // allowed here are index reads by those ranges (and the bounded window of the key after the
      // page's cursor); a scan, or an index read by the ente alone elsewhere, is not.
      const SEARCH_INDEX = /person_search_[1-4]|person_fiscal_code|sqlite_autoindex_person_1|sqlite_autoindex_badge_1|badge_code|pupil_school_class|pupil_class/;
      const browser = new Browser(t.app);
      await browser.login(MARCO, { returnTo: '/demo/ufficio/' });
      const school = (await t.database.db.selectFrom('school').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
      const failures: string[] = [];
      let explained = 0;
      for (const query of ['q=lovel', 'q=tommaso%20lovelace', 'q=LVLDAA85', 'q=B100001', `scuola=${school}&classe=2A`, `q=ros&scuola=${school}`]) {
        let status = 0;
        const statements = await recorder.during(async () => {
          status = (await browser.get(`/demo/ufficio/anagrafe?${query}`)).statusCode;
        });
        assert.equal(status, 200, query);
        for (const statement of statements) {
          if (!/"person"|"pupil"/.test(statement.text) || /"operator"|"session"|"ente"\s/.test(statement.text)) continue;
          explained++;
          for (const problem of await explain(statement)) {
            const allowed = !problem.startsWith('scans') && SEARCH_INDEX.test(problem);
            if (!allowed) failures.push(`${query}: ${problem}\n    ${statement.text.replace(/\s+/g, ' ').slice(0, 300)}`);
          }
        }
      }
      assert.ok(explained >= 6, `the search's statements were explained (${explained})`);
      assert.deepEqual(failures, [], `search queries that read the ente's persons or pupils:\n${failures.join('\n')}`);
    });

    it('opens the office’s pages of one pupil, one person and one school’s day through the family’s or the school’s key', async () => {
      // The office pages that read one family (a pupil's or a person's page, their enrolments, badge,
      // adults and diets) or one school's day (the attendance list, open and frozen) are held to the
      // parents' rule, the school's key counting as the family's: at Rome scale a scan of the ente there
      // is the same cliff. (The ente-wide lists — diets, tariffs, menus, the activity log — page through
      // the ente's indexes by design and are not checked here.)
      const browser = new Browser(t.app);
      await browser.login(MARCO, { returnTo: '/demo/ufficio/' });
      const tommaso = pupils.get('Tommaso')!;
      const ada = (await t.database.db.selectFrom('person').select('id').where('fiscal_code', '=', ADA).executeTakeFirstOrThrow()).id;
      const enrolment = (await t.database.db.selectFrom('enrolment').select(['id', 'school_id']).where('pupil_id', '=', tommaso).orderBy('id').executeTakeFirstOrThrow());
      const paths = [
        `/demo/ufficio/anagrafe/alunni/${tommaso}`,
        `/demo/ufficio/anagrafe/alunni/${tommaso}/iscrizioni`,
        `/demo/ufficio/anagrafe/alunni/${tommaso}/iscrizioni/${enrolment.id}`,
        `/demo/ufficio/anagrafe/alunni/${tommaso}/badge`,
        `/demo/ufficio/anagrafe/alunni/${tommaso}/adulti`,
        `/demo/ufficio/anagrafe/persone/${ada}`,
        `/demo/ufficio/diete/alunni/${tommaso}`,
        `/demo/ufficio/presenze?scuola=${enrolment.school_id}&data=2026-11-26`,
        `/demo/ufficio/presenze?scuola=${enrolment.school_id}&data=2026-11-25`,
      ];
      const failures: string[] = [];
      let explained = 0;
      for (const path of paths) {
        let status = 0;
        const statements = await recorder.during(async () => {
          status = (await browser.get(path)).statusCode;
        });
        assert.equal(status, 200, path);
        for (const statement of statements) {
          explained++;
          for (const problem of await explain(statement)) failures.push(`${path}: ${problem}\n    ${statement.text.replace(/\s+/g, ' ').slice(0, 400)}`);
        }
      }
      assert.ok(explained > 30, `the pages' statements were recorded and explained (${explained})`);
      assert.deepEqual(failures, [], `queries of office pages that do not start from the family or the school:\n${failures.join('\n')}`);
    });

    it('catches a query that scans a table of the ente (the rule is not vacuous)', async () => {
      const scanning: Recorded = { text: 'select id from badge where ente_id = ? and code like ?', values: [1, 'B%'] };
      if (engine === 'postgres') scanning.text = 'select id from badge where ente_id = $1 and code like $2';
      const problems = await explain(scanning);
      assert.ok(problems.length > 0, 'reading badges by ente alone is reported');
      const byPupil: Recorded = engine === 'postgres' ? { text: 'select id from badge where pupil_id = $1', values: [1] } : { text: 'select id from badge where pupil_id = ?', values: [1] };
      assert.deepEqual(await explain(byPupil), [], 'reading a pupil’s badges is not');
    });
  });
}
