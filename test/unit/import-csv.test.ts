import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeText, detectSeparator, parseCsv } from '../../src/domain/import/csv-read';
import { adultBirthDateOf, birthFactsOf, matchKey, parseImportDate } from '../../src/domain/import/plan';

describe('reading an import file', () => {
  it('takes valid UTF-8 as UTF-8 (BOM dropped), anything else as Windows-1252', () => {
    assert.deepEqual(decodeText(Buffer.from('\uFEFFNiccolò;Forlì', 'utf8')), { text: 'Niccolò;Forlì', encoding: 'utf-8' });
    // 0xF2 ò, 0xEC ì, 0x92 ’, 0x80 € in Windows-1252; not valid UTF-8.
    assert.deepEqual(decodeText(Buffer.from([0x4e, 0x69, 0x63, 0x63, 0x6f, 0x6c, 0xf2, 0x3b, 0x92, 0x80])), { text: 'Niccolò;’€', encoding: 'windows-1252' });
  });

  it('chooses the separator of the header line, outside quotes', () => {
    assert.equal(detectSeparator('a;b;c\r\n1,2;3'), ';');
    assert.equal(detectSeparator('a,b,c\n1;2;3;4;5'), ',');
    assert.equal(detectSeparator('"a;b";c,d,e\n'), ',');
    assert.equal(detectSeparator('solo'), ';');
  });

  it('splits records with RFC 4180 quoting, CRLF, LF and CR, and counts rows as a spreadsheet does', () => {
    const text = 'h1;h2;h3\r\n"a;1";"say ""hi""";"two\r\nlines"\r\n\r\nplain;;end\nlast;"x"y;z\r';
    const { records, unclosedQuoteRow } = parseCsv(text, ';');
    assert.equal(unclosedQuoteRow, undefined);
    assert.deepEqual(records, [
      { row: 1, fields: ['h1', 'h2', 'h3'] },
      { row: 2, fields: ['a;1', 'say "hi"', 'two\r\nlines'] },
      // Row 3 is the blank line: skipped, still counted.
      { row: 4, fields: ['plain', '', 'end'] },
      { row: 5, fields: ['last', 'xy', 'z'] },
    ]);
  });

  it('keeps a trailing empty field and reports a quote never closed', () => {
    assert.deepEqual(parseCsv('a,b,\n', ',').records, [{ row: 1, fields: ['a', 'b', ''] }]);
    assert.deepEqual(parseCsv('a;b', ';').records, [{ row: 1, fields: ['a', 'b'] }]);
    const open = parseCsv('h;h\nok;ok\n"never;closed\nmore', ';');
    assert.equal(open.unclosedQuoteRow, 3);
    assert.equal(open.records.length, 2);
  });

  it('reads dates as GG/MM/AAAA or AAAA-MM-GG, only days that exist', () => {
    assert.equal(parseImportDate('05/03/2018'), '2018-03-05');
    assert.equal(parseImportDate('5/3/2018'), '2018-03-05');
    assert.equal(parseImportDate('2018-03-05'), '2018-03-05');
    assert.equal(parseImportDate('29/02/2020'), '2020-02-29');
    for (const bad of ['29/02/2019', '31/04/2018', '2018-13-01', '00/01/2018', '05-03-2018', '2018/03/05', '1/1/1850', '']) {
      assert.equal(parseImportDate(bad), null, bad);
    }
  });

  it('reads sex and birth date from a fiscal code, omocodia included', () => {
    assert.deepEqual(birthFactsOf('LVLDAA85T50G702B'), { sex: 'F', yy: 85, month: 12, day: 10 });
    assert.deepEqual(birthFactsOf('RSSMRA80A01H501U'), { sex: 'M', yy: 80, month: 1, day: 1 });
    // Omocodia: digits replaced by letters (0 → L, 1 → M …).
    assert.deepEqual(birthFactsOf('RSSMRAULALMHRLMQ'), { sex: 'M', yy: 80, month: 1, day: 1 });
    assert.deepEqual(adultBirthDateOf('LVLDAA85T50G702B', '2026-11-20'), { sex: 'F', birthDate: '1985-12-10' });
    assert.deepEqual(adultBirthDateOf('SMPMRC05H20H501X', '2026-11-20')?.birthDate, '2005-06-20');
    assert.equal(birthFactsOf('12345678901'), null);
  });

  it('matches names regardless of case, spaces and apostrophes', () => {
    assert.equal(matchKey('  Scuola dell’infanzia   Girasole '), matchKey("scuola dell'INFANZIA girasole"));
  });
});
