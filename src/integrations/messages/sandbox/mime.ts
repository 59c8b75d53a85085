/**
 * Just enough MIME to show what the sandbox received: a header, RFC 2047 encoded words, and the text
 * part of nodemailer's multipart/alternative (quoted-printable or base64). The raw message is kept too.
 */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(decodeQuotedPrintableBytes(text.replace(/_/g, ' ')), 'latin1').toString('utf8'),
    );
}

function decodeQuotedPrintableBytes(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBody(body: string, encoding: string | undefined): string {
  const kind = (encoding ?? '').toLowerCase();
  if (kind === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (kind === 'quoted-printable') return Buffer.from(decodeQuotedPrintableBytes(body), 'latin1').toString('utf8');
  return body;
}

/** The message's part of the given type (text/plain or text/html), decoded; the body itself for a single-part message. */
export function partOf(raw: string, type: 'text/plain' | 'text/html'): string | undefined {
  const contentType = headerOf(raw, 'content-type') ?? 'text/plain';
  const separator = /\r?\n\r?\n/.exec(raw);
  const body = separator ? raw.slice(separator.index + separator[0].length) : '';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return contentType.toLowerCase().startsWith(type) ? decodeBody(body, headerOf(raw, 'content-transfer-encoding')) : undefined;
  for (const part of body.split(`--${boundary}`)) {
    const trimmed = part.replace(/^\r?\n/, '');
    // The preamble and the closing delimiter are no parts.
    if (trimmed.startsWith('--') || headerOf(trimmed, 'content-type') === undefined) continue;
    const found = partOf(trimmed, type);
    if (found !== undefined) return found.replace(/\r?\n$/, '');
  }
  return undefined;
}
