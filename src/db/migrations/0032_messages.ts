import { type Kysely, sql } from 'kysely';
import type { AppMigration } from './types';
import { withId } from './types';

/**
 * Messages to families (issue 16): each adult's own choice of channels per kind of message, the outbox
 * of messages (one row per event, adult and channel: the unique key that makes a second send
 * impossible), the ente's "due in N days" setting (5 when not set), and what the built-in sandboxes received.
 */
export const messages: AppMigration = {
  name: '0032_messages',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .createTable('message_preference')
      .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      .addColumn('email', 'integer', (c) => c.notNull().check(sql`email in (0, 1)`))
      .addColumn('io', 'integer', (c) => c.notNull().check(sql`io in (0, 1)`))
      .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('it', 'en')`))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_preference_pk', ['person_id', 'kind'])
      .execute();

    await withId(db.schema.createTable('message_outbox'), dialect)
      .addColumn('ente_id', 'integer', (c) => c.notNull().references('ente.id'))
      // What caused the message ("document:123", "topup:7", "office:12"): with the adult and the channel, sent once.
      .addColumn('event_key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'io')`))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('person.id'))
      .addColumn('pupil_id', 'integer', (c) => c.notNull().references('pupil.id'))
      // The event's data the texts are made of (JSON): ids and amounts, never a diet.
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'sending', 'sent', 'skipped', 'failed', 'unknown')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_at', 'text', (c) => c.notNull())
      .addColumn('lease_token', 'text')
      .addColumn('lease_until', 'text')
      // The address or the App IO message id it went to, or why it was not sent.
      .addColumn('detail', 'text')
      .addColumn('error', 'text')
      .addColumn('sent_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('message_outbox_once', ['event_key', 'person_id', 'channel'])
      .execute();
    // The worker's queue: only rows still to send, in the order they fall due; and the sends in flight,
    // whose lease a dead process left behind. The predicates are spelled as the queries' literals (SQLite).
    await db.schema.createIndex('message_outbox_due').on('message_outbox').columns(['next_at']).where(sql.ref('state'), '=', sql.lit('pending')).execute();
    await db.schema.createIndex('message_outbox_sending').on('message_outbox').columns(['lease_until']).where(sql.ref('state'), '=', sql.lit('sending')).execute();
    // The office's history of one family.
    await db.schema.createIndex('message_outbox_person').on('message_outbox').columns(['person_id', 'id']).execute();

    // The daily "due in N days" step reads one due date of one ente.
    await db.schema.createIndex('document_due').on('document').columns(['ente_id', 'due_date']).execute();
    // The ente's settings of messages (a table of their own: the ente's row belongs to the settings page).
    await db.schema
      .createTable('message_setting')
      .addColumn('ente_id', 'integer', (c) => c.primaryKey().references('ente.id'))
      .addColumn('due_days', 'integer', (c) => c.notNull().check(sql`due_days between 0 and 60`))
      .execute();

    await withId(db.schema.createTable('sandbox_mail'), dialect)
      .addColumn('envelope_from', 'text', (c) => c.notNull())
      .addColumn('envelope_to', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sandbox_io_profile')
      .addColumn('fiscal_code', 'text', (c) => c.primaryKey())
      .addColumn('sender_allowed', 'integer', (c) => c.notNull())
      .execute();
    await withId(db.schema.createTable('sandbox_io_message'), dialect)
      .addColumn('message_id', 'text', (c) => c.notNull().unique())
      .addColumn('fiscal_code', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('markdown', 'text', (c) => c.notNull())
      .addColumn('payment_data', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
  },
};
