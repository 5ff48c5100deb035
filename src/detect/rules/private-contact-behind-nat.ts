import { describeMessage } from '../evidence.js';
import { perMessageRule, type MessageNote } from '../messages.js';
import { senderAddresses } from '../sender-addresses.js';
import { isNatHidden, isPublic } from '../../util/address.js';

/**
 * NAT without ALG, seen from one side: a private address in what the sender wrote about itself,
 * on a packet that comes from a public address (seen outside), or a response whose Via shows the
 * server received the request from a public address although its sent-by was private (seen inside).
 */
export const privateContactBehindNat = perMessageRule({
  id: 'private-contact-behind-nat',
  title: 'Private address in SIP from behind a NAT (no ALG rewrite)',
  templates: [
    {
      rule: 'private-contact-behind-nat',
      title: 'Private address in SIP from behind a NAT (no ALG rewrite)',
      severity: 'info',
      confidence: 'high',
      implies: 'nat',
      explanation:
        'The message crossed a NAT with its private addresses intact: no ALG rewrote it. This is normal for NAT without an ALG, and it works when the provider does NAT traversal (answering to the packet source, rport, symmetric RTP); if the provider does not, inbound calls, ACKs and audio fail.',
      advice:
        'Keep the SIP ALG off. Make sure the provider handles NAT (rport/received, symmetric RTP, NAT keepalives), or have the phone send keepalives (CRLF or OPTIONS every 20-25 s) and use STUN or an outbound proxy.',
    },
  ],
  inspect(msg) {
    const notes: MessageNote[] = [];
    const src = msg.origin.src.ip;
    const privateSelf = isPublic(src) ? senderAddresses(msg).filter((self) => isNatHidden(self.host)) : [];
    if (privateSelf.length > 0) {
      notes.push({
        span: privateSelf[0]!.span,
        says: () => {
          const fields = privateSelf.map((self) => self.field).join(', ');
          return {
            summary: `${fields} ${privateSelf.length > 1 ? 'carry' : 'carries'} private ${privateSelf[0]!.host} while the packet comes from public ${src}`,
            evidence: {
              message: describeMessage(msg),
              callId: msg.callId,
              field: fields,
              value: [...new Set(privateSelf.map((self) => self.host))].join(', '),
              note: `packet source ${src}`,
            },
          };
        },
      });
    }
    const via = msg.vias[0];
    if (msg.kind === 'response' && via?.received && isNatHidden(via.host) && isPublic(via.received)) {
      const { host, received } = via;
      notes.push({
        span: via.span,
        says: () => ({
          summary: `the server saw private Via ${host} arrive from public ${received}`,
          evidence: {
            message: describeMessage(msg),
            callId: msg.callId,
            field: 'Via[0].received',
            value: received,
            note: `sent-by ${host}, received=${received}: the request left the NAT with its private Via unchanged`,
          },
        }),
      });
    }
    return notes;
  },
});
