import { toSeconds } from '../../util/time.js';
import { FindingCollector } from '../evidence.js';
import type { DetectionContext, EvidenceLocation, PointObservations, Rule } from '../types.js';
import type { SipKeepalive } from '../../sip/types.js';

/** NAT forwarding takes milliseconds; the clock offset between the two captures is removed first. */
const WINDOW_SECONDS = 2;

function visibleBytes(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 16)].map((b) => (b === 13 ? '\\r' : b === 10 ? '\\n' : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function where(point: PointObservations, keepalive: SipKeepalive): EvidenceLocation {
  return { point: point.key, source: point.source, side: point.side, frame: keepalive.origin.frames[0] ?? 0, ts: keepalive.origin.ts };
}

/**
 * A keepalive the phone sent (inside) that left the router with other bytes (outside). Which bytes
 * a phone uses is its own business (some send spaces); only a change in transit is an ALG's doing.
 * Keepalives pair up by destination (the server, which NAT does not change) and time.
 */
export const keepaliveMangled: Rule = {
  id: 'keepalive-mangled',
  title: 'CRLF keepalive altered in transit',
  scope: 'two-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'keepalive-mangled',
      title: 'CRLF keepalive altered in transit',
      severity: 'warning',
      confidence: 'high',
      implies: 'alg',
      explanation:
        'A keepalive the phone sent left the router with different bytes. Keepalives (CRLF CRLF ping, CRLF pong, RFC 5626) keep the NAT binding and the connection to the provider alive; an ALG that mangles them makes the far end ignore them, and the binding or registration times out.',
      advice: 'Disable the SIP ALG, or switch the phone to OPTIONS keepalives.',
    });
    for (const offset of ctx.correlation.clockOffsets) {
      const inside = ctx.points.find((p) => p.key === offset.insideKey);
      const outside = ctx.points.find((p) => p.key === offset.outsideKey);
      if (!inside || !outside) continue;
      const taken = new Set<SipKeepalive>();
      for (const sent of inside.keepalives) {
        const t = toSeconds(sent.origin.ts) + offset.offsetSeconds;
        const copy = outside.keepalives.find(
          (k) =>
            !taken.has(k) &&
            k.origin.dst.ip === sent.origin.dst.ip &&
            k.origin.dst.port === sent.origin.dst.port &&
            Math.abs(toSeconds(k.origin.ts) - t) <= WINDOW_SECONDS,
        );
        if (!copy) continue;
        taken.add(copy);
        if (sameBytes(sent.bytes, copy.bytes)) continue;
        collector.add(undefined, `keepalive to ${sent.origin.dst.ip}:${sent.origin.dst.port} changed from ${visibleBytes(sent.bytes)} to ${visibleBytes(copy.bytes)}`, {
          field: 'keepalive',
          inside: visibleBytes(sent.bytes),
          outside: visibleBytes(copy.bytes),
          at: [where(inside, sent), where(outside, copy)],
        });
      }
    }
    return collector.findings();
  },
};
