/**
 * Bytes held out of order until what comes before them arrives: IP fragments of one datagram, TCP
 * segments of one direction. Both keep the first copy of a byte, as the receiving stack does.
 */

/** A run of bytes at an offset in a datagram or stream. */
export interface OffsetPiece {
  offset: number;
  data: Uint8Array;
}

/**
 * Inserts into `pieces` (sorted by offset, not overlapping) what of [start, end) they do not
 * already cover, each gap made by `make(offset, length)`; the walk starts at `index`, the first
 * piece that may overlap. Returns how many bytes were added.
 */
export function insertUncovered<P extends OffsetPiece>(pieces: P[], index: number, start: number, end: number, make: (offset: number, length: number) => P): number {
  let cursor = start;
  let added = 0;
  while (cursor < end) {
    const next = pieces[index];
    const gapEnd = next === undefined ? end : Math.min(end, next.offset);
    if (gapEnd > cursor) {
      pieces.splice(index, 0, make(cursor, gapEnd - cursor));
      index++;
      added += gapEnd - cursor;
      cursor = gapEnd;
    }
    if (next !== undefined && cursor < end) {
      cursor = Math.max(cursor, next.offset + next.data.length);
      index++;
    }
  }
  return added;
}
