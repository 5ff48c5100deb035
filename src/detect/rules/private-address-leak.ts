import { describeMessage } from '../evidence.js';
import { perMessageRule, type MessageNote } from '../messages.js';
import { senderAddresses } from '../sender-addresses.js';
import { ipLiteralsIn, isNatHidden, isPublic } from '../../util/address.js';

/**
 * Headers the sender of a dialog-creating request writes about itself, which ALGs leave alone (the
 * Linux ALG never touches Call-ID). Headers naming someone else (To, Refer-To) and free text such
 * as User-Agent (version strings look like IPv4 addresses) are not read.
 */
const LEAKY_HEADERS = new Set([
  'call-id',
  'from',
  'p-asserted-identity',
  'p-preferred-identity',
  'remote-party-id',
  'authorization',
  'proxy-authorization',
]);

export const privateAddressLeak = perMessageRule({
  id: 'private-address-leak',
  title: 'Private address left behind after a rewrite',
  templates: [
    {
      rule: 'private-address-leak',
      title: 'Private address left behind after a rewrite',
      severity: 'warning',
      confidence: 'high',
      implies: 'alg-suspected',
      explanation:
        'Via, Contact and SDP carry a public address, but a private address still appears elsewhere in the same message (Call-ID, From/To, identity or authorization headers). That pattern is what a SIP ALG leaves behind when it rewrites the addressing headers and not the rest. A phone that learned its public address through STUN can produce the same pattern, so a capture on the phone side settles it.',
      advice:
        'Capture on the phone side of the router at the same time: if the phone sent the private address in Via/Contact/SDP, the router rewrote them. Then disable the SIP ALG.',
    },
  ],
  inspect(msg) {
    // Only a dialog-creating request sent by its author says who wrote the Call-ID and From.
    const creating = msg.kind === 'request' && msg.vias.length === 1 && msg.to?.params.tag === undefined;
    if (!creating || !isPublic(msg.origin.src.ip)) return [];
    const self = senderAddresses(msg).filter((a) => !a.field.startsWith('sdp o='));
    if (self.length === 0 || !self.some((a) => a.field.startsWith('Via') || a.field.startsWith('Contact'))) return [];
    if (!self.every((a) => isPublic(a.host))) return [];
    const notes: MessageNote[] = [];
    for (const header of msg.headers) {
      if (!LEAKY_HEADERS.has(header.canonical)) continue;
      const leaked = ipLiteralsIn(header.value).filter(isNatHidden);
      if (leaked.length === 0) continue;
      const { name, value } = header;
      notes.push({
        span: header.valueSpan,
        says: () => ({
          summary: `${name} still carries private ${leaked[0]} while Via/Contact/SDP carry public ${self[0]!.host}`,
          evidence: {
            message: describeMessage(msg),
            callId: msg.callId,
            field: name,
            value,
            note: `${self.map((a) => `${a.field} ${a.host}`).join(', ')}; packet source ${msg.origin.src.ip}`,
          },
        }),
      });
    }
    return notes;
  },
});
