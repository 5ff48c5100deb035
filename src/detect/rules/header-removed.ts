import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { pairDiffRule } from './pair-diff-rule.js';

export const headerRemoved = pairDiffRule({
  rule: 'header-removed',
  title: 'Header removed in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The inside copy of the message carries a header that the outside copy does not. Plain NAT does not remove SIP headers; an ALG (or another SIP-aware device on the router) did.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'header' && diff.change === 'removed',
  summarize: (diff) => `${diff.field} present only inside: ${diff.inside?.text}`,
});
