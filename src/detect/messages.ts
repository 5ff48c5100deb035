/**
 * What one-sided rules look at: the distinct messages (retransmissions are the same message sent
 * again and would only repeat the same evidence, so each capture point's copies are visited once),
 * and, for rules that judge each message on its own, what they noted about it.
 */
import { matchKey } from '../correlate/correlate.js';
import { memoSlot, memoized } from '../sip/index.js';
import type { ByteSpan, SipMessage } from '../sip/types.js';
import { FindingCollector, countedDialogs, locate } from './evidence.js';
import { oncePerRun } from './per-run.js';
import type { DetectionContext, Evidence, FindingTemplate, Rule, RuleId } from './types.js';

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
  /** The cited bytes of the message. */
  span?: ByteSpan;
  /**
   * What the note says, worked out when a finding cites it: a large capture's notes are mostly
   * only counted (see FindingCounter), and the text of every note cost heap as long as its message
   * was held. Reads only what the rule kept from the message's parsed views, never the views
   * again (a held message's views are parsed again when read).
   */
  says(): NoteText;
}

/** The words of a note: the summary its finding takes when it is the first, and its evidence. */
export interface NoteText {
  summary: string;
  evidence: Omit<Evidence, 'at'>;
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

/** Every per-message rule's notes, in the order the rules were made (a rule's index into notedByRule). */
const NOTES_OF_RULES: ((msg: SipMessage) => readonly MessageNote[])[] = [];

interface NotedMessage {
  msg: SipMessage;
  notes: readonly MessageNote[];
}

/**
 * Per rule, the distinct messages it noted something about, in order: one walk over the messages
 * for all rules (each rule walking them on its own read every message's notes from memory once
 * per rule, at every conclusion).
 */
const notedByRule = oncePerRun((ctx): readonly NotedMessage[][] => {
  const noted = NOTES_OF_RULES.map((): NotedMessage[] => []);
  for (const msg of distinctMessages(ctx)) {
    for (let rule = 0; rule < NOTES_OF_RULES.length; rule++) {
      const notes = NOTES_OF_RULES[rule]!(msg);
      if (notes.length > 0) noted[rule]!.push({ msg, notes });
    }
  }
  return noted;
});

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
  const mayBeExplainedBySender = spec.templates.some((template) => template.implies === 'alg-suspected');
  const index = NOTES_OF_RULES.push(notes) - 1;
  return {
    id: spec.id,
    title: spec.title,
    scope: 'one-sided',
    notes,
    detect(ctx: DetectionContext) {
      const collectors = spec.templates.map((template) => new FindingCollector(template));
      const noted = notedByRule(ctx)[index]!;
      // Detection reads an alg-suspected finding identical on the other side of the router as the
      // sender's doing (detect.ts), from the evidence it cites: such findings are always built.
      const counter = mayBeExplainedBySender && ctx.correlation.pairs.length > 0 ? undefined : ctx.counter;
      const counted =
        counter &&
        countedDialogs(spec.id, spec.templates, counter, (cite) => {
          for (const { msg, notes } of noted) for (const note of notes) cite(msg.callId, note.template ?? 0, msg);
        });
      for (const { msg, notes } of noted) {
        if (counted?.has(msg.callId)) continue;
        for (const note of notes) {
          let text: NoteText | undefined;
          const says = () => (text ??= note.says());
          collectors[note.template ?? 0]!.add(msg.callId, () => says().summary, () => ({ ...says().evidence, at: [locate(ctx, msg, note.span)] }));
        }
      }
      counted?.report();
      return collectors.flatMap((collector) => collector.findings());
    },
  };
}
