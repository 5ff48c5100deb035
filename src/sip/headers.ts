/**
 * Header lines: names (compact forms, case), line folding, and which headers are comma lists.
 */
import type { ByteSpan, MessageDefect, SipHeader, SipMessage } from './types.js';
import { isTokenChar } from './detect.js';
import { addDefect } from './uri.js';
import { UsualStrings, forEachTopLevel, indexIn, parseDecimal } from './syntax.js';

/** RFC 3261 7.3.3 and later RFCs' compact header names. */
const COMPACT_FORMS: Record<string, string> = {
  i: 'call-id', m: 'contact', v: 'via', f: 'from', t: 'to', l: 'content-length', c: 'content-type',
  k: 'supported', s: 'subject', e: 'content-encoding', o: 'event', u: 'allow-events', r: 'refer-to',
  b: 'referred-by', x: 'session-expires', y: 'identity', n: 'identity-info', d: 'request-disposition',
  a: 'accept-contact', j: 'reject-contact',
};

/**
 * Headers whose value is a comma-separated list (RFC 3261 7.3.1). Everything else is one value:
 * WWW-Authenticate, Authorization, Date, User-Agent, Server and unknown headers carry commas
 * that do not separate values.
 */
const LIST_HEADERS = new Set([
  'via', 'contact', 'route', 'record-route', 'path', 'service-route', 'allow', 'supported', 'require',
  'proxy-require', 'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events',
  'content-encoding', 'content-language', 'in-reply-to', 'alert-info', 'call-info', 'error-info',
  'p-asserted-identity', 'p-preferred-identity', 'p-associated-uri', 'history-info', 'reason',
  'security-client', 'security-server', 'security-verify', 'accept-contact', 'reject-contact',
  'request-disposition', 'accept-resource-priority', 'resource-priority', 'warning',
]);

/** Longest header (all its folded lines) we parse; the rest of it is ignored with a defect. */
export const MAX_HEADER_BYTES = 16384;
/** Most header lines we parse in one message; later ones are ignored with a defect. */
export const MAX_HEADERS = 512;

/** Lower-case full name of a header name as written ("v" and "VIA" become "via"). */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return (lower.length === 1 && COMPACT_FORMS[lower]) || lower;
}

/**
 * Header names as agents usually write them, with their canonical names: a name found here is
 * taken as it is, not cut from the text, checked and lower-cased again in every message.
 */
const CANONICAL_OF_USUAL = new Map(
  [
    'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Type', 'Content-Length', 'Expires',
    'User-Agent', 'Server', 'Allow', 'Supported', 'Require', 'Record-Route', 'Route', 'Authorization', 'WWW-Authenticate',
    'Proxy-Authenticate', 'Proxy-Authorization', 'Accept', 'Event', 'Subscription-State', 'Allow-Events', 'Session-Expires',
    'Min-SE', 'Date', 'Reason', 'P-Asserted-Identity', 'Call-Id', 'Content-length',
    ...Object.keys(COMPACT_FORMS),
  ].map((written) => [written, canonicalHeaderName(written)]),
);
const USUAL_NAMES = new UsualStrings(CANONICAL_OF_USUAL.keys());

/**
 * A header as parseHeaderLines makes it: its spans are kept as numbers and read as fresh ByteSpan
 * objects (two span objects per header were a quarter of the bytes parsing a message allocated).
 */
class ParsedHeader implements SipHeader {
  constructor(
    readonly name: string,
    readonly canonical: string,
    readonly value: string,
    readonly index: number,
    private readonly offset: number,
    private readonly length: number,
    private readonly valueOffset: number,
    private readonly valueLength: number,
  ) {}

  get span(): ByteSpan {
    return { offset: this.offset, length: this.length };
  }

  get valueSpan(): ByteSpan {
    return { offset: this.valueOffset, length: this.valueLength };
  }
}

function isListHeader(canonical: string): boolean {
  return LIST_HEADERS.has(canonical);
}

/**
 * Header lines in text[start..end) (after the start line, before the blank line). A line that
 * starts with space or tab continues the previous header. Lines without a colon are skipped
 * with a defect; values keep control characters verbatim.
 */
export function parseHeaderLines(text: string, start: number, end: number, defects: MessageDefect[]): SipHeader[] {
  const headers: SipHeader[] = [];
  // The header being read: its first line's start (-1 before the first), its last line's end, folded or not.
  let openStart = -1;
  let openEnd = 0;
  let openFolded = false;
  let pos = start;
  for (;;) {
    const atEnd = pos >= end;
    let lf = atEnd ? end : text.indexOf('\n', pos);
    if (lf < 0 || lf > end) lf = end;
    const lineEnd = lf > pos && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
    const first = atEnd ? -1 : text.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) {
      if (openStart >= 0) {
        openEnd = lineEnd;
        openFolded = true;
      } else {
        addDefect(defects, pos, 'continuation-without-header', 'a folded line with no header before it was ignored');
      }
    } else {
      if (openStart >= 0) {
        const header = headerFromLines(text, openStart, openEnd, openFolded, headers.length, defects);
        if (header) {
          if (headers.length === MAX_HEADERS) {
            addDefect(defects, header.span.offset, 'too-many-headers', `more than ${MAX_HEADERS} headers; the rest are ignored`);
            return headers;
          }
          headers.push(header);
        }
      }
      if (atEnd) return headers;
      openStart = pos;
      openEnd = lineEnd;
      openFolded = false;
    }
    pos = lf + 1;
  }
}

function headerFromLines(text: string, start: number, end: number, folded: boolean, index: number, defects: MessageDefect[]): SipHeader | undefined {
  const firstLineEnd = folded ? indexIn(text, '\n', start, end) : end;
  const colon = indexIn(text, ':', start, firstLineEnd);
  if (colon < 0) {
    addDefect(defects, start, 'header-without-colon', `header line without a colon was ignored: ${JSON.stringify(text.slice(start, Math.min(end, start + 60)))}`);
    return undefined;
  }
  let nameEnd = colon;
  while (nameEnd > start && (text.charCodeAt(nameEnd - 1) === 0x20 || text.charCodeAt(nameEnd - 1) === 0x09)) nameEnd--;
  if (nameEnd === start) {
    addDefect(defects, start, 'header-without-name', 'header line starting with a colon was ignored');
    return undefined;
  }
  const usual = USUAL_NAMES.at(text, start, nameEnd);
  const name = usual ?? text.slice(start, nameEnd);
  for (let i = start; usual === undefined && i < nameEnd; i++) {
    if (!isTokenChar(text.charCodeAt(i))) {
      addDefect(defects, i, 'bad-header-name', `header name ${JSON.stringify(name.slice(0, 60))} has characters not allowed in a token`);
      break;
    }
  }
  if (end - start > MAX_HEADER_BYTES) {
    addDefect(defects, start, 'header-too-long', `header ${JSON.stringify(name.slice(0, 60))} is ${end - start} bytes; only the first ${MAX_HEADER_BYTES} are parsed`);
    end = start + MAX_HEADER_BYTES;
  }
  let valueStart = colon + 1;
  while (valueStart < end && isValueWs(text.charCodeAt(valueStart))) valueStart++;
  let valueEnd = end;
  while (valueEnd > valueStart && isValueWs(text.charCodeAt(valueEnd - 1))) valueEnd--;
  const written = text.slice(valueStart, valueEnd);
  // A fold (optional whitespace, line end, whitespace) means one space (RFC 3261 7.3.1).
  const value = folded ? written.replace(/[ \t]*\r?\n[ \t]+/g, ' ') : written;
  return new ParsedHeader(name, usual !== undefined ? CANONICAL_OF_USUAL.get(usual)! : canonicalHeaderName(name), value, index, start, end - start, valueStart, valueEnd - valueStart);
}

function isValueWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Content-Length value: digits only, else undefined. */
export function parseContentLength(value: string): number | undefined {
  return parseDecimal(value.trim());
}

/**
 * Every value of a header, by canonical or compact name: list headers are split at commas that
 * are outside quoted strings and <...>; other headers give one value per header line.
 */
export function headerValues(msg: Pick<SipMessage, 'headers'>, name: string): string[] {
  const canonical = canonicalHeaderName(name);
  const out: string[] = [];
  const split = isListHeader(canonical);
  for (const h of msg.headers) {
    if (h.canonical !== canonical) continue;
    if (!split) {
      out.push(h.value);
      continue;
    }
    forEachTopLevel(h.value, 0, h.value.length, 0x2c, (s, e) => out.push(h.value.slice(s, e)));
  }
  return out;
}
