import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { csvEuro, csvInteger } from '../../src/web/shared/csv';
import { xlsxDocument } from '../../src/web/shared/xlsx';

test('an XLSX export holds the same cells as its CSV: text as text, euro and counts as numbers', () => {
  const file = xlsxDocument('Morosi: 2026/27', ['intestatario', 'scaduto', 'documenti'], [
    ['Rossi & figli <srl>', csvEuro(-450), csvInteger(3)],
    ['=SUM(A1)\u0000\u0007 fine', csvEuro(123456), csvInteger(0)],
    ['', csvEuro(null), csvInteger(12)],
  ]);
  const parts = unzipSync(file);
  for (const name of ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/worksheets/sheet1.xml']) {
    assert.ok(parts[name], `${name} is in the package`);
    assert.equal(XMLValidator.validate(strFromU8(parts[name]!)), true, `${name} is well-formed XML`);
  }
  assert.match(strFromU8(parts['xl/workbook.xml']!), /name="Morosi {2}2026 27"/);
  const sheet = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'row' || name === 'c' }).parse(strFromU8(parts['xl/worksheets/sheet1.xml']!));
  const rows = sheet.worksheet.sheetData.row as { c?: { '@_r': string; '@_s'?: string; v?: string | number; is?: { t: { '#text': string } | string } }[] }[];
  const text = (cell: NonNullable<(typeof rows)[number]['c']>[number]) => (typeof cell.is!.t === 'string' ? cell.is!.t : cell.is!.t['#text']);
  assert.deepEqual(rows[0]!.c!.map(text), ['intestatario', 'scaduto', 'documenti']);
  assert.equal(text(rows[1]!.c![0]!), 'Rossi & figli <srl>');
  assert.equal(String(rows[1]!.c![1]!.v), '-4.5');
  assert.equal(rows[1]!.c![1]!['@_s'], '2', 'euro style');
  assert.equal(text(rows[2]!.c![0]!), '=SUM(A1) fine', 'a formula-looking text stays text, control characters dropped');
  assert.equal(String(rows[2]!.c![1]!.v), '1234.56');
  assert.deepEqual(rows[3]!.c!.map((cell) => cell['@_r']), ['C4'], 'empty cells are left out');
});
