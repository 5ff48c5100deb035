import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { pairDiffRule } from './pair-diff-rule.js';

export const headerAdded = pairDiffRule({
  rule: 'header-added',
  title: 'Header added in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The outside copy of the message carries a header that the inside copy does not. Plain NAT does not add SIP headers; an ALG (or another SIP-aware device on the router) did.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'header' && diff.change === 'added',
  summarize: (diff) => `${diff.field} present only outside: ${diff.outside?.text}`,
});
