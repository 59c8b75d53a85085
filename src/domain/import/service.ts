import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { transaction } from '../../db/transaction';
import { bulkInsert } from '../../db/bulk';
import { updateVersioned } from '../../db/versioned';
import type { DB } from '../../db/schema';
import { type AuditTrail, type ChangeEntry, writeChanges } from '../audit/audit';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { ConflictError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { IMPORT_COLUMNS, type ImportColumn, type ImportReport } from './columns';
import { type ImportPlan, planImport } from './plan';
import { withSearchKey } from '../registry/search-key';

/** An upload waits this long for its "Importa"; older ones are removed when the next one is kept. */
const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** A unique key or a version that changed under the import: someone saved the same records meanwhile. */
function isConcurrentChange(error: unknown): boolean {
  if (error instanceof ConflictError) return true;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const billingWord = { prepaid: 'prepagato', postpaid: 'postpagato' } as const;

function italianDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/**
 * Import from the previous supplier, and export (issue 13; permission `registry.import`): the dry run,
 * the import (all or nothing, idempotent, updates by fiscal code), the upload kept between the two, the
 * registry's export in the same columns and the template.
 */
export function createImportService(db: Kysely<DB>, clock: Clock, audit: AuditTrail) {
  const today = () => romeDate(clock.now());

  /** What the file holds and what importing it would create and change; writes nothing. */
  async function check(office: OperatorContext, bytes: Uint8Array): Promise<ImportReport> {
    requirePermission(office, 'registry.import');
    const plan = await planImport(db, office.ente.id, bytes, today());
    audit.record({ enteId: office.ente.id, actorFiscalCode: office.operator.fiscalCode, action: 'office.import.check', requestId: office.requestId });
    return plan.report;
  }

  /**
   * Imports the file in one transaction, checked again inside it: a file with any problem writes nothing
   * (its report says why); a file already imported changes nothing and writes no audit event of change.
   */
  async function apply(office: OperatorContext, bytes: Uint8Array, alsoInTransaction?: (trx: Kysely<DB>) => Promise<void>): Promise<ImportReport> {
    requirePermission(office, 'registry.import');
    try {
      return await transaction(db, async (tx) => {
        const plan = await planImport(tx.db, office.ente.id, bytes, today());
        if (plan.report.problems.length) return plan.report;
        await writePlan(tx.db, office, plan);
        if (alsoInTransaction) await alsoInTransaction(tx.db);
        plan.report.applied = true;
        // A large import changes the tables' sizes by orders of magnitude: PostgreSQL's statistics, and
        // the plans it keeps for our prepared statements, still describe the small tables until an
        // ANALYZE (autovacuum may take minutes). Until then a look-up by fiscal code read all persons
        // (9 s a chunk at Rome's size). SQLite plans with the statistics we ship (decision 0013).
        if (plan.report.created.persons + plan.report.created.enrolments > 1000) tx.afterCommit(() => analyseRegistry(db));
        return plan.report;
      });
    } catch (error) {
      if (!isConcurrentChange(error)) throw error;
      const report = (await planImport(db, office.ente.id, bytes, today())).report;
      report.problems.unshift({ row: 1, column: null, code: 'changedMeanwhile' });
      return report;
    }
  }

  async function analyseRegistry(database: Kysely<DB>): Promise<void> {
    if (!(database.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`analyze person, pupil, pupil_holder, enrolment, enrolment_term, badge`.execute(database);
  }

  async function writePlan(trx: Kysely<DB>, office: OperatorContext, plan: ImportPlan): Promise<void> {
    const enteId = office.ente.id;
    const day = today();
    const createdAt = clock.now().toISOString();
    const changes: ChangeEntry[] = [];

    const personIds = new Map(plan.personIds);
    const personRows = plan.personCreates.map((p) => ({ ...p, ...withSearchKey(p) }));
    const personColumns = Object.keys(personRows[0] ?? {});
    const insertedPersons = await bulkInsert<{ id: number; fiscal_code: string }>(
      trx,
      'person',
      [{ name: 'ente_id', pg: 'int4' }, ...personColumns.map((name) => ({ name, pg: 'text' as const }))],
      personRows.map((p) => [enteId, ...personColumns.map((c) => (p as Record<string, unknown>)[c])]),
      ['id', 'fiscal_code'],
    );
    for (const r of insertedPersons) personIds.set(r.fiscal_code, r.id);
    for (const u of plan.personUpdates) await updateVersioned(trx, 'person', { id: u.id, enteId, version: u.version }, withSearchKey(u.set, u.current));

    const cfOfPerson = new Map<number, string>();
    for (const [cf, id] of personIds) cfOfPerson.set(id, cf);
    const pupilIds = new Map(plan.pupilIds);
    const insertedPupils = await bulkInsert<{ id: number; person_id: number }>(
      trx,
      'pupil',
      [
        { name: 'ente_id', pg: 'int4' },
        { name: 'person_id', pg: 'int4' },
        { name: 'school_id', pg: 'int4' },
        { name: 'class_name', pg: 'text' },
      ],
      plan.pupilCreates.map((p) => [enteId, personIds.get(p.pupilCf)!, p.school_id, p.class_name]),
      ['id', 'person_id'],
    );
    for (const r of insertedPupils) pupilIds.set(cfOfPerson.get(r.person_id)!, r.id);
    // A pupil's own person row is part of the pupil's history (decision 0017): its events name the pupil.
    for (const p of plan.personCreates) {
      const subjectId = personIds.get(p.fiscal_code)!;
      changes.push({ action: 'office.import.person.create', subjectType: 'person', subjectId, before: null, after: { ...p }, pupilId: pupilIds.get(p.fiscal_code) });
    }
    for (const u of plan.personUpdates) {
      changes.push({ action: 'office.import.person.update', subjectType: 'person', subjectId: u.id, before: u.before, after: u.set, pupilId: pupilIds.get(cfOfPerson.get(u.id) ?? '') });
    }
    for (const p of plan.pupilCreates) {
      const personId = personIds.get(p.pupilCf)!;
      changes.push({
        action: 'office.import.pupil.create',
        subjectType: 'pupil',
        subjectId: pupilIds.get(p.pupilCf)!,
        before: null,
        after: { person_id: personId, school_id: p.school_id, class_name: p.class_name },
      });
    }
    for (const u of plan.pupilUpdates) {
      // Before a later change of the office's the row keeps its values: the file's class goes into the
      // enrolment's terms below, and that event says it.
      if (u.laterTerm) continue;
      await updateVersioned(trx, 'pupil', { id: u.id, enteId, version: u.version }, u.set);
      changes.push({ action: 'office.import.pupil.update', subjectType: 'pupil', subjectId: u.id, before: u.before, after: u.set });
    }

    // Existing links first, a former account holder lowered before the new one is raised or created:
    // a pupil never has two intestatari, not even inside this transaction (migration 0016's index).
    const linkUpdates = [...plan.linkUpdates].sort((a, b) => Number(a.relation === 'intestatario') - Number(b.relation === 'intestatario'));
    for (const u of linkUpdates) {
      await trx.updateTable('pupil_holder').set({ relation: u.relation }).where('ente_id', '=', enteId).where('pupil_id', '=', u.pupilId).where('person_id', '=', u.personId).execute();
      const field = `relation_of_person_${u.personId}`;
      changes.push({ action: 'office.import.link.update', subjectType: 'pupil', subjectId: u.pupilId, before: { [field]: u.before }, after: { [field]: u.relation } });
    }
    const links = plan.linkCreates.map((l) => ({ pupil_id: pupilIds.get(l.pupilCf)!, person_id: personIds.get(l.personCf)!, relation: l.relation }));
    await bulkInsert(
      trx,
      'pupil_holder',
      [
        { name: 'ente_id', pg: 'int4' },
        { name: 'pupil_id', pg: 'int4' },
        { name: 'person_id', pg: 'int4' },
        { name: 'relation', pg: 'text' },
      ],
      links.map((l) => [enteId, l.pupil_id, l.person_id, l.relation]),
    );
    for (const l of links) {
      changes.push({ action: 'office.import.link.create', subjectType: 'pupil', subjectId: l.pupil_id, before: null, after: { person_id: l.person_id, relation: l.relation } });
    }

    const enrolments = plan.enrolmentCreates.map((e) => ({
      pupil_id: pupilIds.get(e.pupilCf)!,
      service_id: e.service_id,
      school_year_id: e.school_year_id,
      school_id: e.school_id,
      holder_person_id: personIds.get(e.holderCf)!,
      tariff_id: e.tariff_id,
      state: e.state,
      starts_on: e.starts_on,
      ends_on: e.ends_on,
      payment_mode: 'pagopa' as const,
      invoice_recipient: e.invoice_recipient,
      invoice_address: e.invoice_address,
      invoice_email: e.invoice_email,
    }));
    const enrolmentColumns = Object.keys(enrolments[0] ?? {}) as (keyof (typeof enrolments)[number])[];
    const insertedEnrolments = await bulkInsert<{ id: number; pupil_id: number; service_id: number; school_year_id: number }>(
      trx,
      'enrolment',
      [
        { name: 'ente_id', pg: 'int4' },
        { name: 'created_at', pg: 'text' },
        ...enrolmentColumns.map((name) => ({ name, pg: name.endsWith('_id') ? ('int4' as const) : ('text' as const) })),
      ],
      enrolments.map((e) => [enteId, createdAt, ...enrolmentColumns.map((c) => e[c])]),
      ['id', 'pupil_id', 'service_id', 'school_year_id'],
    );
    const enrolmentIds = new Map<string, number>();
    for (const r of insertedEnrolments) enrolmentIds.set(`${r.pupil_id}/${r.service_id}/${r.school_year_id}`, r.id);
    for (const e of enrolments) {
      changes.push({
        action: 'office.import.enrolment.create',
        subjectType: 'enrolment',
        subjectId: enrolmentIds.get(`${e.pupil_id}/${e.service_id}/${e.school_year_id}`)!,
        before: null,
        after: e,
      });
    }
    // A running enrolment's school, band or holder changes from the first day not yet frozen, as the
    // office's change from a date does (decision 0018): the days already decided keep their values.
    const changeFrom = plan.changeFrom;
    const classOf = new Map(plan.pupilUpdates.map((u) => [u.id, u]));
    for (const u of plan.enrolmentUpdates) {
      const set = u.holderChanged ? { ...u.set, holder_person_id: personIds.get(u.holderCf)! } : u.set;
      const pupilId = pupilIds.get(u.pupilCf)!;
      const pupilChange = classOf.get(pupilId);
      const { validFrom, laterTerm } = await changeTermsFrom(trx, u.id, changeFrom, set, pupilChange?.before.class_name, pupilChange?.set.class_name, office.operator.fiscalCode, createdAt);
      // The row carries its latest term's values (registry/enrolments.ts): a change the office set for a
      // later day keeps them; the file's values hold from `validFrom` until that day.
      const { school_id: _school, tariff_id: _tariff, ...untimed } = u.set;
      await updateVersioned(trx, 'enrolment', { id: u.id, enteId, version: u.version }, laterTerm ? untimed : set);
      // The date is said in `after` only: a field equal before and after is not kept in the event. A class
      // the pupil's row does not take (a later term of the office's) is said here.
      const classInTerms = laterTerm && pupilChange?.set.class_name !== undefined;
      const before = classInTerms ? { ...u.before, class_name: pupilChange.before.class_name } : u.before;
      const changed = classInTerms ? { ...set, class_name: pupilChange.set.class_name } : set;
      const after = validFrom === undefined ? changed : { ...changed, valid_from: validFrom };
      changes.push({ action: 'office.import.enrolment.update', subjectType: 'enrolment', subjectId: u.id, before, after, pupilId });
    }

    const badges = plan.badgeCreates.map((b) => ({ code: b.code, pupil_id: pupilIds.get(b.pupilCf)!, service_id: b.service_id, issued_on: day, active: 1 }));
    const insertedBadges = await bulkInsert<{ id: number; code: string }>(
      trx,
      'badge',
      [
        { name: 'ente_id', pg: 'int4' },
        { name: 'code', pg: 'text' },
        { name: 'pupil_id', pg: 'int4' },
        { name: 'service_id', pg: 'int4' },
        { name: 'issued_on', pg: 'text' },
        { name: 'active', pg: 'int4' },
      ],
      badges.map((b) => [enteId, b.code, b.pupil_id, b.service_id, b.issued_on, b.active]),
      ['id', 'code'],
    );
    const badgeIds = new Map<string, number>();
    for (const r of insertedBadges) badgeIds.set(r.code, r.id);
    for (const b of badges) {
      changes.push({ action: 'office.import.badge.create', subjectType: 'badge', subjectId: badgeIds.get(b.code)!, before: null, after: b });
    }

    await writeChanges(trx, clock, office, changes);
  }

  /** Keeps an uploaded file for its confirmation; the id is random, the hash names the content shown. */
  async function keepUpload(office: OperatorContext, fileName: string, bytes: Uint8Array): Promise<{ id: string; sha256: string }> {
    requirePermission(office, 'registry.import');
    const id = randomBytes(16).toString('hex');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('import_upload')
        .where('ente_id', '=', office.ente.id)
        .where('created_at', '<', new Date(now.getTime() - UPLOAD_LIFETIME_MS).toISOString())
        .execute();
      await trx
        .insertInto('import_upload')
        .values({ id, ente_id: office.ente.id, operator_fiscal_code: office.operator.fiscalCode, sha256, file_name: fileName.slice(0, 200), content: bytes, created_at: now.toISOString() })
        .execute();
    });
    return { id, sha256 };
  }

  /** The kept file of this operator, if it is still there and still the one checked; undefined otherwise. */
  async function keptUpload(office: OperatorContext, id: string, sha256: string): Promise<{ fileName: string; bytes: Uint8Array } | undefined> {
    requirePermission(office, 'registry.import');
    const row = await db
      .selectFrom('import_upload')
      .select(['file_name', 'content', 'sha256'])
      .where('id', '=', id)
      .where('ente_id', '=', office.ente.id)
      .where('operator_fiscal_code', '=', office.operator.fiscalCode)
      .executeTakeFirst();
    if (!row || row.sha256 !== sha256) return undefined;
    const bytes = new Uint8Array(row.content);
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) return undefined;
    return { fileName: row.file_name, bytes };
  }

  /** Imports a kept file; once imported, the upload is removed in the same transaction. */
  async function applyUpload(office: OperatorContext, id: string, sha256: string): Promise<{ fileName: string; report: ImportReport } | undefined> {
    const kept = await keptUpload(office, id, sha256);
    if (!kept) return undefined;
    const report = await apply(office, kept.bytes, async (trx) => {
      await trx.deleteFrom('import_upload').where('id', '=', id).where('ente_id', '=', office.ente.id).execute();
    });
    return { fileName: kept.fileName, report };
  }

  /** The registry in the import's columns, one row per enrolment (oldest first); the download is audited. */
  async function exportRows(office: OperatorContext): Promise<Record<ImportColumn, string>[]> {
    requirePermission(office, 'registry.import');
    const enteId = office.ente.id;
    const rows = await db
      .selectFrom('enrolment as e')
      .innerJoin('pupil as p', 'p.id', 'e.pupil_id')
      .innerJoin('person as c', 'c.id', 'p.person_id')
      .innerJoin('person as h', 'h.id', 'e.holder_person_id')
      .innerJoin('school as s', 's.id', 'p.school_id')
      .innerJoin('service as v', 'v.id', 'e.service_id')
      .innerJoin('school_year as y', 'y.id', 'e.school_year_id')
      .innerJoin('tariff as t', 't.id', 'e.tariff_id')
      .leftJoin('badge as b', (join) => join.onRef('b.pupil_id', '=', 'e.pupil_id').onRef('b.service_id', '=', 'e.service_id').on('b.active', '=', sql.lit(1)))
      .select([
        'e.pupil_id as pupilId',
        'e.holder_person_id as holderId',
        'c.fiscal_code as cf_alunno',
        'c.family_name as cognome_alunno',
        'c.given_name as nome_alunno',
        'c.birth_date as birthDate',
        'c.sex as sesso_alunno',
        'c.birth_place as comune_nascita_alunno',
        'c.address as indirizzo',
        'c.postcode as cap',
        'c.city as comune',
        'c.province as provincia',
        's.name as scuola',
        'p.class_name as classe',
        'h.fiscal_code as cf_intestatario',
        'h.family_name as cognome_intestatario',
        'h.given_name as nome_intestatario',
        'h.email as email_intestatario',
        'h.phone as telefono_intestatario',
        'v.name as servizio',
        'y.label as anno_scolastico',
        't.band_code as fascia',
        'v.billing as billing',
        'b.code as badge',
      ])
      .where('e.ente_id', '=', enteId)
      .orderBy('e.id')
      .execute();
    // The other parent: the pupil's first cointestatario (by person) who is not the enrolment's payer.
    const others = await db
      .selectFrom('pupil_holder as l')
      .innerJoin('person as o', 'o.id', 'l.person_id')
      .select(['l.pupil_id as pupilId', 'o.id as personId', 'o.fiscal_code', 'o.family_name', 'o.given_name'])
      .where('l.ente_id', '=', enteId)
      .where('l.relation', '=', sql.lit('cointestatario'))
      .orderBy('l.pupil_id')
      .orderBy('o.id')
      .execute();
    const othersOf = new Map<number, typeof others>();
    for (const o of others) {
      const list = othersOf.get(o.pupilId);
      if (list) list.push(o);
      else othersOf.set(o.pupilId, [o]);
    }
    audit.record({ enteId, actorFiscalCode: office.operator.fiscalCode, action: 'office.import.export', requestId: office.requestId });
    return rows.map((r) => {
      const other = othersOf.get(r.pupilId)?.find((o) => o.personId !== r.holderId);
      return {
        cf_alunno: r.cf_alunno,
        cognome_alunno: r.cognome_alunno,
        nome_alunno: r.nome_alunno,
        data_nascita_alunno: italianDate(r.birthDate),
        sesso_alunno: r.sesso_alunno,
        comune_nascita_alunno: r.comune_nascita_alunno,
        indirizzo: r.indirizzo,
        cap: r.cap,
        comune: r.comune,
        provincia: r.provincia,
        scuola: r.scuola,
        classe: r.classe,
        cf_intestatario: r.cf_intestatario,
        cognome_intestatario: r.cognome_intestatario,
        nome_intestatario: r.nome_intestatario,
        email_intestatario: r.email_intestatario ?? '',
        telefono_intestatario: r.telefono_intestatario ?? '',
        servizio: r.servizio,
        anno_scolastico: r.anno_scolastico,
        fascia: r.fascia,
        modalita_pagamento: billingWord[r.billing],
        badge: r.badge ?? '',
        cf_altro_genitore: other?.fiscal_code ?? '',
        cognome_altro_genitore: other?.family_name ?? '',
        nome_altro_genitore: other?.given_name ?? '',
      };
    });
  }

  /**
   * The template's example row: a fictitious family (valid fiscal codes, consistent with the birth date)
   * at the ente's own first school, service, latest school year and a band of it, so that the template
   * passes the dry run as it is.
   */
  async function templateRow(office: OperatorContext): Promise<Record<ImportColumn, string>> {
    requirePermission(office, 'registry.import');
    const enteId = office.ente.id;
    const [school, year] = await Promise.all([
      db.selectFrom('school').select('name').where('ente_id', '=', enteId).orderBy('id').limit(sql.lit(1)).executeTakeFirst(),
      db.selectFrom('school_year').select(['id', 'label']).where('ente_id', '=', enteId).orderBy('starts_on', 'desc').limit(sql.lit(1)).executeTakeFirst(),
    ]);
    const band = year
      ? await db
          .selectFrom('tariff as t')
          .innerJoin('service as v', 'v.id', 't.service_id')
          .select(['v.name', 'v.billing', 't.band_code'])
          .where('t.ente_id', '=', enteId)
          .where('t.school_year_id', '=', year.id)
          .orderBy('v.id')
          .orderBy('t.isee_min_cents')
          .limit(sql.lit(1))
          .executeTakeFirst()
      : undefined;
    const example: Record<ImportColumn, string> = {
      cf_alunno: 'SMPGLI18C55H501S',
      cognome_alunno: 'Esempio',
      nome_alunno: 'Giulia',
      data_nascita_alunno: '15/03/2018',
      sesso_alunno: 'F',
      comune_nascita_alunno: 'Roma',
      indirizzo: 'Via dell’Esempio 1',
      cap: '00100',
      comune: 'Roma',
      provincia: 'RM',
      scuola: school?.name ?? 'Scuola primaria Esempio',
      classe: '3ª B',
      cf_intestatario: 'SMPMRC85H20H501J',
      cognome_intestatario: 'Esempio',
      nome_intestatario: 'Marco',
      email_intestatario: 'marco.esempio@example.org',
      telefono_intestatario: '333 000 0000',
      servizio: band?.name ?? 'Refezione scolastica',
      anno_scolastico: year?.label ?? '2026/2027',
      fascia: band?.band_code ?? 'A',
      modalita_pagamento: band ? billingWord[band.billing] : 'prepagato',
      badge: '',
      cf_altro_genitore: '',
      cognome_altro_genitore: '',
      nome_altro_genitore: '',
    };
    return Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, example[c]])) as Record<ImportColumn, string>;
  }

  return { check, apply, keepUpload, keptUpload, applyUpload, exportRows, templateRow };
}

export type ImportService = ReturnType<typeof createImportService>;

/**
 * When an import changes the school, band or holder of an enrolment whose service has begun, the change is
 * a term from `changeFrom` (the first day not yet frozen) instead of a rewrite of the enrolment's values:
 * the freeze, the charging and the billing read each day's term (decision 0018). The enrolment's first
 * term is its values until then. An enrolment not begun yet, or one ended, is changed in place: no day
 * of it is decided under other values. Returns the change's date (none when changed in place), and
 * whether the office had set a change for a later day, which the file's values hold until.
 */
async function changeTermsFrom(
  trx: Kysely<DB>,
  enrolmentId: number,
  changeFrom: string,
  set: { school_id?: number; tariff_id?: number; holder_person_id?: number },
  classBefore: string | undefined,
  classAfter: string | undefined,
  author: string,
  createdAt: string,
): Promise<{ validFrom?: string; laterTerm: boolean }> {
  if (set.school_id === undefined && set.tariff_id === undefined && set.holder_person_id === undefined && classAfter === undefined) return { laterTerm: false };
  const enrolment = await trx
    .selectFrom('enrolment')
    .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
    .selectAll('enrolment')
    .select('pupil.class_name')
    .where('enrolment.id', '=', enrolmentId)
    .executeTakeFirstOrThrow();
  const terms = await trx.selectFrom('enrolment_term').selectAll().where('enrolment_id', '=', enrolmentId).orderBy('valid_from').execute();
  if (enrolment.state !== 'attiva' || (terms.length === 0 && enrolment.starts_on >= changeFrom)) return { laterTerm: false };
  // The pupil's row already has the file's class (written before the enrolments): the first term takes the one before.
  const first = terms[0] ?? {
    ente_id: enrolment.ente_id, enrolment_id: enrolment.id, valid_from: enrolment.starts_on, school_id: enrolment.school_id,
    class_name: classBefore ?? enrolment.class_name, tariff_id: enrolment.tariff_id, isee_cents: enrolment.isee_cents,
    isee_attested_on: enrolment.isee_attested_on, holder_person_id: enrolment.holder_person_id, payment_mode: enrolment.payment_mode,
    debit_iban: enrolment.debit_iban, author, created_at: createdAt,
  };
  if (terms.length === 0) {
    const { id: _id, ...values } = first as typeof first & { id?: number };
    await trx.insertInto('enrolment_term').values(values).execute();
  }
  const inForce = terms.filter((t) => t.valid_from <= changeFrom).at(-1) ?? first;
  const term = {
    ente_id: enrolment.ente_id, enrolment_id: enrolment.id, valid_from: changeFrom,
    school_id: set.school_id ?? inForce.school_id, class_name: classAfter ?? inForce.class_name, tariff_id: set.tariff_id ?? inForce.tariff_id,
    isee_cents: inForce.isee_cents, isee_attested_on: inForce.isee_attested_on, holder_person_id: set.holder_person_id ?? inForce.holder_person_id,
    payment_mode: inForce.payment_mode, debit_iban: inForce.debit_iban, author, created_at: createdAt,
  };
  // A second import on the same day corrects that day's term: no day under it is decided yet.
  if (inForce.valid_from === changeFrom && terms.length > 0) {
    const { ente_id: _e, enrolment_id: _n, valid_from: _v, ...values } = term;
    await trx.updateTable('enrolment_term').set(values).where('enrolment_id', '=', enrolmentId).where('valid_from', '=', changeFrom).execute();
  } else {
    await trx.insertInto('enrolment_term').values(term).execute();
  }
  return { validFrom: changeFrom, laterTerm: terms.some((t) => t.valid_from > changeFrom) };
}
