// The package's root entry is chosen by a "node" export condition that TypeScript's bundler resolution does not apply.
import bwipjs from 'bwip-js/node';
import QRCode from 'qrcode';
import { formatEuroItalian } from '../pagopa/amounts';
import { groupInFours, postalDataMatrixPayload, qrPayload } from '../pagopa/nav';
import { type FontName, renderPdf, type Pdf } from './document';

/** Already validated by the caller; the codes are checked again here because a wrong one cannot be paid. */
export interface PaymentNoticeInput {
  subject: string;
  creditor: {
    taxCode: string;
    name: string;
    office: string;
    info: string;
    cbill: string;
    /**
     * Only creditors that collect on a postal account, and have Poste Italiane's authorisation to print
     * the slip themselves, print the "Bollettino Postale PA" part, with that authorisation on it.
     */
    postalAccount?: string;
    postalAuthorisation?: string;
    /** The creditor's logo (PNG), printed beside its name when it has one. */
    logoPng?: Buffer;
  };
  debtor: { fiscalCode: string; fullName: string; address: string };
  nav: string;
  amountCents: number;
  /** YYYY-MM-DD */
  dueDate: string;
  createdAt: Date;
}

/** Maximum lengths of the pagoPA notice guidelines (Allegato 2, specifiche tecniche). */
const MAX = { subject: 90, creditorName: 50, office: 50, info: 100, debtorName: 70, address: 140 } as const;

/**
 * The fixed texts of the pagoPA notice guidelines, which ask that they are printed unaltered: they
 * are the same on every notice in Italy, so they live here rather than in the app's message catalogue.
 */
const TEXT = {
  title: 'Avviso di pagamento',
  creditor: 'Ente Creditore',
  debtor: 'Destinatario',
  taxCode: 'Cod. Fiscale',
  howMuchAndWhen: 'Quanto e quando pagare?',
  amount: 'Importo',
  euro: 'Euro',
  dueBy: 'entro il',
  whereToPay: 'Dove pagare?',
  whereToPayLink: 'vai su pagopa.gov.it',
  online: "PAGA CON L'APP IO",
  onlineText: 'oppure dal tuo Home Banking, con la tua app di pagamento o con gli altri canali abilitati.',
  inPerson: 'PAGA SUL TERRITORIO',
  inPersonText:
    'presso Banche e Sportelli ATM, negli Uffici Postali e Punti Postali, nei Bar, Edicole, Ricevitorie, Supermercati, Tabaccherie e altri Esercenti Convenzionati.',
  paymentData: 'Dati per il pagamento',
  singleInstalment: 'Rata unica',
  scanInstructions: 'Inquadra il codice QR con la tua app di pagamento o usa i dati accanto.',
  subject: 'Oggetto del pagamento',
  cbill: 'Codice CBILL',
  noticeCode: 'Codice Avviso',
  creditorTaxCode: 'Cod. Fiscale Ente',
  postal: 'Bollettino Postale PA',
  postalAccount: 'sul C/C n.',
  postalHolder: 'intestato a',
  postalPayable: 'Bollettino Postale pagabile in tutti gli Uffici Postali e sui canali fisici o digitali abilitati di Poste Italiane e dell’Ente Creditore',
} as const;

const MM = 72 / 25.4;
/** Both codes are printed 25×25 mm, as the guidelines require. */
const CODE_SIDE = 25 * MM;
const QR_QUIET_MODULES = 4;
/**
 * pagoPA's QR rules: a symbol of version 4 (33×33 modules), error correction M, whatever the payload's
 * length (ours is at most 51 bytes; version 4-M holds 62), so every notice prints the same symbol size.
 */
export const QR_VERSION = 4;
const QR_MODULES = 17 + 4 * QR_VERSION;
const QR_AIR = 6;
const DATA_MATRIX_QUIET_MODULES = 2;
/** Room left of the payment fields for a code with its quiet zone (as wide as the Data Matrix's needs, with air). */
const CODE_COLUMN = CODE_SIDE * (1 + (2 * QR_QUIET_MODULES) / 21) + 12;
/** The logo's box at the top right of the header. */
const LOGO_SIDE = 18 * MM;
const LABEL_GREY = '#404040';
const RULE_GREY = '#9a9a9a';

/** Cuts a field to its maximum length, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const characters = Array.from(text.trim());
  return characters.length <= max ? characters.join('') : `${characters.slice(0, max - 1).join('')}…`;
}

function italianDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new Error(`Due date must be YYYY-MM-DD: ${JSON.stringify(isoDate)}`);
  return `${match[3]}/${match[2]}/${match[1]}`;
}

/**
 * Draws a 2D code as vector: one path with a rectangle per horizontal run of dark modules, filled once
 * (a small content stream, and no seams between neighbouring modules), on a white square that
 * includes the quiet zone scanners need. (x, y) is the top-left corner of the first module.
 */
function drawMatrixCode(doc: Pdf, isDark: (row: number, column: number) => boolean, modules: number, quietModules: number, x: number, y: number): void {
  const moduleSide = CODE_SIDE / modules;
  const quiet = quietModules * moduleSide;
  doc.save();
  doc.rect(x - quiet, y - quiet, CODE_SIDE + 2 * quiet, CODE_SIDE + 2 * quiet).fill('#ffffff');
  for (let row = 0; row < modules; row++) {
    let column = 0;
    while (column < modules) {
      if (!isDark(row, column)) {
        column++;
        continue;
      }
      const start = column;
      while (column < modules && isDark(row, column)) column++;
      doc.rect(x + start * moduleSide, y + row * moduleSide, (column - start) * moduleSide, moduleSide);
    }
  }
  doc.fill('#000000');
  doc.restore();
}

/** Draws the QR code with its quiet zone starting at (x, y); returns the side including the quiet zone. */
function drawQrCode(doc: Pdf, payload: string, x: number, y: number): number {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M', version: QR_VERSION });
  if (modules.size !== QR_MODULES) throw new Error(`QR code of ${modules.size} modules, not ${QR_MODULES}`);
  const quiet = QR_QUIET_MODULES * (CODE_SIDE / modules.size);
  drawMatrixCode(doc, (row, column) => modules.get(row, column) === 1, modules.size, QR_QUIET_MODULES, x + quiet, y + quiet);
  return CODE_SIDE + 2 * quiet;
}

/** Draws the Data Matrix with its quiet zone starting at (x, y); returns the side including the quiet zone. */
function drawDataMatrix(doc: Pdf, payload: string, x: number, y: number): number {
  const [symbol] = bwipjs.raw('datamatrix', payload, {});
  if (!symbol || !('pixs' in symbol) || symbol.pixx !== symbol.pixy) throw new Error('bwip-js did not return a square Data Matrix');
  const modules = symbol.pixx;
  const quiet = DATA_MATRIX_QUIET_MODULES * (CODE_SIDE / modules);
  drawMatrixCode(doc, (row, column) => symbol.pixs[row * modules + column] === 1, modules, DATA_MATRIX_QUIET_MODULES, x + quiet, y + quiet);
  return CODE_SIDE + 2 * quiet;
}

/** A small grey label with its value below; returns the y below the value. */
function field(doc: Pdf, label: string, value: string, x: number, y: number, width: number, valueFont: FontName = 'bold', valueSize = 10): number {
  doc.font('regular').fontSize(8).fillColor(LABEL_GREY).text(label, x, y, { width });
  doc.font(valueFont).fontSize(valueSize).fillColor('#000000').text(value, x, doc.y, { width });
  return doc.y;
}

function rule(doc: Pdf, y: number): void {
  const left = doc.page.margins.left;
  doc.save().moveTo(left, y).lineTo(doc.page.width - doc.page.margins.right, y).lineWidth(0.5).strokeColor(RULE_GREY).stroke().restore();
}

/** The title of a payment part, with its due date on the right; returns the y below. */
function partHeading(doc: Pdf, title: string, dueLabel: string, dueDate: string, y: number): number {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('bold').fontSize(11).fillColor('#000000').text(title, left, y, { width });
  const below = doc.y;
  // Measured by hand: pdfkit cannot right-align a line whose font changes half-way.
  const dateWidth = doc.font('monoBold').fontSize(9).widthOfString(dueDate);
  const labelWidth = doc.font('regular').widthOfString(dueLabel);
  const x = left + width - dateWidth - labelWidth;
  doc.text(dueLabel, x, y + 2, { lineBreak: false });
  doc.font('monoBold').text(dueDate, x + labelWidth, y + 2, { lineBreak: false });
  return below + 8;
}

function sectionTitle(doc: Pdf, title: string, x: number, y: number, width: number): number {
  doc.font('bold').fontSize(11).fillColor('#000000').text(title, x, y, { width });
  return doc.y + 4;
}

/**
 * The pagoPA "Avviso di pagamento" (single instalment) on one A4 page, in the order of the guidelines:
 * subject, creditor and recipient, amount and due date, where to pay, payment data with the QR code,
 * and the postal bulletin with its Data Matrix when the creditor has a postal account.
 */
export async function paymentNoticePdf(input: PaymentNoticeInput): Promise<Buffer> {
  const title = `${TEXT.title}: ${truncate(input.subject, MAX.subject)}`;
  return renderPdf({ title, author: truncate(input.creditor.name, MAX.creditorName), createdAt: input.createdAt }, (doc) => drawPaymentNotice(doc, input));
}

/** The notice drawn on the current page of a document: on its own (above) or after a letter (a formal notice, decision 0027). */
export function drawPaymentNotice(doc: Pdf, input: PaymentNoticeInput): void {
  const { creditor, debtor } = input;
  const qr = qrPayload({ nav: input.nav, creditorTaxCode: creditor.taxCode, amountCents: input.amountCents });
  const nav = qr.split('|')[2]!;
  const subject = truncate(input.subject, MAX.subject);
  const creditorName = truncate(creditor.name, MAX.creditorName);
  const debtorName = truncate(debtor.fullName, MAX.debtorName);
  const postal = creditor.postalAccount && creditor.postalAuthorisation
    ? {
        account: creditor.postalAccount,
        authorisation: creditor.postalAuthorisation,
        dataMatrix: postalDataMatrixPayload({
          nav,
          postalAccount: creditor.postalAccount,
          amountCents: input.amountCents,
          creditorTaxCode: creditor.taxCode,
          debtorFiscalCode: debtor.fiscalCode,
          debtorFullName: debtorName,
          subject,
        }),
      }
    : null;
  const amount = `${formatEuroItalian(input.amountCents)} ${TEXT.euro}`;
  const dueDate = italianDate(input.dueDate);
  const noticeCode = groupInFours(nav);

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const gutter = 24;
  const half = (width - gutter) / 2;
  const right = left + half + gutter;

  // Header: what is to be paid, and the creditor's logo on the right when it has one.
  const top = doc.page.margins.top;
  const titleWidth = creditor.logoPng ? width - LOGO_SIDE - 12 : width;
  if (creditor.logoPng) doc.image(creditor.logoPng, left + width - LOGO_SIDE, top, { fit: [LOGO_SIDE, LOGO_SIDE], align: 'right' });
  doc.font('bold').fontSize(9).fillColor(LABEL_GREY).text(TEXT.title.toUpperCase(), left, top, { width: titleWidth, characterSpacing: 0.5 });
  doc.font('bold').fontSize(18).fillColor('#000000').text(subject, left, doc.y + 2, { width: titleWidth });
  let y = Math.max(doc.y, creditor.logoPng ? top + LOGO_SIDE : 0) + 14;
  rule(doc, y);
  y += 12;

  // Creditor and recipient, side by side.
  let creditorY = sectionTitle(doc, TEXT.creditor, left, y, half);
  creditorY = field(doc, TEXT.taxCode, creditor.taxCode, left, creditorY, half, 'mono');
  doc.font('bold').fontSize(12).text(creditorName, left, creditorY + 2, { width: half });
  doc.font('regular').fontSize(10).text(truncate(creditor.office, MAX.office), left, doc.y, { width: half });
  doc.font('regular').fontSize(9).fillColor(LABEL_GREY).text(truncate(creditor.info, MAX.info), left, doc.y + 2, { width: half });
  creditorY = doc.y;

  let debtorY = sectionTitle(doc, TEXT.debtor, right, y, half);
  debtorY = field(doc, TEXT.taxCode, debtor.fiscalCode, right, debtorY, half, 'mono');
  doc.font('bold').fontSize(12).fillColor('#000000').text(debtorName, right, debtorY + 2, { width: half });
  doc.font('regular').fontSize(10).text(truncate(debtor.address, MAX.address), right, doc.y, { width: half });
  debtorY = doc.y;

  y = Math.max(creditorY, debtorY) + 14;
  rule(doc, y);
  y += 12;

  // How much and when; where to pay.
  let amountY = sectionTitle(doc, TEXT.howMuchAndWhen, left, y, half);
  doc.font('monoBold').fontSize(20).fillColor('#000000').text(amount, left, amountY, { width: half });
  doc.font('regular').fontSize(11).text(`${TEXT.dueBy} `, left, doc.y, { width: half, continued: true }).font('monoBold').text(dueDate);
  amountY = doc.y;

  doc.font('regular').fontSize(8).fillColor(LABEL_GREY).text(TEXT.whereToPayLink, right, y + 2, { width: half, align: 'right' });
  let whereY = sectionTitle(doc, TEXT.whereToPay, right, y, half);
  for (const [heading, text] of [
    [TEXT.online, TEXT.onlineText],
    [TEXT.inPerson, TEXT.inPersonText],
  ] as const) {
    doc.font('bold').fontSize(9).fillColor('#000000').text(heading, right, whereY, { width: half });
    doc.font('regular').fontSize(9).text(text, right, doc.y, { width: half });
    whereY = doc.y + 6;
  }

  y = Math.max(amountY, whereY) + 12;
  rule(doc, y);
  y += 12;

  // Payment data: the QR code, and the same data for those who type it in.
  const textLeft = left + CODE_COLUMN;
  const textWidth = width - CODE_COLUMN;
  const dataHalf = (textWidth - 12) / 2;
  const dataRight = textLeft + dataHalf + 12;
  y = partHeading(doc, TEXT.paymentData, `${TEXT.singleInstalment} ${TEXT.dueBy} `, dueDate, y);
  // A version 4 symbol's quiet zone (4 of its 33 modules) is narrower than a smaller symbol's: air above it
  // keeps the heading clear of the code for scanners.
  const qrSide = drawQrCode(doc, qr, left, y + QR_AIR) + QR_AIR;
  doc.font('regular').fontSize(8).fillColor(LABEL_GREY).text(TEXT.scanInstructions, textLeft, y, { width: textWidth });
  const fieldsTop = doc.y + 6;
  let leftY = field(doc, TEXT.debtor, debtorName, textLeft, fieldsTop, dataHalf);
  leftY = field(doc, TEXT.creditor, creditorName, textLeft, leftY + 4, dataHalf);
  leftY = field(doc, TEXT.subject, subject, textLeft, leftY + 4, dataHalf, 'regular', 9);
  let rightY = field(doc, TEXT.noticeCode, noticeCode, dataRight, fieldsTop, dataHalf, 'monoBold', 10);
  rightY = field(doc, TEXT.creditorTaxCode, creditor.taxCode, dataRight, rightY + 4, dataHalf, 'monoBold');
  rightY = field(doc, TEXT.cbill, creditor.cbill.toUpperCase(), dataRight, rightY + 4, dataHalf, 'monoBold');
  rightY = field(doc, TEXT.amount, amount, dataRight, rightY + 4, dataHalf, 'monoBold');
  y = Math.max(leftY, rightY, y + qrSide) + 12;

  if (postal) {
    rule(doc, y);
    y = partHeading(doc, TEXT.postal, `${TEXT.dueBy} `, dueDate, y + 12);
    const matrixSide = drawDataMatrix(doc, postal.dataMatrix, left, y);
    let postalLeftY = field(doc, TEXT.postalAccount, postal.account, textLeft, y, dataHalf, 'monoBold', 10);
    postalLeftY = field(doc, TEXT.postalHolder, creditorName, textLeft, postalLeftY + 4, dataHalf);
    postalLeftY = field(doc, TEXT.debtor, debtorName, textLeft, postalLeftY + 4, dataHalf);
    postalLeftY = field(doc, TEXT.subject, subject, textLeft, postalLeftY + 4, dataHalf, 'regular', 9);
    let postalRightY = field(doc, TEXT.noticeCode, noticeCode, dataRight, y, dataHalf, 'monoBold', 10);
    postalRightY = field(doc, TEXT.creditorTaxCode, creditor.taxCode, dataRight, postalRightY + 4, dataHalf, 'monoBold');
    postalRightY = field(doc, TEXT.amount, amount, dataRight, postalRightY + 4, dataHalf, 'monoBold');
    y = Math.max(postalLeftY, postalRightY, y + matrixSide) + 8;
    // Poste's texts for a slip the creditor prints itself: where it is paid, and the authorisation to print it.
    doc.font('regular').fontSize(7).fillColor(LABEL_GREY).text(TEXT.postalPayable, left, y, { width });
    doc.font('regular').fontSize(7).text(postal.authorisation, left, doc.y + 1, { width });
    doc.fillColor('#000000');
    y = doc.y;
  }
  doc.x = left;
  doc.y = y;
}
