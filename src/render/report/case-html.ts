/**
 * The HTML case report: verdict, findings with evidence and advice, the call flows as SVG ladders,
 * the rewritten fields highlighted in side-by-side message diffs, the RTP streams, and the capture
 * details (files, interfaces, sides and how they were decided, counts, what was skipped and why).
 * One self-contained file; every captured string goes through `html` (html-kit.ts).
 */
import path from 'node:path';
import type { AnalysisResult } from '../../analysis/types.js';
import type { FieldDiff } from '../../correlate/types.js';
import { describeMessage } from '../../detect/evidence.js';
import { ROUTER_ALG_SETTINGS } from '../../detect/router-advice.js';
import type { Evidence, Finding } from '../../detect/types.js';
import type { SipMessage } from '../../sip/types.js';
import { formatDuration, formatTimestamp } from '../../util/time.js';
import { evidenceValueLines, locationText, wiresharkFilters } from '../evidence-format.js';
import { captureCounts, caseView, endpointText, findingsByDialog, type CallFlow, type CaseView, type MessageDiff, type RtpStreamRow } from './case-model.js';
import { html, type Markup } from './html-kit.js';
import { ladderSvg } from './ladder-svg.js';
import { htmlPage, verdictBadge } from './page.js';
import type { CaseMeta } from './types.js';

const NEWLINE = html`\n`;

/** Bytes of one SIP message shown in a diff; the rest is counted. */
const MAX_RAW_BYTES = 16 * 1024;

function countsTable(counts: Record<string, number>, what: string): Markup {
  const entries = Object.entries(counts).filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return html`<p class="muted">${what}: none.</p>`;
  return html`<table><thead><tr><th>${what}: reason</th><th class="num">count</th></tr></thead><tbody>${entries.map(([reason, n]) => html`<tr><td><code>${reason}</code></td><td class="num">${n}</td></tr>`)}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// Verdict and findings

function verdictSection(result: AnalysisResult): Markup {
  const { verdict } = result;
  return html`<section class="banner v-${verdict.verdict}" id="verdict">
<div>${verdictBadge(verdict.verdict)} <span class="muted mono">${verdict.verdict}</span></div>
<p>${verdict.reason}</p>
${verdict.nextSteps.length ? html`<ul>${verdict.nextSteps.map((s) => html`<li>Next: ${s}</li>`)}</ul>` : undefined}
</section>`;
}

function evidenceRow(evidence: Evidence, view: CaseView): Markup {
  const values = evidenceValueLines(evidence);
  const diffId = evidence.at.map((at) => (at.messageId !== undefined ? view.diffAnchorOf.get(at.messageId) : undefined)).find((id) => id !== undefined);
  return html`<tr>
<td>${evidence.message ?? 'evidence'}${diffId !== undefined ? html`<br><a href="#diff-${diffId}">side-by-side diff</a>` : undefined}</td>
<td class="mono">${values.map((line, i) => html`${i > 0 ? html`<br>` : undefined}${line}`)}</td>
<td>${evidence.at.map(
    (at, i) =>
      html`${i > 0 ? html`<br>` : undefined}${locationText(at)}, ${formatTimestamp(at.ts)}${at.span ? `, bytes ${at.span.offset}-${at.span.offset + at.span.length - 1} of the message` : ''}`,
  )}</td>
</tr>`;
}

function findingCard(finding: Finding, number: number, view: CaseView): Markup {
  return html`<div class="finding ${finding.severity}" id="finding-${number}">
<h4><span class="sev ${finding.severity}">${finding.severity.toUpperCase()}</span><code>${finding.rule}</code> ${finding.title}</h4>
<p>${finding.summary}</p>
<p class="muted">${finding.confidence} confidence; implies <code>${finding.implies}</code></p>
${finding.evidence.length ? html`<table><thead><tr><th>message</th><th>values</th><th>where</th></tr></thead><tbody>${finding.evidence.map((e) => evidenceRow(e, view))}</tbody></table>` : undefined}
${finding.moreEvidence > 0 ? html`<p class="more">and ${finding.moreEvidence} more like these</p>` : undefined}
${wiresharkFilters(finding).map(({ source, filter }) => html`<p>Wireshark (${source}): <code>${filter}</code></p>`)}
</div>`;
}

function omittedFindingsNote(view: CaseView): Markup | undefined {
  return view.omittedFindings > 0 ? html`<p class="more">${view.omittedFindings} more findings are not listed here; the JSON report has them all.</p>` : undefined;
}

/** One line per finding, most severe first, each linking to its card below. */
function glanceSection(result: AnalysisResult, view: CaseView): Markup {
  return html`<section id="summary">
<h2>Findings at a glance (${result.findings.length})</h2>
${view.findings.length === 0 ? html`<p class="muted">No findings.</p>` : html`<table class="wide"><thead><tr><th>severity</th><th>rule</th><th>dialog</th><th>what was found</th></tr></thead><tbody>${view.findings.map((f, i) => html`<tr><td class="nowrap"><span class="sev ${f.severity}">${f.severity.toUpperCase()}</span></td><td class="nowrap"><a href="#finding-${i + 1}"><code>${f.rule}</code></a></td><td class="mono nowrap">${f.dialog ?? '(capture-wide)'}</td><td>${f.summary}</td></tr>`)}</tbody></table>`}
${omittedFindingsNote(view)}
</section>`;
}

function findingsSection(result: AnalysisResult, view: CaseView): Markup {
  const numberOf = new Map(view.findings.map((f, i) => [f, i + 1] as const));
  const rules = new Map<string, Finding>();
  for (const f of result.findings) if (!rules.has(f.rule)) rules.set(f.rule, f);
  const algVerdict = result.verdict.verdict === 'alg-detected' || result.verdict.verdict === 'alg-suspected';
  return html`<section id="findings">
<h2>Findings with evidence (${result.findings.length})</h2>
${view.findings.length === 0 ? html`<p class="muted">No findings.</p>` : undefined}
${findingsByDialog(view.findings).map((g) => html`<h3>${g.dialog !== undefined ? `Dialog ${g.dialog}` : 'Not tied to one dialog'}</h3>${g.findings.map((f) => findingCard(f, numberOf.get(f)!, view))}`)}
${omittedFindingsNote(view)}
${rules.size ? html`<h3 id="advice">What the findings mean and what to do</h3>${[...rules.values()].map((f) => html`<p><code>${f.rule}</code>: ${f.explanation}</p><p class="advice">Do: ${f.advice}</p>`)}` : undefined}
${algVerdict ? html`<h3>Where the SIP ALG setting lives</h3><table><thead><tr><th>router</th><th>setting</th></tr></thead><tbody>${ROUTER_ALG_SETTINGS.map((r) => html`<tr><td>${r.vendor}</td><td>${r.where}</td></tr>`)}</tbody></table>` : undefined}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Call flows

function flowSection(view: CaseView): Markup {
  const flow = (f: CallFlow, i: number) => html`<h3 id="flow-${i + 1}">${f.method} ${f.callIds.join(' / ')}</h3>
<p class="muted">${f.from ?? '?'} → ${f.to ?? '?'}; ${f.rows.length} messages${f.findings ? `; ${f.findings} finding${f.findings === 1 ? '' : 's'}` : ''}. Hover an arrow for the frame and time.</p>
<div class="scroll drawing">${ladderSvg(f)}</div>
${f.omittedRows > 0 ? html`<p class="more">${f.omittedRows} later messages of this call are not drawn.</p>` : undefined}`;
  return html`<section id="call-flow">
<h2>Call flow</h2>
${view.flows.length === 0 ? html`<p class="muted">No SIP dialogs were found.</p>` : html`<p>Inside and outside columns are the two sides of the router; a message seen on both is one row. Rows marked in red were rewritten in transit (click the note in the router column for the diff); dashed arrows are retransmissions or messages that never reached the other side. Outside times have the clock offset between the captures removed.</p>`}
${view.flows.map(flow)}
${view.omittedFlows > 0 ? html`<p class="more">${view.omittedFlows} more calls or registrations are not drawn (calls with findings come first).</p>` : undefined}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Side-by-side diffs

type MarkKind = 'changed' | 'added' | 'removed';

/** The message text with the given byte spans marked; lines split at CRLF/LF, control characters made visible. */
function highlightedRaw(msg: SipMessage, marks: { offset: number; length: number; kind: MarkKind; field: string }[]): Markup {
  const shown = msg.raw.subarray(0, MAX_RAW_BYTES);
  const text = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('latin1');
  const markAt: ({ kind: MarkKind; field: string } | undefined)[] = new Array(text.length);
  for (const m of marks) for (let i = m.offset; i < Math.min(m.offset + m.length, text.length); i++) markAt[i] ??= m;
  const lines: Markup[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    const next = lineEnd === -1 ? text.length + 1 : lineEnd + 1;
    if (lineEnd === -1) lineEnd = text.length;
    const contentEnd = lineEnd > lineStart && text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
    const runs: Markup[] = [];
    let i = lineStart;
    while (i < contentEnd) {
      const mark = markAt[i];
      let j = i + 1;
      while (j < contentEnd && markAt[j] === mark) j++;
      const piece = text.slice(i, j);
      runs.push(mark ? html`<mark class="${mark.kind}" title="${mark.field}">${piece}</mark>` : html`${piece}`);
      i = j;
    }
    lines.push(html`${runs}`);
    lineStart = next;
  }
  const more = msg.raw.length - shown.length;
  return html`<pre>${lines.map((line, i) => html`${i > 0 ? NEWLINE : undefined}${line}`)}${more > 0 ? html`<span class="more">\n… ${more} more bytes</span>` : undefined}</pre>`;
}

function marksFor(diffs: FieldDiff[], which: 'inside' | 'outside') {
  return diffs.flatMap((d) => {
    const value = d[which];
    return value?.span ? [{ ...value.span, kind: d.change as MarkKind, field: d.field }] : [];
  });
}

function diffBlock(diff: MessageDiff): Markup {
  const location = (msg: SipMessage, side: string) =>
    `frame ${msg.origin.frames.join(',')} of ${msg.origin.point.source} (${side}), ${formatTimestamp(msg.origin.ts)}, ${endpointText(msg.origin.src)} -> ${endpointText(msg.origin.dst)}`;
  return html`<div class="diff-case" id="diff-${diff.inside.id}">
<h3>${describeMessage(diff.inside)}</h3>
${diff.proxied ? html`<p class="muted">The outside copy went through a SIP proxy (an extra Via): payload differences here are not by themselves ALG evidence.</p>` : undefined}
<table><thead><tr><th>field</th><th>change</th><th>inside</th><th>outside</th></tr></thead><tbody>
${diff.diffs.map((d) => html`<tr><td><code>${d.field}</code></td><td>${d.change}</td><td class="mono">${d.inside?.text ?? '(absent)'}</td><td class="mono">${d.outside?.text ?? '(absent)'}</td></tr>`)}
${diff.transportDiffs.map((d) => html`<tr class="muted"><td><code>${d.field}</code> (packet)</td><td>${d.change}</td><td class="mono">${d.inside?.text ?? '(absent)'}</td><td class="mono">${d.outside?.text ?? '(absent)'}</td></tr>`)}
</tbody></table>
<div class="diff">
<div><div class="side-title">Inside: ${location(diff.inside, diff.insideSide)}</div>${highlightedRaw(diff.inside, marksFor(diff.diffs, 'inside'))}</div>
<div><div class="side-title">Outside: ${location(diff.outside, diff.outsideSide)}</div>${highlightedRaw(diff.outside, marksFor(diff.diffs, 'outside'))}</div>
</div>
${diff.repeats > 0 ? html`<p class="more">${diff.repeats} more matched cop${diff.repeats === 1 ? 'y' : 'ies'} of this message (retransmissions) had exactly the same changes.</p>` : undefined}
</div>`;
}

function diffSection(result: AnalysisResult, view: CaseView): Markup {
  const pairs = result.correlation.pairs.length;
  return html`<section id="rewritten">
<h2>Rewritten fields</h2>
${pairs === 0 ? html`<p class="muted">No message was seen on both sides of the router, so nothing can be compared. Capture on both sides at the same time to see what the router changes.</p>` : html`<p>${pairs} messages were matched across the router. ${view.diffs.length === 0 ? 'None had its SIP or SDP changed. ' : ''}${view.natOnlyPairs > 0 ? `${view.natOnlyPairs} differed only in their packet addresses (plain NAT).` : ''}</p>`}
${view.diffs.map(diffBlock)}
${view.omittedDiffs > 0 ? html`<p class="more">${view.omittedDiffs} more rewritten messages are not shown; the JSON report lists every finding.</p>` : undefined}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// RTP and capture details

function rtpSection(view: CaseView): Markup {
  const row = (r: RtpStreamRow) => html`<tr>
<td>${path.basename(r.source)} (${r.side})</td><td class="mono nowrap">${endpointText(r.src)} → ${endpointText(r.dst)}</td><td>${r.callId ?? '(none)'}</td><td>${r.media ?? ''}${r.sender ? ` from ${r.sender}` : ''}</td>
<td class="mono nowrap">${r.ssrcs.map((s) => `0x${s.toString(16).padStart(8, '0')}`).join(' ')}</td><td>${r.payloadTypes.join(', ')}</td>
<td class="num">${r.rtpPackets}</td><td class="num">${r.lost}</td><td class="num">${r.maxJitterMs !== undefined ? r.maxJitterMs.toFixed(2) : ''}</td><td class="num">${r.maxDeltaMs !== undefined ? r.maxDeltaMs.toFixed(1) : ''}</td>
<td class="num">${r.durationSeconds.toFixed(2)}</td><td class="num">${r.rtcpPackets}</td><td class="num">${r.firstFrame}</td><td>${r.sdpMatch}</td></tr>`;
  return html`<section id="rtp">
<h2>RTP streams (${view.rtp.length + view.omittedRtp})</h2>
${view.rtp.length === 0 ? html`<p class="muted">No RTP or RTCP was found.</p>` : html`<div class="scroll"><table><thead><tr><th>capture</th><th>source → destination</th><th>call</th><th>media</th><th>SSRC</th><th>PT</th><th class="num">RTP packets</th><th class="num">lost</th><th class="num">max jitter ms</th><th class="num">max gap ms</th><th class="num">seconds</th><th class="num">RTCP</th><th class="num">first frame</th><th>vs SDP</th></tr></thead><tbody>${view.rtp.map(row)}</tbody></table></div>`}
${view.omittedRtp > 0 ? html`<p class="more">${view.omittedRtp} more streams are not listed.</p>` : undefined}
</section>`;
}

function captureSection(result: AnalysisResult, meta: CaseMeta): Markup {
  const { stats } = result;
  const counts = captureCounts(result);
  const problems = result.files.flatMap((f) => f.problems.map((p) => ({ file: f.path, p })));
  return html`<section id="captures">
<h2>Capture details</h2>
<h3>How this case was put together</h3>
<ul>${meta.grouping.map((line) => html`<li>${line}</li>`)}</ul>
<h3>Files</h3>
<table><thead><tr><th>file</th><th>format</th><th class="num">bytes</th><th class="num">frames</th><th>interfaces</th><th>status</th></tr></thead><tbody>
${result.files.map(
    (f) => html`<tr><td class="mono">${f.path}</td><td>${f.format}${f.compressed ? ' (gzip)' : ''}</td><td class="num">${f.bytes}</td><td class="num">${f.frames}</td>
<td>${f.interfaces.map((i, n) => html`${n > 0 ? html`<br>` : undefined}#${i.id}${i.name ? ` ${i.name}` : ''} (link type ${i.linkType}, snaplen ${i.snaplen})`)}</td>
<td>${f.error ? html`<strong>NOT ANALYZED:</strong> ${f.error}` : f.problems.length ? `${f.problems.length} problem(s), see below` : 'read completely'}</td></tr>`,
  )}
</tbody></table>
${problems.length ? html`<h3>Problems in the capture files</h3><table><thead><tr><th>file</th><th>frame</th><th class="num">byte offset</th><th>code</th><th>problem</th></tr></thead><tbody>${problems.map(({ file, p }) => html`<tr><td class="mono">${file}</td><td>${p.frameNumber ?? ''}</td><td class="num">${p.byteOffset}</td><td><code>${p.code}</code></td><td>${p.message}${p.fatal ? ' (reading stopped here)' : ''}</td></tr>`)}</tbody></table>` : undefined}
<h3>Capture points and their sides</h3>
<table><thead><tr><th>capture point</th><th>interface</th><th>side</th><th>decided by</th><th>why</th><th class="num">SIP messages</th></tr></thead><tbody>
${result.points.map((p) => html`<tr><td class="mono">${p.ref.key}</td><td>${p.interfaceName ?? (p.ref.linuxIfIndex !== undefined ? `if${p.ref.linuxIfIndex}` : `#${p.ref.interfaceId}`)}</td><td>${p.side}</td><td>${p.sideSource}</td><td>${p.sideReason}</td><td class="num">${p.sipMessages}</td></tr>`)}
</tbody></table>
${result.correlation.clockOffsets.map((o) => html`<p>Clock offset ${o.outsideKey} minus ${o.insideKey}: ${formatDuration(o.offsetSeconds)} (from ${o.samples} matched messages, spread ${formatDuration(o.spreadSeconds)}).</p>`)}
<h3>Counts</h3>
<table class="kv"><tbody>${counts.map(([label, n]) => html`<tr><th>${label}</th><td class="num">${n}</td></tr>`)}</tbody></table>
<h3>Skipped and malformed data</h3>
${countsTable(stats.skipped, 'skipped')}
${countsTable(stats.malformed, 'malformed')}
</section>`;
}

export function renderCaseHtml(result: AnalysisResult, meta: CaseMeta, view: CaseView = caseView(result)): string {
  const body = html`${meta.indexHref ? html`<div class="crumbs"><a href="${meta.indexHref}">← all cases</a></div>` : undefined}
<h1>${meta.name}</h1>
<div class="muted">algscope case report</div>
<nav class="toc"><a href="#verdict">Verdict</a><a href="#summary">Findings at a glance</a><a href="#call-flow">Call flow</a><a href="#rewritten">Rewritten fields</a><a href="#findings">Findings with evidence</a><a href="#rtp">RTP streams</a><a href="#captures">Capture details</a></nav>
${verdictSection(result)}
${glanceSection(result, view)}
${flowSection(view)}
${diffSection(result, view)}
${findingsSection(result, view)}
${rtpSection(view)}
${captureSection(result, meta)}
<footer>${meta.tool.name} ${meta.tool.version}. The same captures always give the same report: it holds no date of its own.</footer>`;
  return htmlPage(`${meta.name}: ${result.verdict.verdict} (algscope)`, body);
}
