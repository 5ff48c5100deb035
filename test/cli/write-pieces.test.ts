import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writePieces } from '../../src/cli/write-pieces.js';

/** A reader slower than the writer: each write is taken a turn of the event loop later. */
function slowReader() {
  const received: string[] = [];
  let mostQueued = 0;
  const out = new Writable({
    highWaterMark: 65536,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk.toString());
      setImmediate(done);
    },
  });
  const write = out.write.bind(out);
  out.write = ((chunk: string) => {
    const ok = write(chunk);
    mostQueued = Math.max(mostQueued, out.writableLength);
    return ok;
  }) as typeof out.write;
  return { out, received, mostQueued: () => mostQueued };
}

describe('writing a document in pieces', () => {
  it('waits for a slow reader instead of queueing the document in memory, and writes every byte in order', async () => {
    const pieces = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(9996)}`);
    const reader = slowReader();
    await writePieces(reader.out, pieces);
    expect(reader.received.join('')).toBe(pieces.join(''));
    // 4 MB written; never more than about two writes' worth waiting for the reader.
    expect(reader.mostQueued()).toBeLessThan(3 * 65536);
  });

  it('writes a short document in one write', async () => {
    const reader = slowReader();
    await writePieces(reader.out, ['{', '"a": 1', '}']);
    expect(reader.received).toEqual(['{"a": 1}']);
  });
});
