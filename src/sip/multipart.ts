/**
 * multipart/* bodies (RFC 2046), e.g. SIP-I carrying SDP next to ISUP: find the SDP part.
 */
import type { MessageDefect } from './types.js';
import { findHeaderEnd } from './detect.js';
import { parseHeaderLines } from './headers.js';
import { type Range, unquote } from './syntax.js';
import { addDefect } from './uri.js';

/** Media type of a Content-Type value, lower-cased, without parameters ("application/sdp"). */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** A delimiter line "--boundary" starting at a line start in [pos, end), or -1. */
function findDelimiter(text: string, delimiter: string, bodyStart: number, pos: number, end: number): number {
  for (;;) {
    const i = text.indexOf(delimiter, pos);
    if (i < 0 || i + delimiter.length > end) return -1;
    if (i === bodyStart || text.charCodeAt(i - 1) === 0x0a) return i;
    pos = i + 1;
  }
}

/**
 * The content range of the first application/sdp part of the multipart body in
 * text[bodyStart..bodyEnd) (text is raw decoded as Latin-1, raw the same bytes).
 */
export function findSdpPart(
  raw: Uint8Array,
  text: string,
  bodyStart: number,
  bodyEnd: number,
  boundaryParam: string | null | undefined,
  defects: MessageDefect[],
): Range | undefined {
  const boundary = boundaryParam ? unquote(boundaryParam) : '';
  if (boundary.length === 0) {
    addDefect(defects, bodyStart, 'multipart-without-boundary', 'multipart Content-Type without a boundary parameter');
    return undefined;
  }
  const delimiter = `--${boundary}`;
  let at = findDelimiter(text, delimiter, bodyStart, bodyStart, bodyEnd);
  if (at < 0) {
    addDefect(defects, bodyStart, 'multipart-boundary-not-found', `multipart boundary ${JSON.stringify(boundary.slice(0, 70))} not found in the body`);
    return undefined;
  }
  while (at >= 0) {
    const after = at + delimiter.length;
    if (text.startsWith('--', after)) return undefined;
    const lineEnd = text.indexOf('\n', after);
    if (lineEnd < 0 || lineEnd >= bodyEnd) return undefined;
    const partStart = lineEnd + 1;
    const next = findDelimiter(text, delimiter, bodyStart, partStart, bodyEnd);
    // The line end before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    let partEnd = next < 0 ? bodyEnd : next - 1;
    if (next >= 0 && partEnd > partStart && text.charCodeAt(partEnd - 1) === 0x0d) partEnd--;
    const headerEnd = findHeaderEnd(raw, partStart, partEnd);
    if (headerEnd) {
      const partHeaders = parseHeaderLines(text, partStart, headerEnd.blankLineStart, defects);
      const contentType = partHeaders.find((h) => h.canonical === 'content-type');
      if (contentType && mediaTypeOf(contentType.value) === 'application/sdp') return [headerEnd.bodyStart, Math.max(partEnd, headerEnd.bodyStart)];
    }
    at = next;
  }
  return undefined;
}
