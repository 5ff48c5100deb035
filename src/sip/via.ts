/**
 * Via values (RFC 3261 20.42, rport RFC 3581): sent-protocol, sent-by and the parameters NAT
 * traversal cares about, with the span of sent-by (host and port) that an ALG rewrites.
 */
import type { ByteSpan, MessageDefect, ViaValue } from './types.js';
import { addDefect, unbracketedIpv6 } from './uri.js';
import { indexIn, indexOfTopLevel, isWs, parseDecimal, parseParams, skipWs, unquote } from './syntax.js';

function tokenEnd(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (isWs(c) || c === 0x2f || c === 0x3b || c === 0x3a || c === 0x2c) break;
    pos++;
  }
  return pos;
}

/**
 * A Via value as parseVia makes it: one shape for every Via (the optional parameters are fields
 * left undefined), its spans kept as numbers and read as fresh ByteSpan objects.
 */
class ParsedVia implements ViaValue {
  branch?: string = undefined;
  received?: string = undefined;
  rport?: number | null = undefined;
  maddr?: string = undefined;

  constructor(
    readonly protocol: string,
    readonly transport: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly params: Record<string, string | null>,
    private readonly offset: number,
    private readonly length: number,
    private readonly hostPortOffset: number,
    private readonly hostPortLength: number,
  ) {}

  get span(): ByteSpan {
    return { offset: this.offset, length: this.length };
  }

  get hostPortSpan(): ByteSpan {
    return { offset: this.hostPortOffset, length: this.hostPortLength };
  }
}

/** The sent-protocols nearly every Via carries, as written without spaces: taken as they are. */
const USUAL_PROTOCOLS = ['SIP/2.0/UDP', 'SIP/2.0/TCP', 'SIP/2.0/TLS', 'SIP/2.0/WSS', 'SIP/2.0/WS', 'SIP/2.0/SCTP'].map((protocol) => ({
  protocol,
  transport: protocol.slice('SIP/2.0/'.length),
}));

function usualProtocol(text: string, pos: number, end: number): { protocol: string; transport: string } | undefined {
  if (!text.startsWith('SIP/2.0/', pos)) return undefined;
  for (const usual of USUAL_PROTOCOLS) {
    const after = pos + usual.protocol.length;
    if (after <= end && text.startsWith(usual.protocol, pos) && (after === end || tokenEnd(text, after, end) === after)) return usual;
  }
  return undefined;
}

function badVia(text: string, start: number, end: number, at: number, why: string, defects: MessageDefect[]): undefined {
  addDefect(defects, at, 'bad-via', `${why} in Via ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
  return undefined;
}

/** One Via value in text[start..end) (already split from its neighbours at commas). */
export function parseVia(text: string, start: number, end: number, defects: MessageDefect[]): ViaValue | undefined {
  // sent-protocol: name SLASH version SLASH transport, whitespace allowed around the slashes.
  let pos = skipWs(text, start, end);
  let protocol: string;
  let transport: string;
  const usual = usualProtocol(text, pos, end);
  if (usual !== undefined) {
    ({ protocol, transport } = usual);
    pos += protocol.length;
  } else {
    const parts: string[] = [];
    for (let k = 0; k < 3; k++) {
      pos = skipWs(text, pos, end);
      const e = tokenEnd(text, pos, end);
      if (e === pos) return badVia(text, start, end, pos, 'missing sent-protocol', defects);
      parts.push(text.slice(pos, e));
      pos = skipWs(text, e, end);
      if (k < 2) {
        if (text.charCodeAt(pos) !== 0x2f) return badVia(text, start, end, pos, 'malformed sent-protocol', defects);
        pos++;
      }
    }
    protocol = `${parts[0]}/${parts[1]}/${parts[2]}`;
    transport = parts[2]!;
  }
  pos = skipWs(text, pos, end);

  const hostStart = pos;
  let host: string;
  let hostEnd: number;
  if (text.charCodeAt(pos) === 0x5b) {
    const close = indexIn(text, ']', pos, end);
    if (close < 0) return badVia(text, start, end, pos, 'unterminated IPv6 reference', defects);
    host = text.slice(pos + 1, close);
    hostEnd = close + 1;
  } else {
    hostEnd = tokenEnd(text, pos, end);
    host = text.slice(pos, hostEnd);
    let sentByEnd = hostEnd;
    while (sentByEnd < end && !isWs(text.charCodeAt(sentByEnd)) && text.charCodeAt(sentByEnd) !== 0x3b) sentByEnd++;
    const v6 = unbracketedIpv6(text, pos, sentByEnd);
    if (v6) {
      addDefect(defects, pos, 'unbracketed-ipv6', `IPv6 address without [brackets] in Via ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
      host = v6.host;
      hostEnd = pos + host.length;
    }
  }
  if (host.length === 0) return badVia(text, start, end, pos, 'missing sent-by host', defects);

  let port: number | undefined;
  let hostPortEnd = hostEnd;
  const colon = skipWs(text, hostEnd, end);
  if (text.charCodeAt(colon) === 0x3a) {
    const portStart = skipWs(text, colon + 1, end);
    const portEnd = tokenEnd(text, portStart, end);
    port = parseDecimal(text, 65535, portStart, portEnd);
    if (port === undefined) addDefect(defects, portStart, 'bad-port', `Via port ${JSON.stringify(text.slice(portStart, Math.min(portEnd, portStart + 40)))} is not a number 0-65535`);
    hostPortEnd = portEnd;
  }

  const semi = indexOfTopLevel(text, 0x3b, hostPortEnd, end);
  const trailing = skipWs(text, hostPortEnd, semi < 0 ? end : semi);
  if (trailing < (semi < 0 ? end : semi)) {
    // Via comments are not allowed; anything here means the sent-by was not what it seemed.
    addDefect(defects, trailing, 'bad-via', `unexpected text after sent-by in Via ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
  }
  const params = semi < 0 ? parseParams(text, end, end) : parseParams(text, semi, end);

  const via = new ParsedVia(protocol, transport, host, port, params, start, end - start, hostStart, hostPortEnd - hostStart);
  if (params.branch != null) via.branch = params.branch;
  if (params.received != null) via.received = unquote(params.received);
  if (params.maddr != null) via.maddr = params.maddr;
  if ('rport' in params) {
    const value = params.rport;
    if (value === null || value === '') {
      via.rport = null;
    } else {
      const n = parseDecimal(value, 65535);
      if (n === undefined) addDefect(defects, start, 'bad-rport', `rport value ${JSON.stringify(value.slice(0, 40))} is not a port number`);
      else via.rport = n;
    }
  }
  return via;
}
