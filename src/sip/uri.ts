/**
 * SIP/SIPS/tel URIs and name-addr / addr-spec values, parsed in place so that the URI and its
 * host:port keep their byte spans in SipMessage.raw (the host:port span is what an ALG rewrites).
 */
import { isIPv6 } from 'node:net';
import type { ByteSpan, MessageDefect, NameAddr, SipUri } from './types.js';
import { isSchemeByte, isSchemeStart } from './detect.js';
import { NO_PARAMS, UsualStrings, emptyRecord, indexIn, indexOfTopLevel, parseDecimal, parseParams, skipQuoted, skipWs, trimEnd, trimRange, unquote } from './syntax.js';

export function addDefect(defects: MessageDefect[], offset: number, code: string, message: string): void {
  defects.push({ offset, code, message });
}

const COLON = 0x3a;
const SEMICOLON = 0x3b;
const QUESTION = 0x3f;

/** First index in [pos, end) of one of up to three characters (by code), or `end`. */
function indexOfAny(text: string, pos: number, end: number, a: number, b = a, c = a): number {
  for (let i = pos; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === a || ch === b || ch === c) return i;
  }
  return end;
}

/** Whether text[start..end) is a URI scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
function isScheme(text: string, start: number, end: number): boolean {
  if (end <= start || !isSchemeStart(text.charCodeAt(start))) return false;
  for (let i = start + 1; i < end; i++) if (!isSchemeByte(text.charCodeAt(i))) return false;
  return true;
}

/**
 * A URI as parseUri makes it: its spans are kept as numbers and read as fresh ByteSpan objects
 * (a message's URIs' span objects were an eighth of the bytes parsing it allocated).
 */
class ParsedUri implements SipUri {
  constructor(
    readonly scheme: string,
    readonly user: string | undefined,
    readonly password: string | undefined,
    readonly host: string,
    readonly port: number | undefined,
    readonly params: Record<string, string | null>,
    readonly headers: Record<string, string>,
    readonly text: string,
    /** Where text starts in the message (text is the span's bytes). */
    private readonly offset: number,
    private readonly hostPortOffset: number,
    private readonly hostPortLength: number,
  ) {}

  get span(): ByteSpan {
    return { offset: this.offset, length: this.text.length };
  }

  get hostPortSpan(): ByteSpan {
    return { offset: this.hostPortOffset, length: this.hostPortLength };
  }
}

/** The schemes nearly every URI has, as written in lower case: taken as constants. */
const USUAL_SCHEMES = new UsualStrings(['sip', 'sips', 'tel']);

/** Parse the URI written in text[start..end). undefined (with a defect) when it has no scheme. */
export function parseUri(text: string, start: number, end: number, defects: MessageDefect[]): SipUri | undefined {
  // Trimmed in place, not with trimRange: its pair was one more allocation for every URI.
  start = skipWs(text, start, end);
  end = trimEnd(text, start, end);
  const colon = indexIn(text, ':', start, end);
  const uriText = text.slice(start, end);
  if (colon < 0 || !isScheme(text, start, colon)) {
    addDefect(defects, start, 'bad-uri', `URI without a scheme: ${JSON.stringify(uriText.slice(0, 80))}`);
    return undefined;
  }
  const scheme = USUAL_SCHEMES.at(text, start, colon) ?? text.slice(start, colon).toLowerCase();
  if (scheme === 'tel') {
    // tel:+1-201-555-0123;phone-context=... has no host; the number is kept as the user part.
    const semi = indexOfAny(text, colon + 1, end, SEMICOLON);
    return new ParsedUri(scheme, text.slice(colon + 1, semi), undefined, '', undefined, parseParams(text, semi, end), NO_PARAMS, uriText, start, semi, 0);
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return new ParsedUri(scheme, undefined, undefined, '', undefined, NO_PARAMS, NO_PARAMS, uriText, start, end, 0);
  }

  // The user part may contain ';' and '?' (RFC 3261 25.1), so userinfo ends at the first '@'.
  const at = indexIn(text, '@', colon + 1, end);
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = colon + 1;
  if (at >= 0) {
    const pw = indexIn(text, ':', colon + 1, at);
    if (pw >= 0) {
      user = text.slice(colon + 1, pw);
      password = text.slice(pw + 1, at);
    } else {
      user = text.slice(colon + 1, at);
    }
    hostStart = at + 1;
  }

  let host: string;
  let after: number;
  if (text[hostStart] === '[') {
    const close = indexIn(text, ']', hostStart, end);
    if (close < 0) {
      addDefect(defects, hostStart, 'bad-uri-host', `unterminated IPv6 reference in ${JSON.stringify(uriText.slice(0, 80))}`);
      host = text.slice(hostStart + 1, indexOfAny(text, hostStart, end, SEMICOLON, QUESTION));
      after = hostStart + 1 + host.length;
    } else {
      host = text.slice(hostStart + 1, close);
      after = close + 1;
    }
  } else {
    after = indexOfAny(text, hostStart, end, COLON, SEMICOLON, QUESTION);
    host = text.slice(hostStart, after);
    const hostPortEnd = indexOfAny(text, hostStart, end, SEMICOLON, QUESTION);
    const v6 = unbracketedIpv6(text, hostStart, hostPortEnd);
    if (v6) {
      addDefect(defects, hostStart, 'unbracketed-ipv6', `IPv6 address without [brackets] in ${JSON.stringify(uriText.slice(0, 80))}`);
      host = v6.host;
      after = hostStart + host.length;
    }
  }
  if (host.length === 0) addDefect(defects, hostStart, 'bad-uri-host', `URI without a host: ${JSON.stringify(uriText.slice(0, 80))}`);

  let port: number | undefined;
  let hostPortEnd = after;
  if (text[after] === ':') {
    hostPortEnd = indexOfAny(text, after + 1, end, SEMICOLON, QUESTION);
    port = parseDecimal(text, 65535, after + 1, hostPortEnd);
    if (port === undefined) addDefect(defects, after + 1, 'bad-port', `port ${JSON.stringify(text.slice(after + 1, Math.min(hostPortEnd, after + 41)))} is not a number 0-65535`);
  }

  const question = indexOfAny(text, hostPortEnd, end, QUESTION);
  const params = parseParams(text, hostPortEnd, question);
  let headers: Record<string, string> = NO_PARAMS;
  if (question < end) {
    headers = emptyRecord<string>();
    for (const pair of text.slice(question + 1, end).split('&')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (name.length > 0 && !Object.hasOwn(headers, name)) headers[name] = eq < 0 ? '' : pair.slice(eq + 1);
    }
  }
  return new ParsedUri(scheme, user, password, host, port, params, headers, uriText, start, hostStart, hostPortEnd - hostStart);
}

/** A name-addr or addr-spec as parseNameAddr makes it: its span kept as numbers, read as a fresh ByteSpan. */
class ParsedNameAddr implements NameAddr {
  constructor(
    readonly displayName: string | undefined,
    readonly uri: SipUri,
    readonly params: Record<string, string | null>,
    private readonly offset: number,
    private readonly length: number,
  ) {}

  get span(): ByteSpan {
    return { offset: this.offset, length: this.length };
  }
}

/**
 * name-addr ("Bob" <sip:bob@host>;tag=x, Bob <sip:...>) or addr-spec (sip:bob@host;tag=x) in
 * text[start..end). In the addr-spec form everything after the first ';' is a header parameter
 * (RFC 3261 20.10).
 */
export function parseNameAddr(text: string, start: number, end: number, defects: MessageDefect[]): NameAddr | undefined {
  start = skipWs(text, start, end);
  end = trimEnd(text, start, end);
  let displayName: string | undefined;
  let pos = start;
  if (text.charCodeAt(pos) === 0x22) {
    const close = skipQuoted(text, pos, end);
    displayName = unquote(text.slice(pos, close));
    pos = skipWs(text, close, end);
  }
  let lt = text.charCodeAt(pos) === 0x3c ? pos : displayName === undefined ? indexOfTopLevel(text, 0x3c, pos, end) : -1;
  // A "<" right here opens the URI whatever follows: no ';' can come before it.
  let semi = lt === pos ? -1 : indexOfTopLevel(text, 0x3b, pos, end);
  if (lt < 0 && displayName === undefined && text.charCodeAt(pos) !== 0x22) {
    // Stray quotes in a token display name (\"arik\" <sip:...>) hide the "<" from the quote-aware
    // search; a "<...>" after them is still the URI.
    const rawLt = indexIn(text, '<', pos, end);
    const colon = indexIn(text, ':', pos, end);
    if (rawLt >= 0 && indexIn(text, '>', rawLt, end) >= 0 && colon > rawLt) {
      addDefect(defects, pos, 'bad-display-name', `display name with unbalanced quotes: ${JSON.stringify(text.slice(pos, Math.min(rawLt, pos + 60)))}`);
      lt = rawLt;
      semi = -1;
    }
  }
  if (lt >= 0 && (semi < 0 || lt < semi)) {
    if (displayName === undefined && lt > pos) {
      const [ds, de] = trimRange(text, pos, lt);
      if (de > ds) displayName = text.slice(ds, de);
    }
    const gt = indexIn(text, '>', lt + 1, end);
    if (gt < 0) {
      addDefect(defects, lt, 'bad-name-addr', `"<" without ">" in ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
      return undefined;
    }
    const uri = parseUri(text, lt + 1, gt, defects);
    return uri && new ParsedNameAddr(displayName, uri, parseParams(text, gt + 1, end), start, end - start);
  }
  if (displayName !== undefined) {
    addDefect(defects, pos, 'bad-name-addr', `display name without <URI> in ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`);
    return undefined;
  }
  const uriEnd = semi < 0 ? end : semi;
  const uri = parseUri(text, pos, uriEnd, defects);
  return uri && new ParsedNameAddr(undefined, uri, parseParams(text, uriEnd, end), start, end - start);
}

/**
 * Some agents write IPv6 hosts without brackets ("fe80:0:0:0:21a:a0ff:fe07:32e0:5060"). With two
 * or more colons the host:port text in text[start..end) is read as an IPv6 address, or as one
 * followed by ":port" when only that reading is a valid address. undefined when the text has fewer
 * than two colons (looked for in place: almost every host has none).
 */
export function unbracketedIpv6(text: string, start: number, end: number): { host: string } | undefined {
  const first = indexIn(text, ':', start, end);
  if (first < 0 || indexIn(text, ':', first + 1, end) < 0) return undefined;
  const hostPort = text.slice(start, end);
  if (isIPv6(hostPort)) return { host: hostPort };
  const last = hostPort.lastIndexOf(':');
  const head = hostPort.slice(0, last);
  return { host: isIPv6(head) && parseDecimal(hostPort.slice(last + 1), 65535) !== undefined ? head : hostPort };
}

/** "host", "host:port", "[v6]" or "[v6]:port"; empty for URIs without a host (tel:). */
export function hostPort(target: { host: string; port?: number }): string {
  if (target.host === '') return '';
  const host = target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host;
  return target.port === undefined ? host : `${host}:${target.port}`;
}
