import { type Kysely, sql } from 'kysely';
import type { DB, Ente } from '../../db/schema';
import { writeChange } from '../audit/audit';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { dueDaysOf, queueMessages } from './outbox';
import { composeMessage, plainText } from './texts';

export type OfficeTarget = { kind: 'school'; schoolId: number } | { kind: 'class'; schoolId: number; className: string } | { kind: 'service'; serviceId: number };

export interface OfficeMessageInput {
  target: OfficeTarget;
  subject: string;
  body: string;
}

/** Rows of a family's history on the person's office page. */
const HISTORY_LIMIT = 100;
/** Pupils per transaction when a message goes to a whole service of a large ente. */
const SEND_BATCH = 1000;

/**
 * The office's messages to the families of a school, a class or a service (issue 16, permission
 * `messages.send`): chosen, previewed as a family will read it, then queued — every adult who follows
 * each pupil, by the channels each chose — and the history of what was sent to one person.
 */
export function createOfficeMessages(db: Kysely<DB>, clock: Clock, publicUrl: string) {
  async function choices(context: OperatorContext) {
    requirePermission(context, 'messages.send');
    const [schools, services] = await Promise.all([
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', context.ente.id).orderBy('name').execute(),
      db.selectFrom('service').select(['id', 'name']).where('ente_id', '=', context.ente.id).orderBy('name').execute(),
    ]);
    return { schools, services };
  }

  /** The pupils a target names, in id order; a school or service of another ente names none (NotFound). */
  async function pupilsOf(ente: Ente, target: OfficeTarget): Promise<{ id: number; givenName: string }[]> {
    if (target.kind === 'service') {
      const service = await db.selectFrom('service').select('id').where('ente_id', '=', ente.id).where('id', '=', target.serviceId).executeTakeFirst();
      if (!service) throw new NotFoundError('service');
      return db
        .selectFrom('pupil as p')
        .innerJoin('person as c', 'c.id', 'p.person_id')
        .select(['p.id', 'c.given_name as givenName'])
        .where('p.ente_id', '=', ente.id)
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('enrolment as e').select('e.id').whereRef('e.pupil_id', '=', 'p.id').where('e.service_id', '=', target.serviceId).where('e.state', '=', sql.lit('attiva'))),
        )
        .orderBy('p.id')
        .execute();
    }
    const school = await db.selectFrom('school').select('id').where('ente_id', '=', ente.id).where('id', '=', target.schoolId).executeTakeFirst();
    if (!school) throw new NotFoundError('school');
    let query = db
      .selectFrom('pupil as p')
      .innerJoin('person as c', 'c.id', 'p.person_id')
      .select(['p.id', 'c.given_name as givenName'])
      .where('p.ente_id', '=', ente.id)
      .where('p.school_id', '=', target.schoolId);
    if (target.kind === 'class') query = query.where(sql`upper(p.class_name)`, '=', target.className.toUpperCase());
    return query.orderBy('p.id').execute();
  }

  /** How many pupils the message concerns, and the text one family will read (in Italian, the office's language). */
  async function preview(context: OperatorContext, input: OfficeMessageInput) {
    requirePermission(context, 'messages.send');
    const pupils = await pupilsOf(context.ente, input.target);
    if (pupils.length === 0) throw new InvalidInputError({ destinatari: 'nobody' });
    const example = composeMessage({
      kind: 'office', language: 'it', pupilName: pupils[0]!.givenName, enteName: context.ente.name, portalUrl: `${publicUrl}/${context.ente.slug}/`,
      params: { subject: input.subject, body: input.body },
    });
    return { pupils: pupils.length, exampleName: pupils[0]!.givenName, subject: example.subject, text: plainText(example) };
  }

  /**
   * Queues the message for every pupil's adults. `submissionKey` (the preview form's one-time key) is
   * part of each event's key: the same form sent twice is one message per adult and channel.
   */
  async function send(context: OperatorContext, input: OfficeMessageInput, submissionKey: string) {
    requirePermission(context, 'messages.send');
    const pupils = await pupilsOf(context.ente, input.target);
    if (pupils.length === 0) throw new InvalidInputError({ destinatari: 'nobody' });
    const now = clock.now();
    let queued = 0;
    for (let i = 0; i < pupils.length; i += SEND_BATCH) {
      const batch = pupils.slice(i, i + SEND_BATCH);
      queued += await db.transaction().execute(async (trx) => {
        const written = await queueMessages(
          trx,
          batch.map((p) => ({
            enteId: context.ente.id, kind: 'office' as const, eventKey: `office:${context.ente.id}:${submissionKey}:${p.id}`, pupilId: p.id,
            params: { subject: input.subject, body: input.body },
          })),
          now,
        );
        // Audited once per message (its first batch), and not again when the same form comes back.
        if (i === 0 && written > 0) {
          await writeChange(trx, clock, { ente: context.ente, operator: context.operator, requestId: context.requestId }, {
            action: 'office.message.send', subjectType: 'ente', subjectId: context.ente.id, before: null,
            after: { target: input.target, subject: input.subject, pupils: pupils.length, submissionKey },
          });
        }
        return written;
      });
    }
    return { pupils: pupils.length, queued };
  }

  /** What was sent to one person of the ente: when, about which pupil, by which channel, with what outcome. */
  async function historyOf(context: OperatorContext, personId: number) {
    requirePermission(context, 'registry.read');
    const person = await db.selectFrom('person').select('id').where('ente_id', '=', context.ente.id).where('id', '=', personId).executeTakeFirst();
    if (!person) throw new NotFoundError('person');
    return db
      .selectFrom('message_outbox as o')
      .innerJoin('pupil as p', 'p.id', 'o.pupil_id')
      .innerJoin('person as c', 'c.id', 'p.person_id')
      .select(['o.id', 'o.kind', 'o.channel', 'o.state', 'o.attempts', 'o.detail', 'o.error', 'o.sent_at', 'o.created_at', 'c.given_name as pupilName', 'c.family_name as pupilFamilyName'])
      .where('o.person_id', '=', personId)
      .where('o.ente_id', '=', context.ente.id)
      .orderBy('o.id', 'desc')
      .limit(sql.lit(HISTORY_LIMIT))
      .execute();
  }

  async function personName(context: OperatorContext, personId: number) {
    requirePermission(context, 'registry.read');
    const person = await db.selectFrom('person').select(['id', 'given_name', 'family_name']).where('ente_id', '=', context.ente.id).where('id', '=', personId).executeTakeFirst();
    if (!person) throw new NotFoundError('person');
    return { id: person.id, name: `${person.given_name} ${person.family_name}` };
  }

  /** The ente's "due in N days": how many days before a document's due date its families are told. */
  async function dueDays(context: OperatorContext): Promise<number> {
    requirePermission(context, 'messages.send');
    return dueDaysOf(db, context.ente.id);
  }

  async function setDueDays(context: OperatorContext, days: number) {
    requirePermission(context, 'messages.send');
    if (!Number.isInteger(days) || days < 0 || days > 60) throw new InvalidInputError({ giorni: 'dueDays' });
    await db.transaction().execute(async (trx) => {
      const before = await dueDaysOf(trx, context.ente.id);
      await trx
        .insertInto('message_setting')
        .values({ ente_id: context.ente.id, due_days: days })
        .onConflict((oc) => oc.column('ente_id').doUpdateSet({ due_days: days }))
        .execute();
      await writeChange(trx, clock, { ente: context.ente, operator: context.operator, requestId: context.requestId }, {
        action: 'office.message-setting.save', subjectType: 'ente', subjectId: context.ente.id, before: { due_days: before }, after: { due_days: days },
      });
    });
  }

  return { choices, preview, send, historyOf, personName, dueDays, setDueDays };
}

export type OfficeMessages = ReturnType<typeof createOfficeMessages>;
