import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { DB } from '../../../db/schema';
import type { Clock } from '../../../domain/clock';
import { decodeHeader, headerOf } from './mime';

/** The largest message the sandbox accepts: ours are a few kilobytes. */
const MAX_BYTES = 1024 * 1024;

export interface SmtpSandbox {
  port: number;
  /** smtp:// address our mail client is configured with. */
  url: string;
  close(): Promise<void>;
}

/**
 * A real SMTP server inside the app for development, tests and the demo (issue 16): it accepts every
 * message on the loopback interface, without authentication or TLS, and keeps it in `sandbox_mail`,
 * listed at /mail-sandbox/. Our nodemailer client talks to it exactly as to the ente's mail server.
 * Never started in production (the configuration refuses it).
 */
export async function startSmtpSandbox(db: Kysely<DB>, clock: Clock, { host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {}): Promise<SmtpSandbox> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    size: MAX_BYTES,
    banner: 'Servizi Scolastici Online mail sandbox',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(Object.assign(new Error('Message too big'), { responseCode: 552 }));
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = decodeHeader(headerOf(raw, 'subject') ?? '');
        db.insertInto('sandbox_mail')
          .values({
            envelope_from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelope_to: session.envelope.rcptTo.map((r) => r.address).join(', '),
            subject,
            raw,
            received_at: clock.now().toISOString(),
          })
          .execute()
          .then(
            () => callback(),
            (error: Error) => callback(Object.assign(new Error(`storage failed: ${error.message}`), { responseCode: 451 })),
          );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that drops its connection must not crash the app.
  server.on('error', () => {});
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `smtp://${host}:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
