import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, detectFileType, storedFileName } from '../../src/domain/attachments/file-types';
import { SAMPLE_JPEG, samplePdf, samplePng } from '../helpers/files';

describe('attachment types, by content', () => {
  it('recognises a PDF, a JPEG and a PNG', async () => {
    assert.equal(detectFileType(await samplePdf()), 'pdf');
    assert.equal(detectFileType(SAMPLE_JPEG), 'jpeg');
    assert.equal(detectFileType(samplePng()), 'png');
  });

  it('refuses executables, HTML, scripts and empty files whatever they are called', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200)]);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300)]);
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'.repeat(4));
    for (const content of [elf, exe, html, Buffer.from('#!/bin/sh\nrm -rf /\n'.repeat(10)), Buffer.alloc(0)]) {
      assert.equal(detectFileType(content), undefined);
    }
  });

  it('refuses a file that only starts like one of the kinds (signature without structure)', async () => {
    const pdf = await samplePdf();
    assert.equal(detectFileType(pdf.subarray(0, pdf.length - 200)), undefined, 'a PDF cut short has no %%EOF');
    assert.equal(detectFileType(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('<html><script>x</script></html>'.repeat(10))])), undefined);
    const png = samplePng();
    const corrupted = Buffer.from(png);
    corrupted[20] = corrupted[20]! ^ 0xff; // inside IHDR: its CRC no longer matches
    assert.equal(detectFileType(corrupted), undefined);
    assert.equal(detectFileType(png.subarray(0, png.length - 12)), undefined, 'a PNG without IEND');
    assert.equal(detectFileType(SAMPLE_JPEG.subarray(0, SAMPLE_JPEG.length - 2)), undefined, 'a JPEG without its end marker');
    assert.equal(detectFileType(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<html>'.repeat(40))])), undefined);
  });

  it('names the stored file after what it is, without paths or control characters', () => {
    assert.equal(storedFileName('C:\\Users\\op\\certificato.pdf', 'png'), 'certificato.png');
    assert.equal(storedFileName('../../etc/passwd', 'pdf'), 'passwd.pdf');
    assert.equal(storedFileName('scan\u0000"x".jpeg', 'jpeg'), 'scanx.jpg');
    assert.equal(storedFileName('', 'pdf'), 'allegato.pdf');
    assert.equal(storedFileName('.htaccess', 'pdf'), 'htaccess.pdf', 'no hidden files');
  });

  it('sends a safe ASCII filename and the UTF-8 one', () => {
    assert.equal(contentDisposition('pagella è "ok".pdf'), `attachment; filename="pagella_e__ok_.pdf"; filename*=UTF-8''pagella%20%C3%A8%20%22ok%22.pdf`);
  });
});
