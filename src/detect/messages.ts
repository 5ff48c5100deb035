/**
 * The distinct messages one-sided rules look at: retransmissions are the same message sent again
 * and would only repeat the same evidence, so each capture point's copies are visited once.
 */
import { matchKey } from '../correlate/correlate.js';
import type { SipMessage } from '../sip/types.js';
import type { DetectionContext } from './types.js';

export function* distinctMessages(ctx: DetectionContext): Generator<SipMessage> {
  for (const point of ctx.points) {
    const seen = new Set<string>();
    for (const msg of point.messages) {
      const key = matchKey(msg);
      if (seen.has(key)) continue;
      seen.add(key);
      yield msg;
    }
  }
}
