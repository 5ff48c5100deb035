import { describeMessage } from '../evidence.js';
import { perMessageRule } from '../messages.js';
import { isNatHidden, isPublic } from '../../util/address.js';

/**
 * o= private while a c= is public: the media address was changed and the origin was not. Many
 * endpoints write differing o= and c= on purpose (multi-homed hosts, media servers), so only the
 * private-origin/public-connection pattern is reported, and only as a suspicion.
 */
export const sdpOriginConnectionMismatch = perMessageRule({
  id: 'sdp-origin-connection-mismatch',
  title: 'SDP origin private, connection public',
  templates: [
    {
      rule: 'sdp-origin-connection-mismatch',
      title: 'SDP origin private, connection public',
      severity: 'info',
      confidence: 'low',
      implies: 'alg-suspected',
      explanation:
        'The SDP o= line carries a private address while c= carries a public one. An ALG that rewrites the media address but not the origin leaves this pattern; so does a phone using STUN for media, or a media relay.',
      advice: 'Capture on the phone side at the same time to see whether the phone wrote the public c= itself.',
    },
  ],
  inspect(msg) {
    const sdp = msg.sdp;
    const origin = sdp?.origin;
    if (!sdp || !origin || !isNatHidden(origin.address)) return [];
    const connections = [sdp.connection, ...sdp.media.map((m) => m.connection)].filter((c) => c !== undefined);
    const publicConnection = connections.find((c) => isPublic(c.address));
    if (!publicConnection) return [];
    return [
      {
        span: origin.line.span,
        says: () => ({
          summary: `o= ${origin.address} (private) but c= ${publicConnection.address} (public)`,
          evidence: {
            message: describeMessage(msg),
            callId: msg.callId,
            field: 'sdp o=/c=',
            value: `o=${origin.line.value} | c=${publicConnection.line.value}`,
          },
        }),
      },
    ];
  },
});
