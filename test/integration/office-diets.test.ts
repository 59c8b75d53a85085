import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { ForbiddenError } from '../../src/domain/errors';
import { issueOperatorContext } from '../../src/domain/operators/context';
import { ADA, Browser, LUCA, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildApprovedDiet, buildEnrolment, buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { multipart, type MultipartPart, samplePdf } from '../helpers/files';

/** A Wednesday of the demo's school year 2026/2027, after the Christmas closure; no day frozen yet. */
const NOW = '2027-01-20T10:00:00+01:00';
/** The diet is approved from Friday: Thursday is served the ordinary menu, Friday the diet. */
const THURSDAY = '2027-01-21';
const FRIDAY = '2027-01-22';
const REASON = 'Intolleranza al lattosio certificata dal pediatra';

async function send(browser: Browser, url: string, parts: readonly MultipartPart[]) {
  const { contentType, body } = multipart(parts);
  return browser.request({ method: 'POST', url, headers: { 'content-type': contentType }, payload: body });
}

for (const { engine, skip } of testEngines()) {
  describe(`office special diets on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    let ente: Ente;
    let holder: BuiltPerson;
    let pupil: BuiltPupil;
    let clerk: BuiltPerson;
    let office: Browser;
    let kitchen: Browser;
    let dietId: number;
    let certificateId: number;

    const db = () => t.database.db;
    const dietCount = async () => Number((await db().selectFrom('pupil_diet').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const events = async (action: string) => {
      await t.app.services.audit.flush();
      return db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('id').execute();
    };
    const requestPath = () => `/demo/ufficio/diete/alunni/${pupil.pupilId}/nuova`;

    /** The request form sent as the page sends it: its CSRF token first, the file (if any) last. */
    async function record(fields: Record<string, string>, file?: { filename: string; contentType: string; content: Buffer }) {
      const form = await office.get(requestPath());
      assert.equal(form.statusCode, 200);
      const parts: MultipartPart[] = [{ name: '_csrf', value: office.csrfFrom(form.body) }];
      for (const [name, value] of Object.entries({ dieta: '', tipo: '', motivo: '', documento: '', dichiarazione_del: '', ...fields })) parts.push({ name, value });
      if (file) parts.push({ name: 'file', ...file });
      return send(office, requestPath(), parts);
    }

    /** A form of a diet's page, sent with the page's token and version. */
    async function change(id: number, action: 'modifica' | 'approva' | 'respingi' | 'termina', fields: Record<string, string>, version?: string) {
      const page = await office.get(`/demo/ufficio/diete/${id}`);
      assert.equal(page.statusCode, 200);
      const current = version ?? /name="versione" value="(\d+)"/.exec(page.body)?.[1] ?? '';
      return office.post(`/demo/ufficio/diete/${id}/${action}`, { _csrf: office.csrfFrom(page.body), versione: current, ...fields });
    }

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      holder = await buildPerson(db(), enteId, { birthDate: '1980-04-12' });
      pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { className: '4B', familyName: 'Zanardi', givenName: 'Viola' });
      await buildEnrolment(db(), enteId, pupil, holder);
      clerk = await buildOperator(db(), enteId, 'operatore');
      office = new Browser(t.app);
      await office.loginAs(clerk, { returnTo: '/demo/ufficio/' });
      kitchen = new Browser(t.app);
      await kitchen.login(LUCA, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await t?.close();
    });

    it('records a medical request with its certificate in one change, audited with the values', async () => {
      const before = await dietCount();
      const response = await record(
        { dieta: 'senza-lattosio', tipo: 'medical', motivo: REASON },
        { filename: 'certificato.pdf', contentType: 'application/pdf', content: await samplePdf('Certificato per la dieta') },
      );
      assert.equal(response.statusCode, 303, response.body.slice(0, 500));
      assert.equal(response.headers.location, `/demo/ufficio/diete/alunni/${pupil.pupilId}?esito=recorded`);
      assert.equal(await dietCount(), before + 1);
      const row = await db().selectFrom('pupil_diet').selectAll().where('pupil_id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      dietId = row.id;
      assert.equal(row.state, 'richiesta');
      assert.equal(row.reason, REASON);
      assert.equal(row.recorded_by, clerk.fiscalCode);
      const certificate = await db().selectFrom('attachment').selectAll().where('id', '=', row.certificate_attachment_id!).executeTakeFirstOrThrow();
      certificateId = certificate.id;
      assert.equal(certificate.pupil_id, pupil.pupilId);
      assert.equal(certificate.kind, 'certificato-medico');
      assert.equal(certificate.visible_to_parent, 0, 'a health document is not shown to the parents by default');
      const recorded = (await events('office.diet.record')).filter((e) => e.subject_id === dietId);
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0]!.pupil_id, pupil.pupilId);
      assert.equal(JSON.parse(recorded[0]!.after_json!).diet_code, 'senza-lattosio');
      assert.equal((await events('office.attachment.upload')).filter((e) => e.subject_id === certificateId).length, 1);

      const page = await office.get(`/demo/ufficio/diete/alunni/${pupil.pupilId}?esito=recorded`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Richiesta registrata/);
      assert.match(page.body, /Senza lattosio/);
      assert.match(page.body, new RegExp(REASON));
      assert.equal((await events('office.diets.view')).filter((e) => e.subject_id === pupil.pupilId).length, 1, 'the view with the reason is audited');
    });

    it('links the pupil’s office page to the diets', async () => {
      const page = await office.get(`/demo/ufficio/anagrafe/alunni/${pupil.pupilId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`href="/demo/ufficio/diete/alunni/${pupil.pupilId}">Dieta speciale</a>`));
    });

    it('approves the diet from Friday: the freeze counts it from Friday, the parents’ Refezione shows it from Friday', async () => {
      const approved = await change(dietId, 'approva', { dal: '22/01/2027', al: '' });
      assert.equal(approved.statusCode, 303, approved.body.slice(0, 300));
      const row = await db().selectFrom('pupil_diet').selectAll().where('id', '=', dietId).executeTakeFirstOrThrow();
      assert.deepEqual([row.state, row.approved_from, row.approved_to, row.approved_by, row.version], ['approvata', FRIDAY, null, clerk.fiscalCode, 2]);
      const audit = (await events('office.diet.approve')).filter((e) => e.subject_id === dietId);
      assert.equal(audit.length, 1);
      assert.deepEqual(JSON.parse(audit[0]!.before_json!).state, 'richiesta');
      assert.deepEqual(JSON.parse(audit[0]!.after_json!).approved_from, FRIDAY);

      const counts = async (date: string) =>
        Number(
          (
            await db()
              .selectFrom('meal_count')
              .select('meals')
              .where('ente_id', '=', enteId)
              .where('date', '=', date)
              .where('school_id', '=', pupil.schoolId)
              .where('diet_code', '=', 'senza-lattosio')
              .executeTakeFirst()
          )?.meals ?? 0,
        );
      const booked = async (date: string) =>
        (await db().selectFrom('attendance').select('diet_code').where('pupil_id', '=', pupil.pupilId).where('date', '=', date).executeTakeFirstOrThrow()).diet_code;
      const others = async (date: string) =>
        Number(
          (
            await db()
              .selectFrom('attendance')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('ente_id', '=', enteId)
              .where('date', '=', date)
              .where('school_id', '=', pupil.schoolId)
              .where('diet_code', '=', 'senza-lattosio')
              .where('status', '=', 'present')
              .where('pupil_id', '<>', pupil.pupilId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await t.app.services.freeze.freezeDay(ente, THURSDAY), 'frozen');
      assert.equal(await t.app.services.freeze.freezeDay(ente, FRIDAY), 'frozen');
      assert.equal(await booked(THURSDAY), null, 'the ordinary menu before the diet’s first day');
      assert.equal(await booked(FRIDAY), 'senza-lattosio');
      assert.equal(await counts(THURSDAY), await others(THURSDAY));
      assert.equal(await counts(FRIDAY), (await others(FRIDAY)) + 1, 'the diet counts one more meal from its first day');

      const parent = new Browser(t.app);
      await parent.loginAs(holder, { returnTo: '/demo/' });
      const canteen = await parent.get(`/demo/refezione?utente=${pupil.pupilId}&dal=${THURSDAY}&al=${FRIDAY}`);
      assert.equal(canteen.statusCode, 200);
      assert.match(canteen.body, /Menù per la dieta: Senza lattosio, dal 22\/01\/2027 al 22\/01\/2027/);
      assert.doesNotMatch(canteen.body, new RegExp(REASON), 'the parents’ page names the diet, not the medical reason');
    });

    it('shows the kitchen the diet and the counts, never the medical reason or the certificate (pages, sheet, service)', async () => {
      const list = await kitchen.get('/demo/ufficio/diete');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /Zanardi Viola/);
      const pupilPage = await kitchen.get(`/demo/ufficio/diete/alunni/${pupil.pupilId}`);
      assert.equal(pupilPage.statusCode, 200);
      assert.match(pupilPage.body, /Senza lattosio/);
      const sheet = await kitchen.get(`/demo/ufficio/diete/foglio?scuola=${pupil.schoolId}&data=${FRIDAY}`);
      assert.equal(sheet.statusCode, 200);
      assert.match(sheet.body, /Classe 4B/);
      assert.match(sheet.body, /Zanardi Viola<\/th>\s*<td>Senza lattosio<\/td>/);
      assert.match(sheet.body, /data-print/);
      const thursday = await kitchen.get(`/demo/ufficio/diete/foglio?scuola=${pupil.schoolId}&data=${THURSDAY}`);
      assert.doesNotMatch(thursday.body, /Zanardi Viola/, 'the sheet of a day before the diet does not list the pupil');
      for (const page of [list, pupilPage, sheet]) {
        assert.doesNotMatch(page.body, new RegExp(REASON));
        assert.doesNotMatch(page.body, /Certificato|certificato\.pdf|Medica/);
        assert.doesNotMatch(page.body, new RegExp(`allegati/${certificateId}`));
      }
      assert.equal((await kitchen.get(`/demo/ufficio/diete/${dietId}`)).statusCode, 403, 'a diet’s page (with its reason) is not the kitchen’s');
      assert.equal((await kitchen.get(`/demo/ufficio/anagrafe/allegati/${certificateId}`)).statusCode, 403);
      assert.equal((await kitchen.get(`/demo/ufficio/diete/alunni/${pupil.pupilId}/nuova`)).statusCode, 403);
      const counts = await kitchen.get(`/demo/ufficio/pasti?data=${FRIDAY}`);
      assert.equal(counts.statusCode, 200);
      assert.match(counts.body, /Senza lattosio/);
      assert.doesNotMatch(counts.body, new RegExp(REASON));
      assert.ok((await events('office.diets.codes.view')).some((e) => e.subject_id === pupil.pupilId), 'the kitchen’s view is audited too');

      // The service itself: a cucina operator's handle gets views without those fields.
      const operator = await db().selectFrom('operator').selectAll().where('fiscal_code', '=', LUCA).where('ente_id', '=', enteId).executeTakeFirstOrThrow();
      const cook = issueOperatorContext({ ente, operator: { id: operator.id, fiscalCode: operator.fiscal_code, givenName: operator.given_name, familyName: operator.family_name, role: 'cucina', schoolId: null } });
      const viewed = await t.app.services.diets.ofPupil(cook, pupil.pupilId);
      assert.equal(viewed.full, false);
      assert.equal(viewed.diets.length, 1);
      for (const diet of viewed.diets) {
        assert.deepEqual(Object.keys(diet).sort(), ['approvedFrom', 'approvedTo', 'dietCode', 'id', 'pupilId', 'shownState', 'state']);
      }
      assert.ok(!JSON.stringify(viewed).includes(REASON));
      await assert.rejects(t.app.services.diets.one(cook, dietId), ForbiddenError);
      await assert.rejects(
        t.app.services.diets.record(cook, pupil.pupilId, { dietCode: 'vegetariana', kind: 'ethical', reason: '', certificateAttachmentId: null, declaredOn: '2027-01-10' }),
        ForbiddenError,
      );
      const listed = await t.app.services.diets.list(cook, { schoolId: pupil.schoolId });
      assert.ok(!JSON.stringify(listed).includes(REASON));
    });

    it('shows a school operator and the parents of other pupils nothing', async () => {
      const school = new Browser(t.app);
      await school.loginAs(await buildOperator(db(), enteId, 'scuola', pupil.schoolId), { returnTo: '/demo/ufficio/' });
      const ada = new Browser(t.app);
      await ada.login(ADA, { returnTo: '/demo/' });
      for (const browser of [school, ada]) {
        for (const url of ['/demo/ufficio/diete', `/demo/ufficio/diete/alunni/${pupil.pupilId}`, `/demo/ufficio/diete/foglio?scuola=${pupil.schoolId}&data=${FRIDAY}`, `/demo/ufficio/diete/${dietId}`]) {
          const page = await browser.get(url);
          assert.equal(page.statusCode, 403, url);
          assert.doesNotMatch(page.body, /Zanardi|Senza lattosio/);
        }
      }
      const other = await ada.get(`/demo/refezione?utente=${pupil.pupilId}&dal=${THURSDAY}&al=${FRIDAY}`);
      assert.doesNotMatch(other.body, /Zanardi|Senza lattosio/, 'another family’s child and diet are not on Ada’s Refezione');
    });

    it('refuses bad input with 422, the form kept, nothing written', async () => {
      const before = await dietCount();
      const attachments = async () => Number((await db().selectFrom('attachment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const filed = await attachments();
      const cases: [Record<string, string>, RegExp][] = [
        [{ dieta: 'senza-zucchero', tipo: 'medical', motivo: REASON }, /Scegli un valore dall’elenco/],
        [{ dieta: 'vegetariana', tipo: 'filosofica', motivo: '' }, /Scegli un valore dall’elenco/],
        [{ dieta: 'senza-glutine', tipo: 'medical', motivo: '' }, /Scrivi il motivo medico/],
        [{ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celia\u0000chia' }, /caratteri non ammessi/],
        [{ dieta: 'vegetariana', tipo: 'ethical', motivo: '', dichiarazione_del: '30/02/2027' }, /Scrivi una data valida/],
        [{ dieta: 'vegetariana', tipo: 'ethical', motivo: '', dichiarazione_del: '01/01/2030' }, /non può essere futura/],
        [{ dieta: 'vegetariana', tipo: 'ethical', motivo: 'x'.repeat(1500) }, /Testo troppo lungo/],
        [{ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia', documento: '99999999999999999999' }, /Scegli un valore dall’elenco/],
        [{ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia', documento: '2147483647' }, /tra gli allegati di questo alunno/],
      ];
      for (const [fields, message] of cases) {
        const refused = await record(fields);
        assert.equal(refused.statusCode, 422, JSON.stringify(fields));
        assert.match(refused.body, message, JSON.stringify(fields));
        assert.match(refused.body, /Il modulo non è stato salvato/);
      }
      const kept = await record({ dieta: 'senza-glutine', tipo: 'medical', motivo: '' });
      assert.match(kept.body, /<option value="senza-glutine" selected/, 'the form keeps what was chosen');
      const notAFile = await record({ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia' }, { filename: 'certificato.pdf', contentType: 'application/pdf', content: Buffer.from('<html>not a pdf</html>') });
      assert.equal(notAFile.statusCode, 422);
      assert.match(notAFile.body, /non è un PDF/);
      assert.equal(await dietCount(), before);
      assert.equal(await attachments(), filed);

      // A request without its certificate is recorded but cannot be approved.
      const noCertificate = await record({ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia' });
      assert.equal(noCertificate.statusCode, 303);
      const pending = await db().selectFrom('pupil_diet').select(['id', 'version']).where('pupil_id', '=', pupil.pupilId).where('state', '=', 'richiesta').executeTakeFirstOrThrow();
      const approvals: [Record<string, string>, number, RegExp][] = [
        [{ dal: '31/02/2027', al: '' }, 422, /Scrivi una data valida/],
        [{ dal: '', al: '' }, 422, /Scrivi la data/],
        [{ dal: '01/03/2027', al: '01/02/2027' }, 422, /uguale o successivo al primo|serve il certificato/],
        [{ dal: '01/03/2027', al: '' }, 422, /serve il certificato/],
      ];
      for (const [fields, status, message] of approvals) {
        const refused = await change(pending.id, 'approva', fields);
        assert.equal(refused.statusCode, status, JSON.stringify(fields));
        assert.match(refused.body, message, JSON.stringify(fields));
      }
      const hugeVersion = await change(pending.id, 'approva', { dal: '01/03/2027', al: '' }, '99999999999999999999');
      assert.equal(hugeVersion.statusCode, 422);
      const stale = await change(pending.id, 'approva', { dal: '01/03/2027', al: '' }, String(pending.version + 1));
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Nel frattempo un altro operatore/);
      const refused = await change(pending.id, 'respingi', {});
      assert.equal(refused.statusCode, 303);
      assert.equal((await db().selectFrom('pupil_diet').select('state').where('id', '=', pending.id).executeTakeFirstOrThrow()).state, 'respinta');

      // An ethical diet whose range overlaps the approved one, or starts on a frozen day, is refused.
      assert.equal((await record({ dieta: 'vegetariana', tipo: 'ethical', motivo: '', dichiarazione_del: '15/01/2027' })).statusCode, 303);
      const ethical = await db().selectFrom('pupil_diet').select('id').where('pupil_id', '=', pupil.pupilId).where('state', '=', 'richiesta').executeTakeFirstOrThrow();
      const frozenDay = await change(ethical.id, 'approva', { dal: FRIDAY, al: '' });
      assert.equal(frozenDay.statusCode, 422);
      assert.match(frozenDay.body, /dopo l’ultima giornata già chiusa/);
      const overlap = await change(ethical.id, 'approva', { dal: '01/03/2027', al: '31/03/2027' });
      assert.equal(overlap.statusCode, 422);
      assert.match(overlap.body, /vale già un’altra dieta approvata/);

      // Ending: not before the last frozen day, only earlier than an approved end.
      const early = await change(dietId, 'termina', { ultimo_giorno: THURSDAY });
      assert.equal(early.statusCode, 422);
      assert.match(early.body, /ultima giornata chiusa/);
      const impossible = await change(dietId, 'termina', { ultimo_giorno: '2027-02-29' });
      assert.equal(impossible.statusCode, 422);
      const ended = await change(dietId, 'termina', { ultimo_giorno: '28/02/2027' });
      assert.equal(ended.statusCode, 303);
      const row = await db().selectFrom('pupil_diet').selectAll().where('id', '=', dietId).executeTakeFirstOrThrow();
      assert.deepEqual([row.state, row.approved_to], ['terminata', '2027-02-28']);
      assert.equal((await events('office.diet.end')).filter((e) => e.subject_id === dietId).length, 1);
      // Now the ethical diet may follow it.
      assert.equal((await change(ethical.id, 'approva', { dal: '01/03/2027', al: '31/03/2027' })).statusCode, 303);

      // The list's and the sheet's filters.
      const badFilters = ['/demo/ufficio/diete?scuola=abc', '/demo/ufficio/diete?stato=tutte', '/demo/ufficio/diete?classe=%3Cscript%3E', '/demo/ufficio/diete?scuola=99999', '/demo/ufficio/diete?classe=4B&classe=5C'];
      for (const url of badFilters) assert.equal((await office.get(url)).statusCode, 422, url);
      // A NUL in an address is refused for every page by the input guard, before any route.
      assert.equal((await office.get('/demo/ufficio/diete?classe=4B%00')).statusCode, 400);
      for (const url of [`/demo/ufficio/diete/foglio?scuola=${pupil.schoolId}&data=2027-13-01`, `/demo/ufficio/diete/foglio?scuola=99999&data=${FRIDAY}`, '/demo/ufficio/diete/foglio?scuola=&data=']) {
        assert.equal((await office.get(url)).statusCode, 422, url);
      }
      const filtered = await office.get(`/demo/ufficio/diete?scuola=${pupil.schoolId}&classe=4B&stato=approvata`);
      assert.equal(filtered.statusCode, 200);
      assert.match(filtered.body, /Zanardi Viola/);
      assert.doesNotMatch(filtered.body, new RegExp(REASON), 'the list names diets, not reasons');
      const requested = await office.get(`/demo/ufficio/diete?scuola=${pupil.schoolId}&classe=4B&stato=respinta`);
      assert.match(requested.body, /Zanardi Viola/);
      assert.equal((await office.get('/demo/ufficio/diete/999999')).statusCode, 404);
      assert.equal((await office.get('/demo/ufficio/diete/alunni/999999')).statusCode, 404);
    });

    it('corrects a request or an approved diet from its version; an approved diet keeps its code, an ended one is not edited', async () => {
      const edit = (id: number, fields: Record<string, string>, version?: string) => change(id, 'modifica', fields, version);
      const ethical = await db().selectFrom('pupil_diet').selectAll().where('pupil_id', '=', pupil.pupilId).where('diet_code', '=', 'vegetariana').executeTakeFirstOrThrow();
      assert.equal(ethical.state, 'approvata');
      const base = { dieta: 'vegetariana', tipo: 'ethical', motivo: '', documento: '', dichiarazione_del: '15/01/2027' };
      const recoded = await edit(ethical.id, { ...base, dieta: 'senza-maiale' });
      assert.equal(recoded.statusCode, 422);
      assert.match(recoded.body, /non si cambiano la dieta/);
      const corrected = await edit(ethical.id, { ...base, motivo: 'Scelta della famiglia' });
      assert.equal(corrected.statusCode, 303);
      const row = await db().selectFrom('pupil_diet').selectAll().where('id', '=', ethical.id).executeTakeFirstOrThrow();
      assert.deepEqual([row.reason, row.diet_code, row.version], ['Scelta della famiglia', 'vegetariana', ethical.version + 1]);
      const audit = (await events('office.diet.edit')).filter((e) => e.subject_id === ethical.id);
      assert.equal(audit.length, 1);
      assert.deepEqual([JSON.parse(audit[0]!.before_json!).reason, JSON.parse(audit[0]!.after_json!).reason], ['', 'Scelta della famiglia']);
      const stale = await edit(ethical.id, { ...base, motivo: 'Altro' }, String(ethical.version));
      assert.equal(stale.statusCode, 409);
      const nul = await edit(ethical.id, { ...base, motivo: 'Scelta\u0000' });
      assert.equal(nul.statusCode, 422);
      // An ended diet's page offers no correction; a form sent anyway is refused.
      const endedVersion = (await db().selectFrom('pupil_diet').select('version').where('id', '=', dietId).executeTakeFirstOrThrow()).version;
      const ended = await edit(dietId, { dieta: 'senza-lattosio', tipo: 'medical', motivo: REASON, documento: String(certificateId), dichiarazione_del: '' }, String(endedVersion));
      assert.equal(ended.statusCode, 422);
      assert.match(ended.body, /non si corregge più/);

      // A medical request recorded without its certificate gets it by a correction, then is approved.
      assert.equal((await record({ dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia' })).statusCode, 303);
      const pending = await db().selectFrom('pupil_diet').select('id').where('pupil_id', '=', pupil.pupilId).where('state', '=', 'richiesta').executeTakeFirstOrThrow();
      const withCertificate = await edit(pending.id, { dieta: 'senza-glutine', tipo: 'medical', motivo: 'Celiachia', documento: String(certificateId), dichiarazione_del: '' });
      assert.equal(withCertificate.statusCode, 303);
      assert.equal((await change(pending.id, 'approva', { dal: '01/04/2027', al: '30/04/2027' })).statusCode, 303);
    });

    it('gives each day of the Refezione the menu of that day’s diet when the diet changes within the period', async () => {
      const parent = await buildPerson(db(), enteId, { birthDate: '1979-02-03' });
      const child = await buildPupil(db(), enteId, [{ person: parent, relation: 'intestatario' }], { givenName: 'Bice', familyName: 'Orsini' });
      await buildEnrolment(db(), enteId, child, parent);
      await buildApprovedDiet(db(), enteId, child, 'senza-glutine', '2026-09-14', '2027-01-25');
      await buildApprovedDiet(db(), enteId, child, 'vegetariana', '2027-01-26');
      const browser = new Browser(t.app);
      await browser.loginAs(parent, { returnTo: '/demo/' });
      const page = await browser.get(`/demo/refezione?utente=${child.pupilId}&dal=2027-01-25&al=2027-01-26`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Menù per la dieta: Senza glutine, dal 25\/01\/2027 al 25\/01\/2027/);
      assert.match(page.body, /Menù per la dieta: Vegetariana, dal 26\/01\/2027 al 26\/01\/2027/);
      // Monday's dishes are the gluten-free variants, Tuesday's are not.
      const rows = page.body.split('<tr').filter((row) => /2027<\/th>|\/2027</.test(row));
      const text = (day: string) => rows.find((row) => row.includes(day))?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') ?? '';
      assert.match(text('lunedì 25/01/2027'), /Pane comune senza glutine/);
      assert.match(text('martedì 26/01/2027'), /Pane comune \(Allergeni: cereali con glutine\)/);
    });

    it('audits the view of a diet with its reason', async () => {
      const page = await office.get(`/demo/ufficio/diete/${dietId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(REASON));
      const viewed = (await events('office.diet.view')).filter((e) => e.subject_id === dietId);
      assert.ok(viewed.length >= 1);
      assert.equal(viewed.at(-1)!.actor_fiscal_code, clerk.fiscalCode);
      assert.equal(viewed.at(-1)!.pupil_id, pupil.pupilId);
    });
  });
}
