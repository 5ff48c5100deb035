import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

/** SDP lines with a rule of their own. */
const OWN_RULE = new Set(['o', 'c', 'rtcp']);

export const sdpAttributeRewritten = pairDiffRule({
  rule: 'sdp-attribute-rewritten',
  title: 'Other SDP line rewritten in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'An SDP line other than o=, c= and the media ports (for example a=candidate, the codec list or a direction attribute) differs between the inside and the outside copy of the same message. Plain NAT never edits SDP.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.area === 'sdp' && diff.change === 'changed' && !OWN_RULE.has(diff.key) && !diff.field.endsWith(' port'),
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
