import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryBitmap, DataMatrixReader, HybridBinarizer, RGBLuminanceSource } from '@zxing/library';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** Reading back the PDFs we make, as a person or a scanner would: their text, and the codes printed on them. */
// Rasterizing and text extraction use poppler-utils (pdftoppm, pdftotext, pdffonts).
export const DPI = 200;
export const CODE_SIDE_PX = (25 / 25.4) * DPI;
/** The codes sit in the left column of the notice, within 150 pt of the page's left edge. */
const CODE_STRIP_PX = Math.round((150 / 72) * DPI);

const workDir = mkdtempSync(join(tmpdir(), 'pagopa-pdf-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

let fileCount = 0;
export function saved(pdf: Buffer): string {
  const path = join(workDir, `document-${++fileCount}.pdf`);
  writeFileSync(path, pdf);
  return path;
}

/** The text in the order it was drawn (`-raw`), which is the order of the sections. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-raw', saved(pdf), '-'], { encoding: 'utf8' });
}

export function firstPagePng(pdf: Buffer): PNG {
  const prefix = join(workDir, `page-${++fileCount}`);
  execFileSync('pdftoppm', ['-r', String(DPI), '-f', '1', '-l', '1', '-png', '-singlefile', saved(pdf), prefix]);
  return PNG.sync.read(readFileSync(`${prefix}.png`));
}

export function decodeQr(page: PNG): string | undefined {
  return decodeQrSymbol(page)?.data;
}

/** The QR code's text and its symbol's version (version v has 17 + 4v modules a side). */
export function decodeQrSymbol(page: PNG): { data: string; version: number } | undefined {
  const found = jsQR(new Uint8ClampedArray(page.data.buffer, page.data.byteOffset, page.data.length), page.width, page.height);
  return found ? { data: found.data, version: found.version } : undefined;
}

export interface Band {
  top: number;
  bottom: number;
}

/**
 * Bands of rows that have dark pixels in the left strip of the page, as tall as a 25 mm code: text lines
 * are far shorter, so each band is one printed code (QR first, then the Data Matrix).
 */
export function codeBands(page: PNG): Band[] {
  const dark = (x: number, y: number) => page.data[(y * page.width + x) * 4]! < 128;
  const bands: Band[] = [];
  let top = -1;
  for (let y = 0; y <= page.height; y++) {
    let inked = false;
    for (let x = 0; y < page.height && x < CODE_STRIP_PX && !inked; x++) inked = dark(x, y);
    if (inked && top < 0) top = y;
    if (!inked && top >= 0) {
      if (y - top > CODE_SIDE_PX * 0.8) bands.push({ top, bottom: y });
      top = -1;
    }
  }
  return bands;
}

/** Crops the band to its inked columns plus a white margin and decodes it as a Data Matrix. */
export function decodeDataMatrix(page: PNG, band: Band): string {
  const margin = 20;
  let left = CODE_STRIP_PX;
  let right = 0;
  for (let y = band.top; y < band.bottom; y++) {
    for (let x = 0; x < CODE_STRIP_PX; x++) {
      if (page.data[(y * page.width + x) * 4]! < 128) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  const width = right - left + 1 + 2 * margin;
  const height = band.bottom - band.top + 2 * margin;
  const luminance = new Uint8ClampedArray(width * height).fill(255);
  for (let y = band.top; y < band.bottom; y++) {
    for (let x = left; x <= right; x++) luminance[(y - band.top + margin) * width + (x - left + margin)] = page.data[(y * page.width + x) * 4]!;
  }
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)));
  return new DataMatrixReader().decode(bitmap).getText();
}

