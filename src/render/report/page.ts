/**
 * The page shell every HTML report shares: self-contained (inline CSS, no script, no fonts or images
 * from anywhere), with a Content-Security-Policy that forbids scripts and network access, so even a
 * rendering mistake could not run code from a capture.
 */
import type { Verdict } from '../../detect/types.js';
import { VERDICT_LABEL } from '../evidence-format.js';
import { Markup, html } from './html-kit.js';

const CSS = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#d1d5db; --bg:#ffffff; --soft:#f3f4f6;
  --red:#b91c1c; --red-bg:#fee2e2; --amber:#92400e; --amber-bg:#fef3c7; --green:#166534; --green-bg:#dcfce7;
  --blue:#1e40af; --blue-bg:#dbeafe; --grey-bg:#e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; word-break: break-all; }
a { color: var(--blue); }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: var(--soft); padding: 0 3px; border-radius: 3px; word-break: break-all; }
.muted { color: var(--muted); }
.crumbs { margin-bottom: 12px; font-size: 13px; }
nav.toc { margin: 12px 0 0; font-size: 13px; }
nav.toc a { margin-right: 14px; }
.verdict { display: inline-block; padding: 3px 10px; border-radius: 4px; font-weight: 700; letter-spacing: .02em; white-space: nowrap; }
.v-alg-detected { background: var(--red-bg); color: var(--red); }
.v-alg-suspected { background: var(--amber-bg); color: var(--amber); }
.v-nat-without-alg, .v-no-nat { background: var(--green-bg); color: var(--green); }
.v-inconclusive { background: var(--grey-bg); color: var(--fg); }
.v-failed { background: var(--red); color: #fff; }
.banner { margin: 16px 0; padding: 14px 18px; border-radius: 6px; border-left: 6px solid var(--line); background: var(--soft); }
.banner.v-alg-detected { border-color: var(--red); background: var(--red-bg); }
.banner.v-alg-suspected { border-color: var(--amber); background: var(--amber-bg); }
.banner.v-nat-without-alg, .banner.v-no-nat { border-color: var(--green); background: var(--green-bg); }
.banner .verdict { font-size: 18px; padding: 0; }
.banner p { margin: 6px 0 0; color: var(--fg); }
.banner ul { margin: 6px 0 0; padding-left: 20px; color: var(--fg); }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td { word-break: break-word; }
td.nowrap, td.nowrap code { white-space: nowrap; word-break: normal; }
mark.removed { text-decoration: line-through; }
.finding { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
.finding.critical { border-left-color: var(--red); }
.finding.warning { border-left-color: #d97706; }
.finding.info { border-left-color: var(--blue); }
.finding h4 { margin: 0 0 4px; font-size: 14px; }
.finding p { margin: 4px 0; }
.sev { display: inline-block; font-size: 11px; font-weight: 700; padding: 1px 6px; border-radius: 3px; margin-right: 6px; }
.sev.critical { background: var(--red-bg); color: var(--red); }
.sev.warning { background: var(--amber-bg); color: var(--amber); }
.sev.info { background: var(--blue-bg); color: var(--blue); }
.advice { background: var(--soft); padding: 6px 10px; border-radius: 4px; }
.scroll { overflow-x: auto; max-width: 100%; margin: 8px 0; }
.scroll.drawing { border: 1px solid var(--line); border-radius: 6px; }
table.wide { width: 100%; }
svg.ladder { display: block; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
svg.ladder .lane.inside { fill: #f0f7ff; }
svg.ladder .lane.outside { fill: #fff7ed; }
svg.ladder .lane.unknown { fill: #f9fafb; }
svg.ladder .router { fill: #e5e7eb; }
svg.ladder .lane-title { font: 700 12px system-ui, "DejaVu Sans", sans-serif; fill: var(--muted); letter-spacing: .05em; }
svg.ladder .router-sub { font-size: 11px; fill: var(--muted); }
svg.ladder .host rect { fill: #fff; stroke: #9ca3af; }
svg.ladder .host text { font-weight: 600; fill: var(--fg); }
svg.ladder .lifeline { stroke: #9ca3af; stroke-dasharray: 3 3; }
svg.ladder .time { fill: var(--muted); font-size: 11px; }
svg.ladder .msg line, svg.ladder .msg path { stroke: #374151; stroke-width: 1.4; }
svg.ladder .msg polygon { fill: #374151; }
svg.ladder .msg text { fill: var(--fg); }
svg.ladder .msg.rewritten line, svg.ladder .msg.rewritten path { stroke: var(--red); }
svg.ladder .msg.rewritten polygon { fill: var(--red); }
svg.ladder .msg.rewritten text { fill: var(--red); font-weight: 600; }
svg.ladder .msg.retrans line, svg.ladder .msg.dropped line { stroke-dasharray: 5 3; }
svg.ladder .msg.retrans text { fill: var(--muted); }
svg.ladder .row-mark { fill: #fef2f2; }
svg.ladder .note { font-size: 11px; fill: var(--muted); }
svg.ladder .note.rewritten, svg.ladder .note.dropped { fill: var(--red); font-weight: 700; }
.diff { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.diff > div { min-width: 0; }
.diff pre { margin: 4px 0; padding: 8px; background: var(--soft); border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.diff .side-title { font-weight: 600; font-size: 13px; }
mark { background: #fecaca; color: #7f1d1d; border-radius: 2px; padding: 0 1px; }
mark.added { background: #bbf7d0; color: #14532d; }
.more { color: var(--muted); font-style: italic; }
.kv th { width: 220px; }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
`;

/** This module's own constant, so it is inserted as markup. */
const STYLESHEET = new Markup(CSS);

export function verdictBadge(verdict: Verdict): Markup {
  return html`<span class="verdict v-${verdict}">${VERDICT_LABEL[verdict]}</span>`;
}

export function htmlPage(title: string, body: Markup): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLESHEET}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}
