import { locateFrame } from '../dialog-evidence.js';
import { FindingCollector, describeMessage } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';
import { formatDuration } from '../../util/time.js';

export const transactionTimeout: Rule = {
  id: 'transaction-timeout',
  title: 'Request never answered (Timer B/F)',
  scope: 'timing',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'transaction-timeout',
      title: 'Request never answered (Timer B/F)',
      severity: 'warning',
      confidence: 'high',
      implies: 'symptom',
      explanation:
        'A request was retransmitted (T1 = 500 ms, doubling) and got no response until the sender gave up after 32 s (RFC 3261 Timer B for INVITE, Timer F for others). Either the request never reached its destination (firewall, closed NAT pinhole, an ALG that dropped it) or the responses never came back.',
      advice:
        'Check whether the request reached the other side of the router (capture both sides). Unanswered requests towards a phone usually mean its NAT binding expired; towards the provider, a firewall or ALG dropping them.',
    });
    for (const point of ctx.dialogs.points) {
      for (const tx of point.transactions) {
        if (tx.state !== 'timed-out' || !tx.request || !tx.timeout) continue;
        const msg = tx.request.message;
        const summary = `${tx.method} retransmitted ${tx.timeout.retransmissions} times over ${formatDuration(tx.timeout.firstToLastSendSeconds)} with no response (Timer ${tx.timeout.timer} = ${tx.timeout.timerSeconds} s)`;
        collector.add(tx.callId, summary, {
          message: describeMessage(msg),
          callId: tx.callId,
          note: `sent from ${msg.origin.src.ip}:${msg.origin.src.port} to ${msg.origin.dst.ip}:${msg.origin.dst.port}; watched for ${formatDuration(tx.timeout.observedSeconds)}`,
          at: [locateFrame(ctx, point, msg.origin.frames[0] ?? 0, msg.origin.ts, msg.id)],
        });
      }
    }
    return collector.findings();
  },
};
