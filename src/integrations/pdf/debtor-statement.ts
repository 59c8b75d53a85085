import { renderPdf } from './document';

export interface DebtorStatementTexts {
  title: string;
  enteName: string;
  officeLine: string;
  asOf: string;
  holder: [label: string, value: string];
  fiscalCode: [label: string, value: string];
  address: [label: string, value: string];
  headers: [document: string, pupilAndService: string, due: string, delay: string, amount: string];
  /** Oldest due date first. */
  rows: { document: string; pupilAndService: string; due: string; delay: string; amount: string }[];
  none: string;
  totals: [label: string, amount: string][];
  footer: string;
}

/**
 * A holder's statement across pupils for the office (issue 15 point 1): every open document with its due
 * date and delay, and the totals the debtors list shows — formatted by the caller in the reader's language.
 */
export function debtorStatementPdf(texts: DebtorStatementTexts, createdAt: Date): Promise<Buffer> {
  return renderPdf({ title: texts.title, author: texts.enteName, createdAt }, (doc) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    const widths = [95, width - 95 - 70 - 65 - 80, 70, 65, 80];
    const columns = widths.map((_, i) => left + widths.slice(0, i).reduce((a, b) => a + b, 0));

    doc.font('bold').fontSize(16).text(texts.enteName);
    doc.font('regular').fontSize(10).text(texts.officeLine).moveDown();
    doc.font('bold').fontSize(14).text(texts.title);
    doc.font('regular').fontSize(10).text(texts.asOf).moveDown(0.5);
    for (const [label, value] of [texts.holder, texts.fiscalCode, texts.address]) {
      doc.font('bold').text(`${label}: `, { continued: true }).font('regular').text(value);
    }
    doc.moveDown();

    const row = (cells: string[], font: 'regular' | 'bold') => {
      doc.font(font).fontSize(9);
      // A long pupil or service name wraps: the row is as tall as its tallest cell.
      const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i]! - 4 })));
      if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      cells.forEach((cell, i) => doc.text(cell, columns[i]!, y, { width: widths[i]! - 4, align: i >= 3 ? 'right' : 'left' }));
      doc.x = left;
      doc.y = y + height;
      doc.moveDown(0.3);
    };
    row(texts.headers, 'bold');
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
    doc.moveDown(0.3);
    if (texts.rows.length === 0) doc.font('regular').fontSize(10).text(texts.none, left, doc.y, { width }).moveDown();
    for (const r of texts.rows) row([r.document, r.pupilAndService, r.due, r.delay, r.amount], 'regular');
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
    doc.moveDown(0.3);
    for (const [label, amount] of texts.totals) row(['', label, '', '', amount], 'bold');
    doc.moveDown();
    doc.font('regular').fontSize(8).text(texts.footer, left, doc.y, { width });
  });
}
