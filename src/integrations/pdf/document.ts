import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create as createFont, type Font } from 'fontkit';
import PDFDocument from 'pdfkit';
import { PROJECT_ROOT } from '../../config/paths';

const FONT_DIR = join(PROJECT_ROOT, 'node_modules', 'bootstrap-italia', 'dist', 'fonts', 'Titillium_Web');
const MONO_DIR = join(PROJECT_ROOT, 'node_modules', 'bootstrap-italia', 'dist', 'fonts', 'Roboto_Mono');

/**
 * Titillium Web, the typeface of Italian public administration, embedded in every PDF we make. Parsed
 * once: handed a file, pdfkit parses the font's tables again for every document, which was most of the
 * cost of a notice (bench/RESULTS.md). Each document still embeds its own subset.
 */
const FONTS: Record<FontName, Font> = {
  regular: withLayoutCache(createFont(readFileSync(join(FONT_DIR, 'titillium-web-v10-latin-ext_latin-regular.ttf'))) as Font),
  bold: withLayoutCache(createFont(readFileSync(join(FONT_DIR, 'titillium-web-v10-latin-ext_latin-700.ttf'))) as Font),
  // Roboto Mono for codes and amounts, as the pagoPA notice's typography asks: digits that line up and read apart.
  mono: withLayoutCache(createFont(readFileSync(join(MONO_DIR, 'roboto-mono-v13-latin-ext_latin-regular.ttf'))) as Font),
  monoBold: withLayoutCache(createFont(readFileSync(join(MONO_DIR, 'roboto-mono-v13-latin-ext_latin-700.ttf'))) as Font),
};

export type FontName = 'regular' | 'bold' | 'mono' | 'monoBold';

/** Distinct runs of text remembered per font: the fixed texts of our papers and the commoner words. */
const LAYOUT_CACHE_SIZE = 5_000;

/**
 * Shaping a run of text (ligatures, kerning) is the largest remaining cost of a PDF, and the same runs
 * recur in every notice. The glyphs of a run are shared across documents; its positions are copied.
 */
function withLayoutCache(font: Font): Font {
  const layout = font.layout.bind(font);
  const cache = new Map<string, ReturnType<Font['layout']>>();
  font.layout = ((text: string, features?: unknown) => {
    if (features !== undefined && !(Array.isArray(features) && features.length === 0)) return layout(text, features as string[]);
    let run = cache.get(text);
    if (!run) {
      if (cache.size >= LAYOUT_CACHE_SIZE) cache.clear();
      run = layout(text);
      cache.set(text, run);
    }
    // pdfkit scales the positions of the run it gets in place: each caller gets its own copy of them.
    return Object.assign(Object.create(Object.getPrototypeOf(run) as object) as typeof run, run, { positions: run.positions.map((position) => ({ ...position })) });
  }) as Font['layout'];
  return font;
}

export type Pdf = InstanceType<typeof PDFDocument>;

/** An A4 document with our fonts registered, rendered to a Buffer by `draw`. */
export function renderPdf(info: { title: string; author: string; createdAt: Date }, draw: (doc: Pdf) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 48,
      info: { Title: info.title, Author: info.author, CreationDate: info.createdAt },
      lang: 'it-IT',
      displayTitle: true,
      // Our font from the start: the default (Helvetica) would be loaded, and its metrics parsed, for nothing.
      font: FONTS.regular as unknown as string,
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    // pdfkit takes a parsed fontkit font as it takes a file (its types only list the latter).
    for (const [name, font] of Object.entries(FONTS)) doc.registerFont(name, font as unknown as Buffer);
    doc.font('regular');
    try {
      draw(doc);
      doc.end();
    } catch (error) {
      reject(error);
    }
  });
}
