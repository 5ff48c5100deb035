import { FindingCollector, describeMessage, locate } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/**
 * A message of a dialog that demonstrably crosses the router was seen on one side and never on the
 * other (within the time both captures cover). Retransmissions of one lost message are one piece
 * of evidence each: how many times the sender tried matters to the reader.
 */
export const messageDropped: Rule = {
  id: 'message-dropped',
  title: 'Message dropped by the router',
  scope: 'two-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'message-dropped',
      title: 'Message dropped by the router',
      severity: 'critical',
      confidence: 'medium',
      implies: 'alg-suspected',
      explanation:
        'Other messages of this dialog crossed the router, but this one was seen on one side and never on the other. Linux-based ALGs drop messages they cannot parse or rewrite, and some ALGs drop TCP or fragmented SIP. Capture loss can look the same, so check the capture drop counters.',
      advice:
        'Disable the SIP ALG on the router. If it is already off, check the firewall rules and the capture drop counters of both captures.',
    });
    for (const drop of ctx.correlation.dropped) {
      const msg = drop.message;
      const where = drop.direction === 'outbound' ? 'left the phone side but never reached the outside' : 'arrived from outside but never reached the phone side';
      collector.add(msg.callId, `${describeMessage(msg)} ${where}`, {
        message: describeMessage(msg),
        callId: msg.callId,
        note: `seen at ${drop.seenAt.ref.key} (${drop.seenAt.side}), missing at ${drop.missingAt.ref.key} (${drop.missingAt.side})`,
        at: [locate(ctx, msg)],
      });
    }
    return collector.findings();
  },
};
