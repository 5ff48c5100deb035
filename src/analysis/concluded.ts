/**
 * The dialog groups a large capture concluded while it was read, kept by column outside the V8
 * heap. A capture of 100,000 calls keeps 100,000 of them to the end (the JSON output lists every
 * one). As objects they took about 700 bytes each, half the live heap at the end of the SIP-heavy
 * benchmark, and V8 lets its heap grow to a multiple of what is live, so each of those bytes cost
 * several of resident memory. Here a group is numbers in typed arrays, its Call-ID and URIs as
 * bytes in an arena (nearly every group has its own), and the strings many groups share
 * (methods, states, capture point keys) are kept once. Full chunks of the columns and the arena
 * go to a temporary file (SpillStore), so what stays resident does not grow with the groups
 * concluded: on the pair at 100 % that was about 22 MB at the end, and a live capture running for
 * days concludes without end.
 */
import type { Timestamp } from '../capture/types.js';
import type { Side } from '../correlate/types.js';
import type { DialogKind, DialogState } from '../dialog/types.js';
import { SpillStore } from '../util/spill.js';
import type { DialogAtPointSummary, DialogGroupSummary } from './types.js';

/** An absent index or status. */
const NONE = -1;

/** Entries per chunk of a column. */
const COLUMN_CHUNK = 4096;
/** Bytes per chunk of the string arena (a longer string gets a chunk of its own). */
const ARENA_CHUNK = 1 << 18;

/**
 * The full chunks of a column or of the arena, in the spill store, and the one read back last:
 * reading goes in order, chunk after chunk, into one buffer reused from chunk to chunk.
 */
class SpilledChunks<V extends ArrayBufferView> {
  /** Spill store block of each full chunk. */
  readonly #blocks: number[] = [];
  #readBack: { chunk: number; view: V } | undefined;

  /**
   * `chunkBytes`: the size of a full chunk (the buffer read back is at least that, so one serves
   * every chunk but an oversized one); `viewOf`: the chunk as its owner reads it, over the first
   * `length` bytes of the buffer.
   */
  constructor(
    private readonly store: SpillStore,
    private readonly chunkBytes: number,
    private readonly viewOf: (buffer: ArrayBuffer, length: number) => V,
  ) {}

  get count(): number {
    return this.#blocks.length;
  }

  add(bytes: Uint8Array): void {
    this.#blocks.push(this.store.write(bytes));
  }

  /** A spilled chunk, valid until the next call reads another. */
  read(chunk: number): V {
    if (this.#readBack?.chunk !== chunk) {
      const block = this.#blocks[chunk]!;
      const length = this.store.length(block);
      const known = this.#readBack?.view.buffer as ArrayBuffer | undefined;
      const buffer = known !== undefined && known.byteLength >= length ? known : new ArrayBuffer(Math.max(this.chunkBytes, length));
      this.store.read(block, new Uint8Array(buffer, 0, length));
      this.#readBack = { chunk, view: this.viewOf(buffer, length) };
    }
    return this.#readBack.view;
  }
}

/** Int32Array or Float64Array, made empty or over a buffer. */
interface NumberArrayType<A> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): A;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A;
}

/**
 * Numbers appended one by one, COLUMN_CHUNK at a time: a full chunk goes to the spill store and
 * its array takes the next ones, so a column keeps one chunk resident however long it grows (and
 * one more, read back, while it is iterated).
 */
class Column<A extends Int32Array | Float64Array> {
  readonly #spilled: SpilledChunks<A>;
  /** The chunk being filled (made on the first push: most analyses conclude nothing). */
  #current: A | undefined;
  #length = 0;

  constructor(
    store: SpillStore,
    private readonly type: NumberArrayType<A>,
  ) {
    this.#spilled = new SpilledChunks(store, COLUMN_CHUNK * type.BYTES_PER_ELEMENT, (buffer) => new type(buffer, 0, COLUMN_CHUNK));
  }

  push(value: number): void {
    const offset = this.#length % COLUMN_CHUNK;
    if (this.#current === undefined) this.#current = new this.type(COLUMN_CHUNK);
    else if (offset === 0) this.#spilled.add(new Uint8Array(this.#current.buffer, this.#current.byteOffset, this.#current.byteLength));
    this.#current[offset] = value;
    this.#length++;
  }

  at(index: number): number {
    const chunk = Math.floor(index / COLUMN_CHUNK);
    const values = chunk === this.#spilled.count ? this.#current! : this.#spilled.read(chunk);
    return values[index % COLUMN_CHUNK]!;
  }
}

/**
 * Strings appended as UTF-8 bytes, ARENA_CHUNK at a time; a full chunk goes to the spill store
 * like a column's (see Column). A string never spans two chunks.
 */
class StringArena {
  readonly #spilled: SpilledChunks<Buffer>;
  #current: Buffer | undefined;
  /** Bytes used in the current chunk. */
  #used = 0;

  constructor(store: SpillStore) {
    this.#spilled = new SpilledChunks(store, ARENA_CHUNK, (buffer, length) => Buffer.from(buffer, 0, length));
  }

  /**
   * Appends the string's bytes; returns where they start (chunk index * ARENA_CHUNK + offset in
   * the chunk) and how many there are.
   */
  add(text: string): { start: number; length: number } {
    const length = Buffer.byteLength(text);
    if (this.#current === undefined || this.#used + length > this.#current.length) {
      if (this.#current !== undefined) this.#spilled.add(this.#current.subarray(0, this.#used));
      this.#current = this.#current?.length === ARENA_CHUNK && length <= ARENA_CHUNK ? this.#current : Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, length));
      this.#used = 0;
    }
    const offset = this.#used;
    this.#current.write(text, offset, length, 'utf8');
    this.#used += length;
    return { start: this.#spilled.count * ARENA_CHUNK + offset, length };
  }

  read(start: number, length: number): string {
    const offset = start % ARENA_CHUNK;
    const chunk = (start - offset) / ARENA_CHUNK;
    const bytes = chunk === this.#spilled.count ? this.#current! : this.#spilled.read(chunk);
    return bytes.toString('utf8', offset, offset + length);
  }
}

export class ConcludedDialogs implements Iterable<DialogGroupSummary> {
  #groups = 0;
  /** Strings many groups share, by index (the columns below hold indexes). */
  readonly #shared: string[] = [];
  readonly #sharedIndex = new Map<string, number>();
  /** Call-IDs and URIs: nearly every group has its own. */
  readonly #store = new SpillStore();
  readonly #texts = new StringArena(this.#store);
  // One entry per group.
  readonly #callIdStart = this.#ints();
  readonly #callIdLength = this.#ints();
  readonly #method = this.#ints();
  readonly #kind = this.#ints();
  readonly #state = this.#ints();
  /** Where the URI's bytes are in #texts (NONE when absent). */
  readonly #fromUriStart = this.#ints();
  readonly #fromUriLength = this.#ints();
  readonly #toUriStart = this.#ints();
  readonly #toUriLength = this.#ints();
  readonly #findings = this.#ints();
  /** Index of the group's first point in the point columns; the next group's is where it ends. */
  readonly #firstPoint = this.#ints();
  // One entry per capture point of a group.
  #points = 0;
  readonly #pointKey = this.#ints();
  readonly #side = this.#ints();
  /** The point's Call-ID in the arena when it differs from the group's (an ALG rewrote it), else NONE. */
  readonly #otherCallIdStart = this.#ints();
  readonly #otherCallIdLength = this.#ints();
  readonly #pointState = this.#ints();
  readonly #finalStatus = this.#ints();
  readonly #startSec = this.#doubles();
  readonly #startNsec = this.#ints();
  /** NaN when the point has no such time. */
  readonly #answerSec = this.#doubles();
  readonly #answerNsec = this.#ints();
  readonly #endSec = this.#doubles();
  readonly #endNsec = this.#ints();
  readonly #messages = this.#ints();
  readonly #retransmissions = this.#ints();

  get length(): number {
    return this.#groups;
  }

  /** Keeps a group (a copy: nothing of `summary` is referred to afterwards). */
  add(summary: DialogGroupSummary): void {
    const callId = this.#texts.add(summary.callId);
    this.#callIdStart.push(callId.start);
    this.#callIdLength.push(callId.length);
    this.#method.push(this.#share(summary.method));
    this.#kind.push(this.#share(summary.kind));
    this.#state.push(this.#share(summary.state));
    const fromUri = summary.fromUri === undefined ? undefined : this.#texts.add(summary.fromUri);
    this.#fromUriStart.push(fromUri?.start ?? NONE);
    this.#fromUriLength.push(fromUri?.length ?? 0);
    const toUri = summary.toUri === undefined ? undefined : this.#texts.add(summary.toUri);
    this.#toUriStart.push(toUri?.start ?? NONE);
    this.#toUriLength.push(toUri?.length ?? 0);
    this.#findings.push(summary.findings);
    this.#firstPoint.push(this.#points);
    this.#groups++;
    for (const at of summary.points) {
      this.#pointKey.push(this.#share(at.pointKey));
      this.#side.push(this.#share(at.side));
      const other = at.callId === summary.callId ? undefined : this.#texts.add(at.callId);
      this.#otherCallIdStart.push(other?.start ?? NONE);
      this.#otherCallIdLength.push(other?.length ?? 0);
      this.#pointState.push(this.#share(at.state));
      this.#finalStatus.push(at.finalStatus ?? NONE);
      this.#startSec.push(at.start.sec);
      this.#startNsec.push(at.start.nsec);
      this.#answerSec.push(at.answerTs?.sec ?? Number.NaN);
      this.#answerNsec.push(at.answerTs?.nsec ?? 0);
      this.#endSec.push(at.endTs?.sec ?? Number.NaN);
      this.#endNsec.push(at.endTs?.nsec ?? 0);
      this.#messages.push(at.messages);
      this.#retransmissions.push(at.retransmissions);
      this.#points++;
    }
  }

  /** The groups in the order they were added, each a new object. */
  *[Symbol.iterator](): Iterator<DialogGroupSummary> {
    for (let i = 0; i < this.#groups; i++) yield this.#group(i);
  }

  #group(i: number): DialogGroupSummary {
    const callId = this.#texts.read(this.#callIdStart.at(i), this.#callIdLength.at(i));
    const end = i + 1 < this.#groups ? this.#firstPoint.at(i + 1) : this.#points;
    const points: DialogAtPointSummary[] = [];
    for (let p = this.#firstPoint.at(i); p < end; p++) {
      const otherStart = this.#otherCallIdStart.at(p);
      const at: DialogAtPointSummary = {
        pointKey: this.#shared[this.#pointKey.at(p)]!,
        side: this.#shared[this.#side.at(p)] as Side,
        callId: otherStart === NONE ? callId : this.#texts.read(otherStart, this.#otherCallIdLength.at(p)),
        state: this.#shared[this.#pointState.at(p)] as DialogState,
        start: { sec: this.#startSec.at(p), nsec: this.#startNsec.at(p) },
        messages: this.#messages.at(p),
        retransmissions: this.#retransmissions.at(p),
      };
      const finalStatus = this.#finalStatus.at(p);
      if (finalStatus !== NONE) at.finalStatus = finalStatus;
      const answerTs = timestamp(this.#answerSec.at(p), this.#answerNsec.at(p));
      if (answerTs) at.answerTs = answerTs;
      const endTs = timestamp(this.#endSec.at(p), this.#endNsec.at(p));
      if (endTs) at.endTs = endTs;
      points.push(at);
    }
    const group: DialogGroupSummary = {
      callId,
      method: this.#shared[this.#method.at(i)]!,
      kind: this.#shared[this.#kind.at(i)] as DialogKind,
      state: this.#shared[this.#state.at(i)] as DialogState,
      findings: this.#findings.at(i),
      points,
    };
    const fromUri = this.#fromUriStart.at(i);
    if (fromUri !== NONE) group.fromUri = this.#texts.read(fromUri, this.#fromUriLength.at(i));
    const toUri = this.#toUriStart.at(i);
    if (toUri !== NONE) group.toUri = this.#texts.read(toUri, this.#toUriLength.at(i));
    return group;
  }

  #ints(): Column<Int32Array> {
    return new Column(this.#store, Int32Array);
  }

  #doubles(): Column<Float64Array> {
    return new Column(this.#store, Float64Array);
  }

  /**
   * The index of a string many groups carry. Kept as a flat copy: a string sliced from a SIP
   * message would keep the whole forgotten message's text alive.
   */
  #share(text: string): number {
    let index = this.#sharedIndex.get(text);
    if (index === undefined) {
      index = this.#shared.length;
      const copy = JSON.parse(JSON.stringify(text)) as string;
      this.#shared.push(copy);
      this.#sharedIndex.set(copy, index);
    }
    return index;
  }
}

function timestamp(sec: number, nsec: number): Timestamp | undefined {
  return Number.isNaN(sec) ? undefined : { sec, nsec };
}
