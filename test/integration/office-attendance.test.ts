import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Ente } from '../../src/db/schema';
import { ForbiddenError, InvalidInputError } from '../../src/domain/errors';
import type { OperatorContext } from '../../src/domain/operators/context';
import { Browser, MARCO, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildApprovedDiet, buildEnrolment, buildFamily, buildOperator, buildPupil } from '../helpers/builders';
import { testEngines } from '../helpers/databases';

// Thursday 26 November 2026, 08:00 in Rome: before the demo ente's cut-off (09:30).
const NOW = '2026-11-26T08:00:00+01:00';
const TODAY = '2026-11-26';
const TOMORROW = '2026-11-27';
const YESTERDAY = '2026-11-25';
const MONDAY = '2026-11-23';
const TUESDAY = '2026-11-24';

for (const { engine, skip } of testEngines()) {
  describe(`attendance at school and its corrections on ${engine}`, { skip }, () => {
    let t: TestApp;
    let ente: Ente;
    let schoolA: number;
    let schoolB: number;
    let pupils: BuiltPupil[];
    let holder: BuiltPerson;
    let prepaidPupil: BuiltPupil;
    let otherSchoolPupil: BuiltPupil;
    let admin: OperatorContext;
    let schoolOperator: BuiltPerson;
    let otherSchoolOperator: BuiltPerson;
    const db = () => t.database.db;
    const context = async (fiscalCode: string, permission: 'attendance.mark' | 'attendance.correct' | 'kitchen.counts') =>
      t.app.services.operators.authorize(ente, { fiscalCode }, permission);
    const attendanceOf = (pupilId: number, date: string) =>
      db().selectFrom('attendance').select(['status', 'source']).where('pupil_id', '=', pupilId).where('date', '=', date).executeTakeFirst();
    const ledgerOf = async (pupilId: number, date: string) => {
      const original = await db().selectFrom('charge').selectAll().where('pupil_id', '=', pupilId).where('date', '=', date).where('kind', '<>', 'storno').executeTakeFirst();
      if (!original) return { original: undefined, chain: [] as number[], net: 0 };
      const chain = [original.amount_cents];
      let head = original.id;
      for (;;) {
        const next = await db().selectFrom('charge').select(['id', 'amount_cents']).where('reverses_charge_id', '=', head).executeTakeFirst();
        if (!next) break;
        chain.push(next.amount_cents);
        head = next.id;
      }
      return { original, chain, net: chain.reduce((a, b) => a + b, 0) };
    };
    const balanceOf = async (pupilId: number) =>
      Number(
        (
          await db()
            .selectFrom('movement')
            .innerJoin('badge', 'badge.id', 'movement.badge_id')
            .select((eb) => eb.fn.sum<number>('movement.amount_cents').as('cents'))
            .where('badge.pupil_id', '=', pupilId)
            .executeTakeFirstOrThrow()
        ).cents ?? 0,
      );

    /** The office changes the enrolment's school and class from a day, as its form does. */
    const changeSchoolFrom = async (pupilId: number, enrolmentId: number, change: { validFrom: string; schoolId: number; className: string }) => {
      const row = await db().selectFrom('enrolment').selectAll().where('id', '=', enrolmentId).executeTakeFirstOrThrow();
      await t.app.services.enrolments.changeFromDate(admin, pupilId, enrolmentId, row.version, {
        ...change, holderPersonId: row.holder_person_id, tariffId: row.tariff_id,
        iseeCents: row.isee_cents, iseeAttestedOn: row.isee_attested_on, paymentMode: row.payment_mode, iban: row.debit_iban,
      });
    };
    /** A new pupil of the holder's at `schoolId`, enrolled in the canteen, whom the office moves from a later day. */
    const pupilMovedFrom = async (schoolId: number, className: string, change: { validFrom: string; schoolId: number; className: string }) => {
      const mover = await buildPupil(db(), ente.id, [{ person: holder, relation: 'intestatario' }], { schoolId, className });
      await changeSchoolFrom(mover.pupilId, await buildEnrolment(db(), ente.id, mover, holder), change);
      return mover;
    };
    /** The parent's Refezione page of a pupil for a period. */
    const refezioneOf = async (pupilId: number, from: string, to: string) => {
      const parent = new Browser(t.app);
      await parent.loginAs(holder, { returnTo: '/demo/' });
      const page = await parent.get(`/demo/refezione?utente=${pupilId}&dal=${from}&al=${to}`);
      assert.equal(page.statusCode, 200);
      return { parent, page };
    };

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW });
      ente = (await db().selectFrom('ente').selectAll().where('slug', '=', 'demo').executeTakeFirstOrThrow()) as Ente;
      const school = (name: string) =>
        db().insertInto('school').values({ ente_id: ente.id, name, level: 'primaria', address: 'Via della Prova 1', service_weekdays: '1,2,3,4,5' }).returning('id').executeTakeFirstOrThrow();
      schoolA = (await school('Scuola primaria Presenze A')).id;
      schoolB = (await school('Scuola primaria Presenze B')).id;
      const family = await buildFamily(db(), ente.id, { pupils: 0 });
      holder = family.holder;
      pupils = [];
      for (const className of ['1A', '1A', '2B', '2B']) {
        const pupil = await buildPupil(db(), ente.id, [{ person: holder, relation: 'intestatario' }], { schoolId: schoolA, className });
        await buildEnrolment(db(), ente.id, pupil, holder);
        pupils.push(pupil);
      }
      // A pupil of the prepaid canteen, with a badge its meals are debited to.
      prepaidPupil = await buildPupil(db(), ente.id, [{ person: holder, relation: 'intestatario' }], { schoolId: schoolA, className: '3C' });
      const prepaidService = await db().selectFrom('service').select('id').where('ente_id', '=', ente.id).where('kind', '=', 'refezione').where('billing', '=', 'prepaid').executeTakeFirstOrThrow();
      const year = await db().selectFrom('school_year').select('id').where('ente_id', '=', ente.id).where('label', '=', '2026/2027').executeTakeFirstOrThrow();
      const tariff = await db().selectFrom('tariff').select('id').where('service_id', '=', prepaidService.id).where('school_year_id', '=', year.id).orderBy('isee_min_cents').executeTakeFirstOrThrow();
      const enrolmentId = await buildEnrolment(db(), ente.id, prepaidPupil, holder);
      await db().updateTable('enrolment').set({ service_id: prepaidService.id, tariff_id: tariff.id }).where('id', '=', enrolmentId).execute();
      await db().insertInto('badge').values({ ente_id: ente.id, code: `PRES${process.pid % 100000}`, pupil_id: prepaidPupil.pupilId, service_id: prepaidService.id, issued_on: '2026-09-10', active: 1 }).execute();
      otherSchoolPupil = await buildPupil(db(), ente.id, [{ person: holder, relation: 'intestatario' }], { schoolId: schoolB, className: '5A' });
      await buildEnrolment(db(), ente.id, otherSchoolPupil, holder);
      schoolOperator = await buildOperator(db(), ente.id, 'scuola', schoolA);
      otherSchoolOperator = await buildOperator(db(), ente.id, 'scuola', schoolB);
      admin = await context(MARCO, 'attendance.correct');
    });
    after(async () => {
      await t?.close();
    });

    it('lists the day by class with the absences communicated, the same pupils the freeze will book', async () => {
      const { attendance, absences } = t.app.services;
      const parentNotice = await absences.submit(ente, { fiscalCode: holder.fiscalCode }, { pupilId: pupils[1]!.pupilId, from: TOMORROW, to: TOMORROW, kind: 'light_meal', submissionKey: 'parent-light-1' });
      assert.ok(parentNotice > 0);
      const list = await attendance.dayList(await context(schoolOperator.fiscalCode, 'attendance.mark'), { schoolId: schoolA, date: TOMORROW });
      assert.equal(list.phase, 'open');
      assert.deepEqual(list.classes.map((c) => [c.className, c.pupils.length]), [['1A', 2], ['2B', 2], ['3C', 1]]);
      const light = list.classes[0]!.pupils.find((p) => p.pupilId === pupils[1]!.pupilId)!;
      assert.equal(light.status, 'light_meal');
      assert.equal(light.source, 'parent');
      assert.deepEqual(list.totals, { pupils: 5, present: 4, lightMeals: 1, absent: 0 });
      assert.ok(!list.classes.flatMap((c) => c.pupils).some((p) => p.pupilId === otherSchoolPupil.pupilId), 'another school\'s pupil is not listed');
    });

    it('lists a pupil whose name holds a tab or a line break as it is (PostgreSQL sends the list as one text of lines and tabs)', async () => {
      const { attendance } = t.app.services;
      const person = await db().selectFrom('pupil').select('person_id').where('id', '=', pupils[0]!.pupilId).executeTakeFirstOrThrow();
      const before = await db().selectFrom('person').select(['given_name', 'family_name']).where('id', '=', person.person_id).executeTakeFirstOrThrow();
      const office = await context(schoolOperator.fiscalCode, 'attendance.mark');
      const plain = await attendance.dayList(office, { schoolId: schoolA, date: TOMORROW });
      try {
        for (const [given, family] of [['Anna\tMaria', before.family_name], [before.given_name, 'De\nSanctis'], ['A\nB\tC', 'D\tE']] as const) {
          await db().updateTable('person').set({ given_name: given, family_name: family }).where('id', '=', person.person_id).execute();
          const list = await attendance.dayList(office, { schoolId: schoolA, date: TOMORROW });
          const named = list.classes.flatMap((c) => c.pupils).find((p) => p.pupilId === pupils[0]!.pupilId)!;
          assert.deepEqual([named.givenName, named.familyName], [given, family]);
          assert.deepEqual(list.totals, plain.totals);
          assert.deepEqual(list.classes.map((c) => c.pupils.map((p) => p.pupilId).sort()), plain.classes.map((c) => c.pupils.map((p) => p.pupilId).sort()));
        }
      } finally {
        await db().updateTable('person').set(before).where('id', '=', person.person_id).execute();
      }
    });

    it('marks absent without notice (not booked) and present without booking (booked) before the cut-off', async () => {
      const { attendance, absences, freeze } = t.app.services;
      const school = await context(schoolOperator.fiscalCode, 'attendance.mark');
      // A parent's absence for pupil 2, which the school undoes: the pupil came to school after all.
      await absences.submit(ente, { fiscalCode: holder.fiscalCode }, { pupilId: pupils[2]!.pupilId, from: TOMORROW, to: TOMORROW, kind: 'absent', submissionKey: 'parent-absent-2' });
      const marked = await attendance.markClass(school, { schoolId: schoolA, date: TOMORROW, shownAbsent: [], absent: [pupils[0]!.pupilId] });
      assert.equal(marked.changed, 1);
      const undone = await attendance.markClass(school, { schoolId: schoolA, date: TOMORROW, shownAbsent: [pupils[2]!.pupilId], absent: [] });
      assert.equal(undone.changed, 1);
      // The same form sent again changes nothing more.
      assert.equal((await attendance.markClass(school, { schoolId: schoolA, date: TOMORROW, shownAbsent: [], absent: [pupils[0]!.pupilId] })).changed, 0);
      const audited = await db().selectFrom('audit_event').select(['action', 'before_json', 'after_json']).where('pupil_id', '=', pupils[0]!.pupilId).where('action', '=', 'office.attendance.absent').execute();
      assert.equal(audited.length, 1);
      assert.match(audited[0]!.after_json!, /"status":"absent"/);

      assert.equal(await freeze.freezeDay(ente, TOMORROW), 'frozen');
      assert.deepEqual(await attendanceOf(pupils[0]!.pupilId, TOMORROW), { status: 'absent', source: 'school' }, 'marked absent: not booked');
      assert.deepEqual(await attendanceOf(pupils[2]!.pupilId, TOMORROW), { status: 'present', source: 'default' }, 'absence undone: booked');
      assert.deepEqual(await attendanceOf(pupils[1]!.pupilId, TOMORROW), { status: 'light_meal', source: 'parent' });
      // Once the day is frozen, marking is refused: corrections only.
      await assert.rejects(attendance.markClass(school, { schoolId: schoolA, date: YESTERDAY, shownAbsent: [], absent: [pupils[3]!.pupilId] }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems.assenti, 'tooLate');
        return true;
      });
    });

    it('refuses a scuola operator another school\'s list and marks, and a pupil not in the list', async () => {
      const { attendance } = t.app.services;
      const school = await context(schoolOperator.fiscalCode, 'attendance.mark');
      await assert.rejects(attendance.dayList(school, { schoolId: schoolB, date: TODAY }), ForbiddenError);
      await assert.rejects(attendance.markClass(school, { schoolId: schoolB, date: TODAY, shownAbsent: [], absent: [otherSchoolPupil.pupilId] }), ForbiddenError);
      await assert.rejects(attendance.markClass(school, { schoolId: schoolA, date: TODAY, shownAbsent: [], absent: [otherSchoolPupil.pupilId] }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems.assenti, 'pupilNotListed');
        return true;
      });
      assert.equal(await db().selectFrom('attendance_change').select('pupil_id').where('pupil_id', '=', otherSchoolPupil.pupilId).executeTakeFirst(), undefined);
      const other = await attendance.schools(school);
      assert.deepEqual(other.map((s) => s.id), [schoolA]);
      // A scuola operator has no corrections.
      await assert.rejects(context(schoolOperator.fiscalCode, 'attendance.correct'), ForbiddenError);

      const browser = new Browser(t.app);
      await browser.loginAs(otherSchoolOperator, { returnTo: '/demo/ufficio/' });
      assert.equal((await browser.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=${TODAY}`)).statusCode, 403);
      const own = await browser.get(`/demo/ufficio/presenze?data=${TODAY}`);
      assert.equal(own.statusCode, 200);
      assert.match(own.body, /Scuola primaria Presenze B/);
      assert.doesNotMatch(own.body, /Scuola primaria Presenze A/);
    });

    it('after the freeze a correction credits a charged meal exactly once, idempotent, and the kitchen sees it as a change', async () => {
      const { attendance, freeze, charging, kitchen } = t.app.services;
      await freeze.freezeDay(ente, MONDAY);
      assert.equal(await charging.chargeDay(ente, MONDAY), 'charged');
      const pupil = prepaidPupil.pupilId;
      const before = await ledgerOf(pupil, MONDAY);
      assert.ok(before.original && before.original.amount_cents > 0, 'the meal was charged');
      const balance = await balanceOf(pupil);
      const input = { pupilId: pupil, date: MONDAY, status: 'absent' as const, reason: 'Mandato a casa per malattia', submissionKey: 'correction-1' };
      const first = await attendance.correct(admin, input);
      assert.equal(first.outcome, 'corrected');
      assert.ok(first.chargeId);
      // The same form again, and the same correction from another form: nothing more is credited.
      assert.deepEqual(await attendance.correct(admin, input), first);
      assert.deepEqual(await attendance.correct(admin, { ...input, submissionKey: 'correction-2' }), { outcome: 'unchanged', chargeId: null });
      const after = await ledgerOf(pupil, MONDAY);
      assert.equal(after.chain.length, 2, 'one storno');
      assert.equal(after.net, 0, 'the meal is credited');
      assert.equal(await balanceOf(pupil), balance + before.original!.amount_cents, 'the badge is credited once');
      const storno = await db().selectFrom('charge').select(['kind', 'reason', 'author', 'date']).where('id', '=', first.chargeId).executeTakeFirstOrThrow();
      assert.equal(storno.kind, 'storno');
      assert.equal(storno.author, MARCO);
      assert.equal(storno.date, TODAY, 'a storno is dated the day it is made');
      assert.match(storno.reason!, /23\/11\/2026: Mandato a casa per malattia/);
      assert.deepEqual(await attendanceOf(pupil, MONDAY), { status: 'absent', source: 'office' });
      const corrections = await db().selectFrom('attendance_correction').selectAll().where('pupil_id', '=', pupil).execute();
      assert.equal(corrections.length, 1);
      assert.equal(corrections[0]!.status_before, 'present');
      // The database refuses a second correction row writing off the same storno.
      const { id: _id, ...copy } = corrections[0]!;
      await assert.rejects(db().insertInto('attendance_correction').values({ ...copy, submission_key: 'copy' }).execute());

      // The same form sent twice at once (a double click on two instances): one storno, one answer.
      const twice = { pupilId: pupils[1]!.pupilId, date: MONDAY, status: 'absent' as const, reason: 'Uscita didattica', submissionKey: 'correction-twice' };
      const [one, two] = await Promise.all([attendance.correct(admin, twice), attendance.correct(admin, twice)]);
      assert.deepEqual(one, two);
      assert.equal((await ledgerOf(pupils[1]!.pupilId, MONDAY)).chain.length, 2, 'credited once');

      const day = await kitchen.officeDay(await context(MARCO, 'kitchen.counts'), MONDAY);
      assert.equal(day.kind, 'final');
      const change = day.changes.find((c) => c.schoolId === schoolA)!;
      assert.deepEqual([change.meals, change.lightMeals, change.absences], [-2, 0, 2]);
      const frozen = day.counts.find((c) => c.schoolId === schoolA && c.dietCode === '')!;
      assert.equal(frozen.meals, 5, 'the counts frozen at the cut-off stay as ordered');

      const list = await attendance.dayList(admin, { schoolId: schoolA, date: MONDAY });
      assert.equal(list.phase, 'frozen');
      const row = list.classes.flatMap((c) => c.pupils).find((p) => p.pupilId === pupil)!;
      assert.equal(row.status, 'absent');
      assert.deepEqual('correction' in row && row.correction, { before: 'present', reason: 'Mandato a casa per malattia' });
    });

    it('charges a meal of a pupil booked absent, and undoes a correction by a storno of the storno', async () => {
      const { attendance, freeze, charging } = t.app.services;
      const pupil = pupils[3]!.pupilId;
      await db().insertInto('attendance_change').values({ ente_id: ente.id, pupil_id: pupil, date: TUESDAY, status: 'absent', source: 'parent', notice_id: null, set_at: NOW }).execute();
      await freeze.freezeDay(ente, TUESDAY);
      await charging.chargeDay(ente, TUESDAY);
      assert.equal((await ledgerOf(pupil, TUESDAY)).original, undefined, 'absent: not charged');
      const present = await attendance.correct(admin, { pupilId: pupil, date: TUESDAY, status: 'present', reason: 'Presente, assenza comunicata per errore', submissionKey: 'c-present' });
      let ledger = await ledgerOf(pupil, TUESDAY);
      assert.equal(ledger.original!.id, present.chargeId);
      assert.equal(ledger.original!.kind, 'meal');
      assert.ok(ledger.net > 0);
      const price = ledger.net;
      await attendance.correct(admin, { pupilId: pupil, date: TUESDAY, status: 'absent', reason: 'Uscita didattica', submissionKey: 'c-absent' });
      await attendance.correct(admin, { pupilId: pupil, date: TUESDAY, status: 'present', reason: 'Rientrato in tempo per il pranzo', submissionKey: 'c-present-2' });
      ledger = await ledgerOf(pupil, TUESDAY);
      assert.deepEqual(ledger.chain, [price, -price, price], 'charged, credited, charged again: three rows, none edited');
      // The light meal was not what was charged: refused, nothing written.
      await assert.rejects(attendance.correct(admin, { pupilId: pupil, date: TUESDAY, status: 'light_meal', reason: 'Pasto in bianco', submissionKey: 'c-light' }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems.stato, 'otherKindCharged');
        return true;
      });
      assert.deepEqual(await attendanceOf(pupil, TUESDAY), { status: 'present', source: 'office' });
    });

    it('corrects a frozen day not charged yet: the charging reads the corrected attendance', async () => {
      const { attendance, charging } = t.app.services;
      // TOMORROW was frozen above and is not charged.
      const result = await attendance.correct(admin, { pupilId: pupils[2]!.pupilId, date: TOMORROW, status: 'absent', reason: 'Gita scolastica', submissionKey: 'c-tomorrow' });
      assert.deepEqual(result, { outcome: 'corrected', chargeId: null });
      assert.equal(await charging.chargeDay(ente, TOMORROW), 'charged');
      assert.equal((await ledgerOf(pupils[2]!.pupilId, TOMORROW)).original, undefined, 'not charged');
      assert.ok((await ledgerOf(pupils[3]!.pupilId, TOMORROW)).original, 'the others are');
      const twice = await db()
        .selectFrom('charge')
        .select(['enrolment_id', 'date', (eb) => eb.fn.countAll<number>().as('n')])
        .where('kind', '<>', sql.lit('storno'))
        .groupBy(['enrolment_id', 'date'])
        .having((eb) => eb.fn.countAll(), '>', 1)
        .execute();
      assert.deepEqual(twice, [], 'no meal charged twice');
    });

    it('refuses a correction of a day not frozen, of a pupil not booked, without a reason', async () => {
      const { attendance } = t.app.services;
      const refused = async (input: Parameters<typeof attendance.correct>[1], field: string, problem: string) => {
        await assert.rejects(attendance.correct(admin, input), (error: unknown) => {
          assert.ok(error instanceof InvalidInputError, String(error));
          assert.equal((error.problems as Record<string, string>)[field], problem);
          return true;
        });
      };
      await refused({ pupilId: pupils[0]!.pupilId, date: TODAY, status: 'absent', reason: 'Malattia', submissionKey: 'r-1' }, 'data', 'notFrozen');
      await refused({ pupilId: otherSchoolPupil.pupilId, date: '2026-11-28', status: 'absent', reason: 'Malattia', submissionKey: 'r-2' }, 'data', 'notFrozen');
      await refused({ pupilId: pupils[0]!.pupilId, date: MONDAY, status: 'absent', reason: '  ', submissionKey: 'r-3' }, 'motivo', 'reasonRequired');
      await refused({ pupilId: pupils[0]!.pupilId, date: '2026-02-30', status: 'absent', reason: 'Malattia', submissionKey: 'r-4' }, 'data', 'dateInvalid');
      const stranger = await buildPupil(db(), ente.id, [], { schoolId: schoolA });
      await refused({ pupilId: stranger.pupilId, date: MONDAY, status: 'present', reason: 'Malattia', submissionKey: 'r-5' }, 'alunno', 'notBooked');
      assert.equal(await db().selectFrom('attendance_correction').select('id').where('submission_key', 'like', 'r-%').executeTakeFirst(), undefined);
    });

    it('enters a phoned-in absence by the parent\'s rules, with the same receipt and the operator as submitter', async () => {
      const { absences } = t.app.services;
      const pupil = pupils[3]!.pupilId;
      // Yesterday: too late, as for a parent.
      await assert.rejects(absences.submitForOffice(admin, { pupilId: pupil, from: YESTERDAY, to: YESTERDAY, kind: 'absent', submissionKey: 'phone-late' }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems.from, 'tooLate');
        return true;
      });
      const noticeId = await absences.submitForOffice(admin, { pupilId: pupil, from: TODAY, to: TODAY, kind: 'absent', submissionKey: 'phone-1' });
      assert.equal(await absences.submitForOffice(admin, { pupilId: pupil, from: TODAY, to: TODAY, kind: 'absent', submissionKey: 'phone-1' }), noticeId, 'the same form again: the same receipt');
      const receipt = await absences.officeReceipt(admin, noticeId);
      assert.equal(receipt.notice.submitted_by, MARCO);
      assert.deepEqual(receipt.days.map((d) => [d.date, d.outcome]), [[TODAY, 'applied']]);
      // Over a weekend, as for a parent: the days without service are told, not recorded.
      const weekend = await absences.officeReceipt(admin, await absences.submitForOffice(admin, { pupilId: pupil, from: '2026-11-28', to: '2026-11-30', kind: 'absent', submissionKey: 'phone-3' }));
      assert.deepEqual(weekend.days.map((d) => [d.date, d.outcome]), [
        ['2026-11-28', 'not-a-service-weekday'],
        ['2026-11-29', 'not-a-service-weekday'],
        ['2026-11-30', 'applied'],
      ]);
      const change = await db().selectFrom('attendance_change').select(['status', 'source', 'notice_id']).where('pupil_id', '=', pupil).where('date', '=', TODAY).executeTakeFirstOrThrow();
      assert.deepEqual(change, { status: 'absent', source: 'office', notice_id: noticeId });
      const audit = await db().selectFrom('audit_event').select(['actor_fiscal_code', 'after_json']).where('action', '=', 'office.absence.absent').where('pupil_id', '=', pupil).executeTakeFirstOrThrow();
      assert.equal(audit.actor_fiscal_code, MARCO);
      // A pupil of no ente of this operator's: refused at the field.
      await assert.rejects(absences.submitForOffice(admin, { pupilId: 99_999_999, from: TODAY, to: TODAY, kind: 'absent', submissionKey: 'phone-2' }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems.pupil, 'pupilNotYours');
        return true;
      });
      // The parent sees it on the portal like their own, with the protocol number the office read out.
      const parent = await absences.receipt(ente, { fiscalCode: holder.fiscalCode }, noticeId);
      assert.equal(parent.notice.id, noticeId);
    });

    it('serves the pages: marking a class, a correction, a phoned-in absence, and refuses bad input with 422', async () => {
      const boss = new Browser(t.app);
      await boss.login(MARCO, { returnTo: '/demo/ufficio/' });
      const page = await boss.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=${TODAY}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Classe 1A/);
      assert.match(page.body, /Fino alle 09:30 del 26\/11\/2026/);
      const token = boss.csrfFrom(page.body);
      const marked = await boss.request({
        method: 'POST',
        url: '/demo/ufficio/presenze/classe',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(token)}&scuola=${schoolA}&data=${TODAY}&mostrati_assenti=&assente=${pupils[0]!.pupilId}&assente=${pupils[1]!.pupilId}`,
      });
      assert.equal(marked.statusCode, 303, marked.body.slice(0, 300));
      const shown = await boss.follow(marked);
      assert.match(shown.body, /Salvate 2 modifiche/);
      assert.equal((await db().selectFrom('attendance_change').select('source').where('pupil_id', '=', pupils[1]!.pupilId).where('date', '=', TODAY).executeTakeFirstOrThrow()).source, 'school');

      // One class only, as a teacher reads it; a class we do not know shows none, without an error.
      const oneClass = await boss.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=${TODAY}&classe=2B`);
      assert.equal(oneClass.statusCode, 200);
      assert.match(oneClass.body, /Classe 2B/);
      assert.doesNotMatch(oneClass.body, /Classe 1A/);
      assert.match(oneClass.body, /name="classe" value="2B"/);
      const unknown = await boss.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=${TODAY}&classe=%3Cb%3E`);
      assert.equal(unknown.statusCode, 200);
      assert.doesNotMatch(unknown.body, /Classe 1A|<b>/);

      // Bad input: an impossible date, a repeated pupil, control characters, a huge id.
      assert.equal((await boss.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=2026-02-30`)).statusCode, 422);
      assert.equal((await boss.get(`/demo/ufficio/presenze?scuola=99999999999&data=${TODAY}`)).statusCode, 422);
      const repeated = await boss.request({
        method: 'POST',
        url: '/demo/ufficio/presenze/classe',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(token)}&scuola=${schoolA}&data=${TODAY}&mostrati_assenti=&assente=${pupils[2]!.pupilId}&assente=${pupils[2]!.pupilId}`,
      });
      assert.equal(repeated.statusCode, 422);
      const nul = await boss.post('/demo/ufficio/presenze/classe', { _csrf: token, scuola: String(schoolA), data: `${TODAY}\u0000`, mostrati_assenti: '' });
      assert.equal(nul.statusCode, 422);
      assert.match(nul.body, /caratteri non ammessi/);

      const form = await boss.get(`/demo/ufficio/presenze/correzione?alunno=${pupils[0]!.pupilId}&data=${MONDAY}`);
      assert.equal(form.statusCode, 200);
      const key = /name="chiave" value="([^"]+)"/.exec(form.body)![1]!;
      const empty = await boss.post('/demo/ufficio/presenze/correzione', { _csrf: token, alunno: String(pupils[0]!.pupilId), data: MONDAY, stato: 'absent', motivo: '', chiave: key });
      assert.equal(empty.statusCode, 422);
      assert.match(empty.body, /Scrivi il motivo della correzione/);
      const control = await boss.post('/demo/ufficio/presenze/correzione', { _csrf: token, alunno: String(pupils[0]!.pupilId), data: MONDAY, stato: 'absent', motivo: 'Malattia\u0000', chiave: key });
      assert.equal(control.statusCode, 422);
      const wrongStatus = await boss.post('/demo/ufficio/presenze/correzione', { _csrf: token, alunno: String(pupils[0]!.pupilId), data: MONDAY, stato: 'gone', motivo: 'Malattia', chiave: key });
      assert.equal(wrongStatus.statusCode, 422);
      assert.match(wrongStatus.body, /Malattia/, 'what was typed is kept');
      assert.equal(await db().selectFrom('attendance_correction').select('id').where('pupil_id', '=', pupils[0]!.pupilId).executeTakeFirst(), undefined, 'nothing written');
      const saved = await boss.post('/demo/ufficio/presenze/correzione', { _csrf: token, alunno: String(pupils[0]!.pupilId), data: MONDAY, stato: 'absent', motivo: 'Malattia', chiave: key });
      assert.equal(saved.statusCode, 303);
      assert.match((await boss.follow(saved)).body, /Correzione registrata/);

      const phoned = await boss.get(`/demo/ufficio/presenze/telefonata?alunno=${pupils[2]!.pupilId}&scuola=${schoolA}&data=${TODAY}`);
      assert.equal(phoned.statusCode, 200);
      const phoneKey = /name="chiave" value="([^"]+)"/.exec(phoned.body)![1]!;
      const late = await boss.post('/demo/ufficio/presenze/telefonata', { _csrf: token, alunno: String(pupils[2]!.pupilId), scuola: String(schoolA), data: TODAY, dal: '25/11/2026', al: '', tipo: 'absent', chiave: phoneKey });
      assert.equal(late.statusCode, 422);
      assert.match(late.body, /non si possono più modificare/);
      const sent = await boss.post('/demo/ufficio/presenze/telefonata', { _csrf: token, alunno: String(pupils[2]!.pupilId), scuola: String(schoolA), data: TODAY, dal: '26/11/2026', al: '', tipo: 'absent', chiave: phoneKey });
      assert.equal(sent.statusCode, 303);
      const receipt = await boss.follow(sent);
      assert.match(receipt.body, /Numero di protocollo/);
      assert.match(receipt.body, new RegExp(MARCO));

      // The kitchen: provisional counts ahead, labelled as such.
      const cook = await boss.get(`/demo/ufficio/pasti?data=2026-11-30`);
      assert.equal(cook.statusCode, 200);
      assert.match(cook.body, /provvisori/);
      assert.match(cook.body, /Scuola primaria Presenze A/);
      const print = await boss.get(`/demo/ufficio/pasti/stampa?data=2026-11-30&scuola=${schoolA}`);
      assert.equal(print.statusCode, 200);
      assert.match(print.body, /data-print/);
      assert.match(print.body, /Torna ai pasti del giorno/);
    });

    it('keeps the kitchen and parents out of the attendance pages', async () => {
      const cook = new Browser(t.app);
      const cucina = await buildOperator(db(), ente.id, 'cucina');
      await cook.loginAs(cucina, { returnTo: '/demo/ufficio/' });
      assert.equal((await cook.get(`/demo/ufficio/presenze?scuola=${schoolA}&data=${TODAY}`)).statusCode, 403);
      const school = new Browser(t.app);
      await school.loginAs(schoolOperator, { returnTo: '/demo/ufficio/' });
      assert.equal((await school.get(`/demo/ufficio/presenze/correzione?alunno=${pupils[0]!.pupilId}&data=${MONDAY}`)).statusCode, 403);
      assert.equal((await school.get(`/demo/ufficio/pasti`)).statusCode, 403);
    });

    it('lists a pupil the office moves to another school from a later day at the first school until then, at the new one from it', async () => {
      const { attendance } = t.app.services;
      const mover = await buildPupil(db(), ente.id, [{ person: holder, relation: 'intestatario' }], { schoolId: schoolA, className: '4D' });
      const enrolmentId = await buildEnrolment(db(), ente.id, mover, holder);
      // The days before are frozen by the tests above: Monday 30 November is open, the change is from Tuesday.
      const before = '2026-11-30';
      const movedOn = '2026-12-01';
      const moveTo = (schoolId: number, className: string, validFrom: string) => changeSchoolFrom(mover.pupilId, enrolmentId, { validFrom, schoolId, className });
      // The class the pupil is listed in at the school that day, or false when not listed there.
      const listed = async (schoolId: number, date: string) =>
        (await attendance.dayList(admin, { schoolId, date })).classes.find((c) => c.pupils.some((p) => p.pupilId === mover.pupilId))?.className ?? false;
      await moveTo(schoolB, '5A', movedOn);
      assert.deepEqual([await listed(schoolA, before), await listed(schoolB, before)], ['4D', false], 'before the change: the first school, in the first class');
      assert.deepEqual([await listed(schoolA, movedOn), await listed(schoolB, movedOn)], [false, '5A'], 'from the change: the new school and class');
      // And back to the first school, in another class, a week later: three terms, the rows at the latest.
      await moveTo(schoolA, '4E', '2026-12-07');
      assert.deepEqual([await listed(schoolA, before), await listed(schoolB, before)], ['4D', false]);
      assert.deepEqual([await listed(schoolA, movedOn), await listed(schoolB, movedOn)], [false, '5A']);
      assert.deepEqual([await listed(schoolA, '2026-12-07'), await listed(schoolB, '2026-12-07')], ['4E', false]);
      // The serving staff's sheet lists a pupil with a diet in the class of the day too.
      await buildApprovedDiet(db(), ente.id, mover, 'senza-glutine', before);
      const sheetClass = async (schoolId: number, date: string) =>
        (await t.app.services.diets.sheet(admin, schoolId, date)).classes.find((c) => c.pupils.some((p) => p.pupilId === mover.pupilId))?.className ?? false;
      assert.deepEqual([await sheetClass(schoolA, before), await sheetClass(schoolB, movedOn), await sheetClass(schoolA, '2026-12-07')], ['4D', '5A', '4E']);
      // A phoned-in absence's receipt leads back to the list of the school of its day.
      const receiptSchool = async (date: string, key: string) =>
        (await t.app.services.absences.officeReceipt(admin, await t.app.services.absences.submitForOffice(admin, { pupilId: mover.pupilId, from: date, to: date, kind: 'absent', submissionKey: key }))).pupil.schoolId;
      assert.deepEqual([await receiptSchool(before, 'mover-1'), await receiptSchool(movedOn, 'mover-2')], [schoolA, schoolB]);
      // The freeze books the day as the list showed it, and the booked day keeps the day's class.
      await t.app.services.freeze.freezeDay(ente, movedOn);
      const booked = await db().selectFrom('attendance').select('school_id').where('pupil_id', '=', mover.pupilId).where('date', '=', movedOn).executeTakeFirstOrThrow();
      assert.equal(booked.school_id, schoolB);
      assert.equal(await listed(schoolB, movedOn), '5A');
    });

    it('shows the parent, before an office move from a later day, the first school’s closures and weekdays; the new school’s from the move', async () => {
      // School C serves Monday to Thursday; the days up to 1 December are frozen by the tests above.
      const schoolC = (await db().insertInto('school').values({ ente_id: ente.id, name: 'Scuola primaria Presenze C', level: 'primaria', address: 'Via della Prova 3', service_weekdays: '1,2,3,4' }).returning('id').executeTakeFirstOrThrow()).id;
      const closeSchool = async (schoolId: number, date: string, reason: string) => {
        const period = await db().insertInto('closure_period').values({ ente_id: ente.id, school_id: schoolId, starts_on: date, ends_on: date, reason, author: 'test', created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
        await db().insertInto('closure').values({ ente_id: ente.id, school_id: schoolId, date, reason, period_id: period.id }).execute();
      };
      await closeSchool(schoolC, '2026-12-03', 'Sciopero alla scuola C');
      await closeSchool(schoolA, '2026-12-04', 'Gita della scuola A');
      const mover = await pupilMovedFrom(schoolA, '2F', { validFrom: '2026-12-09', schoolId: schoolC, className: '2F' });
      const { parent, page } = await refezioneOf(mover.pupilId, '2026-12-03', '2026-12-11');
      const day = (label: string) => new RegExp(`${label}</th><td data-label="Presenza">([^<]*)<`).exec(page.body)?.[1] ?? 'not listed';
      const booked = day('giovedì 10/12/2026');
      assert.match(booked, /Pasto prenotato/, 'at school C from the move');
      assert.equal(day('giovedì 03/12/2026'), booked, 'school C’s strike is not the first school’s');
      assert.doesNotMatch(page.body, /Sciopero alla scuola C/);
      assert.match(page.body, /Gita della scuola A/, 'the first school’s closure before the move');
      assert.notEqual(day('venerdì 04/12/2026'), booked);
      assert.notEqual(day('venerdì 11/12/2026'), booked, 'school C serves no Friday');
      const absences = await parent.get(`/demo/assenze?utente=${mover.pupilId}`);
      assert.equal(absences.statusCode, 200);
    });

    it('shows the parent the menu of the level of the day’s school: infanzia’s before an office move to a primaria, primaria’s from it', async () => {
      const { menuOffice } = t.app.services;
      const infanzia = (await db().insertInto('school').values({ ente_id: ente.id, name: 'Scuola dell’infanzia Presenze', level: 'infanzia', address: 'Via della Prova 4', service_weekdays: '1,2,3,4,5' }).returning('id').executeTakeFirstOrThrow()).id;
      const dish = (name: string) => menuOffice.createDish(admin, { name, allergens: [], ingredients: name });
      const special = async (date: string, schoolLevel: 'infanzia' | 'primaria', dishId: number) =>
        menuOffice.createSpecial(admin, { date, schoolLevel, name: `Menù ${schoolLevel}`, dishes: [{ diet: '', course: 'primo', dishId }] });
      const [pastina, lasagne] = [await dish('Pastina della scuola dell’infanzia'), await dish('Lasagne della scuola primaria')];
      for (const date of ['2026-12-14', '2026-12-16']) {
        await special(date, 'infanzia', pastina);
        await special(date, 'primaria', lasagne);
      }
      const mover = await pupilMovedFrom(infanzia, 'Sezione B', { validFrom: '2026-12-15', schoolId: schoolA, className: '1A' });
      const { page } = await refezioneOf(mover.pupilId, '2026-12-14', '2026-12-16');
      const dayRow = (label: string) => new RegExp(`${label}</th>[\\s\\S]*?</tr>`).exec(page.body)?.[0] ?? 'not listed';
      assert.match(dayRow('lunedì 14/12/2026'), /Pastina della scuola dell’infanzia/, 'the day before the move: the infanzia’s menu');
      assert.doesNotMatch(dayRow('lunedì 14/12/2026'), /Lasagne/);
      assert.match(dayRow('mercoledì 16/12/2026'), /Lasagne della scuola primaria/, 'from the move: the primaria’s menu');
      assert.doesNotMatch(dayRow('mercoledì 16/12/2026'), /Pastina/);
    });
  });
}
