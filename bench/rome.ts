/**
 * Every parent page at Rome scale against the demo, in the same run (issue 18). For each engine, the
 * production build runs with one process on the demo dataset and then on the Rome dataset (both made
 * beforehand by `npm run bench:data -- --scale demo|rome [--engine pg]`), and each page is loaded by wrk
 * as Ada and as rotating families (every request another holder: the demo's 49, or 2,000 of Rome's);
 * then the Scheda, Documenti, Refezione (a month) and Pagamento at a fixed 500 requests/s (a bounded
 * load generator below: loopback only, a fixed number of requests) for the p99; then the server's
 * resident memory.
 *
 *   npm run bench:data -- --scale demo && npm run bench:data -- --scale rome          # once, SQLite
 *   npm run bench:data -- --scale demo --engine pg && npm run bench:data -- --scale rome --engine pg
 *   npm run bench:rome                       # SQLite and, with BENCH_DATABASE_URL set, PostgreSQL
 *
 * BENCH_ROME_ENGINES=sqlite|pg narrows it; BENCH_ROME_SCALE=small runs it on the small dataset (a trial); BENCH_SECONDS (default 8) is each wrk measurement, after a
 * 3-second warm-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/index';
import { createDatabase } from '../src/db/database';
import { systemClock } from '../src/domain/clock';
import { insertSession } from '../src/web/plugins/session';
import { defaultUrl } from './data';
import { BASE, CONNECTIONS, PORT, productionEnv, requireWrk, residentMemoryMb, startServer, stopServer, waitForHealth, wrk, type LoadResult } from './harness';
import { writeSection } from './results';

const MEASURE_S = Number(process.env.BENCH_SECONDS ?? 8);
/** The large dataset: rome, or small for a trial of the script itself. */
const LARGE = (process.env.BENCH_ROME_SCALE ?? 'rome') as 'rome' | 'small';
const WARM_S = 3;
const ROTATING = 2_000;
const FIXED_RATE = 500;
const FIXED_SECONDS = 10;
const ADA = 'LVLDAA85T50G702B';
const MONTH = '&dal=2026-11-01&al=2026-11-30';

interface Family {
  cookie: string;
  pupilId: number;
  documentId: number | null;
}

const PAGES: { name: string; path: (f: Family) => string | null; fixedRate?: boolean; marker: string }[] = [
  { name: 'Lista servizi', path: () => '/demo/', marker: 'Scheda anagrafica' },
  { name: 'Scheda anagrafica', path: (f) => `/demo/scheda-anagrafica?utente=${f.pupilId}`, fixedRate: true, marker: 'Dati dell’alunno' },
  { name: 'Documenti contabili', path: (f) => `/demo/documenti-contabili?utente=${f.pupilId}`, fixedRate: true, marker: 'Documenti contabili' },
  { name: 'a document', path: (f) => (f.documentId ? `/demo/documenti-contabili/${f.documentId}` : null), marker: 'Documento' },
  { name: 'Refezione (a month)', path: (f) => `/demo/refezione?utente=${f.pupilId}${MONTH}`, fixedRate: true, marker: 'Refezione' },
  { name: 'Pagamento', path: () => '/demo/pagamenti', fixedRate: true, marker: 'Pagamento' },
  { name: 'Conto corrente', path: () => '/demo/conto-corrente', marker: 'Conto corrente' },
  { name: 'Ricariche', path: () => '/demo/ricariche', marker: 'Ricariche' },
  { name: 'Assenze', path: (f) => `/demo/assenze?utente=${f.pupilId}`, marker: 'assenze' },
];

const progress = (message: string) => console.error(`[bench:rome] ${message}`);

/** Sessions for Ada and for rotating families (each holder's first pupil and that pupil's first document). */
async function families(url: string, rotating: 'demo' | 'city'): Promise<{ ada: Family; rotating: Family[]; content: Content }> {
  const database = createDatabase(url);
  try {
    const config = loadConfig(productionEnv('sqlite::memory:', 1));
    const rows = await sql<{ fiscalCode: string; pupilId: number; documentId: number | null }>`
      select h.fiscal_code as "fiscalCode", min(ph.pupil_id) as "pupilId",
             (select min(d.id) from document d where d.pupil_id = min(ph.pupil_id)) as "documentId"
      from pupil_holder ph join person h on h.id = ph.person_id join ente on ente.id = ph.ente_id
      where ente.slug = 'demo' and ph.relation = 'intestatario'
      group by h.fiscal_code
      order by h.fiscal_code`.execute(database.db);
    const session = async (fiscalCode: string, pupilId: number, documentId: number | null): Promise<Family> => {
      const { token } = await insertSession(database.db, systemClock, config.session, {
        user: { fiscalCode, givenName: 'B', familyName: 'B', acr: 'https://www.spid.gov.it/SpidL2', idToken: 'bench' },
      });
      return { cookie: `${config.session.cookieName}=${token}`, pupilId: Number(pupilId), documentId: documentId === null ? null : Number(documentId) };
    };
    // Ada's first pupil is Sofia (prepaid, no documents); her Tommaso has the documents.
    const tommaso = await sql<{ id: number; doc: number }>`
      select p.id as id, (select min(d.id) from document d where d.pupil_id = p.id) as doc
      from pupil p join person c on c.id = p.person_id where c.given_name = 'Tommaso' and c.family_name = 'Lovelace'`.execute(database.db);
    const ada = await session(ADA, tommaso.rows[0]!.id, tommaso.rows[0]!.doc);
    const candidates = rows.rows.filter((r) => (rotating === 'city' ? r.fiscalCode.startsWith('ROMAH') : !r.fiscalCode.startsWith('ROMAH')));
    // An odd step: the city's families alternate between prepaid and postpaid schools by their number.
    const step = Math.max(1, Math.floor(candidates.length / ROTATING)) | 1;
    const chosen = candidates.filter((_, i) => i % step === 0).slice(0, ROTATING);
    const sessions: Family[] = [];
    for (const r of chosen) sessions.push(await session(r.fiscalCode, r.pupilId, r.documentId));
    // What the rotating families' pages have to show: the demo's families began in September 2026, the
    // city's a school year earlier and pay nothing, so their lists are longer (the ratio compares pages, not rows).
    const pupils = sql.join(chosen.map((r) => Number(r.pupilId)));
    const holders = sql.join(chosen.map((r) => r.fiscalCode));
    const perFamily = async (query: ReturnType<typeof sql<{ n: number }>>) => Math.round((Number((await query.execute(database.db)).rows[0]!.n) / chosen.length) * 10) / 10;
    const content = {
      documents: await perFamily(sql<{ n: number }>`select count(*) as n from document where pupil_id in (${pupils})`),
      unpaid: await perFamily(sql<{ n: number }>`select count(*) as n from document d join person h on h.id = d.holder_person_id where h.fiscal_code in (${holders}) and d.state = 'da_pagare'`),
      novemberDays: await perFamily(sql<{ n: number }>`select count(*) as n from attendance where pupil_id in (${pupils}) and date >= '2026-11-01' and date <= '2026-11-30'`),
    };
    return { ada, rotating: sessions, content };
  } finally {
    await database.destroy();
  }
}

/** A wrk script that sends each request as the next family (each thread from its own starting point). */
function rotatingScript(dir: string, name: string, requests: { cookie: string; path: string }[]): string {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.lua`);
  const entries = requests.map((r) => `{c="${r.cookie}",p="${r.path}"}`).join(',\n');
  writeFileSync(
    file,
    `local requests = {\n${entries}\n}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 997)
end
local i = 0
request = function()
  i = i + 1
  local r = requests[((i + (offset or 0)) % #requests) + 1]
  return wrk.format("GET", r.p, {["Cookie"] = r.c})
end
`,
  );
  return file;
}

/**
 * `total` GET requests sent at a fixed rate, each at its due time whatever the answers before it (no
 * coordinated omission): latency is counted from the due time. Loopback only, bounded in count and time.
 */
async function fixedRate(requests: { cookie: string; path: string }[], rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const start = performance.now() + 50;
  const pending: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        const due = start + (sent * 1000) / rate;
        const r = requests[sent % requests.length]!;
        sent++;
        pending.push(
          new Promise<void>((done) => {
            const request = http.get({ host: '127.0.0.1', port: PORT, path: r.path, headers: { cookie: r.cookie }, agent, timeout: 5_000 }, (response) => {
              if (response.statusCode !== 200) non2xx++;
              response.resume();
              response.on('end', () => {
                latencies.push(performance.now() - due);
                done();
              });
            });
            request.on('timeout', () => request.destroy(new Error('timeout')));
            request.on('error', () => {
              errors++;
              done();
            });
          }),
        );
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 10) / 10;
  return { sent: total, answered: latencies.length, p50: at(0.5), p99: at(0.99), max: at(1), errors, non2xx };
}

/** Per rotating family, on average: its first pupil's documents, the holder's unpaid ones, the pupil's November days. */
interface Content {
  documents: number;
  unpaid: number;
  novemberDays: number;
}

interface DatasetResult {
  content: Content;
  pages: { name: string; ada: LoadResult | null; rotating: LoadResult | null }[];
  fixed: { name: string; result: Awaited<ReturnType<typeof fixedRate>> }[];
  memoryMb: number;
}

async function measure(url: string, rotating: 'demo' | 'city', dir: string): Promise<DatasetResult> {
  const people = await families(url, rotating);
  // Another benchmark on this machine may hold the port: its answers must not be taken for ours.
  const taken = await fetch(`${BASE}/health`).then(() => true, () => false);
  if (taken) throw new Error(`port ${PORT} is in use by another server: set BENCH_PORT`);
  const server = startServer(url, 1);
  try {
    await waitForHealth(Date.now() + 120_000);
    const pages: DatasetResult['pages'] = [];
    for (const page of PAGES) {
      const adaPath = page.path(people.ada)!;
      const check = await fetch(BASE + adaPath, { headers: { cookie: people.ada.cookie } });
      const body = await check.text();
      if (check.status !== 200 || !body.includes(page.marker)) throw new Error(`${page.name}: ${check.status}, marker ${page.marker} ${body.includes(page.marker) ? 'found' : 'missing'}`);
      wrk(adaPath, WARM_S, { cookie: people.ada.cookie });
      const ada = wrk(adaPath, MEASURE_S, { cookie: people.ada.cookie });
      const requests = people.rotating.flatMap((f) => {
        const path = page.path(f);
        return path ? [{ cookie: f.cookie, path }] : [];
      });
      if (requests.length === 0) throw new Error(`${page.name}: none of the rotating families has one`);
      const script = rotatingScript(dir, `${rotating}-${page.name}`, requests);
      wrk('/', WARM_S, {}, script);
      const many = wrk('/', MEASURE_S, {}, script);
      progress(`${rotating} ${page.name}: Ada ${ada.requestsPerSecond}/s, ${requests.length} families ${many.requestsPerSecond}/s`);
      pages.push({ name: page.name, ada, rotating: many });
    }
    const fixed: DatasetResult['fixed'] = [];
    for (const page of PAGES.filter((p) => p.fixedRate)) {
      const requests = people.rotating.flatMap((f) => {
        const path = page.path(f);
        return path ? [{ cookie: f.cookie, path }] : [];
      });
      const result = await fixedRate(requests, FIXED_RATE, FIXED_SECONDS);
      progress(`${rotating} ${page.name} at ${FIXED_RATE}/s: p50 ${result.p50} ms, p99 ${result.p99} ms`);
      fixed.push({ name: page.name, result });
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { content: people.content, pages, fixed, memoryMb: residentMemoryMb(server.pid!).total };
  } finally {
    await stopServer(server);
  }
}

const ratio = (rome: number, demo: number) => (demo ? (rome / demo).toFixed(2) : '–');
const verdict = (ok: boolean) => (ok ? 'met' : '**NOT met**');

async function main() {
  requireWrk();
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const engines = (process.env.BENCH_ROME_ENGINES ?? (process.env.BENCH_DATABASE_URL ? 'sqlite,pg' : 'sqlite')).split(',') as ('sqlite' | 'pg')[];
  const load = loadavg()[0]!.toFixed(2);
  const dir = mkdtempSync(join(tmpdir(), 'ssol-rome-'));
  const lines = [
    '## Issue 18 — Rome scale: every parent page, demo and Rome side by side',
    '',
    'By `npm run bench:rome` (bench/rome.ts) on the datasets of `npm run bench:data` (bench/data.ts).',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}; load average (1 min) before the run ${load} — the machine is shared with other engineers' test runs, so only figures of the same run are compared`,
    `- The production build, one process; per engine, the demo dataset and then the Rome one (the demo's ente with 400 schools, 150,000 pupils and 120,000 holders more, and their history: see the notes), one after the other`,
    `- wrk, ${CONNECTIONS} connections, ${MEASURE_S} s after a ${WARM_S} s warm-up, on the same machine; "Ada": her session and her son Tommaso; "families": every request another holder (the demo's 49 holders, or ${ROTATING.toLocaleString('en')} of Rome's city families) and their first pupil`,
    `- Fixed rate: ${FIXED_RATE} requests/s for ${FIXED_SECONDS} s through a Node.js generator that sends each request at its due time (latency counted from it), rotating families`,
    '',
  ];
  try {
    for (const engine of engines) {
      progress(`${engine}: demo`);
      const demo = await measure(defaultUrl('demo', engine), 'demo', dir);
      progress(`${engine}: rome`);
      const rome = await measure(defaultUrl(LARGE, engine), 'city', dir);
      const label = engine === 'pg' ? 'PostgreSQL' : 'SQLite';
      lines.push(
        `### ${label}`,
        '',
        '| page | Ada: demo /s | Ada: Rome /s | ratio | families: demo /s | families: Rome /s | ratio | Rome p99 ms (Ada, families) | ≥ 0.9× |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      );
      for (const [i, page] of demo.pages.entries()) {
        const r = rome.pages[i]!;
        const a = ratio(r.ada!.requestsPerSecond, page.ada!.requestsPerSecond);
        const f = ratio(r.rotating!.requestsPerSecond, page.rotating!.requestsPerSecond);
        const errors = [page.ada, page.rotating, r.ada, r.rotating].reduce((sum, l) => sum + l!.errors + l!.non2xx, 0);
        lines.push(
          `| ${page.name} | ${page.ada!.requestsPerSecond} | ${r.ada!.requestsPerSecond} | ${a} | ${page.rotating!.requestsPerSecond} | ${r.rotating!.requestsPerSecond} | ${f} | ${r.ada!.p99}, ${r.rotating!.p99} | ${verdict(Number(a) >= 0.9 && Number(f) >= 0.9)}${errors ? ` (${errors} errors or non-2xx)` : ''} |`,
        );
      }
      const shown = (c: Content) => `${c.documents} documents, ${c.unpaid} unpaid, ${c.novemberDays} attendance days in November`;
      lines.push('', `What a rotating family's pages show, on average: demo ${shown(demo.content)}; Rome ${shown(rome.content)}.`);
      lines.push('', `| page at ${FIXED_RATE}/s, families | demo p50 / p99 ms | Rome p50 / p99 ms | Rome max ms | answered (errors, non-2xx) | p99 < 50 ms at Rome |`, '| --- | ---: | ---: | ---: | ---: | --- |');
      for (const [i, f] of demo.fixed.entries()) {
        const r = rome.fixed[i]!.result;
        lines.push(`| ${f.name} | ${f.result.p50} / ${f.result.p99} | ${r.p50} / ${r.p99} | ${r.max} | ${r.answered} of ${r.sent} (${r.errors}, ${r.non2xx}) | ${verdict(r.p99 < 50 && r.errors === 0 && r.non2xx === 0)} |`);
      }
      lines.push('', `Resident memory of the server after the run: demo ${demo.memoryMb} MB, Rome ${rome.memoryMb} MB (target < 200 MB: ${verdict(rome.memoryMb < 200)}).`, '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeSection('issue-18-rome', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
