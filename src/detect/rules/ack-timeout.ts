import { locateFrame } from '../dialog-evidence.js';
import { FindingCollector, locate } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';
import { formatDuration } from '../../util/time.js';

/**
 * The callee answered, retransmitted its 2xx while waiting for the ACK and gave up at Timer H
 * (64 x T1 = 32 s), or sent BYE without ever seeing one: the classic "call drops after 32 seconds".
 */
export const ackTimeout: Rule = {
  id: 'ack-timeout',
  title: 'ACK never arrived: call dropped at Timer H',
  scope: 'timing',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'ack-timeout',
      title: 'ACK never arrived: call dropped at Timer H',
      severity: 'critical',
      confidence: 'high',
      implies: 'symptom',
      explanation:
        'The called side answered (200 OK) and kept retransmitting the answer because no ACK came back, then gave up after about 32 seconds (RFC 3261 Timer H = 64 x T1) and usually hung up. The caller sends the ACK to the Contact in the 200 OK; when an ALG or a NAT without traversal support leaves a wrong or private Contact there, or drops the ACK, the ACK never arrives and the call drops after ~32 s.',
      advice:
        'Compare the Contact of the 200 OK and the Record-Route on both sides of the router. If an ALG rewrote them, disable it; if the Contact is private and nothing rewrote it, the provider must do NAT traversal (or the phone must use STUN / an outbound proxy).',
    });
    for (const point of ctx.dialogs.points) {
      for (const dialog of point.dialogs) {
        if (dialog.kind !== 'call') continue;
        for (const leg of dialog.legs) {
          const answer = leg.answer;
          if (!answer || answer.ackSeen || (!answer.reachedTimerH && !answer.byeWithoutAck)) continue;
          const bye = answer.byeWithoutAck;
          const summary = bye
            ? `200 OK retransmitted ${answer.retransmissions} times over ${formatDuration(answer.retransmissionSpanSeconds)} without an ACK, then BYE from the ${bye.by} ${formatDuration(bye.secondsAfterAnswer)} after the answer`
            : `200 OK retransmitted ${answer.retransmissions} times over ${formatDuration(answer.retransmissionSpanSeconds)} (Timer H) without an ACK`;
          const at = [locateFrame(ctx, point, answer.frame, answer.ts, answer.messageId)];
          const byeMessage = bye && ctx.message(bye.messageId);
          if (byeMessage) at.push(locate(ctx, byeMessage));
          collector.add(dialog.callId, summary, {
            message: `200 OK (CSeq INVITE) on leg ${leg.toTag || '(no tag)'}`,
            callId: dialog.callId,
            note: summary,
            at,
          });
        }
      }
    }
    return collector.findings();
  },
};
