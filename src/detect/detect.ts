/**
 * Runs every rule, then weighs one-sided suspicions against two-sided facts: a suspicious pattern
 * that was already present, byte for byte, on the other side of the router was not made in transit.
 */
import { payloadChanged } from '../correlate/diff.js';
import type { SipMessage } from '../sip/types.js';
import type { PerMessageRule } from './messages.js';
import { RULES } from './rules/index.js';
import type { DetectionContext, Finding, VerdictResult } from './types.js';

export interface Detection {
  findings: Finding[];
  verdict: VerdictResult;
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/** Message ids whose copy on the other side of the router is identical in every payload byte. */
function unchangedAcrossRouter(ctx: DetectionContext): Set<number> {
  const ids = new Set<number>();
  for (const pair of ctx.correlation.pairs) {
    if (payloadChanged(pair)) continue;
    ids.add(pair.inside.id).add(pair.outside.id);
  }
  return ids;
}

function explainedByEndpoint(finding: Finding, unchanged: Set<number>): boolean {
  const ids = finding.evidence.flatMap((e) => e.at.map((a) => a.messageId));
  return ids.length > 0 && ids.every((id) => id !== undefined && unchanged.has(id));
}

/** The order findings are reported in: most severe first, then by dialog and rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.dialog ?? '').localeCompare(b.dialog ?? '') ||
    a.rule.localeCompare(b.rule)
  );
}

const PER_MESSAGE_RULES = RULES.filter((rule): rule is PerMessageRule => 'notes' in rule);

/**
 * Has the rules that judge each message on its own look at `msg` now, while its headers are parsed
 * anyway: an analysis calls this as messages arrive, and every later detect() reuses the notes.
 */
export function noteMessage(msg: SipMessage): void {
  for (const rule of PER_MESSAGE_RULES) rule.notes(msg);
}

/**
 * Every rule's findings, in report order. The verdict is the caller's to decide (decideVerdict):
 * an analysis weighs these together with the findings of what it already concluded.
 */
export function detect(ctx: DetectionContext): Finding[] {
  const unchanged = unchangedAcrossRouter(ctx);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    for (const finding of rule.detect(ctx)) {
      if (rule.scope === 'one-sided' && finding.implies === 'alg-suspected' && explainedByEndpoint(finding, unchanged)) {
        findings.push({
          ...finding,
          implies: 'symptom',
          confidence: 'high',
          summary: `${finding.summary}; identical on the other side of the router, so the sender did this, not an ALG`,
        });
        continue;
      }
      findings.push(finding);
    }
  }
  findings.sort(compareFindings);
  return findings;
}
