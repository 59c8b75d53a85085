import { renderPdf } from './document';

export interface StatementTexts {
  title: string;
  enteName: string;
  officeLine: string;
  holder: [label: string, value: string];
  pupil: [label: string, value: string];
  service: [label: string, value: string];
  badge: [label: string, value: string];
  period: string;
  headers: [date: string, description: string, amount: string, balance: string];
  opening: [label: string, amount: string];
  closing: [label: string, amount: string];
  /** Newest first. */
  rows: { date: string; description: string; amount: string; balance: string }[];
  footer: string;
}

/**
 * The Conto corrente virtuale as a PDF statement: the same figures as the page, formatted by the
 * caller in the reader's language.
 */
export function statementPdf(texts: StatementTexts, createdAt: Date): Promise<Buffer> {
  return renderPdf({ title: texts.title, author: texts.enteName, createdAt }, (doc) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    const columns = [left, left + 80, left + width - 170, left + width - 80];
    const widths = [75, width - 255, 85, 80];

    doc.font('bold').fontSize(16).text(texts.enteName);
    doc.font('regular').fontSize(10).text(texts.officeLine).moveDown();
    doc.font('bold').fontSize(14).text(texts.title);
    doc.font('regular').fontSize(10).text(texts.period).moveDown(0.5);
    for (const [label, value] of [texts.holder, texts.pupil, texts.service, texts.badge]) {
      doc.font('bold').text(`${label}: `, { continued: true }).font('regular').text(value);
    }
    doc.moveDown();

    const row = (cells: string[], font: 'regular' | 'bold') => {
      doc.font(font).fontSize(9);
      // A long description wraps: the row is as tall as its tallest cell.
      const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i] })));
      if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      cells.forEach((cell, i) => doc.text(cell, columns[i]!, y, { width: widths[i], align: i >= 2 ? 'right' : 'left' }));
      doc.x = left;
      doc.y = y + height;
      doc.moveDown(0.3);
    };
    row(texts.headers, 'bold');
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
    doc.moveDown(0.3);
    // Newest first, like the page: the current balance above the movements, the opening one below.
    row(['', texts.closing[0], '', texts.closing[1]], 'bold');
    for (const r of texts.rows) row([r.date, r.description, r.amount, r.balance], 'regular');
    row(['', texts.opening[0], '', texts.opening[1]], 'bold');
    doc.moveDown();
    doc.font('regular').fontSize(8).text(texts.footer, left, doc.y, { width });
  });
}
