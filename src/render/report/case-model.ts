/**
 * What a case report shows beyond the analysis JSON, derived once from an AnalysisResult so the HTML
 * and Markdown reports draw the same call flows, message diffs, RTP streams and summary. Everything
 * is in a stable order (capture order, then message id) so the same input gives the same report.
 */
import type { AnalysisResult } from '../../analysis/types.js';
import type { Timestamp } from '../../capture/types.js';
import { matchKey } from '../../correlate/correlate.js';
import type { FieldDiff, MessagePair, Side } from '../../correlate/types.js';
import type { Endpoint, Transport } from '../../decode/types.js';
import { describeMessage } from '../../detect/evidence.js';
import type { Finding, Severity, Verdict } from '../../detect/types.js';
import type { Dialog, MediaStream } from '../../dialog/types.js';
import type { SipMessage } from '../../sip/types.js';
import { toSeconds } from '../../util/time.js';

/** Past these, the report counts what it left out instead of drawing it. */
export const REPORT_LIMITS = { findings: 200, callFlows: 50, rowsPerFlow: 300, messageDiffs: 40, rtpStreams: 500 } as const;

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

// ---------------------------------------------------------------------------------------------
// Summary (one index row)

export interface CaseSummary {
  verdict: Verdict;
  /** Distinct rules, most severe first (then in the order the analysis reported them), with their finding counts. */
  topFindings: { rule: string; severity: Severity; count: number }[];
  findings: number;
  /** Calls and registrations (one per call, however many capture points saw it), as in the JSON `dialogs[]`. */
  dialogs: number;
  /** Seconds from the first to the last SIP or RTP packet at the capture point that covers the longest; null when there were none. */
  durationSeconds: number | null;
  files: number;
  packets: number;
  sipMessages: number;
  /** Files that could not be analyzed at all, with the reason (`files[].error`). */
  unreadable: string[];
}

/**
 * The longest time any one capture point covers, from its first to its last SIP or RTP packet. Per
 * point, so that two files whose clocks differ do not stretch it.
 */
function durationSeconds(result: AnalysisResult): number | null {
  const spans = new Map<string, { first: number; last: number }>();
  const extend = (key: string, first: number, last: number) => {
    const span = spans.get(key);
    if (span) {
      span.first = Math.min(span.first, first);
      span.last = Math.max(span.last, last);
    } else {
      spans.set(key, { first, last });
    }
  };
  for (const point of result.points) if (point.firstSeen !== undefined && point.lastSeen !== undefined) extend(point.ref.key, point.firstSeen, point.lastSeen);
  for (const stream of allStreams(result)) extend(stream.point.key, toSeconds(stream.firstTs), toSeconds(stream.lastTs));
  return spans.size ? Math.max(...[...spans.values()].map((s) => s.last - s.first)) : null;
}

export function caseSummary(result: AnalysisResult): CaseSummary {
  const byRule = new Map<string, { rule: string; severity: Severity; count: number }>();
  for (const finding of result.findings) {
    const entry = byRule.get(finding.rule);
    if (entry) {
      entry.count++;
      if (SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[entry.severity]) entry.severity = finding.severity;
    } else {
      byRule.set(finding.rule, { rule: finding.rule, severity: finding.severity, count: 1 });
    }
  }
  return {
    verdict: result.verdict.verdict,
    // Array.prototype.sort is stable: equal severities keep the analysis order.
    topFindings: [...byRule.values()].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]),
    findings: result.findings.length,
    dialogs: result.dialogGroups.length,
    durationSeconds: durationSeconds(result),
    files: result.files.length,
    packets: result.stats.packets,
    sipMessages: result.stats.sipMessages,
    unreadable: result.files.flatMap((f) => (f.error ? [f.error] : [])),
  };
}

// ---------------------------------------------------------------------------------------------
// Call flows

export interface FlowArrow {
  pointKey: string;
  source: string;
  side: Side;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  /** Short label: method or status, "(SDP)" when it carries SDP. */
  label: string;
  /** The message as the findings describe it ("INVITE sip:bob@... (CSeq 1 INVITE)"). */
  description: string;
  frame: number;
  ts: Timestamp;
  messageId: number;
  retransmission: boolean;
}

export interface FlowRow {
  /** One arrow per capture point that saw the message (two when it was matched across the router). */
  arrows: FlowArrow[];
  /** Seconds since the flow's first row, on the inside clock (outside times have the clock offset removed). */
  offsetSeconds: number;
  /** Payload fields the router changed between the two sides (matched messages only). */
  rewrittenFields: string[];
  proxied: boolean;
  /** Anchor of this message's side-by-side diff, when the report shows one. */
  diffMessageId?: number;
  /** The message was seen on one side and never on the other. */
  missingAt?: Side;
}

export interface FlowLane {
  side: Side;
  /** Hosts (IP addresses) drawn as columns, left to right. */
  hosts: string[];
}

export interface CallFlow {
  /** Call-IDs of the call at each capture point (two when an ALG rewrote it). */
  callIds: string[];
  method: string;
  from?: string;
  to?: string;
  /** Findings that name one of the call's Call-IDs. */
  findings: number;
  lanes: FlowLane[];
  rows: FlowRow[];
  omittedRows: number;
}

const SIDE_ORDER: Side[] = ['inside', 'outside', 'unknown'];

function shortLabel(msg: SipMessage): string {
  const first = msg.kind === 'request' ? (msg.method ?? '?') : `${msg.status ?? '?'} ${msg.reason ?? ''}`.trimEnd();
  return msg.sdp ? `${first} (SDP)` : first;
}

function arrowFor(msg: SipMessage, side: Side, retransmission: boolean, at?: { ts: Timestamp; frame: number }): FlowArrow {
  return {
    pointKey: msg.origin.point.key,
    source: msg.origin.point.source,
    side,
    src: msg.origin.src,
    dst: msg.origin.dst,
    transport: msg.origin.transport,
    label: shortLabel(msg),
    description: describeMessage(msg),
    frame: at?.frame ?? msg.origin.frames[0] ?? 0,
    ts: at?.ts ?? msg.origin.ts,
    messageId: msg.id,
    retransmission,
  };
}

function payloadDiffs(pair: MessagePair): FieldDiff[] {
  return pair.diffs.filter((d) => d.area !== 'transport');
}

/** Lookups shared by the call flows and the diff list. */
class ResultIndex {
  readonly sideOf = new Map<string, Side>();
  readonly pairOf = new Map<number, MessagePair>();
  readonly missingAt = new Map<number, Side>();
  /** Outside-minus-inside clock offset per outside point key. */
  readonly offsetOf = new Map<string, number>();
  constructor(
    readonly result: AnalysisResult,
    /** Message id (either side) of a matched pair -> the inside message id of the diff the report shows for it. */
    readonly diffAnchorOf: Map<number, number>,
  ) {
    for (const p of result.points) this.sideOf.set(p.ref.key, p.side);
    for (const pair of result.correlation.pairs) {
      this.pairOf.set(pair.inside.id, pair);
      this.pairOf.set(pair.outside.id, pair);
    }
    for (const d of result.correlation.dropped) this.missingAt.set(d.message.id, d.missingAt.side);
    for (const o of result.correlation.clockOffsets) if (!this.offsetOf.has(o.outsideKey)) this.offsetOf.set(o.outsideKey, o.offsetSeconds);
  }

  side(key: string): Side {
    return this.sideOf.get(key) ?? 'unknown';
  }

  /** A timestamp on the inside clock. */
  aligned(arrow: FlowArrow): number {
    return toSeconds(arrow.ts) - (arrow.side === 'outside' ? (this.offsetOf.get(arrow.pointKey) ?? 0) : 0);
  }
}

function flowArrows(index: ResultIndex, dialog: Dialog): FlowArrow[] {
  const side = index.side(dialog.point.key);
  const arrows: FlowArrow[] = [];
  for (const entry of dialog.entries) {
    if (entry.kind === 'message') {
      arrows.push(arrowFor(entry.observed.message, side, false));
    } else {
      const { retransmission } = entry;
      const copy = index.result.messages.get(retransmission.messageId) ?? index.result.messages.get(retransmission.originalId);
      if (copy) arrows.push(arrowFor(copy, side, true, { ts: retransmission.ts, frame: retransmission.frames[0] ?? 0 }));
    }
  }
  return arrows;
}

function laneHosts(rows: FlowRow[]): FlowLane[] {
  const bySide = new Map<Side, string[]>();
  for (const row of rows) {
    for (const arrow of row.arrows) {
      let hosts = bySide.get(arrow.side);
      if (!hosts) bySide.set(arrow.side, (hosts = []));
      for (const ip of [arrow.src.ip, arrow.dst.ip]) if (!hosts.includes(ip)) hosts.push(ip);
    }
  }
  // Hosts seen on both sides (the far end, unchanged by the NAT) go to the lanes' outer edges of
  // the router: last on the inside, last on the outside. Hosts seen on one side only come first.
  return SIDE_ORDER.filter((side) => bySide.has(side)).map((side) => {
    const hosts = bySide.get(side)!;
    const elsewhere = new Set([...bySide].filter(([s]) => s !== side).flatMap(([, h]) => h));
    return { side, hosts: [...hosts.filter((h) => !elsewhere.has(h)), ...hosts.filter((h) => elsewhere.has(h))] };
  });
}

function callFlow(index: ResultIndex, dialogs: Dialog[]): CallFlow {
  const rowOf = new Map<number, FlowRow>();
  const rows: FlowRow[] = [];
  for (const dialog of dialogs) {
    for (const arrow of flowArrows(index, dialog)) {
      const pair = index.pairOf.get(arrow.messageId);
      const partner = pair && (pair.inside.id === arrow.messageId ? pair.outside.id : pair.inside.id);
      const existing = partner !== undefined ? rowOf.get(partner) : undefined;
      if (existing) {
        existing.arrows.push(arrow);
        existing.arrows.sort((a, b) => SIDE_ORDER.indexOf(a.side) - SIDE_ORDER.indexOf(b.side));
        rowOf.set(arrow.messageId, existing);
        continue;
      }
      const row: FlowRow = {
        arrows: [arrow],
        offsetSeconds: 0,
        rewrittenFields: pair ? payloadDiffs(pair).map((d) => d.field) : [],
        proxied: pair?.proxied ?? false,
        diffMessageId: pair && index.diffAnchorOf.get(pair.inside.id),
        missingAt: index.missingAt.get(arrow.messageId),
      };
      rowOf.set(arrow.messageId, row);
      rows.push(row);
    }
  }
  const rowTime = (row: FlowRow) => index.aligned(row.arrows[0]!);
  rows.sort((a, b) => rowTime(a) - rowTime(b) || a.arrows[0]!.messageId - b.arrows[0]!.messageId);
  const kept = rows.slice(0, REPORT_LIMITS.rowsPerFlow);
  const start = kept.length ? rowTime(kept[0]!) : 0;
  for (const row of kept) row.offsetSeconds = rowTime(row) - start;

  const first = dialogs[0]!;
  const callIds = [...new Set(dialogs.map((d) => d.callId))];
  return {
    callIds,
    method: first.method,
    from: first.fromUri,
    to: first.toUri,
    findings: index.result.findings.filter((f) => f.dialog !== undefined && callIds.includes(f.dialog)).length,
    lanes: laneHosts(kept),
    rows: kept,
    omittedRows: rows.length - kept.length,
  };
}

/** Call flows of the calls with findings first, then the others, in order of start; capped. */
function callFlows(result: AnalysisResult, diffAnchorOf: Map<number, number>): { flows: CallFlow[]; omitted: number } {
  const index = new ResultIndex(result, diffAnchorOf);
  const flagged = new Set(result.findings.flatMap((f) => (f.dialog !== undefined ? [f.dialog] : [])));
  const hasFindings = (dialogs: Dialog[]) => dialogs.some((d) => flagged.has(d.callId));
  const ordered = [...result.dialogGroups.filter((g) => hasFindings(g.dialogs)), ...result.dialogGroups.filter((g) => !hasFindings(g.dialogs))];
  const shown = ordered.slice(0, REPORT_LIMITS.callFlows);
  return { flows: shown.map((g) => callFlow(index, g.dialogs)), omitted: ordered.length - shown.length };
}

// ---------------------------------------------------------------------------------------------
// Side-by-side message diffs

export interface MessageDiff {
  inside: SipMessage;
  outside: SipMessage;
  insideSide: Side;
  outsideSide: Side;
  /** Payload fields that differ (what an ALG rewrites); transport differences are listed apart. */
  diffs: FieldDiff[];
  transportDiffs: FieldDiff[];
  proxied: boolean;
  /** Further matched copies (retransmissions) with exactly the same changes, not shown again. */
  repeats: number;
}

/** Matched messages whose payload differs between the sides, one per distinct message and change; capped. */
function messageDiffs(result: AnalysisResult): { diffs: MessageDiff[]; omitted: number; natOnly: number; anchorOf: Map<number, number> } {
  const sideOf = new Map(result.points.map((p) => [p.ref.key, p.side] as const));
  const byKey = new Map<string, MessageDiff>();
  const anchorOf = new Map<number, number>();
  let natOnly = 0;
  const pairs = [...result.correlation.pairs].sort((a, b) => a.inside.id - b.inside.id);
  for (const pair of pairs) {
    const diffs = payloadDiffs(pair);
    if (diffs.length === 0) {
      if (pair.translated) natOnly++;
      continue;
    }
    const key = [pair.inside.origin.point.key, pair.outside.origin.point.key, matchKey(pair.inside), ...diffs.map((d) => `${d.field}\u0000${d.inside?.text}\u0000${d.outside?.text}`)].join('\u0001');
    const seen = byKey.get(key);
    if (seen) {
      seen.repeats++;
      if (anchorOf.has(seen.inside.id)) {
        anchorOf.set(pair.inside.id, seen.inside.id);
        anchorOf.set(pair.outside.id, seen.inside.id);
      }
      continue;
    }
    if (byKey.size < REPORT_LIMITS.messageDiffs) {
      anchorOf.set(pair.inside.id, pair.inside.id);
      anchorOf.set(pair.outside.id, pair.inside.id);
    }
    byKey.set(key, {
      inside: pair.inside,
      outside: pair.outside,
      insideSide: sideOf.get(pair.inside.origin.point.key) ?? 'unknown',
      outsideSide: sideOf.get(pair.outside.origin.point.key) ?? 'unknown',
      diffs,
      transportDiffs: pair.diffs.filter((d) => d.area === 'transport'),
      proxied: pair.proxied,
      repeats: 0,
    });
  }
  const all = [...byKey.values()];
  return { diffs: all.slice(0, REPORT_LIMITS.messageDiffs), omitted: Math.max(0, all.length - REPORT_LIMITS.messageDiffs), natOnly, anchorOf };
}

// ---------------------------------------------------------------------------------------------
// RTP streams

export interface RtpStreamRow {
  pointKey: string;
  source: string;
  side: Side;
  src: Endpoint;
  dst: Endpoint;
  /** Call-ID of the call the stream belongs to; undefined for streams no SDP announced. */
  callId?: string;
  media?: string;
  /** "caller" or "callee": who sends it. */
  sender?: string;
  ssrcs: number[];
  payloadTypes: number[];
  rtpPackets: number;
  rtcpPackets: number;
  lost: number;
  maxJitterMs?: number;
  maxDeltaMs?: number;
  durationSeconds: number;
  firstFrame: number;
  /** How the stream's addresses compare with the SDP ("as SDP", "source port differs", ...). */
  sdpMatch: string;
}

function* allStreams(result: AnalysisResult): Generator<MediaStream> {
  const seen = new Set<number>();
  for (const point of result.dialogs.points) {
    const streams = [...point.dialogs.flatMap((d) => d.media.flatMap((m) => m.streams)), ...point.orphanStreams];
    for (const stream of streams) {
      if (seen.has(stream.id)) continue;
      seen.add(stream.id);
      yield stream;
    }
  }
}

function sdpMatchText(stream: MediaStream): string {
  const match = stream.match;
  if (!match) return 'no SDP announced it';
  const parts: string[] = [];
  if (match.srcMismatch === 'address' || match.srcMismatch === 'port') parts.push(`source ${match.srcMismatch} differs from SDP`);
  if (match.dstMismatch === 'address' || match.dstMismatch === 'port') parts.push(`destination ${match.dstMismatch} differs from SDP`);
  if (match.srcMismatch === 'unknown') parts.push("sender's SDP not seen");
  return parts.length ? parts.join('; ') : 'as SDP';
}

function rtpStreams(result: AnalysisResult): { rows: RtpStreamRow[]; omitted: number } {
  const sideOf = new Map(result.points.map((p) => [p.ref.key, p.side] as const));
  const pointOrder = new Map(result.points.map((p, i) => [p.ref.key, i] as const));
  const dialogById = new Map<string, Dialog>();
  for (const point of result.dialogs.points) for (const d of point.dialogs) dialogById.set(d.id, d);
  const rows = [...allStreams(result)]
    .filter((s) => s.match || s.confirmed)
    .sort((a, b) => (pointOrder.get(a.point.key) ?? 0) - (pointOrder.get(b.point.key) ?? 0) || a.id - b.id)
    .map((stream): RtpStreamRow => {
      const dialog = stream.match && dialogById.get(stream.match.dialogId);
      const session = dialog?.media.find((m) => m.toTag === stream.match!.toTag && m.mediaIndex === stream.match!.mediaIndex);
      const jitters = stream.rtp.map((s) => s.maxJitterMs).filter((j): j is number => j !== undefined);
      return {
        pointKey: stream.point.key,
        source: stream.point.source,
        side: sideOf.get(stream.point.key) ?? 'unknown',
        src: stream.src,
        dst: stream.dst,
        callId: dialog?.callId,
        media: session?.mediaType,
        sender: stream.match?.sender,
        ssrcs: stream.rtp.map((s) => s.ssrc),
        payloadTypes: [...new Set(stream.rtp.flatMap((s) => s.payloadTypes))],
        rtpPackets: stream.rtp.reduce((n, s) => n + s.packets, 0) + stream.rtpUntracked,
        rtcpPackets: stream.rtcp.packets,
        lost: stream.rtp.reduce((n, s) => n + s.lost, 0),
        maxJitterMs: jitters.length ? Math.max(...jitters) : undefined,
        maxDeltaMs: stream.rtp.length ? Math.max(...stream.rtp.map((s) => s.maxDeltaMs)) : undefined,
        durationSeconds: toSeconds(stream.lastTs) - toSeconds(stream.firstTs),
        firstFrame: stream.firstFrame,
        sdpMatch: sdpMatchText(stream),
      };
    });
  return { rows: rows.slice(0, REPORT_LIMITS.rtpStreams), omitted: Math.max(0, rows.length - REPORT_LIMITS.rtpStreams) };
}

// ---------------------------------------------------------------------------------------------
// Small shared wording

export function endpointText(ep: Endpoint): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

/** Findings grouped by dialog (Call-ID), capture-wide ones last, in the analysis order. */
export function findingsByDialog(findings: Finding[]): { dialog?: string; findings: Finding[] }[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = finding.dialog ?? '\u0000';
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(finding);
  }
  const out = [...groups].map(([key, list]) => ({ dialog: key === '\u0000' ? undefined : key, findings: list }));
  return [...out.filter((g) => g.dialog !== undefined), ...out.filter((g) => g.dialog === undefined)];
}

// ---------------------------------------------------------------------------------------------
// Everything a case report draws, computed once

export interface CaseView {
  summary: CaseSummary;
  /** Findings the report lists, most severe first (in the analysis order within a severity); capped. */
  findings: Finding[];
  /** Findings left out of the listing (the JSON report has them all). */
  omittedFindings: number;
  flows: CallFlow[];
  omittedFlows: number;
  diffs: MessageDiff[];
  omittedDiffs: number;
  /** Matched messages whose only differences were the packet addresses (plain NAT). */
  natOnlyPairs: number;
  /** Message id (inside or outside copy, retransmissions included) -> anchor id of the diff shown for it. */
  diffAnchorOf: Map<number, number>;
  rtp: RtpStreamRow[];
  omittedRtp: number;
}

export function caseView(result: AnalysisResult): CaseView {
  const diffs = messageDiffs(result);
  const flows = callFlows(result, diffs.anchorOf);
  const rtp = rtpStreams(result);
  // Array.prototype.sort is stable: equal severities keep the analysis order.
  const ranked = [...result.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    summary: caseSummary(result),
    findings: ranked.slice(0, REPORT_LIMITS.findings),
    omittedFindings: Math.max(0, ranked.length - REPORT_LIMITS.findings),
    flows: flows.flows,
    omittedFlows: flows.omitted,
    diffs: diffs.diffs,
    omittedDiffs: diffs.omitted,
    natOnlyPairs: diffs.natOnly,
    diffAnchorOf: diffs.anchorOf,
    rtp: rtp.rows,
    omittedRtp: rtp.omitted,
  };
}

/** The reading and matching counts every case report lists, label first. */
export function captureCounts(result: AnalysisResult): [string, number][] {
  const { stats } = result;
  const decode = stats.decode;
  return [
    ['packets (frames read)', stats.packets],
    ['UDP datagrams', decode.udpDatagrams],
    ['TCP segments with data', decode.tcpSegments],
    ['IP fragments reassembled', decode.fragmentsReassembled],
    ['IP fragments dropped', decode.fragmentsDropped],
    ['TCP bytes missing (gaps)', decode.tcpGapBytes],
    ['SIP messages', stats.sipMessages],
    ['retransmissions', stats.retransmissions],
    ['dialogs (per capture point)', stats.dialogs],
    ['RTP/RTCP packets', stats.rtpPackets],
    ['messages matched across the router', result.correlation.pairs.length],
    ['messages seen on one side only', result.correlation.dropped.length],
  ];
}
