/**
 * The dialog groups a large capture concluded while it was read, kept by column outside the V8
 * heap. A capture of 100,000 calls keeps 100,000 of them to the end (the JSON output lists every
 * one). As objects they took about 700 bytes each, half the live heap at the end of the SIP-heavy
 * benchmark, and V8 lets its heap grow to a multiple of what is live, so each of those bytes cost
 * several of resident memory. Here a group is numbers in typed arrays, its Call-ID and URIs as
 * bytes in an arena (nearly every group has its own), and the strings many groups share
 * (methods, states, capture point keys) are kept once.
 */
import type { Timestamp } from '../capture/types.js';
import type { Side } from '../correlate/types.js';
import type { DialogKind, DialogState } from '../dialog/types.js';
import type { DialogAtPointSummary, DialogGroupSummary } from './types.js';

/** An absent index or status. */
const NONE = -1;

/** Entries per chunk of a column. */
const COLUMN_CHUNK = 4096;
/** Bytes per chunk of the string arena (a longer string gets a chunk of its own). */
const ARENA_CHUNK = 1 << 18;

/**
 * Numbers appended one by one into typed arrays of COLUMN_CHUNK entries. Chunks, not one array
 * that doubles: a doubling array is up to half empty, and while it grows the old and the new one
 * are both resident (the columns and arena of the SIP-heavy benchmark reached 33 MB for 21 MB
 * of content).
 */
class Column<A extends Int32Array | Float64Array> {
  readonly #chunks: A[] = [];
  #length = 0;

  constructor(private readonly make: (length: number) => A) {}

  push(value: number): void {
    const offset = this.#length % COLUMN_CHUNK;
    if (offset === 0) this.#chunks.push(this.make(COLUMN_CHUNK));
    this.#chunks[this.#chunks.length - 1]![offset] = value;
    this.#length++;
  }

  at(index: number): number {
    return this.#chunks[Math.floor(index / COLUMN_CHUNK)]![index % COLUMN_CHUNK]!;
  }
}

const ints = () => new Column((n) => new Int32Array(n));
const doubles = () => new Column((n) => new Float64Array(n));

/** Strings appended as UTF-8 bytes into chunks of ARENA_CHUNK bytes (see Column for why chunks). */
class StringArena {
  readonly #chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  #used = 0;

  /**
   * Appends the string's bytes; returns where they start (chunk index * ARENA_CHUNK + offset in
   * the chunk) and how many there are. A string never spans two chunks.
   */
  add(text: string): { start: number; length: number } {
    const length = Buffer.byteLength(text);
    const last = this.#chunks.at(-1);
    if (last === undefined || this.#used + length > last.length) {
      this.#chunks.push(Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, length)));
      this.#used = 0;
    }
    const index = this.#chunks.length - 1;
    const offset = this.#used;
    this.#chunks[index]!.write(text, offset, length, 'utf8');
    this.#used += length;
    return { start: index * ARENA_CHUNK + offset, length };
  }

  read(start: number, length: number): string {
    const offset = start % ARENA_CHUNK;
    return this.#chunks[(start - offset) / ARENA_CHUNK]!.toString('utf8', offset, offset + length);
  }
}

export class ConcludedDialogs implements Iterable<DialogGroupSummary> {
  #groups = 0;
  /** Strings many groups share, by index (the columns below hold indexes). */
  readonly #shared: string[] = [];
  readonly #sharedIndex = new Map<string, number>();
  /** Call-IDs and URIs: nearly every group has its own. */
  readonly #texts = new StringArena();
  // One entry per group.
  readonly #callIdStart = ints();
  readonly #callIdLength = ints();
  readonly #method = ints();
  readonly #kind = ints();
  readonly #state = ints();
  /** Where the URI's bytes are in #texts (NONE when absent). */
  readonly #fromUriStart = ints();
  readonly #fromUriLength = ints();
  readonly #toUriStart = ints();
  readonly #toUriLength = ints();
  readonly #findings = ints();
  /** Index of the group's first point in the point columns; the next group's is where it ends. */
  readonly #firstPoint = ints();
  // One entry per capture point of a group.
  #points = 0;
  readonly #pointKey = ints();
  readonly #side = ints();
  /** The point's Call-ID in the arena when it differs from the group's (an ALG rewrote it), else NONE. */
  readonly #otherCallIdStart = ints();
  readonly #otherCallIdLength = ints();
  readonly #pointState = ints();
  readonly #finalStatus = ints();
  readonly #startSec = doubles();
  readonly #startNsec = ints();
  /** NaN when the point has no such time. */
  readonly #answerSec = doubles();
  readonly #answerNsec = ints();
  readonly #endSec = doubles();
  readonly #endNsec = ints();
  readonly #messages = ints();
  readonly #retransmissions = ints();

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
