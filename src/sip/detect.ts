/**
 * Cheap content checks that decide whether bytes are SIP, run on every UDP payload and at every
 * TCP message boundary. They work on bytes (no string decoding) so RTP costs one comparison.
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const NUL = 0x00;

/** Longest start line we accept (a request line with a long Request-URI still fits). */
export const MAX_START_LINE = 8192;
/** How far into a line we look for a known method glued to junk ("DBREGISTER sip:..."). */
const MAX_GLUED_JUNK = 512;

/** Standard methods (RFC 3261, 3262, 3265, 3311, 3428, 3515, 3903, 6086). */
export const KNOWN_METHODS: readonly string[] = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'PRACK',
  'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH',
];
const KNOWN_METHOD_BYTES = KNOWN_METHODS.map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));

const SIP_VERSION = Buffer.from('SIP/2.0', 'latin1');

// RFC 3261 token characters: alphanum and -.!%*_+`'~
const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const c of "-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;

/** A token character (RFC 3261 25.1): what method and header names are made of. */
export function isTokenChar(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

/** A view that offers Buffer's native indexOf without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Latin-1 decoding maps byte i to char i, so string offsets are byte offsets. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return asBuffer(bytes).toString('latin1', start, end);
}

function isSipVersionAt(b: Uint8Array, i: number): boolean {
  // SIP-Version is case-insensitive (RFC 3261 7.1).
  return (
    (b[i] | 0x20) === 0x73 && (b[i + 1] | 0x20) === 0x69 && (b[i + 2] | 0x20) === 0x70 &&
    b[i + 3] === 0x2f && b[i + 4] === 0x32 && b[i + 5] === 0x2e && b[i + 6] === 0x30
  );
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** The first character of a URI scheme (RFC 3986): a letter. */
export function isSchemeStart(b: number): boolean {
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** A character of a URI scheme (RFC 3986): letter, digit, "+", "-" or ".". */
export function isSchemeByte(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || isDigit(b) || b === 0x2b || b === 0x2d || b === 0x2e;
}

/** A status line "SIP/2.0 NNN" at bytes[start]. */
function isStatusLine(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= 11 && isSipVersionAt(bytes, start) && bytes[start + 7] === SP &&
    isDigit(bytes[start + 8]) && isDigit(bytes[start + 9]) && isDigit(bytes[start + 10]) &&
    (end - start === 11 || !isDigit(bytes[start + 11]));
}

/**
 * "METHOD scheme:" at bytes[start]: the index of the scheme's colon, or -1. The method must
 * start with an upper-case letter, which rejects binary payloads on the first byte.
 */
function requestLinePrefix(bytes: Uint8Array, start: number, end: number): number {
  const first = bytes[start];
  if (first < 0x41 || first > 0x5a) return -1;
  let i = start + 1;
  const methodLimit = Math.min(end, start + 32);
  while (i < methodLimit && TOKEN[bytes[i]] === 1) i++;
  if (i >= methodLimit || bytes[i] !== SP) return -1;
  const schemeStart = ++i;
  if (i >= end || !isSchemeStart(bytes[i])) return -1;
  while (i < end && i - schemeStart < 16 && isSchemeByte(bytes[i])) i++;
  return i < end && bytes[i] === 0x3a ? i : -1;
}

/** The request line's " SIP/2.0" ends the line [.., lineEnd) after the scheme colon. */
function endsWithVersion(bytes: Uint8Array, colon: number, lineEnd: number): boolean {
  return lineEnd - 8 > colon && bytes[lineEnd - 8] === SP && isSipVersionAt(bytes, lineEnd - 7);
}

/** End of the line at or after `from` (before CR LF or LF), looking no further than `limit`; -1 when none. */
function lineEndWithin(bytes: Uint8Array, from: number, limit: number): number {
  if (limit <= from) return -1;
  const lf = asBuffer(bytes).subarray(from, limit).indexOf(LF);
  if (lf < 0) return -1;
  const at = from + lf;
  return at > from && bytes[at - 1] === CR ? at - 1 : at;
}

/**
 * True when bytes[start..end) begin with a SIP start line: "SIP/2.0 NNN", or
 * "METHOD scheme:... SIP/2.0" ending the first line. Rejects binary payloads on the first byte.
 */
export function looksLikeSip(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  if (end - start < 11) return false;
  if (isStatusLine(bytes, start, end)) return true;
  const colon = requestLinePrefix(bytes, start, end);
  if (colon < 0) return false;
  const lineEnd = lineEndWithin(bytes, colon, Math.min(end, start + MAX_START_LINE));
  return lineEnd >= 0 && endsWithVersion(bytes, colon, lineEnd);
}

/** Length of a known method name at bytes[i], followed by a space; 0 when none. */
function knownMethodAt(bytes: Uint8Array, i: number, end: number): number {
  for (const m of KNOWN_METHOD_BYTES) {
    if (i + m.length >= end || bytes[i] !== m[0] || bytes[i + m.length] !== SP) continue;
    let k = 1;
    while (k < m.length && bytes[i + k] === m[k]) k++;
    if (k === m.length) return m.length;
  }
  return 0;
}

/**
 * For a start line at `start`: an unknown method that ends in a known one ("DBREGISTER") is
 * junk glued to the known method, which is where the start line really begins.
 */
function skipGluedJunk(bytes: Uint8Array, start: number, end: number): number {
  if (isStatusLine(bytes, start, end) || knownMethodAt(bytes, start, end) > 0) return start;
  let methodEnd = start;
  while (bytes[methodEnd] !== SP) methodEnd++;
  for (let p = start + 1; p < methodEnd; p++) {
    if (knownMethodAt(bytes, p, end) === methodEnd - p) return p;
  }
  return start;
}

/**
 * Offset of the first plausible start line in bytes[from..to), or -1. Finds start lines after
 * junk lines, known methods glued to junk ("\x01\x02INVITE sip:...", "DBREGISTER sip:...") and
 * status lines glued to junk. Searches natively for "SIP/2.0" and looks at each line once, so
 * the cost stays linear in the input, hostile input included.
 */
export function findStartLine(bytes: Uint8Array, from = 0, to = bytes.length): number {
  // Bounded view: bytes past `to` (e.g. a stream buffer's spare capacity) are never searched.
  const buf = asBuffer(bytes).subarray(0, to);
  let pos = from;
  let lineStart = from;
  let checkedLine = -1;
  let lineEnd = -1;
  for (;;) {
    const hit = buf.indexOf(SIP_VERSION, pos);
    if (hit < 0 || hit + 7 > to) return -1;
    for (let i = hit - 1; i >= pos; i--) {
      if (bytes[i] === LF) {
        lineStart = i + 1;
        break;
      }
    }
    if (checkedLine !== lineStart) {
      checkedLine = lineStart;
      if (looksLikeSip(bytes, lineStart, to)) return skipGluedJunk(bytes, lineStart, to);
      lineEnd = lineEndWithin(bytes, hit, Math.min(to, hit + MAX_START_LINE));
    }
    if (lineEnd === hit + 7) {
      // This version ends the line (once per line): a request line may begin after junk on it.
      const limit = Math.min(hit, lineStart + MAX_GLUED_JUNK);
      for (let p = lineStart + 1; p < limit; p++) {
        if (knownMethodAt(bytes, p, to) === 0) continue;
        const colon = requestLinePrefix(bytes, p, lineEnd);
        if (colon >= 0 && endsWithVersion(bytes, colon, lineEnd)) return p;
      }
    }
    // A status line glued to junk ("xxSIP/2.0 200 OK").
    if (hit - lineStart <= MAX_GLUED_JUNK && isStatusLine(bytes, hit, to)) return hit;
    pos = hit + 7;
  }
}

/** Where the message's start line begins: 0 normally, later after junk; -1 when not SIP at all. */
export function locateStartLine(bytes: Uint8Array, to = bytes.length): number {
  return looksLikeSip(bytes, 0, to) ? skipGluedJunk(bytes, 0, to) : findStartLine(bytes, 0, to);
}

/** Could a SIP payload start with this byte? Text or CR/LF; rejects RTP, RTCP, STUN, DTLS at once. */
export function mayStartSip(b: number): boolean {
  return (b >= SP && b < 0x7f) || b === CR || b === LF;
}

/** Bytes a CRLF keepalive is made of, or that a mangled one may turn into. */
export function isKeepaliveByte(b: number): boolean {
  return b === CR || b === LF || b === NUL || b === SP;
}

/**
 * The first blank line at or after `from` (a line start) in bytes[from..to): where the blank
 * line starts and where the body starts. Tolerates bare LF line ends. undefined when none yet.
 */
export function findHeaderEnd(bytes: Uint8Array, from: number, to: number): { blankLineStart: number; bodyStart: number } | undefined {
  const whole = asBuffer(bytes);
  // Bounded to `to` for the searches below; a view of the same bytes is one more object per message.
  const buf = to === whole.length ? whole : whole.subarray(0, to);
  let lineStart = from;
  for (;;) {
    if (lineStart < to && bytes[lineStart] === LF) return { blankLineStart: lineStart, bodyStart: lineStart + 1 };
    if (lineStart + 1 < to && bytes[lineStart] === CR && bytes[lineStart + 1] === LF) {
      return { blankLineStart: lineStart, bodyStart: lineStart + 2 };
    }
    const lf = buf.indexOf(LF, lineStart);
    if (lf < 0 || lf >= to) return undefined;
    lineStart = lf + 1;
  }
}
