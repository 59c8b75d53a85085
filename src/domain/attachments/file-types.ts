import { crc32 } from 'node:zlib';

/**
 * The kinds of file the office may attach, recognised by their content — never by the name the file had
 * on the operator's computer nor by the type the browser claims (decision 0019). A file is accepted only
 * when it starts with its format's signature and its structure holds together, so an executable, an HTML
 * page or a script renamed `.pdf` is refused, and a PNG named `.pdf` is stored as the PNG it is.
 */
export type FileType = 'pdf' | 'jpeg' | 'png';

export const FILE_TYPES: Readonly<Record<FileType, { contentType: string; extension: string }>> = {
  pdf: { contentType: 'application/pdf', extension: 'pdf' },
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
};

export function detectFileType(content: Uint8Array): FileType | undefined {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (isPdf(bytes)) return 'pdf';
  if (isJpeg(bytes)) return 'jpeg';
  if (isPng(bytes)) return 'png';
  return undefined;
}

/**
 * `%PDF-x.y` at the start; at the end (within the last 2 KB, where writers may leave a few bytes after it)
 * the `startxref` pointer and the `%%EOF` marker that every complete PDF file has.
 */
function isPdf(bytes: Buffer): boolean {
  if (bytes.length < 32 || !/^%PDF-[12]\.\d/.test(bytes.subarray(0, 8).toString('latin1'))) return false;
  const tail = bytes.subarray(Math.max(0, bytes.length - 2048)).toString('latin1');
  const end = tail.lastIndexOf('%%EOF');
  return end >= 0 && tail.lastIndexOf('startxref', end) >= 0;
}

/**
 * Start of image, then well-formed marker segments (each within the file) up to the start of scan, with a
 * frame header (image size) before it, and an end-of-image marker after it.
 */
function isJpeg(bytes: Buffer): boolean {
  if (bytes.length < 128 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return false;
  let position = 2;
  let frame = false;
  while (position + 4 <= bytes.length) {
    if (bytes[position] !== 0xff) return false;
    // Fill bytes (0xFF) may precede a marker.
    while (bytes[position + 1] === 0xff && position + 2 < bytes.length) position++;
    const marker = bytes[position + 1]!;
    if (marker === 0xd9 || marker === 0x00) return false;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      position += 2;
      continue;
    }
    const length = bytes.readUInt16BE(position + 2);
    if (length < 2 || position + 2 + length > bytes.length) return false;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (length < 8) return false;
      const width = bytes.readUInt16BE(position + 7);
      if (width === 0) return false;
      frame = true;
    }
    if (marker === 0xda) {
      if (!frame) return false;
      const scanStart = position + 2 + length;
      const eoi = bytes.lastIndexOf(Buffer.from([0xff, 0xd9]));
      return eoi >= scanStart;
    }
    position += 2 + length;
  }
  return false;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The PNG signature, an IHDR chunk first with a sane size, depth and colour type, every chunk within the
 * file and with a right CRC, at least one IDAT, and IEND last.
 */
function isPng(bytes: Buffer): boolean {
  if (bytes.length < 57 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return false;
  let position = 8;
  let first = true;
  let data = false;
  while (position + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(position);
    const type = bytes.subarray(position + 4, position + 8).toString('latin1');
    const end = position + 12 + length;
    if (length > 0x7fffffff || end > bytes.length || !/^[A-Za-z]{4}$/.test(type)) return false;
    if (crc32(bytes.subarray(position + 4, position + 8 + length)) !== bytes.readUInt32BE(position + 8 + length)) return false;
    if (first) {
      if (type !== 'IHDR' || length !== 13) return false;
      const width = bytes.readUInt32BE(position + 8);
      const height = bytes.readUInt32BE(position + 12);
      const depth = bytes[position + 16]!;
      const colour = bytes[position + 17]!;
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return false;
      if (![1, 2, 4, 8, 16].includes(depth) || ![0, 2, 3, 4, 6].includes(colour)) return false;
      first = false;
    }
    if (type === 'IDAT') data = true;
    if (type === 'IEND') return data && end === bytes.length;
    position = end;
  }
  return false;
}

/**
 * The name a file is stored and downloaded with: the last part of what the browser sent, without control
 * characters or path separators, at most 120 characters, with the extension of the type its content is.
 */
export function storedFileName(sent: string, type: FileType): string {
  const base = (sent.split(/[\\/]/).pop() ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .trim();
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/^\.+/, '').trim().slice(0, 110) || 'allegato';
  return `${stem}.${FILE_TYPES[type].extension}`;
}

/** A filename for Content-Disposition: ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w.-]/g, '_').slice(0, 120) || 'allegato';
  const utf8 = encodeURIComponent(fileName).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
