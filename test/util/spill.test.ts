import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpillStore } from '../../src/util/spill.js';

/** Bytes 0..n-1 shifted by `seed`, so every block differs from the others. */
function block(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i + seed) & 0xff);
}

describe('spill store', () => {
  const savedTmp = process.env.TMPDIR;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'algscope-spill-test-'));
    process.env.TMPDIR = dir;
  });

  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives back every block, whole or its first bytes, after later blocks were written', () => {
    const store = new SpillStore();
    const blocks = [block(4096, 1), block(1, 2), block(300_000, 3), block(17, 4)];
    const ids = blocks.map((b) => store.write(b));
    expect(ids).toEqual([0, 1, 2, 3]);
    blocks.forEach((b, i) => {
      expect(store.length(i)).toBe(b.length);
      const whole = new Uint8Array(b.length);
      store.read(i, whole);
      expect(whole).toEqual(b);
    });
    const part = new Uint8Array(10);
    store.read(2, part);
    expect(part).toEqual(blocks[2]!.subarray(0, 10));
  });

  it('keeps nothing resident and leaves no file behind: the file is unlinked as soon as it is made', () => {
    const store = new SpillStore();
    const written = block(1 << 16, 9);
    store.write(written);
    expect(store.residentBytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    // On Linux the open descriptor still shows the file, deleted.
    let fds: string[] = [];
    try {
      fds = readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });
    } catch {
      return; // no /proc here: the empty directory above is the proof
    }
    expect(fds.some((target) => target.startsWith(dir) && target.endsWith('(deleted)'))).toBe(true);
  });

  it('copies what it is given: changing the bytes afterwards changes nothing', () => {
    const store = new SpillStore();
    const given = block(100, 5);
    store.write(given);
    given.fill(0);
    const back = new Uint8Array(100);
    store.read(0, back);
    expect(back).toEqual(block(100, 5));
  });

  it('keeps blocks in memory where no temporary file can be made, and gives them back the same', () => {
    process.env.TMPDIR = join(dir, 'does-not-exist');
    const store = new SpillStore();
    const b = block(5000, 7);
    store.write(b);
    store.write(block(3, 8));
    expect(store.residentBytes).toBe(5003);
    const back = new Uint8Array(5000);
    store.read(0, back);
    expect(back).toEqual(b);
    b.fill(1);
    store.read(0, back);
    expect(back).toEqual(block(5000, 7));
    // A Buffer given is copied too (its slice() shares memory).
    const buffer = Buffer.from(block(64, 3));
    store.write(buffer.subarray(8, 40));
    buffer.fill(0);
    const part = new Uint8Array(32);
    store.read(2, part);
    expect(part).toEqual(block(64, 3).subarray(8, 40));
  });

  it('refuses a read past the end of a block', () => {
    const store = new SpillStore();
    store.write(block(10, 0));
    expect(() => store.read(0, new Uint8Array(11))).toThrow(RangeError);
    expect(() => store.read(1, new Uint8Array(1))).toThrow(RangeError);
  });
});
