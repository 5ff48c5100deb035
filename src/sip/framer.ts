/**
 * Frames SIP messages and CRLF keepalives out of transport payloads: one message per UDP
 * datagram; Content-Length framing per TCP stream direction, with resynchronisation after gaps,
 * junk and overflow. Payloads that are not SIP are handed back to the caller (onPayload returns
 * false) after at most a few byte comparisons, so RTP pays almost nothing here.
 */
import type { PayloadSegment, TcpGap, TransportPayload } from '../decode/types.js';
import type { SipFramingProblem, SipKeepalive, SipMessage, SipOrigin } from './types.js';
import {
  CR, LF, MAX_START_LINE, asBuffer, findHeaderEnd, findStartLine, isKeepaliveByte, latin1, looksLikeSip, mayStartSip,
} from './detect.js';
import { parseContentLength, parseHeaderLines } from './headers.js';
import { parseSipMessage } from './message.js';
import { type PayloadContext, originOf } from './origin.js';

export interface SipSink {
  onMessage(message: SipMessage): void;
  onKeepalive(keepalive: SipKeepalive): void;
  onProblem(problem: SipFramingProblem): void;
}

export interface SipFramerOptions {
  /** Most bytes buffered per TCP stream direction while waiting for the end of a message. */
  maxStreamBuffer?: number;
  /** Most bytes of a header block (start line to blank line) before giving up on it. */
  maxHeaderBlock?: number;
  /**
   * Message id allocator. Share one between framers (one per capture) to keep ids unique across
   * the analysis; by default each framer counts from 1.
   */
  allocateId?: () => number;
}

/** Longest payload that can be a (possibly mangled) CRLF keepalive. */
const MAX_KEEPALIVE = 16;
/** How far into a UDP datagram junk before the start line may reach. */
const MAX_UDP_JUNK = 1024;
const DEFAULT_MAX_STREAM_BUFFER = 1 << 20;
const DEFAULT_MAX_HEADER_BLOCK = 64 * 1024;
const SHRINK_ABOVE = 64 * 1024;

interface TcpStream {
  /** Latest chunk's tuple, timestamp and TTL: the chunk that completes a message dates it. */
  context: PayloadContext;
  buf: Uint8Array;
  /** buf[head..len) is unconsumed. */
  head: number;
  len: number;
  /** Stream position of buf[0]; segments use stream positions as payloadOffset. */
  base: number;
  segments: PayloadSegment[];
  /** Looking for the next start line (after a gap, junk or overflow). */
  resync: boolean;
  /** A start line was seen: the stream is SIP. */
  confirmed: boolean;
  /** Bytes skipped while resynchronising, reported as one problem when the run ends. */
  skipped?: { origin: SipOrigin; offset: number; bytes: number; lastFrame: number };
}

/** "ping" for CRLFCRLF, "pong" for CRLF, "altered" for anything else made of CR/LF/NUL/space. */
function classifyKeepalive(bytes: Uint8Array): SipKeepalive['kind'] {
  if (bytes.length === 4 && bytes[0] === CR && bytes[1] === LF && bytes[2] === CR && bytes[3] === LF) return 'ping';
  if (bytes.length === 2 && bytes[0] === CR && bytes[1] === LF) return 'pong';
  return 'altered';
}

function allKeepaliveBytes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isKeepaliveByte(bytes[i])) return false;
  return true;
}

/** True when bytes[start..end) could still become a start line (no line end yet, printable). */
function couldBeStartLinePrefix(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start >= MAX_START_LINE) return false;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if ((b < 0x20 || b > 0x7e) && !(b === CR && i === end - 1)) return false;
  }
  return true;
}

export class SipFramer {
  private readonly sink: SipSink;
  private readonly maxStreamBuffer: number;
  private readonly maxHeaderBlock: number;
  private readonly streams = new Map<string, TcpStream>();
  private readonly allocateId: () => number;

  constructor(sink: SipSink, options: SipFramerOptions = {}) {
    this.sink = sink;
    this.maxStreamBuffer = options.maxStreamBuffer ?? DEFAULT_MAX_STREAM_BUFFER;
    this.maxHeaderBlock = Math.min(options.maxHeaderBlock ?? DEFAULT_MAX_HEADER_BLOCK, this.maxStreamBuffer);
    let next = 1;
    this.allocateId = options.allocateId ?? (() => next++);
  }

  /**
   * Feed one transport payload. Returns true when it was SIP (a message, a keepalive, or part of
   * a SIP TCP stream) and false when the caller should offer it to other stages.
   */
  onPayload(payload: TransportPayload): boolean {
    return payload.transport === 'udp' ? this.onDatagram(payload) : this.onTcpChunk(payload);
  }

  /** False when a UDP datagram whose first byte is `first` is certainly not SIP: onPayload would decline it. */
  mayTakeDatagram(first: number): boolean {
    return isKeepaliveByte(first) || mayStartSip(first);
  }

  /** A TCP gap: the partial message buffered for this stream cannot be completed. */
  gap(streamId: string, gap: TcpGap): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    if (!s.confirmed) {
      this.streams.delete(streamId);
      return;
    }
    this.reportSkipped(s);
    const partial = s.len - s.head;
    const lost = `${gap.length} bytes missing from the stream at stream offset ${gap.streamOffset} (declared at frame ${gap.frameNumber})`;
    if (partial > 0 && !s.resync) {
      this.problem(s, s.head, s.len, 'tcp-gap-partial-message', `${lost}; discarded ${partial} buffered bytes of an incomplete message`);
    } else {
      this.problem(s, s.len, s.len, 'tcp-gap', `${lost}; any SIP in them is lost`, { ...s.context, ts: gap.ts });
    }
    this.consume(s, s.len);
    s.resync = true;
  }

  /** A TCP direction ended (FIN, RST or end of capture): emit what it still holds. */
  endStream(streamId: string): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    if (s.confirmed) {
      this.drain(s, true);
      this.reportSkipped(s);
    }
    this.streams.delete(streamId);
  }

  /** End of input: flush every TCP stream. */
  finish(): void {
    for (const id of [...this.streams.keys()]) this.endStream(id);
  }

  private onDatagram(p: TransportPayload): boolean {
    const data = p.data;
    const n = data.length;
    if (n === 0) return false;
    const first = data[0]!;
    if (n <= MAX_KEEPALIVE && isKeepaliveByte(first) && allKeepaliveBytes(data, 0, n)) {
      // new Uint8Array(view) copies: data may be a Buffer view of the reader's buffer.
      this.sink.onKeepalive({ origin: originOf(p, p.segments, 0, n), kind: classifyKeepalive(data), bytes: new Uint8Array(data) });
      return true;
    }
    if (!mayStartSip(first)) return false;
    if (!looksLikeSip(data, 0, n) && findStartLine(data, 0, Math.min(n, MAX_UDP_JUNK + MAX_START_LINE)) < 0) return false;
    // A start line was found above, so this parses: the id is only taken for a message.
    const message = parseSipMessage(data, originOf(p, p.segments, 0, n), 0);
    if (!message) return false;
    message.id = this.allocateId();
    this.sink.onMessage(message);
    return true;
  }

  private onTcpChunk(p: TransportPayload): boolean {
    const data = p.data;
    if (data.length === 0) return false;
    const id = p.streamId ?? `${p.point.key} ${p.src.ip}:${p.src.port}>${p.dst.ip}:${p.dst.port}`;
    let s = this.streams.get(id);
    if (!s) {
      if (!mayStartSip(data[0])) return false;
      s = { context: contextOf(p), buf: new Uint8Array(0), head: 0, len: 0, base: p.streamOffset ?? 0, segments: [], resync: false, confirmed: false };
      this.streams.set(id, s);
    }
    this.append(s, p);
    if (!s.confirmed) {
      const state = this.confirm(s);
      if (state === 'not-sip') this.streams.delete(id);
      if (state !== 'sip') return state === 'maybe';
    }
    this.drain(s, false);
    return true;
  }

  /**
   * A stream becomes SIP at its first start line. Until then it is held only while it may still
   * become one (a start line or keepalives split across chunks). Bytes before the first start
   * line (a capture that began mid-stream) are reported.
   */
  private confirm(s: TcpStream): 'sip' | 'maybe' | 'not-sip' {
    const { buf, head, len } = s;
    const start = looksLikeSip(buf, head, len) ? head : findStartLine(buf, head, len);
    if (start < 0) {
      const mayBecomeSip = couldBeStartLinePrefix(buf, head, len) || (len - head <= MAX_KEEPALIVE && allKeepaliveBytes(buf, head, len));
      return mayBecomeSip ? 'maybe' : 'not-sip';
    }
    s.confirmed = true;
    // CRLF keepalives before the first message are emitted as keepalives, not skipped.
    if (start > head && !allKeepaliveBytes(buf, head, start)) {
      this.problem(s, head, start, 'tcp-skipped-before-first-message', `${start - head} stream bytes before the first SIP start line were skipped`);
      this.consume(s, start);
    }
    return 'sip';
  }

  private append(s: TcpStream, p: TransportPayload): void {
    s.context = contextOf(p);
    const n = p.data.length;
    if (p.streamOffset !== undefined && p.streamOffset !== s.base + s.len) {
      // Bytes missing (or repeated) without a gap() call: the buffered partial message is unusable.
      if (s.len > s.head && !s.resync) {
        this.problem(s, s.head, s.len, 'tcp-discontinuity', `stream jumped from offset ${s.base + s.len} to ${p.streamOffset}; discarded ${s.len - s.head} buffered bytes`);
        s.resync = true;
      }
      this.consume(s, s.len);
      s.base = p.streamOffset - s.len;
    }
    if (s.head > 0) {
      // Compact: drop consumed bytes before growing.
      s.buf.copyWithin(0, s.head, s.len);
      s.base += s.head;
      s.len -= s.head;
      s.head = 0;
    }
    if (s.len + n > s.buf.length) {
      const grown = new Uint8Array(Math.max(s.len + n, s.buf.length * 2, 4096));
      grown.set(s.buf.subarray(0, s.len));
      s.buf = grown;
    }
    s.buf.set(p.data, s.len);
    const at = s.base + s.len;
    for (const seg of p.segments) s.segments.push({ ...seg, payloadOffset: at + seg.payloadOffset });
    s.len += n;
  }

  /** Mark buf[..end) consumed and forget the segments wholly before it. */
  private consume(s: TcpStream, end: number): void {
    s.head = end;
    const pos = s.base + end;
    let drop = 0;
    while (drop < s.segments.length && s.segments[drop].payloadOffset + s.segments[drop].length <= pos) drop++;
    if (drop > 0) s.segments.splice(0, drop);
    if (s.head === s.len) {
      s.head = 0;
      s.len = 0;
      s.base = pos;
      // Do not keep a large buffer alive for an idle stream.
      if (s.buf.length > SHRINK_ABOVE) s.buf = new Uint8Array(0);
    }
  }

  private origin(s: TcpStream, start: number, end: number, context: PayloadContext = s.context): SipOrigin {
    return originOf(context, s.segments, s.base + start, s.base + end);
  }

  private problem(s: TcpStream, start: number, end: number, code: string, message: string, context?: PayloadContext): void {
    this.sink.onProblem({ origin: this.origin(s, start, end, context), offset: s.base + start, code, message });
  }

  /** Skip buf[head..end) while resynchronising; consecutive skips add up to one problem. */
  private skip(s: TcpStream, end: number): void {
    if (end <= s.head) return;
    const origin = this.origin(s, s.head, end);
    if (!s.skipped) s.skipped = { origin, offset: s.base + s.head, bytes: 0, lastFrame: 0 };
    s.skipped.bytes += end - s.head;
    s.skipped.lastFrame = origin.frames.at(-1) ?? s.skipped.lastFrame;
    this.consume(s, end);
  }

  /** The problem for a finished run of skipped bytes; its origin covers the run's first chunk. */
  private reportSkipped(s: TcpStream): void {
    const run = s.skipped;
    if (!run) return;
    s.skipped = undefined;
    const frames = run.lastFrame > run.origin.frames[0] ? ` (frames ${run.origin.frames[0]}-${run.lastFrame})` : '';
    this.sink.onProblem({ origin: run.origin, offset: run.offset, code: 'tcp-resync-skipped', message: `${run.bytes} stream bytes skipped while looking for the next SIP start line${frames}` });
  }

  /** Emit every complete message and keepalive at the front of the buffer; at stream end, everything. */
  private drain(s: TcpStream, atEnd: boolean): void {
    while (s.head < s.len) {
      const buf = s.buf;
      const head = s.head;
      const len = s.len;
      if (s.resync) {
        const start = findStartLine(buf, head, len);
        if (start < 0) {
          // Keep a tail that may be the beginning of a start line split across chunks.
          const lastLf = asBuffer(buf).lastIndexOf(LF, len - 1);
          const tail = lastLf < head ? head : lastLf + 1;
          this.skip(s, !atEnd && couldBeStartLinePrefix(buf, tail, len) ? tail : len);
          if (atEnd) this.reportSkipped(s);
          return;
        }
        this.skip(s, start);
        this.reportSkipped(s);
        s.resync = false;
        continue;
      }
      if (isKeepaliveByte(buf[head])) {
        this.emitKeepalives(s);
        continue;
      }
      if (!looksLikeSip(buf, head, len)) {
        if (!atEnd && couldBeStartLinePrefix(buf, head, len)) return;
        s.resync = true;
        continue;
      }
      const headerEnd = findHeaderEnd(buf, head, Math.min(len, head + this.maxHeaderBlock));
      if (!headerEnd) {
        if (len - head >= this.maxHeaderBlock) {
          this.problem(s, head, len, 'tcp-header-block-too-large', `no blank line within ${this.maxHeaderBlock} bytes of a start line; discarded ${len - head} bytes`);
          this.consume(s, len);
          s.resync = true;
          continue;
        }
        if (!atEnd) return;
        this.problem(s, head, len, 'tcp-incomplete-at-end', `stream ended inside a message header (${len - head} bytes discarded)`);
        this.consume(s, len);
        return;
      }
      const end = this.messageEnd(s, head, headerEnd.blankLineStart, headerEnd.bodyStart, atEnd);
      if (end < 0) return;
      this.emitMessage(s, head, end);
    }
  }

  /**
   * Where the message starting at `head` ends, or -1 to wait for more bytes. Framed by
   * Content-Length; without a usable one (missing, invalid or larger than the buffer), the body
   * runs to the next start line already buffered, else to the end of what is buffered.
   */
  private messageEnd(s: TcpStream, head: number, blankLineStart: number, bodyStart: number, atEnd: boolean): number {
    const headerText = latin1(s.buf, head, blankLineStart);
    const firstLf = headerText.indexOf('\n');
    const contentLength = parseHeaderLines(headerText, firstLf + 1, headerText.length, []).find((h) => h.canonical === 'content-length');
    const declared = contentLength && parseContentLength(contentLength.value);
    if (declared !== undefined && bodyStart - head + declared <= this.maxStreamBuffer) {
      const end = bodyStart + declared;
      if (end <= s.len) return end;
      return atEnd ? s.len : -1;
    }
    if (declared !== undefined) {
      this.problem(s, head, bodyStart, 'tcp-content-length-too-large', `Content-Length ${declared} is more than the ${this.maxStreamBuffer}-byte stream buffer; the body is taken to end at the next start line`);
    }
    const next = findStartLine(s.buf, bodyStart, s.len);
    return next < 0 ? s.len : next;
  }

  private emitMessage(s: TcpStream, start: number, end: number): void {
    const message = parseSipMessage(s.buf.subarray(start, end), this.origin(s, start, end), 0);
    this.consume(s, end);
    if (!message) return;
    message.id = this.allocateId();
    this.sink.onMessage(message);
  }

  /**
   * The run of CR/LF/NUL/space at the front of the buffer (at most MAX_KEEPALIVE bytes): pings
   * and pongs when it is made of CRLF pairs (CRLFCRLF = ping, a lone CRLF = pong), otherwise one
   * "altered" keepalive.
   */
  private emitKeepalives(s: TcpStream): void {
    const buf = s.buf;
    let end = s.head;
    while (end < s.len && isKeepaliveByte(buf[end])) end++;
    if (end - s.head > MAX_KEEPALIVE) {
      // Too long to be keepalives: junk, skipped like any other.
      s.resync = true;
      return;
    }
    let pairs = (end - s.head) % 2 === 0;
    for (let i = s.head; pairs && i < end; i += 2) pairs = buf[i] === CR && buf[i + 1] === LF;
    let pos = s.head;
    while (pos < end) {
      const n = !pairs ? end - pos : end - pos >= 4 ? 4 : 2;
      this.sink.onKeepalive({ origin: this.origin(s, pos, pos + n), kind: classifyKeepalive(buf.subarray(pos, pos + n)), bytes: new Uint8Array(buf.subarray(pos, pos + n)) });
      pos += n;
    }
    this.consume(s, end);
  }
}

function contextOf(p: TransportPayload): PayloadContext {
  return { point: p.point, transport: p.transport, src: p.src, dst: p.dst, ts: p.ts, ttl: p.ttl };
}
