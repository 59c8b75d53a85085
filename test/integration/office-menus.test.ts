import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

/**
 * Menù e allergeni (issue 14): the office makes dishes, plans, weeks, publishes, and special menus of a day;
 * the parents' Refezione shows only published plans, a special day's menu instead of the plan's, the
 * pupil's diet variant, and allergens in words.
 */
for (const { engine, skip } of testEngines()) {
  describe(`office menus on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    let kitchen: BuiltPerson;
    let cook: Browser;
    let ada: Browser;
    let sofia: number;
    /** Tuesday 1 December 2026: a service day of Sofia's primary school. */
    const DAY = '2026-12-01';

    const db = () => t.database.db;
    const dishId = async (name: string) => (await db().selectFrom('dish').select('id').where('ente_id', '=', enteId).where('name', '=', name).executeTakeFirstOrThrow()).id;
    const count = async (table: 'dish' | 'menu_plan' | 'menu_item' | 'menu_special') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    /** The office's menu changes (page views of parents are recorded too, a little later: not counted). */
    const changeCount = async () =>
      Number((await db().selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('action', 'like', 'office.menu.%').executeTakeFirstOrThrow()).n);
    const lastChange = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('id', 'desc').executeTakeFirst();
    const sofiaDay = async () => {
      const page = await ada.get(`/demo/refezione?utente=${sofia}&dal=${DAY}&al=${DAY}`);
      assert.equal(page.statusCode, 200);
      return page.body;
    };

    async function post(path: string, fields: Record<string, string>, formPath = path) {
      const form = await cook.get(formPath);
      assert.equal(form.statusCode, 200, `${formPath}: ${form.statusCode}`);
      return cook.post(path, { _csrf: cook.csrfFrom(form.body), ...fields });
    }
    const versionOn = (html: string) => /name="versione" value="(\d+)"/.exec(html)?.[1] ?? '';

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: '2026-11-26T08:00:00+01:00' });
      enteId = await enteIdOf(db());
      // The kitchen manages menus (menus.manage) without the registry.
      kitchen = await buildOperator(db(), enteId, 'cucina');
      cook = new Browser(t.app);
      assert.equal((await cook.loginAs(kitchen, { returnTo: '/demo/ufficio/menu' })).statusCode, 200);
      ada = new Browser(t.app);
      await ada.login(ADA);
      sofia = (
        await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', 'Sofia').where('person.family_name', '=', 'Lovelace').executeTakeFirstOrThrow()
      ).id;
    });
    after(async () => {
      await t?.close();
    });

    it('creates a dish with allergens and ingredients, audited, shown and exported with allergens in words', async () => {
      const created = await post('/demo/ufficio/menu/piatti/nuovo', {
        nome: 'Torta di noci',
        ingredienti: 'farina di riso, noci, uova, zucchero',
        'allergene_frutta-a-guscio': '1',
        allergene_uova: '1',
      });
      assert.equal(created.statusCode, 303);
      assert.equal(created.headers.location, '/demo/ufficio/menu/piatti?fatto=aggiunto');
      const row = await db().selectFrom('dish').selectAll().where('ente_id', '=', enteId).where('name', '=', 'Torta di noci').executeTakeFirstOrThrow();
      assert.equal(row.allergens, 'uova,frutta-a-guscio', 'stored as codes, in the regulation’s order');
      assert.equal(row.ingredients, 'farina di riso, noci, uova, zucchero');
      const event = await lastChange('office.menu.dish.add');
      assert.equal(event?.actor_fiscal_code, kitchen.fiscalCode);
      assert.deepEqual(JSON.parse(event!.after_json!), { name: 'Torta di noci', allergens: 'uova,frutta-a-guscio', ingredients: 'farina di riso, noci, uova, zucchero' });

      // The list pages by name; the new dish is on one of its pages, its allergens in words.
      let body = '';
      let next: string | undefined = '/demo/ufficio/menu/piatti?fatto=aggiunto';
      while (next && !body.includes('Torta di noci')) {
        const page = await cook.get(next);
        assert.equal(page.statusCode, 200);
        body = page.body;
        const link: string | undefined = /href="([^"]*dopo=[^"]*)">Pagina successiva/.exec(body)?.[1];
        next = link?.replace(/&amp;/g, '&');
      }
      assert.match(body, /Torta di noci<\/span><\/a><\/th><td data-label="Allergeni">uova, frutta a guscio<\/td>/);
      assert.doesNotMatch(body, />[^<]*frutta-a-guscio/, 'never the code as text');

      const csv = await cook.get('/demo/ufficio/menu/piatti.csv');
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      assert.match(csv.body, /"Torta di noci";"uova, frutta a guscio";"farina di riso, noci, uova, zucchero"/);
      assert.doesNotMatch(csv.body, /frutta-a-guscio/);
      // English: the same allergens in English words.
      cook.jar.store('lang=en; Path=/');
      const english = await cook.get('/demo/ufficio/menu/piatti.csv');
      cook.jar.store('lang=it; Path=/');
      assert.match(english.body, /"Torta di noci";"eggs, (tree )?nuts/i);
    });

    it('a second save of a dish from the same version is refused with the other’s change', async () => {
      const id = await dishId('Torta di noci');
      const form = await cook.get(`/demo/ufficio/menu/piatti/${id}`);
      const version = versionOn(form.body);
      const csrf = cook.csrfFrom(form.body);
      const base = { _csrf: csrf, versione: version, 'allergene_frutta-a-guscio': '1', allergene_uova: '1', ingredienti: 'noci' };
      assert.equal((await cook.post(`/demo/ufficio/menu/piatti/${id}`, { ...base, nome: 'Torta di noci e miele' })).statusCode, 303);
      const second = await cook.post(`/demo/ufficio/menu/piatti/${id}`, { ...base, nome: 'Torta alle noci' });
      assert.equal(second.statusCode, 409);
      assert.match(second.body, /Nel frattempo un altro operatore ha modificato questi dati/);
      assert.match(second.body, /Torta di noci e miele/, 'the value saved now is shown');
      const row = await db().selectFrom('dish').select(['name', 'ingredients']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.name, 'Torta di noci e miele');
      // Back to the name the other tests use.
      const again = await cook.get(`/demo/ufficio/menu/piatti/${id}`);
      assert.equal((await cook.post(`/demo/ufficio/menu/piatti/${id}`, { ...base, _csrf: cook.csrfFrom(again.body), versione: versionOn(again.body), nome: 'Torta di noci', ingredienti: 'farina di riso, noci, uova, zucchero' })).statusCode, 303);
    });

    it('a plan is a draft until published: parents see it only then, with the diet’s variant and allergens in words', async () => {
      const autumn = await db().selectFrom('menu_plan').selectAll().where('ente_id', '=', enteId).where('school_level', '=', 'primaria').where('starts_on', '<=', DAY).where('ends_on', '>=', DAY).executeTakeFirstOrThrow();
      assert.ok(autumn.published_at, 'the demo’s plans are published');
      assert.match(await sofiaDay(), /Pasta|Riso|Gnocchi|Minestrone|Lasagne|Crema/, 'the demo plan’s menu first');

      // Withdrawn, the demo plan is no longer shown.
      const autumnPage = await cook.get(`/demo/ufficio/menu/piani/${autumn.id}`);
      assert.equal(autumnPage.statusCode, 200);
      const withdrawn = await cook.post(`/demo/ufficio/menu/piani/${autumn.id}/ritira`, { _csrf: cook.csrfFrom(autumnPage.body), versione: versionOn(autumnPage.body) });
      assert.equal(withdrawn.statusCode, 303);
      assert.match(await sofiaDay(), /menù non disponibile/);
      assert.equal((await lastChange('office.menu.plan.withdraw'))?.subject_id, autumn.id);

      // A new plan for December, a one-week rotation from Monday 30 November.
      const created = await post('/demo/ufficio/menu/piani/nuovo', { nome: 'Dicembre di prova', livello: 'primaria', dal: '01/12/2026', al: '31/12/2026', settimane: '1', inizio_rotazione: '30/11/2026' });
      assert.equal(created.statusCode, 303);
      const planId = Number(/piani\/(\d+)\?fatto=aggiunto$/.exec(String(created.headers.location))?.[1]);
      const plan = await db().selectFrom('menu_plan').selectAll().where('id', '=', planId).executeTakeFirstOrThrow();
      assert.equal(plan.published_at, null, 'a new plan is a draft');
      assert.equal(plan.rotation_start, '2026-11-30');

      // Publishing an empty plan is refused.
      const emptyPage = await cook.get(`/demo/ufficio/menu/piani/${planId}`);
      const empty = await cook.post(`/demo/ufficio/menu/piani/${planId}/pubblica`, { _csrf: cook.csrfFrom(emptyPage.body), versione: versionOn(emptyPage.body) });
      assert.equal(empty.statusCode, 422);
      assert.match(empty.body, /non ha ancora nessun piatto/);

      // Tuesday of week 1: the ordinary menu, then the gluten-free variant of the first course.
      const pasta = await dishId('Pasta al pomodoro');
      const pastaGf = await dishId('Pasta al pomodoro senza glutine');
      const cake = await dishId('Torta di noci');
      const weekPath = `/demo/ufficio/menu/piani/${planId}/settimane/1`;
      const ordinary = await post(weekPath, { dieta: '', versione: String(plan.version), piatto_2_primo: String(pasta), piatto_2_frutta: String(cake) }, weekPath);
      assert.equal(ordinary.statusCode, 303);
      const grid = await cook.get(weekPath);
      assert.match(grid.body, new RegExp(`<option value="${cake}" selected(="")?>Torta di noci</option>`));
      assert.match(grid.body, /<label class="visually-hidden" for="piatto_2_frutta">martedì, Frutta o dessert<\/label>/);
      const variantPage = await cook.get(`${weekPath}?dieta=senza-glutine`);
      assert.equal(variantPage.statusCode, 200);
      const variant = await cook.post(weekPath, { _csrf: cook.csrfFrom(variantPage.body), dieta: 'senza-glutine', versione: versionOn(variantPage.body), piatto_2_primo: String(pastaGf) });
      assert.equal(variant.statusCode, 303);
      const items = await db().selectFrom('menu_item').select(['diet_code', 'week', 'weekday', 'course', 'dish_id']).where('plan_id', '=', planId).orderBy('diet_code').orderBy('course').execute();
      assert.deepEqual(items, [
        { diet_code: '', week: 1, weekday: 2, course: 'frutta', dish_id: cake },
        { diet_code: '', week: 1, weekday: 2, course: 'primo', dish_id: pasta },
        { diet_code: 'senza-glutine', week: 1, weekday: 2, course: 'primo', dish_id: pastaGf },
      ]);
      const weekEvent = await lastChange('office.menu.plan.week');
      assert.deepEqual(JSON.parse(weekEvent!.after_json!), { 'senza-glutine 1.2 primo': 'Pasta al pomodoro senza glutine' });

      // A stale grid (made before the save above) is refused.
      const stale = await cook.post(weekPath, { _csrf: cook.csrfFrom(variantPage.body), dieta: 'senza-glutine', versione: versionOn(variantPage.body), piatto_2_primo: String(pasta) });
      assert.equal(stale.statusCode, 409);

      // Still a draft: the parent sees nothing of it.
      const draft = await sofiaDay();
      assert.match(draft, /menù non disponibile/);
      assert.doesNotMatch(draft, /Torta di noci/);

      const planPage = await cook.get(`/demo/ufficio/menu/piani/${planId}`);
      assert.match(planPage.body, /Bozza: non visibile ai genitori/);
      // The plan's overview: the ordinary dish with its allergens in words, the diet's variant under it.
      assert.match(planPage.body, /<span lang="it">Torta di noci<\/span><span class="d-block">\(uova, frutta a guscio\)<\/span>/);
      assert.match(planPage.body, /Senza glutine: <span lang="it">Pasta al pomodoro senza glutine<\/span>/);
      const published = await cook.post(`/demo/ufficio/menu/piani/${planId}/pubblica`, { _csrf: cook.csrfFrom(planPage.body), versione: versionOn(planPage.body) });
      assert.equal(published.statusCode, 303);
      assert.ok((await db().selectFrom('menu_plan').select('published_at').where('id', '=', planId).executeTakeFirstOrThrow()).published_at);

      const shown = await sofiaDay();
      assert.match(shown, /Torta di noci<\/span><span class="small"> \(Allergeni: uova, frutta a guscio\)/, 'allergens in words');
      assert.match(shown, /Pasta al pomodoro senza glutine/, 'Sofia’s gluten-free variant');
      assert.doesNotMatch(shown, />Pasta al pomodoro<\/span>/, 'never the ordinary dish her diet replaces');
      assert.doesNotMatch(shown, /frutta-a-guscio/);

      // The demo plan cannot be published again over the same days.
      const again = await cook.get(`/demo/ufficio/menu/piani/${autumn.id}`);
      const overlap = await cook.post(`/demo/ufficio/menu/piani/${autumn.id}/pubblica`, { _csrf: cook.csrfFrom(again.body), versione: versionOn(again.body) });
      assert.equal(overlap.statusCode, 422);
      assert.match(overlap.body, /c’è già un piano pubblicato per questo livello/);
    });

    it('a special menu of a day replaces the plan’s: the level’s over the ente’s, with diet variants; removed, the plan is back', async () => {
      const lasagne = await dishId('Lasagne al forno');
      const lasagneGf = await dishId('Lasagne al forno senza glutine');
      const tuna = await dishId('Pasta al tonno');
      const cake = await dishId('Torta di noci');
      const forEnte = await post('/demo/ufficio/menu/speciali/nuovo', {
        data: '01/12/2026',
        livello: '',
        nome: 'Festa d’inverno',
        piatto_ordinario_primo: String(lasagne),
        piatto_ordinario_frutta: String(cake),
        'piatto_senza-glutine_primo': String(lasagneGf),
      });
      assert.equal(forEnte.statusCode, 303);
      const feast = await sofiaDay();
      assert.match(feast, /Menù speciale: Festa d’inverno/);
      assert.match(feast, /Lasagne al forno senza glutine/);
      assert.doesNotMatch(feast, /Pasta al pomodoro/, 'the plan’s dishes are replaced');
      assert.match(feast, /Torta di noci<\/span><span class="small"> \(Allergeni: uova, frutta a guscio\)/);
      assert.equal((await lastChange('office.menu.special.add'))?.actor_fiscal_code, kitchen.fiscalCode);

      // A second one for the same day and level is refused; one for another level does not concern Sofia.
      const twice = await post('/demo/ufficio/menu/speciali/nuovo', { data: '2026-12-01', livello: '', nome: 'Altra festa', piatto_ordinario_primo: String(tuna) });
      assert.equal(twice.statusCode, 422);
      assert.match(twice.body, /c’è già un menù speciale per lo stesso livello/);
      assert.equal((await post('/demo/ufficio/menu/speciali/nuovo', { data: '01/12/2026', livello: 'secondaria', nome: 'Gita', piatto_ordinario_primo: String(tuna) })).statusCode, 303);
      assert.match(await sofiaDay(), /Festa d’inverno/);

      // The primary schools' packed lunch wins over the ente's feast.
      assert.equal((await post('/demo/ufficio/menu/speciali/nuovo', { data: '01/12/2026', livello: 'primaria', nome: 'Pranzo al sacco', piatto_ordinario_primo: String(tuna) })).statusCode, 303);
      const trip = await sofiaDay();
      assert.match(trip, /Menù speciale: Pranzo al sacco/);
      assert.match(trip, /Pasta al tonno/);
      assert.doesNotMatch(trip, /Festa d’inverno/);

      const list = await cook.get('/demo/ufficio/menu/speciali');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /Pranzo al sacco/);
      const special = await db().selectFrom('menu_special').select(['id', 'version']).where('name', '=', 'Pranzo al sacco').executeTakeFirstOrThrow();
      const removed = await post(`/demo/ufficio/menu/speciali/${special.id}/elimina`, { versione: String(special.version) }, `/demo/ufficio/menu/speciali/${special.id}`);
      assert.equal(removed.statusCode, 303);
      assert.equal((await lastChange('office.menu.special.remove'))?.subject_id, special.id);
      assert.match(await sofiaDay(), /Festa d’inverno/);

      // The feast edited: a new name and dessert, from the version its form was made from; a stale form is refused.
      const feastRow = await db().selectFrom('menu_special').select(['id', 'version']).where('name', '=', 'Festa d’inverno').executeTakeFirstOrThrow();
      const feastPath = `/demo/ufficio/menu/speciali/${feastRow.id}`;
      const feastForm = await cook.get(feastPath);
      assert.match(feastForm.body, new RegExp(`<option value="${lasagneGf}" selected(="")?>Lasagne al forno senza glutine</option>`));
      const pudding = await dishId('Budino al cacao');
      const fields = { _csrf: cook.csrfFrom(feastForm.body), versione: versionOn(feastForm.body), data: '01/12/2026', livello: '', piatto_ordinario_primo: String(lasagne), 'piatto_senza-glutine_primo': String(lasagneGf) };
      assert.equal((await cook.post(feastPath, { ...fields, nome: 'Festa di dicembre', piatto_ordinario_frutta: String(pudding) })).statusCode, 303);
      const staleFeast = await cook.post(feastPath, { ...fields, nome: 'Festa vecchia', piatto_ordinario_frutta: String(cake) });
      assert.equal(staleFeast.statusCode, 409);
      const edited = await sofiaDay();
      assert.match(edited, /Menù speciale: Festa di dicembre/);
      assert.match(edited, /Budino al cacao/);
      assert.doesNotMatch(edited, /Torta di noci/);
      const change = await lastChange('office.menu.special.change');
      assert.deepEqual(JSON.parse(change!.before_json!), { name: 'Festa d’inverno', 'ordinario frutta': 'Torta di noci' });
      assert.deepEqual(JSON.parse(change!.after_json!), { name: 'Festa di dicembre', 'ordinario frutta': 'Budino al cacao' });
    });

    it('edits a plan’s details from its version: fewer weeks drop the dishes of the weeks gone; a published plan may not overlap another', async () => {
      const created = await post('/demo/ufficio/menu/piani/nuovo', { nome: 'Gennaio', livello: 'infanzia', dal: '07/01/2027', al: '29/01/2027', settimane: '2', inizio_rotazione: '04/01/2027' });
      assert.equal(created.statusCode, 303);
      const planId = Number(/piani\/(\d+)\?/.exec(String(created.headers.location))?.[1]);
      const pasta = await dishId('Pasta al pomodoro');
      const week2 = `/demo/ufficio/menu/piani/${planId}/settimane/2`;
      const grid = await cook.get(week2);
      assert.equal((await cook.post(week2, { _csrf: cook.csrfFrom(grid.body), dieta: '', versione: versionOn(grid.body), piatto_1_primo: String(pasta) })).statusCode, 303);
      const page = await cook.get(`/demo/ufficio/menu/piani/${planId}`);
      const fields = { _csrf: cook.csrfFrom(page.body), versione: versionOn(page.body), livello: 'infanzia', dal: '07/01/2027', al: '29/01/2027', inizio_rotazione: '04/01/2027' };
      assert.equal((await cook.post(`/demo/ufficio/menu/piani/${planId}`, { ...fields, nome: 'Gennaio infanzia', settimane: '1' })).statusCode, 303);
      const row = await db().selectFrom('menu_plan').selectAll().where('id', '=', planId).executeTakeFirstOrThrow();
      assert.equal(row.name, 'Gennaio infanzia');
      assert.equal(row.rotation_weeks, 1);
      assert.equal((await db().selectFrom('menu_item').select('plan_id').where('plan_id', '=', planId).execute()).length, 0, 'week 2 is gone with its dish');
      const event = await lastChange('office.menu.plan.change');
      assert.deepEqual(JSON.parse(event!.after_json!), { name: 'Gennaio infanzia', rotationWeeks: 1, removedDishes: 1 });
      const stale = await cook.post(`/demo/ufficio/menu/piani/${planId}`, { ...fields, nome: 'Gennaio vecchio', settimane: '2' });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Modifica non salvata/);

      // The demo's published infanzia plans cover the school year: this one, once published, may not move over them.
      const week1 = `/demo/ufficio/menu/piani/${planId}/settimane/1`;
      const grid1 = await cook.get(week1);
      assert.equal((await cook.post(week1, { _csrf: cook.csrfFrom(grid1.body), dieta: '', versione: versionOn(grid1.body), piatto_1_primo: String(pasta) })).statusCode, 303);
      const again = await cook.get(`/demo/ufficio/menu/piani/${planId}`);
      const overlap = await cook.post(`/demo/ufficio/menu/piani/${planId}/pubblica`, { _csrf: cook.csrfFrom(again.body), versione: versionOn(again.body) });
      assert.equal(overlap.statusCode, 422);
      assert.equal((await db().selectFrom('menu_plan').select('published_at').where('id', '=', planId).executeTakeFirstOrThrow()).published_at, null);
    });

    it('refuses bad input with 422, the problem under the field, the input kept, nothing written', async () => {
      const before = await Promise.all([count('dish'), count('menu_plan'), count('menu_item'), count('menu_special'), changeCount()]);
      const nul = await post('/demo/ufficio/menu/piatti/nuovo', { nome: 'Torta\u0000', ingredienti: '', allergene_uova: '1' });
      assert.equal(nul.statusCode, 422);
      assert.match(nul.body, /Contiene caratteri non ammessi/);
      const noName = await post('/demo/ufficio/menu/piatti/nuovo', { nome: '  ', ingredienti: 'noci', allergene_uova: '1' });
      assert.equal(noName.statusCode, 422);
      assert.match(noName.body, /Scrivi il nome\./);
      assert.match(noName.body, /<textarea[^>]*>noci<\/textarea>/, 'what was typed is kept');
      assert.match(noName.body, /id="allergene_uova" name="allergene_uova" type="checkbox" value="1" checked/);
      const badAllergen = await post('/demo/ufficio/menu/piatti/nuovo', { nome: 'Torta', ingredienti: '', allergene_uova: 'sì' });
      assert.equal(badAllergen.statusCode, 422);
      assert.match(badAllergen.body, /Scegli gli allergeni dall’elenco/);
      const long = await post('/demo/ufficio/menu/piatti/nuovo', { nome: 'x'.repeat(121), ingredienti: '' });
      assert.equal(long.statusCode, 422);

      const plan = { nome: 'Prova', livello: 'primaria', dal: '01/01/2027', al: '31/01/2027', settimane: '2', inizio_rotazione: '04/01/2027' };
      const impossible = await post('/demo/ufficio/menu/piani/nuovo', { ...plan, al: '30/02/2027' });
      assert.equal(impossible.statusCode, 422);
      assert.match(impossible.body, /Scrivi una data valida/);
      assert.match(impossible.body, /value="30\/02\/2027"/);
      assert.equal((await post('/demo/ufficio/menu/piani/nuovo', { ...plan, settimane: '99999999999999999999' })).statusCode, 422);
      assert.match((await post('/demo/ufficio/menu/piani/nuovo', { ...plan, settimane: '9' })).body, /da 1 a 8/);
      assert.match((await post('/demo/ufficio/menu/piani/nuovo', { ...plan, inizio_rotazione: '05/01/2027' })).body, /deve iniziare di lunedì/);
      assert.match((await post('/demo/ufficio/menu/piani/nuovo', { ...plan, al: '01/12/2026' })).body, /uguale o successiva/);
      assert.match((await post('/demo/ufficio/menu/piani/nuovo', { ...plan, livello: 'università' })).body, /Scegli un livello scolastico/);

      // A week's grid naming a dish of another ente, or no dish at all.
      const planRow = await db().selectFrom('menu_plan').select(['id', 'version']).where('name', '=', 'Dicembre di prova').executeTakeFirstOrThrow();
      const otherEnte = await enteIdOf(db(), 'unione-colline');
      const foreign = await db().insertInto('dish').values({ ente_id: otherEnte, name: 'Piatto altrui', allergens: '' }).returning('id').executeTakeFirstOrThrow();
      const weekPath = `/demo/ufficio/menu/piani/${planRow.id}/settimane/1`;
      const foreignDish = await post(weekPath, { dieta: '', versione: String(planRow.version), piatto_3_primo: String(foreign.id) });
      assert.equal(foreignDish.statusCode, 422);
      assert.match(foreignDish.body, /Scegli i piatti dall’elenco/);
      assert.equal((await post(weekPath, { dieta: '', versione: String(planRow.version), piatto_3_primo: '99999999999' })).statusCode, 422);
      assert.equal((await post(weekPath, { dieta: 'crudista', versione: String(planRow.version) })).statusCode, 422);
      assert.equal((await cook.get(`/demo/ufficio/menu/piani/${planRow.id}/settimane/2`)).statusCode, 404, 'a one-week plan has no week 2');
      assert.equal((await cook.get(`${weekPath}?dieta=crudista`)).statusCode, 404);

      const impossibleDay = await post('/demo/ufficio/menu/speciali/nuovo', { data: '31/04/2027', livello: '', nome: 'Festa', piatto_ordinario_primo: String(await dishId('Pasta al tonno')) });
      assert.equal(impossibleDay.statusCode, 422);
      assert.match(impossibleDay.body, /Scrivi una data valida/);
      const noDishes = await post('/demo/ufficio/menu/speciali/nuovo', { data: '02/12/2026', livello: '', nome: 'Festa' });
      assert.equal(noDishes.statusCode, 422);
      assert.match(noDishes.body, /Scegli almeno un piatto del menù ordinario/);

      await db().deleteFrom('dish').where('id', '=', foreign.id).execute();
      const afterCounts = await Promise.all([count('dish'), count('menu_plan'), count('menu_item'), count('menu_special'), changeCount()]);
      assert.deepEqual(afterCounts, before, 'nothing written');
    });

    it('is the kitchen’s, the office’s and the administrator’s: a school’s operator and a parent are refused', async () => {
      const school = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow()).id;
      const teacher = new Browser(t.app);
      await teacher.loginAs(await buildOperator(db(), enteId, 'scuola', school));
      assert.equal((await teacher.get('/demo/ufficio/menu')).statusCode, 403);
      assert.equal((await ada.get('/demo/ufficio/menu/piatti')).statusCode, 403);
      const home = await cook.get('/demo/ufficio/menu');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Dicembre di prova/);
      // The administrator reads the kitchen's changes in the activity log, in words.
      const marco = new Browser(t.app);
      await marco.login(MARCO, { returnTo: '/demo/ufficio/registro-attivita' });
      const log = await marco.get('/demo/ufficio/registro-attivita');
      assert.equal(log.statusCode, 200);
      for (const action of ['Ha creato un piatto', 'Ha pubblicato un piano dei menù', 'Ha modificato una settimana di un piano dei menù', 'Ha creato un menù speciale']) {
        assert.match(log.body, new RegExp(action), action);
      }
    });
  });
}
