import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

const VIA_ADDRESS_FIELDS = ['sent-by', 'received', 'rport', 'maddr'];

export const viaRewritten = pairDiffRule({
  rule: 'via-rewritten',
  title: 'Via header rewritten in transit',
  severity: 'critical',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The top Via (the address responses are sent back to) differs between the inside and the outside copy of the same message. A NAT does not look inside the payload; a SIP ALG does. When the ALG gets it wrong, responses go to the wrong place and registrations and calls fail intermittently.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.field.startsWith('Via[0].') && VIA_ADDRESS_FIELDS.includes(diff.field.slice('Via[0].'.length)),
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
