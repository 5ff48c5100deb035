import type { FieldDiff, MessagePair } from '../../correlate/types.js';
import { DISABLE_ALG_ADVICE } from '../evidence.js';
import { changeText, pairDiffRule } from './pair-diff-rule.js';

/** Fields with a rule of their own. */
function hasOwnRule(diff: FieldDiff): boolean {
  if (diff.key === 'request-uri' || diff.key === 'call-id') return true;
  if (diff.key === 'contact') return true;
  if (diff.field === 'From' || diff.field === 'To') return true;
  return /^Via\[0\]\.(sent-by|received|rport|maddr)$/.test(diff.field);
}

/** A Content-Length that was recomputed to fit a rewritten body is a consequence, reported with the body. */
function isConsistentLengthUpdate(diff: FieldDiff, pair: MessagePair): boolean {
  return (
    diff.key === 'content-length' &&
    pair.inside.declaredContentLength === pair.inside.bodySpan.length &&
    pair.outside.declaredContentLength === pair.outside.bodySpan.length
  );
}

export const headerRewritten = pairDiffRule({
  rule: 'header-rewritten',
  title: 'Header rewritten in transit',
  severity: 'warning',
  confidence: 'high',
  implies: 'alg',
  explanation:
    'A SIP header (named in the evidence) has a different value on the two sides of the router. Plain NAT never edits SIP headers; something in the path, normally the SIP ALG, did.',
  advice: DISABLE_ALG_ADVICE,
  matches: (diff, pair) =>
    diff.area === 'header' && diff.change === 'changed' && !hasOwnRule(diff) && !isConsistentLengthUpdate(diff, pair),
  summarize: (diff) => `${diff.field} changed: ${changeText(diff)}`,
});
