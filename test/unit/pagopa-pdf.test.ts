import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BinaryBitmap, DataMatrixReader, HybridBinarizer, RGBLuminanceSource } from '@zxing/library';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { makeNav, postalDataMatrixPayload, qrPayload } from '../../src/integrations/pagopa/nav';
import { paymentNoticePdf, truncate, type PaymentNoticeInput } from '../../src/integrations/pdf/notice';
import { paymentReceiptPdf, type PaymentReceiptInput } from '../../src/integrations/pdf/receipt';

// Rasterizing and text extraction use poppler-utils (pdftoppm, pdftotext, pdffonts).
const DPI = 200;
const CODE_SIDE_PX = (25 / 25.4) * DPI;
/** The codes sit in the left column of the notice, within 160 pt of the page's left edge. */
const CODE_STRIP_PX = Math.round((160 / 72) * DPI);

const workDir = mkdtempSync(join(tmpdir(), 'pagopa-pdf-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

let fileCount = 0;
function saved(pdf: Buffer): string {
  const path = join(workDir, `document-${++fileCount}.pdf`);
  writeFileSync(path, pdf);
  return path;
}

/** The text in the order it was drawn (`-raw`), which is the order of the sections. */
function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-raw', saved(pdf), '-'], { encoding: 'utf8' });
}

/**
 * With a message naming the missing text: without one, Node quotes the failing expression from the
 * source, and under tsx it finds the wrong one (once after minutes of searching).
 */
function assertIncludes(text: string, expected: string): void {
  assert.ok(text.includes(expected), `expected the text to include ${JSON.stringify(expected)}`);
}

function assertExcludes(text: string, unexpected: string): void {
  assert.ok(!text.includes(unexpected), `expected the text not to include ${JSON.stringify(unexpected)}`);
}

function firstPagePng(pdf: Buffer): PNG {
  const prefix = join(workDir, `page-${++fileCount}`);
  execFileSync('pdftoppm', ['-r', String(DPI), '-f', '1', '-l', '1', '-png', '-singlefile', saved(pdf), prefix]);
  return PNG.sync.read(readFileSync(`${prefix}.png`));
}

function decodeQr(page: PNG): string | undefined {
  return jsQR(new Uint8ClampedArray(page.data.buffer, page.data.byteOffset, page.data.length), page.width, page.height)?.data;
}

interface Band {
  top: number;
  bottom: number;
}

/**
 * Bands of rows that have dark pixels in the left strip of the page, as tall as a 25 mm code: text lines
 * are far shorter, so each band is one printed code (QR first, then the Data Matrix).
 */
function codeBands(page: PNG): Band[] {
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
function decodeDataMatrix(page: PNG, band: Band): string {
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

const nav = makeNav('12', '0000000012345');

function noticeInput(overrides: Partial<PaymentNoticeInput> = {}): PaymentNoticeInput {
  return {
    subject: 'Refezione scolastica — ottobre 2026',
    creditor: {
      taxCode: '00123456789',
      name: 'Comune di Borgo Esempio',
      office: 'Servizi scolastici',
      info: 'www.comune.borgoesempio.it · scuola@comune.borgoesempio.it',
      cbill: 'ab1cd',
    },
    debtor: { fiscalCode: 'RSSMRA80A01H501U', fullName: 'Mario Rossi', address: 'Via Roma 1, 00100 Roma (RM)' },
    nav,
    amountCents: 102099,
    dueDate: '2026-10-31',
    createdAt: new Date('2026-10-01T08:00:00Z'),
    ...overrides,
  };
}

describe('payment notice PDF', () => {
  it('is a PDF with Titillium Web embedded', async () => {
    const pdf = await paymentNoticePdf(noticeInput());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const fonts = execFileSync('pdffonts', [saved(pdf)], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    assert.ok(fonts.length >= 2, 'regular and bold');
    for (const line of fonts) {
      assert.match(line, /TitilliumWeb/);
      // Columns: name, type, encoding, emb, sub, uni, object ID.
      assert.match(line, /\byes\s+yes\s+yes\b/, line);
    }
  });

  it('prints the sections in the order of the guidelines, with the official texts', async () => {
    const text = pdfText(await paymentNoticePdf(noticeInput()));
    const inOrder = [
      'Refezione scolastica — ottobre 2026',
      'Ente Creditore',
      'Comune di Borgo Esempio',
      'Destinatario',
      'RSSMRA80A01H501U',
      'Quanto e quando pagare?',
      '1.020,99 Euro',
      'entro il 31/10/2026',
      "PAGA CON L'APP IO",
      'PAGA SUL TERRITORIO',
      'Dati per il pagamento',
      'Codice Avviso',
      '3120 0000 0001 2345 87',
    ];
    let from = 0;
    for (const expected of inOrder) {
      const at = text.indexOf(expected, from);
      assert.ok(at >= 0, `"${expected}" after position ${from}`);
      from = at + expected.length;
    }
    const flat = text.replace(/\s+/g, ' ');
    assertIncludes(flat, 'oppure dal tuo Home Banking, con la tua app di pagamento o con gli altri canali abilitati.');
    assertIncludes(flat, 'presso Banche e Sportelli ATM, negli Uffici Postali e Punti Postali, nei Bar, Edicole, Ricevitorie, Supermercati, Tabaccherie e altri Esercenti Convenzionati.');
    assertIncludes(flat, 'Cod. Fiscale Ente');
    assertIncludes(flat, 'Codice CBILL');
    assertIncludes(flat, 'AB1CD');
    assertExcludes(flat, 'Bollettino Postale PA');
  });

  it('prints a 25 mm QR code that decodes to exactly the payload, and no Data Matrix without a postal account', async () => {
    const input = noticeInput();
    const page = firstPagePng(await paymentNoticePdf(input));
    assert.equal(decodeQr(page), qrPayload({ nav, creditorTaxCode: input.creditor.taxCode, amountCents: input.amountCents }));
    assert.equal(decodeQr(page), `PAGOPA|002|${nav}|00123456789|102099`);
    const bands = codeBands(page);
    assert.equal(bands.length, 1, 'only the QR code');
    assert.ok(Math.abs(bands[0]!.bottom - bands[0]!.top - CODE_SIDE_PX) <= 3, `QR is ${bands[0]!.bottom - bands[0]!.top}px tall, expected ${CODE_SIDE_PX}`);
  });

  it('adds the postal bulletin with a Data Matrix that decodes to exactly the payload', async () => {
    const input = noticeInput({ creditor: { ...noticeInput().creditor, postalAccount: '1234567' } });
    const pdf = await paymentNoticePdf(input);
    const page = firstPagePng(pdf);
    assert.equal(decodeQr(page), `PAGOPA|002|${nav}|00123456789|102099`);
    const bands = codeBands(page);
    assert.equal(bands.length, 2, 'QR code and Data Matrix');
    const dataMatrixBand = bands[1]!;
    assert.ok(Math.abs(dataMatrixBand.bottom - dataMatrixBand.top - CODE_SIDE_PX) <= 3, 'Data Matrix is 25 mm');
    const expected = postalDataMatrixPayload({
      nav,
      postalAccount: '1234567',
      amountCents: 102099,
      creditorTaxCode: '00123456789',
      debtorFiscalCode: 'RSSMRA80A01H501U',
      debtorFullName: 'Mario Rossi',
      subject: 'Refezione scolastica — ottobre 2026',
    });
    assert.equal(decodeDataMatrix(page, dataMatrixBand), expected);
    const flat = pdfText(pdf).replace(/\s+/g, ' ');
    assertIncludes(flat, 'Bollettino Postale PA');
    assertIncludes(flat, 'sul C/C n. 1234567');
  });

  it('cuts over-long fields to their maximum with an ellipsis', async () => {
    assert.equal(truncate('abcdef', 6), 'abcdef');
    assert.equal(truncate('abcdefg', 6), 'abcde…');
    assert.equal(truncate('  spaced  ', 6), 'spaced');
    const subject = `Refezione scolastica ${'x'.repeat(100)}`;
    const text = pdfText(await paymentNoticePdf(noticeInput({ subject }))).replace(/\s+/g, '');
    const printed = `${subject.slice(0, 89)}…`.replace(/\s+/g, '');
    assertIncludes(text, printed);
    assertExcludes(text, 'x'.repeat(69));
  });

  it('refuses codes that cannot be paid', async () => {
    await assert.rejects(paymentNoticePdf(noticeInput({ nav: '312000000001234588' })), /check/);
    await assert.rejects(paymentNoticePdf(noticeInput({ amountCents: 0 })), /positive/);
    await assert.rejects(paymentNoticePdf(noticeInput({ dueDate: '31/10/2026' })), /YYYY-MM-DD/);
  });
});

function receiptInput(overrides: Partial<PaymentReceiptInput> = {}): PaymentReceiptInput {
  return {
    receiptId: 'c2f1e0b7a9d84e5f8a1b2c3d4e5f6a7b',
    nav: '312000000000000119',
    iuv: '12000000000000119',
    subject: 'Refezione scolastica — ottobre 2026',
    amountCents: 1234,
    creditor: { taxCode: '00123456789', name: 'Comune di Borgo Esempio' },
    debtor: { fiscalCode: 'RSSMRA80A01H501U', fullName: 'Mario Rossi' },
    paymentDateTime: '2026-10-05T08:15:30Z',
    psp: { id: 'ABI03069', name: 'Banca Esempio S.p.A.' },
    paymentMethod: 'Carta di pagamento',
    createdAt: new Date('2026-10-05T08:16:00Z'),
    ...overrides,
  };
}

describe('payment receipt PDF', () => {
  it('states what, to whom, by whom, when and through which PSP', async () => {
    const pdf = await paymentReceiptPdf(receiptInput({ feeCents: 100 }));
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = pdfText(pdf);
    for (const expected of [
      'Ricevuta di pagamento pagoPA',
      'c2f1e0b7a9d84e5f8a1b2c3d4e5f6a7b',
      '3120 0000 0000 0001 19',
      '12000000000000119',
      '12,34 Euro',
      '1,00 Euro',
      'Refezione scolastica — ottobre 2026',
      'RSSMRA80A01H501U',
      'Mario Rossi',
      '00123456789',
      'Banca Esempio S.p.A.',
      'ABI03069',
      'Carta di pagamento',
      // 08:15 UTC is 10:15 in Rome in summer.
      '05/10/2026 10:15',
    ]) {
      assertIncludes(text, expected);
    }
  });

  it('shows the time on Rome’s winter clock too, across midnight', async () => {
    const text = pdfText(await paymentReceiptPdf(receiptInput({ paymentDateTime: '2026-01-15T23:30:00.000Z' })));
    assertIncludes(text, '16/01/2026 00:30');
    assertExcludes(text, 'Commissione');
  });

  it('refuses a payment time without a zone, which would be read in the server’s zone', async () => {
    await assert.rejects(paymentReceiptPdf(receiptInput({ paymentDateTime: '2026-10-05T10:15:30' })), /offset/);
    await assert.rejects(paymentReceiptPdf(receiptInput({ paymentDateTime: 'ieri' })), /offset/);
  });
});
