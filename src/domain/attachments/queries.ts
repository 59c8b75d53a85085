import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';

/** Plain queries of the attachments; every one takes the ente. */

/** Whom an attachment belongs to: a pupil, or a person (a holder, another adult). */
export type AttachmentOwner = { kind: 'pupil'; id: number } | { kind: 'person'; id: number };

const OWNER_COLUMN = { pupil: 'pupil_id', person: 'person_id' } as const;

/** The page size of an owner's list of attachments. */
export const ATTACHMENTS_PAGE = 50;

const META = [
  'id',
  'pupil_id as pupilId',
  'person_id as personId',
  'kind',
  'title',
  'file_name as fileName',
  'content_type as contentType',
  'size_bytes as sizeBytes',
  'sha256',
  'visible_to_parent as visibleToParent',
  'created_at as createdAt',
] as const;

/** The owner's name and codes, for the page's heading; undefined when not of this ente. */
export async function ownerOf(db: Kysely<DB>, enteId: number, owner: AttachmentOwner) {
  if (owner.kind === 'pupil') {
    return db
      .selectFrom('pupil')
      .innerJoin('person', 'person.id', 'pupil.person_id')
      .innerJoin('school', 'school.id', 'pupil.school_id')
      .select(['pupil.id as id', 'person.given_name as givenName', 'person.family_name as familyName', 'person.fiscal_code as fiscalCode', 'school.name as schoolName', 'pupil.class_name as className'])
      .where('pupil.ente_id', '=', enteId)
      .where('pupil.id', '=', owner.id)
      .executeTakeFirst();
  }
  const person = await db
    .selectFrom('person')
    .select(['id', 'given_name as givenName', 'family_name as familyName', 'fiscal_code as fiscalCode'])
    .where('ente_id', '=', enteId)
    .where('id', '=', owner.id)
    .executeTakeFirst();
  return person ? { ...person, schoolName: null, className: null } : undefined;
}

export type AttachmentOwnerRow = NonNullable<Awaited<ReturnType<typeof ownerOf>>>;

/** An owner's attachments, newest first, one page after the cursor (created_at, id). */
export function attachmentsOf(db: Kysely<DB>, enteId: number, owner: AttachmentOwner, after: readonly [string, number] | undefined) {
  let query = db
    .selectFrom('attachment')
    .select(META)
    .where('ente_id', '=', enteId)
    .where(OWNER_COLUMN[owner.kind], '=', owner.id);
  if (after) {
    const [createdAt, id] = after;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(ATTACHMENTS_PAGE + 1))
    .execute();
}

/** One attachment's description (no content). */
export function attachmentMeta(db: Kysely<DB>, enteId: number, attachmentId: number) {
  return db.selectFrom('attachment').select(META).where('ente_id', '=', enteId).where('id', '=', attachmentId).executeTakeFirst();
}

export type AttachmentMeta = NonNullable<Awaited<ReturnType<typeof attachmentMeta>>>;

/** One attachment with its content, for a download. */
export function attachmentFile(db: Kysely<DB>, enteId: number, attachmentId: number) {
  return db
    .selectFrom('attachment')
    .select([...META, 'content'])
    .where('ente_id', '=', enteId)
    .where('id', '=', attachmentId)
    .executeTakeFirst();
}
