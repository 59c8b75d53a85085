import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { rotationWeek } from '../../src/domain/canteen/menus';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserSkipReason, launchChromium, onPage } from '../helpers/browser';
import { testEngines } from '../helpers/databases';
import { CanteenPage, ChoosePupilPage, TestIdpLoginPage } from './pages';

const skip = browserSkipReason();

/** Tuesday 1 December 2026: a service day of Sofia's primary school. */
const DAY = '2026-12-01';
const DAY_LABEL = 'martedì 01/12/2026';

/** Ada opens Sofia's Refezione for the day and reads its row. */
async function sofiasDay(t: TestApp, chromium: Chromium): Promise<string> {
  const context = await chromium.newContext({ viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/demo/refezione`);
  await (await TestIdpLoginPage.on(page)).logInAs(/Ada Lovelace/);
  await (await ChoosePupilPage.on(page, 'Refezione scolastica')).choose('Sofia Lovelace');
  await CanteenPage.on(page);
  const pupil = new URL(page.url()).searchParams.get('utente');
  await page.goto(`${t.baseUrl}/demo/refezione?utente=${pupil}&dal=${DAY}&al=${DAY}`);
  const row = await (await CanteenPage.on(page)).rowOf(DAY_LABEL);
  await context.close();
  return row;
}

for (const { engine, skip: engineSkip } of testEngines()) {
  describe(`the kitchen's menus in a real browser (${engine})`, { skip: skip || engineSkip }, () => {
    let t: TestApp;
    let chromium: { browser: Chromium; close(): Promise<void> };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T10:00:00+01:00' });
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await t?.close();
    });

    it('Marco Polo adds a dish with nuts to a day’s menu, and Ada reads “frutta a guscio” in words on Sofia’s Refezione that day', async () => {
      const before = await sofiasDay(t, chromium.browser);
      assert.doesNotMatch(before, /frutta a guscio/, 'no nuts that day yet');

      const context = await chromium.browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/demo/ufficio/`);
      await (await TestIdpLoginPage.on(page)).logInAs(/Marco Polo/);
      await onPage(page, /Ufficio comunale/);
      await page.getByRole('link', { name: 'Menù e allergeni', exact: true }).click();
      await onPage(page, /Menù e allergeni/);

      // The dish, with its allergens ticked by name.
      await page.getByRole('link', { name: 'Piatti', exact: true }).click();
      await onPage(page, /Piatti/);
      await page.getByRole('link', { name: 'Nuovo piatto' }).click();
      await onPage(page, /Nuovo piatto/);
      // Sent empty first: the refusal is an accessible page too, with the problem under the field.
      await page.getByRole('button', { name: 'Crea il piatto' }).click();
      await onPage(page, /Nuovo piatto/);
      assert.match(await page.locator('main').innerText(), /Scrivi il nome\./);
      await page.locator('[name="nome"]').fill('Torta di noci');
      await page.locator('label[for="allergene_frutta-a-guscio"]').click();
      await page.locator('label[for="allergene_uova"]').click();
      assert.ok(await page.getByLabel('frutta a guscio').isChecked());
      await page.getByLabel('Ingredienti').fill('farina di riso, noci, uova, zucchero');
      await page.getByRole('button', { name: 'Crea il piatto' }).click();
      await onPage(page, /Piatti/);
      assert.match(await page.locator('[role="status"]').innerText(), /Piatto creato/);

      // The primary schools' autumn plan: the week of 1 December in its rotation, Tuesday's dessert.
      await page.goto(`${t.baseUrl}/demo/ufficio/menu`);
      await onPage(page, /Menù e allergeni/);
      await page.getByRole('link', { name: /Autunno-inverno 2026\/2027 — primaria/ }).click();
      await onPage(page, /Piano Autunno-inverno 2026\/2027 — primaria/);
      const plan = await t.database.db.selectFrom('menu_plan').selectAll().where('name', '=', 'Autunno-inverno 2026/2027 — primaria').executeTakeFirstOrThrow();
      const week = rotationWeek(plan.rotation_start, plan.rotation_weeks, DAY);
      await page.locator(`a[href$="/piani/${plan.id}/settimane/${week}"]`).click();
      await onPage(page, new RegExp(`Settimana ${week} di ${plan.rotation_weeks}`));
      await page.getByLabel('martedì, Frutta o dessert').selectOption({ label: 'Torta di noci' });
      await page.getByRole('button', { name: 'Salva la settimana' }).click();
      await onPage(page, new RegExp(`Settimana ${week} di ${plan.rotation_weeks}`));
      assert.match(await page.locator('[role="status"]').innerText(), /Settimana salvata/);

      // The gluten-free variant of the same week: another grid, also accessible.
      await page.getByRole('link', { name: 'Variante: Senza glutine' }).click();
      await onPage(page, new RegExp(`Settimana ${week} di ${plan.rotation_weeks}`));

      // The other new pages: the plan form, the special menus.
      await page.goto(`${t.baseUrl}/demo/ufficio/menu/piani/nuovo`);
      await onPage(page, /Nuovo piano dei menù/);
      await page.goto(`${t.baseUrl}/demo/ufficio/menu/speciali`);
      await onPage(page, /Menù speciali/);
      await page.getByRole('link', { name: 'Nuovo menù speciale' }).click();
      await onPage(page, /Nuovo menù speciale/);
      await context.close();

      const after = await sofiasDay(t, chromium.browser);
      assert.match(after, /Torta di noci/);
      assert.match(after, /frutta a guscio/, 'the allergen in words');
      assert.doesNotMatch(after, /frutta-a-guscio/, 'never its code');
    });
  });
}
