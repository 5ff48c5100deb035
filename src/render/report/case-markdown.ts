/**
 * The Markdown case report: the same sections as the HTML report (case-html.ts), with the call flow
 * as a table instead of a drawing. Captured text is either a code span (nothing inside is
 * interpreted) or escaped so it cannot become markup, a link or HTML in any Markdown renderer.
 */
import path from 'node:path';
import type { AnalysisResult } from '../../analysis/types.js';
import { describeMessage } from '../../detect/evidence.js';
import { ROUTER_ALG_SETTINGS } from '../../detect/router-advice.js';
import type { Finding } from '../../detect/types.js';
import { sanitizeForTerminal } from '../../util/sanitize.js';
import { formatDuration, formatTimestamp } from '../../util/time.js';
import { VERDICT_LABEL, evidenceValueLines, locationText, wiresharkFilters } from '../evidence-format.js';
import { captureCounts, caseView, endpointText, findingsByDialog, type CallFlow, type CaseView, type MessageDiff } from './case-model.js';
import type { CaseMeta } from './types.js';

/** Plain text: Markdown and HTML syntax escaped, autolinks broken, control characters made visible. */
export function mdText(text: string): string {
  return sanitizeForTerminal(text)
    .replace(/[\\`*_[\]<>|!~&#{}]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
    .replace(/^([-+=>]|\d+[.)])/, (m) => m.replace(/[-+=>.)]/, (c) => `\\${c}`));
}

/** A code span that holds any text: the fence is longer than any backtick run inside; `|` escaped for tables (GFM). */
export function mdCode(text: string): string {
  const clean = sanitizeForTerminal(text).replace(/\|/g, '\\|');
  if (clean === '') return '` `';
  const longestRun = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A GFM table; a header ending in ":" marks a right-aligned (numeric) column and is shown without it. */
function table(head: string[], rows: string[][]): string[] {
  const right = head.map((h) => h.endsWith(':'));
  const names = head.map((h, i) => (right[i] ? h.slice(0, -1) : h));
  return [`| ${names.join(' | ')} |`, `|${right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function countsRows(counts: Record<string, number>): string[][] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, n]) => [mdCode(reason), String(n)]);
}

function flowLines(flow: CallFlow, n: number): string[] {
  const out = [`### ${n}. ${mdText(flow.method)} ${flow.callIds.map(mdCode).join(' / ')}`, '', `${mdCode(flow.from ?? '?')} → ${mdCode(flow.to ?? '?')}`, ''];
  const rows: string[][] = [];
  for (const row of flow.rows) {
    for (const [i, arrow] of row.arrows.entries()) {
      const notes: string[] = [];
      if (arrow.retransmission) notes.push('retransmission');
      if (i === row.arrows.length - 1) {
        if (row.rewrittenFields.length) notes.push(`rewritten: ${row.rewrittenFields.map(mdCode).join(', ')}`);
        if (row.missingAt) notes.push(`not seen ${row.missingAt}`);
        if (row.proxied) notes.push('via a proxy');
      }
      rows.push([
        i === 0 ? `+${row.offsetSeconds.toFixed(3)} s` : '',
        arrow.side,
        mdCode(endpointText(arrow.src)),
        mdCode(endpointText(arrow.dst)),
        mdCode(arrow.label),
        `${arrow.frame} of ${mdText(path.basename(arrow.source))}`,
        notes.join('; '),
      ]);
    }
  }
  out.push(...table(['time', 'side', 'from', 'to', 'message', 'frame', 'note'], rows));
  if (flow.omittedRows > 0) out.push('', `${flow.omittedRows} later messages of this call are not listed.`);
  out.push('');
  return out;
}

function diffLines(diff: MessageDiff): string[] {
  const at = (side: string, m: MessageDiff['inside']) =>
    `- ${side}: frame ${m.origin.frames.join(',')} of ${mdCode(m.origin.point.source)}, ${formatTimestamp(m.origin.ts)}, ${mdCode(endpointText(m.origin.src))} → ${mdCode(endpointText(m.origin.dst))}`;
  const rows = [...diff.diffs, ...diff.transportDiffs].map((d) => [
    `${mdCode(d.field)}${d.area === 'transport' ? ' (packet)' : ''}`,
    d.change,
    d.inside ? mdCode(d.inside.text) : '(absent)',
    d.outside ? mdCode(d.outside.text) : '(absent)',
  ]);
  return [
    `### ${mdText(describeMessage(diff.inside))}`,
    '',
    at('inside', diff.inside),
    at('outside', diff.outside),
    '',
    ...(diff.proxied ? ['The outside copy went through a SIP proxy (an extra Via): payload differences here are not by themselves ALG evidence.', ''] : []),
    ...table(['field', 'change', 'inside', 'outside'], rows),
    ...(diff.repeats > 0 ? ['', `${diff.repeats} more matched copies of this message (retransmissions) had exactly the same changes.`] : []),
    '',
  ];
}

function findingLines(finding: Finding): string[] {
  const out = [`#### [${finding.severity.toUpperCase()}] ${mdCode(finding.rule)}: ${mdText(finding.title)}`, '', mdText(finding.summary), '', `${finding.confidence} confidence; implies ${mdCode(finding.implies)}`, ''];
  for (const evidence of finding.evidence) {
    out.push(`- ${evidence.message ? mdText(evidence.message) : 'evidence'}`);
    for (const line of evidenceValueLines(evidence)) out.push(`  - ${mdCode(line)}`);
    for (const at of evidence.at) {
      out.push(`  - at ${mdText(locationText(at))}, ${formatTimestamp(at.ts)}${at.span ? `, bytes ${at.span.offset}-${at.span.offset + at.span.length - 1} of the message` : ''}`);
    }
  }
  if (finding.moreEvidence > 0) out.push(`- and ${finding.moreEvidence} more like these`);
  for (const { source, filter } of wiresharkFilters(finding)) out.push(`- Wireshark (${mdCode(source)}): ${mdCode(filter)}`);
  out.push('');
  return out;
}

export function renderCaseMarkdown(result: AnalysisResult, meta: CaseMeta, view: CaseView = caseView(result)): string {
  const { verdict, stats } = result;
  const out: string[] = [`# ${mdText(meta.name)}`, '', `algscope case report${meta.indexHref ? ` · [all cases](${meta.indexHref})` : ''}`, ''];

  out.push('## Verdict', '', `**${VERDICT_LABEL[verdict.verdict]}** (${mdCode(verdict.verdict)})`, '', mdText(verdict.reason), '');
  for (const step of verdict.nextSteps) out.push(`- Next: ${mdText(step)}`);
  if (verdict.nextSteps.length) out.push('');

  out.push(`## Findings at a glance (${result.findings.length})`, '');
  const omitted = view.omittedFindings > 0 ? [`${view.omittedFindings} more findings are not listed here; the JSON report has them all.`, ''] : [];
  if (view.findings.length === 0) out.push('No findings.', '');
  else out.push(...table(['severity', 'rule', 'dialog', 'what was found'], view.findings.map((f) => [f.severity, mdCode(f.rule), f.dialog !== undefined ? mdCode(f.dialog) : '(capture-wide)', mdText(f.summary)])), '', ...omitted);

  out.push('## Call flow', '');
  if (view.flows.length === 0) out.push('No SIP dialogs were found.', '');
  else out.push('One row per message and capture point; a message seen on both sides of the router is listed for each side under one time. Outside times have the clock offset between the captures removed.', '');
  view.flows.forEach((flow, i) => out.push(...flowLines(flow, i + 1)));
  if (view.omittedFlows > 0) out.push(`${view.omittedFlows} more calls or registrations are not listed (calls with findings come first).`, '');

  out.push('## Rewritten fields', '');
  const pairs = result.correlation.pairs.length;
  if (pairs === 0) out.push('No message was seen on both sides of the router, so nothing can be compared. Capture on both sides at the same time to see what the router changes.', '');
  else out.push(`${pairs} messages were matched across the router. ${view.diffs.length === 0 ? 'None had its SIP or SDP changed. ' : ''}${view.natOnlyPairs > 0 ? `${view.natOnlyPairs} differed only in their packet addresses (plain NAT).` : ''}`.trimEnd(), '');
  for (const diff of view.diffs) out.push(...diffLines(diff));
  if (view.omittedDiffs > 0) out.push(`${view.omittedDiffs} more rewritten messages are not shown; the JSON report lists every finding.`, '');

  out.push(`## Findings with evidence (${result.findings.length})`, '');
  if (view.findings.length === 0) out.push('No findings.', '');
  for (const group of findingsByDialog(view.findings)) {
    out.push(`### ${group.dialog !== undefined ? `Dialog ${mdCode(group.dialog)}` : 'Not tied to one dialog'}`, '');
    for (const finding of group.findings) out.push(...findingLines(finding));
  }
  out.push(...omitted);
  const rules = new Map<string, Finding>();
  for (const f of result.findings) if (!rules.has(f.rule)) rules.set(f.rule, f);
  if (rules.size) {
    out.push('### What the findings mean and what to do', '');
    for (const f of rules.values()) out.push(`- ${mdCode(f.rule)}: ${mdText(f.explanation)}`, `  - Do: ${mdText(f.advice)}`);
    out.push('');
  }
  if (verdict.verdict === 'alg-detected' || verdict.verdict === 'alg-suspected') {
    out.push('### Where the SIP ALG setting lives', '', ...table(['router', 'setting'], ROUTER_ALG_SETTINGS.map((r) => [mdText(r.vendor), mdText(r.where)])), '');
  }

  out.push(`## RTP streams (${view.rtp.length + view.omittedRtp})`, '');
  if (view.rtp.length === 0) out.push('No RTP or RTCP was found.', '');
  else {
    out.push(
      ...table(
        ['capture', 'source → destination', 'call', 'media', 'SSRC', 'PT', 'RTP packets:', 'lost:', 'max jitter ms:', 'max gap ms:', 'seconds:', 'RTCP:', 'first frame:', 'vs SDP'],
        view.rtp.map((r) => [
          `${mdText(path.basename(r.source))} (${r.side})`,
          `${mdCode(endpointText(r.src))} → ${mdCode(endpointText(r.dst))}`,
          r.callId !== undefined ? mdCode(r.callId) : '(none)',
          `${r.media ?? ''}${r.sender ? ` from ${r.sender}` : ''}`,
          r.ssrcs.map((s) => `0x${s.toString(16).padStart(8, '0')}`).join(' '),
          r.payloadTypes.join(', '),
          String(r.rtpPackets),
          String(r.lost),
          r.maxJitterMs !== undefined ? r.maxJitterMs.toFixed(2) : '',
          r.maxDeltaMs !== undefined ? r.maxDeltaMs.toFixed(1) : '',
          r.durationSeconds.toFixed(2),
          String(r.rtcpPackets),
          String(r.firstFrame),
          r.sdpMatch,
        ]),
      ),
      '',
    );
    if (view.omittedRtp > 0) out.push(`${view.omittedRtp} more streams are not listed.`, '');
  }

  out.push('## Capture details', '', '### How this case was put together', '');
  for (const line of meta.grouping) out.push(`- ${mdText(line)}`);
  out.push('', '### Files', '');
  out.push(
    ...table(
      ['file', 'format', 'bytes:', 'frames:', 'interfaces', 'status'],
      result.files.map((f) => [
        mdCode(f.path),
        `${f.format}${f.compressed ? ' (gzip)' : ''}`,
        String(f.bytes),
        String(f.frames),
        f.interfaces.map((i) => `#${i.id}${i.name ? ` ${mdCode(i.name)}` : ''} (link type ${i.linkType})`).join(', '),
        f.error ? `**NOT ANALYZED:** ${mdText(f.error)}` : f.problems.length ? `${f.problems.length} problem(s), see below` : 'read completely',
      ]),
    ),
    '',
  );
  const problems = result.files.flatMap((f) => f.problems.map((p) => ({ file: f.path, p })));
  if (problems.length) {
    out.push('### Problems in the capture files', '');
    out.push(...table(['file', 'frame', 'byte offset:', 'code', 'problem'], problems.map(({ file, p }) => [mdCode(file), p.frameNumber !== undefined ? String(p.frameNumber) : '', String(p.byteOffset), mdCode(p.code), `${mdText(p.message)}${p.fatal ? ' (reading stopped here)' : ''}`])), '');
  }
  out.push('### Capture points and their sides', '');
  out.push(
    ...table(
      ['capture point', 'interface', 'side', 'decided by', 'why', 'SIP messages:'],
      result.points.map((p) => [
        mdCode(p.ref.key),
        p.interfaceName !== undefined ? mdCode(p.interfaceName) : p.ref.linuxIfIndex !== undefined ? `if${p.ref.linuxIfIndex}` : `#${p.ref.interfaceId}`,
        p.side,
        p.sideSource,
        mdText(p.sideReason),
        String(p.sipMessages),
      ]),
    ),
    '',
  );
  for (const o of result.correlation.clockOffsets) {
    out.push(`Clock offset ${mdCode(o.outsideKey)} minus ${mdCode(o.insideKey)}: ${formatDuration(o.offsetSeconds)} (from ${o.samples} matched messages, spread ${formatDuration(o.spreadSeconds)}).`, '');
  }
  out.push('### Counts', '');
  out.push(
    ...table(
      ['what', 'count:'],
      captureCounts(result).map(([label, n]) => [label, String(n)]),
    ),
    '',
  );
  out.push('### Skipped and malformed data', '');
  for (const [what, counts] of [['skipped', stats.skipped], ['malformed', stats.malformed]] as const) {
    const rows = countsRows(counts);
    if (rows.length === 0) out.push(`${what}: none.`, '');
    else out.push(...table([`${what}: reason`, 'count:'], rows), '');
  }
  out.push(`${meta.tool.name} ${meta.tool.version}. The same captures always give the same report: it holds no date of its own.`);
  return `${out.join('\n')}\n`;
}
