/**
 * Provenance: which frame bytes a message (or a span of it) came from.
 */
import type { PayloadSegment, TransportPayload } from '../decode/types.js';
import type { ByteSpan, SipOrigin } from './types.js';

/** Where a range of message bytes sits in a captured frame. */
export interface FramePosition {
  frameNumber: number;
  frameOffset: number;
  length: number;
}

/**
 * The part of `segments` covering payload bytes [start, end), renumbered so that `start`
 * becomes payload offset 0.
 */
export function sliceSegments(segments: readonly PayloadSegment[], start: number, end: number): PayloadSegment[] {
  const out: PayloadSegment[] = [];
  for (const s of segments) {
    const from = Math.max(start, s.payloadOffset);
    const to = Math.min(end, s.payloadOffset + s.length);
    if (to <= from) continue;
    const slice = {
      frameNumber: s.frameNumber,
      frameOffset: s.frameOffset + (from - s.payloadOffset),
      payloadOffset: from - start,
      length: to - from,
    };
    // Every message keeps its list: one segment (a UDP datagram) in a list of one, not in the
    // spare room a push leaves.
    if (segments.length === 1) return [slice];
    out.push(slice);
  }
  return out;
}

/** Distinct frame numbers, ascending. */
export function framesOf(segments: readonly PayloadSegment[]): number[] {
  if (segments.length === 1) return [segments[0]!.frameNumber];
  const frames = [...new Set(segments.map((s) => s.frameNumber))];
  return frames.sort((a, b) => a - b);
}

/** What an origin needs from a transport payload besides its segments. */
export type PayloadContext = Pick<TransportPayload, 'point' | 'transport' | 'src' | 'dst' | 'ts' | 'ttl'>;

/** Origin of payload bytes [start, end) of a transport payload (segments copied, renumbered). */
export function originOf(payload: PayloadContext, segments: readonly PayloadSegment[], start: number, end: number): SipOrigin {
  const sliced = sliceSegments(segments, start, end);
  return {
    point: payload.point,
    transport: payload.transport,
    src: payload.src,
    dst: payload.dst,
    ts: payload.ts,
    ttl: payload.ttl,
    segments: sliced,
    frames: framesOf(sliced),
  };
}

/** The same origin for the sub-range [start, end) of the bytes it describes. */
export function subOrigin(origin: SipOrigin, start: number, end: number): SipOrigin {
  const sliced = sliceSegments(origin.segments, start, end);
  return { ...origin, segments: sliced, frames: framesOf(sliced) };
}

/** Frame positions of a span of SipMessage.raw (several when the span crosses TCP segments). */
export function spanToFrames(origin: SipOrigin, span: ByteSpan): FramePosition[] {
  return sliceSegments(origin.segments, span.offset, span.offset + span.length).map((s) => ({
    frameNumber: s.frameNumber,
    frameOffset: s.frameOffset,
    length: s.length,
  }));
}
