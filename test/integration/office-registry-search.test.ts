/**
 * The office's registry search (issue 13): name (start of any word, any case, accents or not), fiscal
 * code, badge, school and class; keyset pages; one ente only; who may search.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { buildEnrolment, buildFamily, buildOperator, buildPerson, buildPupil, enteIdOf, type BuiltPupil } from '../helpers/builders';

const NOW = '2026-11-26T09:00:00+01:00';

/** The pupils' ids a result page links to, in order. */
function pupilIdsOn(html: string): number[] {
  return [...html.matchAll(/\/ufficio\/anagrafe\/alunni\/(\d+)"/g)].map((m) => Number(m[1]));
}

function nextLink(html: string): string | undefined {
  const href = /<a href="([^"]*dopo=[^"]*)">/.exec(html)?.[1];
  return href?.replace(/&amp;/g, '&');
}

for (const { engine, skip } of testEngines()) {
  describe(`registry search on ${engine}`, { skip }, () => {
    let t: TestApp;
    let admin: Browser;
    let enteId: number;
    let nicolo: BuiltPupil;
    let lovel: BuiltPupil;
    let deLuca: BuiltPupil;
    let otherEnte: BuiltPupil;
    let schoolId: number;
    const crowd: number[] = [];

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      const db = t.database.db;
      enteId = await enteIdOf(db);
      schoolId = (await db.selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
      const holder = await buildPerson(db, enteId, { givenName: 'Ottavia', familyName: 'Quercetti' });
      nicolo = await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Nicolò', familyName: 'Quercetti', className: '4Z', schoolId });
      await buildEnrolment(db, enteId, nicolo, holder);
      lovel = await buildPupil(db, enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Zelinda', familyName: 'Lovelacci', className: '4Z', schoolId });
      deLuca = await buildPupil(db, enteId, [{ person: holder, relation: 'cointestatario' }], { givenName: 'Maria Grazia', familyName: 'De Lucchesi' });
      await db.insertInto('badge').values({ ente_id: enteId, code: 'QZ77001', pupil_id: lovel.pupilId, service_id: (await db.selectFrom('service').select('id').where('ente_id', '=', enteId).orderBy('id').executeTakeFirstOrThrow()).id, issued_on: '2026-09-10', active: 1 }).execute();
      // Thirty pupils of one family name, for the pages.
      for (let i = 0; i < 30; i++) {
        const family = await buildFamily(db, enteId);
        const pupil = await buildPupil(db, enteId, [{ person: family.holder, relation: 'intestatario' }], { familyName: 'Paginetti', givenName: `Bimbo${String.fromCharCode(65 + (i % 26))}${i}` });
        crowd.push(pupil.pupilId);
      }
      const other = await enteIdOf(db, 'unione-colline');
      const otherHolder = await buildPerson(db, other, { givenName: 'Ottavia', familyName: 'Quercetti' });
      otherEnte = await buildPupil(db, other, [{ person: otherHolder, relation: 'intestatario' }], { givenName: 'Nicolò', familyName: 'Quercetti' });
      admin = new Browser(t.app);
      await admin.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await t?.close();
    });

    const search = async (query: string, browser = admin) => browser.get(`/demo/ufficio/anagrafe?${query}`);

    it('explains instead of listing the whole ente when nothing is asked', async () => {
      const page = await search('');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /L’elenco di tutto l’ente non viene mostrato/);
      assert.deepEqual(pupilIdsOn(page.body), []);
    });

    it('finds a pupil by the start of a family name, in any case, and by a given name with or without its accent', async () => {
      for (const q of ['lovel', 'LOVELACCI', 'Lovelacci%20zel', 'zelinda']) {
        const page = await search(`q=${q}`);
        assert.equal(page.statusCode, 200, q);
        assert.ok(pupilIdsOn(page.body).includes(lovel.pupilId), `${q} finds Zelinda Lovelacci`);
        assert.ok(!pupilIdsOn(page.body).includes(nicolo.pupilId), `${q} does not find Nicolò`);
      }
      for (const q of ['nicol%C3%B2', 'nicolo', 'NICOLO', 'querc%20nic']) {
        const ids = pupilIdsOn((await search(`q=${q}`)).body);
        assert.ok(ids.includes(nicolo.pupilId), `${q} finds Nicolò`);
      }
      // The start of any word of a name: the second word of the family name, the second given name.
      assert.ok(pupilIdsOn((await search('q=lucches')).body).includes(deLuca.pupilId));
      assert.ok(pupilIdsOn((await search('q=grazia')).body).includes(deLuca.pupilId));
      // Not the middle of a word.
      assert.ok(!pupilIdsOn((await search('q=elacci')).body).includes(lovel.pupilId));
    });

    it('shows the pupil, school and class, the holder and the enrolments’ states', async () => {
      const page = await search('q=nicolo%20quercetti');
      assert.match(page.body, /Quercetti Nicolò/);
      assert.match(page.body, new RegExp(nicolo.fiscalCode));
      assert.match(page.body, /classe 4Z/);
      assert.match(page.body, /Ottavia Quercetti/);
      assert.match(page.body, /Refezione[^<]* \d{4}\/\d{4}: Attiva/);
    });

    it('finds by fiscal code, whole or its start, and by badge code', async () => {
      assert.deepEqual(pupilIdsOn((await search(`q=${nicolo.fiscalCode}`)).body), [nicolo.pupilId]);
      assert.ok(pupilIdsOn((await search(`q=${nicolo.fiscalCode.slice(0, 9).toLowerCase()}`)).body).includes(nicolo.pupilId));
      assert.deepEqual(pupilIdsOn((await search('q=qz77001')).body), [lovel.pupilId]);
    });

    it('filters by school and class, with or without a text', async () => {
      const both = pupilIdsOn((await search(`scuola=${schoolId}&classe=4Z`)).body);
      assert.deepEqual(new Set(both), new Set([nicolo.pupilId, lovel.pupilId]));
      assert.deepEqual(pupilIdsOn((await search(`q=zel&scuola=${schoolId}&classe=4Z`)).body), [lovel.pupilId]);
      assert.deepEqual(pupilIdsOn((await search(`q=zel&scuola=${schoolId}&classe=5Z`)).body), []);
      const refused = await search('scuola=999999');
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /Scegli una scuola dell’elenco/);
    });

    it('pages through many results in order, a second page sharing nothing with the first', async () => {
      const first = await search('q=paginetti');
      const one = pupilIdsOn(first.body);
      assert.equal(one.length, 25);
      const next = nextLink(first.body);
      assert.ok(next, 'a link to the next page');
      const two = pupilIdsOn((await admin.get(next)).body);
      assert.equal(two.length, 5);
      assert.deepEqual(one.filter((id) => two.includes(id)), []);
      assert.deepEqual(new Set([...one, ...two]), new Set(crowd));
      // A cursor that is not ours is the first page, not an error.
      assert.equal((await search('q=paginetti&dopo=zzz')).statusCode, 200);
    });

    it('never shows another ente’s pupils', async () => {
      const ids = pupilIdsOn((await search('q=quercetti')).body);
      assert.ok(ids.includes(nicolo.pupilId));
      assert.ok(!ids.includes(otherEnte.pupilId));
      assert.deepEqual(pupilIdsOn((await search(`q=${otherEnte.fiscalCode}`)).body), []);
    });

    it('refuses input no person types: control characters, repeated fields, over-long text', async () => {
      // A control character in the address is refused by the app's input guard before any route.
      assert.equal((await search('q=%00abc')).statusCode, 400);
      assert.equal((await search('q=a&q=b')).statusCode, 422);
      assert.equal((await search(`q=${'a'.repeat(300)}`)).statusCode, 422);
    });

    it('is the office’s: cucina, scuola and a parent get 403, a visitor is sent to log in', async () => {
      const kitchen = new Browser(t.app);
      await kitchen.login(LUCA, { returnTo: '/demo/ufficio/' });
      assert.equal((await search('q=nicolo', kitchen)).statusCode, 403);
      const schoolOp = await buildOperator(t.database.db, enteId, 'scuola', schoolId);
      const school = new Browser(t.app);
      await school.loginAs(schoolOp, { returnTo: '/demo/ufficio/' });
      assert.equal((await search('q=nicolo', school)).statusCode, 403);
      const parent = new Browser(t.app);
      await parent.login(ADA);
      assert.equal((await search('q=nicolo', parent)).statusCode, 403);
      const anonymous = await search('q=nicolo', new Browser(t.app));
      assert.equal(anonymous.statusCode, 303);
      assert.match(String(anonymous.headers.location), /\/auth\/login/);
      const operatore = await buildOperator(t.database.db, enteId, 'operatore');
      const office = new Browser(t.app);
      await office.loginAs(operatore, { returnTo: '/demo/ufficio/' });
      assert.ok(pupilIdsOn((await search('q=nicolo', office)).body).includes(nicolo.pupilId));
    });
  });
}
