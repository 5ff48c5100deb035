import { FindingCollector, describeMessage, locate } from '../evidence.js';
import type { DetectionContext, Rule } from '../types.js';

/** Defects that have a rule of their own, or that are normal (a UDP message without Content-Length). */
const NOT_MALFORMED = new Set(['content-length-mismatch', 'content-length-missing']);

export const malformedSip: Rule = {
  id: 'malformed-sip',
  title: 'Malformed SIP',
  scope: 'one-sided',
  detect(ctx: DetectionContext) {
    const collector = new FindingCollector({
      rule: 'malformed-sip',
      title: 'Malformed SIP',
      severity: 'warning',
      confidence: 'medium',
      implies: 'symptom',
      explanation:
        'A SIP message does not parse cleanly at the byte named in the evidence. Receivers drop or reject such messages. A broken rewrite by an ALG is one cause; a faulty endpoint or a truncated capture are others. A capture on the other side of the router shows which.',
      advice: 'Compare with a capture on the other side of the router; if the message was well-formed there, disable the SIP ALG.',
    });
    for (const point of ctx.points) {
      for (const msg of point.messages) {
        for (const defect of msg.defects) {
          if (NOT_MALFORMED.has(defect.code)) continue;
          collector.add(msg.callId, `${defect.message} at byte ${defect.offset} of the message`, {
            message: describeMessage(msg),
            callId: msg.callId,
            field: defect.code,
            note: defect.message,
            at: [locate(ctx, msg, { offset: defect.offset, length: 1 })],
          });
        }
      }
      for (const problem of point.framingProblems) {
        collector.add(undefined, `${problem.message} at byte ${problem.offset}`, {
          field: problem.code,
          note: problem.message,
          at: [{ point: problem.origin.point.key, source: point.source, side: point.side, frame: problem.origin.frames[0] ?? 0, ts: problem.origin.ts }],
        });
      }
    }
    return collector.findings();
  },
};
