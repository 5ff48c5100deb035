import { describeMessage } from '../evidence.js';
import { perMessageRule } from '../messages.js';
import { senderAddresses } from '../sender-addresses.js';
import { isPublic } from '../../util/address.js';

/**
 * A request whose sender-written Via or Contact is a public address other than the one the packet
 * came from. An ALG that writes the wrong WAN address (multi-WAN, or a stale address) does this; so
 * do servers in a cluster and phones configured with a fixed "public address", hence low confidence.
 */
export const signallingAddressMismatch = perMessageRule({
  id: 'signalling-address-mismatch',
  title: 'Via or Contact is public but not the packet source',
  templates: [
    {
      rule: 'signalling-address-mismatch',
      title: 'Via or Contact is public but not the packet source',
      severity: 'warning',
      confidence: 'low',
      implies: 'alg-suspected',
      explanation:
        'The sender wrote a public address into Via or Contact, but the packet arrived from a different public address. An ALG that rewrites with the wrong WAN address produces this, and responses or inbound requests then go to an address that does not lead back to the phone.',
      advice:
        'Check which public address the router uses (multi-WAN, failover) and whether the phone has a fixed "public address" configured; capture on the phone side to see what the phone wrote.',
    },
  ],
  inspect(msg) {
    const src = msg.origin.src.ip;
    if (msg.kind !== 'request' || msg.vias.length !== 1 || !isPublic(src)) return [];
    return senderAddresses(msg)
      .filter((self) => !self.field.startsWith('sdp') && isPublic(self.host) && self.host !== src)
      .map((self) => ({
        span: self.span,
        says: () => ({
          summary: `${self.field} says ${self.host} but the packet came from ${src}`,
          evidence: {
            message: describeMessage(msg),
            callId: msg.callId,
            field: self.field,
            value: self.host,
            note: `packet source ${src}`,
          },
        }),
      }));
  },
});
