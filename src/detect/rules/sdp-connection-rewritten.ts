import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const sdpConnectionRewritten = pairDiffRule({
  rule: 'sdp-connection-rewritten',
  title: 'SDP connection address (c=) rewritten in transit',
  severity: 'critical',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The SDP c= line (where the far end must send audio) differs between the inside and the outside copy of the same message. The SIP ALG replaced the media address and opened its own media pinhole; when it gets the address or the pinhole wrong, audio goes one way or not at all.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.key === 'c' && diff.change === 'changed',
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
