/**
 * One SIP message from its bytes: start line, headers, parsed views and body. Tolerant (every
 * oddity becomes a defect with its offset) and total (never throws). Parsing runs on the Latin-1
 * text of the bytes, so string offsets are byte offsets into SipMessage.raw.
 */
import type { ByteSpan, MessageDefect, NameAddr, SipHeader, SipMessage, SipOrigin } from './types.js';
import { CR, KNOWN_METHODS, findHeaderEnd, locateStartLine } from './detect.js';
import { parseContentLength, parseHeaderLines } from './headers.js';
import { findSdpPart, mediaTypeOf } from './multipart.js';
import { subOrigin } from './origin.js';
import { parseSdpText } from './sdp.js';
import { UsualStrings, forEachTopLevel, indexOfTopLevel, parseDecimal, parseParams, trimRange } from './syntax.js';
import { addDefect, parseNameAddr, parseUri } from './uri.js';
import { parseVia } from './via.js';

const MAX_UINT32 = 0xffffffff;
const SIP_2_0 = 'SIP/2.0';

/** The body of a message without one (most): one shared empty view, not one per message. */
const NO_BODY: Uint8Array = Buffer.alloc(0);

/** The defects of a message without any (most): one shared list, where each held message had its own. */
const NO_DEFECTS = Object.freeze([]) as unknown as MessageDefect[];

/** The parsed views of a message, worked out again from its text when read after a release. */
type MessageViews = Pick<SipMessage, 'headers' | 'requestUri' | 'from' | 'to' | 'vias' | 'contacts' | 'sdp' | 'body' | 'raw'>;

/**
 * How many messages keep their parsed views at a time. Beyond, the views of the message parsed
 * longest ago are dropped, and parsed again from its text if it is read again: a message's views
 * take ten times the memory of its bytes, and an analysis holds every message of the dialogs it
 * has open, while only recent ones are read. Few, because views still kept when the young
 * generation is collected are copied there: 256 made the SIP-heavy benchmark 15-20 % slower than
 * 32. An analysis comparing copies from both sides of a router keeps more (see AnalysisSession).
 */
const DEFAULT_PARSED_VIEWS_KEPT = 32;

/**
 * A SIP message as parseSipMessage returns it: the start line fields, Call-ID, CSeq, Content-*,
 * Expires, the spans of the start line and body, defects and origin are plain properties; headers,
 * URIs, Via, Contact, SDP, body and raw are parsed views that may be dropped and parsed again from
 * the message text, identical.
 */
class ParsedSipMessage implements SipMessage {
  id: number;
  kind: SipMessage['kind'];
  method?: string;
  requestUriText?: string;
  status?: number;
  reason?: string;
  version: string;
  declaredContentLength?: number;
  defects: MessageDefect[];
  origin: SipOrigin;
  callId?: string;
  cseq?: SipMessage['cseq'];
  contactStar: boolean;
  expires?: number;
  contentType?: string;

  // The start line's length and the body's place, as numbers: two span objects were 80 bytes more
  // per held message, and their few readers can take a fresh one each.
  readonly #startLineLength: number;
  readonly #bodyOffset: number;
  readonly #bodyLength: number;
  /** The message bytes as Latin-1 text (one char per byte): what the views are parsed from. */
  readonly #text: string;
  #views: MessageViews | undefined;
  /** A view was replaced by a caller: the views are kept, since parsing again would undo it. */
  #pinned = false;
  /** Slot of the parsed-views ring this message last took. */
  #slot = -1;
  /** What later stages worked out from this message, by memo slot (see memoized). */
  #memo: unknown[] | undefined;

  constructor(parsed: SipMessage, text: string) {
    this.id = parsed.id;
    this.kind = parsed.kind;
    // Already the shared constant when usual (USUAL_START_WORDS), as are method and CSeq method.
    this.version = parsed.version;
    this.#startLineLength = parsed.startLineSpan.length;
    this.#bodyOffset = parsed.bodySpan.offset;
    this.#bodyLength = parsed.bodySpan.length;
    this.defects = parsed.defects.length > 0 ? parsed.defects : NO_DEFECTS;
    this.origin = parsed.origin;
    this.contactStar = parsed.contactStar;
    if (parsed.method !== undefined) this.method = parsed.method;
    if (parsed.requestUriText !== undefined) this.requestUriText = parsed.requestUriText;
    if (parsed.status !== undefined) this.status = parsed.status;
    if (parsed.reason !== undefined) this.reason = common(parsed.reason);
    if (parsed.declaredContentLength !== undefined) this.declaredContentLength = parsed.declaredContentLength;
    if (parsed.callId !== undefined) this.callId = parsed.callId;
    if (parsed.cseq !== undefined) this.cseq = parsed.cseq;
    if (parsed.expires !== undefined) this.expires = parsed.expires;
    if (parsed.contentType !== undefined) this.contentType = common(parsed.contentType);
    this.#text = text;
    this.#views = viewsOf(parsed);
    ParsedSipMessage.#keep(this);
  }

  get startLineSpan(): ByteSpan { return { offset: 0, length: this.#startLineLength }; }
  get bodySpan(): ByteSpan { return { offset: this.#bodyOffset, length: this.#bodyLength }; }
  get headers() { return this.#open().headers; }
  set headers(value) { this.#set('headers', value); }
  get requestUri() { return this.#open().requestUri; }
  set requestUri(value) { this.#set('requestUri', value); }
  get from() { return this.#open().from; }
  set from(value) { this.#set('from', value); }
  get to() { return this.#open().to; }
  set to(value) { this.#set('to', value); }
  get vias() { return this.#open().vias; }
  set vias(value) { this.#set('vias', value); }
  get contacts() { return this.#open().contacts; }
  set contacts(value) { this.#set('contacts', value); }
  get sdp() { return this.#open().sdp; }
  set sdp(value) { this.#set('sdp', value); }
  get body() { return this.#open().body; }
  set body(value) { this.#set('body', value); }
  get raw() { return this.#open().raw; }
  set raw(value) { this.#set('raw', value); }

  /** Drops the parsed views (unless a caller replaced one); reading one parses the text again. */
  release(): void {
    if (!this.#pinned) this.#views = undefined;
  }

  #open(): MessageViews {
    if (this.#views === undefined) {
      ParsedSipMessage.reparsed++;
      const raw = Buffer.from(this.#text, 'latin1');
      this.#views = viewsOf(parseRaw(raw, this.#text, this.id, this.origin, []));
      ParsedSipMessage.#keep(this);
    }
    return this.#views;
  }

  #set<K extends keyof MessageViews>(key: K, value: MessageViews[K]): void {
    this.#open()[key] = value;
    this.#pinned = true;
  }

  /** How many times a message was parsed again from its text (see parsedAgain). */
  static reparsed = 0;

  static #ring: (ParsedSipMessage | undefined)[] = new Array<ParsedSipMessage | undefined>(DEFAULT_PARSED_VIEWS_KEPT);
  static #next = 0;

  /** Takes the next slot of the ring of parsed views, releasing the message that held it. */
  static #keep(msg: ParsedSipMessage): void {
    const ring = ParsedSipMessage.#ring;
    const slot = ParsedSipMessage.#next;
    const old = ring[slot];
    if (old !== undefined && old !== msg && old.#slot === slot) old.release();
    ring[slot] = msg;
    msg.#slot = slot;
    ParsedSipMessage.#next = (slot + 1) % ring.length;
  }

  /** The message's Latin-1 text, for messages parseSipMessage made. */
  static text(msg: SipMessage): string | undefined {
    return msg instanceof ParsedSipMessage ? msg.#text : undefined;
  }

  static memo(msg: SipMessage): unknown[] | undefined {
    // Room for every slot at once: one grown by assignment keeps spare room, in every held message.
    // Filled, not holey: reading a slot of a holey array and asking `in` were the slow part of a
    // lookup that conclusions make for every held message and rule.
    return msg instanceof ParsedSipMessage ? (msg.#memo ??= new Array<unknown>(memoSlots).fill(UNSET)) : undefined;
  }

  /** Sets how many messages keep their parsed views at a time (at least 1); releases the rest. */
  static keepParsedViews(count: number): void {
    for (const msg of ParsedSipMessage.#ring) msg?.release();
    ParsedSipMessage.#ring = new Array<ParsedSipMessage | undefined>(Math.max(1, Math.floor(count)));
    ParsedSipMessage.#next = 0;
  }
}

/**
 * Reason phrases and content types nearly every message says, kept once: a held message's copies
 * of these were its own, cut from its text. (Version and methods are taken as constants while
 * parsing: USUAL_START_WORDS.)
 */
const COMMON_STRINGS = new Map(
  [
    'OK', 'Trying', 'Ringing', 'Session Progress', 'Unauthorized',
    'Proxy Authentication Required', 'Not Found', 'Busy Here', 'Request Terminated', 'application/sdp',
  ].map((s) => [s, s]),
);

function common(s: string): string {
  return COMMON_STRINGS.get(s) ?? s;
}

function viewsOf(msg: SipMessage): MessageViews {
  return {
    headers: msg.headers,
    requestUri: msg.requestUri,
    from: msg.from,
    to: msg.to,
    vias: msg.vias,
    contacts: msg.contacts,
    sdp: msg.sdp,
    body: msg.body,
    raw: msg.raw,
  };
}

/** A place to keep one thing a later stage works out from a message (see memoized). */
export interface MemoSlot<T> {
  readonly index: number;
  /** For messages not made by parseSipMessage (tests build some by hand). */
  readonly fallback: WeakMap<SipMessage, { value: T }>;
}

let memoSlots = 0;

/** A memo slot nothing was kept in yet (undefined may be kept). */
const UNSET: unique symbol = Symbol('unset');

/** What `memo` keeps in `slot`, or UNSET (a slot made after the memo is beyond its end). */
function slotValue(memo: unknown[], slot: MemoSlot<unknown>): unknown {
  return slot.index < memo.length ? memo[slot.index] : UNSET;
}

export function memoSlot<T>(): MemoSlot<T> {
  return { index: memoSlots++, fallback: new WeakMap() };
}

/** What was remembered with the message in `slot`, if anything. */
export function recall<T>(msg: SipMessage, slot: MemoSlot<T>): { value: T } | undefined {
  const memo = ParsedSipMessage.memo(msg);
  if (memo === undefined) return slot.fallback.get(msg);
  const value = slotValue(memo, slot);
  return value === UNSET ? undefined : { value: value as T };
}

/** Keeps `value` with the message in `slot` (replacing what was there). */
export function remember<T>(msg: SipMessage, slot: MemoSlot<T>, value: T): T {
  const memo = ParsedSipMessage.memo(msg);
  if (memo === undefined) slot.fallback.set(msg, { value });
  else {
    while (memo.length <= slot.index) memo.push(UNSET);
    memo[slot.index] = value;
  }
  return value;
}

/**
 * What `compute` works out from a message, computed once and kept with the message: what later
 * stages need again and again (correlation keys, per-message findings) without parsing the
 * message's headers again once its views were dropped. `compute` must depend on the message only.
 */
export function memoized<T>(msg: SipMessage, slot: MemoSlot<T>, compute: (msg: SipMessage) => T): T {
  const memo = ParsedSipMessage.memo(msg);
  if (memo !== undefined) {
    const value = slotValue(memo, slot);
    if (value !== UNSET) return value as T;
  }
  const known = memo === undefined ? slot.fallback.get(msg) : undefined;
  return known !== undefined ? known.value : remember(msg, slot, compute(msg));
}

/**
 * How many parsed messages keep their views in memory at once (DEFAULT_PARSED_VIEWS_KEPT when not
 * given); the others are parsed again from their text when read. An analysis sets it for what it
 * compares (AnalysisSession); tests set it to see views dropped.
 */
export function keepParsedViews(count = DEFAULT_PARSED_VIEWS_KEPT): void {
  ParsedSipMessage.keepParsedViews(count);
}

/** Whether two messages carry the same bytes (compared as texts when both have one: nothing is parsed again). */
export function sameBytes(a: SipMessage, b: SipMessage): boolean {
  const textA = ParsedSipMessage.text(a);
  const textB = ParsedSipMessage.text(b);
  if (textA !== undefined && textB !== undefined) return textA === textB;
  return a.raw.length === b.raw.length && Buffer.compare(a.raw, b.raw) === 0;
}

/**
 * How many times, since the process started, a message's views were parsed again from its text
 * after being dropped: each time costs a whole parse, so stages read what they need while a
 * message is new (see memoized), and tests check they do.
 */
export function parsedAgain(): number {
  return ParsedSipMessage.reparsed;
}

/**
 * Parse a SIP message from `bytes` (one UDP datagram, or exactly one framed TCP message).
 * `origin.segments` maps bytes[0..] to frames. Junk before the start line is dropped from raw
 * (and from the origin) and reported. undefined when there is no SIP start line at all.
 */
export function parseSipMessage(bytes: Uint8Array, origin: SipOrigin, id: number): SipMessage | undefined {
  const start = locateStartLine(bytes);
  if (start < 0) return undefined;
  // A Buffer from Node's pool: a message's own ArrayBuffer cost more than parsing its headers.
  const raw = Buffer.allocUnsafe(bytes.length - start);
  raw.set(start === 0 ? bytes : bytes.subarray(start));
  const text = raw.toString('latin1');
  const defects: MessageDefect[] = [];
  if (start > 0) {
    let onlyLineEnds = true;
    for (let i = 0; i < start; i++) if (bytes[i] !== CR && bytes[i] !== 0x0a) onlyLineEnds = false;
    if (onlyLineEnds) addDefect(defects, 0, 'leading-crlf', `${start} CR/LF bytes before the start line were skipped`);
    else addDefect(defects, 0, 'junk-before-start-line', `${start} bytes before the start line were skipped (payload offsets 0-${start - 1})`);
  }
  return new ParsedSipMessage(parseRaw(raw, text, id, start > 0 ? subOrigin(origin, start, bytes.length) : origin, defects), text);
}

/** Everything parsed out of a message's bytes (from its start line) and their Latin-1 text. */
function parseRaw(raw: Uint8Array, text: string, id: number, origin: SipOrigin, defects: MessageDefect[]): SipMessage {
  // A status line may be the whole datagram, without a line end.
  const firstLf = text.indexOf('\n');
  const lf = firstLf < 0 ? text.length : firstLf;
  const startLineEnd = lf > 0 && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  const headerEnd = findHeaderEnd(raw, 0, raw.length);
  const bodyStart = headerEnd ? headerEnd.bodyStart : raw.length;
  const msg: SipMessage = {
    id,
    kind: 'request',
    version: '',
    startLineSpan: { offset: 0, length: startLineEnd },
    headers: [],
    body: bodyStart < raw.length ? raw.subarray(bodyStart) : NO_BODY,
    bodySpan: { offset: bodyStart, length: raw.length - bodyStart },
    raw,
    defects,
    origin,
    vias: [],
    contacts: [],
    contactStar: false,
  };
  parseStartLine(text, startLineEnd, msg);

  if (!headerEnd) addDefect(defects, raw.length, 'headers-not-terminated', 'no blank line after the headers: the message has no body');
  const headersEnd = headerEnd ? headerEnd.blankLineStart : raw.length;
  msg.headers = parseHeaderLines(text, Math.min(lf + 1, headersEnd), headersEnd, defects);
  parseViews(text, msg);
  return msg;
}

/** Start-line words nearly every message writes: taken as constants, not cut from its text. */
const USUAL_START_WORDS = new UsualStrings([SIP_2_0, ...KNOWN_METHODS]);

function parseStartLine(text: string, end: number, msg: SipMessage): void {
  const firstSpace = text.indexOf(' ');
  if (text.slice(0, 4).toUpperCase() === 'SIP/') {
    msg.kind = 'response';
    msg.version = USUAL_START_WORDS.at(text, 0, firstSpace) ?? text.slice(0, firstSpace);
    msg.status = Number(text.slice(firstSpace + 1, firstSpace + 4));
    msg.reason = text.slice(firstSpace + 5, end).trim();
    if (msg.status < 100 || msg.status > 699) addDefect(msg.defects, firstSpace + 1, 'bad-status-code', `status code ${msg.status} is outside 100-699`);
  } else {
    msg.method = USUAL_START_WORDS.at(text, 0, firstSpace) ?? text.slice(0, firstSpace);
    const lastSpace = text.lastIndexOf(' ', end - 1);
    msg.version = USUAL_START_WORDS.at(text, lastSpace + 1, end) ?? text.slice(lastSpace + 1, end);
    const [us, ue] = trimRange(text, firstSpace + 1, lastSpace);
    msg.requestUri = parseUri(text, us, ue, msg.defects);
    // The same text as the URI's own (parseUri trims nothing more from a trimmed range).
    msg.requestUriText = msg.requestUri?.text ?? text.slice(us, ue);
  }
  if (msg.version !== SIP_2_0) addDefect(msg.defects, msg.kind === 'response' ? 0 : end - msg.version.length, 'unexpected-version', `SIP version is ${JSON.stringify(msg.version)}`);
}

/** `h` when it is the first of its kind (`known` undefined), else `known`, with the repeat reported. */
function single(known: SipHeader | undefined, h: SipHeader, defects: MessageDefect[]): SipHeader {
  if (known === undefined) return h;
  addDefect(defects, h.span.offset, 'duplicate-header', `second ${h.canonical} header; the first one is used`);
  return known;
}

/** Whether a Latin-1 character is white space as a regular expression's \\s reads it. */
function isLatin1Space(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;
}

function nameAddrOf(text: string, h: SipHeader, defects: MessageDefect[]): NameAddr | undefined {
  const { offset, length } = h.valueSpan;
  return parseNameAddr(text, offset, offset + length, defects);
}

/** The values of a Via or Contact header, split at top-level commas, onto msg.vias or msg.contacts. */
function addListValues(text: string, h: SipHeader, msg: SipMessage): void {
  if (h.canonical === 'contact' && h.value === '*') {
    msg.contactStar = true;
    return;
  }
  const { offset, length } = h.valueSpan;
  const via = h.canonical === 'via';
  forEachTopLevel(text, offset, offset + length, 0x2c, (s, e) => {
    if (via) {
      const value = parseVia(text, s, e, msg.defects);
      if (value) msg.vias.push(value);
    } else {
      const contact = parseNameAddr(text, s, e, msg.defects);
      if (contact) msg.contacts.push(contact);
    }
  });
}

function parseViews(text: string, msg: SipMessage): void {
  const defects = msg.defects;
  // The first of each header a message must not repeat (a second one is reported, not used).
  let callId: SipHeader | undefined;
  let cseq: SipHeader | undefined;
  let from: SipHeader | undefined;
  let to: SipHeader | undefined;
  let contentLength: SipHeader | undefined;
  let contentType: SipHeader | undefined;
  let expires: SipHeader | undefined;
  for (const h of msg.headers) {
    switch (h.canonical) {
      case 'call-id': callId = single(callId, h, defects); break;
      case 'cseq': cseq = single(cseq, h, defects); break;
      case 'from': from = single(from, h, defects); break;
      case 'to': to = single(to, h, defects); break;
      case 'content-length': contentLength = single(contentLength, h, defects); break;
      case 'content-type': contentType = single(contentType, h, defects); break;
      case 'expires': expires = single(expires, h, defects); break;
    }
  }

  if (callId) msg.callId = callId.value;

  if (cseq) {
    // Read in place, the method as a constant when it is a known one (shared, as the message keeps it).
    const value = cseq.value;
    let space = 0;
    while (space < value.length && !isLatin1Space(value.charCodeAt(space))) space++;
    const seq = parseDecimal(value, MAX_UINT32, 0, space);
    let methodStart = space + 1;
    let methodEnd = value.length;
    while (methodStart < methodEnd && isLatin1Space(value.charCodeAt(methodStart))) methodStart++;
    while (methodEnd > methodStart && isLatin1Space(value.charCodeAt(methodEnd - 1))) methodEnd--;
    const method = methodStart >= methodEnd ? '' : USUAL_START_WORDS.at(value, methodStart, methodEnd) ?? value.slice(methodStart, methodEnd);
    if (seq === undefined || method.length === 0) {
      addDefect(defects, cseq.valueSpan.offset, 'bad-cseq', `CSeq ${JSON.stringify(value.slice(0, 60))} is not "number METHOD"`);
    } else {
      msg.cseq = { seq, method };
      if (msg.kind === 'request' && method !== msg.method) {
        addDefect(defects, cseq.valueSpan.offset, 'cseq-method-mismatch', `CSeq method ${method} differs from request method ${msg.method}`);
      }
    }
  }

  msg.from = from && nameAddrOf(text, from, defects);
  msg.to = to && nameAddrOf(text, to, defects);
  for (const h of msg.headers) if (h.canonical === 'via' || h.canonical === 'contact') addListValues(text, h, msg);

  if (expires) {
    msg.expires = parseDecimal(expires.value, MAX_UINT32);
    if (msg.expires === undefined) addDefect(defects, expires.valueSpan.offset, 'bad-expires', `Expires ${JSON.stringify(expires.value.slice(0, 40))} is not a number of seconds`);
  }

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
