import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';

/**
 * The two ways a message leaves: e-mail over SMTP (nodemailer) and App IO's API for services. The same
 * code talks to the real servers and to the built-in sandboxes (src/integrations/messages/sandbox):
 * only the configuration differs.
 */
export interface MailToSend {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per outbox row, so a receiving server can tell a copy from a new message. */
  messageId: string;
}

export interface PaymentData {
  amount: number;
  notice_number: string;
  invalid_after_due_date: boolean;
  payee: { fiscal_code: string };
}

export interface IoMessageToSend {
  fiscalCode: string;
  subject: string;
  markdown: string;
  dueDate?: string;
  paymentData?: PaymentData;
}

export type IoProfile = { kind: 'allowed' } | { kind: 'refused' } | { kind: 'no-profile' };

export interface MessageChannels {
  /** The channels configured: a message for one that is not is recorded as not sent. */
  enabled: { email: boolean; io: boolean };
  sendMail(mail: MailToSend): Promise<void>;
  ioProfile(fiscalCode: string): Promise<IoProfile>;
  sendIo(message: IoMessageToSend): Promise<{ id: string }>;
  close(): void;
}

export interface ChannelsConfig {
  /** smtp://user:password@host:port or smtps://…; undefined: no e-mail. */
  smtpUrl: string | undefined;
  mailFrom: string;
  ioUrl: string;
  /** The service's subscription key; undefined: no App IO. */
  ioKey: string | undefined;
  timeoutMs: number;
}

/** An answer of App IO that says the message was not accepted; `retry` when trying again may help. */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export function createMessageChannels(config: ChannelsConfig): MessageChannels {
  let transport: Transporter | undefined;
  const mailer = () => {
    transport ??= nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      maxConnections: 8,
      maxMessages: Infinity,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    } as TransportOptions);
    return transport;
  };

  async function io(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${config.ioUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'Ocp-Apim-Subscription-Key': config.ioKey ?? '' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      throw new ChannelError(`App IO unreachable: ${(error as Error).name}`, true);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  }

  return {
    enabled: { email: config.smtpUrl !== undefined, io: config.ioKey !== undefined },
    async sendMail(mail) {
      await mailer().sendMail({ from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    },
    async ioProfile(fiscalCode) {
      const { status, json } = await io('/api/v1/profiles', { fiscal_code: fiscalCode });
      if (status === 404) return { kind: 'no-profile' };
      if (status !== 200) throw new ChannelError(`App IO profiles answered ${status}`, status >= 500 || status === 429);
      return (json as { sender_allowed?: unknown })?.sender_allowed === true ? { kind: 'allowed' } : { kind: 'refused' };
    },
    async sendIo(message) {
      const { status, json } = await io('/api/v1/messages', {
        fiscal_code: message.fiscalCode,
        feature_level_type: 'STANDARD',
        content: {
          subject: message.subject,
          markdown: message.markdown,
          ...(message.dueDate ? { due_date: message.dueDate } : {}),
          ...(message.paymentData ? { payment_data: message.paymentData } : {}),
        },
      });
      const id = (json as { id?: unknown })?.id;
      if (status !== 201 || typeof id !== 'string') throw new ChannelError(`App IO messages answered ${status}`, status >= 500 || status === 429);
      return { id };
    },
    close() {
      transport?.close();
    },
  };
}
