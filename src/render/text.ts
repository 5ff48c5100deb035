/**
 * Default output: the verdict first, then the findings grouped by dialog with their evidence and a
 * Wireshark filter for the same frames, then what the findings mean and what to do, then the
 * capture details and everything that was skipped. Every captured string is sanitized.
 */
import path from 'node:path';
import type { AnalysisResult, LiveCaptureReport } from '../analysis/types.js';
import { ROUTER_ALG_SETTINGS } from '../detect/router-advice.js';
import type { Finding } from '../detect/types.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { formatDuration, formatTimestamp } from '../util/time.js';
import { VERDICT_LABEL, evidenceValueLines, locationText, wiresharkFilters } from './evidence-format.js';

export interface TextOptions {
  color: boolean;
}

const ANSI = { bold: '\u001b[1m', red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', cyan: '\u001b[36m', dim: '\u001b[2m', reset: '\u001b[0m' };

function paint(options: TextOptions, style: keyof typeof ANSI, text: string): string {
  return options.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}

const safe = sanitizeForTerminal;

function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none';
}

/** One finding with its evidence and Wireshark filters (also printed alone by `live --no-tui` as it is found). */
export function renderFinding(finding: Finding, options: TextOptions, out: string[]): void {
  const severityStyle = finding.severity === 'critical' ? 'red' : finding.severity === 'warning' ? 'yellow' : 'cyan';
  out.push(`  ${paint(options, severityStyle, `[${finding.severity.toUpperCase()}]`)} ${paint(options, 'bold', finding.rule)}: ${safe(finding.summary)}`);
  out.push(`    ${finding.title}; ${finding.confidence} confidence`);
  for (const evidence of finding.evidence) {
    const head = evidence.message ? safe(evidence.message) : 'evidence';
    out.push(`    - ${head}`);
    for (const line of evidenceValueLines(evidence)) out.push(`        ${safe(line)}`);
    for (const at of evidence.at) out.push(`        at ${locationText(at)}, ${formatTimestamp(at.ts)}`);
  }
  if (finding.moreEvidence > 0) out.push(`    - and ${finding.moreEvidence} more like these`);
  for (const { source, filter } of wiresharkFilters(finding)) {
    out.push(`    Wireshark (${path.basename(source)}): ${filter}`);
  }
}

function renderLive(live: LiveCaptureReport, options: TextOptions, out: string[]): void {
  out.push('');
  out.push(paint(options, 'bold', `Live capture (${live.backend})`));
  const stopped = live.running ? 'reported when the capture stops' : 'not reported by the capture process';
  for (const i of live.interfaces) {
    const dropped = i.dropped === undefined ? `drops ${stopped}` : `${i.dropped} dropped`;
    const style = i.dropped ? 'red' : 'green';
    const received = i.received === undefined ? '' : ` (${i.received} received by the capture process)`;
    out.push(`  ${safe(i.name)}: ${i.packets} packets${received}, ${paint(options, i.dropped === undefined ? 'dim' : style, dropped)}`);
  }
  if (live.filter !== undefined) out.push(`  filter: ${safe(live.filter)}`);
  if (live.savedTo !== undefined) out.push(`  saved to ${safe(live.savedTo)} (${live.bytes} bytes, exactly what was analyzed)`);
  if (live.drops) out.push(`  ${paint(options, 'red', `${live.drops} packets were lost by the capture`)}: message-dropped findings may be capture loss; raise --buffer-size or narrow the filter`);
  if (live.error) out.push(`  ${paint(options, 'red', 'capture error:')} ${safe(live.error)}`);
}

export function renderText(result: AnalysisResult, options: TextOptions): string {
  const out: string[] = [];
  const { verdict } = result;
  const verdictStyle = verdict.verdict === 'alg-detected' ? 'red' : verdict.verdict === 'alg-suspected' ? 'yellow' : 'green';
  out.push(`${paint(options, 'bold', 'Verdict:')} ${paint(options, verdictStyle, VERDICT_LABEL[verdict.verdict])} (${verdict.verdict})`);
  out.push(`  ${verdict.reason}`);
  for (const step of verdict.nextSteps) out.push(`  Next: ${step}`);
  out.push('');

  out.push(paint(options, 'bold', 'Capture points'));
  for (const point of result.points) {
    const name = point.interfaceName ? ` [${safe(point.interfaceName)}]` : '';
    out.push(`  ${point.side.padEnd(7)} ${safe(point.ref.key)}${name}: ${point.sipMessages} SIP messages; ${safe(point.sideReason)}`);
  }
  for (const offset of result.correlation.clockOffsets) {
    out.push(
      `  clock offset ${safe(offset.outsideKey)} minus ${safe(offset.insideKey)}: ${formatDuration(offset.offsetSeconds)} (from ${offset.samples} matched messages, spread ${formatDuration(offset.spreadSeconds)})`,
    );
  }
  const matched = result.stats.matchedMessages ?? result.correlation.pairs.length;
  if (matched > 0) {
    out.push(`  ${matched} messages matched across the router`);
  }
  out.push('');

  const byDialog = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const key = finding.dialog ?? '';
    let list = byDialog.get(key);
    if (!list) byDialog.set(key, (list = []));
    list.push(finding);
  }
  out.push(paint(options, 'bold', `Findings (${result.findings.length})`));
  if (result.findings.length === 0) out.push('  none');
  for (const [dialog, findings] of byDialog) {
    out.push(dialog ? `Dialog ${safe(dialog)}` : 'Not tied to one dialog');
    for (const finding of findings) renderFinding(finding, options, out);
  }
  out.push('');

  if (result.findings.length > 0) {
    out.push(paint(options, 'bold', 'What the findings mean and what to do'));
    const seen = new Set<string>();
    for (const finding of result.findings) {
      if (seen.has(finding.rule)) continue;
      seen.add(finding.rule);
      out.push(`  ${finding.rule}: ${finding.explanation}`);
      out.push(`    Do: ${finding.advice}`);
    }
    out.push('');
  }
  if (verdict.verdict === 'alg-detected' || verdict.verdict === 'alg-suspected') {
    out.push(paint(options, 'bold', 'Where the SIP ALG setting lives'));
    for (const router of ROUTER_ALG_SETTINGS) out.push(`  ${router.vendor}: ${router.where}`);
    out.push('');
  }

  out.push(paint(options, 'bold', 'Captures'));
  for (const file of result.files) {
    if (file.error) {
      out.push(`  ${safe(file.path)}: NOT ANALYZED: ${safe(file.error)}`);
      continue;
    }
    out.push(`  ${safe(file.path)}: ${file.format}${file.compressed ? ' (gzip)' : ''}, ${file.frames} frames, ${file.bytes} bytes, ${file.interfaces.length} interface(s)`);
    for (const problem of file.problems) {
      const frame = problem.frameNumber !== undefined ? `frame ${problem.frameNumber}, ` : '';
      out.push(`    problem: ${frame}byte offset ${problem.byteOffset}: ${safe(problem.message)}${problem.fatal ? ' (reading stopped here)' : ''}`);
    }
  }
  const { stats } = result;
  out.push(
    `  ${stats.packets} packets, ${stats.sipMessages} SIP messages (${stats.retransmissions} retransmissions), ${stats.dialogs} dialogs, ${stats.rtpPackets} RTP/RTCP packets`,
  );
  out.push(`  skipped: ${countsText(stats.skipped)}`);
  out.push(`  malformed: ${countsText(stats.malformed)}`);
  if (result.live) renderLive(result.live, options, out);
  return `${out.join('\n')}\n`;
}
