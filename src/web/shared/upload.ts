import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CsrfError, csrfTokenMatches } from '../plugins/csrf';
import { BadRequestError } from '../plugins/input-guard';

/**
 * File uploads (multipart/form-data), accepted only by the routes of a plugin that calls `acceptUploads`:
 * elsewhere a multipart body is refused (415) before anything reads it. Such routes say
 * `config: { csrf: 'multipart' }` and read their body with `readUpload`, which checks the CSRF token —
 * the form's first field (`PostForm` writes it first) or the `X-CSRF-Token` header — before it reads any
 * file: a forged upload is refused without its file being read into memory.
 */
export async function acceptUploads(app: FastifyInstance, maxBytes: number): Promise<void> {
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 8 * 1024, fieldNameSize: 100, parts: 21, headerPairs: 50 },
    // A file over the limit is cut there (and reported by readUpload), not raised as an error page.
    throwFileSizeLimit: false,
  });
}

export type UploadProblem = 'fileTooLarge' | 'fileMissing' | 'tooManyFiles';

export interface Upload {
  /** The text fields, as parseForm takes them (a field sent twice is a list, which parseForm refuses). */
  fields: Record<string, string | string[]>;
  file?: { fileName: string; content: Buffer };
  /** What is wrong with the file part, as a problem of the file field. */
  problem?: UploadProblem;
}

async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const _ of stream) {
    // discarded
  }
}

/**
 * A refused upload's remaining bytes are read and dropped, not parsed: the refusal is sent at once and the
 * connection stays usable for the browser's next request.
 */
function discardRest(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/** Reads an upload whose one file is in `fileField`; the CSRF token is checked before the file is read. */
export async function readUpload(request: FastifyRequest, { fileField }: { fileField: string }): Promise<Upload> {
  if (!request.isMultipart()) throw new BadRequestError('an upload must be multipart/form-data');
  let tokenChecked = csrfTokenMatches(request, request.headers['x-csrf-token']);
  const fields = new Map<string, string | string[]>();
  let file: Upload['file'];
  let problem: UploadProblem | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === '_csrf' && !tokenChecked) {
          if (!csrfTokenMatches(request, part.value)) throw new CsrfError();
          tokenChecked = true;
          continue;
        }
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        const seen = fields.get(part.fieldname);
        fields.set(part.fieldname, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
        continue;
      }
      if (!tokenChecked) {
        // Nothing of a file is kept before the form has shown it comes from our page.
        part.file.resume();
        throw new CsrfError();
      }
      if (part.fieldname !== fileField || file) {
        await drain(part.file);
        problem ??= 'tooManyFiles';
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      if (part.file.truncated) {
        chunks.length = 0;
        problem = 'fileTooLarge';
      } else if (chunks.length > 0) {
        file = { fileName: part.filename ?? '', content: Buffer.concat(chunks) };
      }
    }
  } catch (error) {
    if (error instanceof CsrfError) {
      discardRest(request);
      throw error;
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_FILES_LIMIT') problem = 'tooManyFiles';
    else throw new BadRequestError(`unreadable upload: ${String(code ?? (error as Error).message)}`);
  }
  if (!tokenChecked) {
    discardRest(request);
    throw new CsrfError();
  }
  if (!file && !problem) problem = 'fileMissing';
  return { fields: Object.fromEntries(fields), ...(file ? { file } : {}), ...(problem ? { problem } : {}) };
}
