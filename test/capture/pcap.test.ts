import { describe, expect, it } from 'vitest';
import { CaptureStreamReader } from '../../src/capture/index.js';
import { pcapFile, pcapHeader, pcapRecord, payload } from './build-capture.js';
import type { PcapRecord } from './build-capture.js';
import { CHUNKINGS, collect, epoch, feed, type CollectedFrame } from './collect.js';

const RECORDS: PcapRecord[] = [
  { sec: 1_700_000_000, frac: 123_456, data: payload(60, 1) },
  { sec: 1_700_000_001, frac: 0, data: payload(1, 2), wireLength: 1514 },
  { sec: 3_867_576_602, frac: 999_999, data: payload(300, 3) }, // seconds above 2^31: unsigned
  { sec: 1_700_000_002, frac: 5, data: new Uint8Array(0), wireLength: 40 },
];

/** Where each record's data starts in pcapFile(RECORDS). */
function dataOffsets(records: PcapRecord[]): number[] {
  const offsets: number[] = [];
  let pos = 24;
  for (const r of records) {
    offsets.push(pos + 16);
    pos += 16 + r.data.length;
  }
  return offsets;
}

function expectFramesMatchRecords(frames: CollectedFrame[], records: PcapRecord[], nanosecond: boolean): void {
  const offsets = dataOffsets(records);
  expect(frames.map((f) => f.frameNumber)).toEqual(records.map((_, i) => i + 1));
  records.forEach((r, i) => {
    const f = frames[i];
    expect(f.interfaceId).toBe(0);
    expect(f.ts).toEqual({ sec: r.sec, nsec: nanosecond ? r.frac : r.frac * 1000 });
    expect(f.capturedLength).toBe(r.data.length);
    expect(f.wireLength).toBe(r.wireLength ?? r.data.length);
    expect(Buffer.from(f.data).equals(Buffer.from(r.data))).toBe(true);
    expect(f.streamOffset).toBe(offsets[i]);
  });
}

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [false, true]) {
      const name = `${littleEndian ? 'little' : 'big'}-endian ${nanosecond ? 'nanosecond' : 'microsecond'}`;
      const records = nanosecond ? RECORDS.map((r) => ({ ...r, frac: r.frac * 1000 + 789 })) : RECORDS;
      const bytes = pcapFile(records, { littleEndian, nanosecond, linkType: 113, snaplen: 262144 });

      it.each(CHUNKINGS)(`reads ${name} in %s`, (_label, chunking) => {
        const { frames, interfaces, problems, summary } = feed(bytes, chunking);
        expect(problems).toEqual([]);
        expect(interfaces).toEqual([
          {
            id: 0,
            section: 0,
            idInSection: 0,
            linkType: 113,
            snaplen: 262144,
            tsUnitsPerSecond: nanosecond ? 1e9 : 1e6,
            tsOffsetSeconds: 0,
          },
        ]);
        expectFramesMatchRecords(frames, records, nanosecond);
        expect(summary).toMatchObject({ format: 'pcap', frames: 4, bytesRead: bytes.length, compressed: false });
      });
    }
  }

  it('hands out frame bytes in the pushed chunk, without copying', () => {
    const bytes = pcapFile(RECORDS);
    const reader = new CaptureStreamReader('t.pcap', {
      ...collect().sink,
      onFrame(frame) {
        expect(frame.bytes).toBe(bytes);
        expect(frame.start).toBe(frame.streamOffset);
      },
    });
    reader.push(bytes);
    expect(reader.end().frames).toBe(4);
  });

  it('announces the interface before its first frame', () => {
    expect(feed(pcapFile(RECORDS.slice(0, 1))).events).toEqual(['interface 0', 'frame 1']);
  });

  it('carries an out-of-range microsecond fraction into the seconds', () => {
    const { frames } = feed(pcapFile([{ sec: 10, frac: 2_500_000, data: payload(4, 1) }]));
    expect(epoch(frames[0].ts)).toBe('12.500000000');
  });

  it('keeps only the low 16 bits of the link-type field as the link type', () => {
    const bytes = pcapFile([], { linkType: 0x10000001 });
    expect(feed(bytes).interfaces[0].linkType).toBe(1);
  });
});

describe('corrupt classic pcap', () => {
  it.each(CHUNKINGS)('reports a truncated last packet with its number, offset and missing bytes (%s)', (_l, chunking) => {
    const bytes = pcapFile(RECORDS.slice(0, 3));
    const cut = bytes.subarray(0, bytes.length - 5);
    const { frames, problems, summary } = feed(cut, chunking);
    expect(frames.map((f) => f.frameNumber)).toEqual([1, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      source: 'test.pcap',
      code: 'truncated-packet',
      frameNumber: 3,
      byteOffset: 24 + 16 + 60 + 16 + 1,
      fatal: true,
    });
    expect(problems[0].message).toContain('5 bytes missing');
    expect(summary.frames).toBe(2);
    expect(summary.problems).toEqual(problems);
  });

  it('reports a record header cut short', () => {
    const bytes = Buffer.concat([pcapFile(RECORDS.slice(0, 1)), pcapRecord(RECORDS[1]).subarray(0, 7)]);
    const { frames, problems } = feed(bytes, 'bytes');
    expect(frames).toHaveLength(1);
    expect(problems).toMatchObject([{ code: 'truncated-packet', frameNumber: 2, byteOffset: 100 }]);
    expect(problems[0].message).toContain('after 7 of 16 bytes');
  });

  it('reports a file header cut short', () => {
    const { problems, summary } = feed(pcapHeader().subarray(0, 10));
    expect(problems).toMatchObject([{ code: 'truncated-header', byteOffset: 0, fatal: true }]);
    expect(problems[0].frameNumber).toBeUndefined();
    expect(summary.format).toBe('pcap');
  });

  it.each(CHUNKINGS)('stops at an absurd captured length, keeping the frames before it (%s)', (_l, chunking) => {
    const records = [RECORDS[0], { ...RECORDS[1], capturedLength: 1_000_000 }, RECORDS[2]];
    const { frames, problems, summary } = feed(pcapFile(records, { snaplen: 0 }), chunking);
    expect(frames.map((f) => f.frameNumber)).toEqual([1]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'bad-record-length', frameNumber: 2, byteOffset: 100, fatal: true });
    expect(problems[0].message).toContain('1000000');
    expect(summary.frames).toBe(1);
  });

  it('reads a captured length above the snapshot length, as Wireshark does, and says so once', () => {
    const records = [RECORDS[0], RECORDS[2], RECORDS[2]]; // 60, then 300 and 300 captured bytes
    const { frames, problems } = feed(pcapFile(records, { snaplen: 200 }));
    expect(frames).toHaveLength(3);
    expect(problems).toMatchObject([{ code: 'captured-above-snaplen', frameNumber: 2, byteOffset: 100, fatal: false }]);
    expect(problems[0].message).toContain('snapshot length of 200');
  });

  it('ignores input after a fatal problem', () => {
    const c = collect();
    const reader = new CaptureStreamReader('t.pcap', c.sink);
    reader.push(pcapFile([{ ...RECORDS[0], capturedLength: 0x7fffffff }]));
    expect(reader.stopped).toBe(true);
    reader.push(pcapRecord(RECORDS[1]));
    const summary = reader.end();
    expect(c.frames).toEqual([]);
    expect(summary.bytesRead).toBe(24 + 16 + 60);
    expect(c.problems.map((p) => p.code)).toEqual(['bad-record-length']);
  });
});

describe('not a capture', () => {
  it('names the bytes found and the magics expected', () => {
    const { problems, frames, summary } = feed(Buffer.from('GET / HTTP/1.1\r\n'), 'whole', 'notes.txt');
    expect(frames).toEqual([]);
    expect(problems).toMatchObject([{ source: 'notes.txt', code: 'not-a-capture', byteOffset: 0, fatal: true }]);
    expect(problems[0].message).toContain('47 45 54 20');
    expect(problems[0].message).toContain('a1 b2 c3 d4');
    expect(problems[0].message).toContain('0a 0d 0d 0a');
    expect(summary.format).toBe('unknown');
  });

  it('points at gzip when the bytes are gzip', () => {
    const { problems } = feed(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    expect(problems[0].message).toContain('gzip');
  });

  it('reports an empty stream', () => {
    const { problems } = feed(new Uint8Array(0));
    expect(problems).toMatchObject([{ code: 'not-a-capture', byteOffset: 0 }]);
    expect(problems[0].message).toContain('empty');
  });

  it('reports a stream shorter than a magic number', () => {
    const { problems } = feed(Buffer.from([0xa1, 0xb2, 0xc3]), 'bytes');
    expect(problems).toMatchObject([{ code: 'not-a-capture' }]);
    expect(problems[0].message).toContain('a1 b2 c3 and ends after 3 byte(s)');
  });
});
