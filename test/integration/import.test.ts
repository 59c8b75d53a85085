import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { DB, Ente } from '../../src/db/schema';
import { fiscalCodeFor } from '../../src/demo/fiscal-code-generator';
import { IMPORT_COLUMNS, type ImportColumn, type ImportProblem } from '../../src/domain/import/columns';
import type { OperatorContext } from '../../src/domain/operators/context';
import { ADA, Browser, LUCA, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { spawnJob } from '../helpers/job';

const NOW = '2026-11-20T10:00:00+01:00';
type Row = Record<ImportColumn, string>;

const GIVEN_F = ['Alba', 'Bice', 'Cloe', 'Dora', 'Ebe', 'Fede', 'Gea', 'Ilda', 'Lea', 'Mia'];
const GIVEN_M = ['Aldo', 'Bepi', 'Ciro', 'Dino', 'Ezio', 'Furio', 'Gino', 'Italo', 'Leo', 'Nino'];

/** A family row of the file: pupil n (valid fiscal codes, consistent with birth date and sex), its holder and other parent. */
function familyRow(n: number, fields: Partial<Row> = {}): Row {
  const family = `Importati${'ABCDEFGHIL'[n % 10]}${'MNOPRSTUVZ'[Math.floor(n / 10) % 10]}`;
  const pupilGiven = GIVEN_F[n % 10]!;
  const pupilBirth = `2018-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
  const holderGiven = GIVEN_M[n % 10]!;
  const otherGiven = GIVEN_F[(n + 3) % 10]!;
  return {
    cf_alunno: fiscalCodeFor({ familyName: family, givenName: pupilGiven, sex: 'F', birthDate: pupilBirth, placeCode: `H${String(100 + n).padStart(3, '0')}` }),
    cognome_alunno: family,
    nome_alunno: pupilGiven,
    data_nascita_alunno: `${pupilBirth.slice(8, 10)}/${pupilBirth.slice(5, 7)}/${pupilBirth.slice(0, 4)}`,
    sesso_alunno: 'F',
    comune_nascita_alunno: 'Roma',
    indirizzo: `Via dell'Importazione ${n}`,
    cap: '00100',
    comune: 'Roma',
    provincia: 'RM',
    scuola: 'Scuola primaria Arcobaleno',
    classe: '3ª B',
    cf_intestatario: fiscalCodeFor({ familyName: family, givenName: holderGiven, sex: 'M', birthDate: '1980-05-10', placeCode: `F${String(100 + n).padStart(3, '0')}` }),
    cognome_intestatario: family,
    nome_intestatario: holderGiven,
    email_intestatario: `famiglia${n}@example.org`,
    telefono_intestatario: '+39 333 000 0000',
    servizio: 'Refezione scolastica (prepagata)',
    anno_scolastico: '2026/2027',
    fascia: 'B',
    modalita_pagamento: 'prepagato',
    badge: `IMP${n}`,
    cf_altro_genitore: fiscalCodeFor({ familyName: family, givenName: otherGiven, sex: 'F', birthDate: '1982-07-15', placeCode: `G${String(100 + n).padStart(3, '0')}` }),
    cognome_altro_genitore: family,
    nome_altro_genitore: otherGiven,
    ...fields,
  };
}

function quote(value: string, separator: string): string {
  return value.includes(separator) || value.includes('"') || value.includes('\n') || value.includes('\r') ? `"${value.replace(/"/g, '""')}"` : value;
}

function toCsv(rows: Row[], { separator = ';', columns = IMPORT_COLUMNS as readonly string[] } = {}): string {
  return [columns.join(separator), ...rows.map((row) => columns.map((c) => quote(row[c as ImportColumn] ?? '', separator)).join(separator))].join('\r\n') + '\r\n';
}

async function counts(db: Kysely<DB>) {
  const count = async (table: 'person' | 'pupil' | 'pupil_holder' | 'enrolment' | 'badge') =>
    Number((await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  const changes = Number(
    (
      await db
        .selectFrom('audit_event')
        .select(sql<number>`count(*)`.as('n'))
        .where('action', 'like', 'office.import.%')
        .where('action', 'not in', ['office.import.check', 'office.import.export'])
        .executeTakeFirstOrThrow()
    ).n,
  );
  return { persons: await count('person'), pupils: await count('pupil'), links: await count('pupil_holder'), enrolments: await count('enrolment'), badges: await count('badge'), changes };
}

/** A multipart body as a browser sends a form with a file. */
function multipart(fields: Record<string, string>, file: { name: string; fileName: string; content: Buffer }) {
  const boundary = '----ssolTestBoundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.fileName}"\r\nContent-Type: text/csv\r\n\r\n`));
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Logs in through the test IdP's "any person" form (for operators the test builds). */
async function loginAs(browser: Browser, person: { fiscalCode: string; givenName: string; familyName: string }, returnTo: string) {
  const start = await browser.get(`/auth/login?torna=${encodeURIComponent(returnTo)}`);
  const interaction = await browser.follow(start);
  const uid = /\/test-idp\/interaction\/([\w-]+)\/login/.exec(interaction.body)?.[1];
  if (!uid) throw new Error('no test IdP log-in page');
  const submitted = await browser.post(`/test-idp/interaction/${uid}/login-as`, { fiscalCode: person.fiscalCode, givenName: person.givenName, familyName: person.familyName, level: 'https://www.spid.gov.it/SpidL2' });
  return browser.follow(submitted);
}

const problemKeys = (problems: ImportProblem[]) => problems.map((p) => `${p.row}:${p.column ?? '-'}:${p.code}`);

for (const { engine, skip } of testEngines()) {
  describe(`import from the previous supplier on ${engine}`, { skip }, () => {
    let t: TestApp;
    let db: Kysely<DB>;
    let ente: Ente;
    let office: OperatorContext;
    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      db = t.database.db;
      ente = (await t.app.services.enti.bySlug('demo'))!;
      office = await t.app.services.operators.authorize(ente, { fiscalCode: MARCO }, 'registry.import');
    });
    after(async () => {
      await t?.close();
    });

    it('reports every kind of problem by row and column, and writes nothing', async () => {
      const existing = await db
        .selectFrom('badge')
        .innerJoin('pupil', 'pupil.id', 'badge.pupil_id')
        .select('badge.code')
        .where('badge.ente_id', '=', ente.id)
        .orderBy('badge.id')
        .executeTakeFirstOrThrow();
      const rows = [
        familyRow(1, { cf_alunno: 'RSSMRA80A01H501X' }), // row 2: check character wrong
        familyRow(2, { scuola: 'Scuola che non esiste' }), // row 3
        familyRow(3, { servizio: 'Piscina' }), // row 4
        familyRow(4, { data_nascita_alunno: '31/02/2018' }), // row 5: impossible date
        familyRow(5), // row 6
        familyRow(5), // row 7: the same row again
        familyRow(6, { badge: existing.code }), // row 8: a badge of another pupil in the registry
        familyRow(7, { fascia: 'Z9', anno_scolastico: '2031/2032', cap: '1234', email_intestatario: 'non-una-email' }), // row 9
        familyRow(8, { modalita_pagamento: 'bonifico', sesso_alunno: 'X', cognome_alunno: '' }), // row 10
        familyRow(9, { cognome_altro_genitore: '' }), // row 11: other parent incomplete
        familyRow(10, { servizio: 'Trasporto scolastico', modalita_pagamento: 'prepagato' }), // row 12: no prepaid transport
        familyRow(11, { indirizzo: 'Via Altra 1', cf_intestatario: familyRow(12).cf_intestatario, cognome_intestatario: familyRow(12).cognome_intestatario }), // row 13
        familyRow(12), // row 14: the same holder as row 13 with another address
      ];
      const before = await counts(db);
      const report = await t.app.services.imports.check(office, Buffer.from(toCsv(rows)));
      const keys = problemKeys(report.problems);
      for (const expected of [
        '2:cf_alunno:cfInvalid',
        '3:scuola:schoolUnknown',
        '4:servizio:serviceUnknown',
        '5:data_nascita_alunno:dateInvalid',
        '7:-:duplicateRow',
        '8:badge:badgeTaken',
        '9:cap:postcodeInvalid',
        '9:email_intestatario:emailInvalid',
        '9:anno_scolastico:yearUnknown',
        '10:cognome_alunno:required',
        '11:cognome_altro_genitore:otherParentIncomplete',
        '12:modalita_pagamento:serviceBilling',
        '14:indirizzo:differsFromRow',
      ]) {
        assert.ok(keys.includes(expected), `${expected} in ${keys.join(', ')}`);
      }
      assert.equal(report.problems.find((p) => p.code === 'duplicateRow')?.otherRow, 6);
      assert.equal(report.problems.find((p) => p.code === 'differsFromRow' && p.column === 'indirizzo')?.otherRow, 13);
      assert.equal(report.applied, false);
      // A cell that cannot be read hides no other problem of its row.
      const withFascia = await t.app.services.imports.check(office, Buffer.from(toCsv([familyRow(7, { fascia: 'Z9' }), familyRow(8, { modalita_pagamento: 'bonifico', sesso_alunno: 'X' })])));
      assert.deepEqual(problemKeys(withFascia.problems), ['2:fascia:bandUnknown', '3:sesso_alunno:sexInvalid', '3:modalita_pagamento:paymentInvalid']);

      // The import refuses the same file and writes nothing.
      const applied = await t.app.services.imports.apply(office, Buffer.from(toCsv(rows)));
      assert.equal(applied.applied, false);
      assert.deepEqual(problemKeys(applied.problems), keys);
      assert.deepEqual(await counts(db), before);
    });

    it('reports problems of the header and of the file', async () => {
      const missing = await t.app.services.imports.check(office, Buffer.from('cf_alunno;cognome_alunno;colonna_strana\r\nX;Y;Z\r\n'));
      assert.ok(problemKeys(missing.problems).includes('1:scuola:headerMissing'));
      assert.ok(missing.problems.some((p) => p.code === 'headerUnknown' && p.value === 'colonna_strana'));
      const empty = await t.app.services.imports.check(office, Buffer.from(''));
      assert.deepEqual(problemKeys(empty.problems), ['1:-:fileEmpty']);
      const short = toCsv([familyRow(20)]).replace(/;IMP20;/, ';');
      assert.deepEqual(problemKeys((await t.app.services.imports.check(office, Buffer.from(short))).problems), ['2:-:fieldCount']);
      const unclosed = `${toCsv([familyRow(21)])}"${familyRow(22).cf_alunno};senza fine`;
      assert.ok(problemKeys((await t.app.services.imports.check(office, Buffer.from(unclosed))).problems).includes('3:-:unclosedQuote'));
    });

    it('imports a valid file; the same file again changes nothing; a later file updates by fiscal code', async () => {
      const rows = [familyRow(30), familyRow(31, { badge: '', cf_altro_genitore: '', cognome_altro_genitore: '', nome_altro_genitore: '' })];
      // A sibling of row 30 with the same holder and address, in the postpaid canteen at another school.
      const sibling = familyRow(32, {
        cf_intestatario: rows[0]!.cf_intestatario,
        cognome_intestatario: rows[0]!.cognome_intestatario,
        nome_intestatario: rows[0]!.nome_intestatario,
        indirizzo: rows[0]!.indirizzo,
        email_intestatario: rows[0]!.email_intestatario,
        cf_altro_genitore: rows[0]!.cf_altro_genitore,
        cognome_altro_genitore: rows[0]!.cognome_altro_genitore,
        nome_altro_genitore: rows[0]!.nome_altro_genitore,
        scuola: 'Scuola primaria Via dei Tigli',
        servizio: 'refezione',
        modalita_pagamento: 'postpagato',
        fascia: 'C',
        badge: '',
      });
      rows.push(sibling);
      const file = Buffer.from(toCsv(rows));
      const before = await counts(db);
      const dry = await t.app.services.imports.check(office, file);
      assert.deepEqual(dry.problems, []);
      // Persons: 3 pupils, 2 holders, 2 other parents (one shared by the siblings).
      assert.deepEqual(dry.created, { persons: 3 + 2 + 1, pupils: 3, links: 3 + 2, enrolments: 3, badges: 1 });
      assert.deepEqual(await counts(db), before, 'the dry run writes nothing');

      const report = await t.app.services.imports.apply(office, file);
      assert.equal(report.applied, true);
      assert.deepEqual(report.created, dry.created);
      const afterImport = await counts(db);
      assert.equal(afterImport.persons, before.persons + 6);
      assert.equal(afterImport.enrolments, before.enrolments + 3);
      assert.equal(afterImport.changes - before.changes, 6 + 3 + 5 + 3 + 1, 'one audit event per row created');

      const pupil = await db
        .selectFrom('pupil')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .innerJoin('school', 'school.id', 'pupil.school_id')
        .select(['pupil.id', 'person.birth_date', 'person.sex', 'person.address', 'school.name as school', 'pupil.class_name'])
        .where('person.fiscal_code', '=', rows[0]!.cf_alunno)
        .executeTakeFirstOrThrow();
      assert.deepEqual({ ...pupil, id: 0 }, { id: 0, birth_date: '2018-07-03', sex: 'F', address: "Via dell'Importazione 30", school: 'Scuola primaria Arcobaleno', class_name: '3ª B' });
      const links = await db
        .selectFrom('pupil_holder')
        .innerJoin('person', 'person.id', 'pupil_holder.person_id')
        .select(['person.fiscal_code', 'pupil_holder.relation'])
        .where('pupil_holder.pupil_id', '=', pupil.id)
        .orderBy('pupil_holder.relation', 'desc')
        .execute();
      assert.deepEqual(links, [
        { fiscal_code: rows[0]!.cf_intestatario, relation: 'intestatario' },
        { fiscal_code: rows[0]!.cf_altro_genitore, relation: 'cointestatario' },
      ]);
      const holder = await db.selectFrom('person').selectAll().where('fiscal_code', '=', rows[0]!.cf_intestatario).executeTakeFirstOrThrow();
      assert.equal(holder.birth_date, '1980-05-10', 'birth date and sex of a new holder from the fiscal code');
      assert.equal(holder.sex, 'M');
      assert.equal(holder.email, 'famiglia30@example.org');
      assert.equal(holder.phone, '+39 333 000 0000');
      const enrolment = await db
        .selectFrom('enrolment')
        .innerJoin('tariff', 'tariff.id', 'enrolment.tariff_id')
        .innerJoin('service', 'service.id', 'enrolment.service_id')
        .select(['enrolment.state', 'enrolment.starts_on', 'enrolment.holder_person_id', 'enrolment.invoice_address', 'tariff.band_code', 'service.billing'])
        .where('enrolment.pupil_id', '=', pupil.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(enrolment, {
        state: 'attiva',
        starts_on: '2026-11-20',
        holder_person_id: holder.id,
        invoice_address: "Via dell'Importazione 30, 00100 Roma (RM)",
        band_code: 'B',
        billing: 'prepaid',
      });
      const badge = await db.selectFrom('badge').select(['pupil_id', 'active']).where('code', '=', 'IMP30').executeTakeFirstOrThrow();
      assert.deepEqual(badge, { pupil_id: pupil.id, active: 1 });
      const siblingEnrolment = await db
        .selectFrom('enrolment')
        .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .innerJoin('service', 'service.id', 'enrolment.service_id')
        .select(['service.billing', 'enrolment.holder_person_id'])
        .where('person.fiscal_code', '=', sibling.cf_alunno)
        .executeTakeFirstOrThrow();
      assert.deepEqual(siblingEnrolment, { billing: 'postpaid', holder_person_id: holder.id });

      // The same file again: nothing created, nothing changed, no audit event of change.
      const again = await t.app.services.imports.apply(office, file);
      assert.equal(again.applied, true);
      assert.deepEqual(again.problems, []);
      assert.deepEqual(Object.values(again.created).concat(Object.values(again.changed)), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(await counts(db), afterImport);

      // A later file: the family moved, and the first pupil changed class.
      const moved = rows.map((row) => (row.cf_intestatario === rows[0]!.cf_intestatario ? { ...row, indirizzo: 'Piazza Nuova 5', cap: '00199' } : row));
      moved[0] = { ...moved[0]!, classe: '4ª B' };
      const later = await t.app.services.imports.apply(office, Buffer.from(toCsv(moved)));
      assert.deepEqual(later.problems, []);
      // Two pupils and their holder; the other parent's address is theirs (set only when created).
      assert.deepEqual(later.changed, { persons: 3, pupils: 1, links: 0, enrolments: 2, badges: 0 });
      assert.deepEqual(later.created, { persons: 0, pupils: 0, links: 0, enrolments: 0, badges: 0 });
      const movedHolder = await db.selectFrom('person').selectAll().where('fiscal_code', '=', rows[0]!.cf_intestatario).executeTakeFirstOrThrow();
      assert.equal(movedHolder.id, holder.id, 'the same person, found by fiscal code');
      assert.equal(movedHolder.address, 'Piazza Nuova 5');
      assert.equal(movedHolder.postcode, '00199');
      assert.equal(movedHolder.version, holder.version + 1);
      const event = await db
        .selectFrom('audit_event')
        .select(['actor_fiscal_code', 'before_json', 'after_json'])
        .where('action', '=', 'office.import.person.update')
        .where('subject_id', '=', holder.id)
        .executeTakeFirstOrThrow();
      assert.equal(event.actor_fiscal_code, MARCO);
      assert.deepEqual(JSON.parse(event.before_json!), { address: "Via dell'Importazione 30", postcode: '00100' });
      assert.deepEqual(JSON.parse(event.after_json!), { address: 'Piazza Nuova 5', postcode: '00199' });
      // A pupil's own person row changed: the event is in the pupil's history (decision 0017).
      const pupilPersonEvents = await db
        .selectFrom('audit_event')
        .innerJoin('pupil', 'pupil.person_id', 'audit_event.subject_id')
        .select(['audit_event.pupil_id as eventPupil', 'pupil.id as pupil'])
        .where('audit_event.action', '=', 'office.import.person.update')
        .execute();
      assert.equal(pupilPersonEvents.length, 2);
      for (const e of pupilPersonEvents) assert.equal(e.eventPupil, e.pupil);
      const withoutPupil = await db
        .selectFrom('audit_event')
        .select(['action', 'subject_id'])
        .where('action', 'like', 'office.import.%')
        .where('subject_type', 'in', ['pupil', 'enrolment', 'badge'])
        .where('pupil_id', 'is', null)
        .execute();
      assert.deepEqual(withoutPupil, [], 'every imported pupil, enrolment and badge is in its pupil’s history');
      const afterLater = await counts(db);
      assert.equal(afterLater.persons, afterImport.persons);
      assert.equal(afterLater.changes - afterImport.changes, 3 + 1 + 2);
    });

    it('changes a running enrolment’s band from the first day not yet frozen, leaving the days decided as they were', async () => {
      const row = familyRow(41, { fascia: 'B' });
      assert.equal((await t.app.services.imports.apply(office, Buffer.from(toCsv([row])))).applied, true);
      const enrolment = await db
        .selectFrom('enrolment')
        .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .select(['enrolment.id', 'enrolment.tariff_id'])
        .where('person.fiscal_code', '=', row.cf_alunno)
        .executeTakeFirstOrThrow();
      // As if imported in September, with today (20 November) frozen already.
      await db.updateTable('enrolment').set({ starts_on: '2026-09-14' }).where('id', '=', enrolment.id).execute();
      await db.insertInto('day_freeze').values({ ente_id: ente.id, date: '2026-11-20', frozen_at: '2026-11-20T08:30:00.000Z', meals: 0, claimed_at: null, completed_at: '2026-11-20T08:30:00.000Z' }).execute();
      try {
        const later = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A', classe: '3ª C' }])));
        assert.deepEqual(later.problems, []);
        assert.equal(later.changed.enrolments, 1);
        const bandA = await db.selectFrom('enrolment').select('tariff_id').where('id', '=', enrolment.id).executeTakeFirstOrThrow();
        assert.notEqual(bandA.tariff_id, enrolment.tariff_id, 'the enrolment row says the band in force from now on');
        const terms = await db.selectFrom('enrolment_term').select(['valid_from', 'tariff_id', 'class_name']).where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
        assert.deepEqual(terms, [
          { valid_from: '2026-09-14', tariff_id: enrolment.tariff_id, class_name: '3ª B' },
          { valid_from: '2026-11-21', tariff_id: bandA.tariff_id, class_name: '3ª C' },
        ]);
        const event = await db.selectFrom('audit_event').select(['before_json', 'after_json']).where('action', '=', 'office.import.enrolment.update').where('subject_id', '=', enrolment.id).executeTakeFirstOrThrow();
        assert.equal(JSON.parse(event.after_json!).valid_from, '2026-11-21');
        // The same file again: nothing more.
        const again = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A', classe: '3ª C' }])));
        assert.equal(again.changed.enrolments, 0);
        assert.equal((await db.selectFrom('enrolment_term').select('id').where('enrolment_id', '=', enrolment.id).execute()).length, 2);
      } finally {
        await db.deleteFrom('day_freeze').where('ente_id', '=', ente.id).where('date', '=', '2026-11-20').execute();
      }
    });

    it('leaves a change the office set for a later day in force: the file’s band and class hold until it, the enrolment’s and the pupil’s rows keep the later values, and the same file again changes nothing', async () => {
      const row = familyRow(43, { fascia: 'B' });
      assert.equal((await t.app.services.imports.apply(office, Buffer.from(toCsv([row])))).applied, true);
      const enrolment = await db
        .selectFrom('enrolment')
        .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
        .innerJoin('person', 'person.id', 'pupil.person_id')
        .selectAll('enrolment')
        .where('person.fiscal_code', '=', row.cf_alunno)
        .executeTakeFirstOrThrow();
      await db.updateTable('enrolment').set({ starts_on: '2026-09-14' }).where('id', '=', enrolment.id).execute();
      await db.insertInto('day_freeze').values({ ente_id: ente.id, date: '2026-11-20', frozen_at: '2026-11-20T08:30:00.000Z', meals: 0, claimed_at: null, completed_at: '2026-11-20T08:30:00.000Z' }).execute();
      try {
        // The office moves the pupil to another school from 7 January, as its enrolment page does.
        const otherSchool = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).where('id', '<>', enrolment.school_id).orderBy('id').executeTakeFirstOrThrow();
        await t.app.services.enrolments.changeFromDate(office, enrolment.pupil_id, enrolment.id, (await db.selectFrom('enrolment').select('version').where('id', '=', enrolment.id).executeTakeFirstOrThrow()).version, {
          validFrom: '2027-01-07', schoolId: otherSchool.id, className: '3ª B', holderPersonId: enrolment.holder_person_id, tariffId: enrolment.tariff_id,
          iseeCents: enrolment.isee_cents, iseeAttestedOn: enrolment.isee_attested_on, paymentMode: enrolment.payment_mode, iban: enrolment.debit_iban,
        });
        // Then the school's file: still at its first school (as it is today), now in band A.
        const later = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A' }])));
        assert.deepEqual(later.problems, []);
        assert.equal(later.changed.enrolments, 1, 'the band changed; the school, compared with the one in force now, did not');
        const terms = await db.selectFrom('enrolment_term').select(['valid_from', 'school_id', 'tariff_id']).where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
        const bandA = terms[1]!.tariff_id;
        assert.notEqual(bandA, enrolment.tariff_id);
        assert.deepEqual(terms, [
          { valid_from: '2026-09-14', school_id: enrolment.school_id, tariff_id: enrolment.tariff_id },
          { valid_from: '2026-11-21', school_id: enrolment.school_id, tariff_id: bandA },
          { valid_from: '2027-01-07', school_id: otherSchool.id, tariff_id: enrolment.tariff_id },
        ]);
        const stored = await db.selectFrom('enrolment').select(['school_id', 'tariff_id']).where('id', '=', enrolment.id).executeTakeFirstOrThrow();
        assert.deepEqual(stored, { school_id: otherSchool.id, tariff_id: enrolment.tariff_id }, 'the row still says its latest term, the office’s');
        const pupil = () => db.selectFrom('pupil').select(['school_id', 'class_name']).where('id', '=', enrolment.pupil_id).executeTakeFirstOrThrow();
        assert.equal(later.changed.pupils, 0, 'the school in force now is the file’s');
        assert.deepEqual(await pupil(), { school_id: otherSchool.id, class_name: '3ª B' }, 'the pupil’s row too keeps the office’s later school');
        const again = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A' }])));
        assert.equal(again.changed.enrolments, 0, 'the same file again: the values in force from the first open day are the file’s');
        assert.equal((await db.selectFrom('enrolment_term').select('id').where('enrolment_id', '=', enrolment.id).execute()).length, 3);

        // A new class in the file now: it holds from the first open day until the office's change.
        const moved = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A', classe: '3ª D' }])));
        assert.deepEqual(moved.problems, []);
        assert.equal(moved.changed.enrolments, 1);
        const classes = await db.selectFrom('enrolment_term').select(['valid_from', 'school_id', 'class_name']).where('enrolment_id', '=', enrolment.id).orderBy('valid_from').execute();
        assert.deepEqual(classes, [
          { valid_from: '2026-09-14', school_id: enrolment.school_id, class_name: '3ª B' },
          { valid_from: '2026-11-21', school_id: enrolment.school_id, class_name: '3ª D' },
          { valid_from: '2027-01-07', school_id: otherSchool.id, class_name: '3ª B' },
        ]);
        assert.deepEqual(await pupil(), { school_id: otherSchool.id, class_name: '3ª B' }, 'the row still says the latest term');
        const event = await db
          .selectFrom('audit_event')
          .select(['before_json', 'after_json'])
          .where('action', '=', 'office.import.enrolment.update')
          .where('subject_id', '=', enrolment.id)
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow();
        assert.deepEqual([JSON.parse(event.before_json!).class_name, JSON.parse(event.after_json!)], ['3ª B', { class_name: '3ª D', valid_from: '2026-11-21' }]);
        const third = await t.app.services.imports.apply(office, Buffer.from(toCsv([{ ...row, fascia: 'A', classe: '3ª D' }])));
        assert.deepEqual([third.changed.pupils, third.changed.enrolments], [0, 0], 'and the same file again changes nothing');
      } finally {
        await db.deleteFrom('day_freeze').where('ente_id', '=', ente.id).where('date', '=', '2026-11-20').execute();
      }
    });

    it('keeps one intestatario per pupil: two in one file are reported, a new one in a later file lowers the former', async () => {
      const first = familyRow(50, { cf_altro_genitore: '', cognome_altro_genitore: '', nome_altro_genitore: '' });
      const otherHolder = familyRow(51);
      // The same pupil and enrolment, another service: the file names a second payer for the pupil.
      const twoHolders = { ...first, servizio: 'Trasporto scolastico', modalita_pagamento: 'postpagato', fascia: otherHolder.fascia, badge: '',
        cf_intestatario: otherHolder.cf_intestatario, cognome_intestatario: otherHolder.cognome_intestatario, nome_intestatario: otherHolder.nome_intestatario };
      const refused = await t.app.services.imports.check(office, Buffer.from(toCsv([first, twoHolders])));
      assert.ok(
        refused.problems.some((p) => p.row === 3 && p.column === 'cf_intestatario' && p.code === 'differsFromRow'),
        JSON.stringify(refused.problems),
      );

      assert.ok((await t.app.services.imports.apply(office, Buffer.from(toCsv([first])))).applied);
      // A later file: the pupil's payer is now the other adult.
      const later = { ...first, cf_intestatario: otherHolder.cf_intestatario, cognome_intestatario: otherHolder.cognome_intestatario, nome_intestatario: otherHolder.nome_intestatario };
      const report = await t.app.services.imports.apply(office, Buffer.from(toCsv([later])));
      assert.ok(report.applied, JSON.stringify(report.problems));
      const links = await db
        .selectFrom('pupil_holder as ph')
        .innerJoin('pupil', 'pupil.id', 'ph.pupil_id')
        .innerJoin('person as child', 'child.id', 'pupil.person_id')
        .innerJoin('person as adult', 'adult.id', 'ph.person_id')
        .select(['adult.fiscal_code as cf', 'ph.relation'])
        .where('child.fiscal_code', '=', first.cf_alunno)
        .execute();
      const relationOf = new Map(links.map((l) => [l.cf, l.relation]));
      assert.equal(relationOf.get(otherHolder.cf_intestatario), 'intestatario');
      assert.equal(relationOf.get(first.cf_intestatario), 'cointestatario', 'the former payer still follows the pupil');
      assert.equal(links.filter((l) => l.relation === 'intestatario').length, 1);
    });

    it('reads Windows-1252 with accented names and a comma separator, and quoted fields', async () => {
      const row = familyRow(40, { cognome_alunno: 'Niccolò', nome_alunno: 'Zoë', comune_nascita_alunno: 'Forlì', indirizzo: 'Via Sant’Andrea, 3 "interno B"', classe: '2ª A; tempo pieno' });
      // The fiscal code is made from the letters of the names, accents removed, as the real rule does.
      row.cf_alunno = fiscalCodeFor({ familyName: 'Niccolo', givenName: 'Zoe', sex: 'F', birthDate: '2018-05-13', placeCode: 'H140' });
      const text = toCsv([row], { separator: ',' });
      assert.match(text, /"Via Sant’Andrea, 3 ""interno B"""/);
      const bytes = encode1252(text);
      const report = await t.app.services.imports.apply(office, bytes);
      assert.equal(report.encoding, 'windows-1252');
      assert.equal(report.separator, ',');
      assert.deepEqual(report.problems, []);
      const person = await db.selectFrom('person').selectAll().where('fiscal_code', '=', row.cf_alunno).executeTakeFirstOrThrow();
      assert.equal(person.family_name, 'Niccolò');
      assert.equal(person.given_name, 'Zoë');
      assert.equal(person.birth_place, 'Forlì');
      assert.equal(person.address, 'Via Sant’Andrea, 3 "interno B"');
      const pupil = await db.selectFrom('pupil').select('class_name').where('person_id', '=', person.id).executeTakeFirstOrThrow();
      assert.equal(pupil.class_name, '2ª A; tempo pieno');
      // The same, in UTF-8 with a BOM and semicolons: the same registry, nothing to change.
      const utf8 = await t.app.services.imports.check(office, Buffer.from(`\uFEFF${toCsv([row])}`));
      assert.equal(utf8.encoding, 'utf-8');
      assert.deepEqual(utf8.problems, []);
      assert.deepEqual(Object.values(utf8.created).concat(Object.values(utf8.changed)).filter((n) => n !== 0), []);
    });

    it('exports the registry in the same columns, and the export imports back unchanged', async () => {
      const rows = await t.app.services.imports.exportRows(office);
      const enrolments = Number((await db.selectFrom('enrolment').select(sql<number>`count(*)`.as('n')).where('ente_id', '=', ente.id).executeTakeFirstOrThrow()).n);
      assert.equal(rows.length, enrolments);
      const marco = new Browser(t.app);
      await marco.login(MARCO, { returnTo: '/demo/ufficio/importa' });
      const csv = await marco.get('/demo/ufficio/importa/esportazione.csv');
      assert.equal(csv.statusCode, 200);
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(lines[0], IMPORT_COLUMNS.join(';'));
      assert.equal(lines.length, enrolments + 1);
      assert.ok(lines.some((line) => line.includes('"IMP30"') && line.includes('"prepagato"')));
      // Telephone numbers starting with + are protected from spreadsheet formulas, and read back as typed.
      assert.ok(lines.some((line) => line.includes(`"'+39 333 000 0000"`)));
      const before = await counts(db);
      const back = await t.app.services.imports.check(office, Buffer.from(csv.rawPayload));
      assert.deepEqual(back.problems, []);
      assert.deepEqual(back.created, { persons: 0, pupils: 0, links: 0, enrolments: 0, badges: 0 });
      assert.deepEqual(await counts(db), before);
      await t.app.services.audit.flush();
      const exported = await db.selectFrom('audit_event').select('actor_fiscal_code').where('action', '=', 'office.import.export').execute();
      assert.deepEqual(exported.map((e) => e.actor_fiscal_code), [MARCO, MARCO], 'every export is audited');
    });

    it('checks, keeps and imports an uploaded file through the page', async () => {
      const marco = new Browser(t.app);
      const page = await marco.login(MARCO, { returnTo: '/demo/ufficio/importa' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Importa ed esporta<\/h1>/);
      assert.match(page.body, /enctype="multipart\/form-data"/);
      assert.match(page.body, /<code>cf_altro_genitore<\/code>/);
      const csrf = marco.csrfFrom(page.body);

      const template = await marco.get('/demo/ufficio/importa/modello.csv');
      assert.equal(template.statusCode, 200);
      assert.equal(template.body.replace(/^\uFEFF/, '').split('\r\n')[0], IMPORT_COLUMNS.join(';'));
      assert.deepEqual((await t.app.services.imports.check(office, Buffer.from(template.rawPayload))).problems, [], 'the template passes the dry run');

      // No file chosen.
      const none = await marco.request({ method: 'POST', url: '/demo/ufficio/importa', ...multipart({ _csrf: csrf }, { name: 'file', fileName: '', content: Buffer.alloc(0) }) });
      assert.equal(none.statusCode, 422);
      assert.match(none.body, /Scegli il file CSV da caricare/);

      // A file with problems: the report, by row and column; nothing kept to import.
      const bad = toCsv([familyRow(50), familyRow(51, { cf_alunno: 'NONVALIDO' })]);
      const refused = await marco.request({ method: 'POST', url: '/demo/ufficio/importa', ...multipart({ _csrf: csrf }, { name: 'file', fileName: 'vecchio.csv', content: Buffer.from(bad) }) });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /Un problema: il file non può essere importato/);
      assert.match(refused.body, /riga 3/);
      assert.match(refused.body, /<code>cf_alunno<\/code>/);
      assert.match(refused.body, /Codice fiscale non valido/);
      assert.doesNotMatch(refused.body, /name="caricamento"/);

      // Without the CSRF token the upload is refused.
      const forged = await marco.request({ method: 'POST', url: '/demo/ufficio/importa', ...multipart({}, { name: 'file', fileName: 'a.csv', content: Buffer.from(bad) }) });
      assert.equal(forged.statusCode, 403);

      const good = toCsv([familyRow(52), familyRow(53)]);
      const before = await counts(db);
      const checked = await marco.request({ method: 'POST', url: '/demo/ufficio/importa', ...multipart({ _csrf: csrf }, { name: 'file', fileName: 'nuovo.csv', content: Buffer.from(good) }) });
      assert.equal(checked.statusCode, 200);
      assert.match(checked.body, /Nessun problema: il file può essere importato/);
      assert.match(checked.body, /File «nuovo.csv»: 2 righe di dati, codifica UTF-8, separatore punto e virgola/);
      assert.deepEqual(await counts(db), before, 'the check writes nothing');
      const id = /name="caricamento" value="([0-9a-f]{32})"/.exec(checked.body)?.[1];
      const sha = /name="impronta" value="([0-9a-f]{64})"/.exec(checked.body)?.[1];
      assert.ok(id && sha);

      // Another operator cannot import Marco's upload; a wrong hash is not the file checked.
      const other = await buildOperator(db, await enteIdOf(db), 'operatore');
      const colleague = new Browser(t.app);
      const colleaguePage = await loginAs(colleague, other, '/demo/ufficio/importa');
      assert.equal(colleaguePage.statusCode, 200);
      const stolen = await colleague.post('/demo/ufficio/importa/conferma', { _csrf: colleague.csrfFrom(colleaguePage.body), caricamento: id, impronta: sha });
      assert.equal(stolen.statusCode, 409);
      const wrongHash = await marco.post('/demo/ufficio/importa/conferma', { _csrf: csrf, caricamento: id, impronta: 'a'.repeat(64) });
      assert.equal(wrongHash.statusCode, 409);
      assert.deepEqual(await counts(db), before);

      const imported = await marco.post('/demo/ufficio/importa/conferma', { _csrf: csrf, caricamento: id, impronta: sha });
      assert.equal(imported.statusCode, 200);
      assert.match(imported.body, /Importazione completata/);
      const after = await counts(db);
      assert.equal(after.enrolments, before.enrolments + 2);
      // The upload is used once.
      const twice = await marco.post('/demo/ufficio/importa/conferma', { _csrf: csrf, caricamento: id, impronta: sha });
      assert.equal(twice.statusCode, 409);
      assert.match(twice.body, /non è più disponibile/);
      assert.deepEqual(await counts(db), after);
      assert.equal(Number((await db.selectFrom('import_upload').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n), 0);
    });

    it('lets only operators with registry.import of this ente in', async () => {
      const anonymous = new Browser(t.app);
      const login = await anonymous.get('/demo/ufficio/importa');
      assert.ok([302, 303].includes(login.statusCode), String(login.statusCode));
      for (const path of ['/demo/ufficio/importa/esportazione.csv', '/demo/ufficio/importa/modello.csv']) {
        const response = await anonymous.get(path);
        assert.ok([302, 303].includes(response.statusCode), `${path}: ${response.statusCode}`);
        assert.doesNotMatch(response.body, /cf_alunno/);
      }
      const parent = new Browser(t.app);
      assert.equal((await parent.login(ADA, { returnTo: '/demo/ufficio/importa' })).statusCode, 403);
      assert.equal((await parent.get('/demo/ufficio/importa/esportazione.csv')).statusCode, 403);
      const cook = new Browser(t.app);
      assert.equal((await cook.login(LUCA, { returnTo: '/demo/ufficio/importa' })).statusCode, 403);
      assert.equal((await cook.get('/demo/ufficio/importa/esportazione.csv')).statusCode, 403);
      const otherEnte = await buildOperator(db, await enteIdOf(db, 'unione-colline'), 'amministratore');
      const stranger = new Browser(t.app);
      assert.equal((await loginAs(stranger, otherEnte, '/demo/ufficio/importa')).statusCode, 403);
      assert.equal((await stranger.get('/demo/ufficio/importa/esportazione.csv')).statusCode, 403);
      // The parent's upload is refused before its body is read.
      const csrf = parent.csrfFrom((await parent.get('/demo/')).body);
      const upload = await parent.request({ method: 'POST', url: '/demo/ufficio/importa', ...multipart({ _csrf: csrf }, { name: 'file', fileName: 'a.csv', content: Buffer.from(toCsv([familyRow(60)])) }) });
      assert.equal(upload.statusCode, 403);
    });

    it('gives the command line exit 1 with problems, 0 without, and a report by row', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ssol-import-'));
      try {
        const env = { DATABASE_URL: t.config.databaseUrl, FAKE_NOW: NOW };
        const badFile = join(dir, 'bad.csv');
        writeFileSync(badFile, toCsv([familyRow(70), familyRow(71, { data_nascita_alunno: '2018-13-01' })]));
        const before = await counts(db);
        const bad = await spawnJob(['import', '--ente', 'demo', '--file', badFile, '--operator', MARCO], env).output;
        assert.equal(bad.code, 1, bad.stderr);
        const lines = bad.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.deepEqual(lines[0], { riga: 3, colonna: 'data_nascita_alunno', problema: 'Data impossibile o scritta male: usa GG/MM/AAAA o AAAA-MM-GG.' });
        assert.equal(lines.at(-1)!.problems, 1);
        assert.deepEqual(await counts(db), before);

        const goodFile = join(dir, 'good.csv');
        writeFileSync(goodFile, toCsv([familyRow(72)]));
        const dry = await spawnJob(['import', '--ente', 'demo', '--file', goodFile, '--operator', MARCO, '--dry-run'], env).output;
        assert.equal(dry.code, 0, dry.stderr);
        const summary = JSON.parse(dry.stdout.trim().split('\n').at(-1)!) as { dryRun: boolean; applied: boolean; created: { enrolments: number } };
        assert.deepEqual([summary.dryRun, summary.applied, summary.created.enrolments], [true, false, 1]);
        assert.deepEqual(await counts(db), before);
        const done = await spawnJob(['import', '--ente', 'demo', '--file', goodFile, '--operator', MARCO], env).output;
        assert.equal(done.code, 0, done.stderr);
        assert.equal((await counts(db)).enrolments, before.enrolments + 1);

        // Signed by an operator who may import: the cook may not.
        const refused = await spawnJob(['import', '--ente', 'demo', '--file', goodFile, '--operator', LUCA], env).output;
        assert.equal(refused.code, 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Windows-1252 bytes of a text made of Latin-1 letters and the typographic apostrophe. */
function encode1252(text: string): Buffer {
  const special: Record<string, number> = { '’': 0x92, '€': 0x80, 'ª': 0xaa };
  return Buffer.from([...text].map((char) => special[char] ?? (char.charCodeAt(0) < 256 ? char.charCodeAt(0) : 0x3f)));
}
