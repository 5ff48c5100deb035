import { FindingCollector, describeMessage, locate } from '../evidence.js';
import { distinctMessages } from '../messages.js';
import { senderAddresses } from '../sender-addresses.js';
import type { DetectionContext, Rule } from '../types.js';
import { isPublic } from '../../util/address.js';

/**
 * A request whose sender-written Via or Contact is a public address other than the one the packet
 * came from. An ALG that writes the wrong WAN address (multi-WAN, or a stale address) does this; so
 * do servers in a cluster and phones configured with a fixed "public address", hence low confidence.
 */
export const signallingAddressMismatch: Rule = {
  id: 'signalling-address-mismatch',
  title: 'Via or Contact is public but not the packet source',
  scope: 'one-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'signalling-address-mismatch',
      title: 'Via or Contact is public but not the packet source',
      severity: 'warning',
      confidence: 'low',
      implies: 'alg-suspected',
      explanation:
        'The sender wrote a public address into Via or Contact, but the packet arrived from a different public address. An ALG that rewrites with the wrong WAN address produces this, and responses or inbound requests then go to an address that does not lead back to the phone.',
      advice:
        'Check which public address the router uses (multi-WAN, failover) and whether the phone has a fixed "public address" configured; capture on the phone side to see what the phone wrote.',
    });
    for (const msg of distinctMessages(ctx)) {
      const src = msg.origin.src.ip;
      if (msg.kind !== 'request' || msg.vias.length !== 1 || !isPublic(src)) continue;
      for (const self of senderAddresses(msg)) {
        if (self.field.startsWith('sdp') || !isPublic(self.host) || self.host === src) continue;
        collector.add(msg.callId, `${self.field} says ${self.host} but the packet came from ${src}`, {
          message: describeMessage(msg),
          callId: msg.callId,
          field: self.field,
          value: self.host,
          note: `packet source ${src}`,
          at: [locate(ctx, msg, self.span)],
        });
      }
    }
    return collector.findings();
  },
};
