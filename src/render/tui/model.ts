/**
 * What the TUI screens draw, derived once per AnalysisResult snapshot: one row per call (a
 * DialogGroup: the same call at every capture point), the findings that concern each row and each
 * message, and lookups from a message to its counterpart at the other side of the NAT.
 */
import path from 'node:path';
import type { AnalysisResult } from '../../analysis/types.js';
import type { Timestamp } from '../../capture/types.js';
import type { CapturePointInfo, DroppedMessage, MessagePair, Side } from '../../correlate/types.js';
import type { Finding, Implication } from '../../detect/types.js';
import type { Dialog, DialogState } from '../../dialog/types.js';
import type { DialogGroup } from '../../analysis/dialog-groups.js';
import type { SipMessage } from '../../sip/types.js';
import { formatTimestamp, toSeconds } from '../../util/time.js';
import { clean, type Style } from './text.js';

export interface Badge {
  label: string;
  style: Style;
}

export interface DialogRow {
  /** Stable identity while the list fills: the id of the group's first dialog. */
  id: string;
  group: DialogGroup;
  start: Timestamp;
  method: string;
  callId: string;
  /** From / To URIs as the first (inside) point saw them, without the scheme; sanitized. */
  from: string;
  to: string;
  state: DialogState;
  /** State as shown: "failed 486", "confirmed". */
  stateText: string;
  /** SIP messages (retransmissions not counted) at each capture point, in the group's order. */
  messages: number[];
  /** "in+out", "in", "out", or the number of capture points when their side is unknown. */
  seenAt: string;
  findings: Finding[];
  badge?: Badge;
  /** Lower-case text the search matches against. */
  haystack: string;
}

export interface TuiModel {
  result: AnalysisResult;
  rows: DialogRow[];
  /** The matched copy at the other side, by SipMessage.id of either copy. */
  pairOf: Map<number, MessagePair>;
  /** Messages seen at one side and never at the other, by SipMessage.id. */
  droppedOf: Map<number, DroppedMessage>;
  /** Findings whose evidence cites a message, by SipMessage.id. */
  findingsOf: Map<number, Finding[]>;
  points: Map<string, CapturePointInfo>;
  /** Methods and states present, for the filters. */
  methods: string[];
  states: DialogState[];
}

const IMPLICATION_RANK: Record<Implication, number> = { alg: 0, 'alg-suspected': 1, symptom: 2, nat: 3, 'no-nat': 4 };
const BADGES: Record<Implication, Badge> = {
  alg: { label: 'ALG', style: 'alg' },
  'alg-suspected': { label: 'ALG?', style: 'suspect' },
  symptom: { label: 'WARN', style: 'warn' },
  nat: { label: 'NAT', style: 'ok' },
  'no-nat': { label: 'OK', style: 'ok' },
};

/** The finding that says most about the ALG comes first. */
export function byImplication(a: Finding, b: Finding): number {
  return IMPLICATION_RANK[a.implies] - IMPLICATION_RANK[b.implies];
}

export function badgeFor(findings: Finding[]): Badge | undefined {
  if (findings.length === 0) return undefined;
  const strongest = [...findings].sort(byImplication)[0]!;
  return BADGES[strongest.implies];
}

export function sideOf(model: TuiModel, pointKey: string): Side {
  return model.points.get(pointKey)?.side ?? 'unknown';
}

export function shortSide(side: Side): string {
  return side === 'inside' ? 'in' : side === 'outside' ? 'out' : '?';
}

/** "inside lan.pcap", "outside router.pcapng [wan0]". */
export function pointTitle(model: TuiModel, pointKey: string): string {
  const info = model.points.get(pointKey);
  const file = clean(path.basename(info?.ref.source ?? pointKey));
  const iface = info?.interfaceName ? ` [${clean(info.interfaceName)}]` : info?.ref.linuxIfIndex !== undefined ? ` [if${info.ref.linuxIfIndex}]` : '';
  return `${info?.side ?? 'unknown'} ${file}${iface}`;
}

function withoutScheme(uri: string | undefined): string {
  return clean((uri ?? '').replace(/^sips?:/i, ''));
}

export function clockTime(ts: Timestamp): string {
  return formatTimestamp(ts).slice(11, 23);
}

function stateText(dialog: Dialog): string {
  return dialog.finalStatus !== undefined && dialog.state === 'failed' ? `failed ${dialog.finalStatus}` : dialog.state;
}

function seenAtText(dialogs: Dialog[], model: Pick<TuiModel, 'points'>): string {
  const sides = new Set(dialogs.map((d) => model.points.get(d.point.key)?.side ?? 'unknown'));
  if (sides.has('unknown')) return dialogs.length > 1 ? `${dialogs.length} pts` : '1 pt';
  return [...sides].sort().map(shortSide).join('+');
}

/** Short label of a message as a ladder arrow shows it: "INVITE (SDP)", "200 OK". */
export function messageLabel(msg: SipMessage): string {
  const sdp = msg.sdp ? ' (SDP)' : '';
  if (msg.kind === 'request') return clean(`${msg.method ?? '?'}${sdp}`);
  return clean(`${msg.status ?? '?'} ${msg.reason ?? ''}`.trimEnd() + sdp);
}

export function messageStyle(msg: SipMessage): Style {
  if (msg.kind === 'request') return 'request';
  const status = msg.status ?? 0;
  if (status < 200) return 'response-provisional';
  return status < 300 ? 'response-ok' : 'response-error';
}

export function buildModel(result: AnalysisResult): TuiModel {
  const points = new Map(result.points.map((p) => [p.ref.key, p]));
  const pairOf = new Map<number, MessagePair>();
  for (const pair of result.correlation.pairs) {
    pairOf.set(pair.inside.id, pair);
    pairOf.set(pair.outside.id, pair);
  }
  const droppedOf = new Map(result.correlation.dropped.map((d) => [d.message.id, d]));
  const findingsOf = new Map<number, Finding[]>();
  for (const finding of result.findings) {
    const cited = new Set(finding.evidence.flatMap((e) => e.at.map((a) => a.messageId)).filter((id): id is number => id !== undefined));
    for (const id of cited) {
      let list = findingsOf.get(id);
      if (!list) findingsOf.set(id, (list = []));
      list.push(finding);
    }
  }

  const findingsByCallId = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    if (finding.dialog === undefined) continue;
    let list = findingsByCallId.get(finding.dialog);
    if (!list) findingsByCallId.set(finding.dialog, (list = []));
    list.push(finding);
  }

  const methods = new Set<string>();
  const states = new Set<DialogState>();
  const rows: DialogRow[] = result.dialogGroups.map((group) => {
    const first = group.dialogs[0]!;
    const findings = new Set<Finding>();
    for (const dialog of group.dialogs) {
      for (const f of findingsByCallId.get(dialog.callId) ?? []) findings.add(f);
      for (const entry of dialog.entries) {
        if (entry.kind !== 'message') continue;
        for (const f of findingsOf.get(entry.observed.message.id) ?? []) findings.add(f);
      }
    }
    const rowFindings = [...findings].sort(byImplication);
    methods.add(first.method);
    states.add(first.state);
    const from = withoutScheme(first.fromUri);
    const to = withoutScheme(first.toUri);
    const haystack = [
      first.method,
      stateText(first),
      from,
      to,
      ...group.dialogs.flatMap((d) => [d.callId, `${d.callerEndpoint.ip}:${d.callerEndpoint.port}`, d.point.key]),
      ...rowFindings.map((f) => f.rule),
    ]
      .join('\n')
      .toLowerCase();
    return {
      id: first.id,
      group,
      start: first.start,
      method: clean(first.method),
      callId: first.callId,
      from,
      to,
      state: first.state,
      stateText: stateText(first),
      messages: group.dialogs.map((d) => d.messageCount),
      seenAt: seenAtText(group.dialogs, { points }),
      findings: rowFindings,
      badge: badgeFor(rowFindings),
      haystack,
    };
  });
  return {
    result,
    rows,
    pairOf,
    droppedOf,
    findingsOf,
    points,
    methods: [...methods].sort(),
    states: [...states].sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// The dialog list: sort and filter

export type SortKey = 'time' | 'method' | 'from' | 'to' | 'state' | 'messages' | 'findings';
export const SORT_KEYS: SortKey[] = ['time', 'method', 'from', 'to', 'state', 'messages', 'findings'];

export interface ListFilter {
  search: string;
  method?: string;
  state?: DialogState;
  onlyFindings: boolean;
  sort: SortKey;
  descending: boolean;
}

export const NO_FILTER: ListFilter = { search: '', onlyFindings: false, sort: 'time', descending: false };

function compareRows(key: SortKey): (a: DialogRow, b: DialogRow) => number {
  switch (key) {
    case 'time':
      return (a, b) => toSeconds(a.start) - toSeconds(b.start);
    case 'method':
      return (a, b) => a.method.localeCompare(b.method);
    case 'from':
      return (a, b) => a.from.localeCompare(b.from);
    case 'to':
      return (a, b) => a.to.localeCompare(b.to);
    case 'state':
      return (a, b) => a.stateText.localeCompare(b.stateText);
    case 'messages':
      return (a, b) => Math.max(...a.messages) - Math.max(...b.messages);
    case 'findings':
      return (a, b) => {
        const rank = (r: DialogRow) => (r.findings[0] ? IMPLICATION_RANK[r.findings[0].implies] : 99);
        return rank(a) - rank(b) || b.findings.length - a.findings.length;
      };
  }
}

/** The rows the list shows, filtered and sorted (stable: ties keep capture order). */
export function visibleRows(rows: DialogRow[], filter: ListFilter): DialogRow[] {
  const needle = filter.search.trim().toLowerCase();
  const shown = rows.filter(
    (row) =>
      (!filter.onlyFindings || row.findings.length > 0) &&
      (filter.method === undefined || row.method === filter.method) &&
      (filter.state === undefined || row.state === filter.state) &&
      (needle === '' || row.haystack.includes(needle)),
  );
  const compare = compareRows(filter.sort);
  const direction = filter.descending ? -1 : 1;
  return shown
    .map((row, index) => ({ row, index }))
    .sort((a, b) => direction * compare(a.row, b.row) || a.index - b.index)
    .map((x) => x.row);
}

/** The next value of a cycling filter: undefined (all), then each value in turn. */
export function cycle<T>(values: T[], current: T | undefined): T | undefined {
  if (values.length === 0) return undefined;
  if (current === undefined) return values[0];
  const next = values.indexOf(current) + 1;
  return next >= values.length || next === 0 ? undefined : values[next];
}
