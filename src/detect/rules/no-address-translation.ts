import { FindingCollector, describeMessage, locate } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/** The evidence behind "no-nat" from two sides: the same packet addresses at both capture points. */
export const noAddressTranslation: Rule = {
  id: 'no-address-translation',
  title: 'No address translation between the capture points',
  scope: 'two-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'no-address-translation',
      title: 'No address translation between the capture points',
      severity: 'info',
      confidence: 'high',
      implies: 'no-nat',
      explanation:
        'The same messages were seen at both capture points with the same packet addresses and ports and an identical payload: there is no NAT (and so no NAT ALG) between them.',
      advice: 'If a router is meant to sit between these capture points, check that the captures were taken on its two sides.',
    });
    for (const pair of ctx.correlation.pairs) {
      if (pair.translated || pair.proxied || pair.diffs.length > 0) continue;
      collector.add(pair.inside.callId, 'same packet addresses and identical payload at both capture points', {
        message: describeMessage(pair.inside),
        callId: pair.inside.callId,
        at: [locate(ctx, pair.inside), locate(ctx, pair.outside)],
      });
    }
    return collector.findings();
  },
};
