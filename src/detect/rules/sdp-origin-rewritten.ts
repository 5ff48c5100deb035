import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const sdpOriginRewritten = pairDiffRule({
  rule: 'sdp-origin-rewritten',
  title: 'SDP origin (o=) rewritten in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The SDP o= line (the session originator) differs between the inside and the outside copy of the same message. Only a SIP ALG edits SDP bodies in a router.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.key === 'o' && diff.change === 'changed',
  summarize: (diff) => `o= changed: ${changeText(diff)}`,
});
