/**
 * One SIP message from its bytes: start line, headers, parsed views and body. Tolerant (every
 * oddity becomes a defect with its offset) and total (never throws). Parsing runs on the Latin-1
 * text of the bytes, so string offsets are byte offsets into SipMessage.raw.
 */
import type { MessageDefect, NameAddr, SipHeader, SipMessage, SipOrigin } from './types.js';
import { CR, findHeaderEnd, latin1, locateStartLine } from './detect.js';
import { parseContentLength, parseHeaderLines } from './headers.js';
import { findSdpPart, mediaTypeOf } from './multipart.js';
import { subOrigin } from './origin.js';
import { parseSdpText } from './sdp.js';
import { indexOfTopLevel, parseDecimal, parseParams, splitTopLevel, trimRange } from './syntax.js';
import { addDefect, parseNameAddr, parseUri } from './uri.js';
import { parseVia } from './via.js';

/** Headers a message must not repeat; a second one is reported (the first is used). */
const SINGLE_HEADERS = ['call-id', 'cseq', 'from', 'to', 'content-length', 'content-type', 'expires'];

const MAX_UINT32 = 0xffffffff;

/**
 * Parse a SIP message from `bytes` (one UDP datagram, or exactly one framed TCP message).
 * `origin.segments` maps bytes[0..] to frames. Junk before the start line is dropped from raw
 * (and from the origin) and reported. undefined when there is no SIP start line at all.
 */
export function parseSipMessage(bytes: Uint8Array, origin: SipOrigin, id: number): SipMessage | undefined {
  const start = locateStartLine(bytes);
  if (start < 0) return undefined;
  const raw = new Uint8Array(bytes.length - start);
  raw.set(bytes.subarray(start));
  const text = latin1(raw);
  const defects: MessageDefect[] = [];
  if (start > 0) {
    let onlyLineEnds = true;
    for (let i = 0; i < start; i++) if (bytes[i] !== CR && bytes[i] !== 0x0a) onlyLineEnds = false;
    if (onlyLineEnds) addDefect(defects, 0, 'leading-crlf', `${start} CR/LF bytes before the start line were skipped`);
    else addDefect(defects, 0, 'junk-before-start-line', `${start} bytes before the start line were skipped (payload offsets 0-${start - 1})`);
  }

  // A status line may be the whole datagram, without a line end.
  const firstLf = text.indexOf('\n');
  const lf = firstLf < 0 ? text.length : firstLf;
  const startLineEnd = lf > 0 && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  const msg: SipMessage = {
    id,
    kind: 'request',
    version: '',
    startLineSpan: { offset: 0, length: startLineEnd },
    headers: [],
    body: raw.subarray(raw.length),
    bodySpan: { offset: raw.length, length: 0 },
    raw,
    defects,
    origin: start > 0 ? subOrigin(origin, start, bytes.length) : origin,
    vias: [],
    contacts: [],
    contactStar: false,
  };
  parseStartLine(text, startLineEnd, msg);

  const headerEnd = findHeaderEnd(raw, 0, raw.length);
  if (!headerEnd) addDefect(defects, raw.length, 'headers-not-terminated', 'no blank line after the headers: the message has no body');
  const headersEnd = headerEnd ? headerEnd.blankLineStart : raw.length;
  msg.headers = parseHeaderLines(text, Math.min(lf + 1, headersEnd), headersEnd, defects);
  if (headerEnd) {
    msg.bodySpan = { offset: headerEnd.bodyStart, length: raw.length - headerEnd.bodyStart };
    msg.body = raw.subarray(headerEnd.bodyStart);
  }
  parseViews(text, msg);
  return msg;
}

function parseStartLine(text: string, end: number, msg: SipMessage): void {
  const firstSpace = text.indexOf(' ');
  if (text.slice(0, 4).toUpperCase() === 'SIP/') {
    msg.kind = 'response';
    msg.version = text.slice(0, firstSpace);
    msg.status = Number(text.slice(firstSpace + 1, firstSpace + 4));
    msg.reason = text.slice(firstSpace + 5, end).trim();
    if (msg.status < 100 || msg.status > 699) addDefect(msg.defects, firstSpace + 1, 'bad-status-code', `status code ${msg.status} is outside 100-699`);
  } else {
    msg.method = text.slice(0, firstSpace);
    const lastSpace = text.lastIndexOf(' ', end - 1);
    msg.version = text.slice(lastSpace + 1, end);
    const [us, ue] = trimRange(text, firstSpace + 1, lastSpace);
    msg.requestUriText = text.slice(us, ue);
    msg.requestUri = parseUri(text, us, ue, msg.defects);
  }
  if (msg.version !== 'SIP/2.0') addDefect(msg.defects, msg.kind === 'response' ? 0 : end - msg.version.length, 'unexpected-version', `SIP version is ${JSON.stringify(msg.version)}`);
}

function parseViews(text: string, msg: SipMessage): void {
  const defects = msg.defects;
  const first = new Map<string, SipHeader>();
  for (const h of msg.headers) {
    if (!first.has(h.canonical)) first.set(h.canonical, h);
    else if (SINGLE_HEADERS.includes(h.canonical)) addDefect(defects, h.span.offset, 'duplicate-header', `second ${h.canonical} header; the first one is used`);
  }
  const valueRange = (h: SipHeader): [number, number] => [h.valueSpan.offset, h.valueSpan.offset + h.valueSpan.length];
  const nameAddr = (h: SipHeader | undefined): NameAddr | undefined => h && parseNameAddr(text, ...valueRange(h), defects);

  const callId = first.get('call-id');
  if (callId) msg.callId = callId.value;

  const cseq = first.get('cseq');
  if (cseq) {
    const space = cseq.value.search(/\s/);
    const seq = parseDecimal(space < 0 ? cseq.value : cseq.value.slice(0, space), MAX_UINT32);
    const method = space < 0 ? '' : cseq.value.slice(space + 1).trim();
    if (seq === undefined || method.length === 0) {
      addDefect(defects, cseq.valueSpan.offset, 'bad-cseq', `CSeq ${JSON.stringify(cseq.value.slice(0, 60))} is not "number METHOD"`);
    } else {
      msg.cseq = { seq, method };
      if (msg.kind === 'request' && method !== msg.method) {
        addDefect(defects, cseq.valueSpan.offset, 'cseq-method-mismatch', `CSeq method ${method} differs from request method ${msg.method}`);
      }
    }
  }

  msg.from = nameAddr(first.get('from'));
  msg.to = nameAddr(first.get('to'));

  for (const h of msg.headers) {
    if (h.canonical === 'via') {
      for (const [s, e] of splitTopLevel(text, ...valueRange(h), 0x2c)) {
        const via = parseVia(text, s, e, defects);
        if (via) msg.vias.push(via);
      }
    } else if (h.canonical === 'contact') {
      if (h.value === '*') {
        msg.contactStar = true;
        continue;
      }
      for (const [s, e] of splitTopLevel(text, ...valueRange(h), 0x2c)) {
        const contact = parseNameAddr(text, s, e, defects);
        if (contact) msg.contacts.push(contact);
      }
    }
  }

  const expires = first.get('expires');
  if (expires) {
    msg.expires = parseDecimal(expires.value, MAX_UINT32);
    if (msg.expires === undefined) addDefect(defects, expires.valueSpan.offset, 'bad-expires', `Expires ${JSON.stringify(expires.value.slice(0, 40))} is not a number of seconds`);
  }

  const contentLength = first.get('content-length');
  if (contentLength) {
    msg.declaredContentLength = parseContentLength(contentLength.value);
    if (msg.declaredContentLength === undefined) {
      addDefect(defects, contentLength.valueSpan.offset, 'invalid-content-length', `Content-Length ${JSON.stringify(contentLength.value.slice(0, 40))} is not a number`);
    }
  } else if (msg.origin.transport === 'tcp') {
    addDefect(defects, msg.bodySpan.offset, 'missing-content-length', 'no Content-Length over TCP (required on stream transports)');
  }
  if (msg.declaredContentLength !== undefined && msg.declaredContentLength !== msg.body.length) {
    addDefect(defects, msg.bodySpan.offset, 'content-length-mismatch', `Content-Length declares ${msg.declaredContentLength} bytes, ${msg.body.length} carried`);
  }

  const contentType = first.get('content-type');
  if (contentType) msg.contentType = mediaTypeOf(contentType.value);
  parseBody(text, msg, contentType);
}

function parseBody(text: string, msg: SipMessage, contentType: SipHeader | undefined): void {
  const { offset: bodyStart, length } = msg.bodySpan;
  const bodyEnd = bodyStart + length;
  if (length === 0) return;
  if (msg.contentType === 'application/sdp') {
    msg.sdp = parseSdpText(text, bodyStart, bodyEnd);
  } else if (contentType && msg.contentType?.startsWith('multipart/')) {
    const vs = contentType.valueSpan.offset;
    const ve = vs + contentType.valueSpan.length;
    const semi = indexOfTopLevel(text, 0x3b, vs, ve);
    const boundary = semi < 0 ? undefined : parseParams(text, semi, ve).boundary;
    const part = findSdpPart(msg.raw, text, bodyStart, bodyEnd, boundary, msg.defects);
    if (part) msg.sdp = parseSdpText(text, part[0], part[1]);
  } else if (!contentType && text.startsWith('v=0', bodyStart)) {
    addDefect(msg.defects, bodyStart, 'sdp-without-content-type', 'the body is SDP but there is no Content-Type');
    msg.sdp = parseSdpText(text, bodyStart, bodyEnd);
  }
}
