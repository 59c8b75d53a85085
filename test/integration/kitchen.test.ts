import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';

for (const { engine, skip } of testEngines()) {
  describe(`kitchen counts on ${engine}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' });
      const ente = (await t.database.db.selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      await t.app.services.freeze.freezeDay(ente, '2026-11-23');
    });
    after(async () => {
      await t?.close();
    });

    it('shows the cook the counts per school and diet, as a table, CSV and printable sheet', async () => {
      const luca = new Browser(t.app);
      const page = await luca.login(LUCA, { returnTo: '/demo/ufficio/pasti?data=2026-11-23' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Pasti del giorno — lunedì 23\/11\/2026/);
      assert.match(page.body, /Senza glutine/);
      assert.match(page.body, /Menù ordinario/);
      assert.doesNotMatch(page.body, /Lovelace|Bianchi/, 'no names, only counts');
      const rows = await t.database.db.selectFrom('meal_count').selectAll().where('date', '=', '2026-11-23').execute();
      const total = rows.reduce((acc, r) => acc + r.meals, 0);
      assert.match(page.body, new RegExp(`<td class="text-end fw-bold">${total}</td>`));

      const csv = await luca.get('/demo/ufficio/pasti.csv?data=2026-11-23');
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0], 'data;scuola;menu;pasti;pasti_in_bianco;assenti');
      assert.equal(lines.length, rows.length + 1);
      assert.equal(lines.slice(1).reduce((acc, line) => acc + Number(line.split(';')[3]), 0), total);
      // Diets in words, as on the page, never their codes.
      const menus = lines.slice(1).map((line) => line.split(';')[2]!);
      assert.ok(menus.includes('"Senza glutine"'), menus.join(', '));
      assert.ok(menus.every((menu) => !/senza-|vegetariana"/.test(menu)), menus.join(', '));

      const school = rows[0]!.school_id;
      const print = await luca.get(`/demo/ufficio/pasti/stampa?data=2026-11-23&scuola=${school}`);
      assert.equal(print.statusCode, 200);
      assert.equal((await luca.get('/demo/ufficio/pasti/stampa?data=2026-11-23&scuola=99999')).statusCode, 404);
    });

    it('says when a day is not frozen yet, and explains a wrong date', async () => {
      const marco = new Browser(t.app);
      const today = await marco.login(MARCO, { returnTo: '/demo/ufficio/pasti' });
      assert.equal(today.statusCode, 200);
      assert.match(today.body, /giovedì 26\/11\/2026/);
      assert.match(today.body, /La giornata non è ancora chiusa/);
      const wrong = await marco.get('/demo/ufficio/pasti?data=2026-02-30');
      assert.equal(wrong.statusCode, 422);
      assert.match(wrong.body, /Scrivi una data valida/);
    });

    it('keeps parents out', async () => {
      const ada = new Browser(t.app);
      assert.equal((await ada.login(ADA, { returnTo: '/demo/ufficio/pasti' })).statusCode, 403);
      assert.equal((await ada.get('/demo/ufficio/pasti.csv?data=2026-11-23')).statusCode, 403);
    });
  });
}
