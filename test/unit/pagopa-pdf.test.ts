import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { makeNav, postalDataMatrixPayload, qrPayload } from '../../src/integrations/pagopa/nav';
import { paymentNoticePdf, truncate, type PaymentNoticeInput } from '../../src/integrations/pdf/notice';
import { paymentReceiptPdf, type PaymentReceiptInput } from '../../src/integrations/pdf/receipt';
import { readFileSync } from 'node:fs';
import { CODE_SIDE_PX, codeBands, decodeDataMatrix, decodeQr, decodeQrSymbol, firstPagePng, pdfText, saved } from '../helpers/pdf';

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
  it('is a PDF with Titillium Web for its texts and Roboto Mono for its numbers, embedded', async () => {
    const pdf = await paymentNoticePdf(noticeInput());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const fonts = execFileSync('pdffonts', [saved(pdf)], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    assert.ok(fonts.some((line) => /TitilliumWeb/.test(line)), 'Titillium Web');
    assert.ok(fonts.some((line) => /RobotoMono/.test(line)), 'Roboto Mono (Allegato 2: codes and amounts)');
    for (const line of fonts) {
      assert.match(line, /TitilliumWeb|RobotoMono/);
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

  it('prints a QR symbol of version 4 (33×33 modules) with error correction M, for a short payload as for the longest', async () => {
    for (const amountCents of [1, 102099, 99_999_999_999]) {
      const page = firstPagePng(await paymentNoticePdf(noticeInput({ amountCents })));
      const symbol = decodeQrSymbol(page);
      assert.equal(symbol?.data, `PAGOPA|002|${nav}|00123456789|${amountCents}`);
      assert.equal(symbol?.version, 4, `version for ${amountCents}`);
      assert.equal(17 + 4 * symbol!.version, 33, 'modules a side');
      const [band] = codeBands(page);
      assert.ok(Math.abs(band!.bottom - band!.top - CODE_SIDE_PX) <= 3, 'still 25 mm');
    }
    const QRCode = (await import('qrcode')).default;
    const symbol = QRCode.create(`PAGOPA|002|${nav}|00123456789|99999999999`, { errorCorrectionLevel: 'M', version: 4 });
    assert.equal(symbol.errorCorrectionLevel.bit, 0, 'M');
    assert.equal(symbol.modules.size, 33);
  });

  it('prints the creditor’s logo when it has one, and none otherwise', async () => {
    const images = (pdf: Buffer) => execFileSync('pdfimages', ['-list', saved(pdf)], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    assert.equal(images(await paymentNoticePdf(noticeInput())).length, 0);
    const logoPng = readFileSync(new URL('../../src/demo/logo-demo.png', import.meta.url));
    // The image and, for its transparency, its soft mask.
    const withLogo = images(await paymentNoticePdf(noticeInput({ creditor: { ...noticeInput().creditor, logoPng } }))).filter((line) => line.trim().split(/\s+/)[2] === 'image');
    assert.equal(withLogo.length, 1);
    assert.match(withLogo[0]!, /\b160\s+160\b/, 'the PNG, 160×160');
  });

  it('adds the postal bulletin with a Data Matrix that decodes to exactly the payload', async () => {
    const input = noticeInput({ creditor: { ...noticeInput().creditor, postalAccount: '1234567', postalAuthorisation: 'AUT. DB/SSIC/E 12345 del 01/01/2026' } });
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
    // Poste's texts whenever the slip is printed: where it is paid, and the creditor's authorisation to print it.
    assertIncludes(flat, 'Bollettino Postale pagabile in tutti gli Uffici Postali e sui canali fisici o digitali abilitati di Poste Italiane e dell’Ente Creditore');
    assertIncludes(flat, 'AUT. DB/SSIC/E 12345 del 01/01/2026');
  });

  it('prints no postal slip for a postal account without Poste’s authorisation to print it', async () => {
    const pdf = await paymentNoticePdf(noticeInput({ creditor: { ...noticeInput().creditor, postalAccount: '1234567' } }));
    assertExcludes(pdfText(pdf).replace(/\s+/g, ' '), 'Bollettino Postale PA');
    assert.equal(codeBands(firstPagePng(pdf)).length, 1, 'the QR code only');
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

  it('names the payer when someone other than the debtor paid, and the method in words', async () => {
    const text = pdfText(
      await paymentReceiptPdf(receiptInput({ payer: { fiscalCode: 'BNCGLI80A41F205F', fullName: 'Giulia Bianchi' }, paymentMethod: 'PO' })),
    );
    assertIncludes(text, 'Pagato da');
    assertIncludes(text, 'Giulia Bianchi');
    assertIncludes(text, 'BNCGLI80A41F205F');
    assertIncludes(text, 'Pagamento presso un prestatore');
    const same = pdfText(await paymentReceiptPdf(receiptInput({ payer: { fiscalCode: 'RSSMRA80A01H501U', fullName: 'Mario Rossi' } })));
    assertExcludes(same, 'Pagato da');
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
