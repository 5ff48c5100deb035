/**
 * TCP stream reassembly, one byte stream per direction of a connection seen at one capture
 * point. Bytes are delivered once, in order; retransmitted bytes are dropped (the first copy
 * wins); out-of-order bytes wait for the hole to fill. A hole is declared a gap (never papered
 * over) when the peer acknowledged past it, when buffering limits are hit, or at the end.
 */
import { formatEndpoint } from './addresses.js';
import { sliceSegments } from './segments.js';
import { insertUncovered } from './pieces.js';
import type { CapturePointRef, DecodeSink, Endpoint, PayloadSegment, TransportPayload } from './types.js';
import type { Timestamp } from '../capture/types.js';

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

const SEQ_SPACE = 4294967296;

export interface TcpLimits {
  /** Out-of-order bytes held per direction before the first hole is declared a gap. */
  maxBufferPerDirection: number;
  /** Out-of-order pieces held per direction (bounds the bookkeeping of tiny segments). */
  maxPiecesPerDirection: number;
  /** Out-of-order bytes held over all streams. */
  maxBufferTotal: number;
  /** Capture-time seconds after which a silent connection is closed. */
  idleTimeoutSeconds: number;
  maxConnections: number;
}

/** One TCP segment as the IP layer found it. */
export interface TcpSegmentInput {
  point: CapturePointRef;
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  /** The segment's payload as captured (a view; copied when kept). */
  data: Uint8Array;
  /** Provenance of data, payloadOffset relative to data[0]. */
  segments: PayloadSegment[];
  frameNumber: number;
  ts: Timestamp;
  /** Capture time in seconds. */
  now: number;
  ttl: number;
  tunnelled: boolean;
  linuxPacketType?: number;
}

/** What became of a segment, for the frame accounting. */
export type TcpOutcome =
  /** New stream bytes (delivered now or held until a hole fills). */
  | 'data'
  /** Carried no payload (handshake, ACK, FIN, RST). */
  | 'no-payload'
  /** Every byte was delivered before. */
  | 'retransmission'
  /** Data placed after the stream's FIN or RST. */
  | 'data-after-end'
  /** Data before the first byte seen of a stream whose SYN was not captured. */
  | 'data-before-start'
  /** An RST carrying bytes (diagnostic text, not stream data). */
  | 'rst-data';

interface HeldPiece {
  offset: number;
  data: Uint8Array;
  /** payloadOffset relative to data[0]. */
  segments: PayloadSegment[];
  ts: Timestamp;
  now: number;
  ttl: number;
  tunnelled: boolean;
  linuxPacketType?: number;
}

interface Direction {
  connection: Connection;
  /** Built when first needed: a scan opens many connections that never carry a byte. */
  streamId: string | undefined;
  src: Endpoint;
  dst: Endpoint;
  /** Sequence number of stream offset 0 (ISN + 1, or the first sequence number seen); -1 until known. */
  base: number;
  synSeen: boolean;
  isn: number;
  /** Stream offset of the next byte to deliver (grows past 2^32; sequence numbers wrap). */
  nextOffset: number;
  /** End of the furthest byte seen: acknowledgements are trusted up to here. */
  highestEnd: number;
  /** Highest stream offset the peer acknowledged (clamped to highestEnd); -1 when none. */
  ackedOffset: number;
  /** Stream offset of the FIN; -1 until seen. */
  finOffset: number;
  ended: boolean;
  /** Sorted by offset, never overlapping, all after nextOffset. */
  held: HeldPiece[];
  heldBytes: number;
}

interface Connection {
  key: string;
  index: number;
  point: CapturePointRef;
  lastActive: number;
  /** forward: the direction of the first segment seen. */
  forward: Direction;
  reverse: Direction;
}

/** Where the reassembler is in the capture when it declares gaps or ends streams. */
interface Moment {
  frameNumber: number;
  ts: Timestamp;
}

export class TcpReassembler {
  /** In least-recently-active order: every segment moves its connection to the end. */
  private readonly connections = new Map<string, Connection>();
  private nextIndex = 0;
  private heldTotal = 0;
  gapBytes = 0;
  evictedIdle = 0;
  evictedOverCap = 0;

  constructor(
    private readonly sink: DecodeSink,
    private readonly limits: TcpLimits,
  ) {}

  segment(input: TcpSegmentInput): TcpOutcome {
    const moment: Moment = input;
    this.expireIdle(input.now, moment);
    const { connection, direction } = this.lookup(input, moment);
    connection.lastActive = input.now;
    const flags = input.flags;

    if (flags & TCP_RST) {
      this.close(connection, moment);
      return input.data.length > 0 ? 'rst-data' : 'no-payload';
    }
    if (flags & TCP_SYN && (!direction.synSeen || direction.isn !== input.seq) && direction.highestEnd === 0 && !direction.ended) {
      direction.synSeen = true;
      direction.isn = input.seq;
      direction.base = (input.seq + 1) % SEQ_SPACE;
      direction.nextOffset = 0;
    }
    if (flags & TCP_ACK) this.acknowledge(direction === connection.forward ? connection.reverse : connection.forward, input.ack, moment);

    const dataSeq = flags & TCP_SYN ? (input.seq + 1) % SEQ_SPACE : input.seq;
    let outcome: TcpOutcome = 'no-payload';
    if (input.data.length > 0) outcome = this.accept(direction, dataSeq, input, moment);
    if (flags & TCP_FIN && direction.finOffset < 0) {
      if (direction.base < 0) direction.base = dataSeq;
      direction.finOffset = Math.max(0, this.unwrap(direction, dataSeq) + input.data.length);
    }
    this.endIfComplete(direction, moment);
    return outcome;
  }

  /** End of capture: every hole becomes a gap, everything held is delivered, every stream ends. */
  finish(moment: Moment): void {
    for (const connection of [...this.connections.values()]) this.close(connection, moment);
    this.connections.clear();
  }

  private lookup(input: TcpSegmentInput, moment: Moment): { connection: Connection; direction: Direction } {
    const a = input.src.ip + ' ' + input.src.port;
    const b = input.dst.ip + ' ' + input.dst.port;
    const key = input.point.key + '|' + (a < b ? a + '|' + b : b + '|' + a);
    let connection = this.connections.get(key);
    if (connection !== undefined) {
      this.connections.delete(key);
      let direction = isDirection(connection.forward, input) ? connection.forward : connection.reverse;
      // A new SYN on a used 4-tuple starts a new connection (port reuse).
      const newSyn = (input.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      if (newSyn && (direction.synSeen ? direction.isn !== input.seq : direction.highestEnd > 0 || direction.ended)) {
        this.close(connection, moment);
        connection = this.open(key, input);
        direction = connection.forward;
      }
      this.connections.set(key, connection);
      return { connection, direction };
    }
    connection = this.open(key, input);
    this.connections.set(key, connection);
    while (this.connections.size > this.limits.maxConnections) {
      const oldest = this.connections.values().next().value!;
      if (this.evict(oldest, moment)) this.evictedOverCap++;
    }
    return { connection, direction: connection.forward };
  }

  private open(key: string, input: TcpSegmentInput): Connection {
    const index = this.nextIndex++;
    const connection = { key, index, point: input.point, lastActive: input.now } as Connection;
    connection.forward = newDirection(connection, input.src, input.dst);
    connection.reverse = newDirection(connection, input.dst, input.src);
    return connection;
  }

  private accept(direction: Direction, dataSeq: number, input: TcpSegmentInput, moment: Moment): TcpOutcome {
    if (direction.base < 0) {
      direction.base = dataSeq;
      direction.nextOffset = 0;
    }
    let offset = this.unwrap(direction, dataSeq);
    let end = offset + input.data.length;
    if (end <= direction.nextOffset) return end <= 0 && !direction.synSeen ? 'data-before-start' : 'retransmission';
    if (direction.ended) return 'data-after-end';
    if (direction.finOffset >= 0 && end > direction.finOffset) {
      end = direction.finOffset;
      if (end <= direction.nextOffset) return 'data-after-end';
    }
    if (end > direction.highestEnd) direction.highestEnd = end;
    let from = 0;
    if (offset < 0) {
      from = -offset;
      offset = 0;
    }
    if (offset <= direction.nextOffset) {
      const skip = from + (direction.nextOffset - offset);
      if (direction.held.length === 0 || end <= direction.held[0]!.offset) {
        this.deliver(direction, input.data.subarray(skip, skip + end - direction.nextOffset), input.segments, skip, input);
      } else {
        // It overlaps bytes held out of order: those arrived first and win; it fills the holes.
        this.hold(direction, direction.nextOffset, end, skip, input);
        this.deliver(direction, EMPTY, NO_SEGMENTS, 0, undefined);
      }
      return 'data';
    }
    const added = this.hold(direction, offset, end, from, input);
    if (added === 0) return 'retransmission';
    this.resolveAcknowledgedHoles(direction, moment);
    while (
      direction.held.length > 0 &&
      (direction.heldBytes > this.limits.maxBufferPerDirection ||
        direction.held.length > this.limits.maxPiecesPerDirection ||
        this.heldTotal > this.limits.maxBufferTotal)
    ) {
      this.skipToHeld(direction, direction.held[0]!.offset, moment);
    }
    return 'data';
  }

  /** Keeps the parts of [offset, end) not already held; returns the number of new bytes. */
  private hold(direction: Direction, offset: number, end: number, from: number, input: TcpSegmentInput): number {
    const held = direction.held;
    let index = lowerBound(held, offset);
    if (index > 0 && held[index - 1]!.offset + held[index - 1]!.data.length > offset) index--;
    const added = insertUncovered(held, index, offset, end, (pieceOffset, length) => {
      const start = from + (pieceOffset - offset);
      const piece: HeldPiece = {
        offset: pieceOffset,
        data: input.data.slice(start, start + length),
        segments: sliceSegments(input.segments, start, length),
        ts: { sec: input.ts.sec, nsec: input.ts.nsec },
        now: input.now,
        ttl: input.ttl,
        tunnelled: input.tunnelled,
      };
      if (input.linuxPacketType !== undefined) piece.linuxPacketType = input.linuxPacketType;
      return piece;
    });
    direction.heldBytes += added;
    this.heldTotal += added;
    return added;
  }

  /**
   * Delivers `head` (bytes starting at nextOffset, from the current segment; may be empty)
   * joined with every held piece that continues it, as one payload.
   */
  private deliver(direction: Direction, head: Uint8Array, headSegments: readonly PayloadSegment[], headFrom: number, current: TcpSegmentInput | undefined): void {
    const streamOffset = direction.nextOffset;
    direction.nextOffset += head.length;
    const pieces: HeldPiece[] = [];
    const pieceStarts: number[] = [];
    const held = direction.held;
    let taken = 0;
    while (taken < held.length && held[taken]!.offset <= direction.nextOffset) {
      const piece = held[taken++]!;
      const pieceEnd = piece.offset + piece.data.length;
      if (pieceEnd > direction.nextOffset) {
        pieces.push(piece);
        pieceStarts.push(direction.nextOffset - piece.offset);
        direction.nextOffset = pieceEnd;
      }
    }
    if (taken > 0) {
      for (let i = 0; i < taken; i++) {
        direction.heldBytes -= held[i]!.data.length;
        this.heldTotal -= held[i]!.data.length;
      }
      held.splice(0, taken);
    }
    const length = direction.nextOffset - streamOffset;
    if (length === 0) return;

    let data = head;
    const segments: PayloadSegment[] = [];
    if (head.length > 0) sliceSegments(headSegments, headFrom, head.length, 0, segments);
    if (pieces.length > 0) {
      data = new Uint8Array(length);
      data.set(head, 0);
      let at = head.length;
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i]!;
        const start = pieceStarts[i]!;
        data.set(piece.data.subarray(start), at);
        sliceSegments(piece.segments, start, piece.data.length - start, at, segments);
        at += piece.data.length - start;
      }
    }
    // The frame that completed the chunk: the current segment, else the latest piece to arrive.
    let last: TcpSegmentInput | HeldPiece | undefined = head.length > 0 ? current : undefined;
    for (const piece of pieces) if (last === undefined || piece.now >= last.now) last = piece;
    const payload: TransportPayload = {
      transport: 'tcp',
      point: direction.connection.point,
      src: direction.src,
      dst: direction.dst,
      ts: last!.ts,
      data,
      segments,
      streamId: streamIdOf(direction),
      streamOffset,
      ttl: last!.ttl,
      tunnelled: last!.tunnelled || pieces.some((piece) => piece.tunnelled),
    };
    if (last!.linuxPacketType !== undefined) payload.linuxPacketType = last!.linuxPacketType;
    this.sink.onPayload(payload);
  }

  /** Declares [nextOffset, to) a gap and delivers what continues after it. */
  private skipToHeld(direction: Direction, to: number, moment: Moment): void {
    this.declareGap(direction, to, moment);
    this.deliver(direction, EMPTY, NO_SEGMENTS, 0, undefined);
  }

  private declareGap(direction: Direction, to: number, moment: Moment): void {
    const length = to - direction.nextOffset;
    if (length <= 0) return;
    this.gapBytes += length;
    this.sink.onTcpGap?.({
      point: direction.connection.point,
      streamId: streamIdOf(direction),
      src: direction.src,
      dst: direction.dst,
      streamOffset: direction.nextOffset,
      length,
      frameNumber: moment.frameNumber,
      ts: moment.ts,
    });
    direction.nextOffset = to;
  }

  /** The peer acknowledged `ack` in `direction`: bytes below it will not be sent again. */
  private acknowledge(direction: Direction, ack: number, moment: Moment): void {
    if (direction.base < 0) return;
    const offset = Math.min(this.unwrap(direction, ack), direction.highestEnd);
    if (offset > direction.ackedOffset) direction.ackedOffset = offset;
    this.resolveAcknowledgedHoles(direction, moment);
  }

  /** Holes the peer acknowledged were sent but never captured: they are gaps now. */
  private resolveAcknowledgedHoles(direction: Direction, moment: Moment): void {
    while (direction.held.length > 0 && direction.ackedOffset > direction.nextOffset) {
      const firstHeld = direction.held[0]!.offset;
      if (direction.ackedOffset < firstHeld) {
        this.declareGap(direction, direction.ackedOffset, moment);
        return;
      }
      this.skipToHeld(direction, firstHeld, moment);
    }
  }

  private endIfComplete(direction: Direction, moment: Moment): void {
    if (!direction.ended && direction.finOffset >= 0 && direction.nextOffset >= direction.finOffset) this.end(direction, moment);
  }

  private end(direction: Direction, moment: Moment): void {
    while (direction.held.length > 0) this.skipToHeld(direction, direction.held[0]!.offset, moment);
    if (direction.finOffset >= 0) this.declareGap(direction, direction.finOffset, moment);
    direction.ended = true;
    // A direction that never carried (or promised) a byte has no stream to end.
    if (direction.highestEnd > 0 || direction.finOffset > 0) this.sink.onTcpStreamEnd?.(streamIdOf(direction), direction.connection.point);
  }

  /** Ends both directions (RST, port reuse, eviction, end of capture). */
  private close(connection: Connection, moment: Moment): void {
    if (!connection.forward.ended) this.end(connection.forward, moment);
    if (!connection.reverse.ended) this.end(connection.reverse, moment);
  }

  /** Closes and forgets a connection; true when it was still open (not a finished one kept for its retransmissions). */
  private evict(connection: Connection, moment: Moment): boolean {
    const wasOpen = !connection.forward.ended || !connection.reverse.ended;
    this.close(connection, moment);
    this.connections.delete(connection.key);
    return wasOpen && (connection.forward.base >= 0 || connection.reverse.base >= 0);
  }

  private expireIdle(now: number, moment: Moment): void {
    for (const connection of this.connections.values()) {
      if (now - connection.lastActive <= this.limits.idleTimeoutSeconds) return;
      if (this.evict(connection, moment)) this.evictedIdle++;
    }
  }

  /** Stream offset of sequence number `seq`: the value congruent mod 2^32 nearest nextOffset. */
  private unwrap(direction: Direction, seq: number): number {
    const relative = (seq - direction.base + SEQ_SPACE) % SEQ_SPACE;
    let difference = relative - (direction.nextOffset % SEQ_SPACE);
    if (difference > 2147483647) difference -= SEQ_SPACE;
    else if (difference < -2147483648) difference += SEQ_SPACE;
    return direction.nextOffset + difference;
  }
}

const EMPTY = new Uint8Array(0);
const NO_SEGMENTS: readonly PayloadSegment[] = [];

function newDirection(connection: Connection, src: Endpoint, dst: Endpoint): Direction {
  return {
    connection,
    streamId: undefined,
    src,
    dst,
    base: -1,
    synSeen: false,
    isn: -1,
    nextOffset: 0,
    highestEnd: 0,
    ackedOffset: -1,
    finOffset: -1,
    ended: false,
    held: [],
    heldBytes: 0,
  };
}

function streamIdOf(direction: Direction): string {
  const { connection, src, dst } = direction;
  direction.streamId ??= `${connection.point.key} tcp#${connection.index} ${formatEndpoint(src.ip, src.port)}->${formatEndpoint(dst.ip, dst.port)}`;
  return direction.streamId;
}

function isDirection(direction: Direction, input: TcpSegmentInput): boolean {
  return direction.src.port === input.src.port && direction.src.ip === input.src.ip && direction.dst.port === input.dst.port && direction.dst.ip === input.dst.ip;
}

/** Index of the first piece whose offset is >= offset. */
function lowerBound(held: HeldPiece[], offset: number): number {
  let low = 0;
  let high = held.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (held[middle]!.offset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
