/**
 * Building blocks every rule uses to cite evidence and to group it into findings, so each rule
 * module only says what it looks for and what it means.
 */
import type { ByteSpan, SipMessage } from '../sip/types.js';
import type { DetectionContext, Evidence, EvidenceLocation, Finding, FindingCounter, FindingTemplate, RuleId } from './types.js';

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

/** The dialogs whose findings of one rule a concluding run only counts (see countedDialogs). */
export interface CountedDialogs {
  /** Whether the findings of the dialog with this Call-ID are only counted. */
  has(dialog: string | undefined): boolean;
  /** Hands the counted findings to the counter, one call per template, with their evidence counted. */
  report(): void;
}

/**
 * Which dialogs' findings of `rule` the counter would all only count (see FindingCounter):
 * `citations` names, in the order the rule cites them, the dialog (Call-ID), template and message
 * of each piece of evidence. The first piece of each template decides, as it is what the analysis
 * orders findings by; one rule's findings for one dialog are counted together or not at all, as the
 * analysis keeps one of them per rule and dialog.
 */
export function countedDialogs(
  rule: RuleId,
  templates: readonly FindingTemplate[],
  counter: FindingCounter,
  citations: (cite: (dialog: string | undefined, template: number, msg: SipMessage) => void) => void,
): CountedDialogs {
  const firsts = new Map<string, { first: (SipMessage | undefined)[]; pieces: number[] }>();
  citations((dialog, template, msg) => {
    // Without a Call-ID (or with an empty one) FindingCollector files evidence under one key: built.
    if (!dialog) return;
    let entry = firsts.get(dialog);
    if (entry === undefined) firsts.set(dialog, (entry = { first: new Array<SipMessage | undefined>(templates.length).fill(undefined), pieces: new Array<number>(templates.length).fill(0) }));
    entry.first[template] ??= msg;
    entry.pieces[template]!++;
  });
  const counted = new Map<string, number[]>();
  for (const [dialog, { first, pieces }] of firsts) {
    let countsOnly = true;
    for (const msg of first) if (msg !== undefined && !counter.countsOnly(rule, dialog, msg.origin.ts, msg.id)) countsOnly = false;
    if (countsOnly) counted.set(dialog, pieces);
  }
  return {
    has: (dialog) => dialog !== undefined && counted.has(dialog),
    report: () => {
      for (let template = 0; template < templates.length; template++) {
        const dialogs: string[] = [];
        let pieces = 0;
        for (const [dialog, perTemplate] of counted) {
          const n = perTemplate[template]!;
          if (n === 0) continue;
          dialogs.push(dialog);
          pieces += n;
        }
        if (dialogs.length > 0) counter.count(templates[template]!, dialogs, pieces);
      }
    },
  };
}

/** Advice shared by every rule that proves rewriting in transit. */
export const DISABLE_ALG_ADVICE =
  'Disable the SIP ALG (also called SIP helper, SIP transformations or SIP fixup) on the router or firewall between the phone and the provider, then reboot it or clear its connection table so existing bindings are rebuilt. See "Where the SIP ALG setting lives" for your router.';
