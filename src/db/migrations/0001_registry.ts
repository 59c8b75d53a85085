import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { binaryType, withId } from './types';

/** Tenants, registry, enrolments, operators, audit trail and sessions. */
export const registry: AppMigration = {
  name: '0001_registry',
  async up(db: Kysely<unknown>, dialect) {
    await withId(db.schema.createTable('ente'), dialect)
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('tax_code', 'text', (c) => c.notNull())
      .addColumn('cbill', 'text')
      .addColumn('iban', 'text')
      .addColumn('segregation_code', 'text')
      .addColumn('postal_account', 'text')
      .addColumn('cutoff_time', 'text', (c) => c.notNull().defaultTo('09:30'))
      .addColumn('office_name', 'text', (c) => c.notNull())
      .addColumn('office_email', 'text', (c) => c.notNull())
      .addColumn('office_phone', 'text', (c) => c.notNull())
      .addColumn('office_hours', 'text', (c) => c.notNull())
      .addColumn('office_address', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('ente_tax_code_format', sql`length(tax_code) = 11`)
      .execute();

    await withId(db.schema.createTable('school'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('service_weekdays', 'text', (c) => c.notNull().defaultTo('1,2,3,4,5'))
      .execute();
    await db.schema.createIndex('school_ente').on('school').column('ente_id').execute();

    await withId(db.schema.createTable('school_year'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('starts_on', 'text', (c) => c.notNull())
      .addColumn('ends_on', 'text', (c) => c.notNull())
      .addUniqueConstraint('school_year_label', ['ente_id', 'label'])
      .execute();

    await withId(db.schema.createTable('service'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('billing', 'text', (c) => c.notNull())
      .addColumn('taxonomy_code', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('person'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('fiscal_code', 'text', (c) => c.notNull())
      .addColumn('given_name', 'text', (c) => c.notNull())
      .addColumn('family_name', 'text', (c) => c.notNull())
      .addColumn('sex', 'text', (c) => c.notNull())
      .addColumn('birth_date', 'text', (c) => c.notNull())
      .addColumn('birth_place', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('postcode', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('province', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addUniqueConstraint('person_fiscal_code', ['ente_id', 'fiscal_code'])
      .execute();

    await withId(db.schema.createTable('pupil'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('class_name', 'text', (c) => c.notNull())
      .addColumn('diet_code', 'text')
      .addUniqueConstraint('pupil_person', ['ente_id', 'person_id'])
      .execute();

    await db.schema
      .createTable('pupil_holder')
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('relation', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pupil_holder_pk', ['pupil_id', 'person_id'])
      .execute();
    await db.schema.createIndex('pupil_holder_person').on('pupil_holder').columns(['person_id', 'ente_id']).execute();

    await withId(db.schema.createTable('tariff'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('school_year_id', 'integer', (c) => c.notNull().references('school_year.id'))
      .addColumn('band_code', 'text', (c) => c.notNull())
      .addColumn('band_label', 'text', (c) => c.notNull())
      .addColumn('isee_min_cents', 'integer', (c) => c.notNull())
      .addColumn('isee_max_cents', 'integer')
      .addColumn('resident', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull().check(sql`amount_cents >= 0`))
      .execute();

    await withId(db.schema.createTable('enrolment'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('school_year_id', 'integer', (c) => c.notNull().references('school_year.id'))
      .addColumn('school_id', 'integer', (c) => c.notNull().references('school.id'))
      .addColumn('holder_person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('tariff_id', 'integer', (c) => c.notNull().references('tariff.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('starts_on', 'text', (c) => c.notNull())
      .addColumn('ends_on', 'text')
      .addColumn('payment_mode', 'text', (c) => c.notNull())
      .addColumn('debit_iban', 'text')
      .addColumn('invoice_recipient', 'text', (c) => c.notNull())
      .addColumn('invoice_address', 'text', (c) => c.notNull())
      .addColumn('invoice_email', 'text')
      .addColumn('reduction_note', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('enrolment_once_per_year', ['pupil_id', 'service_id', 'school_year_id'])
      .execute();
    await db.schema.createIndex('enrolment_pupil').on('enrolment').column('pupil_id').execute();

    await withId(db.schema.createTable('badge'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      .addColumn('service_id', 'integer', (c) => c.notNull().references('service.id'))
      .addColumn('issued_on', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addUniqueConstraint('badge_code', ['ente_id', 'code'])
      .execute();
    await db.schema.createIndex('badge_pupil').on('badge').column('pupil_id').execute();

    await withId(db.schema.createTable('attachment'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('pupil_id', 'integer', (c) => c.references('pupil.id'))
      .addColumn('person_id', 'integer', (c) => c.references('person.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('content', binaryType(dialect), (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('attachment_pupil').on('attachment').column('pupil_id').execute();

    await withId(db.schema.createTable('operator'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('fiscal_code', 'text', (c) => c.notNull())
      .addColumn('given_name', 'text', (c) => c.notNull())
      .addColumn('family_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('school_id', 'integer', (c) => c.references('school.id'))
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addUniqueConstraint('operator_fiscal_code', ['ente_id', 'fiscal_code'])
      .execute();

    await withId(db.schema.createTable('audit_event'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.references('ente.id'))
      .addColumn('actor_fiscal_code', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject_type', 'text')
      .addColumn('subject_id', 'integer')
      .addColumn('request_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_event_subject').on('audit_event').columns(['subject_type', 'subject_id']).execute();

    await db.schema
      .createTable('session')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('session_expires').on('session').column('expires_at').execute();
  },
};

