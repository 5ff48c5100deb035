import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCaptureProblem, openCapture, readCapture } from '../../src/capture/index.js';
import { READ_CHUNK_BYTES } from '../../src/capture/open.js';
import { repoRoot } from '../helpers/paths.js';
import { epb, idb, payload, pcapFile, shb } from './build-capture.js';
import type { PcapRecord } from './build-capture.js';
import { collect } from './collect.js';

const RECORDS: PcapRecord[] = Array.from({ length: 50 }, (_, i) => ({
  sec: 1_700_000_000 + i,
  frac: i * 1000,
  data: payload(100 + i, i),
}));
const PCAP = pcapFile(RECORDS);

/** Bytes gzip cannot shrink, so a cut in the gzip file is a cut in the middle of the capture. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = 0x2545f491 ^ (seed * 0x9e3779b1);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}
const NOISY_PCAP = pcapFile(Array.from({ length: 50 }, (_, i) => ({ sec: i, frac: 0, data: noise(100 + i, i + 1) })));

let dir: string;
const file = (name: string): string => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'algscope-capture-'));
  writeFileSync(file('plain.pcap'), PCAP);
  // Gzip is recognised by content: this name says nothing about it.
  writeFileSync(file('compressed.cap'), gzipSync(PCAP));
  writeFileSync(file('cut.pcap.gz'), gzipSync(NOISY_PCAP).subarray(0, 2000));
  writeFileSync(file('notes.txt'), 'hello, this is not a capture\n');
  writeFileSync(file('notes.txt.gz'), gzipSync('hello, this is not a capture\n'));
  writeFileSync(file('empty.pcap'), '');
  writeFileSync(file('tiny.gz'), Buffer.from([0x1f]));
  writeFileSync(file('one.pcapng'), Buffer.concat([shb(true), idb(true), epb(true, { ts: 1n, data: payload(10, 1) })]));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readCapture', () => {
  it('reads a pcap file to its end', async () => {
    const c = collect();
    const summary = await readCapture(file('plain.pcap'), c.sink);
    expect(summary).toMatchObject({ source: file('plain.pcap'), format: 'pcap', compressed: false, frames: 50, bytesRead: PCAP.length, problems: [] });
    expect(c.frames.map((f) => f.frameNumber)).toEqual(RECORDS.map((_, i) => i + 1));
    expect(c.frames[49].ts).toEqual({ sec: 1_700_000_049, nsec: 49_000_000 });
  });

  it('reads a file of many chunks, frames across chunk ends included, with every byte in place', async () => {
    // Over three chunks of many reads: a plain file is read into one buffer again and again, so
    // every frame must have been handed over, and a frame cut by a read kept, before the next read.
    const records = Array.from({ length: 15000 }, (_, i) => ({ sec: 1_700_000_000 + i, frac: 0, data: payload(200 + (i % 61), i) }));
    const bytes = pcapFile(records);
    expect(bytes.length).toBeGreaterThan(3 * READ_CHUNK_BYTES);
    writeFileSync(file('chunks.pcap'), bytes);
    const c = collect();
    const summary = await readCapture(file('chunks.pcap'), c.sink);
    expect(summary.problems).toEqual([]);
    expect(summary.bytesRead).toBe(bytes.length);
    expect(c.frames).toHaveLength(records.length);
    c.frames.forEach((frame, i) => {
      expect(frame.ts.sec).toBe(records[i]!.sec);
      expect(Buffer.from(frame.data).equals(Buffer.from(records[i]!.data))).toBe(true);
    });
  });

  it('gunzips by content, whatever the name, and yields the same frames', async () => {
    const plain = collect();
    await readCapture(file('plain.pcap'), plain.sink);
    const gz = collect();
    const summary = await readCapture(file('compressed.cap'), gz.sink);
    expect(summary).toMatchObject({ format: 'pcap', compressed: true, frames: 50, bytesRead: PCAP.length });
    expect(gz.frames).toEqual(plain.frames);
  });

  it('reads pcapng', async () => {
    const summary = await readCapture(file('one.pcapng'), collect().sink);
    expect(summary).toMatchObject({ format: 'pcapng', frames: 1, interfaces: [{ id: 0 }] });
  });

  it('keeps the frames before a cut-off gzip stream and says what happened', async () => {
    const c = collect();
    const summary = await readCapture(file('cut.pcap.gz'), c.sink);
    expect(summary.frames).toBeGreaterThan(0);
    expect(summary.frames).toBeLessThan(50);
    // The decompressed bytes end inside a record: that record is reported, then why the stream ended.
    expect(summary.problems).toMatchObject([
      { code: 'truncated-packet', frameNumber: summary.frames + 1, fatal: true },
      { code: 'decompress-error', byteOffset: summary.bytesRead, fatal: true },
    ]);
    expect(summary.problems[1].message).toContain('gzip data is corrupt or cut off');
  });

  it('reports a file that is not a capture, naming it and the bytes it starts with', async () => {
    const c = collect();
    const summary = await readCapture(file('notes.txt'), c.sink);
    expect(summary.format).toBe('unknown');
    expect(summary.problems).toMatchObject([{ code: 'not-a-capture', byteOffset: 0, fatal: true }]);
    const line = formatCaptureProblem(summary.problems[0]);
    expect(line).toContain(file('notes.txt'));
    expect(line).toContain('68 65 6c 6c'); // "hell"
    expect(line).toContain('expected a1 b2 c3 d4');
  });

  it('says when the bytes that are not a capture came out of gzip', async () => {
    const summary = await readCapture(file('notes.txt.gz'), collect().sink);
    expect(summary.compressed).toBe(true);
    expect(summary.problems).toMatchObject([{ code: 'not-a-capture' }]);
    expect(summary.problems[0].message).toContain('once gunzipped, it starts with 68 65 6c 6c');
  });

  it('reports an empty file', async () => {
    const summary = await readCapture(file('empty.pcap'), collect().sink);
    expect(summary.problems).toMatchObject([{ code: 'not-a-capture' }]);
    expect(summary.problems[0].message).toContain('empty');
  });

  it('treats a lone first gzip byte as data, not gzip', async () => {
    const summary = await readCapture(file('tiny.gz'), collect().sink);
    expect(summary.compressed).toBe(false);
    expect(summary.problems[0].message).toContain('starts with 1f and ends after 1 byte(s)');
  });

  it('rejects a missing file with the path and "no such file"', async () => {
    const missing = file('missing.pcap');
    await expect(readCapture(missing, collect().sink)).rejects.toThrow(`cannot read capture "${missing}": no such file`);
  });

  it('rejects a directory', async () => {
    await expect(readCapture(dir, collect().sink)).rejects.toThrow('is a directory');
  });

  it('reports progress up to the file size', async () => {
    const calls: Array<[number, number | undefined]> = [];
    await readCapture(file('plain.pcap'), collect().sink, { onProgress: (read, total) => calls.push([read, total]) });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[calls.length - 1]).toEqual([PCAP.length, PCAP.length]);
  });

  it('reports compressed bytes as progress for gzip', async () => {
    const size = gzipSync(PCAP).length;
    const calls: number[] = [];
    await readCapture(file('compressed.cap'), collect().sink, {
      onProgress: (read, total) => {
        expect(total).toBe(size);
        calls.push(read);
      },
    });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((read, i) => read > 0 && read <= size && (i === 0 || read >= calls[i - 1]))).toBe(true);
  });

  it('rejects with an AbortError when aborted part-way', async () => {
    const controller = new AbortController();
    const big = file('big.pcap');
    writeFileSync(big, pcapFile(Array.from({ length: 20000 }, (_, i) => ({ sec: i, frac: 0, data: payload(200, i) }))));
    let frames = 0;
    const sink = {
      ...collect().sink,
      onFrame() {
        frames++;
        if (frames === 10) controller.abort();
      },
    };
    await expect(readCapture(big, sink, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(frames).toBeLessThan(20000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(readCapture(file('plain.pcap'), collect().sink, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('passes on an error thrown by the sink', async () => {
    const sink = {
      ...collect().sink,
      onFrame() {
        throw new Error('sink failed');
      },
    };
    await expect(readCapture(file('plain.pcap'), sink)).rejects.toThrow('sink failed');
  });
});

describe('openCapture', () => {
  it('gives the decompressed bytes chunk by chunk', async () => {
    const opened = await openCapture(file('compressed.cap'));
    const chunks: Buffer[] = [];
    for (let next = await opened.chunks.next(); !next.done; next = await opened.chunks.next()) chunks.push(Buffer.from(next.value));
    expect(opened.compressed).toBe(true);
    expect(opened.totalBytes).toBe(gzipSync(PCAP).length);
    expect(Buffer.concat(chunks).equals(PCAP)).toBe(true);
  });

  it('reads standard input for "-", gzip included', () => {
    const script = file('read-stdin.mts');
    const entry = pathToFileURL(path.join(repoRoot, 'src/capture/index.ts')).href;
    writeFileSync(
      script,
      `import { readCapture } from ${JSON.stringify(entry)};\n` +
        `const s = await readCapture('-', { onInterface() {}, onFrame() {}, onProblem() {} });\n` +
        `process.stdout.write(JSON.stringify({ frames: s.frames, compressed: s.compressed, source: s.source, problems: s.problems.length }));\n`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { input: gzipSync(PCAP), cwd: repoRoot, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ frames: 50, compressed: true, source: '-', problems: 0 });
  });
});
