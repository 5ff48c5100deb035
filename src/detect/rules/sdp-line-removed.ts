import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { pairDiffRule } from './pair-diff-rule.js';

export const sdpLineRemoved = pairDiffRule({
  rule: 'sdp-line-removed',
  title: 'SDP line removed in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The inside copy of the SDP carries a line that the outside copy does not (a codec, an ICE candidate, an RTCP attribute...). Plain NAT never edits SDP; something SIP-aware on the router removed it.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.change === 'removed',
  summarize: (diff) => `SDP line present only inside: ${diff.inside?.text}`,
});
