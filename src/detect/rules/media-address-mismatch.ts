import { isNatHidden, isPublic } from '../../util/address.js';
import { locateFrame } from '../dialog-evidence.js';
import { FindingCollector } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/**
 * RTP that comes from another address or port than its sender's SDP announced. From a public
 * address where the SDP said private, that is plain NAT with the SDP left alone (no ALG); other
 * mismatches are reported as symptoms (media relays and SBCs do this on purpose).
 */
export const mediaAddressMismatch: Rule = {
  id: 'media-address-mismatch',
  title: 'RTP comes from another address than the SDP says',
  scope: 'media',
  detect(ctx: DetectionContext) {
    const natCollector = new FindingCollector({
      rule: 'media-address-mismatch',
      title: 'RTP comes from another address than the SDP says',
      severity: 'info',
      confidence: 'high',
      implies: 'nat',
      explanation:
        'The SDP announced a private media address but RTP arrives from a public one: the media crossed a NAT and nothing rewrote the SDP. The far end has to send its RTP back to where the RTP came from (symmetric RTP / comedia), or audio is one-way.',
      advice: 'Make sure the provider uses symmetric RTP (comedia / NAT=yes), or let the phone learn its public address with STUN.',
    });
    const otherCollector = new FindingCollector({
      rule: 'media-address-mismatch',
      title: 'RTP comes from another address than the SDP says',
      severity: 'warning',
      confidence: 'medium',
      implies: 'symptom',
      explanation:
        'RTP arrives from an address or port other than the one its sender put in the SDP. NAT port changes, an ALG that rewrote the SDP with a port it did not keep, or a media relay all produce this. The receiver must then latch onto the real source, or audio fails.',
      advice: 'Compare the SDP on both sides of the router with the RTP source; if an ALG changed the SDP ports, disable it.',
    });
    for (const point of ctx.dialogs.points) {
      for (const dialog of point.dialogs) {
        for (const session of dialog.media) {
          for (const stream of session.streams) {
            const match = stream.match;
            if (!match || match.role !== 'rtp' || !match.expectedSrc) continue;
            if (match.srcMismatch !== 'address' && match.srcMismatch !== 'port') continue;
            const expected = match.expectedSrc;
            const natted = isNatHidden(expected.ip) && isPublic(stream.src.ip);
            const collector = natted ? natCollector : otherCollector;
            collector.add(
              dialog.callId,
              `RTP from the ${match.sender} comes from ${stream.src.ip}:${stream.src.port}, SDP said ${expected.ip}:${expected.port}`,
              {
                message: `${session.mediaType} RTP from the ${match.sender}`,
                callId: dialog.callId,
                field: 'RTP source',
                value: `${stream.src.ip}:${stream.src.port}`,
                note: `SDP announced ${expected.ip}:${expected.port} (${match.srcMismatch} differs); ${stream.packets} packets`,
                at: [locateFrame(ctx, point, stream.firstFrame, stream.firstTs)],
              },
            );
          }
        }
      }
    }
    return [...natCollector.findings(), ...otherCollector.findings()];
  },
};
