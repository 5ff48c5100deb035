import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapTrimmer } from '../../src/util/heap.js';

describe('HeapTrimmer', () => {
  it('collects on the first call, then only once the heap grew past the factor', () => {
    const trimmer = new HeapTrimmer(1.5);
    expect(trimmer.collectIfGrown()).toBe(true);
    const live = v8.getHeapStatistics().used_heap_size;
    expect(trimmer.collectIfGrown()).toBe(false);

    // Arrays this large go straight to V8's large-object space, which only a full collection frees.
    const held: number[][] = [];
    while (v8.getHeapStatistics().used_heap_size < 1.6 * live) held.push(new Array<number>(500_000).fill(held.length));
    expect(trimmer.collectIfGrown()).toBe(true);
    // What it kept alive is still there, and the next call waits for new growth.
    expect(held.every((array, i) => array[0] === i)).toBe(true);
    expect(trimmer.collectIfGrown()).toBe(false);
  });

  it('frees the garbage it collects', () => {
    const trimmer = new HeapTrimmer(1.5);
    trimmer.collectIfGrown();
    const live = v8.getHeapStatistics().used_heap_size;
    const grown = makeGarbage(1.6 * live);
    expect(trimmer.collectIfGrown()).toBe(true);
    expect(v8.getHeapStatistics().used_heap_size).toBeLessThan(live + (grown - live) / 2);
  });
});

/** Allocates arrays no one keeps until the heap in use reaches `target` bytes; returns what it reached. */
function makeGarbage(target: number): number {
  let count = 0;
  while (v8.getHeapStatistics().used_heap_size < target) count += new Array<number>(500_000).fill(1).length;
  expect(count).toBeGreaterThan(0);
  return v8.getHeapStatistics().used_heap_size;
}
