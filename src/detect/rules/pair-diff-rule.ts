/**
 * The shape every two-sided rewrite rule shares: walk the matched inside/outside pairs, keep the
 * field differences the rule is about, and cite both copies. Pairs that crossed a SIP proxy or
 * B2BUA (an extra Via hop) are skipped: there, changes are the proxy's job, not an ALG's.
 */
import type { FieldDiff, MessagePair } from '../../correlate/types.js';
import { FindingCollector, countedDialogs, describeMessage, locate } from '../evidence.js';
import { oncePerRun } from '../per-run.js';
import type { DetectionContext, FindingTemplate, Rule } from '../types.js';

export interface PairDiffRuleSpec extends FindingTemplate {
  /** Does this difference belong to the rule? */
  matches(diff: FieldDiff, pair: MessagePair): boolean;
  /** One line for the finding, from the first matching difference. */
  summarize(diff: FieldDiff, pair: MessagePair): string;
}

/**
 * The pairs a rewrite rule judges: not through a proxy, and of ctx.concluding only when set.
 * Worked out once per detection run and shared by the rules.
 */
const comparablePairs = oncePerRun((ctx): readonly MessagePair[] => {
  const only = ctx.concluding;
  return ctx.correlation.pairs.filter((pair) => !pair.proxied && pair.diffs.length > 0 && (only === undefined || only.has(pair.inside.id)));
});

/** Every rewrite rule's spec, in the order the rules were made (a rule's index into matchesByRule). */
const SPECS: PairDiffRuleSpec[] = [];

interface DiffMatch {
  pair: MessagePair;
  diff: FieldDiff;
}

/**
 * Per rule, the differences it is about, in pair and field order: one walk over the pairs for all
 * rules (each rule walking them on its own read every difference from memory once per rule).
 */
const matchesByRule = oncePerRun((ctx): readonly DiffMatch[][] => {
  const matches = SPECS.map((): DiffMatch[] => []);
  for (const pair of comparablePairs(ctx)) {
    for (const diff of pair.diffs) {
      for (let rule = 0; rule < SPECS.length; rule++) if (SPECS[rule]!.matches(diff, pair)) matches[rule]!.push({ pair, diff });
    }
  }
  return matches;
});

export function pairDiffRule(spec: PairDiffRuleSpec): Rule {
  const index = SPECS.push(spec) - 1;
  return {
    id: spec.rule,
    title: spec.title,
    scope: 'two-sided',
    detect(ctx: DetectionContext) {
      const collector = new FindingCollector(spec);
      const matches = matchesByRule(ctx)[index]!;
      // The inside copy is what each piece of evidence cites first.
      const counted =
        ctx.counter &&
        countedDialogs(spec.rule, [spec], ctx.counter, (cite) => {
          for (const { pair } of matches) cite(pair.inside.callId, 0, pair.inside);
        });
      for (const { pair, diff } of matches) {
        if (counted?.has(pair.inside.callId)) continue;
        collector.add(pair.inside.callId, () => spec.summarize(diff, pair), () => ({
          message: describeMessage(pair.inside),
          callId: pair.inside.callId,
          field: diff.field,
          inside: diff.inside?.text,
          outside: diff.outside?.text,
          at: [locate(ctx, pair.inside, diff.inside?.span), locate(ctx, pair.outside, diff.outside?.span)],
        }));
      }
      counted?.report();
      return collector.findings();
    },
  };
}

/** "inside X, outside Y" with direction words that read right for both directions of traffic. */
export function changeText(diff: FieldDiff): string {
  if (diff.change === 'added') return `present only outside: ${diff.outside?.text}`;
  if (diff.change === 'removed') return `present only inside: ${diff.inside?.text}`;
  return `${diff.inside?.text} inside, ${diff.outside?.text} outside`;
}
