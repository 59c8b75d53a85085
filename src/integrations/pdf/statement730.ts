import { formatEuroItalian } from '../pagopa/amounts';
import { groupInFours } from '../pagopa/nav';
import { renderPdf } from './document';

export interface Statement730Input {
  year: number;
  creditor: { name: string; taxCode: string; office: string; address: string };
  pupil: { fullName: string; fiscalCode: string; birthDate: string };
  holder: { fullName: string; fiscalCode: string };
  payments: { paidAt: string; description: string; nav: string; receiptId: string; payer: string; amountCents: number }[];
  createdAt: Date;
}

const italianDate = (iso: string) => new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));

/**
 * Attestazione dei pagamenti della refezione scolastica for the 730 tax return: what was paid through
 * pagoPA in the calendar year for one pupil, payment by payment, with the total. A document in Italian,
 * like every administrative paper the ente issues.
 */
export function statement730Pdf(input: Statement730Input): Promise<Buffer> {
  const title = `Attestazione dei pagamenti della refezione scolastica — anno ${input.year}`;
  return renderPdf({ title, author: input.creditor.name, createdAt: input.createdAt }, (doc) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    doc.font('bold').fontSize(16).text(input.creditor.name);
    doc.font('regular').fontSize(10).text(`${input.creditor.office} — ${input.creditor.address}`).text(`Codice fiscale ${input.creditor.taxCode}`).moveDown();
    doc.font('bold').fontSize(13).text(title).moveDown(0.5);
    doc.font('regular').fontSize(10);
    doc.text(
      `Si attesta che per la refezione scolastica di ${input.pupil.fullName} (codice fiscale ${input.pupil.fiscalCode}, nato/a il ${input.pupil.birthDate.split('-').reverse().join('/')}), ` +
        `intestata a ${input.holder.fullName} (codice fiscale ${input.holder.fiscalCode}), nell'anno ${input.year} sono stati eseguiti tramite pagoPA i pagamenti seguenti, ` +
        'ai fini della detrazione delle spese per la mensa scolastica nella dichiarazione dei redditi (modello 730 o Redditi PF).',
      { width },
    );
    doc.moveDown();
    const columns = [left, left + 70, left + 250, left + 360, left + width - 70];
    const widths = [65, 175, 105, width - 430, 70];
    const row = (cells: string[], font: 'regular' | 'bold') => {
      doc.font(font).fontSize(8.5);
      const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i] })));
      if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      cells.forEach((cell, i) => doc.text(cell, columns[i]!, y, { width: widths[i], align: i === 4 ? 'right' : 'left' }));
      doc.x = left;
      doc.y = y + height + 3;
    };
    row(['Data', 'Causale', 'Codice avviso', 'Pagato da', 'Importo (€)'], 'bold');
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
    doc.moveDown(0.3);
    for (const p of input.payments) row([italianDate(p.paidAt), p.description, groupInFours(p.nav), p.payer, formatEuroItalian(p.amountCents)], 'regular');
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
    doc.moveDown(0.3);
    const total = input.payments.reduce((sum, p) => sum + p.amountCents, 0);
    row(['', `Totale pagato nell'anno ${input.year}`, '', '', formatEuroItalian(total)], 'bold');
    doc.moveDown();
    doc.font('regular').fontSize(8).text(
      `Documento emesso il ${italianDate(input.createdAt.toISOString())} dal portale Servizi Scolastici Online sulla base delle ricevute pagoPA. ` +
        'I pagamenti sono elencati per data di pagamento; gli importi non comprendono le commissioni dei prestatori di servizi di pagamento.',
      left,
      doc.y,
      { width },
    );
  });
}
