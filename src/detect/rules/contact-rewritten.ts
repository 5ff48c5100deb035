import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

export const contactRewritten = pairDiffRule({
  rule: 'contact-rewritten',
  title: 'Contact header rewritten in transit',
  severity: 'critical',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'The Contact URI (where the phone asks to be reached for this registration or call) differs between the inside and the outside copy of the same message. A SIP ALG replaced it. If the replacement or the pinhole behind it is wrong, inbound calls, in-dialog requests (BYE, re-INVITE) and ACKs go astray.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff) => diff.key === 'contact' && diff.change === 'changed',
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
