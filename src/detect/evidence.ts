/**
 * Building blocks every rule uses to cite evidence and to group it into findings, so each rule
 * module only says what it looks for and what it means.
 */
import type { ByteSpan, SipMessage } from '../sip/types.js';
import type { DetectionContext, Evidence, EvidenceLocation, Finding, FindingTemplate } from './types.js';

/** Findings stay readable: past this, evidence items are counted, not listed. */
const MAX_EVIDENCE_PER_FINDING = 12;

export function describeMessage(msg: SipMessage): string {
  const cseq = msg.cseq ? ` (CSeq ${msg.cseq.seq} ${msg.cseq.method})` : '';
  // requestUriText is the same text as requestUri.text, and is read without parsing the headers again.
  if (msg.kind === 'request') return `${msg.method} ${msg.requestUriText ?? msg.requestUri?.text ?? ''}${cseq}`;
  return `${msg.status} ${msg.reason ?? ''}`.trimEnd() + cseq;
}

export function locate(ctx: DetectionContext, msg: SipMessage, span?: ByteSpan): EvidenceLocation {
  const info = ctx.pointInfo(msg.origin.point.key);
  return {
    point: msg.origin.point.key,
    source: info.source,
    side: info.side,
    frame: msg.origin.frames[0] ?? 0,
    ts: msg.origin.ts,
    messageId: msg.id,
    span,
  };
}

/**
 * Groups evidence into one finding per dialog (and per rule), so a rewritten Contact in every
 * message of a call is one finding citing each message, not one finding per message.
 */
export class FindingCollector {
  private readonly groups = new Map<string, { dialog?: string; evidence: Evidence[]; count: number; summary: string }>();

  constructor(private readonly template: FindingTemplate) {}

  /**
   * One more piece of evidence for the dialog's finding (the summary of its first one stands for
   * the finding). Past MAX_EVIDENCE_PER_FINDING evidence is only counted, so a rule citing every
   * message may pass functions that build the summary and the evidence when they are kept.
   */
  add(dialog: string | undefined, summary: string | (() => string), evidence: Evidence | (() => Evidence)): void {
    const key = dialog ?? '';
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dialog, evidence: [], count: 0, summary: typeof summary === 'function' ? summary() : summary }));
    group.count++;
    if (group.evidence.length < MAX_EVIDENCE_PER_FINDING) group.evidence.push(typeof evidence === 'function' ? evidence() : evidence);
  }

  findings(): Finding[] {
    return [...this.groups.values()].map((group) => ({
      rule: this.template.rule,
      title: this.template.title,
      severity: this.template.severity,
      confidence: this.template.confidence,
      implies: this.template.implies,
      dialog: group.dialog,
      summary: group.count > 1 ? `${group.summary} (${group.count} messages)` : group.summary,
      explanation: this.template.explanation,
      advice: this.template.advice,
      evidence: group.evidence,
      moreEvidence: group.count - group.evidence.length,
    }));
  }
}

/** Advice shared by every rule that proves rewriting in transit. */
export const DISABLE_ALG_ADVICE =
  'Disable the SIP ALG (also called SIP helper, SIP transformations or SIP fixup) on the router or firewall between the phone and the provider, then reboot it or clear its connection table so existing bindings are rebuilt. See "Where the SIP ALG setting lives" for your router.';
