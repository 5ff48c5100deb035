/**
 * Via values (RFC 3261 20.42, rport RFC 3581): sent-protocol, sent-by and the parameters NAT
 * traversal cares about, with the span of sent-by (host and port) that an ALG rewrites.
 */
import type { MessageDefect, ViaValue } from './types.js';
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

/** One Via value in text[start..end) (already split from its neighbours at commas). */
export function parseVia(text: string, start: number, end: number, defects: MessageDefect[]): ViaValue | undefined {
  const bad = (at: number, why: string) => {
    addDefect(defects, at, 'bad-via', `${why} in Via ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
    return undefined;
  };
  // sent-protocol: name SLASH version SLASH transport, whitespace allowed around the slashes.
  const parts: string[] = [];
  let pos = start;
  for (let k = 0; k < 3; k++) {
    pos = skipWs(text, pos, end);
    const e = tokenEnd(text, pos, end);
    if (e === pos) return bad(pos, 'missing sent-protocol');
    parts.push(text.slice(pos, e));
    pos = skipWs(text, e, end);
    if (k < 2) {
      if (text.charCodeAt(pos) !== 0x2f) return bad(pos, 'malformed sent-protocol');
      pos++;
    }
  }
  const [name, version, transport] = parts;

  const hostStart = pos;
  let host: string;
  let hostEnd: number;
  if (text.charCodeAt(pos) === 0x5b) {
    const close = indexIn(text, ']', pos, end);
    if (close < 0) return bad(pos, 'unterminated IPv6 reference');
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
  if (host.length === 0) return bad(pos, 'missing sent-by host');

  let port: number | undefined;
  let hostPortEnd = hostEnd;
  const colon = skipWs(text, hostEnd, end);
  if (text.charCodeAt(colon) === 0x3a) {
    const portStart = skipWs(text, colon + 1, end);
    const portEnd = tokenEnd(text, portStart, end);
    const portText = text.slice(portStart, portEnd);
    port = parseDecimal(portText, 65535);
    if (port === undefined) addDefect(defects, portStart, 'bad-port', `Via port ${JSON.stringify(portText.slice(0, 40))} is not a number 0-65535`);
    hostPortEnd = portEnd;
  }

  const semi = indexOfTopLevel(text, 0x3b, hostPortEnd, end);
  const trailing = skipWs(text, hostPortEnd, semi < 0 ? end : semi);
  if (trailing < (semi < 0 ? end : semi)) {
    // Via comments are not allowed; anything here means the sent-by was not what it seemed.
    addDefect(defects, trailing, 'bad-via', `unexpected text after sent-by in Via ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
  }
  const params = semi < 0 ? parseParams(text, end, end) : parseParams(text, semi, end);

  const via: ViaValue = {
    protocol: `${name}/${version}/${transport}`,
    transport,
    host,
    port,
    params,
    span: { offset: start, length: end - start },
    hostPortSpan: { offset: hostStart, length: hostPortEnd - hostStart },
  };
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
