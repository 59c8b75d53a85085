import { type Pdf, renderPdf } from './document';
import { drawPaymentNotice, type PaymentNoticeInput } from './notice';

/** A reminder letter's texts, formatted by the caller in the ente's language (the office's catalogue). */
export interface ReminderLetterTexts {
  title: string;
  enteName: string;
  officeLines: string[];
  /** The addressee's block: name, address lines. */
  addressee: string[];
  place: string;
  subject: string;
  paragraphs: string[];
  /** The document reminded: label and value pairs. */
  details: [label: string, value: string][];
  closing: string;
  signature: string;
}

/** One letter: its texts, and for a formal notice the pagoPA notice that follows it. */
export interface ReminderLetter {
  texts: ReminderLetterTexts;
  notice: PaymentNoticeInput | null;
}

/**
 * The letters of reminder steps (decision 0027), each starting on a new page: a first or second reminder on
 * one page; a formal notice (messa in mora) followed, on a page of its own, by its pagoPA notice with the
 * new due date. One letter, or a page of a run's list to print at once.
 */
export function reminderLettersPdf(letters: readonly ReminderLetter[], info: { title: string; author: string }, createdAt: Date): Promise<Buffer> {
  return renderPdf({ title: info.title, author: info.author, createdAt }, (doc) => {
    letters.forEach((letter, i) => {
      if (i > 0) doc.addPage();
      drawLetter(doc, letter.texts);
      if (letter.notice) {
        doc.addPage();
        drawPaymentNotice(doc, letter.notice);
      }
    });
  });
}

function drawLetter(doc: Pdf, texts: ReminderLetterTexts): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('bold').fontSize(14).fillColor('#000000').text(texts.enteName, left, doc.page.margins.top, { width });
  doc.font('regular').fontSize(9);
  for (const line of texts.officeLines) doc.text(line, { width });
  doc.moveDown(2);
  const addresseeX = left + width / 2;
  const top = doc.y;
  doc.font('regular').fontSize(11);
  for (const line of texts.addressee) doc.text(line, addresseeX, doc.y, { width: width / 2 });
  doc.x = left;
  doc.y = Math.max(doc.y, top) + 24;
  doc.fontSize(10).text(texts.place, left, doc.y, { width, align: 'right' });
  doc.moveDown();
  doc.font('bold').fontSize(12).text(texts.subject, left, doc.y, { width });
  doc.moveDown();
  doc.font('regular').fontSize(11);
  for (const paragraph of texts.paragraphs) {
    doc.text(paragraph, left, doc.y, { width, align: 'justify' });
    doc.moveDown(0.7);
  }
  doc.moveDown(0.3);
  for (const [label, value] of texts.details) {
    doc.font('bold').fontSize(10).text(`${label}: `, left, doc.y, { width, continued: true }).font('regular').text(value);
  }
  doc.moveDown();
  doc.font('regular').fontSize(11).text(texts.closing, left, doc.y, { width });
  doc.moveDown(2);
  doc.text(texts.signature, addresseeX, doc.y, { width: width / 2 });
}
