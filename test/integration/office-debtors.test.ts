import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { strFromU8, unzipSync } from 'fflate';
import type { Ente, PupilRelation } from '../../src/db/schema';
import { addDays, daysBetween } from '../../src/domain/calendar/local-time';
import { DEBTOR_SORTS, type DebtorOrder, type DebtorRow } from '../../src/domain/debtors/debtors';
import type { OperatorContext } from '../../src/domain/operators/context';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildEnrolment, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { buildDocument, type DocumentSpec } from '../helpers/debtors';
import { pdfText } from '../helpers/pdf';

const NOW = '2027-02-10T10:00:00+01:00';
const TODAY = '2027-02-10';
const t = messages.officeDebtors;
const euro = messages.format.euro;

/** A random family: adults, pupils each with one intestatario (and maybe other adults), documents of every kind. */
interface FamilySpec {
  adults: number;
  /** `addressee`: the adult the documents were addressed to when billed — the intestatario then, maybe not now. */
  pupils: { intestatario: number; addressee: number; others: { adult: number; relation: PupilRelation }[]; school: number; documents: { transport: boolean; dueOffset: number; cents: number; state: DocumentSpec['state'] }[] }[];
}

const familySpec: fc.Arbitrary<FamilySpec> = fc.integer({ min: 1, max: 3 }).chain((adults) =>
  fc.record({
    adults: fc.constant(adults),
    pupils: fc.array(
      fc.record({
        intestatario: fc.nat({ max: adults - 1 }),
        addressee: fc.nat({ max: adults - 1 }),
        others: fc.array(fc.record({ adult: fc.nat({ max: adults - 1 }), relation: fc.constantFrom<PupilRelation>('cointestatario', 'delegato') }), { maxLength: 2 }),
        school: fc.nat({ max: 1 }),
        documents: fc.array(
          fc.record({
            transport: fc.boolean(),
            // From 500 days late to 60 days ahead; 0 is due today (not late yet), -1 is one day late.
            dueOffset: fc.oneof(fc.integer({ min: -500, max: 60 }), fc.constantFrom(0, -1, -30, -31, -90, -91, -365, -366)),
            cents: fc.integer({ min: 1, max: 99_999 }),
            state: fc.constantFrom<DocumentSpec['state']>('unpaid', 'unpaid', 'paid', 'cancelled', 'in_cart'),
          }),
          { maxLength: 5 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

for (const { engine, skip } of testEngines()) {
  describe(`the debtors list on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let context: OperatorContext;
    let schools: number[];
    const db = () => app.database.db;

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      schools = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).orderBy('id').execute()).map((s) => s.id);
      context = await app.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'debtors.read');
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    /** Writes a family as the spec says; returns its adults, its pupils with their intestatario, and each document's pupil. */
    async function buildFamilyOf(spec: FamilySpec) {
      const adults: BuiltPerson[] = [];
      for (let i = 0; i < spec.adults; i++) adults.push(await buildPerson(db(), enteId));
      const pupils: { pupil: BuiltPupil; intestatario: BuiltPerson }[] = [];
      const pupilOfDocument = new Map<number, number>();
      for (const p of spec.pupils) {
        const intestatario = adults[p.intestatario]!;
        const links = new Map<number, PupilRelation>([[intestatario.id, 'intestatario']]);
        for (const other of p.others) if (!links.has(adults[other.adult]!.id)) links.set(adults[other.adult]!.id, other.relation);
        const pupil = await buildPupil(db(), enteId, [...links].map(([id, relation]) => ({ person: adults.find((a) => a.id === id)!, relation })), { schoolId: schools[p.school % schools.length] });
        pupils.push({ pupil, intestatario });
        const enrolments = new Map<boolean, number>();
        for (const d of p.documents) {
          let enrolmentId = enrolments.get(d.transport);
          if (enrolmentId === undefined) {
            enrolmentId = await buildEnrolment(db(), enteId, pupil, adults[p.addressee]!, { serviceKind: d.transport ? 'trasporto' : 'refezione' });
            enrolments.set(d.transport, enrolmentId);
          }
          const id = await buildDocument(db(), enteId, { enrolmentId, dueDate: addDays(TODAY, d.dueOffset), totalCents: d.cents, state: d.state });
          pupilOfDocument.set(id, pupil.pupilId);
        }
      }
      return { adults, pupils, pupilOfDocument };
    }

    const rowOf = (rows: DebtorRow[], personId: number) => rows.find((r) => r.personId === personId);

    // Whoever a document was addressed to when billed, it is owed by the pupil's intestatario now, who is the one
    // to see it on the parents' page (decision 0026).
    it('gives each holder the overdue amount, to the cent, of the overdue documents they see in Pagamento dei servizi scolastici', async () => {
      const { debtors, payments } = app.app.services;
      let rowsChecked = 0;
      await fc.assert(
        fc.asyncProperty(familySpec, async (spec) => {
          const family = await buildFamilyOf(spec);
          const { rows } = await debtors.all(context, {}, { sort: 'scaduto', direction: 'desc' });
          let familyOverdue = 0;
          for (const adult of family.adults) {
            const own = new Set(family.pupils.filter((p) => p.intestatario.id === adult.id).map((p) => p.pupil.pupilId));
            const seen = family.pupils.filter((p) => p.intestatario.id === adult.id || spec.pupils[family.pupils.indexOf(p)]!.others.some((o) => family.adults[o.adult]!.id === adult.id));
            const row = rowOf(rows, adult.id);
            if (seen.length === 0) {
              assert.equal(row, undefined, 'an adult linked to no pupil is nobody’s debtor');
              continue;
            }
            // The parent's page, as the parent asks for it.
            const portal = await payments.unpaidDocuments(ente, { fiscalCode: adult.fiscalCode });
            const ownDocuments = portal.filter((d) => own.has(family.pupilOfDocument.get(d.id)!));
            const overdue = ownDocuments.filter((d) => d.overdue).reduce((sum, d) => sum + d.totalCents, 0);
            const notDue = ownDocuments.filter((d) => !d.overdue).reduce((sum, d) => sum + d.totalCents, 0);
            familyOverdue += overdue;
            if (own.size === seen.length) {
              // Linked only as intestatario: the row is exactly the parent's page.
              assert.equal(row?.overdueCents ?? 0, portal.filter((d) => d.overdue).reduce((sum, d) => sum + d.totalCents, 0));
            }
            if (overdue === 0) {
              assert.equal(row, undefined, 'nothing overdue: not a debtor');
              continue;
            }
            assert.ok(row, 'a holder with something overdue is listed');
            rowsChecked += 1;
            assert.equal(row.overdueCents, overdue);
            assert.equal(row.notDueCents, notDue);
            assert.equal(row.documents, ownDocuments.length);
            const ageing = [0, 0, 0, 0];
            for (const d of ownDocuments.filter((doc) => doc.overdue)) {
              const late = daysBetween(d.dueDate, TODAY);
              ageing[late <= 30 ? 0 : late <= 90 ? 1 : late <= 365 ? 2 : 3]! += d.totalCents;
            }
            assert.deepEqual(row.ageing, ageing, 'overdue by 1–30, 31–90, 91–365, over 365 days');
            assert.equal(row.lastReminder, null);
            const statement = await debtors.statement(context, adult.id);
            assert.equal(statement.overdueCents, row.overdueCents);
            assert.equal(statement.notDueCents, row.notDueCents);
            assert.deepEqual(statement.documents.map((d) => d.id).sort(), ownDocuments.map((d) => d.id).sort());
          }
          // Each document counts once, for its pupil's intestatario, whoever else sees it.
          const listed = family.adults.reduce((sum, adult) => sum + (rowOf(rows, adult.id)?.overdueCents ?? 0), 0);
          assert.equal(listed, familyOverdue);
        }),
        { numRuns: 40 },
      );
      assert.ok(rowsChecked >= 10, `the families made debtors to compare (${rowsChecked})`);
    });

    describe('pages, filters and files', () => {
      let holder: BuiltPerson;
      let pupil: BuiltPupil;
      let transportOnly: BuiltPerson;

      before(async () => {
        // A holder with two children: 12,34 € overdue 10 days, 100,00 € overdue 200 days (transport), 7,00 € due next week,
        // a paid and a cancelled document, and one in a pagoPA cart 40 days late (still owed).
        holder = await buildPerson(db(), enteId, { givenName: 'Ottavia', familyName: 'Morositti' });
        pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Pia', familyName: 'Morositti', schoolId: schools[0] });
        const sibling = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { givenName: 'Rocco', familyName: 'Morositti', schoolId: schools[1] });
        const canteen = await buildEnrolment(db(), enteId, pupil, holder);
        const transport = await buildEnrolment(db(), enteId, sibling, holder, { serviceKind: 'trasporto' });
        await buildDocument(db(), enteId, { enrolmentId: canteen, dueDate: addDays(TODAY, -10), totalCents: 1234, state: 'unpaid' });
        await buildDocument(db(), enteId, { enrolmentId: transport, dueDate: addDays(TODAY, -200), totalCents: 10_000, state: 'unpaid' });
        await buildDocument(db(), enteId, { enrolmentId: canteen, dueDate: addDays(TODAY, 7), totalCents: 700, state: 'unpaid' });
        await buildDocument(db(), enteId, { enrolmentId: canteen, dueDate: addDays(TODAY, -50), totalCents: 5000, state: 'paid' });
        await buildDocument(db(), enteId, { enrolmentId: canteen, dueDate: addDays(TODAY, -60), totalCents: 6000, state: 'cancelled' });
        await buildDocument(db(), enteId, { enrolmentId: canteen, dueDate: addDays(TODAY, -40), totalCents: 300, state: 'in_cart' });
        transportOnly = await buildPerson(db(), enteId, { givenName: 'Tullio', familyName: 'Morositti' });
        const child = await buildPupil(db(), enteId, [{ person: transportOnly, relation: 'intestatario' }], { schoolId: schools[1] });
        await buildDocument(db(), enteId, { enrolmentId: await buildEnrolment(db(), enteId, child, transportOnly, { serviceKind: 'trasporto' }), dueDate: addDays(TODAY, -400), totalCents: 999, state: 'unpaid' });
      });

      const rowHtml = (html: string, person: BuiltPerson) => {
        const start = html.indexOf(`/anagrafe/persone/${person.id}"`);
        return start < 0 ? undefined : html.slice(start, html.indexOf('</tr>', start));
      };

      it('lists the holder with overdue, not yet due, ageing and documents, linked to their registry page', async () => {
        const page = await office.get('/demo/ufficio/morosi');
        assert.equal(page.statusCode, 200);
        const row = rowHtml(page.body, holder);
        assert.ok(row, 'the holder is listed');
        assert.match(page.body, new RegExp(`href="/demo/ufficio/anagrafe/persone/${holder.id}">Morositti Ottavia</a>`));
        // 12,34 + 100,00 + 3,00 (in the cart) overdue; 7,00 not yet due; 1–30: 12,34; 31–90: 3,00; 91–365: 100,00.
        const amounts = [...row.matchAll(/<td[^>]*>(?:<strong>)?([^<]*€)/g)].map((match) => match[1]!.replace(/\s/g, ' '));
        assert.deepEqual(amounts, [euro(11_534), euro(700), euro(1234), euro(300), euro(10_000), euro(0)].map((a) => a.replace(/\s/g, ' ')));
        assert.match(row, /data-label="Documenti"[^>]*>4</);
        assert.match(row, /200 giorni/);
        assert.match(row, /data-label="Ultimo sollecito"[^>]*>nessuno</);
        assert.match(row, new RegExp(`/demo/ufficio/morosi/${holder.id}/estratto-conto.pdf`));
        assert.match(page.body, /aria-sort="descending"/);
      });

      it('filters by service, school, minimum amount and delay', async () => {
        const transport = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('kind', '=', 'trasporto').executeTakeFirstOrThrow()).id;
        const byService = await app.app.services.debtors.all(context, { serviceId: transport }, { sort: 'scaduto', direction: 'desc' });
        assert.equal(rowOf(byService.rows, holder.id)?.overdueCents, 10_000, 'only the transport documents count');
        const bySchool = await app.app.services.debtors.all(context, { schoolId: schools[0] }, { sort: 'scaduto', direction: 'desc' });
        assert.equal(rowOf(bySchool.rows, holder.id)?.overdueCents, 1534, 'only Pia’s documents count');
        assert.equal(rowOf(bySchool.rows, transportOnly.id), undefined);
        const page = await office.get(`/demo/ufficio/morosi?minimo=110,00`);
        assert.ok(rowHtml(page.body, holder), '115,34 € ≥ 110,00 €');
        assert.equal(rowHtml(page.body, transportOnly), undefined, '9,99 € < 110,00 €');
        const late = await office.get(`/demo/ufficio/morosi?ritardo=366`);
        assert.equal(rowHtml(late.body, holder), undefined, 'nothing of hers is over a year late');
        assert.ok(rowHtml(late.body, transportOnly), '400 days late');
        const page2 = await office.get(`/demo/ufficio/morosi?servizio=${transport}&scuola=${schools[1]}`);
        assert.equal(page2.statusCode, 200);
        assert.match(rowHtml(page2.body, holder) ?? '', new RegExp(euro(10_000).replace(/\s/g, '\\s')));
      });

      it('refuses a wrong filter with 422 and an Italian message, the input kept', async () => {
        for (const query of ['minimo=dieci', 'minimo=99999999999', 'servizio=abc', 'ritardo=7', 'ordina=cf', 'verso=su', `minimo=${'9'.repeat(600)}`, 'minimo=1&minimo=2']) {
          const page = await office.get(`/demo/ufficio/morosi?${query}`);
          assert.equal(page.statusCode, 422, query);
          assert.match(page.body, /Correggi questi campi/, query);
        }
        // Control characters in an address are refused by the app before any route (400), as everywhere.
        for (const query of ['minimo=5%00', 'scuola=1%01']) assert.equal((await office.get(`/demo/ufficio/morosi?${query}`)).statusCode, 400, query);
        const page = await office.get('/demo/ufficio/morosi?minimo=dieci');
        assert.ok(page.body.includes(t.problems.euroInvalid!));
        assert.match(page.body, /value="dieci"/);
        const csv = await office.get('/demo/ufficio/morosi.csv?minimo=dieci');
        assert.equal(csv.statusCode, 422, 'the export refuses what the page refuses');
      });

      it('sorts by each column both ways and pages through the same rows as the export, none twice', async () => {
        // Enough holders for two pages: 60 more, with amounts that tie in pairs.
        for (let i = 0; i < 60; i++) {
          const person = await buildPerson(db(), enteId);
          const child = await buildPupil(db(), enteId, [{ person, relation: 'intestatario' }]);
          await buildDocument(db(), enteId, { enrolmentId: await buildEnrolment(db(), enteId, child, person), dueDate: addDays(TODAY, -1 - (i % 7)), totalCents: 100 * (1 + Math.floor(i / 2)), state: 'unpaid' });
        }
        for (const sort of DEBTOR_SORTS) {
          for (const direction of ['asc', 'desc'] as const) {
            const order: DebtorOrder = { sort, direction };
            const all = (await app.app.services.debtors.all(context, {}, order)).rows.map((r) => r.personId);
            const paged: number[] = [];
            let cursor: string | undefined;
            do {
              const page = await app.app.services.debtors.page(context, {}, order, cursor);
              paged.push(...page.rows.map((r) => r.personId));
              cursor = page.next;
            } while (cursor);
            assert.ok(all.length > 60);
            assert.deepEqual(paged, all, `${sort} ${direction}`);
          }
        }
        const byAmount = (await app.app.services.debtors.all(context, {}, { sort: 'scaduto', direction: 'asc' })).rows;
        for (let i = 1; i < byAmount.length; i++) assert.ok(byAmount[i - 1]!.overdueCents <= byAmount[i]!.overdueCents);
        const page = await office.get('/demo/ufficio/morosi?ordina=nome&verso=asc');
        assert.match(page.body, /<th scope="col" aria-sort="ascending"><span class="d-md-none">Intestatario<\/span><a href="\/demo\/ufficio\/morosi\?ordina=nome&amp;verso=desc"/);
        assert.match(page.body, /<option value="nome" selected>/, 'the order in the form too, for phones');
        const next = /href="(\/demo\/ufficio\/morosi\?[^"]*dopo=[^"]+)"/.exec(page.body)?.[1];
        assert.ok(next, 'a link to the next page');
        const second = await office.get(next.replace(/&amp;/g, '&'));
        assert.equal(second.statusCode, 200);
        assert.match(second.body, /Prima pagina/);
      });

      it('exports the same rows as CSV and XLSX, with the filters', async () => {
        const csv = await office.get('/demo/ufficio/morosi.csv?minimo=110');
        assert.equal(csv.statusCode, 200);
        assert.match(String(csv.headers['content-type']), /text\/csv/);
        assert.match(String(csv.headers['content-disposition']), /morosi-2027-02-10\.csv/);
        const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
        assert.equal(lines[0], 'codice_fiscale;cognome;nome;scaduto;a_scadere;scaduto_fino_trenta_giorni;scaduto_fino_novanta_giorni;scaduto_fino_un_anno;scaduto_oltre_un_anno;documenti;scadenza_piu_vecchia;giorni_ritardo;ultimo_sollecito');
        assert.ok(lines.includes(`"${holder.fiscalCode}";"Morositti";"Ottavia";115,34;7,00;12,34;3,00;100,00;0,00;4;"${addDays(TODAY, -200)}";200;""`), lines.join('\n'));
        assert.ok(!lines.some((l) => l.includes(transportOnly.fiscalCode)));
        const xlsx = await office.get('/demo/ufficio/morosi.xlsx?minimo=110');
        assert.equal(xlsx.statusCode, 200);
        const sheet = strFromU8(unzipSync(xlsx.rawPayload)['xl/worksheets/sheet1.xml']!);
        assert.match(sheet, new RegExp(holder.fiscalCode));
        assert.match(sheet, /<v>115\.34<\/v>/);
        assert.equal(sheet.match(/<row /g)!.length, lines.length, 'the same rows as the CSV');
      });

      it('gives a holder’s statement across pupils as a PDF that reads back with the same totals', async () => {
        const response = await office.get(`/demo/ufficio/morosi/${holder.id}/estratto-conto.pdf`);
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['content-type'], 'application/pdf');
        const text = pdfText(response.rawPayload).replace(/\s+/g, ' ');
        assert.match(text, /Estratto conto dei documenti aperti/);
        assert.match(text, /Ottavia Morositti/);
        assert.match(text, new RegExp(holder.fiscalCode));
        assert.match(text, /Pia Morositti/);
        assert.match(text, /Rocco Morositti/);
        assert.match(text, /200 giorni/);
        assert.match(text, /a scadere/);
        assert.match(text, new RegExp(`Totale scaduto ${euro(11_534).replace(/\s/g, ' ')}`));
        assert.match(text, new RegExp(`Totale a scadere ${euro(700).replace(/\s/g, ' ')}`));
        assert.doesNotMatch(text, /50,00|60,00/, 'paid and cancelled documents are not listed');
        // A person who is no intestatario, an id that is nobody, and rubbish: the same 404.
        const child = await db().selectFrom('pupil').select('person_id').where('id', '=', pupil.pupilId).executeTakeFirstOrThrow();
        for (const id of [String(child.person_id), '999999999', 'abc', '1e3']) {
          assert.equal((await office.get(`/demo/ufficio/morosi/${id}/estratto-conto.pdf`)).statusCode, 404, id);
        }
      });

      it('shows the day of the holder’s latest reminder once the reminders have run, in the page and the export', async () => {
        const ente = context.ente;
        await app.app.services.reminders.runDay(ente, TODAY);
        const sent = await db().selectFrom('reminder').select(['run_date', 'step']).where('holder_person_id', '=', holder.id).execute();
        assert.ok(sent.length > 0, 'the 200-day-old document got its first reminder');
        const { rows } = await app.app.services.debtors.all(context, {}, { sort: 'scaduto', direction: 'desc' });
        assert.equal(rowOf(rows, holder.id)?.lastReminder, TODAY);
        const row = rowHtml((await office.get('/demo/ufficio/morosi')).body, holder)!;
        assert.match(row, /data-label="Ultimo sollecito"[^>]*>10\/02\/2027</);
        const csv = await office.get('/demo/ufficio/morosi.csv');
        const line = csv.body.split('\r\n').find((l) => l.includes('"Ottavia"') || l.includes('Morositti";"Ottavia') || (l.includes('Morositti') && l.includes('Ottavia')))!;
        assert.match(line, /2027-02-10/);
      });

      it('is the office’s: the kitchen and parents are refused, another ente’s holder is not found', async () => {
        const kitchen = new Browser(app.app);
        await kitchen.login(LUCA, { returnTo: '/demo/ufficio/' });
        for (const path of ['/demo/ufficio/morosi', '/demo/ufficio/morosi.csv', '/demo/ufficio/morosi.xlsx', `/demo/ufficio/morosi/${holder.id}/estratto-conto.pdf`]) {
          assert.equal((await kitchen.get(path)).statusCode, 403, path);
        }
        const parent = new Browser(app.app);
        await parent.loginAs(holder, { returnTo: '/demo/' });
        assert.equal((await parent.get('/demo/ufficio/morosi')).statusCode, 403);
        // Marco is operatore of unione-colline: Ottavia is a holder of demo, not of that ente.
        assert.equal((await office.get(`/unione-colline/ufficio/morosi/${holder.id}/estratto-conto.pdf`)).statusCode, 404);
        const other = await office.get('/unione-colline/ufficio/morosi');
        assert.equal(other.statusCode, 200);
        assert.equal(rowHtml(other.body, holder), undefined);
      });
    });
  });
}
