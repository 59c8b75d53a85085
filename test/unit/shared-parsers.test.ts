import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvDocument, csvEuro, csvInteger } from '../../src/web/shared/csv';
import { euroInputToCents, parseId, parseIdList, parseYear, safeReturnPath } from '../../src/web/shared/forms';
import { ledgerCsv } from '../../src/web/portal/conto-corrente/views';
import { it as italian } from '../../src/web/i18n/it';

describe('the shared parsers', () => {
  it('reads ids as plain decimal digits within the integer columns', () => {
    assert.equal(parseId('10'), 10);
    assert.equal(parseId('2147483647'), 2_147_483_647);
    for (const bad of ['1e1', '0x11', '010', '0', '-1', '+1', ' 1', '1 ', '1.0', '2147483648', '99999999999', '', '١٢', undefined, 7, ['1']]) {
      assert.equal(parseId(bad), undefined, JSON.stringify(bad));
    }
  });

  it('reads years as four digits', () => {
    assert.equal(parseYear('2026'), 2026);
    for (const bad of ['02026', '0202', '2026.0', '2e3', '0x7ea', '20260', ' 2026']) assert.equal(parseYear(bad), undefined, bad);
  });

  it('refuses a repeated id instead of merging it', () => {
    assert.deepEqual(parseIdList(undefined), { ok: true, ids: [] });
    assert.deepEqual(parseIdList('3'), { ok: true, ids: [3] });
    assert.deepEqual(parseIdList(['3', '4']), { ok: true, ids: [3, 4] });
    assert.deepEqual(parseIdList(['3', '3']), { ok: false, reason: 'duplicate' });
    assert.deepEqual(parseIdList(['3', '03']), { ok: false, reason: 'invalid' });
  });

  it('keeps amounts within an integer column', () => {
    assert.equal(euroInputToCents('999999,99'), 99_999_999);
    assert.equal(euroInputToCents('9999999'), undefined);
    assert.equal(euroInputToCents('1e3'), undefined);
  });

  it('accepts as a return path only a path of our own origin, in printable ASCII', () => {
    for (const good of ['/', '/demo/', '/demo/refezione?utente=3&dal=2026-11-01', '/demo/a%20b', '/demo/#x']) assert.equal(safeReturnPath(good), good);
    for (const bad of ['/\t/evil.example/', '/\n/evil', '//evil', '/\\evil', '/a\\b', 'https://evil.example/', 'evil', '/città', '/\u2028', '/\u0000', '/a b', '', '/'.padEnd(501, 'a'), undefined, ['/']]) {
      assert.equal(safeReturnPath(bad), '/', JSON.stringify(bad));
    }
  });
});

describe('the CSV writer', () => {
  it('neutralises cells a spreadsheet would read as a formula, and keeps numbers numbers', () => {
    const csv = csvDocument(['testo', 'numero'], [
      ['=1+1', csvEuro(-450)],
      ['+39 333', csvInteger(12)],
      ['-2', csvEuro(0)],
      ['@SUM(A1)', ''],
      ['\tx', csvEuro(123456)],
      ['say "hi"; bye', csvEuro(null)],
    ]);
    assert.equal(
      csv,
      '\uFEFFtesto;numero\r\n"\'=1+1";-4,50\r\n"\'+39 333";12\r\n"\'-2";0,00\r\n"\'@SUM(A1)";""\r\n"\'\tx";1234,56\r\n"say ""hi""; bye";""\r\n',
    );
  });

  it('is what the Conto corrente export uses: an office note cannot become a formula', () => {
    const csv = ledgerCsv(italian, {
      from: '2026-11-01',
      to: '2026-11-30',
      balanceDate: '2026-11-30',
      openingCents: 1000,
      closingCents: 550,
      rows: [{ kind: 'meal', valueDate: '2026-11-02', note: '=HYPERLINK("http://evil.example")', amountCents: -450, balanceCents: 550 }],
    } as never);
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines[0], 'data;descrizione;importo;saldo');
    assert.match(lines[2]!, /^"2026-11-02";".*: =HYPERLINK\(""http:\/\/evil\.example""\)";-4,50;5,50$/);
    for (const line of lines.slice(1)) for (const cell of line.split(';')) assert.doesNotMatch(cell, /^"?[=+@]/);
  });
});
