/**
 * IPv4 / IPv6 fragment reassembly. Fragments may come in any order, overlap or repeat: the
 * first bytes to arrive for a position win (later copies are counted, not used). Bounded in
 * pending datagrams, bytes held and capture time; whatever is dropped is reported.
 */
import { coalesceSegments, sliceSegments } from './segments.js';
import { insertUncovered } from './pieces.js';
import type { CapturePointRef, PayloadSegment } from './types.js';

/** Largest reassembled IP payload: the 16-bit length fields cannot describe more. */
const MAX_DATAGRAM_BYTES = 65535;

export interface FragmentLimits {
  /** Capture-time seconds a datagram may wait for its missing fragments (30 s, as Linux). */
  timeoutSeconds: number;
  maxPendingDatagrams: number;
  maxPendingBytes: number;
}

export interface FragmentInput {
  /** Identity of the datagram: capture point, IP version, addresses, identification (and protocol for IPv4). */
  key: string;
  point: CapturePointRef;
  /** Human description of the datagram for problem messages. */
  describe: () => string;
  /** Byte offset of this fragment's data within the reassembled payload. */
  offset: number;
  /** The fragment's data (a view: copied when kept). */
  data: Uint8Array;
  /** Provenance of data, payloadOffset relative to data[0]. */
  segments: readonly PayloadSegment[];
  /** More fragments follow this one (the MF flag / M bit). */
  more: boolean;
  /** Protocol of the reassembled payload as this fragment names it (IPv6: only meaningful at offset 0). */
  nextProtocol: number;
  /** How many frames this fragment stands for (1, or more when it came out of a reassembled outer packet). */
  weight: number;
  /** Capture time in seconds. */
  now: number;
}

export interface ReassembledDatagram {
  data: Uint8Array;
  segments: PayloadSegment[];
  nextProtocol: number;
  /** Frames that went into the datagram. */
  weight: number;
}

export interface DroppedDatagram {
  point: CapturePointRef;
  description: string;
  frameNumbers: number[];
  /** Where the first fragment to arrive starts (frame number and offset of its data). */
  firstFrameNumber: number;
  firstFrameOffset: number;
  weight: number;
  bytesHeld: number;
  /** Reassembled length when the last fragment was seen, else undefined. */
  totalLength?: number;
}

export type FragmentResult =
  | { status: 'held' }
  | { status: 'complete'; datagram: ReassembledDatagram }
  /** Every byte of the fragment was already held: nothing new. */
  | { status: 'duplicate' }
  /** Contradicts what is held (a second, different end; data past the end). */
  | { status: 'inconsistent'; reason: string }
  /** The fragment's datagram was dropped while adding it (counted through the drop handler). */
  | { status: 'dropped' };

interface Piece {
  offset: number;
  data: Uint8Array;
  /** payloadOffset is absolute within the datagram. */
  segments: PayloadSegment[];
}

interface PendingDatagram {
  key: string;
  point: CapturePointRef;
  describe: () => string;
  firstSeen: number;
  /** Sorted by offset, never overlapping. */
  pieces: Piece[];
  bytesHeld: number;
  /** -1 until the last fragment arrives. */
  totalLength: number;
  nextProtocol: number;
  weight: number;
  frameNumbers: number[];
  firstFrameNumber: number;
  firstFrameOffset: number;
}

export type DropReason = 'fragment-timeout' | 'fragment-cap-datagrams' | 'fragment-cap-bytes' | 'fragment-too-large' | 'fragment-incomplete';

export class FragmentReassembler {
  /** Insertion order is first-arrival order, so the oldest datagram is always first. */
  private readonly pending = new Map<string, PendingDatagram>();
  private bytesHeld = 0;
  /** Fragments that overlapped bytes already held (exact repeats included). */
  overlaps = 0;

  constructor(
    private readonly limits: FragmentLimits,
    private readonly onDrop: (dropped: DroppedDatagram, reason: DropReason) => void,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  add(input: FragmentInput): FragmentResult {
    const end = input.offset + input.data.length;
    let datagram = this.pending.get(input.key);
    if (end > MAX_DATAGRAM_BYTES) {
      if (datagram === undefined) datagram = this.open(input);
      this.addFrames(datagram, input);
      this.drop(datagram, 'fragment-too-large');
      return { status: 'dropped' };
    }
    if (datagram !== undefined) {
      const problem = this.contradiction(datagram, input, end);
      if (problem !== undefined) return { status: 'inconsistent', reason: problem };
    } else {
      while (this.pending.size >= this.limits.maxPendingDatagrams) this.drop(this.pending.values().next().value!, 'fragment-cap-datagrams');
      datagram = this.open(input);
    }

    const added = this.insert(datagram, input);
    if (added < input.data.length) this.overlaps++;
    if (added === 0) {
      if (datagram.pieces.length === 0) this.pending.delete(datagram.key);
      return { status: 'duplicate' };
    }
    this.addFrames(datagram, input);
    if (!input.more) datagram.totalLength = end;
    if (input.offset === 0 && datagram.nextProtocol < 0) datagram.nextProtocol = input.nextProtocol;

    if (datagram.totalLength >= 0 && datagram.bytesHeld === datagram.totalLength) {
      this.remove(datagram);
      return { status: 'complete', datagram: assemble(datagram) };
    }
    while (this.bytesHeld > this.limits.maxPendingBytes) {
      const oldest = this.pending.values().next().value!;
      this.drop(oldest, 'fragment-cap-bytes');
      if (oldest === datagram) return { status: 'dropped' };
    }
    return { status: 'held' };
  }

  /** Drops datagrams that have waited longer than the timeout at capture time `now`. */
  expire(now: number): void {
    for (const datagram of this.pending.values()) {
      if (now - datagram.firstSeen <= this.limits.timeoutSeconds) return;
      this.drop(datagram, 'fragment-timeout');
    }
  }

  /** End of capture: every datagram still waiting is incomplete. */
  flush(): void {
    for (const datagram of [...this.pending.values()]) this.drop(datagram, 'fragment-incomplete');
  }

  private open(input: FragmentInput): PendingDatagram {
    const first = input.segments[0];
    const datagram: PendingDatagram = {
      key: input.key,
      point: input.point,
      describe: input.describe,
      firstSeen: input.now,
      pieces: [],
      bytesHeld: 0,
      totalLength: -1,
      nextProtocol: -1,
      weight: 0,
      frameNumbers: [],
      firstFrameNumber: first?.frameNumber ?? 0,
      firstFrameOffset: first?.frameOffset ?? 0,
    };
    this.pending.set(input.key, datagram);
    return datagram;
  }

  private contradiction(datagram: PendingDatagram, input: FragmentInput, end: number): string | undefined {
    if (datagram.totalLength >= 0) {
      if (end > datagram.totalLength) return `fragment ends at byte ${end}, after the datagram's end (${datagram.totalLength})`;
      if (!input.more && end !== datagram.totalLength) return `second last fragment ends at byte ${end}, the first said ${datagram.totalLength}`;
    } else if (!input.more) {
      const last = datagram.pieces[datagram.pieces.length - 1];
      if (last !== undefined && last.offset + last.data.length > end) {
        return `last fragment ends at byte ${end}, but bytes up to ${last.offset + last.data.length} were already seen`;
      }
    }
    return undefined;
  }

  private addFrames(datagram: PendingDatagram, input: FragmentInput): void {
    datagram.weight += input.weight;
    for (const segment of input.segments) {
      if (!datagram.frameNumbers.includes(segment.frameNumber)) datagram.frameNumbers.push(segment.frameNumber);
    }
  }

  /** Stores the parts of the fragment not already held; returns how many bytes were new. */
  private insert(datagram: PendingDatagram, input: FragmentInput): number {
    const pieces = datagram.pieces;
    let index = 0;
    while (index < pieces.length && pieces[index]!.offset + pieces[index]!.data.length <= input.offset) index++;
    const added = insertUncovered(pieces, index, input.offset, input.offset + input.data.length, (offset, length) => {
      const from = offset - input.offset;
      return { offset, data: input.data.slice(from, from + length), segments: sliceSegments(input.segments, from, length, offset) };
    });
    datagram.bytesHeld += added;
    this.bytesHeld += added;
    return added;
  }

  private remove(datagram: PendingDatagram): void {
    this.pending.delete(datagram.key);
    this.bytesHeld -= datagram.bytesHeld;
  }

  private drop(datagram: PendingDatagram, reason: DropReason): void {
    this.remove(datagram);
    const dropped: DroppedDatagram = {
      point: datagram.point,
      description: datagram.describe(),
      frameNumbers: datagram.frameNumbers,
      firstFrameNumber: datagram.firstFrameNumber,
      firstFrameOffset: datagram.firstFrameOffset,
      weight: datagram.weight,
      bytesHeld: datagram.bytesHeld,
    };
    if (datagram.totalLength >= 0) dropped.totalLength = datagram.totalLength;
    this.onDrop(dropped, reason);
  }
}

function assemble(datagram: PendingDatagram): ReassembledDatagram {
  const data = new Uint8Array(datagram.totalLength);
  const segments: PayloadSegment[] = [];
  for (const piece of datagram.pieces) {
    data.set(piece.data, piece.offset);
    for (const segment of piece.segments) segments.push(segment);
  }
  return { data, segments: coalesceSegments(segments), nextProtocol: datagram.nextProtocol, weight: datagram.weight };
}
