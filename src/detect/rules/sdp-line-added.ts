import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { pairDiffRule } from './pair-diff-rule.js';

export const sdpLineAdded = pairDiffRule({
  rule: 'sdp-line-added',
  title: 'SDP line added in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The outside copy of the SDP carries a line that the inside copy does not. FortiGate, for example, adds an i= line holding the original address (nat-trace). Plain NAT never edits SDP.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.change === 'added',
  summarize: (diff) => `SDP line present only outside: ${diff.outside?.text}`,
});
