/**
 * `npm run bench:messages [-- --pupils 150000]` (issue 16): on SQLite, with one adult with an e-mail address
 * per pupil,
 *  1. queuing: the new-document messages of a monthly billing of that many documents, queued as billing
 *     queues them (`queueMessages` in transactions of 1,000 events, one per billing batch);
 *  2. delivery: the outbox sends them all to the built-in SMTP server (a real SMTP server on loopback, in a
 *     process of its own as the app serving it would be, storing each message in its own SQLite database)
 *     from this one process, as the worker does.
 * Writes its section of bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { systemClock } from '../src/domain/clock';
import { createMessageDelivery } from '../src/domain/messages/delivery';
import { queueMessages, type MessageEvent } from '../src/domain/messages/outbox';
import { createMessageChannels } from '../src/integrations/messages/channels';
import { insertChunked } from './in-process';
import { writeSection } from './results';

const argument = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const PUPILS = Number(argument('pupils') ?? 150_000);
const BILLING_BATCH = 1_000;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'messages-bench-'));
  const load = loadavg()[0]!.toFixed(1);
  const database = createDatabase(`sqlite:${join(dir, 'app.db')}`);
  try {
    await migrateToLatest(database);
    await seedDemo(database.db);
    const db = database.db;
    const ente = await db.selectFrom('ente').select(['id']).where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const school = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).orderBy('id').executeTakeFirstOrThrow();
    const firstPerson = Number((await db.selectFrom('person').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id) + 1;
    const firstPupil = Number((await db.selectFrom('pupil').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id) + 1;

    // One adult and one child per pupil (fictitious codes: the bench never shows them).
    const people: Record<string, unknown>[] = [];
    for (let i = 0; i < 2 * PUPILS; i++) {
      const code = `BNCMSG${String(i).padStart(10, '0')}`;
      people.push({
        id: firstPerson + i, ente_id: ente.id, fiscal_code: code, given_name: i % 2 ? 'Genitore' : 'Alunno', family_name: `Prova${i}`, sex: 'F',
        birth_date: '1980-01-01', birth_place: 'Roma', address: 'Via della Prova 1', postcode: '00100', city: 'Roma', province: 'RM',
        email: i % 2 ? `genitore${i}@esempio.invalid` : null, phone: null, search_key: `prova${i}`,
      });
    }
    await insertChunked(db, 'person', people, 300);
    const pupils: Record<string, unknown>[] = [];
    const links: Record<string, unknown>[] = [];
    for (let i = 0; i < PUPILS; i++) {
      pupils.push({ id: firstPupil + i, ente_id: ente.id, person_id: firstPerson + 2 * i, school_id: school.id, class_name: '1A' });
      links.push({ ente_id: ente.id, pupil_id: firstPupil + i, person_id: firstPerson + 2 * i + 1, relation: 'intestatario' });
    }
    await insertChunked(db, 'pupil', pupils);
    await insertChunked(db, 'pupil_holder', links);

    // 1. Queuing, in transactions of one billing batch each.
    const events: MessageEvent[] = pupils.map((p, i) => ({ enteId: ente.id, kind: 'office', eventKey: `bench:${i}`, pupilId: p.id as number, params: { subject: 'Prova di carico', body: 'Un messaggio di prova del benchmark.' } }));
    let queued = 0;
    const queueStart = performance.now();
    for (let i = 0; i < events.length; i += BILLING_BATCH) {
      queued += await db.transaction().execute((trx) => queueMessages(trx, events.slice(i, i + BILLING_BATCH)));
    }
    const queueMs = performance.now() - queueStart;
    process.stderr.write(`queued ${queued} in ${(queueMs / 1000).toFixed(1)} s\n`);

    // 2. Delivery to the built-in SMTP server, one process.
    const server = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'messages-smtp-server.ts'), join(dir, 'sandbox.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const port = /listening (\d+)/.exec(line.toString())?.[1];
    if (!port) throw new Error(`SMTP server did not start: ${line.toString()}`);
    const channels = createMessageChannels({ smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'Servizi scolastici <noreply@localhost>', ioUrl: 'http://127.0.0.1:9', ioKey: 'unused', timeoutMs: 15_000 });
    const delivery = createMessageDelivery(db, systemClock, channels, { publicUrl: 'http://localhost:3000' });
    const sendStart = performance.now();
    let sent = 0;
    let failed = 0;
    for (;;) {
      const outcome = await delivery.deliverDue({ maxMs: 60_000 });
      sent += outcome.sent;
      failed += outcome.failed + outcome.retried + outcome.unknown + outcome.skipped;
      process.stderr.write(`sent ${sent} after ${((performance.now() - sendStart) / 1000).toFixed(0)} s\n`);
      if (outcome.sent === 0) break;
    }
    const sendMs = performance.now() - sendStart;
    channels.close();
    server.kill('SIGTERM');
    await once(server, 'exit');
    const sandboxDatabase = createDatabase(`sqlite:${join(dir, 'sandbox.db')}`);
    const received = Number((await sandboxDatabase.db.selectFrom('sandbox_mail').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await sandboxDatabase.destroy();

    const rate = Math.round(sent / (sendMs / 1000));
    writeSection(
      'messages-sqlite',
      `## Messages to families (issue 16) — \`npm run bench:messages\`, SQLite

${new Date().toISOString().slice(0, 10)}; 2 cores shared with other sessions' work (load average before the run ${load}), Node.js ${process.version}. ${PUPILS.toLocaleString('en')} pupils, one adult with an e-mail address each; the messages of a monthly billing of ${PUPILS.toLocaleString('en')} documents.

| step | target | time | figures |
| --- | --- | ---: | --- |
| queue the messages in the billing's transactions (1,000 events each) | part of the billing run's 60 s | ${(queueMs / 1000).toFixed(1)} s | ${queued.toLocaleString('en')} outbox rows |
| deliver them to the built-in SMTP server (its own process), one sending process | < 10 min | ${(sendMs / 1000).toFixed(0)} s | ${sent.toLocaleString('en')} sent (${rate}/s), ${received.toLocaleString('en')} received by the server, ${failed} not sent |

The queuing is measured alone, with the same calls billing makes in its batch transactions (one \`queueMessages\` per batch of 1,000 documents); the whole billing run with it is not part of this benchmark.
`,
    );
  } finally {
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
