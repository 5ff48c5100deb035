/**
 * Evidence locations for the dialog stage's records (which carry a message id, a frame and a time
 * rather than the message itself).
 */
import type { Timestamp } from '../capture/types.js';
import type { PointDialogs } from '../dialog/types.js';
import type { DetectionContext, EvidenceLocation } from './types.js';

export function locateFrame(ctx: DetectionContext, point: PointDialogs, frame: number, ts: Timestamp, messageId?: number): EvidenceLocation {
  const info = ctx.pointInfo(point.point.key);
  return { point: point.point.key, source: info.source, side: info.side, frame, ts, messageId };
}
