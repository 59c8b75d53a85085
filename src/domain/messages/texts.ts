import type { MessageKind } from '../../db/schema';
import { formatEuroItalian } from '../../integrations/pagopa/amounts';

/**
 * The texts of the messages to families, in Italian and English (the adult's language). Every subject
 * names the pupil (families with several children must know which one) and says neither an amount owed
 * nor anything about a diet; amounts are in the body only. Each message is plain text, the same as
 * simple HTML (headings-free paragraphs and one link, readable by any screen reader), and as App IO's
 * markdown (80 to 10,000 characters; the subject 10 to 120).
 */
export type MessageLanguage = 'it' | 'en';

export interface MessageFacts {
  kind: MessageKind;
  language: MessageLanguage;
  pupilName: string;
  enteName: string;
  /** Where the family reads and pays: the ente's portal page for this kind of message. */
  portalUrl: string;
  params: Record<string, unknown>;
}

export interface ComposedMessage {
  subject: string;
  /** Paragraphs, the last one being the link to the portal. */
  paragraphs: string[];
}

const SUBJECT_MAX = 120;
const MARKDOWN_MIN = 80;

function euro(cents: unknown): string {
  return `${formatEuroItalian(Number(cents))} €`;
}

function date(value: unknown, language: MessageLanguage): string {
  const text = String(value ?? '');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  return language === 'it' ? `${text.slice(8, 10)}/${text.slice(5, 7)}/${text.slice(0, 4)}` : text;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

const texts = {
  it: {
    portal: (url: string) => `Tutti i dettagli nel Portale dei Servizi: ${url}`,
    footer: (ente: string) => `Messaggio inviato da ${ente} per i servizi scolastici. Può scegliere come ricevere questi messaggi nel Portale dei Servizi, alla pagina "Preferenze messaggi".`,
    new_document: {
      subject: (p: string) => `${p}: nuovo documento dei servizi scolastici`,
      body: (f: MessageFacts) => [
        `È disponibile un nuovo documento contabile per ${f.pupilName}${f.params.service ? ` (${str(f.params.service)}${f.params.period ? `, ${str(f.params.period)}` : ''})` : ''}.`,
        ...(f.params.amountCents !== undefined ? [`Importo: ${euro(f.params.amountCents)}, da pagare entro il ${date(f.params.dueDate, 'it')}.`] : []),
        ...(f.params.noticeNumber ? [`Codice avviso pagoPA: ${str(f.params.noticeNumber)}.`] : []),
      ],
    },
    due_soon: {
      subject: (p: string) => `${p}: un documento è in scadenza`,
      body: (f: MessageFacts) => [
        `Il documento n. ${str(f.params.number)} per ${f.pupilName} scade il ${date(f.params.dueDate, 'it')}.`,
        ...(f.params.amountCents !== undefined ? [`Importo da pagare: ${euro(f.params.amountCents)}.`] : []),
        'Se ha già pagato, non tenga conto di questo messaggio.',
      ],
    },
    reminder: {
      subject: (p: string) => `${p}: promemoria di pagamento`,
      body: (f: MessageFacts) => [
        `Risultano documenti non pagati per ${f.pupilName}${f.params.amountCents !== undefined ? `, per un totale di ${euro(f.params.amountCents)}` : ''}.`,
        'Se ha già pagato, non tenga conto di questo messaggio.',
      ],
    },
    low_balance: {
      subject: (p: string) => `${p}: credito del badge in esaurimento`,
      body: (f: MessageFacts) => [
        `Il credito del badge di ${f.pupilName}${f.params.balanceCents !== undefined ? ` è di ${euro(f.params.balanceCents)}` : ' è basso'}.`,
        'Può ricaricarlo dal Portale dei Servizi, pagina "Ricariche con pagoPA".',
      ],
    },
    topup_credited: {
      subject: (p: string) => `${p}: ricarica accreditata`,
      body: (f: MessageFacts) => [`La ricarica di ${euro(f.params.amountCents)} sul badge di ${f.pupilName} è stata accreditata.`],
    },
    statement_730: {
      subject: (p: string) => `${p}: attestazione per il 730 disponibile`,
      body: (f: MessageFacts) => [
        `È disponibile l’attestazione dei pagamenti della refezione di ${f.pupilName} fatti con pagoPA nel ${str(f.params.year)}, per la dichiarazione dei redditi (730).`,
        'La trova nel Portale dei Servizi, pagina "Scheda anagrafica", tra i documenti allegati.',
      ],
    },
    office: {
      subject: (p: string, f: MessageFacts) => `${p}: ${str(f.params.subject)}`,
      body: (f: MessageFacts) => [`Comunicazione per le famiglie di ${f.pupilName}:`, ...str(f.params.body).split(/\n{2,}/)],
    },
  },
  en: {
    portal: (url: string) => `All the details are in the Services Portal: ${url}`,
    footer: (ente: string) => `Message sent by ${ente} about school services. You can choose how to receive these messages in the Services Portal, on the "Message preferences" page.`,
    new_document: {
      subject: (p: string) => `${p}: new school services document`,
      body: (f: MessageFacts) => [
        `A new accounting document is available for ${f.pupilName}${f.params.service ? ` (${str(f.params.service)}${f.params.period ? `, ${str(f.params.period)}` : ''})` : ''}.`,
        ...(f.params.amountCents !== undefined ? [`Amount: ${euro(f.params.amountCents)}, to be paid by ${date(f.params.dueDate, 'en')}.`] : []),
        ...(f.params.noticeNumber ? [`pagoPA notice number: ${str(f.params.noticeNumber)}.`] : []),
      ],
    },
    due_soon: {
      subject: (p: string) => `${p}: a document falls due soon`,
      body: (f: MessageFacts) => [
        `Document no. ${str(f.params.number)} for ${f.pupilName} falls due on ${date(f.params.dueDate, 'en')}.`,
        ...(f.params.amountCents !== undefined ? [`Amount to pay: ${euro(f.params.amountCents)}.`] : []),
        'If you have already paid, please disregard this message.',
      ],
    },
    reminder: {
      subject: (p: string) => `${p}: payment reminder`,
      body: (f: MessageFacts) => [
        `Some documents for ${f.pupilName} are unpaid${f.params.amountCents !== undefined ? `, ${euro(f.params.amountCents)} in total` : ''}.`,
        'If you have already paid, please disregard this message.',
      ],
    },
    low_balance: {
      subject: (p: string) => `${p}: badge credit running low`,
      body: (f: MessageFacts) => [
        `The credit on ${f.pupilName}'s badge${f.params.balanceCents !== undefined ? ` is ${euro(f.params.balanceCents)}` : ' is low'}.`,
        'You can top it up in the Services Portal, "pagoPA top-ups" page.',
      ],
    },
    topup_credited: {
      subject: (p: string) => `${p}: top-up credited`,
      body: (f: MessageFacts) => [`The top-up of ${euro(f.params.amountCents)} on ${f.pupilName}'s badge has been credited.`],
    },
    statement_730: {
      subject: (p: string) => `${p}: statement for the 730 available`,
      body: (f: MessageFacts) => [
        `The statement of ${f.pupilName}'s canteen payments made with pagoPA in ${str(f.params.year)}, for the tax return (730), is available.`,
        'You will find it in the Services Portal, "Scheda anagrafica" page, among the attached documents.',
      ],
    },
    office: {
      subject: (p: string, f: MessageFacts) => `${p}: ${str(f.params.subject)}`,
      body: (f: MessageFacts) => [`A message for the families of ${f.pupilName}:`, ...str(f.params.body).split(/\n{2,}/)],
    },
  },
} as const;

function clipSubject(subject: string): string {
  const flat = subject.replace(/\s+/g, ' ').trim();
  return flat.length <= SUBJECT_MAX ? flat : `${flat.slice(0, SUBJECT_MAX - 1)}…`;
}

export function composeMessage(facts: MessageFacts): ComposedMessage {
  const t = texts[facts.language];
  const kind = t[facts.kind];
  const subject = clipSubject(kind.subject(facts.pupilName, facts));
  return { subject: subject.length >= 10 ? subject : `${subject} — ${facts.enteName}`.slice(0, SUBJECT_MAX), paragraphs: [...kind.body(facts), t.portal(facts.portalUrl), t.footer(facts.enteName)] };
}

export function plainText(message: ComposedMessage): string {
  return `${message.paragraphs.join('\n\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Simple accessible HTML: a language, a title, paragraphs, and the portal's address as a real link. */
export function html(message: ComposedMessage, language: MessageLanguage): string {
  const paragraphs = message.paragraphs
    .map((p) => `<p>${escapeHtml(p).replace(/(https?:\/\/[^\s<]+)/g, (url) => `<a href="${url}">${url}</a>`)}</p>`)
    .join('\n');
  return `<!DOCTYPE html>\n<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(message.subject)}</title></head>\n<body>\n${paragraphs}\n</body></html>\n`;
}

/** App IO's markdown: paragraphs as they are (markdown's special characters escaped), at least 80 characters. */
export function markdown(message: ComposedMessage): string {
  const text = message.paragraphs.map((p) => p.replace(/([\\`*_[\]#>])/g, '\\$1')).join('\n\n');
  return text.length >= MARKDOWN_MIN ? text.slice(0, 10_000) : text.padEnd(MARKDOWN_MIN, ' ');
}
