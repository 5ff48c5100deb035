import { ipLiteralsIn, isNatHidden, isPublic } from '../../util/address.js';
import { describeMessage } from '../evidence.js';
import { perMessageRule } from '../messages.js';
import type { SipMessage } from '../../sip/types.js';

/** An IPv6 literal is at most 39 characters and the shortest address 7: one swap moves the length by at most 32. */
const MAX_DELTA_PER_ADDRESS = 32;

const ADVICE =
  'Disable the SIP ALG on the router. To prove it, capture on the phone side too: if the phone sent a correct Content-Length, the router broke it.';

/**
 * Could an address rewrite in the body explain the difference? Not when the body still carries a
 * private address on a packet from a public source (nothing rewrote it), nor when the difference
 * is larger than swapping every address in the body could make.
 */
function explainableByRewrite(msg: SipMessage, delta: number): boolean {
  const body = Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength).toString('latin1');
  const addresses = ipLiteralsIn(body);
  if (addresses.length === 0) return false;
  if (isPublic(msg.origin.src.ip) && addresses.some(isNatHidden)) return false;
  return Math.abs(delta) <= MAX_DELTA_PER_ADDRESS * addresses.length;
}

const TITLE = 'Content-Length does not match the body';
/** Templates: the mismatch an address rewrite explains, and any other. */
const REWRITE = 0;
const OTHER = 1;

export const contentLengthMismatch = perMessageRule({
  id: 'content-length-mismatch',
  title: TITLE,
  templates: [
    {
      rule: 'content-length-mismatch',
      title: TITLE,
      severity: 'critical',
      confidence: 'medium',
      implies: 'alg-suspected',
      explanation:
        'The Content-Length header does not match the number of body bytes the datagram actually carries, by an amount an address rewrite in the body would explain. The classic cause is an ALG that replaced an address in the SDP with a longer or shorter one and did not fix Content-Length; the receiver then cuts the SDP short or rejects the message (often with 400 Bad Request), and the call fails or has no audio.',
      advice: ADVICE,
    },
    {
      rule: 'content-length-mismatch',
      title: TITLE,
      severity: 'warning',
      confidence: 'medium',
      implies: 'symptom',
      explanation:
        'The Content-Length header does not match the number of body bytes the datagram actually carries, but not in a way an address rewrite explains (the body was not rewritten, or the difference is too large). The sender, an edited or anonymised capture, or a truncating device is the likelier cause. Receivers may still reject the message.',
      advice: 'Check the sender\'s software; compare with a capture on the other side of the router to see where the mismatch appears.',
    },
  ],
  inspect(msg) {
    if (msg.origin.transport !== 'udp' || msg.declaredContentLength === undefined) return [];
    const delta = msg.body.length - msg.declaredContentLength;
    if (delta === 0) return [];
    const header = msg.headers.find((h) => h.canonical === 'content-length');
    const declared = msg.declaredContentLength;
    const carried = msg.body.length;
    return [
      {
        template: explainableByRewrite(msg, delta) ? REWRITE : OTHER,
        span: header?.valueSpan,
        says: () => ({
          summary: `Content-Length ${declared} but the body carries ${carried} bytes`,
          evidence: {
            message: describeMessage(msg),
            callId: msg.callId,
            field: 'Content-Length',
            value: String(declared),
            note: `declared ${declared}, body carries ${carried} bytes (${delta > 0 ? '+' : ''}${delta})`,
          },
        }),
      },
    ];
  },
});
