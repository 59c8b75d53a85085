import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import { transaction } from '../../db/transaction';
import { decodeCursor, type Page, pageOf } from '../../db/pagination';
import { type AuditTrail, writeChange } from '../audit/audit';
import type { Clock } from '../clock';
import { InvalidInputError, NotFoundError } from '../errors';
import { type OperatorContext, requirePermission } from '../operators/context';
import { detectFileType, FILE_TYPES, storedFileName } from './file-types';
import * as queries from './queries';
import type { AttachmentMeta, AttachmentOwner, AttachmentOwnerRow } from './queries';

export type { AttachmentMeta, AttachmentOwner, AttachmentOwnerRow } from './queries';

/** What an attachment is, as the office files it. */
export const ATTACHMENT_KINDS = ['conferma-iscrizione', 'certificato-medico', 'isee', 'documento-identita', 'delega', 'altro'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export interface NewAttachment {
  title: string;
  kind: AttachmentKind;
  visibleToParent: boolean;
  /** The name the file had on the operator's computer; only its stem is kept. */
  fileName: string;
  content: Buffer;
}

/** The problems of an upload the service finds in the file itself (catalogue keys of the `file` field). */
export type FileProblem = 'fileMissing' | 'fileTooLarge' | 'fileType';

/** The values an audit event keeps about an attachment: never its content, which the digest identifies. */
function described(meta: AttachmentMeta): Record<string, unknown> {
  return {
    owner: meta.pupilId !== null ? `pupil:${meta.pupilId}` : `person:${meta.personId}`,
    kind: meta.kind,
    title: meta.title,
    fileName: meta.fileName,
    contentType: meta.contentType,
    sizeBytes: meta.sizeBytes,
    sha256: meta.sha256,
    visibleToParent: meta.visibleToParent === 1,
  };
}

/**
 * Documents the office attaches to a pupil or a person (decision 0019): stored in the database with their
 * digest and size, their type recognised by content, shown to the parents only when marked visible. Every
 * download by the office is audited; uploads, changes of visibility and deletions are office changes,
 * written with their before and after in their own transaction.
 */
export function createAttachmentService(db: Kysely<DB>, clock: Clock, audit: AuditTrail, settings: { maxBytes: number }) {
  const { maxBytes } = settings;

  async function requireOwner(office: OperatorContext, owner: AttachmentOwner, trx: Kysely<DB> = db): Promise<AttachmentOwnerRow> {
    const row = await queries.ownerOf(trx, office.ente.id, owner);
    if (!row) throw new NotFoundError(owner.kind);
    return row;
  }

  /** The owner and a page of their attachments (newest first); the view is audited. */
  async function ownerPage(office: OperatorContext, owner: AttachmentOwner, cursor?: string): Promise<{ owner: AttachmentOwnerRow; page: Page<AttachmentMeta> }> {
    requirePermission(office, 'attachments.manage');
    const row = await requireOwner(office, owner);
    const after = decodeCursor(cursor, ['string', 'number'] as const);
    const rows = await queries.attachmentsOf(db, office.ente.id, owner, after);
    audit.record({
      enteId: office.ente.id,
      actorFiscalCode: office.operator.fiscalCode,
      action: 'office.attachments.view',
      subjectType: owner.kind,
      subjectId: owner.id,
      requestId: office.requestId,
    });
    return { owner: row, page: pageOf(rows, queries.ATTACHMENTS_PAGE, (r) => [r.createdAt, r.id]) };
  }

  /** The problem of a file, if any: nothing, too large, or not a PDF, JPEG or PNG by its content. */
  function fileProblem(content: Buffer): FileProblem | undefined {
    if (content.length === 0) return 'fileMissing';
    if (content.length > maxBytes) return 'fileTooLarge';
    if (!detectFileType(content)) return 'fileType';
    return undefined;
  }

  async function upload(office: OperatorContext, owner: AttachmentOwner, input: NewAttachment): Promise<AttachmentMeta> {
    return transaction(db, (tx) => uploadWithin(tx.db, office, owner, input));
  }

  /**
   * The upload inside a caller's transaction, for a change that files a document with it (a diet's
   * certificate): both are committed together or not at all.
   */
  async function uploadWithin(trx: Kysely<DB>, office: OperatorContext, owner: AttachmentOwner, input: NewAttachment): Promise<AttachmentMeta> {
    requirePermission(office, 'attachments.manage');
    const problem = fileProblem(input.content);
    if (problem) throw new InvalidInputError({ file: problem });
    const type = detectFileType(input.content)!;
    const title = input.title.trim();
    if (title === '' || title.length > 200) throw new InvalidInputError({ titolo: title === '' ? 'required' : 'tooLong' });
    await requireOwner(office, owner, trx);
    const inserted = await trx
      .insertInto('attachment')
      .values({
        ente_id: office.ente.id,
        pupil_id: owner.kind === 'pupil' ? owner.id : null,
        person_id: owner.kind === 'person' ? owner.id : null,
        kind: input.kind,
        title,
        file_name: storedFileName(input.fileName, type),
        content_type: FILE_TYPES[type].contentType,
        content: input.content,
        created_at: clock.now().toISOString(),
        visible_to_parent: input.visibleToParent ? 1 : 0,
        sha256: createHash('sha256').update(input.content).digest('hex'),
        size_bytes: input.content.length,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const meta = (await queries.attachmentMeta(trx, office.ente.id, inserted.id))!;
    await writeChange(trx, clock, office, {
      action: 'office.attachment.upload',
      subjectType: 'attachment',
      subjectId: meta.id,
      before: null,
      after: described(meta),
    });
    return meta;
  }

  /** An attachment of the ente with its content; every download is an audit event. */
  async function download(office: OperatorContext, attachmentId: number) {
    requirePermission(office, 'attachments.manage');
    const file = await queries.attachmentFile(db, office.ente.id, attachmentId);
    if (!file) throw new NotFoundError('attachment');
    audit.record({
      enteId: office.ente.id,
      actorFiscalCode: office.operator.fiscalCode,
      action: 'office.attachment.download',
      subjectType: 'attachment',
      subjectId: file.id,
      requestId: office.requestId,
    });
    return file;
  }

  /** One attachment's description, for the confirmation before a deletion. */
  async function describe(office: OperatorContext, attachmentId: number): Promise<{ meta: AttachmentMeta; owner: AttachmentOwnerRow }> {
    requirePermission(office, 'attachments.manage');
    const meta = await queries.attachmentMeta(db, office.ente.id, attachmentId);
    if (!meta) throw new NotFoundError('attachment');
    const owner = await requireOwner(office, meta.pupilId !== null ? { kind: 'pupil', id: meta.pupilId } : { kind: 'person', id: meta.personId! });
    return { meta, owner };
  }

  /** Shows the attachment to the parents, or hides it from them. */
  async function setVisibility(office: OperatorContext, attachmentId: number, visible: boolean): Promise<AttachmentMeta> {
    requirePermission(office, 'attachments.manage');
    return transaction(db, async (tx) => {
      const before = await queries.attachmentMeta(tx.db, office.ente.id, attachmentId);
      if (!before) throw new NotFoundError('attachment');
      await tx.db
        .updateTable('attachment')
        .set({ visible_to_parent: visible ? 1 : 0 })
        .where('ente_id', '=', office.ente.id)
        .where('id', '=', attachmentId)
        .execute();
      const after = { ...before, visibleToParent: visible ? 1 : 0 };
      await writeChange(tx.db, clock, office, {
        action: 'office.attachment.visibility',
        subjectType: 'attachment',
        subjectId: attachmentId,
        before: described(before),
        after: described(after),
      });
      return after;
    });
  }

  /** Deletes the attachment and its content; the audit event keeps what it was (not the content). */
  async function remove(office: OperatorContext, attachmentId: number): Promise<AttachmentMeta> {
    requirePermission(office, 'attachments.manage');
    return transaction(db, async (tx) => {
      const before = await queries.attachmentMeta(tx.db, office.ente.id, attachmentId);
      if (!before) throw new NotFoundError('attachment');
      await tx.db.deleteFrom('attachment').where('ente_id', '=', office.ente.id).where('id', '=', attachmentId).execute();
      await writeChange(tx.db, clock, office, {
        action: 'office.attachment.delete',
        subjectType: 'attachment',
        subjectId: attachmentId,
        before: described(before),
        after: null,
      });
      return before;
    });
  }

  return { maxBytes, ownerPage, fileProblem, upload, uploadWithin, download, describe, setVisibility, remove };
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;
