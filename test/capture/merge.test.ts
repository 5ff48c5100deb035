import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, readCapturesInTimeOrder } from '../../src/capture/index.js';
import type { CaptureReadSummary } from '../../src/capture/index.js';
import { epb, idb, payload, pcapFile, shb } from './build-capture.js';
import { collect } from './collect.js';

let dir: string;
const file = (name: string): string => path.join(dir, name);

/** Frame i of a file is at `start + i * step` seconds; its first data byte says which file and frame it is. */
function timedPcap(tag: number, start: number, step: number, count: number, bytes = 60): Buffer {
  return pcapFile(
    Array.from({ length: count }, (_, i) => {
      const data = payload(bytes, i);
      data[0] = tag;
      data[1] = i;
      return { sec: Math.floor(start + i * step), frac: Math.round(((start + i * step) % 1) * 1e6), data };
    }),
  );
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'algscope-merge-'));
  // A at 0, 1, 2, ... s; B at 0.5, 1.5, ... s: strictly alternating once merged.
  writeFileSync(file('a.pcap'), timedPcap(0xa, 0, 1, 200));
  writeFileSync(file('b.pcap'), timedPcap(0xb, 0.5, 1, 200));
  // Frames big enough that one read chunk holds only part of the file.
  writeFileSync(file('big.pcap'), timedPcap(0xc, 0.25, 1, 300, 9000));
  writeFileSync(file('cut.pcap'), timedPcap(0xd, 0, 1, 5).subarray(0, 24 + 3 * (16 + 60) + 10));
  writeFileSync(file('one.pcapng'), Buffer.concat([shb(true), idb(true), epb(true, { ts: 750_000n, data: payload(20, 1) })]));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readCapturesInTimeOrder', () => {
  it('hands out the frames of several files in time order, each file to its own sink in its own order', async () => {
    const order: string[] = [];
    const sinks = ['a.pcap', 'b.pcap', 'big.pcap'].map((name) => {
      const c = collect();
      const onFrame = c.sink.onFrame.bind(c.sink);
      c.sink.onFrame = (frame) => {
        order.push(`${name}:${frame.ts.sec + frame.ts.nsec / 1e9}`);
        onFrame(frame);
      };
      return { name, c };
    });
    const summaries = await readCapturesInTimeOrder(sinks.map(({ name, c }) => ({ source: file(name), sink: c.sink })));
    const times = order.map((entry) => Number(entry.split(':')[1]));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(order.slice(0, 4)).toEqual(['a.pcap:0', 'big.pcap:0.25', 'b.pcap:0.5', 'a.pcap:1']);
    for (const { name, c } of sinks) {
      // Each sink sees exactly what reading its file alone gives: same frames, numbers, bytes, offsets.
      const alone = collect();
      const summary = await readCapture(file(name), alone.sink);
      const comparable = (frames: typeof c.frames) => frames.map(({ bytes: _bytes, start: _start, ...f }) => ({ ...f, data: Buffer.from(f.data).toString('base64') }));
      expect(c.events).toEqual(alone.events);
      expect(comparable(c.frames)).toEqual(comparable(alone.frames));
      expect(summaries[sinks.findIndex((s) => s.name === name)]).toEqual(summary);
    }
  });

  it('reads a file that cannot be opened as an Error and the others as usual', async () => {
    const good = collect();
    const missing = collect();
    const summaries = await readCapturesInTimeOrder([
      { source: file('missing.pcap'), sink: missing.sink },
      { source: file('one.pcapng'), sink: good.sink },
    ]);
    expect(summaries[0]).toBeInstanceOf(Error);
    expect((summaries[0] as Error).message).toContain('missing.pcap');
    expect((summaries[1] as CaptureReadSummary).frames).toBe(1);
    expect(good.frames.map((f) => f.ts)).toEqual([{ sec: 0, nsec: 750_000_000 }]);
    expect(missing.events).toEqual([]);
  });

  it('reports a cut-off file with its problem, after its last whole frame', async () => {
    const cut = collect();
    const other = collect();
    const [summary] = await readCapturesInTimeOrder([
      { source: file('cut.pcap'), sink: cut.sink },
      { source: file('a.pcap'), sink: other.sink },
    ]);
    expect((summary as CaptureReadSummary).frames).toBe(3);
    expect(cut.events).toEqual(['interface 0', 'frame 1', 'frame 2', 'frame 3', 'problem truncated-packet']);
    expect(other.frames).toHaveLength(200);
  });

  it('reads one file straight into its sink', async () => {
    const c = collect();
    const [summary] = await readCapturesInTimeOrder([{ source: file('a.pcap'), sink: c.sink }]);
    expect((summary as CaptureReadSummary).frames).toBe(200);
    expect(c.frames[199]!.data[1]).toBe(199);
  });
});
