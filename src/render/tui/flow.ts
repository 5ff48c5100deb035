/**
 * The call flow of one call: a ladder with one lane per capture point (inside left, outside right,
 * the NAT drawn between them), one row per message with its copies at each point side by side, the
 * number of fields the router changed in between, retransmissions, timing, and the RTP streams.
 */
import type { Timestamp } from '../../capture/types.js';
import { matchKey } from '../../correlate/correlate.js';
import type { DroppedMessage, MessagePair, Side } from '../../correlate/types.js';
import type { Finding } from '../../detect/types.js';
import type { Dialog, MediaSession, MediaStream, Party } from '../../dialog/types.js';
import type { SipMessage } from '../../sip/types.js';
import { formatDuration, toSeconds } from '../../util/time.js';
import { byImplication, badgeFor, messageLabel, messageStyle, pointTitle, shortSide, sideOf, type DialogRow, type TuiModel } from './model.js';
import { Canvas, clean, fit, seg, truncate, type Line, type Style } from './text.js';

export interface FlowLane {
  dialog: Dialog;
  pointKey: string;
  side: Side;
  title: string;
  /** Column labels ("ip:port"), in column order: addresses seen only at this point first. */
  endpoints: string[];
}

export interface FlowCell {
  messageId: number;
  message: SipMessage;
  retransmission: boolean;
  ts: Timestamp;
}

export interface FlowRow {
  /** The copy of the message at each lane (undefined where that point did not see it). */
  cells: (FlowCell | undefined)[];
  /** Seconds on the first lane's clock (other points' clock offsets removed). */
  seconds: number;
  pair?: MessagePair;
  dropped?: DroppedMessage;
  findings: Finding[];
  /** The message the row opens: the copy at the first lane that has one. */
  messageId: number;
}

export interface CallFlow {
  row: DialogRow;
  lanes: FlowLane[];
  /** Capture points of the call not drawn for lack of width. */
  hiddenLanes: number;
  rows: FlowRow[];
}

/** A lane narrower than this cannot show two addresses and an arrow label. */
export const MIN_LANE_WIDTH = 26;

const endpointText = (e: { ip: string; port: number }) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

/** Offset to add to a point's timestamps to put them on the reference point's clock. */
function clockShift(model: TuiModel, referenceKey: string, pointKey: string): number {
  if (pointKey === referenceKey) return 0;
  for (const o of model.result.correlation.clockOffsets) {
    if (o.insideKey === referenceKey && o.outsideKey === pointKey) return -o.offsetSeconds;
    if (o.outsideKey === referenceKey && o.insideKey === pointKey) return o.offsetSeconds;
  }
  return 0;
}

/**
 * Which capture points get a lane: first the inside and outside points with the most messages
 * matched between them (the two sides of the router), then the others, drawn in the group's order.
 */
function chooseLanes(dialogs: Dialog[], model: TuiModel, maxLanes: number): Dialog[] {
  const byPoint = new Map(dialogs.map((d) => [d.point.key, d]));
  const pairCounts = new Map<string, number>();
  let best: [Dialog, Dialog] | undefined;
  let bestCount = 0;
  for (const dialog of dialogs) {
    if (sideOf(model, dialog.point.key) !== 'inside') continue;
    for (const entry of dialog.entries) {
      if (entry.kind !== 'message') continue;
      const pair = model.pairOf.get(entry.observed.message.id);
      const outside = pair && byPoint.get(pair.outside.origin.point.key);
      if (!pair || !outside || pair.inside.id !== entry.observed.message.id) continue;
      const key = `${dialog.id}\u0000${outside.id}`;
      const count = (pairCounts.get(key) ?? 0) + 1;
      pairCounts.set(key, count);
      if (count > bestCount) [best, bestCount] = [[dialog, outside], count];
    }
  }
  const firstInside = dialogs.find((d) => sideOf(model, d.point.key) === 'inside');
  const firstOutside = dialogs.find((d) => sideOf(model, d.point.key) === 'outside');
  const preferred = [...(best ?? [firstInside, firstOutside]), ...dialogs].filter((d): d is Dialog => d !== undefined);
  const chosen = new Set([...new Set(preferred)].slice(0, Math.max(1, maxLanes)));
  return dialogs.filter((d) => chosen.has(d));
}

function laneCells(dialog: Dialog, model: TuiModel): FlowCell[] {
  const cells: FlowCell[] = [];
  for (const entry of dialog.entries) {
    if (entry.kind === 'message') {
      const message = entry.observed.message;
      cells.push({ messageId: message.id, message, retransmission: false, ts: message.origin.ts });
    } else {
      const r = entry.retransmission;
      const message = model.result.messages.get(r.messageId) ?? model.result.messages.get(r.originalId);
      if (message) cells.push({ messageId: r.messageId, message, retransmission: true, ts: r.ts });
    }
  }
  return cells;
}

function laneEndpoints(cells: FlowCell[], otherLanes: Set<string>): string[] {
  const seen: string[] = [];
  for (const cell of cells) {
    for (const e of [cell.message.origin.src, cell.message.origin.dst]) {
      const text = endpointText(e);
      if (!seen.includes(text)) seen.push(text);
    }
  }
  // Addresses only this point saw (the phone inside, the router's public address outside) are drawn
  // first; addresses seen at other points too (the provider) after them.
  return [...seen.filter((e) => !otherLanes.has(e)), ...seen.filter((e) => otherLanes.has(e))];
}

export function buildCallFlow(model: TuiModel, row: DialogRow, maxLanes: number): CallFlow {
  const dialogs = chooseLanes(row.group.dialogs, model, maxLanes);
  const cellsByLane = dialogs.map((d) => laneCells(d, model));
  const allEndpoints = cellsByLane.map((cells) => new Set(cells.flatMap((c) => [endpointText(c.message.origin.src), endpointText(c.message.origin.dst)])));
  const lanes: FlowLane[] = dialogs.map((dialog, i) => {
    const others = new Set(allEndpoints.filter((_, j) => j !== i).flatMap((s) => [...s]));
    return {
      dialog,
      pointKey: dialog.point.key,
      side: sideOf(model, dialog.point.key),
      title: pointTitle(model, dialog.point.key),
      endpoints: laneEndpoints(cellsByLane[i]!, others),
    };
  });

  const reference = lanes[0]?.pointKey ?? '';
  const shifts = lanes.map((lane) => clockShift(model, reference, lane.pointKey));
  const laneOf = new Map<number, number>();
  cellsByLane.forEach((cells, l) => cells.forEach((c) => laneOf.set(c.messageId, l)));
  const cellOf = new Map(cellsByLane.flatMap((cells) => cells.map((c) => [c.messageId, c] as const)));
  // Copies of one message at several points of the same side (a file and a router interface) are
  // the same packets: the k-th copy with a match key at one point is the k-th at the other.
  const cellsByKey = cellsByLane.map((cells) => {
    const queues = new Map<string, FlowCell[]>();
    for (const c of cells) {
      const key = matchKey(c.message);
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = []));
      queue.push(c);
    }
    return queues;
  });
  const placed = new Set<number>();
  const rows: FlowRow[] = [];
  for (const cells of cellsByLane) {
    for (const cell of cells) {
      if (placed.has(cell.messageId)) continue;
      const rowCells: (FlowCell | undefined)[] = lanes.map(() => undefined);
      const add = (c: FlowCell) => {
        const l = laneOf.get(c.messageId)!;
        if (rowCells[l] || placed.has(c.messageId)) return false;
        rowCells[l] = c;
        placed.add(c.messageId);
        const key = matchKey(c.message);
        for (const [m, lane] of lanes.entries()) {
          if (m === l || lane.side === 'unknown' || lane.side !== lanes[l]!.side || rowCells[m]) continue;
          const copy = cellsByKey[m]!.get(key)?.find((x) => !placed.has(x.messageId));
          if (copy) add(copy);
        }
        return true;
      };
      add(cell);
      let pair: MessagePair | undefined;
      for (const c of rowCells.filter((x): x is FlowCell => x !== undefined)) {
        const candidate = model.pairOf.get(c.messageId);
        const partner = candidate && cellOf.get(candidate.inside.id === c.messageId ? candidate.outside.id : candidate.inside.id);
        if (candidate && partner && add(partner)) pair = candidate;
      }
      const present = rowCells.map((c, i) => (c ? toSeconds(c.ts) + shifts[i]! : Infinity));
      const ids = rowCells.flatMap((c) => (c ? [c.messageId] : []));
      rows.push({
        cells: rowCells,
        seconds: Math.min(...present),
        pair,
        dropped: ids.map((id) => model.droppedOf.get(id)).find((d) => d !== undefined),
        findings: [...new Set(ids.flatMap((id) => model.findingsOf.get(id) ?? []))].sort(byImplication),
        messageId: ids[0]!,
      });
    }
  }
  const ordered = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.seconds - b.r.seconds || a.i - b.i).map((x) => x.r);
  return { row, lanes, hiddenLanes: row.group.dialogs.length - lanes.length, rows: ordered };
}

// ---------------------------------------------------------------------------------------------
// Drawing

export interface LadderLayout {
  width: number;
  showDelta: boolean;
  laneWidth: number;
  gapWidth: number;
}

const CURSOR_WIDTH = 2;
const TIME_WIDTH = 10;
const DELTA_WIDTH = 10;
const GAP_WIDTH = 6;
const MARK_WIDTH = 2;

/** How many lanes fit in `width` columns. */
export function lanesThatFit(width: number): number {
  const fixed = CURSOR_WIDTH + TIME_WIDTH + MARK_WIDTH;
  return Math.max(1, Math.floor((width - fixed + GAP_WIDTH) / (MIN_LANE_WIDTH + GAP_WIDTH)));
}

export function ladderLayout(flow: CallFlow, width: number): LadderLayout {
  const showDelta = width >= 110;
  const n = Math.max(1, flow.lanes.length);
  const fixed = CURSOR_WIDTH + TIME_WIDTH + (showDelta ? DELTA_WIDTH : 0) + MARK_WIDTH + GAP_WIDTH * (n - 1);
  return { width, showDelta, laneWidth: Math.max(8, Math.floor((width - fixed) / n)), gapWidth: GAP_WIDTH };
}

function columnPositions(count: number, laneWidth: number): number[] {
  if (count <= 1) return [1];
  return Array.from({ length: count }, (_, i) => 1 + Math.round((i * (laneWidth - 3)) / (count - 1)));
}

/** At most one column per eight characters of lane; endpoints beyond that share the last column. */
function laneColumns(lane: FlowLane, laneWidth: number): { positions: number[]; columnOf: (endpoint: string) => number } {
  const max = Math.max(1, Math.floor(laneWidth / 8));
  const count = Math.min(lane.endpoints.length, max);
  const positions = columnPositions(count, laneWidth);
  return {
    positions,
    columnOf: (endpoint) => {
      const i = lane.endpoints.indexOf(endpoint);
      return i < 0 ? count - 1 : Math.min(i, count - 1);
    },
  };
}

/** Endpoint labels over their columns, on up to two lines so that neighbours do not overlap. */
function laneHeader(lane: FlowLane, laneWidth: number): Canvas[] {
  const { positions } = laneColumns(lane, laneWidth);
  const lines = [new Canvas(laneWidth), new Canvas(laneWidth)];
  const used = [-2, -2]; // last column written on each line
  positions.forEach((x, i) => {
    const label = clean(lane.endpoints[i] ?? '');
    const last = i === positions.length - 1 && positions.length > 1;
    const wanted = last ? Math.max(0, laneWidth - label.length) : i === 0 ? 0 : Math.max(0, x - Math.floor(label.length / 2));
    // The label where it belongs on the first line that has room, else as close as it fits.
    let l = lines.findIndex((_, n) => used[n]! + 2 <= wanted);
    if (l < 0) l = used[0]! <= used[1]! ? 0 : 1;
    const start = Math.max(wanted, used[l]! + 2);
    const text = truncate(label, laneWidth - start);
    lines[l]!.put(start, text, 'bold');
    used[l] = start + text.length - 1;
  });
  return lines;
}

function drawArrow(canvas: Canvas, from: number, to: number, label: string, style: Style): void {
  if (from === to) {
    canvas.put(from + 1, truncate(`↺ ${label}`, canvas.width - from - 1), style);
    return;
  }
  const left = Math.min(from, to);
  const right = Math.max(from, to);
  const span = right - left - 1;
  canvas.put(left + 1, '─'.repeat(span), style);
  if (to > from) canvas.put(right - 1, '▶', style);
  else canvas.put(left + 1, '◀', style);
  const text = truncate(label, Math.max(0, span - 4));
  if (text) canvas.put(left + 1 + Math.max(2, Math.floor((span - text.length) / 2)), text, style);
}

function laneRow(lane: FlowLane, cell: FlowCell | undefined, laneWidth: number): Canvas {
  const canvas = new Canvas(laneWidth);
  const { positions, columnOf } = laneColumns(lane, laneWidth);
  for (const x of positions) canvas.put(x, '│', 'dim');
  if (cell) {
    const a = positions[columnOf(endpointText(cell.message.origin.src))]!;
    const b = positions[columnOf(endpointText(cell.message.origin.dst))]!;
    const label = cell.retransmission ? `↻ ${messageLabel(cell.message)}` : messageLabel(cell.message);
    drawArrow(canvas, a, b, label, cell.retransmission ? 'dim' : messageStyle(cell.message));
  }
  return canvas;
}

/** What the NAT did to a message between two neighbouring lanes (nothing between two points on one side). */
export function natMark(flow: CallFlow, row: FlowRow, left: number, right: number): { text: string; style: Style } {
  const a = row.cells[left];
  const b = row.cells[right];
  const sides = [flow.lanes[left]?.side, flow.lanes[right]?.side];
  if (sides[0] === sides[1] && sides[0] !== 'unknown') return { text: '', style: 'dim' };
  if (a && b && row.pair) {
    if (row.pair.proxied) return { text: 'proxy', style: 'dim' };
    const changed = row.pair.diffs.filter((d) => d.area !== 'transport').length;
    return changed > 0 ? { text: `≠${changed}`, style: 'alg' } : { text: '=', style: 'ok' };
  }
  if ((a || b) && row.dropped) return { text: '✗', style: 'alg' };
  return { text: '┊', style: 'dim' };
}

/** Time since the first message in at most nine characters: "+12.345", then minutes, hours, days. */
export function relativeTime(seconds: number): string {
  if (seconds < 1000) return `+${seconds.toFixed(3)}`;
  if (seconds < 6000) return `+${(seconds / 60).toFixed(1)}m`;
  if (seconds < 360_000) return `+${(seconds / 3600).toFixed(1)}h`;
  return `+${(seconds / 86400).toFixed(1)}d`;
}

export interface LadderLines {
  header: Line[];
  rows: Line[];
}

export function drawLadder(flow: CallFlow, layout: LadderLayout): LadderLines {
  const { laneWidth, gapWidth, showDelta } = layout;
  const prefixWidth = CURSOR_WIDTH + TIME_WIDTH + (showDelta ? DELTA_WIDTH : 0);
  const natLabel = (l: number) => {
    const pair = [flow.lanes[l]?.side, flow.lanes[l + 1]?.side];
    return pair[0] !== pair[1] && !pair.includes('unknown') ? 'NAT' : '';
  };

  const titles: Line = [seg(fit('', CURSOR_WIDTH)), seg(fit('time', TIME_WIDTH), 'dim')];
  if (showDelta) titles.push(seg(fit('delta', DELTA_WIDTH), 'dim'));
  const headerCanvases = flow.lanes.map((lane) => laneHeader(lane, laneWidth));
  const labelLines: Line[] = [[seg(' '.repeat(prefixWidth))], [seg(' '.repeat(prefixWidth))]];
  flow.lanes.forEach((lane, l) => {
    if (l > 0) {
      titles.push(seg(fit(` ${natLabel(l - 1)}`, gapWidth), 'alg'));
      labelLines[0]!.push(seg(' '.repeat(gapWidth)));
      labelLines[1]!.push(seg(' '.repeat(gapWidth)));
    }
    titles.push(seg(fit(lane.title, laneWidth), 'title'));
    labelLines[0]!.push(...headerCanvases[l]![0]!.toLine());
    labelLines[1]!.push(...headerCanvases[l]![1]!.toLine());
  });
  const header = [titles, labelLines[0]!];
  if (headerCanvases.some((c) => c[1]!.toLine().some((s) => s.text.trim() !== ''))) header.push(labelLines[1]!);

  const start = flow.rows[0]?.seconds ?? 0;
  const rows = flow.rows.map((row, r) => {
    const line: Line = [seg(' '.repeat(CURSOR_WIDTH)), seg(fit(relativeTime(row.seconds - start), TIME_WIDTH), 'dim')];
    if (showDelta) {
      const previous = flow.rows[r - 1];
      line.push(seg(fit(previous ? formatDuration(row.seconds - previous.seconds) : '', DELTA_WIDTH), 'dim'));
    }
    flow.lanes.forEach((lane, l) => {
      if (l > 0) {
        const mark = natMark(flow, row, l - 1, l);
        const pad = Math.floor((gapWidth - mark.text.length) / 2);
        line.push(seg(' '.repeat(pad)), seg(truncate(mark.text, gapWidth), mark.style), seg(' '.repeat(Math.max(0, gapWidth - pad - mark.text.length))));
      }
      line.push(...laneRow(lane, row.cells[l], laneWidth).toLine());
    });
    const badge = badgeFor(row.findings);
    line.push(seg(' '), badge ? seg('!', badge.style) : seg(' '));
    return line;
  });
  return { header, rows };
}

/** One line about the selected row: what it is, where, how long it took, and what the router changed. */
export function rowDetails(flow: CallFlow, index: number): string {
  const row = flow.rows[index];
  if (!row) return '';
  const parts: string[] = [];
  const first = row.cells.find((c) => c !== undefined)!;
  const msg = first.message;
  const cseq = msg.cseq ? ` (CSeq ${msg.cseq.seq} ${msg.cseq.method})` : '';
  parts.push(clean(msg.kind === 'request' ? `${msg.method} ${msg.requestUriText ?? ''}${cseq}` : `${msg.status} ${msg.reason ?? ''}${cseq}`));
  const frames = row.cells.flatMap((c, l) => {
    const side = flow.lanes[l]!.side;
    return c ? [`frame ${c.message.origin.frames[0] ?? '?'}${side === 'unknown' ? '' : ` ${side}`}`] : [];
  });
  if (first.retransmission) {
    frames.unshift('retransmission');
  }
  parts.push(frames.join(', '));
  const previous = flow.rows[index - 1];
  if (previous) parts.push(`${formatDuration(row.seconds - previous.seconds)} after the previous`);
  if (row.pair) {
    parts.push(`transit ${formatDuration(row.pair.transitSeconds)}`);
    const changed = row.pair.diffs.filter((d) => d.area !== 'transport').map((d) => d.field);
    parts.push(changed.length ? `changed: ${changed.map(clean).join(', ')}` : 'payload unchanged');
  } else if (row.dropped) {
    parts.push(`never seen at the ${row.dropped.direction === 'outbound' ? 'outside' : 'inside'}`);
  }
  if (row.findings.length) parts.push(`findings: ${[...new Set(row.findings.map((f) => f.rule))].join(', ')}`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Media under the ladder

const other = (party: Party): Party => (party === 'caller' ? 'callee' : 'caller');

function streamLine(side: Side, session: MediaSession, stream: MediaStream): Line {
  const rtpPackets = stream.rtp.reduce((n, s) => n + s.packets, 0);
  const expected = stream.rtp.reduce((n, s) => n + s.expected, 0);
  const lost = Math.max(0, stream.rtp.reduce((n, s) => n + s.lost, 0));
  const jitter = Math.max(...stream.rtp.map((s) => s.maxJitterMs ?? 0), 0);
  const loss = expected > 0 ? (100 * lost) / expected : 0;
  const line: Line = [
    seg(`${shortSide(side).padEnd(4)}`, 'dim'),
    seg(`${clean(session.mediaType)} `),
    seg(`${endpointText(stream.src)} → ${endpointText(stream.dst)}`),
    seg(`  ${rtpPackets} pkts`),
    seg(`  loss ${loss.toFixed(1)}%`, lost > 0 ? 'warn' : 'plain'),
  ];
  const mismatch = [stream.match?.srcMismatch, stream.match?.dstMismatch].some((m) => m === 'address' || m === 'port');
  if (mismatch) line.push(seg('  ≠SDP', 'warn'));
  if (jitter > 0) line.push(seg(`  jitter ${jitter.toFixed(1)} ms`, 'dim'));
  if (stream.match) line.push(seg(`  ${stream.match.sender}→${other(stream.match.sender)}`, 'dim'));
  return line;
}

/** RTP of the call at each drawn capture point: one line per stream, and what is missing. */
export function mediaLines(flow: CallFlow): Line[] {
  const lines: Line[] = [];
  for (const lane of flow.lanes) {
    for (const session of lane.dialog.media) {
      const senders = new Set(session.streams.filter((s) => s.rtp.length > 0).map((s) => s.match?.sender));
      for (const stream of session.streams) lines.push(streamLine(lane.side, session, stream));
      const expectsBoth =
        session.caller && session.callee && !session.caller.disabled && !session.callee.disabled && session.caller.direction === 'sendrecv' && session.callee.direction === 'sendrecv';
      if (senders.size === 0 && expectsBoth) {
        lines.push([seg(`${shortSide(lane.side).padEnd(4)}`, 'dim'), seg(`${session.mediaType}: no RTP seen although both sides offered media`, 'warn')]);
      } else if (senders.size === 1 && expectsBoth) {
        const only = [...senders][0];
        const direction = only ? `${only}→${other(only)}` : 'one direction';
        lines.push([seg(`${shortSide(lane.side).padEnd(4)}`, 'dim'), seg(`${session.mediaType}: ONE-WAY, only ${direction} seen`, 'alg')]);
      }
    }
  }
  return lines;
}
