import { payloadChanged } from '../../correlate/diff.js';
import { FindingCollector, describeMessage, locate } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/** The evidence behind "nat-without-alg" from two sides: addresses translated, payload byte-identical. */
export const natPayloadIntact: Rule = {
  id: 'nat-payload-intact',
  title: 'NAT translated the packets and left SIP untouched',
  scope: 'two-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'nat-payload-intact',
      title: 'NAT translated the packets and left SIP untouched',
      severity: 'info',
      confidence: 'high',
      implies: 'nat',
      explanation:
        'The same messages were seen on both sides of the router: the packet addresses or ports changed (NAT) but every SIP header and SDP line is identical. No SIP ALG rewrote these messages.',
      advice:
        'Nothing to disable. Behind NAT without an ALG, the provider (or its SBC) must handle NAT traversal (rport, received, symmetric RTP), or the phone must use keepalives or STUN.',
    });
    // A dialog with any rewritten message is the ALG rules' business, even if some messages got through intact.
    const rewrittenDialogs = new Set<string | undefined>();
    for (const pair of ctx.correlation.pairs) if (payloadChanged(pair)) rewrittenDialogs.add(pair.inside.callId);
    for (const pair of ctx.correlation.pairs) {
      if (!pair.translated || pair.proxied || rewrittenDialogs.has(pair.inside.callId)) continue;
      const src = pair.diffs.find((d) => d.field === 'src');
      const dst = pair.diffs.find((d) => d.field === 'dst');
      const translation = src ?? dst;
      collector.add(pair.inside.callId, 'packet addresses translated, SIP payload identical on both sides', {
        message: describeMessage(pair.inside),
        callId: pair.inside.callId,
        field: translation?.field,
        inside: translation?.inside?.text,
        outside: translation?.outside?.text,
        at: [locate(ctx, pair.inside), locate(ctx, pair.outside)],
      });
    }
    return collector.findings();
  },
};
