import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { PROJECT_ROOT } from '../../config/paths';

const FONT_DIR = join(PROJECT_ROOT, 'node_modules', 'bootstrap-italia', 'dist', 'fonts', 'Titillium_Web');

/** Titillium Web, the typeface of Italian public administration, embedded in every PDF we make. */
const FONTS = {
  regular: readFileSync(join(FONT_DIR, 'titillium-web-v10-latin-ext_latin-regular.ttf')),
  bold: readFileSync(join(FONT_DIR, 'titillium-web-v10-latin-ext_latin-700.ttf')),
};

export type Pdf = InstanceType<typeof PDFDocument>;

/** An A4 document with our fonts registered, rendered to a Buffer by `draw`. */
export function renderPdf(info: { title: string; author: string; createdAt: Date }, draw: (doc: Pdf) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: info.title, Author: info.author, CreationDate: info.createdAt }, lang: 'it-IT', displayTitle: true });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('regular', FONTS.regular);
    doc.registerFont('bold', FONTS.bold);
    doc.font('regular');
    try {
      draw(doc);
      doc.end();
    } catch (error) {
      reject(error);
    }
  });
}
