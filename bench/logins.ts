/**
 * Benchmark of log-ins (issue 18, launch day):
 *  (a) complete SPID-like log-ins per second (the app's /auth/login, the identity provider's page and
 *      form, the app's /auth/callback with the code exchange, the landing page) with the app on
 *      WEB_CONCURRENCY=2 and, apart, the built-in test identity provider in a process of its own, so that
 *      the relying party's CPU per log-in is measured apart from the provider's;
 *  (b) launch day: 10,000 distinct parents log in and open three pages each (Lista servizi, Scheda
 *      anagrafica, Documenti contabili) within five minutes, with no error.
 *
 *   npm run bench:logins            # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:logins   # and PostgreSQL
 *
 * BENCH_LOGINS_PARENTS (default 10,000), BENCH_LOGINS_SECONDS (default 20) and BENCH_LOGINS_CONCURRENCY
 * (default 32) change the sizes; BENCH_LOGINS_ONLY=1 prints without touching bench/RESULTS.md.
 *
 * The app runs from the production build (dist/start.js) with NODE_ENV=test, since production refuses an
 * identity provider over plain http; nothing else differs on the log-in path. The provider is our own
 * app with only its test IdP used, on `localhost` while the app is on `127.0.0.1`, so that each keeps its
 * cookies as a browser would keep those of two sites. Every client here is one loopback address: the
 * per-address limit is raised for the run; the per-person limit is not reached (each parent logs in once
 * or twice).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { personalCheckCharacter } from '../src/domain/registry/fiscal-code';
import { searchKeyOf } from '../src/domain/registry/search-key';
import { onEngines, startEnv, startFlags } from './harness';
import { writeSection } from './results';

const APP_PORT = 3900;
const IDP_PORT = 3901;
const APP = `http://127.0.0.1:${APP_PORT}`;
const IDP = `http://localhost:${IDP_PORT}`;
const CLIENT_SECRET = 'bench-client-secret-bench-client-secret';
const SESSION_SECRET = 'bench-secret-bench-secret-bench-secret';
const PARENTS = Number(process.env.BENCH_LOGINS_PARENTS ?? 10_000);
const SECONDS = Number(process.env.BENCH_LOGINS_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_LOGINS_CONCURRENCY ?? 32);
/** (b) The launch-day target: every parent in, three pages each, in this many seconds. */
const LAUNCH_LIMIT_S = 300;
const LAUNCH_CONCURRENCY = 64;
const PAGES = ['/demo/', '/demo/scheda-anagrafica', '/demo/documenti-contabili'];

const progress = (message: string) => console.error(`[bench:logins] ${message}`);

/** A valid, fictitious codice fiscale for bench parent `i` (letters from i, born 1980–1989, Rome). */
export function benchFiscalCode(i: number): string {
  let letters = '';
  for (let n = i, k = 0; k < 6; k++, n = Math.floor(n / 26)) letters = String.fromCharCode(65 + (n % 26)) + letters;
  const first15 = `${letters}${80 + (i % 10)}${'ABCDEHLMPRST'[i % 12]}${String(1 + (i % 28)).padStart(2, '0')}H501`;
  return first15 + personalCheckCharacter(first15);
}

/** A name of letters only, distinct per parent (names have no digits). */
const benchFamilyName = (i: number) => `Prova ${benchFiscalCode(i).slice(0, 6)}`;

/** The bench's parents: each the holder of one pupil enrolled in the demo's postpaid canteen this year. */
async function addParents(databaseUrl: string, count: number): Promise<void> {
  const database = createDatabase(databaseUrl);
  try {
    await migrateToLatest(database);
    await seedDemo(database.db);
    const db = database.db;
    const ente = await db.selectFrom('ente').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const enrolled = await db
      .selectFrom('enrolment as e')
      .innerJoin('service as s', 's.id', 'e.service_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .select(['e.service_id', 'e.school_year_id', 'e.school_id', 'e.tariff_id', 'y.starts_on'])
      .where('e.ente_id', '=', ente.id)
      .where('s.billing', '=', 'postpaid')
      .where('y.label', '=', '2026/2027')
      .executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const CHUNK = 500;
    for (let start = 0; start < count; start += CHUNK) {
      const size = Math.min(CHUNK, count - start);
      await db.transaction().execute(async (trx) => {
        const person = (code: string, given: string, i: number) => ({
          ente_id: ente.id, fiscal_code: code, given_name: given, family_name: benchFamilyName(i), search_key: searchKeyOf({ givenName: given, familyName: benchFamilyName(i) }), sex: 'F' as const, birth_date: '1985-05-05',
          birth_place: 'Roma', address: 'Via del Benchmark 1', postcode: '00100', city: 'Roma', province: 'RM', email: null, phone: null,
        });
        const holders = await trx
          .insertInto('person')
          .values(Array.from({ length: size }, (_, k) => person(benchFiscalCode(start + k), 'Genitore', start + k)))
          .returning('id')
          .execute();
        const children = await trx
          .insertInto('person')
          .values(Array.from({ length: size }, (_, k) => person(benchFiscalCode(1_000_000 + start + k), 'Alunno', start + k)))
          .returning('id')
          .execute();
        const pupils = await trx
          .insertInto('pupil')
          .values(children.map((child) => ({ ente_id: ente.id, person_id: child.id, school_id: enrolled.school_id, class_name: '1ª A' })))
          .returning('id')
          .execute();
        await trx
          .insertInto('pupil_holder')
          .values(pupils.map((pupil, k) => ({ ente_id: ente.id, pupil_id: pupil.id, person_id: holders[k]!.id, relation: 'intestatario' as const })))
          .execute();
        await trx
          .insertInto('enrolment')
          .values(
            pupils.map((pupil, k) => ({
              ente_id: ente.id, pupil_id: pupil.id, service_id: enrolled.service_id, school_year_id: enrolled.school_year_id, school_id: enrolled.school_id,
              holder_person_id: holders[k]!.id, tariff_id: enrolled.tariff_id, state: 'attiva' as const, starts_on: enrolled.starts_on, ends_on: null,
              payment_mode: 'pagopa' as const, debit_iban: null, invoice_recipient: `Genitore ${benchFamilyName(start + k)}`, invoice_address: 'Via del Benchmark 1, 00100 Roma (RM)',
              invoice_email: null, reduction_note: null, created_at: now,
            })),
          )
          .execute();
      });
    }
  } finally {
    await database.destroy();
  }
}

/** Cookies per host (ports share them, as in a browser): the app's and the provider's apart. */
class Jar {
  private readonly byHost = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.byHost.get(url.hostname) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: URL, response: Response): void {
    const cookies = this.byHost.get(url.hostname) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = value === '' || attributes.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.byHost.set(url.hostname, cookies);
  }
}

/** One browser: GETs and form POSTs with its cookies, following redirects; a non-2xx end is an error. */
async function visit(jar: Jar, method: 'GET' | 'POST', href: string, form?: Record<string, string>): Promise<{ url: URL; body: string }> {
  let url = new URL(href);
  let request: RequestInit = form
    ? { method, body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
    : { method };
  for (let hops = 0; hops < 12; hops++) {
    const response = await fetch(url, { ...request, redirect: 'manual', headers: { ...(request.headers as Record<string, string>), cookie: jar.header(url) } });
    jar.store(url, response);
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer();
      url = new URL(response.headers.get('location')!, url);
      request = { method: 'GET' };
      continue;
    }
    const body = await response.text();
    if (response.status >= 400) throw new Error(`${response.status} at ${url.pathname}`);
    return { url, body };
  }
  throw new Error(`too many redirects from ${href}`);
}

/** A parent's complete log-in through the provider's "any person" form; ends on the Lista servizi. */
async function logIn(jar: Jar, i: number): Promise<void> {
  const page = await visit(jar, 'GET', `${APP}/auth/login?torna=%2Fdemo%2F`);
  const uid = /\/test-idp\/interaction\/([\w-]+)\/login-as/.exec(page.body)?.[1];
  if (!uid) throw new Error('no provider page');
  const landed = await visit(jar, 'POST', `${IDP}/test-idp/interaction/${uid}/login-as`, {
    fiscalCode: benchFiscalCode(i),
    givenName: 'Genitore',
    familyName: benchFamilyName(i),
    level: 'https://www.spid.gov.it/SpidL2',
  });
  if (landed.url.origin !== APP || !landed.body.includes('Scheda anagrafica')) throw new Error(`log-in did not land on the Lista servizi (${landed.url.pathname})`);
}

function cpuSeconds(pids: number[]): number {
  const ticks = pids.reduce((sum, pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      return sum;
    }
  }, 0);
  return ticks / 100;
}

/** PostgreSQL's own processes (the backends serving both apps among them): their CPU is the relying party's too. */
function postgresPids(): number[] {
  try {
    return execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds per process, so that a process started between two readings counts from nothing. */
function cpuByPid(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuSeconds([pid])]));
}

function withChildren(pid: number): number[] {
  try {
    return [pid, ...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
}

function start(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, script.endsWith('.ts') ? ['--import', 'tsx', script] : [...startFlags(), script], {
    env: { ...process.env, ...(script.endsWith('.ts') ? {} : startEnv()), NODE_ENV: 'test', LOG_LEVEL: 'warn', SESSION_SECRET, OIDC_CLIENT_SECRET: CLIENT_SECRET, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function healthy(base: string, deadline = Date.now() + 30_000): Promise<void> {
  while (Date.now() < deadline) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${base} did not become healthy`);
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Runs `task(i)` for i in 0…count-1 (or until `until`) with `concurrency` at once; counts what failed. */
async function pool(concurrency: number, next: () => number | undefined, task: (i: number) => Promise<void>): Promise<{ done: number; errors: string[] }> {
  let done = 0;
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next(); i !== undefined; i = next()) {
        try {
          await task(i);
          done++;
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    }),
  );
  return { done, errors };
}

interface Figures {
  engine: string;
  loginsPerSecond: number;
  appCpuMsPerLogin: number;
  idpCpuMsPerLogin: number;
  /** PostgreSQL's CPU per log-in (the provider's statements included, few: it keeps its state in memory); null on SQLite. */
  dbCpuMsPerLogin: number | null;
  throughputErrors: number;
  launchSeconds: number;
  launchErrors: string[];
  launchPages: number;
}

async function measure(engine: string, databaseUrl: string): Promise<Figures> {
  progress(`${engine}: the demo and ${PARENTS.toLocaleString('en')} parents`);
  await addParents(databaseUrl, PARENTS);
  // The provider: our app on its own, only its test IdP used; its client is the app below.
  const idp = start('bench/test-idp-server.ts', {
    DATABASE_URL: databaseUrl, PORT: String(IDP_PORT), HOST: '127.0.0.1', PUBLIC_URL: APP, OIDC_ISSUER: `${IDP}/test-idp`, TEST_IDP: 'true',
  });
  const app = start('dist/start.js', {
    DATABASE_URL: databaseUrl, PORT: String(APP_PORT), HOST: '127.0.0.1', PUBLIC_URL: APP, OIDC_ISSUER: `${IDP}/test-idp`, TEST_IDP: 'false',
    WEB_CONCURRENCY: '2', SCHEDULED_JOBS: 'false', LOGIN_RATE_LIMIT_PER_MINUTE: '1000000', PAGOPA_SANDBOX: 'true',
  });
  try {
    await healthy(`http://127.0.0.1:${IDP_PORT}`);
    await healthy(APP);
    // Warm-up: the provider's discovery, both processes' code paths.
    await pool(4, (() => { let i = PARENTS; return () => (i < PARENTS + 200 ? i++ : undefined); })(), (i) => logIn(new Jar(), i % PARENTS));

    progress(`${engine}: (a) complete log-ins for ${SECONDS} s, ${CONCURRENCY} at a time`);
    const appPids = withChildren(app.pid!);
    const idpPids = [idp.pid!];
    const onPostgres = databaseUrl.startsWith('postgres');
    const db0 = cpuByPid(onPostgres ? postgresPids() : []);
    const [app0, idp0, t0] = [cpuSeconds(appPids), cpuSeconds(idpPids), performance.now()];
    const stopAt = Date.now() + SECONDS * 1000;
    let n = 0;
    const throughput = await pool(CONCURRENCY, () => (Date.now() < stopAt ? n++ % PARENTS : undefined), (i) => logIn(new Jar(), i));
    const elapsed = (performance.now() - t0) / 1000;
    const [app1, idp1] = [cpuSeconds(appPids), cpuSeconds(idpPids)];
    const db1 = cpuByPid(onPostgres ? postgresPids() : []);
    const dbSeconds = [...db1].reduce((sum, [pid, seconds]) => sum + seconds - (db0.get(pid) ?? 0), 0);

    progress(`${engine}: (b) ${PARENTS.toLocaleString('en')} distinct parents log in and open three pages each`);
    const l0 = performance.now();
    let next = 0;
    const launch = await pool(LAUNCH_CONCURRENCY, () => (next < PARENTS ? next++ : undefined), async (i) => {
      const jar = new Jar();
      await logIn(jar, i);
      for (const page of PAGES.slice(1)) await visit(jar, 'GET', `${APP}${page}`);
    });
    const launchSeconds = (performance.now() - l0) / 1000;
    return {
      engine,
      loginsPerSecond: throughput.done / elapsed,
      appCpuMsPerLogin: ((app1 - app0) * 1000) / throughput.done,
      idpCpuMsPerLogin: ((idp1 - idp0) * 1000) / throughput.done,
      dbCpuMsPerLogin: onPostgres ? (dbSeconds * 1000) / throughput.done : null,
      throughputErrors: throughput.errors.length,
      launchSeconds,
      launchErrors: launch.errors,
      launchPages: launch.done * PAGES.length,
    };
  } finally {
    await stop(app);
    await stop(idp);
  }
}

async function main() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const results = await onEngines(measure);
  const rows = results.map((r) => {
    // What the two cores could give the relying party alone: its processes' CPU and its database's.
    const relyingPartyMs = r.appCpuMsPerLogin + (r.dbCpuMsPerLogin ?? 0);
    return (
      `| ${r.engine} | ${Math.round(r.loginsPerSecond)} | ${r.appCpuMsPerLogin.toFixed(1)} | ${r.dbCpuMsPerLogin === null ? 'in the app' : r.dbCpuMsPerLogin.toFixed(1)} | ` +
      `${r.idpCpuMsPerLogin.toFixed(1)} | ${Math.round((cpus().length * 1000) / relyingPartyMs)} | ${r.throughputErrors} | ` +
      `${r.launchSeconds.toFixed(0)} s | ${r.launchPages.toLocaleString('en')} | ${r.launchErrors.length} |`
    );
  });
  const markdown = [
    '## Launch day: log-ins (issue 18) — `npm run bench:logins`',
    '',
    `${new Date().toISOString().slice(0, 10)}; ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}; ` +
      `load average before the run ${loadavg()[0]!.toFixed(1)}. The app: production build, two serving processes (WEB_CONCURRENCY=2), no scheduled jobs; ` +
      `the test identity provider in a third process on the same two cores; the load generator (Node fetch) a fourth.`,
    '',
    `(a) complete log-ins for ${SECONDS} s with ${CONCURRENCY} at a time (login → provider page → form → callback with code exchange → Lista servizi); ` +
      `CPU per log-in of the app's processes, of PostgreSQL's and of the provider's, from /proc; the relying party's capacity is the cores' time over the app's and its database's CPU per log-in, ` +
      `what the machine would give with the gateway elsewhere, as SPID's and CIE's are. (b) ${PARENTS.toLocaleString('en')} distinct parents, ${LAUNCH_CONCURRENCY} at a time, ` +
      `each logs in and opens the Lista servizi, the Scheda anagrafica and the Documenti contabili (target: within ${LAUNCH_LIMIT_S} s, no error).`,
    '',
    '| engine | (a) log-ins/s | app CPU ms/log-in | database CPU ms/log-in | provider CPU ms/log-in | relying party’s capacity, log-ins/s | (a) errors | (b) time | (b) pages | (b) errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  for (const r of results) if (r.launchErrors.length) console.error(`${r.engine} launch errors (first 5):`, r.launchErrors.slice(0, 5));
  if (!process.env.BENCH_LOGINS_ONLY) writeSection('logins', markdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
