import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const requestUriRewritten = pairDiffRule({
  rule: 'request-uri-rewritten',
  title: 'Request-URI rewritten in transit',
  severity: 'critical',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The same request has a different Request-URI on the two sides of the router. NAT only changes packet addresses; only a SIP ALG edits the request line. For inbound calls this is how an ALG redirects the call to the phone, and when it picks the wrong address the phone never rings.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.field === 'Request-URI' && diff.change === 'changed',
  summarize: (diff) => `Request-URI changed: ${changeText(diff)}`,
});
