/**
 * Finds the same SIP message at an inside and an outside capture point. Call-ID is not part of the
 * match (some ALGs rewrite it): the key is what ALGs leave alone (method or status, CSeq, top Via
 * branch, From and To tags), and among copies with the same key (retransmissions) the nearest in
 * time wins once the clock offset between the two points is known.
 */
import { memoSlot, memoized, recall, remember } from '../sip/index.js';
import type { SipMessage } from '../sip/types.js';
import { median } from '../util/lists.js';
import { toSeconds } from '../util/time.js';
import { diffMessages } from './diff.js';
import { assignSides } from './sides.js';
import type {
  CapturePointInfo,
  FieldDiff,
  ClockOffset,
  Correlation,
  DroppedMessage,
  MessagePair,
  PointMessages,
  SideAssignment,
} from './types.js';

/** How far apart (after the clock offset) two copies of one message may be: NAT forwarding takes ms. */
const MATCH_WINDOW_SECONDS = 2;

function seconds(msg: SipMessage): number {
  return toSeconds(msg.origin.ts);
}

interface MessageKeys {
  match: string;
  dialog: string;
}

/** A message's keys, kept with it: an analysis correlates the messages it holds again and again. */
const KEYS = memoSlot<MessageKeys>();

function keys(msg: SipMessage): MessageKeys {
  return memoized(msg, KEYS, () => {
    const first = msg.kind === 'request' ? msg.method ?? '' : String(msg.status ?? '');
    const fromTag = msg.from?.params.tag;
    return {
      match: [msg.kind, first, msg.cseq ? `${msg.cseq.seq} ${msg.cseq.method}` : '', msg.vias[0]?.branch ?? '', fromTag ?? '', msg.to?.params.tag ?? ''].join('\u0000'),
      dialog: fromTag ? `tag:${fromTag}` : `call:${msg.callId ?? ''}`,
    };
  });
}

/** What a NAT or an ALG leaves alone in a message: the identity of the message, not its addresses. */
export function matchKey(msg: SipMessage): string {
  return keys(msg).match;
}

/** Dialog identity that survives a Call-ID rewrite: the From tag (and Call-ID only as a fallback). */
function dialogKey(msg: SipMessage): string {
  return keys(msg).dialog;
}

interface Comparison {
  outside: SipMessage;
  diffs: FieldDiff[];
  proxied: boolean;
}

/** The comparison of a pair, kept with its inside message: an analysis correlates what it holds again and again. */
const COMPARISON = memoSlot<Comparison>();

/**
 * Compares two copies of a message now (an analysis calls this as the second copy arrives, while
 * both are parsed); correlate() then finds the comparison done.
 */
export function compareCopies(inside: SipMessage, outside: SipMessage): void {
  compare(inside, outside);
}

function compare(inside: SipMessage, outside: SipMessage): Comparison {
  const known = recall(inside, COMPARISON)?.value;
  if (known?.outside === outside) return known;
  return remember(inside, COMPARISON, { outside, diffs: diffMessages(inside, outside), proxied: inside.vias.length !== outside.vias.length });
}

function groupByKey(messages: SipMessage[]): Map<string, SipMessage[]> {
  const groups = new Map<string, SipMessage[]>();
  for (const msg of messages) {
    const key = matchKey(msg);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(msg);
  }
  return groups;
}

/**
 * Clock offset between two capture points from messages whose key occurs exactly once on each side
 * (no retransmission ambiguity). Two files from different machines can be seconds apart.
 */
function estimateOffset(inside: Map<string, SipMessage[]>, outside: Map<string, SipMessage[]>): { offset: number; samples: number; spread: number } | undefined {
  const deltas: number[] = [];
  for (const [key, list] of inside) {
    const other = outside.get(key);
    if (list.length === 1 && other?.length === 1) deltas.push(seconds(other[0]!) - seconds(list[0]!));
  }
  if (deltas.length === 0) return undefined;
  const offset = median(deltas);
  // Keys reused by unrelated messages (e.g. two OPTIONS pings without branches) land far from the
  // median; they are not part of the estimate's spread.
  let samples = 0;
  let low = Infinity;
  let high = -Infinity;
  for (const d of deltas) {
    if (Math.abs(d - offset) > MATCH_WINDOW_SECONDS * 5) continue;
    samples++;
    if (d < low) low = d;
    if (d > high) high = d;
  }
  return { offset, samples, spread: high - low };
}

function pairPoints(inside: PointMessages, outside: PointMessages, insideInfo: CapturePointInfo, outsideInfo: CapturePointInfo) {
  const insideGroups = groupByKey(inside.messages);
  const outsideGroups = groupByKey(outside.messages);
  const estimate = estimateOffset(insideGroups, outsideGroups);
  const offset = estimate?.offset ?? 0;
  const pairs: MessagePair[] = [];
  // By message id: a Set of the messages themselves gave each one an identity hash, at every conclusion.
  const matched = new Set<number>();

  for (const [key, insideList] of insideGroups) {
    const outsideList = outsideGroups.get(key);
    if (!outsideList) continue;
    const taken: boolean[] = new Array<boolean>(outsideList.length).fill(false);
    for (const a of insideList) {
      let best = -1;
      let bestDistance = Infinity;
      for (let j = 0; j < outsideList.length; j++) {
        if (taken[j]) continue;
        const distance = Math.abs(seconds(outsideList[j]!) - seconds(a) - offset);
        if (distance <= MATCH_WINDOW_SECONDS && distance < bestDistance) {
          best = j;
          bestDistance = distance;
        }
      }
      if (best < 0) continue;
      taken[best] = true;
      const b = outsideList[best]!;
      matched.add(a.id).add(b.id);
      const { diffs, proxied } = compare(a, b);
      pairs.push({
        inside: a,
        outside: b,
        transitSeconds: seconds(b) - seconds(a) - offset,
        diffs,
        translated: diffs.some((d) => d.area === 'transport'),
        proxied,
        soleCopies: insideList.length === 1 && outsideList.length === 1,
      });
    }
  }

  const dropped: DroppedMessage[] = [];
  // Only dialogs that demonstrably cross between the two points can lose a message between them.
  const crossingDialogs = new Set(pairs.map((p) => dialogKey(p.inside)));
  const findDropped = (list: SipMessage[], seenAt: CapturePointInfo, missingAt: CapturePointInfo, toOtherClock: number, direction: 'outbound' | 'inbound') => {
    if (missingAt.firstSeen === undefined || missingAt.lastSeen === undefined) return;
    for (const msg of list) {
      if (matched.has(msg.id) || !crossingDialogs.has(dialogKey(msg))) continue;
      const t = seconds(msg) + toOtherClock;
      if (t < missingAt.firstSeen - MATCH_WINDOW_SECONDS || t > missingAt.lastSeen + MATCH_WINDOW_SECONDS) continue;
      dropped.push({ message: msg, seenAt, missingAt, direction });
    }
  };
  findDropped(inside.messages, insideInfo, outsideInfo, offset, 'outbound');
  findDropped(outside.messages, outsideInfo, insideInfo, -offset, 'inbound');

  const clockOffset: ClockOffset | undefined = estimate && {
    insideKey: inside.ref.key,
    outsideKey: outside.ref.key,
    offsetSeconds: estimate.offset,
    samples: estimate.samples,
    spreadSeconds: estimate.spread,
  };
  return { pairs, dropped, clockOffset };
}

/** Correlates every inside capture point with every outside one. */
export function correlate(points: PointMessages[], assignment: SideAssignment): Correlation {
  const infos = assignSides(points, assignment);
  const pairs: MessagePair[] = [];
  const dropped: DroppedMessage[] = [];
  const clockOffsets: ClockOffset[] = [];
  points.forEach((inside, i) => {
    if (infos[i]!.side !== 'inside') return;
    points.forEach((outside, j) => {
      if (infos[j]!.side !== 'outside') return;
      const result = pairPoints(inside, outside, infos[i]!, infos[j]!);
      pairs.push(...result.pairs);
      dropped.push(...result.dropped);
      if (result.clockOffset) clockOffsets.push(result.clockOffset);
    });
  });
  pairs.sort((a, b) => a.inside.id - b.inside.id);
  return { points: infos, pairs, dropped, clockOffsets };
}
