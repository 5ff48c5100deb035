/**
 * One analysis, fed from any number of capture sources (files, standard input, live capture
 * processes): capture -> decode -> SIP -> dialogs as frames arrive, and correlation, detection and
 * the verdict whenever a result is asked for (at the end of a file analysis, or on every refresh
 * of a live view). The stages only ever see their own input type.
 */
import type { CaptureInterface, CaptureProblem, CaptureSink, Timestamp } from '../capture/types.js';
import { compareCopies, correlate, matchKey } from '../correlate/correlate.js';
import { AddressProfile, assignSides, widenSpan } from '../correlate/sides.js';
import type { ClockOffset, Correlation, MessagePair, PointHistory, PointMessages, Side, SideAssignment, TimeSpan } from '../correlate/types.js';
import { PacketDecoder, formatEndpoint, type CapturePointRef, type DecodeStats } from '../decode/index.js';
import { compareFindings, detect, noteMessage, type Detection } from '../detect/detect.js';
import type { DetectionContext, EvidenceLocation, Finding, FindingCounter, FindingTemplate, ForgottenSend, PointObservations, RuleId } from '../detect/types.js';
import { decideVerdict } from '../detect/verdict.js';
import { DialogTracker } from '../dialog/index.js';
import { copyTimestamp, isBefore } from '../dialog/time.js';
import type { DialogAnalysis, DialogConfig } from '../dialog/types.js';
import { SipFramer, keepParsedViews, type SipKeepalive, type SipMessage } from '../sip/index.js';
import { HeapTrimmer } from '../util/heap.js';
import { indexOfId, placeOfId } from '../util/lists.js';
import { toSeconds } from '../util/time.js';
import { groupDialogs, summarizeGroup, type DialogGroup } from './dialog-groups.js';
import { ConcludedDialogs } from './concluded.js';
import type { AnalysisResult, CaptureFileReport, MessagesById } from './types.js';

interface PointState extends PointObservations {
  ref: CapturePointRef;
  interfaceName?: string;
  /** What is kept of the messages ageOut() forgot: they still count for the point. */
  forgotten: PointHistory;
  /** Packet addresses of every message seen here, held or forgotten (kept as they arrive: see correlate's seenAddresses). */
  seenAddresses: AddressProfile;
  /** Capture time of every message seen here, held or forgotten (kept as they arrive: see correlate's seenSpan). */
  seenSpan: TimeSpan | undefined;
  forgottenSends: Map<string, ForgottenSend>;
  /** forgottenSends is pruned when it reaches this size (keepSendsOfRegisteredBindings). */
  pruneSendsAt: number;
  /** The side the user gave this point (file or interface), before any inference. */
  givenSide: Side;
}

/**
 * A file analysis holds this many SIP messages at most before it concludes dialogs that finished
 * a while ago (concludeIfLarge); captures below it are analyzed whole, exactly as before.
 */
export const CONCLUDE_ABOVE_MESSAGES = 10_000;

/**
 * How far past what was live after the last collection the heap of a large file analysis may grow
 * before it is collected right after a conclusion (V8 alone lets it reach about 4). A conclusion
 * adds about as much heap as was live after the last one, so 1.5 collects at every conclusion and
 * 2.5 at every other. Where copies are compared (both sides given), 1.5 took the pair at 100 % from
 * 406-418 to 326-331 MiB. On one capture it costs more than it saves: on sip-heavy.pcap, 2.5 against
 * 1.5 took 19.4-20.0 s and 25.3-25.9 s of CPU against 19.9-23.5 s and 27.3-32.6 s, at 223-228
 * against 177-185 MiB peak RSS (three interleaved rounds).
 */
export const HEAP_GROWTH_BETWEEN_COLLECTIONS = 2.5;
export const HEAP_GROWTH_BETWEEN_COLLECTIONS_COMPARING_COPIES = 1.5;

/**
 * Dialog settings for reading files (analyzeCaptures): a finished dialog (an accepted registration
 * included: its binding is kept, its messages are not) is concluded once 64*T1 (32 s, when no
 * retransmission of its transactions can come any more) has passed in capture time, a dialog
 * without SIP or media for 5 minutes likewise (a later refresh of a concluded registration starts
 * a new entry). Only matters above CONCLUDE_ABOVE_MESSAGES.
 */
export const FILE_DIALOG_CONFIG: Readonly<Partial<DialogConfig>> = { retainFinishedSeconds: 32, idleSeconds: 300, maxSummaries: 1000 };

/**
 * How many times what the last conclusion left a large file analysis holds before it concludes
 * again (concludeIfLarge). Each conclusion works through everything held, so a lower factor
 * costs time; it pays only where copies are compared (both sides given), which holds both copies
 * of a message and their differences: on the pair at 100 %, 1.5 took peak RSS 305 -> 281 MiB for
 * 8 % more CPU time, while on sip-heavy.pcap it cost 30 % more time for no less memory.
 */
const CONCLUDE_GROWTH = 2;
const CONCLUDE_GROWTH_COMPARING_COPIES = 1.5;

/** Forgotten sends a point keeps before the first pruning (keepSendsOfRegisteredBindings). */
const MIN_SENDS_BEFORE_PRUNING = 1024;

/**
 * Parsed views kept when copies are compared as they arrive: the benchmark pair's copies come up to
 * about a hundred messages apart (with 32, pair 50 % ran 12 % slower, parsing copies again).
 */
const VIEWS_KEPT_FOR_COPIES = 256;

/** Whether the user put capture points on both sides, so that copies are compared as they arrive. */
function comparesCopies(sides: SideAssignment): boolean {
  return sides.insideFiles.length + sides.insideInterfaces.length > 0 && sides.outsideFiles.length + sides.outsideInterfaces.length > 0;
}

/**
 * Messages remembered by correlation key (the latest RECENT_COPIES / 2 keys at least) to compare a
 * message with its copy at another point as it arrives, while both are parsed. One not found there
 * is still paired and compared when the session correlates, only at the cost of parsing it again.
 */
const RECENT_COPIES = 4096;

/** Past this many dialogs, a rule's findings for further dialogs are counted in one finding, not listed. */
export const MAX_LISTED_DIALOGS_PER_RULE = 100;

/** Findings of one rule past MAX_LISTED_DIALOGS_PER_RULE, counted. */
interface FoldedFindings {
  /** What the folded finding says (the first folded finding's template fields). */
  template: FindingTemplate;
  dialogs: number;
  evidence: number;
}

function foldKey(finding: FindingTemplate): string {
  return `${finding.rule}\u0000${finding.implies}\u0000${finding.severity}`;
}

/** Findings in the order of their first evidence (then of the message cited, for equal times). */
function byFirstEvidence(a: Finding, b: Finding): number {
  return byCitation(a.evidence[0]?.at[0], b.evidence[0]?.at[0]);
}

/** Citations in time order, then by message; none comes last. */
function byCitation(atA: Pick<EvidenceLocation, 'ts' | 'messageId'> | undefined, atB: Pick<EvidenceLocation, 'ts' | 'messageId'> | undefined): number {
  const time = (atA ? toSeconds(atA.ts) : Infinity) - (atB ? toSeconds(atB.ts) : Infinity);
  return (Number.isNaN(time) ? 0 : time) || (atA?.messageId ?? 0) - (atB?.messageId ?? 0);
}

/**
 * The earliest `count` findings by first evidence, and the rest: the first-evidence times are
 * worked out once and sorted as plain numbers, and only the findings up to the count-th time are
 * ordered with byFirstEvidence (a comparator sort of every finding converted both timestamps on
 * each comparison).
 */
function earliestFindings(findings: Finding[], count: number): { earliest: Finding[]; rest: Finding[] } {
  if (findings.length <= count) return { earliest: findings, rest: [] };
  const times = findings.map((f) => {
    const at = f.evidence[0]?.at[0];
    return at ? toSeconds(at.ts) : Infinity;
  });
  // Findings tied with the count-th time are all candidates; byFirstEvidence settles the ties.
  const boundary = [...times].sort((a, b) => a - b)[count - 1]!;
  const candidates: Finding[] = [];
  const rest: Finding[] = [];
  for (const [i, finding] of findings.entries()) (times[i]! <= boundary ? candidates : rest).push(finding);
  candidates.sort(byFirstEvidence);
  rest.push(...candidates.splice(count));
  return { earliest: candidates, rest };
}

/** One capture source being read: feed its frames through `sink`, then call `finish`. */
export interface SourceFeed {
  sink: CaptureSink;
  frames(): number;
  /** End of the source: flush its decoder, record its report. */
  finish(report: Omit<CaptureFileReport, 'problems'>): void;
}

function addCounts(target: Record<string, number>, counts: Record<string, number>, prefix = ''): void {
  for (const [reason, n] of Object.entries(counts)) {
    if (n > 0) target[prefix + reason] = (target[prefix + reason] ?? 0) + n;
  }
}

function mergeDecodeStats(total: DecodeStats, add: DecodeStats): void {
  total.frames += add.frames;
  total.udpDatagrams += add.udpDatagrams;
  total.tcpSegments += add.tcpSegments;
  total.fragmentsReassembled += add.fragmentsReassembled;
  total.fragmentsDropped += add.fragmentsDropped;
  total.tcpGapBytes += add.tcpGapBytes;
  addCounts(total.ignored, add.ignored);
  addCounts(total.problems, add.problems);
}

/** Detection groups evidence into one finding per rule and dialog: that is a finding's identity. */
export function findingKey(finding: Finding): string {
  return ruleDialogKey(finding.rule, finding.dialog ?? '');
}

function ruleDialogKey(rule: string, dialog: string): string {
  return `${rule}\u0000${dialog}`;
}

export class AnalysisSession {
  private readonly points = new Map<string, PointState>();
  private readonly messages = new HeldMessages(this.points);
  private readonly files: CaptureFileReport[] = [];
  private readonly decoders: PacketDecoder[] = [];
  private readonly finishedDecodeStats: DecodeStats = {
    frames: 0, udpDatagrams: 0, tcpSegments: 0, ignored: {}, problems: {}, fragmentsReassembled: 0, fragmentsDropped: 0, tcpGapBytes: 0,
  };
  private readonly framingProblemCounts: Record<string, number> = {};
  private readonly dialogs: DialogTracker;
  private readonly framer: SipFramer;
  /** Interface names by source and interface id, known as soon as the capture announces them. */
  private readonly interfaceNames = new Map<string, Map<number, string>>();
  /** Findings that cite messages ageOut() forgot, by findingKey: reported by every later result(). */
  private readonly retainedFindings = new Map<string, Finding>();
  /** Per rule, the dialogs' findings retainedFindings lists, earliest first (MAX_LISTED_DIALOGS_PER_RULE at most). */
  private readonly listedByRule = new Map<string, Finding[]>();
  private readonly foldedFindings = new Map<string, FoldedFindings>();
  /** Dialog groups ageOut() concluded, as the output lists them. */
  private readonly concluded = new ConcludedDialogs();
  private forgottenMatched = 0;
  private forgottenDropped = 0;
  /** Clock offset samples of forgotten messages, by inside and outside point key (see clockOffsetSamples). */
  private readonly forgottenOffsets = new Map<string, OffsetSamples>();
  private readonly sipDefectCounts: Record<string, number> = {};
  private concludeAt: number;
  /**
   * The latest message by correlation key, in two generations of RECENT_COPIES / 2 keys: when the
   * newer is full it becomes the older, and the older is dropped. (One Map dropping its oldest key
   * at every message had its iterator skip the deleted entries before it, every time.)
   */
  private recentByKey = new Map<string, SipMessage>();
  private olderByKey = new Map<string, SipMessage>();
  /** The latest capture time read, this session's own (updated in place: see noteTime). */
  private lastTs: Timestamp | undefined;
  private sipMessages = 0;

  private readonly concludeAbove: number;
  /** CONCLUDE_GROWTH or CONCLUDE_GROWTH_COMPARING_COPIES. */
  private readonly concludeGrowth: number;
  /** Collects right after a conclusion once the heap has grown enough since the last (see HeapTrimmer, HEAP_GROWTH_BETWEEN_COLLECTIONS). */
  private readonly heap: HeapTrimmer;

  constructor(
    private readonly sides: SideAssignment,
    dialogConfig: Partial<DialogConfig> = {},
    options: { concludeAboveMessages?: number } = {},
  ) {
    this.concludeAbove = options.concludeAboveMessages ?? CONCLUDE_ABOVE_MESSAGES;
    // A copy is compared with the first copy's parsed views as it arrives (compareWithCopy): with
    // both sides given, views are kept long enough for the copy to come; otherwise the parser's
    // short default (views kept longer cost young-generation copying, see keepParsedViews).
    const comparing = comparesCopies(sides);
    keepParsedViews(comparing ? VIEWS_KEPT_FOR_COPIES : undefined);
    this.concludeGrowth = comparing ? CONCLUDE_GROWTH_COMPARING_COPIES : CONCLUDE_GROWTH;
    this.heap = new HeapTrimmer(comparing ? HEAP_GROWTH_BETWEEN_COLLECTIONS_COMPARING_COPIES : HEAP_GROWTH_BETWEEN_COLLECTIONS);
    this.concludeAt = this.concludeAbove;
    this.dialogs = new DialogTracker(dialogConfig);
    this.framer = new SipFramer({
      onMessage: (message) => this.onMessage(message),
      onKeepalive: (keepalive: SipKeepalive) => this.pointOf(keepalive.origin.point).keepalives.push(keepalive),
      onProblem: (problem) => {
        this.framingProblemCounts[problem.code] = (this.framingProblemCounts[problem.code] ?? 0) + 1;
        this.pointOf(problem.origin.point).framingProblems.push(problem);
      },
    });
  }

  get sipMessageCount(): number {
    return this.sipMessages;
  }

  private pointOf(ref: CapturePointRef): PointState {
    let point = this.points.get(ref.key);
    if (!point) {
      point = {
        key: ref.key,
        ref,
        source: ref.source,
        side: 'unknown',
        messages: [],
        keepalives: [],
        framingProblems: [],
        icmpErrors: [],
        forgotten: { messages: 0 },
        seenAddresses: new AddressProfile(),
        seenSpan: undefined,
        forgottenSends: new Map(),
        pruneSendsAt: MIN_SENDS_BEFORE_PRUNING,
        givenSide: 'unknown',
      };
      // A Linux "any" capture's interface is named by its index (ifN), not by the capture's IDB.
      if (ref.linuxIfIndex === undefined) point.interfaceName = this.interfaceNames.get(ref.source)?.get(ref.interfaceId);
      const [given] = assignSides([{ ref, interfaceName: point.interfaceName, messages: [] }], this.sides);
      if (given!.sideSource === 'user-file' || given!.sideSource === 'user-interface') point.givenSide = given!.side;
      this.points.set(ref.key, point);
    }
    return point;
  }

  /** A parsed SIP message enters the analysis (the framer calls this; tests may too). */
  onMessage(message: SipMessage): void {
    this.sipMessages++;
    this.noteTime(message.origin.ts);
    for (const defect of message.defects) this.sipDefectCounts[defect.code] = (this.sipDefectCounts[defect.code] ?? 0) + 1;
    const point = this.pointOf(message.origin.point);
    this.messages.add(point.messages, message);
    point.seenAddresses.addMessage(message);
    point.seenSpan = widenSpan(point.seenSpan, toSeconds(message.origin.ts));
    this.dialogs.onMessage(message);
    // Correlation keys, per-message findings and the comparison with the copy at the other side of
    // the router are worked out now, while the headers are parsed: a large capture's messages are
    // parsed again from their text when read later.
    noteMessage(message);
    this.compareWithCopy(message, point.givenSide);
  }

  /**
   * The samples a clock offset estimate rests on (correlate's rule: pairs whose key occurs once at
   * each point), among `pairs` whose messages are in `only` (all when not given), by point pair.
   */
  private clockOffsetSamples(pairs: MessagePair[], only?: Set<number>): Map<string, OffsetSamples> {
    // By point pair in a short list: a capture has few points, and a key text per pair cost more.
    const found: OffsetSamples[] = [];
    for (const pair of pairs) {
      if (!pair.soleCopies || (only && !only.has(pair.inside.id))) continue;
      const insideKey = pair.inside.origin.point.key;
      const outsideKey = pair.outside.origin.point.key;
      const delta = toSeconds(pair.outside.origin.ts) - toSeconds(pair.inside.origin.ts);
      const known = found.find((s) => s.insideKey === insideKey && s.outsideKey === outsideKey);
      if (known === undefined) {
        found.push({ insideKey, outsideKey, count: 1, low: delta, high: delta, offsetSeconds: delta });
      } else {
        known.count++;
        if (delta < known.low) known.low = delta;
        if (delta > known.high) known.high = delta;
      }
    }
    return new Map(found.map((s) => [`${s.insideKey}\u0000${s.outsideKey}`, s]));
  }

  /** The clock offsets of the messages held, counting the samples of the forgotten ones too. */
  private withForgottenOffsets(correlation: Correlation): ClockOffset[] {
    const held = this.clockOffsetSamples(correlation.pairs);
    const estimates = new Map(correlation.clockOffsets.map((o) => [`${o.insideKey}\u0000${o.outsideKey}`, o]));
    const keys = new Set([...estimates.keys(), ...this.forgottenOffsets.keys()]);
    return [...keys].map((key) => {
      const forgotten = this.forgottenOffsets.get(key);
      const estimate = estimates.get(key);
      const now = held.get(key);
      const all = forgotten && now ? mergeSamples(forgotten, now) : (forgotten ?? now)!;
      return {
        insideKey: all.insideKey,
        outsideKey: all.outsideKey,
        offsetSeconds: estimate?.offsetSeconds ?? all.offsetSeconds,
        samples: all.count,
        spreadSeconds: all.high - all.low,
      };
    });
  }

  /**
   * Compares a message with the latest message of the same key at a point on the other given side
   * (only points whose side the user gave take part: without both sides given nothing is compared).
   */
  private compareWithCopy(message: SipMessage, side: Side): void {
    // Worked out now in any case, while the headers are parsed: detection and correlation read it later.
    const key = matchKey(message);
    if (side === 'unknown') return;
    const other = this.recentByKey.get(key) ?? this.olderByKey.get(key);
    this.recentByKey.set(key, message);
    if (this.recentByKey.size >= RECENT_COPIES / 2) {
      this.olderByKey = this.recentByKey;
      this.recentByKey = new Map();
    }
    if (other === undefined) return;
    const otherSide = this.pointOf(other.origin.point).givenSide;
    if (side === 'inside' && otherSide === 'outside') compareCopies(message, other);
    else if (side === 'outside' && otherSide === 'inside') compareCopies(other, message);
  }

  /**
   * Moves lastTs on to `ts` when that is later. Copied, not kept: a frame's ts is the reader's,
   * refilled for the next frame; and updated in place, since nearly every RTP packet is later.
   */
  private noteTime(ts: Timestamp): void {
    const last = this.lastTs;
    if (last === undefined) this.lastTs = copyTimestamp(ts);
    else if (isBefore(last, ts)) {
      last.sec = ts.sec;
      last.nsec = ts.nsec;
    }
  }

  /** Starts reading one capture source named `source` (a file path, "-", or "live:eth0"). */
  addSource(source: string): SourceFeed {
    const interfaceNames = new Map<number, string>();
    this.interfaceNames.set(source, interfaceNames);
    const problems: CaptureProblem[] = [];
    const framer = this.framer;
    const decoder = new PacketDecoder(source, {
      onPayload: (payload) => {
        this.noteTime(payload.ts);
        if (!framer.onPayload(payload) && payload.transport === 'udp') this.dialogs.onRtpCandidate(payload);
      },
      // Most datagrams of a media capture are RTP of a stream already open: they skip building a payload.
      claimDatagram: (datagram) => {
        if (framer.mayTakeDatagram(datagram.bytes[datagram.start]!) || !this.dialogs.onKnownStreamDatagram(datagram)) return false;
        this.noteTime(datagram.ts);
        return true;
      },
      onIcmpError: (error) => this.pointOf(error.point).icmpErrors.push(error),
      onTcpGap: (gap) => framer.gap(gap.streamId, gap),
      onTcpStreamEnd: (streamId) => framer.endStream(streamId),
      // Counted by code in the decoder's stats, which the result reports.
      onProblem: () => {},
    });
    this.decoders.push(decoder);
    let frames = 0;
    return {
      sink: {
        onInterface(iface: CaptureInterface) {
          if (iface.name) interfaceNames.set(iface.id, iface.name);
          decoder.addInterface(iface);
        },
        onFrame(frame) {
          frames++;
          decoder.decode(frame);
        },
        onProblem(problem) {
          problems.push(problem);
        },
      },
      frames: () => frames,
      finish: (report) => {
        decoder.finish();
        this.decoders.splice(this.decoders.indexOf(decoder), 1);
        mergeDecodeStats(this.finishedDecodeStats, decoder.stats());
        this.files.push({ ...report, problems });
      },
    };
  }

  /**
   * File analysis of a large capture: once the session holds concludeAboveMessages SIP messages
   * (CONCLUDE_ABOVE_MESSAGES unless the constructor was given another), and again whenever it
   * holds concludeGrowth times as many as the last conclusion left, concludes what finished a
   * while ago in capture time (ageOut at the latest timestamp read), so memory follows the dialogs
   * open at a time, not the size of the capture. Then, when the heap has grown enough, collects
   * garbage: just after a conclusion is when least of it is live (see HeapTrimmer). Smaller
   * captures are never touched.
   */
  concludeIfLarge(): void {
    if (this.messages.size < this.concludeAt || this.lastTs === undefined) return;
    this.ageOut(copyTimestamp(this.lastTs));
    this.concludeAt = Math.max(this.concludeAbove, this.concludeGrowth * this.messages.size);
    this.heap.collectIfGrown();
  }

  /**
   * For long runs (live, and large files): the dialog stage summarizes the dialogs that finished
   * more than retainFinishedSeconds before `now` (or idled idleSeconds), a call seen at several
   * capture points only once all of its dialogs can go, and the session forgets their SIP
   * messages, and keepalives, framing problems and ICMP errors older than retainFinishedSeconds, so
   * memory follows the live dialogs and not the length of the run. A message whose copy at the
   * other side of the router is still in a live dialog is kept with it. Findings citing anything
   * forgotten are kept (up to MAX_LISTED_DIALOGS_PER_RULE dialogs per rule, the rest counted) and
   * reported by every later result(), where they count for the verdict; the counts of messages,
   * matches and dialogs keep what was forgotten. `now` is capture time (a live capture's kernel
   * timestamps follow the wall clock). Returns the number of dialogs summarized.
   */
  ageOut(now: Timestamp): number {
    // Transactions time out as of now first, so the findings taken below include the timeouts.
    this.dialogs.finish(now);
    const before = this.holdings();
    const candidates = new Set(this.dialogs.agingCandidates(now).map((d) => d.id));
    const going: DialogGroup[] = before.dialogGroups.filter((group) => group.dialogs.every((d) => candidates.has(d.id)));
    const goingIds = new Set(going.flatMap((group) => group.dialogs.map((d) => d.id)));
    // The messages of the dialogs that go are forgotten with them (whatever their time); messages in
    // no dialog once they are old; a message matched at another point only with its copy.
    const cutoff = toSeconds(now) - this.dialogs.config.retainFinishedSeconds;
    const forgettable = new Set<number>();
    for (const point of this.points.values()) {
      const dialogs = before.dialogAnalysis.point(point.key);
      for (const msg of point.messages) {
        const dialog = dialogs?.dialogOf(msg.id);
        if (dialog === undefined ? toSeconds(msg.origin.ts) < cutoff : goingIds.has(dialog.id)) forgettable.add(msg.id);
      }
    }
    const forgotten = new Set(forgettable);
    for (const { inside, outside } of before.correlation.pairs) {
      if (forgettable.has(inside.id) === forgettable.has(outside.id)) continue;
      forgotten.delete(inside.id);
      forgotten.delete(outside.id);
    }
    // Only findings citing what is forgotten are kept from this run (see DetectionContext.concluding).
    const countedPerDialog = new Map<string, number>();
    const fresh = this.detectHeld(before, forgotten, this.findingCounter(countedPerDialog));
    const removed = this.dialogs.ageOut(now, goingIds);
    this.recordConcluded(going, fresh, countedPerDialog);

    for (const pair of before.correlation.pairs) if (forgotten.has(pair.inside.id)) this.forgottenMatched++;
    for (const drop of before.correlation.dropped) if (forgotten.has(drop.message.id)) this.forgottenDropped++;
    for (const [key, samples] of this.clockOffsetSamples(before.correlation.pairs, forgotten)) {
      const estimate = before.correlation.clockOffsets.find((o) => `${o.insideKey}\u0000${o.outsideKey}` === key);
      if (estimate) samples.offsetSeconds = estimate.offsetSeconds;
      const known = this.forgottenOffsets.get(key);
      this.forgottenOffsets.set(key, known ? { ...mergeSamples(known, samples), offsetSeconds: samples.offsetSeconds } : samples);
    }
    const recent = (ts: Timestamp) => toSeconds(ts) >= cutoff;
    for (const point of this.points.values()) {
      const kept: SipMessage[] = [];
      for (const msg of point.messages) {
        if (!forgotten.has(msg.id)) {
          kept.push(msg);
          continue;
        }
        point.forgotten.messages++;
        const t = toSeconds(msg.origin.ts);
        const sender = formatEndpoint(msg.origin.src.ip, msg.origin.src.port);
        const known = point.forgottenSends.get(sender);
        if (known === undefined || toSeconds(known.ts) < t) point.forgottenSends.set(sender, { ts: msg.origin.ts, frame: msg.origin.frames[0] ?? 0, messageId: msg.id });
      }
      point.messages = kept;
      point.keepalives = point.keepalives.filter((k) => recent(k.origin.ts));
      point.framingProblems = point.framingProblems.filter((p) => recent(p.origin.ts));
      // An ICMP error answers a request still held (pinhole-expired cites those after the request).
      const oldestKept = kept.length > 0 ? Math.min(cutoff, toSeconds(kept[0]!.origin.ts)) : cutoff;
      point.icmpErrors = point.icmpErrors.filter((e) => toSeconds(e.ts) >= oldestKept);
    }
    const citesForgotten = (finding: Finding) =>
      finding.evidence.some((e) => e.at.some((at) => (at.messageId !== undefined ? forgotten.has(at.messageId) : !recent(at.ts))));
    for (const finding of fresh) if (citesForgotten(finding)) this.retainFinding(finding);
    this.keepSendsOfRegisteredBindings();
    return removed;
  }

  /**
   * Forgotten sends only matter from a binding whose registration is still valid (pinhole-expired):
   * the others go, so a long run meeting ever new NAT ports does not grow without bound. Done once
   * a point's sends have doubled since the last pruning (listing every valid registration at each
   * conclusion cost more than the pruning saves); a stale send never decides anything, since a
   * binding registered again sends that REGISTER, which is later.
   */
  private keepSendsOfRegisteredBindings(): void {
    for (const point of this.points.values()) {
      if (point.forgottenSends.size < point.pruneSendsAt) continue;
      const registered = new Set(this.dialogs.acceptedRegistrations(point.key).map((r) => formatEndpoint(r.src.ip, r.src.port)));
      for (const sender of point.forgottenSends.keys()) if (!registered.has(sender)) point.forgottenSends.delete(sender);
      point.pruneSendsAt = Math.max(MIN_SENDS_BEFORE_PRUNING, 2 * point.forgottenSends.size);
    }
  }

  /**
   * What a conclusion only counts: findings of dialogs later than every dialog a rule already lists
   * (retainFinding would fold them, whatever else this conclusion finds, since listing more only
   * moves the limit earlier), unless their rule and Call-ID are listed (retainFinding replaces
   * those). Counted findings are folded as they come, and counted by Call-ID in `perDialog`.
   */
  private findingCounter(perDialog: Map<string, number>): FindingCounter {
    return {
      countsOnly: (rule: RuleId, dialog: string, ts: Timestamp, messageId: number) => {
        const listed = this.listedByRule.get(rule);
        if (listed === undefined || listed.length < MAX_LISTED_DIALOGS_PER_RULE) return false;
        if (this.retainedFindings.has(ruleDialogKey(rule, dialog))) return false;
        return byCitation({ ts, messageId }, listed.at(-1)!.evidence[0]?.at[0]) >= 0;
      },
      count: (template: FindingTemplate, dialogs: readonly string[], pieces: number) => {
        addFolded(this.foldedFindings, template, dialogs.length, pieces);
        for (const dialog of dialogs) perDialog.set(dialog, (perDialog.get(dialog) ?? 0) + 1);
      },
    };
  }

  /**
   * Keeps a finding of forgotten messages. Per rule, the findings of the earliest
   * MAX_LISTED_DIALOGS_PER_RULE dialogs (by their first evidence) are kept; later ones are counted.
   */
  private retainFinding(finding: Finding): void {
    const key = findingKey(finding);
    if (finding.dialog === undefined || this.retainedFindings.has(key)) {
      this.retainedFindings.set(key, finding);
      return;
    }
    let listed = this.listedByRule.get(finding.rule);
    if (!listed) this.listedByRule.set(finding.rule, (listed = []));
    if (listed.length === MAX_LISTED_DIALOGS_PER_RULE && byFirstEvidence(finding, listed.at(-1)!) >= 0) {
      fold(this.foldedFindings, finding);
      return;
    }
    let at = listed.length;
    while (at > 0 && byFirstEvidence(listed[at - 1]!, finding) > 0) at--;
    listed.splice(at, 0, finding);
    this.retainedFindings.set(key, finding);
    if (listed.length > MAX_LISTED_DIALOGS_PER_RULE) {
      const latest = listed.pop()!;
      this.retainedFindings.delete(findingKey(latest));
      fold(this.foldedFindings, latest);
    }
  }

  /**
   * What the output lists of dialog groups about to be forgotten, with their findings counted now
   * (`findings`, and in `findingsByCallId` already those only counted: see findingCounter).
   */
  private recordConcluded(groups: DialogGroup[], findings: Finding[], findingsByCallId: Map<string, number>): void {
    for (const f of findings) if (f.dialog) findingsByCallId.set(f.dialog, (findingsByCallId.get(f.dialog) ?? 0) + 1);
    const sideOf = (key: string) => this.points.get(key)?.side ?? 'unknown';
    for (const { dialogs } of groups) {
      this.concluded.add(summarizeGroup(dialogs, sideOf, (callId) => findingsByCallId.get(callId) ?? 0));
    }
  }

  /**
   * Fresh findings plus retained ones the fresh run no longer produces, with per rule the findings
   * of the earliest MAX_LISTED_DIALOGS_PER_RULE dialogs listed and the rest counted in one finding
   * per rule; the verdict weighs them all. Also counts them per dialog, before any is folded.
   */
  private withRetainedFindings(fresh: Finding[], correlation: Correlation): Detection & { findingsPerDialog: Map<string, number> } {
    const freshKeys = new Set(fresh.map(findingKey));
    const findings: Finding[] = [];
    const byRule = new Map<string, Finding[]>();
    const findingsPerDialog = new Map<string, number>();
    const list = (finding: Finding) => {
      if (finding.dialog === undefined) return findings.push(finding);
      findingsPerDialog.set(finding.dialog, (findingsPerDialog.get(finding.dialog) ?? 0) + 1);
      let forRule = byRule.get(finding.rule);
      if (!forRule) byRule.set(finding.rule, (forRule = []));
      return forRule.push(finding);
    };
    for (const finding of this.retainedFindings.values()) if (!freshKeys.has(findingKey(finding))) list(finding);
    for (const finding of fresh) list(finding);
    const folded = new Map([...this.foldedFindings].map(([key, f]) => [key, { ...f }] as const));
    for (const forRule of byRule.values()) {
      const { earliest, rest } = earliestFindings(forRule, MAX_LISTED_DIALOGS_PER_RULE);
      findings.push(...earliest);
      for (const finding of rest) fold(folded, finding);
    }
    for (const f of folded.values()) findings.push(foldedFinding(f));
    findings.sort(compareFindings);
    return { findings, verdict: decideVerdict(findings, correlation, this.sipMessages, this.forgottenMatched + correlation.pairs.length), findingsPerDialog };
  }

  /** What the session holds: dialogs, correlation, and the calls grouped across capture points. */
  private holdings(): Holdings {
    const dialogAnalysis = this.dialogs.analysis();
    const pointList = [...this.points.values()];
    const pointMessages: PointMessages[] = pointList.map((p) => ({ ref: p.ref, interfaceName: p.interfaceName, messages: p.messages, forgotten: p.forgotten, seenAddresses: p.seenAddresses, seenSpan: p.seenSpan }));
    const correlation = correlate(pointMessages, this.sides);
    for (const info of correlation.points) this.pointOf(info.ref).side = info.side;
    if (this.forgottenOffsets.size > 0) correlation.clockOffsets = this.withForgottenOffsets(correlation);
    const dialogGroups = groupDialogs(dialogAnalysis, correlation.pairs, (key) => this.points.get(key)?.side ?? 'unknown');
    return { dialogAnalysis, correlation, dialogGroups };
  }

  /** The findings detection makes of what is held, before listing limits (`concluding`, `counter`: see DetectionContext). */
  private detectHeld(held: Holdings, concluding?: ReadonlySet<number>, counter?: FindingCounter): Finding[] {
    const ctx: DetectionContext = {
      correlation: held.correlation,
      points: [...this.points.values()],
      dialogs: held.dialogAnalysis,
      pointInfo: (key) => {
        const point = this.points.get(key);
        return { side: point?.side ?? 'unknown', source: point?.source ?? key };
      },
      message: (id) => this.messages.get(id),
      concluding,
      counter,
    };
    return detect(ctx);
  }

  /** Everything read so far, concluded: correlation, findings, verdict. `final` flushes open TCP streams and times transactions out. */
  result(final: boolean): AnalysisResult {
    if (final) {
      this.framer.finish();
      this.dialogs.finish(this.lastTs ? copyTimestamp(this.lastTs) : { sec: 0, nsec: 0 });
    }
    const held = this.holdings();
    const { dialogAnalysis, correlation, dialogGroups } = held;
    const fresh = this.detectHeld(held);
    const { findings, verdict, findingsPerDialog } = this.withRetainedFindings(fresh, correlation);

    const decodeTotals: DecodeStats = structuredClone(this.finishedDecodeStats);
    for (const decoder of this.decoders) mergeDecodeStats(decodeTotals, decoder.stats());
    const malformed: Record<string, number> = {};
    for (const file of this.files) for (const problem of file.problems) malformed[`capture:${problem.code}`] = (malformed[`capture:${problem.code}`] ?? 0) + 1;
    addCounts(malformed, decodeTotals.problems, 'decode:');
    addCounts(malformed, this.framingProblemCounts, 'sip-framing:');
    addCounts(malformed, this.sipDefectCounts, 'sip:');
    const skipped: Record<string, number> = {};
    addCounts(skipped, decodeTotals.ignored);
    addCounts(skipped, dialogAnalysis.stats.skipped, 'sip-not-grouped:');
    const media = dialogAnalysis.stats.media;
    if (media.nonRtpDatagrams > 0) skipped['udp-not-sip-or-rtp'] = media.nonRtpDatagrams;
    if (media.untrackedDatagrams > 0) skipped['rtp-untracked-stream-limit'] = media.untrackedDatagrams;
    const unreadable = this.files.filter((f) => f.error).length;
    if (unreadable > 0) skipped['file-not-analyzed'] = unreadable;

    return {
      files: [...this.files],
      points: correlation.points,
      correlation,
      findings,
      verdict,
      dialogs: dialogAnalysis,
      dialogGroups,
      concludedDialogs: this.concluded,
      findingsPerDialog,
      messages: this.messages,
      stats: {
        packets: decodeTotals.frames,
        sipMessages: this.sipMessages,
        retransmissions: dialogAnalysis.stats.retransmissions,
        // A call seen at two capture points is one dialog here.
        dialogs: this.concluded.length + dialogGroups.length,
        rtpPackets: media.rtpPackets + media.rtcpPackets,
        skipped,
        malformed,
        decode: decodeTotals,
        matchedMessages: this.forgottenMatched + correlation.pairs.length,
        droppedMessages: this.forgottenDropped + correlation.dropped.length,
      },
    };
  }
}

/**
 * The messages a session holds, by id. Each capture point keeps its messages in a list in id order
 * (ids are given in order of arrival), so a lookup is a binary search in each point's list: a Map
 * beside the lists cost a hash table entry per held message, and its upkeep as messages came and
 * went was 1 % of a SIP-heavy analysis.
 */
class HeldMessages implements MessagesById {
  constructor(private readonly points: ReadonlyMap<string, { messages: SipMessage[] }>) {}

  /** Messages held at all points (a capture has few points). */
  get size(): number {
    let size = 0;
    for (const { messages } of this.points.values()) size += messages.length;
    return size;
  }

  /** Appends `message` to its point's list, keeping the list in id order. */
  add(list: SipMessage[], message: SipMessage): void {
    const at = placeOfId(list.length, (index) => list[index]!.id, message.id);
    if (at === list.length) list.push(message);
    else list.splice(at, 0, message);
  }

  get(id: number): SipMessage | undefined {
    for (const { messages } of this.points.values()) {
      const at = indexOfId(messages.length, (index) => messages[index]!.id, id);
      if (at >= 0) return messages[at];
    }
    return undefined;
  }
}

function fold(folded: Map<string, FoldedFindings>, finding: Finding): void {
  addFolded(folded, finding, 1, finding.evidence.length + finding.moreEvidence);
}

/** Counts `dialogs` findings of `template`'s kind, citing `evidence` pieces between them, as folded. */
function addFolded(folded: Map<string, FoldedFindings>, template: FindingTemplate, dialogs: number, evidence: number): void {
  const key = foldKey(template);
  const entry = folded.get(key);
  if (entry) {
    entry.dialogs += dialogs;
    entry.evidence += evidence;
  } else {
    folded.set(key, { template, dialogs, evidence });
  }
}

/** The one finding that stands for a rule's findings in the dialogs past the listing limit. */
function foldedFinding(folded: FoldedFindings): Finding {
  const t = folded.template;
  const dialogs = `${folded.dialogs} more dialog${folded.dialogs === 1 ? '' : 's'}`;
  return {
    rule: t.rule,
    title: t.title,
    severity: t.severity,
    confidence: t.confidence,
    implies: t.implies,
    summary: `${t.title}: also in ${dialogs}, counted but not listed (the first ${MAX_LISTED_DIALOGS_PER_RULE} dialogs are)`,
    explanation: t.explanation,
    advice: t.advice,
    evidence: [],
    moreEvidence: folded.evidence,
  };
}

interface Holdings {
  dialogAnalysis: DialogAnalysis;
  correlation: Correlation;
  dialogGroups: DialogGroup[];
}

/** Clock offset samples between two points: how many, their range, and the offset estimated from them. */
interface OffsetSamples {
  insideKey: string;
  outsideKey: string;
  count: number;
  low: number;
  high: number;
  offsetSeconds: number;
}

function mergeSamples(a: OffsetSamples, b: OffsetSamples): OffsetSamples {
  return { ...a, count: a.count + b.count, low: Math.min(a.low, b.low), high: Math.max(a.high, b.high) };
}
