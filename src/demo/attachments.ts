import PDFDocument from 'pdfkit';

/**
 * A demo attachment: the letter confirming an enrolment, as an office would attach it to the pupil's
 * record. Fixed dates keep the file identical on every run.
 */
export function enrolmentConfirmationPdf(input: {
  enteName: string;
  officeName: string;
  pupilName: string;
  holderName: string;
  serviceName: string;
  schoolYear: string;
  schoolName: string;
  issuedOn: Date;
}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 56,
      info: { Title: `Conferma di iscrizione — ${input.serviceName}`, Author: input.enteName, CreationDate: input.issuedOn },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font('Helvetica-Bold').fontSize(16).text(input.enteName);
    doc.font('Helvetica').fontSize(11).text(input.officeName).moveDown(2);
    doc.font('Helvetica-Bold').fontSize(14).text(`Conferma di iscrizione — anno scolastico ${input.schoolYear}`).moveDown();
    doc
      .font('Helvetica')
      .fontSize(11)
      .text(`Gentile ${input.holderName},`)
      .moveDown()
      .text(
        `si conferma l'iscrizione di ${input.pupilName} al servizio "${input.serviceName}" presso ${input.schoolName} ` +
          `per l'anno scolastico ${input.schoolYear}. La tariffa applicata e le modalità di pagamento sono indicate ` +
          'nella Scheda anagrafica del portale Servizi Scolastici Online.',
      )
      .moveDown()
      .text('Per correggere dati non esatti rivolgersi all’Ufficio comunale.')
      .moveDown(2)
      .text(`Data: ${input.issuedOn.toLocaleDateString('it-IT', { timeZone: 'Europe/Rome' })}`);
    doc.end();
  });
}
