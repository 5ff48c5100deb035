/**
 * Provenance arithmetic: lists of PayloadSegment (sorted by payloadOffset, contiguous) that map
 * bytes of a reassembled buffer back to frame bytes.
 */
import type { PayloadSegment } from './types.js';

/**
 * The part of `segments` that covers buffer bytes [from, from + length), with payloadOffset
 * re-based so that byte `from` becomes `base`. Appends to `out` (a new array by default).
 */
export function sliceSegments(
  segments: readonly PayloadSegment[],
  from: number,
  length: number,
  base = 0,
  out: PayloadSegment[] = [],
): PayloadSegment[] {
  const to = from + length;
  for (const segment of segments) {
    const segmentEnd = segment.payloadOffset + segment.length;
    if (segmentEnd <= from) continue;
    if (segment.payloadOffset >= to) break;
    const start = Math.max(from, segment.payloadOffset);
    const end = Math.min(to, segmentEnd);
    out.push({
      frameNumber: segment.frameNumber,
      frameOffset: segment.frameOffset + (start - segment.payloadOffset),
      payloadOffset: base + (start - from),
      length: end - start,
    });
  }
  return out;
}

/** Frame number and frame offset of byte `position` of a buffer described by `segments`. */
export function locateByte(segments: readonly PayloadSegment[], position: number): { frameNumber: number; frameOffset: number } | undefined {
  for (const segment of segments) {
    if (position >= segment.payloadOffset && position < segment.payloadOffset + segment.length) {
      return { frameNumber: segment.frameNumber, frameOffset: segment.frameOffset + (position - segment.payloadOffset) };
    }
  }
  return undefined;
}

/** Joins segments that continue each other in the same frame (a merge of adjacent pieces). */
export function coalesceSegments(segments: PayloadSegment[]): PayloadSegment[] {
  if (segments.length < 2) return segments;
  const out: PayloadSegment[] = [segments[0]!];
  for (let i = 1; i < segments.length; i++) {
    const previous = out[out.length - 1]!;
    const segment = segments[i]!;
    if (
      segment.frameNumber === previous.frameNumber &&
      segment.frameOffset === previous.frameOffset + previous.length &&
      segment.payloadOffset === previous.payloadOffset + previous.length
    ) {
      out[out.length - 1] = { ...previous, length: previous.length + segment.length };
    } else {
      out.push(segment);
    }
  }
  return out;
}
