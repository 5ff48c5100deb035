/**
 * A call flow as an SVG ladder diagram: one lane per side of the router (inside, outside, unknown),
 * one column per host seen on that side, one row per message. A message matched across the router
 * is one row with an arrow in each lane; rows whose payload the router rewrote are marked in the
 * router band and link to their side-by-side diff. Built with `html` so every label is escaped.
 */
import type { Side } from '../../correlate/types.js';
import { formatTimestamp } from '../../util/time.js';
import { endpointText, type CallFlow, type FlowArrow, type FlowRow } from './case-model.js';
import { html, type Markup } from './html-kit.js';

const TIME_W = 84;
const HOST_W = 190;
const LANE_PAD = 16;
const ROUTER_W = 150;
const LANE_GAP = 28;
const HEADER_H = 66;
const ROW_H = 30;
const LABEL_CHARS = 26;

const LANE_TITLE: Record<Side, string> = { inside: 'INSIDE (LAN side)', outside: 'OUTSIDE (WAN side)', unknown: 'SIDE UNKNOWN' };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface LaneLayout {
  side: Side;
  x: number;
  width: number;
  hostX: Map<string, number>;
}

function layout(flow: CallFlow): { lanes: LaneLayout[]; routerX?: number; width: number } {
  const lanes: LaneLayout[] = [];
  let x = TIME_W;
  let routerX: number | undefined;
  for (const [i, lane] of flow.lanes.entries()) {
    if (i > 0) {
      const afterInside = flow.lanes[i - 1]!.side === 'inside' && lane.side === 'outside';
      if (afterInside) routerX = x;
      x += afterInside ? ROUTER_W : LANE_GAP;
    }
    const width = 2 * LANE_PAD + HOST_W * lane.hosts.length;
    const hostX = new Map(lane.hosts.map((h, j) => [h, x + LANE_PAD + HOST_W * (j + 0.5)] as const));
    lanes.push({ side: lane.side, x, width, hostX });
    x += width;
  }
  return { lanes, routerX, width: x + 8 };
}

function arrowMarkup(arrow: FlowArrow, lane: LaneLayout, y: number, row: FlowRow): Markup {
  const x1 = lane.hostX.get(arrow.src.ip)!;
  const x2 = lane.hostX.get(arrow.dst.ip)!;
  const rewritten = row.rewrittenFields.length > 0;
  const cls = ['msg', rewritten ? 'rewritten' : '', arrow.retransmission ? 'retrans' : '', row.missingAt ? 'dropped' : ''].filter(Boolean).join(' ');
  const label = clip(arrow.retransmission ? `${arrow.label} (again)` : arrow.label, LABEL_CHARS);
  const tooltip = [
    arrow.description,
    `${endpointText(arrow.src)} -> ${endpointText(arrow.dst)} ${arrow.transport.toUpperCase()}`,
    `frame ${arrow.frame} of ${arrow.source} (${arrow.side}), ${formatTimestamp(arrow.ts)}`,
    arrow.retransmission ? 'retransmission' : '',
  ].filter(Boolean).join('\n');
  if (x1 === x2) {
    // Sender and receiver on the same host: a small loop.
    return html`<g class="${cls}"><title>${tooltip}</title><path d="M${x1} ${y - 6} h 28 v 12 h -28" fill="none"/><polygon points="${x1},${y + 6} ${x1 + 7},${y + 2} ${x1 + 7},${y + 10}"/><text x="${x1 + 34}" y="${y + 4}">${label}</text></g>`;
  }
  const dir = x2 > x1 ? 1 : -1;
  const tip = x2 - dir * 2;
  return html`<g class="${cls}"><title>${tooltip}</title><line x1="${x1}" y1="${y}" x2="${tip - dir * 8}" y2="${y}"/><polygon points="${tip},${y} ${tip - dir * 9},${y - 4} ${tip - dir * 9},${y + 4}"/><text x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle">${label}</text></g>`;
}

function routerNote(row: FlowRow, routerX: number, y: number): Markup | undefined {
  const cx = routerX + ROUTER_W / 2;
  if (row.rewrittenFields.length > 0) {
    const text = `✎ ${row.rewrittenFields.length} field${row.rewrittenFields.length === 1 ? '' : 's'} rewritten`;
    const note = html`<text class="note rewritten" x="${cx}" y="${y + 4}" text-anchor="middle"><title>${`Rewritten by the router: ${row.rewrittenFields.join(', ')}`}</title>${text}</text>`;
    return row.diffMessageId !== undefined ? html`<a href="#diff-${row.diffMessageId}">${note}</a>` : note;
  }
  if (row.missingAt) return html`<text class="note dropped" x="${cx}" y="${y + 4}" text-anchor="middle">✕ not seen ${row.missingAt}</text>`;
  if (row.proxied) return html`<text class="note" x="${cx}" y="${y + 4}" text-anchor="middle">via a proxy</text>`;
  return undefined;
}

export function ladderSvg(flow: CallFlow): Markup {
  const { lanes, routerX, width } = layout(flow);
  const height = HEADER_H + ROW_H * (flow.rows.length + 1);
  const laneOf = new Map(lanes.map((l) => [l.side, l] as const));
  const lifelines: Markup[] = [];
  const headers: Markup[] = [];
  for (const lane of lanes) {
    headers.push(html`<rect class="lane ${lane.side}" x="${lane.x}" y="0" width="${lane.width}" height="${height}"/>`);
    headers.push(html`<text class="lane-title" x="${lane.x + lane.width / 2}" y="16" text-anchor="middle">${LANE_TITLE[lane.side]}</text>`);
    for (const [host, x] of lane.hostX) {
      headers.push(html`<g class="host"><title>${host}</title><rect x="${x - HOST_W / 2 + 8}" y="26" width="${HOST_W - 16}" height="26" rx="4"/><text x="${x}" y="43" text-anchor="middle">${clip(host, LABEL_CHARS)}</text></g>`);
      lifelines.push(html`<line class="lifeline" x1="${x}" y1="52" x2="${x}" y2="${height - 6}"/>`);
    }
  }
  const router =
    routerX !== undefined
      ? html`<rect class="router" x="${routerX + 10}" y="0" width="${ROUTER_W - 20}" height="${height}"/><text class="lane-title" x="${routerX + ROUTER_W / 2}" y="16" text-anchor="middle">ROUTER</text><text class="router-sub" x="${routerX + ROUTER_W / 2}" y="43" text-anchor="middle">NAT / SIP ALG?</text>`
      : undefined;
  const rows = flow.rows.map((row, i) => {
    const y = HEADER_H + ROW_H * (i + 0.5) + 8;
    const first = row.arrows[0]!;
    const band = row.rewrittenFields.length > 0 ? html`<rect class="row-mark" x="0" y="${y - ROW_H / 2 - 2}" width="${width - 8}" height="${ROW_H}"/>` : undefined;
    return html`${band}<text class="time" x="${TIME_W - 8}" y="${y + 4}" text-anchor="end"><title>${formatTimestamp(first.ts)}</title>+${row.offsetSeconds.toFixed(3)} s</text>${row.arrows.map((a) => arrowMarkup(a, laneOf.get(a.side)!, y, row))}${routerX !== undefined ? routerNote(row, routerX, y) : undefined}`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${`Call flow of ${flow.callIds.join(' / ')}`}">${headers}${router}${lifelines}${rows}</svg>`;
}
