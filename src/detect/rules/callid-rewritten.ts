import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const callIdRewritten = pairDiffRule({
  rule: 'callid-rewritten',
  title: 'Call-ID rewritten in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The Call-ID differs between the inside and the outside copy of the same message (matched by CSeq, Via branch and tags). Some ALGs (FortiGate among them) rewrite Call-ID; the provider then sees a different dialog id than the phone, which breaks call pickup, transfer and troubleshooting by Call-ID.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.key === 'call-id' && diff.change === 'changed',
  summarize: (diff) => `Call-ID changed: ${changeText(diff)}`,
});
