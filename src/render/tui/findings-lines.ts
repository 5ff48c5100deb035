/**
 * The findings screen: the verdict, one line per finding, and the selected finding in full
 * (explanation, every evidence item with where it is, Wireshark filters, advice), in the same
 * words as the text output (render/evidence-format.ts).
 */
import path from 'node:path';
import type { AnalysisResult } from '../../analysis/types.js';
import { ROUTER_ALG_SETTINGS } from '../../detect/router-advice.js';
import type { Evidence, Finding } from '../../detect/types.js';
import { formatTimestamp } from '../../util/time.js';
import { VERDICT_LABEL, evidenceValueLines, locationText, wiresharkFilters } from '../evidence-format.js';
import { badgeFor } from './model.js';
import { clean, fit, seg, truncate, wrap, type Line, type Style } from './text.js';

export function verdictStyle(verdict: AnalysisResult['verdict']['verdict']): Style {
  return verdict === 'alg-detected' ? 'alg' : verdict === 'alg-suspected' ? 'suspect' : verdict === 'inconclusive' ? 'bold' : 'ok';
}

/** Verdict, reason and next steps, at most `maxLines` lines. */
export function verdictLines(result: AnalysisResult, width: number, maxLines: number): Line[] {
  const { verdict } = result;
  const label = VERDICT_LABEL[verdict.verdict];
  const reason = wrap(clean(verdict.reason), Math.max(10, width - label.length - 3));
  const lines: Line[] = [[seg(label, verdictStyle(verdict.verdict)), seg(' · '), seg(reason[0] ?? '')]];
  for (const more of reason.slice(1)) lines.push([seg(' '.repeat(label.length + 3)), seg(more)]);
  for (const step of verdict.nextSteps) lines.push([seg('Next: ', 'bold'), seg(truncate(clean(step), width - 6))]);
  return lines.slice(0, maxLines);
}

/** One finding in the list; `call` names the call it concerns (its method), when known. */
export function findingListLine(finding: Finding, width: number, call?: string): Line {
  const badge = badgeFor([finding])!;
  const severity = finding.severity === 'critical' ? 'CRIT' : finding.severity === 'warning' ? 'WARN' : 'INFO';
  const head = `${finding.rule}${call ? ` (${call})` : ''} `;
  return [
    seg(fit(badge.label, 5), badge.style),
    seg(fit(severity, 5), 'dim'),
    seg(head, 'bold'),
    seg(truncate(clean(finding.summary), Math.max(0, width - 10 - head.length))),
  ];
}

/** The first message an evidence item cites, to jump to. */
export function evidenceMessageId(evidence: Evidence | undefined): number | undefined {
  return evidence?.at.find((a) => a.messageId !== undefined)?.messageId;
}

export interface FindingDetail {
  lines: Line[];
  /** Line index where each evidence item starts (to scroll the selected one into view). */
  evidenceStarts: number[];
}

export function findingDetail(finding: Finding, selectedEvidence: number, width: number): FindingDetail {
  const lines: Line[] = [];
  const text = (t: string, style: Style = 'plain', indent = '') => {
    for (const l of wrap(clean(t), width - indent.length)) lines.push([seg(indent), seg(l, style)]);
  };
  const badge = badgeFor([finding])!;
  lines.push([seg(`${finding.rule}`, badge.style), seg(` · ${finding.title}`, 'bold')]);
  lines.push([seg(`${finding.severity}, ${finding.confidence} confidence, implies ${finding.implies}${finding.dialog ? ` · dialog ${clean(finding.dialog)}` : ''}`, 'dim')]);
  text(finding.summary);
  lines.push([]);
  lines.push([seg(`Evidence (${finding.evidence.length}${finding.moreEvidence ? ` of ${finding.evidence.length + finding.moreEvidence}` : ''}; ←/→ choose, Enter opens the message)`, 'title')]);
  const evidenceStarts: number[] = [];
  finding.evidence.forEach((evidence, i) => {
    evidenceStarts.push(lines.length);
    const selected = i === selectedEvidence;
    const mark = selected ? '▸ ' : '  ';
    lines.push([seg(mark, 'cursor'), seg(truncate(clean(evidence.message ?? 'evidence'), width - 2), selected ? 'input' : 'bold')]);
    for (const l of evidenceValueLines(evidence)) text(l, 'plain', '    ');
    for (const at of evidence.at) text(`at ${locationText(at)}, ${formatTimestamp(at.ts)}`, 'dim', '    ');
  });
  if (finding.moreEvidence > 0) lines.push([seg(`  and ${finding.moreEvidence} more like these`, 'dim')]);
  for (const { source, filter } of wiresharkFilters(finding)) text(`Wireshark (${path.basename(source)}): ${filter}`, 'dim');
  lines.push([]);
  lines.push([seg('What it means', 'title')]);
  text(finding.explanation);
  lines.push([]);
  lines.push([seg('What to do', 'title')]);
  text(finding.advice);
  if (finding.implies === 'alg') {
    lines.push([]);
    lines.push([seg('Where the SIP ALG setting lives', 'title')]);
    for (const router of ROUTER_ALG_SETTINGS) text(`${router.vendor}: ${router.where}`, 'plain', '  ');
  }
  return { lines, evidenceStarts };
}
