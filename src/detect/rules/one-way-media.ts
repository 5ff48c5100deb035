import type { MediaSession, Party } from '../../dialog/types.js';
import { formatDuration, toSeconds } from '../../util/time.js';
import { locateFrame } from '../dialog-evidence.js';
import { FindingCollector } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/** Below this, a direction's media is too short to call the other direction missing. */
const MIN_PACKETS = 25;

function rtpPackets(session: MediaSession, sender: Party): number {
  let packets = 0;
  for (const stream of session.streams) {
    if (stream.match?.sender !== sender || stream.match.role !== 'rtp') continue;
    for (const ssrc of stream.rtp) packets += ssrc.packets;
  }
  return packets;
}

/** Both SDPs let this party send (not on hold, not inactive). */
function maySend(session: MediaSession, sender: Party): boolean {
  const own = sender === 'caller' ? session.caller : session.callee;
  const other = sender === 'caller' ? session.callee : session.caller;
  if (!own || !other || own.disabled || other.disabled) return false;
  const sends = own.direction === 'sendrecv' || own.direction === 'sendonly';
  const receives = other.direction === 'sendrecv' || other.direction === 'recvonly';
  return sends && receives;
}

export const oneWayMedia: Rule = {
  id: 'one-way-media',
  title: 'One-way audio: RTP in one direction only',
  scope: 'media',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'one-way-media',
      title: 'One-way audio: RTP in one direction only',
      severity: 'critical',
      confidence: 'medium',
      implies: 'symptom',
      explanation:
        'The call was answered and both sides agreed to send media, but RTP was seen flowing in one direction only at this capture point. The missing direction is being sent to an address that does not lead back through the NAT: a private or wrongly rewritten c= address, or a media pinhole the ALG or NAT did not open.',
      advice:
        'Compare the SDP c= and m= lines on both sides of the router with where RTP actually flows. If an ALG rewrote them, disable it; otherwise enable symmetric RTP / media NAT handling at the provider, or STUN on the phone.',
    });
    for (const point of ctx.dialogs.points) {
      for (const dialog of point.dialogs) {
        if (dialog.kind !== 'call' || !dialog.answerTs) continue;
        for (const session of dialog.media) {
          const fromCaller = rtpPackets(session, 'caller');
          const fromCallee = rtpPackets(session, 'callee');
          const [flowing, silent] = fromCaller >= MIN_PACKETS && fromCallee === 0 ? (['caller', 'callee'] as const) : fromCallee >= MIN_PACKETS && fromCaller === 0 ? (['callee', 'caller'] as const) : [undefined, undefined];
          if (!flowing || !maySend(session, silent)) continue;
          const streams = session.streams.filter((s) => s.match?.sender === flowing && s.match.role === 'rtp');
          const first = streams[0]!;
          const last = streams.reduce((a, b) => (toSeconds(b.lastTs) > toSeconds(a.lastTs) ? b : a));
          const expected = silent === 'caller' ? session.callee?.rtp : session.caller?.rtp;
          const summary = `${session.mediaType} RTP only from the ${flowing} (${flowing === 'caller' ? fromCaller : fromCallee} packets over ${formatDuration(toSeconds(last.lastTs) - toSeconds(first.firstTs))}); nothing from the ${silent}`;
          collector.add(dialog.callId, summary, {
            message: `${session.mediaType} stream, leg ${session.toTag || '(no tag)'}`,
            callId: dialog.callId,
            field: `m=${session.mediaType}`,
            note: `${flowing} sends from ${first.src.ip}:${first.src.port} to ${first.dst.ip}:${first.dst.port}; no RTP from the ${silent}${expected ? ` (expected towards ${expected.ip}:${expected.port})` : ''}`,
            at: [locateFrame(ctx, point, first.firstFrame, first.firstTs)],
          });
        }
      }
    }
    return collector.findings();
  },
};
