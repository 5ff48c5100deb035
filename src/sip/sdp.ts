/**
 * SDP (RFC 4566/8866) bodies, line by line with byte spans into SipMessage.raw. Only the fields
 * NAT and ALG analysis needs are structured (o=, c=, m=, a=rtcp, a=rtcp-mux, direction,
 * a=candidate, i=); every line is kept for line-by-line diffs. Hostile values are kept as written
 * and flagged with a defect.
 */
import type { ByteSpan, MessageDefect, SdpConnection, SdpLine, SdpMedia, SdpSession } from './types.js';
import { addDefect } from './uri.js';
import { latin1 } from './detect.js';
import { parseDecimal } from './syntax.js';

type Direction = NonNullable<SdpSession['direction']>;
const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const IP4_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}(\/\d+){0,2}$/;
const IP6_ADDRESS = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(\/\d+)?$/;
const FQDN = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?$/;

/** An SDP line as parseSdpText makes it: its span kept as numbers and read as a fresh ByteSpan. */
class ParsedSdpLine implements SdpLine {
  constructor(
    readonly type: string,
    readonly value: string,
    readonly mediaIndex: number,
    private readonly offset: number,
    private readonly length: number,
  ) {}

  get span(): ByteSpan {
    return { offset: this.offset, length: this.length };
  }
}

/** Parse the SDP in raw[span]; all spans and defect offsets are offsets into raw. */
export function parseSdp(raw: Uint8Array, span: ByteSpan): SdpSession {
  return parseSdpText(latin1(raw), span.offset, span.offset + span.length);
}

/** Same as parseSdp, on the Latin-1 text of raw (text offsets are raw offsets). */
export function parseSdpText(text: string, start: number, end: number): SdpSession {
  const session: SdpSession = { media: [], lines: [], information: [], defects: [] };
  const defects = session.defects;
  let media: SdpMedia | undefined;
  let blankAt = -1;
  let pos = start;
  while (pos < end) {
    let lf = text.indexOf('\n', pos);
    if (lf < 0 || lf > end) lf = end;
    const lineEnd = lf > pos && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
    const lineStart = pos;
    pos = lf + 1;
    if (lineEnd === lineStart) {
      if (blankAt < 0) blankAt = lineStart;
      continue;
    }
    if (blankAt >= 0) {
      addDefect(defects, blankAt, 'sdp-blank-line', 'blank line inside the SDP');
      blankAt = -1;
    }
    const type = text[lineStart];
    if (text.charCodeAt(lineStart + 1) !== 0x3d || !/[a-zA-Z]/.test(type)) {
      addDefect(defects, lineStart, 'sdp-bad-line', `not an SDP "x=" line: ${JSON.stringify(text.slice(lineStart, Math.min(lineEnd, lineStart + 60)))}`);
      continue;
    }
    const line = new ParsedSdpLine(type, text.slice(lineStart + 2, lineEnd), type === 'm' ? session.media.length : session.media.length - 1, lineStart, lineEnd - lineStart);
    session.lines.push(line);
    switch (type) {
      case 'o': {
        if (media || session.origin) {
          addDefect(defects, lineStart, 'sdp-misplaced-origin', 'o= line not at the start of the session description');
          break;
        }
        const f = fields(line.value, 5);
        if (f.length < 6) {
          addDefect(defects, lineStart, 'sdp-bad-origin', `o= needs 6 fields: ${JSON.stringify(line.value.slice(0, 80))}`);
          break;
        }
        session.origin = { username: f[0], sessionId: f[1], sessionVersion: f[2], netType: f[3], addrType: f[4], address: f[5], line };
        checkAddress(defects, lineStart, f[4], f[5], 'o=');
        break;
      }
      case 'c': {
        const connection = parseConnection(line, defects);
        if (!connection) break;
        if (media) media.connection = connection;
        else session.connection = connection;
        break;
      }
      case 'm':
        media = parseMedia(line, defects);
        session.media.push(media);
        break;
      case 'i':
        session.information.push(line);
        break;
      case 'a':
        applyAttribute(line, session, media, defects);
        break;
      default:
        break;
    }
  }
  return session;
}

/** Split on runs of spaces into at most `head` + 1 fields; the last keeps the rest of the line as written. */
function fields(value: string, head: number): string[] {
  const out: string[] = [];
  let pos = 0;
  while (out.length < head) {
    while (value[pos] === ' ' || value[pos] === '\t') pos++;
    if (pos >= value.length) return out;
    let e = pos;
    while (e < value.length && value[e] !== ' ' && value[e] !== '\t') e++;
    out.push(value.slice(pos, e));
    pos = e;
  }
  const rest = value.slice(pos).trim();
  if (rest.length > 0) out.push(rest);
  return out;
}

function checkAddress(defects: MessageDefect[], offset: number, addrType: string, address: string, what: string): void {
  const type = addrType.toUpperCase();
  if (type === 'IP6' && address.startsWith('[') && address.endsWith(']') && IP6_ADDRESS.test(address.slice(1, -1))) {
    // Seen from real agents; RFC 4566 has no brackets. Kept as written.
    addDefect(defects, offset, 'sdp-bracketed-ipv6', `${what} IPv6 address ${JSON.stringify(address.slice(0, 80))} is written in brackets`);
    return;
  }
  const plausible =
    (type === 'IP4' && (IP4_ADDRESS.test(address) || FQDN.test(address))) ||
    (type === 'IP6' && (IP6_ADDRESS.test(address) || FQDN.test(address)));
  if (!plausible) {
    addDefect(defects, offset, 'sdp-bad-address', `${what} address ${JSON.stringify(address.slice(0, 80))} is not a valid ${addrType} address`);
  }
}

function parseConnection(line: SdpLine, defects: MessageDefect[]): SdpConnection | undefined {
  const f = fields(line.value, 2);
  if (f.length < 3) {
    addDefect(defects, line.span.offset, 'sdp-bad-connection', `c= needs 3 fields: ${JSON.stringify(line.value.slice(0, 80))}`);
    return undefined;
  }
  checkAddress(defects, line.span.offset, f[1], f[2], 'c=');
  return { netType: f[0], addrType: f[1], address: f[2], line };
}

function parseMedia(line: SdpLine, defects: MessageDefect[]): SdpMedia {
  const f = fields(line.value, 3);
  const portField = f[1] ?? '';
  const slash = portField.indexOf('/');
  const port = parseDecimal(slash < 0 ? portField : portField.slice(0, slash), 65535);
  const portCount = slash < 0 ? undefined : parseDecimal(portField.slice(slash + 1));
  if (f.length < 3 || port === undefined || (slash >= 0 && portCount === undefined)) {
    addDefect(defects, line.span.offset, 'sdp-bad-media', `m= line not understood: ${JSON.stringify(line.value.slice(0, 80))}`);
  }
  return {
    type: f[0] ?? '',
    port: port ?? -1,
    portCount,
    protocol: f[2] ?? '',
    formats: f[3] ?? '',
    rtcpMux: false,
    candidates: [],
    line,
  };
}

function applyAttribute(line: SdpLine, session: SdpSession, media: SdpMedia | undefined, defects: MessageDefect[]): void {
  const value = line.value;
  const colon = value.indexOf(':');
  const name = colon < 0 ? value.trim() : value.slice(0, colon);
  if (DIRECTIONS.has(name)) {
    if (media) media.direction = name as Direction;
    else session.direction = name as Direction;
    return;
  }
  if (!media) return;
  switch (name) {
    case 'rtcp-mux':
      media.rtcpMux = true;
      break;
    case 'candidate':
      media.candidates.push(colon < 0 ? '' : value.slice(colon + 1));
      break;
    case 'rtcp': {
      // a=rtcp:port [nettype addrtype address] (RFC 3605)
      const f = fields(value.slice(colon + 1), 3);
      const port = parseDecimal(f[0] ?? '', 65535);
      if (port === undefined || f.length === 2 || f.length === 3) {
        addDefect(defects, line.span.offset, 'sdp-bad-rtcp', `a=rtcp not understood: ${JSON.stringify(value.slice(0, 80))}`);
      }
      if (port !== undefined) media.rtcpPort = port;
      if (f.length === 4) {
        media.rtcpAddress = f[3];
        checkAddress(defects, line.span.offset, f[2], f[3], 'a=rtcp');
      }
      break;
    }
    default:
      break;
  }
}
