import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const fromToRewritten = pairDiffRule({
  rule: 'from-to-rewritten',
  title: 'From or To URI rewritten in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The From or To URI differs between the inside and the outside copy of the same message. These identify the caller and callee and are never changed by plain NAT; a SIP ALG that rewrites them can break authentication and caller identification.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => (diff.field === 'From' || diff.field === 'To') && diff.change === 'changed',
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
