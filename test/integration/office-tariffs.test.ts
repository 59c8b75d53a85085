import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ente } from '../../src/db/schema';
import { addDays } from '../../src/domain/calendar/local-time';
import { resolvePrice } from '../../src/domain/tariffs/resolution';
import { it as messages } from '../../src/web/i18n/it';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, buildPerson, buildPupil, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

/** February 2027: January is over, so it can be billed; nothing is frozen until the test freezes it. */
const NOW = '2027-02-10T10:00:00+01:00';
/** The day the new price of band B applies from. */
const D = '2027-01-15';
const t = messages.officeTariffs;

for (const { engine, skip } of testEngines()) {
  describe(`tariffs in the office on ${engine}`, { skip }, () => {
    let app: TestApp;
    let ente: Ente;
    let enteId: number;
    let office: Browser;
    let postpaidId: number;
    let yearId: number;
    let bandB: number;
    let enrolmentId: number;
    const db = () => app.database.db;
    const tariffRows = async () => db().selectFrom('tariff').selectAll().where('ente_id', '=', enteId).orderBy('id').execute();

    before(async () => {
      app = await startTestApp(engine, { FAKE_NOW: NOW });
      enteId = await enteIdOf(db());
      ente = (await db().selectFrom('ente').selectAll().where('id', '=', enteId).executeTakeFirstOrThrow()) as Ente;
      postpaidId = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('kind', '=', 'refezione').where('billing', '=', 'postpaid').executeTakeFirstOrThrow()).id;
      yearId = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2026/2027').executeTakeFirstOrThrow()).id;
      bandB = (await db().selectFrom('tariff').select('id').where('service_id', '=', postpaidId).where('school_year_id', '=', yearId).where('band_code', '=', 'B').executeTakeFirstOrThrow()).id;
      // One family, one child in the postpaid canteen at band B (3,20 € a meal), from the start of the year.
      const holder = await buildPerson(db(), enteId, { birthDate: '1980-04-04' });
      const pupil = await buildPupil(db(), enteId, [{ person: holder, relation: 'intestatario' }], { familyName: holder.familyName });
      enrolmentId = (
        await db()
          .insertInto('enrolment')
          .values({
            ente_id: enteId, pupil_id: pupil.pupilId, service_id: postpaidId, school_year_id: yearId, school_id: pupil.schoolId, holder_person_id: holder.id,
            tariff_id: bandB, state: 'attiva', starts_on: '2026-09-14', ends_on: null, payment_mode: 'pagopa', debit_iban: null,
            invoice_recipient: `${holder.givenName} ${holder.familyName}`, invoice_address: 'Via della Prova 1, 00100 Roma (RM)', invoice_email: null,
            reduction_note: null, created_at: '2026-09-01T08:00:00Z',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      office = new Browser(app.app);
      await office.login(MARCO, { returnTo: '/demo/ufficio/' });
    });
    after(async () => {
      await app?.close();
    });

    async function freezeAndCharge(from: string, to: string) {
      for (let day = from; day <= to; day = addDays(day, 1)) {
        await app.app.services.freeze.freezeDay(ente, day);
        await app.app.services.charging.chargeDay(ente, day);
      }
    }

    async function csrf(path: string) {
      const page = await office.get(path);
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      return office.csrfFrom(page.body);
    }

    const bandPath = (id: number) => `/demo/ufficio/tariffe/fasce/${id}`;

    it('shows the tariff table of a service and year with each band’s price in force', async () => {
      const page = await office.get(`/demo/ufficio/tariffe?servizio=${postpaidId}&anno=${yearId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Fascia B — ISEE da 6\.000,01 a 12\.000,00 €/);
      assert.match(page.body, /3,20\s€ a pasto/);
      assert.match(page.body, /Non residenti/);
      assert.match(page.body, /secondo figlio 20%, terzo e successivi 30%/);
    });

    it('a price change from D: charges before D keep the old price, from D the new one; the month straddling D is billed to the cent', async () => {
      await freezeAndCharge('2027-01-01', addDays(D, -1));

      // A change dated on a day already charged is refused, and nothing is written.
      const rowsBefore = await tariffRows();
      const refused = await office.post(bandPath(bandB), { _csrf: await csrf(bandPath(bandB)), dal: '10/01/2027', importo: '3,50' });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, new RegExp(t.problems.dateNotAfterCharged.slice(0, 40).replace(/[()]/g, '.')));
      assert.deepEqual(await tariffRows(), rowsBefore);

      const saved = await office.post(bandPath(bandB), { _csrf: await csrf(bandPath(bandB)), dal: '15/01/2027', importo: '3,50' });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
      const rows = await tariffRows();
      assert.equal(rows.length, rowsBefore.length + 1, 'a change is one new row');
      assert.deepEqual(rows.slice(0, rowsBefore.length), rowsBefore, 'no existing price is rewritten');
      const change = rows.at(-1)!;
      assert.equal(change.band_code, 'B');
      assert.equal(change.valid_from, D);
      assert.equal(change.amount_cents, 350);

      // Every change is audited with the price before and after.
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.tariff.price.change').executeTakeFirstOrThrow();
      assert.equal(event.actor_fiscal_code, MARCO);
      assert.equal(event.subject_id, bandB);
      assert.deepEqual(JSON.parse(event.before_json!), { valid_from: '2026-09-14', amount_cents: 320, tariff_id: bandB });
      assert.deepEqual(JSON.parse(event.after_json!), { valid_from: D, amount_cents: 350, tariff_id: change.id });

      // The history shows both prices with their dates.
      const history = await office.get(`${bandPath(bandB)}?fatto=prezzo`);
      assert.match(history.body, /15\/01\/2027/);
      assert.match(history.body, /3,20\s€ a pasto/);
      assert.match(history.body, /3,50\s€ a pasto/);
      assert.match(history.body, new RegExp(t.saved.price.slice(0, 20)));

      // A second change from the same day is refused.
      const again = await office.post(bandPath(bandB), { _csrf: await csrf(bandPath(bandB)), dal: '15/01/2027', importo: '3,60' });
      assert.equal(again.statusCode, 422);

      // An exemption of 50% from the 25th, added in the office.
      const exemptionsPath = `/demo/ufficio/tariffe/iscrizioni/${enrolmentId}/esenzioni`;
      const added = await office.post(exemptionsPath, { _csrf: await csrf(exemptionsPath), percentuale: '50', motivo: 'Servizi sociali, pratica 12', dal: '25/01/2027', al: '' });
      assert.equal(added.statusCode, 303, added.body.slice(0, 500));

      await freezeAndCharge(D, '2027-01-31');
      const charges = await db().selectFrom('charge').selectAll().where('enrolment_id', '=', enrolmentId).orderBy('date').execute();
      const before = charges.filter((c) => c.date < D);
      const fromD = charges.filter((c) => c.date >= D);
      assert.ok(before.length > 0 && fromD.length > 0, 'meals on both sides of D');
      for (const c of before) assert.equal(c.unit_price_cents, 320, `${c.date} keeps the old price`);
      for (const c of fromD) assert.equal(c.unit_price_cents, 350, `${c.date} has the new price`);
      for (const c of charges) assert.equal(c.exemption_cents, c.date >= '2027-01-25' ? 175 : 0, `${c.date} exemption`);

      // The billing's preview of the month, read-only, is what the run then makes, document by document.
      const chargesBefore = (await db().selectFrom('charge').select('id').execute()).length;
      const preview = await app.app.services.billing.previewMonth(ente, '2027-01');
      assert.equal((await db().selectFrom('charge').select('id').execute()).length, chargesBefore, 'the preview writes no fee');
      assert.equal((await db().selectFrom('document').select('id').where('period', '=', '2027-01').execute()).length, 0);

      const billed = await app.app.services.billing.billMonth(ente, '2027-01');
      assert.equal(billed.status, 'billed');
      const document = await db().selectFrom('document').selectAll().where('enrolment_id', '=', enrolmentId).where('period', '=', '2027-01').executeTakeFirstOrThrow();
      const lines = await db().selectFrom('document_line').selectAll().where('document_id', '=', document.id).orderBy('position').execute();
      const exempted = charges.filter((c) => c.date >= '2027-01-25').length;
      // Meal lines are per unit price (and per reduction, so the exempted days have their own line).
      const meals = new Map<number, { quantity: number; amount: number }>();
      for (const line of lines.filter((l) => l.kind === 'meal')) {
        const sum = meals.get(line.unit_price_cents) ?? { quantity: 0, amount: 0 };
        meals.set(line.unit_price_cents, { quantity: sum.quantity + line.quantity, amount: sum.amount + line.amount_cents });
        assert.match(line.description, /^Pasti di gennaio 2027 — Fascia B/);
      }
      assert.deepEqual(Object.fromEntries(meals), {
        350: { quantity: fromD.length, amount: fromD.length * 350 },
        320: { quantity: before.length, amount: before.length * 320 },
      });
      const exemptionLines = lines.filter((l) => l.kind === 'exemption');
      assert.deepEqual(exemptionLines.map((l) => [l.quantity, l.unit_price_cents]), [[exempted, -175]]);
      assert.equal(document.total_cents, before.length * 320 + fromD.length * 350 - exempted * 175);
      assert.equal(document.total_cents, charges.reduce((sum, c) => sum + c.amount_cents, 0), 'the document bills exactly the charges');

      const made = await db()
        .selectFrom('document as d')
        .leftJoin('document_line as l', 'l.document_id', 'd.id')
        .select(['d.enrolment_id', 'd.total_cents', (eb) => eb.fn.count<number>('l.position').as('lines')])
        .where('d.ente_id', '=', enteId)
        .where('d.period', '=', '2027-01')
        .groupBy(['d.enrolment_id', 'd.total_cents'])
        .execute();
      assert.ok(made.length > 1);
      assert.deepEqual(
        preview.map((p) => [p.enrolmentId, p.totalCents, p.lines]).sort((a, b) => a[0]! - b[0]!),
        made.map((d) => [d.enrolment_id, d.total_cents, Number(d.lines)]).sort((a, b) => a[0]! - b[0]!),
      );

      // The run's log shows it with its total.
      const run = await db().selectFrom('billing_run').selectAll().where('ente_id', '=', enteId).where('period', '=', '2027-01').executeTakeFirstOrThrow();
      const monthTotal = await db().selectFrom('document').select((eb) => eb.fn.sum<number>('total_cents').as('s')).where('ente_id', '=', enteId).where('period', '=', '2027-01').where('kind', '=', 'documento').executeTakeFirstOrThrow();
      assert.equal(run.total_cents, Number(monthTotal.s));
      const billingPage = await office.get('/demo/ufficio/fatturazione');
      assert.equal(billingPage.statusCode, 200);
      assert.match(billingPage.body, /gennaio 2027/);
      assert.match(billingPage.body, new RegExp(`>${run.documents}<`));
    });

    it('shows before the month closes what its billing would make so far, per service and school, writing nothing', async () => {
      await freezeAndCharge('2027-02-01', '2027-02-09');
      const counts = async () => [
        (await db().selectFrom('charge').select('id').execute()).length,
        (await db().selectFrom('document').select('id').execute()).length,
        (await db().selectFrom('billing_run').select('period').execute()).length,
      ];
      const before = await counts();
      const page = await office.get('/demo/ufficio/fatturazione');
      assert.equal(page.statusCode, 200);
      assert.deepEqual(await counts(), before, 'read-only');
      const expected = await app.app.services.billing.previewMonth(ente, '2027-02');
      const total = expected.reduce((sum, d) => sum + d.totalCents, 0);
      assert.ok(expected.length > 0 && total > 0);
      assert.match(page.body, /Anteprima di febbraio 2027/);
      assert.match(page.body, /Giorni addebitati finora: 9, fino al 09\/02\/2027/);
      // The total row: every document, every line, the total to the cent.
      const euro = new Intl.NumberFormat('it-IT', { style: 'currency', currency: 'EUR' }).format(total / 100);
      const totalRow = /<tr><th scope="row" data-label="Servizio">Totale<\/th>(.*?)<\/tr>/.exec(page.body)?.[1] ?? '';
      assert.ok(totalRow.includes(`>${expected.length}<`), totalRow);
      assert.ok(totalRow.includes(`>${expected.reduce((sum, d) => sum + d.lines, 0)}<`), totalRow);
      assert.ok(totalRow.includes(euro), `${totalRow} has ${euro}`);
      // Our family's child is in it: its meals so far at 3,50 €, with the 50% exemption.
      const ours = expected.find((d) => d.enrolmentId === enrolmentId)!;
      const charged = await db().selectFrom('charge').select('amount_cents').where('enrolment_id', '=', enrolmentId).where('date', '>=', '2027-02-01').execute();
      assert.equal(ours.totalCents, charged.reduce((sum, c) => sum + c.amount_cents, 0));
    });

    it('previews what a family would pay with the charging’s own rules, to the cent', async () => {
      const query = (fields: Record<string, string>) =>
        `/demo/ufficio/tariffe/anteprima?${new URLSearchParams({ servizio: String(postpaidId), anno: String(yearId), residente: 'si', isee: '', figlio: '1', esenzione: '', data: '', ...fields })}`;
      const totalOf = (body: string) => /data-testid="preview-total">([^<]+)</.exec(body)?.[1]?.replace(/\s/g, ' ');
      // 8.500 € is band B; on 20/01 the price is the new one, 3,50 €.
      const first = await office.get(query({ isee: '8.500', data: '20/01/2027' }));
      assert.equal(first.statusCode, 200);
      assert.match(first.body, /Fascia B/);
      assert.equal(totalOf(first.body), '3,50 €');
      // Before D the old one.
      assert.equal(totalOf((await office.get(query({ isee: '8.500', data: '14/01/2027' }))).body), '3,20 €');
      // Second child: 20% off 3,50 = 2,80; with a 50% exemption on what remains: 1,40.
      assert.equal(totalOf((await office.get(query({ isee: '8.500', data: '20/01/2027', figlio: '2' }))).body), '2,80 €');
      assert.equal(totalOf((await office.get(query({ isee: '8.500', data: '20/01/2027', figlio: '2', esenzione: '50' }))).body), '1,40 €');
      // Third child with 12,5%: 30% off 3,50 = 1,05 → 2,45; 12,5% of 2,45 = 30,625 c → 31 c → 2,14 (as resolvePrice).
      const expected = resolvePrice({
        bandPrices: [{ id: 1, bandCode: 'B', bandLabel: 'B', unit: 'pasto', amountCents: 350, validFrom: null }],
        date: '2027-01-20', childRank: 3, siblingRules: [{ childRank: 2, percentBp: 2000 }, { childRank: 3, percentBp: 3000 }],
        exemptions: [{ percentBp: 1250, validFrom: '2027-01-20', validTo: null }],
      });
      assert.equal(expected.amountCents, 214);
      assert.equal(totalOf((await office.get(query({ isee: '8.500', data: '20/01/2027', figlio: '3', esenzione: '12,5' }))).body), '2,14 €');
      // A non-resident pays the non-residents' band whatever the ISEE; no ISEE is the top band.
      const nonResident = await office.get(query({ residente: 'no', isee: '3.000' }));
      assert.match(nonResident.body, /Non residenti/);
      assert.equal(totalOf(nonResident.body), '5,50 €');
      assert.match((await office.get(query({}))).body, /Fascia D/);
      // Bad input: 422 with the problem under the field, nothing computed.
      const bad = await office.get(query({ isee: '12abc', esenzione: '150', data: '31/02/2027' }));
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, new RegExp(t.problems.iseeInvalid.slice(0, 25)));
      assert.doesNotMatch(bad.body, /preview-total/);
    });

    it('changes the sibling reductions from a date, audited, and refuses a date already charged', async () => {
      const path = `/demo/ufficio/tariffe/riduzioni?servizio=${postpaidId}&anno=${yearId}`;
      const count = async () => (await db().selectFrom('sibling_reduction').select('child_rank').where('ente_id', '=', enteId).execute()).length;
      const before = await count();
      const refused = await office.post(path, { _csrf: await csrf(path), dal: '20/01/2027', secondo: '25', terzo: '40' });
      assert.equal(refused.statusCode, 422, 'January is charged');
      const saved = await office.post(path, { _csrf: await csrf(path), dal: '01/03/2027', secondo: '25', terzo: '40' });
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
      assert.equal(await count(), before + 2);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.tariff.siblings.change').executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(event.before_json!), { valid_from: '2026-09-14', second_bp: 2000, third_bp: 3000 });
      assert.deepEqual(JSON.parse(event.after_json!), { valid_from: '2027-03-01', second_bp: 2500, third_bp: 4000 });
      // The charging's context reads them by day: 20% in February, 25% from March.
      const preview = async (data: string) =>
        (await office.get(`/demo/ufficio/tariffe/anteprima?servizio=${postpaidId}&anno=${yearId}&residente=si&isee=8500&figlio=2&esenzione=&data=${data}`)).body;
      assert.match(await preview('2027-02-26'), /2,80\s€/);
      // 25% of 3,50 € is 87,5 c, rounded half up to 88 c.
      assert.match(await preview('2027-03-01'), /2,62\s€/);
    });

    it('adds a band; refuses overlapping ranges, reversed ranges, huge numbers, NUL; nothing written on a refusal', async () => {
      const path = '/demo/ufficio/tariffe/fasce/nuova';
      const form = async (fields: Record<string, string>) => ({
        _csrf: await csrf(`${path}?servizio=${postpaidId}&anno=${yearId}`),
        servizio: String(postpaidId), anno: String(yearId), codice: 'E', etichetta: 'Fascia E — ISEE oltre 40.000 €', residenti: 'si',
        isee_da: '40.000,01', isee_a: '', unita: 'pasto', importo: '6,00', ...fields,
      });
      const before = await tariffRows();
      const cases: [Record<string, string>, string, string][] = [
        [{}, 'isee_da', t.problems.bandsOverlap], // D is "oltre 20.000" with no upper limit
        [{ isee_da: '50.000', isee_a: '45.000' }, 'isee_a', t.problems.rangeReversed],
        [{ importo: '99999999' }, 'importo', t.problems.euroInvalid],
        [{ importo: '1e9' }, 'importo', t.problems.euroInvalid],
        [{ etichetta: 'Fascia\u0000E' }, 'etichetta', messages.forms.problems.controlCharacters],
        [{ codice: 'B' }, 'codice', t.problems.bandCodeTaken],
        [{ codice: 'E F' }, 'codice', t.problems.codeInvalid],
        [{ residenti: 'no', isee_da: '', codice: 'NR2' }, 'residenti', t.problems.nonResidentBandExists],
        [{ unita: 'mese', isee_da: '0', isee_a: '1', codice: 'Z' }, 'isee_da', t.problems.bandsOverlap],
      ];
      for (const [fields, field, text] of cases) {
        const response = await office.post(path, await form(fields));
        assert.equal(response.statusCode, 422, JSON.stringify(fields));
        assert.match(response.body, new RegExp(`id="${field}-problem"`), JSON.stringify(fields));
        assert.ok(response.body.includes(text.replace(/'/g, '&#39;').slice(0, 30)) || response.body.includes(text.slice(0, 30)), `${JSON.stringify(fields)}: ${text}`);
      }
      assert.deepEqual(await tariffRows(), before, 'nothing written');
      // A service and year without bands takes its first.
      const transport = (await db().selectFrom('service').select('id').where('ente_id', '=', enteId).where('kind', '=', 'trasporto').executeTakeFirstOrThrow()).id;
      const previousYear = (await db().selectFrom('school_year').select('id').where('ente_id', '=', enteId).where('label', '=', '2025/2026').executeTakeFirstOrThrow()).id;
      const created = await office.post(path, await form({ servizio: String(transport), anno: String(previousYear), codice: 'A', isee_da: '0', isee_a: '10.000', unita: 'mese', importo: '25' }));
      assert.equal(created.statusCode, 303, created.body.slice(0, 800));
      const band = (await tariffRows()).at(-1)!;
      assert.deepEqual(
        { code: band.band_code, min: band.isee_min_cents, max: band.isee_max_cents, unit: band.unit, amount: band.amount_cents, from: band.valid_from },
        { code: 'A', min: 0, max: 1_000_000, unit: 'mese', amount: 2500, from: null },
      );
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.tariff.band.create').executeTakeFirstOrThrow();
      assert.equal(event.before_json, null);
      assert.match(event.after_json!, /"amount_cents":2500/);
    });

    it('refuses bad price changes with 422 and writes nothing: NUL, huge numbers, impossible dates, outside the year', async () => {
      const before = await tariffRows();
      const cases: [Record<string, string>, string][] = [
        [{ dal: '01/03/2027', importo: '3\u0000,50' }, 'importo'],
        [{ dal: '01/03/2027', importo: '1000000' }, 'importo'],
        [{ dal: '01/03/2027', importo: '-3' }, 'importo'],
        [{ dal: '30/02/2027', importo: '3,70' }, 'dal'],
        [{ dal: '01/07/2027', importo: '3,70' }, 'dal'],
        [{ dal: '01/03/2027', importo: '3,50' }, 'importo'],
      ];
      for (const [fields, field] of cases) {
        const response = await office.post(bandPath(bandB), { _csrf: await csrf(bandPath(bandB)), ...fields });
        assert.equal(response.statusCode, 422, JSON.stringify(fields));
        assert.match(response.body, new RegExp(`id="${field}-problem"`), JSON.stringify(fields));
      }
      assert.deepEqual(await tariffRows(), before);
    });

    it('withdraws a scheduled price change before its day, audited; never one already in force', async () => {
      const saved = await office.post(bandPath(bandB), { _csrf: await csrf(bandPath(bandB)), dal: '01/04/2027', importo: '37,00' });
      assert.equal(saved.statusCode, 303);
      const scheduled = (await tariffRows()).at(-1)!;
      assert.equal(scheduled.valid_from, '2027-04-01');
      const inForce = (await tariffRows()).find((r) => r.band_code === 'B' && r.service_id === postpaidId && r.valid_from === D)!;
      const before = await tariffRows();
      const refused = await office.post(`${bandPath(bandB)}/annulla`, { _csrf: await csrf(bandPath(bandB)), modifica: String(inForce.id) });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, new RegExp(t.problems.notScheduled.slice(0, 30)));
      const bad = await office.post(`${bandPath(bandB)}/annulla`, { _csrf: await csrf(bandPath(bandB)), modifica: '99999999999' });
      assert.equal(bad.statusCode, 422);
      assert.deepEqual(await tariffRows(), before);
      const withdrawn = await office.post(`${bandPath(bandB)}/annulla`, { _csrf: await csrf(bandPath(bandB)), modifica: String(scheduled.id) });
      assert.equal(withdrawn.statusCode, 303, withdrawn.body.slice(0, 500));
      assert.equal((await tariffRows()).some((r) => r.id === scheduled.id), false);
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.tariff.price.withdraw').executeTakeFirstOrThrow();
      assert.match(event.before_json!, /"amount_cents":3700/);
      assert.equal(event.after_json, null);
    });

    it('lists, adds and ends exemptions; a bad one is refused and nothing written; the end is audited', async () => {
      const path = `/demo/ufficio/tariffe/iscrizioni/${enrolmentId}/esenzioni`;
      const rows = async () => db().selectFrom('tariff_exemption').selectAll().where('enrolment_id', '=', enrolmentId).orderBy('id').execute();
      const before = await rows();
      for (const fields of [
        { percentuale: '50', motivo: 'ok motivo', dal: '10/03/2027', al: '01/03/2027' },
        { percentuale: '0', motivo: 'ok motivo', dal: '10/03/2027', al: '' },
        { percentuale: '50', motivo: 'x\u0000y', dal: '10/03/2027', al: '' },
        { percentuale: '50', motivo: 'ok motivo', dal: '20/01/2027', al: '' },
      ]) {
        const response = await office.post(path, { _csrf: await csrf(path), ...fields });
        assert.equal(response.statusCode, 422, JSON.stringify(fields));
      }
      assert.deepEqual(await rows(), before);

      const page = await office.get(path);
      assert.match(page.body, /Servizi sociali, pratica 12/);
      const exemption = before[0]!;
      // Ending it on a day already charged would change charged days: refused.
      const early = await office.post(`${path}/${exemption.id}/termina`, { _csrf: office.csrfFrom(page.body), ultimo_giorno: '27/01/2027', valido_al: '' });
      assert.equal(early.statusCode, 422);
      const ended = await office.post(`${path}/${exemption.id}/termina`, { _csrf: office.csrfFrom(page.body), ultimo_giorno: '28/02/2027', valido_al: '' });
      assert.equal(ended.statusCode, 303, ended.body.slice(0, 500));
      assert.equal((await rows())[0]!.valid_to, '2027-02-28');
      // The same form again (made when it had no end) is a conflict, not an overwrite.
      const stale = await office.post(`${path}/${exemption.id}/termina`, { _csrf: office.csrfFrom(page.body), ultimo_giorno: '20/02/2027', valido_al: '' });
      assert.equal(stale.statusCode, 409);
      assert.equal((await rows())[0]!.valid_to, '2027-02-28');
      const event = await db().selectFrom('audit_event').selectAll().where('action', '=', 'office.exemption.end').executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(event.before_json!), { valid_to: null });
      assert.deepEqual(JSON.parse(event.after_json!), { valid_to: '2027-02-28' });
      assert.equal(event.pupil_id, (await db().selectFrom('enrolment').select('pupil_id').where('id', '=', enrolmentId).executeTakeFirstOrThrow()).pupil_id);
    });

    it('lets only the roles with the permission in', async () => {
      const kitchen = await buildOperator(db(), enteId, 'cucina');
      const cook = new Browser(app.app);
      await cook.loginAs(kitchen, { returnTo: '/demo/ufficio/' });
      assert.equal((await cook.get('/demo/ufficio/tariffe')).statusCode, 403);
      assert.equal((await cook.get('/demo/ufficio/fatturazione')).statusCode, 403);
    });
  });
}
