/**
 * What one-sided rules look at: the distinct messages (retransmissions are the same message sent
 * again and would only repeat the same evidence, so each capture point's copies are visited once),
 * and, for rules that judge each message on its own, what they noted about it.
 */
import { matchKey } from '../correlate/correlate.js';
import { memoSlot, memoized } from '../sip/index.js';
import type { ByteSpan, SipMessage } from '../sip/types.js';
import { FindingCollector, locate, type FindingTemplate } from './evidence.js';
import { oncePerRun } from './per-run.js';
import type { DetectionContext, Evidence, Rule, RuleId } from './types.js';

/**
 * The distinct messages of the context (of ctx.concluding only, when set), worked out once per
 * detection run and shared by the rules.
 */
export const distinctMessages: (ctx: DetectionContext) => readonly SipMessage[] = oncePerRun((ctx) => {
  const distinct: SipMessage[] = [];
  const only = ctx.concluding;
  for (const point of ctx.points) {
    const seen = new Set<string>();
    for (const msg of point.messages) {
      if (only !== undefined && !only.has(msg.id)) continue;
      const key = matchKey(msg);
      if (seen.has(key)) continue;
      seen.add(key);
      distinct.push(msg);
    }
  }
  return distinct;
});

/** What a rule notes about one message; where it is cited (side, file) is resolved per detection run. */
export interface MessageNote {
  /** Which of the rule's finding templates the note belongs to (the first unless said). */
  template?: number;
  summary: string;
  evidence: Omit<Evidence, 'at'>;
  /** The cited bytes of the message. */
  span?: ByteSpan;
}

export interface PerMessageRuleSpec {
  id: RuleId;
  title: string;
  templates: FindingTemplate[];
  /** What the rule notes about one message: a function of the message alone. */
  inspect(msg: SipMessage): MessageNote[];
}

export interface PerMessageRule extends Rule {
  /** The rule's notes about a message, worked out on first asking and kept with the message. */
  notes(msg: SipMessage): readonly MessageNote[];
}

const NO_NOTES: readonly MessageNote[] = Object.freeze([]);

/**
 * A one-sided rule that judges each distinct message on its own, grouping its notes into one
 * finding per dialog. A message's notes are kept with it, so detection run again over the same
 * messages (a live view, a large capture concluded as it is read) does not read its headers again.
 */
export function perMessageRule(spec: PerMessageRuleSpec): PerMessageRule {
  const slot = memoSlot<readonly MessageNote[]>();
  const inspect = (msg: SipMessage): readonly MessageNote[] => {
    const found = spec.inspect(msg);
    return found.length > 0 ? found : NO_NOTES;
  };
  const notes = (msg: SipMessage): readonly MessageNote[] => memoized(msg, slot, inspect);
  return {
    id: spec.id,
    title: spec.title,
    scope: 'one-sided',
    notes,
    detect(ctx: DetectionContext) {
      const collectors = spec.templates.map((template) => new FindingCollector(template));
      for (const msg of distinctMessages(ctx)) {
        for (const note of notes(msg)) {
          collectors[note.template ?? 0]!.add(msg.callId, note.summary, () => ({ ...note.evidence, at: [locate(ctx, msg, note.span)] }));
        }
      }
      return collectors.flatMap((collector) => collector.findings());
    },
  };
}
