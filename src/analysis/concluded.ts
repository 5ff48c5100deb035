/**
 * The dialog groups a large capture concluded while it was read, kept by column. A capture of
 * 100,000 calls keeps 100,000 of them to the end (the JSON output lists every one): as objects
 * they took about 700 bytes each, half the live heap at the end of the SIP-heavy benchmark, and
 * V8 lets the heap grow to a multiple of what is live. Here a group takes a slot per field, its
 * own Call-ID, and URIs shared between the groups that carry the same one.
 */
import type { Timestamp } from '../capture/types.js';
import type { Side } from '../correlate/types.js';
import type { DialogKind, DialogState } from '../dialog/types.js';
import type { DialogAtPointSummary, DialogGroupSummary } from './types.js';

/** An absent time or status (number columns stay unboxed doubles only without undefined). */
const NONE = Number.NaN;

export class ConcludedDialogs implements Iterable<DialogGroupSummary> {
  // One entry per group.
  readonly #callId: string[] = [];
  readonly #method: string[] = [];
  readonly #kind: DialogKind[] = [];
  readonly #state: DialogState[] = [];
  readonly #fromUri: (string | null)[] = [];
  readonly #toUri: (string | null)[] = [];
  readonly #findings: number[] = [];
  /** Index of the group's first point in the point columns; the next group's is where it ends. */
  readonly #firstPoint: number[] = [];
  // One entry per capture point of a group.
  readonly #pointKey: string[] = [];
  readonly #side: Side[] = [];
  /** The point's Call-ID when it differs from the group's (an ALG rewrote it), else null. */
  readonly #otherCallId: (string | null)[] = [];
  readonly #pointState: DialogState[] = [];
  readonly #finalStatus: number[] = [];
  readonly #startSec: number[] = [];
  readonly #startNsec: number[] = [];
  readonly #answerSec: number[] = [];
  readonly #answerNsec: number[] = [];
  readonly #endSec: number[] = [];
  readonly #endNsec: number[] = [];
  readonly #messages: number[] = [];
  readonly #retransmissions: number[] = [];
  /** One copy of each URI, method and capture point key, however many groups carry it. */
  readonly #shared = new Map<string, string>();

  get length(): number {
    return this.#callId.length;
  }

  /**
   * Keeps a group. Its strings are copied (or shared with an equal one kept before): a string
   * sliced from a SIP message would keep the whole forgotten message's text alive.
   */
  add(summary: DialogGroupSummary): void {
    const callId = ownString(summary.callId);
    this.#callId.push(callId);
    this.#method.push(this.#share(summary.method));
    this.#kind.push(summary.kind);
    this.#state.push(summary.state);
    this.#fromUri.push(summary.fromUri === undefined ? null : this.#share(summary.fromUri));
    this.#toUri.push(summary.toUri === undefined ? null : this.#share(summary.toUri));
    this.#findings.push(summary.findings);
    this.#firstPoint.push(this.#pointKey.length);
    for (const at of summary.points) {
      this.#pointKey.push(this.#share(at.pointKey));
      this.#side.push(at.side);
      this.#otherCallId.push(at.callId === summary.callId ? null : ownString(at.callId));
      this.#pointState.push(at.state);
      this.#finalStatus.push(at.finalStatus ?? NONE);
      this.#startSec.push(at.start.sec);
      this.#startNsec.push(at.start.nsec);
      this.#answerSec.push(at.answerTs?.sec ?? NONE);
      this.#answerNsec.push(at.answerTs?.nsec ?? NONE);
      this.#endSec.push(at.endTs?.sec ?? NONE);
      this.#endNsec.push(at.endTs?.nsec ?? NONE);
      this.#messages.push(at.messages);
      this.#retransmissions.push(at.retransmissions);
    }
  }

  /** The groups in the order they were added, each a new object. */
  *[Symbol.iterator](): Iterator<DialogGroupSummary> {
    for (let i = 0; i < this.#callId.length; i++) yield this.#group(i);
  }

  #group(i: number): DialogGroupSummary {
    const callId = this.#callId[i]!;
    const end = i + 1 < this.#firstPoint.length ? this.#firstPoint[i + 1]! : this.#pointKey.length;
    const points: DialogAtPointSummary[] = [];
    for (let p = this.#firstPoint[i]!; p < end; p++) {
      const at: DialogAtPointSummary = {
        pointKey: this.#pointKey[p]!,
        side: this.#side[p]!,
        callId: this.#otherCallId[p] ?? callId,
        state: this.#pointState[p]!,
        start: { sec: this.#startSec[p]!, nsec: this.#startNsec[p]! },
        messages: this.#messages[p]!,
        retransmissions: this.#retransmissions[p]!,
      };
      const finalStatus = this.#finalStatus[p]!;
      if (!Number.isNaN(finalStatus)) at.finalStatus = finalStatus;
      const answerTs = timestamp(this.#answerSec[p]!, this.#answerNsec[p]!);
      if (answerTs) at.answerTs = answerTs;
      const endTs = timestamp(this.#endSec[p]!, this.#endNsec[p]!);
      if (endTs) at.endTs = endTs;
      points.push(at);
    }
    const group: DialogGroupSummary = {
      callId,
      method: this.#method[i]!,
      kind: this.#kind[i]!,
      state: this.#state[i]!,
      findings: this.#findings[i]!,
      points,
    };
    const fromUri = this.#fromUri[i];
    if (fromUri !== null) group.fromUri = fromUri;
    const toUri = this.#toUri[i];
    if (toUri !== null) group.toUri = toUri;
    return group;
  }

  #share(text: string): string {
    let kept = this.#shared.get(text);
    if (kept === undefined) this.#shared.set((kept = ownString(text)), kept);
    return kept;
  }
}

function timestamp(sec: number, nsec: number): Timestamp | undefined {
  return Number.isNaN(sec) ? undefined : { sec, nsec };
}

/**
 * A flat copy of `text` that refers to nothing else. (' ' + text).slice(1), the usual trick, gives
 * a slice of a new string: two objects, and the extra character, per Call-ID kept.
 */
function ownString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
