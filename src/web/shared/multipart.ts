import type { FastifyInstance } from 'fastify';

/**
 * `multipart/form-data` for the few office forms that send a file (the import of issue 13): the body is
 * read whole, up to the route's `bodyLimit`, and becomes a plain object like a urlencoded form's — each
 * text field a string (an array when sent twice, which `parseForm` refuses), each file an
 * `UploadedFile` — so the CSRF check (`_csrf`) and `parseForm` work on it unchanged.
 *
 * Registered per scope (`acceptMultipart(app)` in the routes that need it), replacing any parser an outer
 * scope has for the type: encapsulation keeps it from touching other routes.
 */
export interface UploadedFile {
  readonly uploadedFile: true;
  /** The name the browser gave, without any directory part. */
  readonly fileName: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as UploadedFile).uploadedFile === true;
}

/** More parts than any form of ours has. */
const MAX_PARTS = 50;

export class MultipartError extends Error {
  readonly statusCode = 400;
}

export function acceptMultipart(app: FastifyInstance): void {
  if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, String(request.headers['content-type'] ?? '')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new MultipartError('multipart body without a boundary');
  return boundary;
}

/** RFC 7578: parts between `--boundary` lines, each with its headers, a blank line and its content. */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string | string[] | UploadedFile> {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const fields: Record<string, string | string[] | UploadedFile> = Object.create(null);
  let at = body.indexOf(delimiter);
  if (at === -1) throw new MultipartError('multipart body without its boundary');
  let parts = 0;
  for (;;) {
    at += delimiter.length;
    // `--boundary--` closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw new MultipartError('malformed multipart boundary line');
    at += 2;
    if (++parts > MAX_PARTS) throw new MultipartError('too many multipart parts');
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd === -1) throw new MultipartError('multipart part without headers');
    const headers = body.subarray(at, headersEnd).toString('utf8');
    const contentStart = headersEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), contentStart);
    if (next === -1) throw new MultipartError('multipart part not closed');
    const content = body.subarray(contentStart, next);
    at = next + 2;

    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1];
    if (disposition === undefined) throw new MultipartError('multipart part without form-data disposition');
    const name = parameter(disposition, 'name');
    if (!name || name === '__proto__') throw new MultipartError('multipart part without a name');
    const fileName = parameter(disposition, 'filename');
    let value: string | UploadedFile;
    if (fileName !== undefined) {
      const type = /^content-type:\s*([^\r\n;]+)/im.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
      value = { uploadedFile: true, fileName: fileName.split(/[\\/]/).pop() ?? '', contentType: type, data: Buffer.from(content) };
    } else {
      value = content.toString('utf8');
    }
    const had = fields[name];
    if (had === undefined) fields[name] = value;
    else if (typeof value === 'string' && (typeof had === 'string' || Array.isArray(had))) fields[name] = [...(Array.isArray(had) ? had : [had]), value];
    else throw new MultipartError('a file field sent twice');
  }
  return fields;
}

/** A parameter of the disposition; browsers send `"` in a name as %22 (WHATWG), never a backslash escape. */
function parameter(disposition: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}="([^"]*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
  return match?.[1];
}
