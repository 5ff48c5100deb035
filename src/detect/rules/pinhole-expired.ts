import { formatEndpoint, type Endpoint } from '../../decode/index.js';
import type { PointDialogs, RegistrationRefresh, Transaction } from '../../dialog/types.js';
import type { SipMessage } from '../../sip/types.js';
import { formatDuration, toSeconds } from '../../util/time.js';
import { locateFrame } from '../dialog-evidence.js';
import { FindingCollector, describeMessage, locate } from '../evidence.js';
import type { DetectionContext, EvidenceLocation, PointObservations, Rule } from '../types.js';

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.ip === b.ip && a.port === b.port;
}

/** The successful registration of this binding that was still valid when the request was sent. */
function validRefresh(refreshes: RegistrationRefresh[], binding: Endpoint, at: number): RegistrationRefresh | undefined {
  let found: RegistrationRefresh | undefined;
  for (const refresh of refreshes) {
    const t = toSeconds(refresh.ts);
    if (!sameEndpoint(refresh.src, binding) || t > at) continue;
    if (refresh.grantedExpires !== undefined && t + refresh.grantedExpires < at) continue;
    found = refresh;
  }
  return found;
}

/**
 * Last message the phone sent from the binding before `at`, held or forgotten: what kept the NAT
 * mapping alive. (A forgotten one counts only when it is the binding's latest and came before `at`.)
 */
function lastActivityFrom(ctx: DetectionContext, point: PointDialogs, observations: PointObservations, binding: Endpoint, at: number): EvidenceLocation | undefined {
  let last: SipMessage | undefined;
  for (const msg of observations.messages) {
    const t = toSeconds(msg.origin.ts);
    if (t >= at) break;
    if (sameEndpoint(msg.origin.src, binding)) last = msg;
  }
  const forgotten = observations.forgottenSends.get(formatEndpoint(binding.ip, binding.port));
  if (forgotten && toSeconds(forgotten.ts) < at && (!last || toSeconds(forgotten.ts) > toSeconds(last.origin.ts))) {
    return locateFrame(ctx, point, forgotten.frame, forgotten.ts, forgotten.messageId);
  }
  return last && locate(ctx, last);
}

function unanswered(tx: Transaction): boolean {
  if (!tx.request || tx.responses.length > 0) return false;
  return tx.state === 'timed-out' || (tx.state === 'pending' && tx.request.retransmissionCount > 0);
}

/**
 * An inbound request to a registered binding went unanswered (or the NAT answered with ICMP
 * unreachable) after the binding had been idle, while the registration was still valid: the NAT
 * forgot the mapping. The idle time is an upper bound on the NAT's UDP timeout.
 */
export const pinholeExpired: Rule = {
  id: 'pinhole-expired',
  title: 'NAT pinhole closed while the registration was valid',
  scope: 'timing',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'pinhole-expired',
      title: 'NAT pinhole closed while the registration was valid',
      severity: 'critical',
      confidence: 'high',
      implies: 'symptom',
      explanation:
        'The phone registered and the registrar accepted the binding, but a later request to that binding (an inbound call, for example) got no answer or an ICMP unreachable from the NAT, while the registration was still valid. The NAT had dropped its UDP mapping because nothing crossed it for a while: inbound calls fail until the phone sends something again. The idle time is an upper bound on the NAT\'s UDP timeout (RFC 4787 asks for at least 2 minutes; many routers use 30-60 s).',
      advice:
        'Make the phone send keepalives (CRLF or OPTIONS) or re-register more often than the idle time shown, or raise the router\'s UDP timeout for SIP. A working SIP ALG also keeps registration pinholes open, but an ALG brings the rewriting problems; prefer keepalives.',
    });
    for (const point of ctx.dialogs.points) {
      const observations = ctx.points.find((p) => p.key === point.point.key);
      if (!observations) continue;
      checkPoint(ctx, point, observations, collector);
    }
    return collector.findings();
  },
};

function checkPoint(ctx: DetectionContext, point: PointDialogs, observations: PointObservations, collector: FindingCollector): void {
  const refreshes = point.acceptedRegistrations();
  if (refreshes.length === 0) return;
  for (const tx of point.transactions) {
    if (!unanswered(tx)) continue;
    const request = tx.request!.message;
    const at = toSeconds(request.origin.ts);
    const refresh = validRefresh(refreshes, request.origin.dst, at);
    if (!refresh) continue;
    const last = lastActivityFrom(ctx, point, observations, request.origin.dst, at);
    const idle = at - toSeconds(last?.ts ?? refresh.ts);
    const remaining = refresh.grantedExpires !== undefined ? toSeconds(refresh.ts) + refresh.grantedExpires - at : undefined;
    const icmp = observations.icmpErrors.filter(
      (e) => e.quoted && sameEndpoint(e.quoted.dst, request.origin.dst) && toSeconds(e.ts) >= at,
    );
    const binding = `${request.origin.dst.ip}:${request.origin.dst.port}`;
    const outcome = icmp.length > 0 ? `answered by ICMP ${icmp[0]!.kind} from ${icmp[0]!.from}` : `no response after ${tx.request!.retransmissionCount} retransmissions`;
    const suggested = Math.max(5, Math.floor(idle / 2));
    collector.add(request.callId, `${tx.method} to registered binding ${binding}: ${outcome}; the binding had been idle ${formatDuration(idle)}`, {
      message: describeMessage(request),
      callId: request.callId,
      field: 'binding',
      value: binding,
      note:
        `registration accepted at frame ${refresh.frame}` +
        (remaining !== undefined ? `, still valid for ${Math.round(remaining)} s` : '') +
        `; idle ${formatDuration(idle)} since the phone last sent from ${binding}, so the NAT's UDP timeout is shorter than that;` +
        ` keepalives every ${suggested} s or less would have kept it open`,
      at: [
        last ?? locateFrame(ctx, point, refresh.frame, refresh.ts, refresh.responseId),
        locate(ctx, request),
        ...icmp.slice(0, 3).map((e) => locateFrame(ctx, point, e.frameNumber, e.ts)),
      ],
    });
  }
}
