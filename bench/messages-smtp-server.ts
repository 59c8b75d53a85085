/**
 * The built-in SMTP server in a process of its own for `bench:messages`, as in a deployment the app
 * serving the sandbox is not the worker that sends: `tsx bench/messages-smtp-server.ts <sqlite file>`
 * prints "listening <port>", stores what it receives, and stops on SIGTERM.
 */
import { createDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { systemClock } from '../src/domain/clock';
import { startSmtpSandbox } from '../src/integrations/messages/sandbox/smtp';

const database = createDatabase(`sqlite:${process.argv[2]}`);
await migrateToLatest(database);
const smtp = await startSmtpSandbox(database.db, systemClock, { port: 0 });
process.stdout.write(`listening ${smtp.port}\n`);
process.on('SIGTERM', () => {
  void smtp.close().then(async () => {
    await database.destroy();
    process.exit(0);
  });
});
