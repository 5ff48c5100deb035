/**
 * Tokenizing helpers for header values. They work on ranges [start, end) of the Latin-1 text of
 * SipMessage.raw, so every position they return is a byte offset into raw. Folded lines are
 * still in that text: CR and LF count as whitespace here (inside a header value they can only
 * be part of a fold).
 */

export type Range = [start: number, end: number];

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

export function skipWs(text: string, pos: number, end: number): number {
  while (pos < end && isWs(text.charCodeAt(pos))) pos++;
  return pos;
}

/** `end` moved back over trailing whitespace, not before `start`. */
export function trimEnd(text: string, start: number, end: number): number {
  while (end > start && isWs(text.charCodeAt(end - 1))) end--;
  return end;
}

export function trimRange(text: string, start: number, end: number): Range {
  start = skipWs(text, start, end);
  return [start, trimEnd(text, start, end)];
}

/**
 * First index of `ch` in [from, end), or -1. Bounded on purpose: searching the whole message
 * for each of many values would be quadratic on hostile input.
 */
export function indexIn(text: string, ch: string, from: number, end: number): number {
  const c = ch.charCodeAt(0);
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === c) return i;
  return -1;
}

/** Position after the quoted string opening at `pos` (backslash escapes honoured), or `end` if unterminated. */
export function skipQuoted(text: string, pos: number, end: number): number {
  for (let i = pos + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return end;
}

/** The content of a quoted string with its escapes undone. */
export function unquote(text: string): string {
  if (text.length < 2 || text.charCodeAt(0) !== 0x22 || text.charCodeAt(text.length - 1) !== 0x22) return text;
  const inner = text.slice(1, -1);
  return inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner;
}

/** First index of `ch` in [pos, end) outside quoted strings and <...>; -1 when absent. */
export function indexOfTopLevel(text: string, ch: number, pos: number, end: number): number {
  let angle = 0;
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === ch && angle === 0) return i;
    if (c === 0x22) {
      i = skipQuoted(text, i, end) - 1;
    } else if (c === 0x3c) {
      angle++;
    } else if (c === 0x3e && angle > 0) {
      angle--;
    }
  }
  return -1;
}

/**
 * Calls `visit` with each item of text[start..end) split on `sep` outside quoted strings and
 * <...>, trimmed, empty items skipped.
 */
export function forEachTopLevel(text: string, start: number, end: number, sep: number, visit: (itemStart: number, itemEnd: number) => void): void {
  let itemStart = start;
  for (;;) {
    const at = indexOfTopLevel(text, sep, itemStart, end);
    const itemEnd = at < 0 ? end : at;
    const s = skipWs(text, itemStart, itemEnd);
    const e = trimEnd(text, s, itemEnd);
    if (e > s) visit(s, e);
    if (at < 0) return;
    itemStart = at + 1;
  }
}

/**
 * Strings found in place in a text, without cutting one out: the header and parameter names nearly
 * every message writes. What at() returns is the constant itself, so it is also a property key V8
 * has already internalized (a freshly cut name is looked up in its string table at every store).
 */
export class UsualStrings {
  readonly #byLength: string[][] = [];

  constructor(strings: Iterable<string>) {
    for (const s of strings) (this.#byLength[s.length] ??= []).push(s);
  }

  /** The usual string that text[start..end) is, exactly (same case), if any. */
  at(text: string, start: number, end: number): string | undefined {
    const candidates = this.#byLength[end - start];
    if (candidates !== undefined) for (const s of candidates) if (text.startsWith(s, start)) return s;
    return undefined;
  }
}

/** Parameter names as nearly every message writes them (lower-case). */
const USUAL_PARAM_NAMES = new UsualStrings(['tag', 'branch', 'rport', 'received', 'transport', 'lr', 'expires', 'q', 'user', 'maddr', 'ttl', 'ob', 'reg-id', '+sip.instance']);

/**
 * ";name[=value]" parameters in [start, end) (the range starts at or before the first ';').
 * Names are lower-cased (they are case-insensitive); values are kept as written, quotes included.
 * The first occurrence of a name wins.
 */
export function parseParams(text: string, start: number, end: number): Readonly<Record<string, string | null>> {
  if (start >= end) return NO_PARAMS;
  const params = emptyRecord<string | null>();
  let pos = start;
  while (pos < end) {
    const semi = indexOfTopLevel(text, 0x3b, pos, end);
    const itemEnd = semi < 0 ? end : semi;
    const s = skipWs(text, pos, itemEnd);
    let nameEnd = s;
    while (nameEnd < itemEnd && text.charCodeAt(nameEnd) !== 0x3d) nameEnd++;
    let ne = nameEnd;
    while (ne > s && isWs(text.charCodeAt(ne - 1))) ne--;
    if (ne > s) {
      const name = USUAL_PARAM_NAMES.at(text, s, ne) ?? text.slice(s, ne).toLowerCase();
      // A record inherits nothing (emptyRecord) and holds no undefined: the keyed load is what
      // Object.hasOwn answers, at a small part of its cost here.
      if (params[name] === undefined) {
        if (nameEnd === itemEnd) {
          params[name] = null;
        } else {
          let ve = itemEnd;
          while (ve > nameEnd + 1 && isWs(text.charCodeAt(ve - 1))) ve--;
          params[name] = text.slice(skipWs(text, nameEnd + 1, ve), ve);
        }
      }
    }
    if (semi < 0) break;
    pos = semi + 1;
  }
  return params;
}

/**
 * Records made by emptyRecord: their prototype is an object without a prototype, so hostile names
 * such as "__proto__" or "constructor" are plain own keys. (Object.create(null) gives the same
 * safety but a dictionary-mode object, whose keyed stores made parseParams five times slower.)
 */
function PlainRecord(): void {}
PlainRecord.prototype = Object.create(null);

/** A record that inherits nothing, so hostile names such as "__proto__" are plain keys. */
export function emptyRecord<T>(): Record<string, T> {
  return new (PlainRecord as unknown as new () => Record<string, T>)();
}

/** The parameters (and URI headers) of a value that has none, shared: most URIs have neither. */
export const NO_PARAMS: Readonly<Record<string, never>> = Object.freeze(emptyRecord<never>());

/** A non-negative decimal integer made only of digits (no sign, no spaces) in text[start..end), else undefined. */
export function parseDecimal(text: string, max = Number.MAX_SAFE_INTEGER, start = 0, end = text.length): number | undefined {
  if (end <= start || end - start > 16) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= max ? n : undefined;
}
