import type { Frame } from './types.js';

/**
 * Per-frame field reads. Plain index arithmetic is several times faster than Buffer's
 * bounds-checked readUInt32LE/BE; callers have already checked that the bytes are there.
 */

export function readU16(buf: Uint8Array, pos: number, littleEndian: boolean): number {
  return littleEndian ? buf[pos] | (buf[pos + 1] << 8) : (buf[pos] << 8) | buf[pos + 1];
}

export function readU32(buf: Uint8Array, pos: number, littleEndian: boolean): number {
  return littleEndian
    ? (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16)) + buf[pos + 3] * 0x1000000
    : buf[pos] * 0x1000000 + ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
}

/** A zero-copy view of a frame's captured bytes: valid as long as frame.bytes is. */
export function frameData(frame: Frame): Uint8Array {
  return view(frame.bytes, frame.start, frame.start + frame.capturedLength);
}

/** A zero-copy view of buf[start, end); cheaper to make than Buffer.subarray. */
export function view(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}
