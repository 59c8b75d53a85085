import { formatEuroItalian } from '../pagopa/amounts';
import { groupInFours } from '../pagopa/nav';
import { renderPdf } from './document';

/** The facts of a pagoPA receipt, unformatted: amounts in cents, instants as ISO 8601 strings. */
export interface PaymentReceiptInput {
  receiptId: string;
  /** The notice number as the receipt carries it (`noticeNumber`). */
  nav: string;
  /** `creditorReferenceId`. */
  iuv: string;
  subject: string;
  amountCents: number;
  /** The PSP's fee, when the receipt reports it. */
  feeCents?: number;
  creditor: { taxCode: string; name: string };
  debtor: { fiscalCode: string; fullName: string };
  /** Who paid, when the receipt names someone other than the debtor (a grandparent at the tobacconist). */
  payer?: { fiscalCode: string; fullName: string };
  /**
   * An instant with its offset or "Z". A bare local time would be read in the server's time zone,
   * so the receipt layer must settle the zone before it gets here.
   */
  paymentDateTime: string;
  psp: { id: string; name: string };
  paymentMethod: string;
  createdAt: Date;
}

const TEXT = {
  title: 'Ricevuta di pagamento pagoPA',
  what: 'Cosa è stato pagato',
  subject: 'Oggetto del pagamento',
  amount: 'Importo',
  fee: 'Commissione',
  euro: 'Euro',
  creditor: 'Ente Creditore',
  debtor: 'Debitore',
  payer: 'Pagato da',
  taxCode: 'Codice fiscale',
  name: 'Nome',
  how: 'Quando e come',
  paidAt: 'Data e ora del pagamento',
  psp: 'Prestatore di servizi di pagamento (PSP)',
  pspId: 'ID PSP',
  method: 'Metodo di pagamento',
  identifiers: 'Riferimenti',
  receiptId: 'ID ricevuta',
  noticeCode: 'Codice Avviso',
  iuv: 'IUV',
  footer: (issuedAt: string) =>
    `Ricevuta prodotta il ${issuedAt} dai dati della ricevuta telematica pagoPA. Orari nel fuso di Roma; importi in euro.`,
} as const;

/** The payment method codes of pagoPA receipts, in words; an unknown code is printed as it is. */
const METHODS: Record<string, string> = {
  CP: 'Carta di pagamento',
  PO: 'Pagamento presso un prestatore (sportello, tabaccheria, ATM)',
  BBT: 'Bonifico bancario',
  BP: 'Bollettino postale',
  AD: 'Addebito diretto',
  MYBK: 'MyBank',
  PPAL: 'PayPal',
  BPAY: 'BANCOMAT Pay',
  APPL: 'Apple Pay',
  GOOG: 'Google Pay',
  SATY: 'Satispay',
};

const LABEL_GREY = '#404040';
const OFFSET_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const romeClock = new Intl.DateTimeFormat('it-IT', {
  timeZone: 'Europe/Rome',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** dd/mm/yyyy HH:mm on Rome's clock; built from parts so the separators do not depend on ICU's data. */
function romeDateTime(instant: Date): string {
  const part: Record<string, string> = {};
  for (const { type, value } of romeClock.formatToParts(instant)) part[type] = value;
  return `${part.day}/${part.month}/${part.year} ${part.hour}:${part.minute}`;
}

function parseInstant(iso: string): Date {
  const instant = new Date(iso);
  if (!OFFSET_INSTANT.test(iso) || Number.isNaN(instant.getTime())) throw new Error(`Payment time must be an ISO 8601 instant with an offset: ${JSON.stringify(iso)}`);
  return instant;
}

/**
 * The payer's proof of a pagoPA payment: what was paid, to whom, by whom, when and through which PSP,
 * with the identifiers that let the office find the payment.
 */
export async function paymentReceiptPdf(input: PaymentReceiptInput): Promise<Buffer> {
  const paidAt = romeDateTime(parseInstant(input.paymentDateTime));
  const issuedAt = romeDateTime(input.createdAt);
  const euro = (cents: number) => `${formatEuroItalian(cents)} ${TEXT.euro}`;

  const sections: [title: string, rows: [label: string, value: string][]][] = [
    [
      TEXT.what,
      [
        [TEXT.subject, input.subject],
        [TEXT.amount, euro(input.amountCents)],
        ...(input.feeCents === undefined ? [] : [[TEXT.fee, euro(input.feeCents)] as [string, string]]),
      ],
    ],
    [
      TEXT.creditor,
      [
        [TEXT.name, input.creditor.name],
        [TEXT.taxCode, input.creditor.taxCode],
      ],
    ],
    [
      TEXT.debtor,
      [
        [TEXT.name, input.debtor.fullName],
        [TEXT.taxCode, input.debtor.fiscalCode],
      ],
    ],
    ...(input.payer && input.payer.fiscalCode !== input.debtor.fiscalCode
      ? [
          [
            TEXT.payer,
            [
              [TEXT.name, input.payer.fullName],
              [TEXT.taxCode, input.payer.fiscalCode],
            ],
          ] as [string, [string, string][]],
        ]
      : []),
    [
      TEXT.how,
      [
        [TEXT.paidAt, paidAt],
        [TEXT.psp, input.psp.name],
        [TEXT.pspId, input.psp.id],
        [TEXT.method, METHODS[input.paymentMethod] ?? input.paymentMethod],
      ],
    ],
    [
      TEXT.identifiers,
      [
        [TEXT.receiptId, input.receiptId],
        [TEXT.noticeCode, groupInFours(input.nav)],
        [TEXT.iuv, input.iuv],
      ],
    ],
  ];

  return renderPdf({ title: `${TEXT.title}: ${input.subject}`, author: input.creditor.name, createdAt: input.createdAt }, (doc) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    const labelWidth = 190;

    doc.font('bold').fontSize(18).text(TEXT.title, left, doc.page.margins.top, { width });
    doc.font('regular').fontSize(11).text(input.creditor.name, { width });
    doc.moveDown();

    const row = (label: string, value: string) => {
      doc.fontSize(10);
      const height = Math.max(doc.font('regular').heightOfString(label, { width: labelWidth - 8 }), doc.font('bold').heightOfString(value, { width: width - labelWidth }));
      const y = doc.y;
      doc.font('regular').fillColor(LABEL_GREY).text(label, left, y, { width: labelWidth - 8 });
      doc.font('bold').fillColor('#000000').text(value, left + labelWidth, y, { width: width - labelWidth });
      doc.y = y + height + 4;
    };
    const heading = (title: string) => {
      doc.moveDown(0.5);
      doc.font('bold').fontSize(12).fillColor('#000000').text(title, left, doc.y, { width });
      const y = doc.y + 2;
      doc.save().moveTo(left, y).lineTo(left + width, y).lineWidth(0.5).strokeColor('#9a9a9a').stroke().restore();
      doc.y = y + 6;
    };

    for (const [title, rows] of sections) {
      heading(title);
      for (const [label, value] of rows) row(label, value);
    }
    doc.moveDown();
    doc.font('regular').fontSize(8).fillColor(LABEL_GREY).text(TEXT.footer(issuedAt), left, doc.y, { width });
  });
}
