/**
 * Writing a long document to standard output in pieces as it is made, holding no more of it in
 * memory than the reader has not taken yet.
 */
import type { Writable } from 'node:stream';

/** About this much text per write: one write per dialog cost a system call each. */
const WRITE_BYTES = 65536;

/**
 * Writes the pieces to `out` in writes of about WRITE_BYTES, waiting for `out` to drain whenever
 * it says it is full: a pipe to a slower reader (`| jq`, `| less`) otherwise queued the whole
 * document in memory, since Node writes to a full pipe asynchronously.
 */
export async function writePieces(out: Writable, pieces: Iterable<string>): Promise<void> {
  let pending = '';
  for (const piece of pieces) {
    pending += piece;
    if (pending.length >= WRITE_BYTES) {
      await write(out, pending);
      pending = '';
    }
  }
  if (pending.length > 0) await write(out, pending);
}

function write(out: Writable, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve) => out.once('drain', resolve));
}
