import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const sdpMediaPortRewritten = pairDiffRule({
  rule: 'sdp-media-port-rewritten',
  title: 'SDP media port rewritten in transit',
  severity: 'critical',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The RTP port in an m= line (or the RTCP port in a=rtcp) differs between the inside and the outside copy of the same message. The ALG mapped the media to a port of its own; ALGs that pick random ports break the RTP/RTCP pairing and cause one-way audio when the mapping is not kept open.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.change === 'changed' && (diff.field.endsWith(' port') || diff.key === 'rtcp'),
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
