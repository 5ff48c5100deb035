import { describe, expect, it } from 'vitest';
import { CaptureStreamReader } from '../../src/capture/index.js';
import {
  epb,
  idb,
  isb,
  nrb,
  payload,
  pb,
  pcapngBlock,
  shb,
  spb,
} from './build-capture.js';
import { CHUNKINGS, collect, epoch, feed } from './collect.js';

/** Concatenates blocks and remembers where each one starts. */
function layout(blocks: Buffer[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  let pos = 0;
  for (const block of blocks) {
    offsets.push(pos);
    pos += block.length;
  }
  return { bytes: Buffer.concat(blocks), offsets };
}

/**
 * Two sections in opposite byte orders with every block type the reader knows and one it
 * does not. tshark 4.0 reads it as 6 frames: the times below are its frame.time_epoch, except
 * frame 5 (picosecond units), where tshark overflows 64 bits and shows 1700000.012776324.
 */
function twoSectionCapture(): Buffer {
  return Buffer.concat([
    shb(true),
    idb(true, { name: 'eth0', description: 'uplink' }),
    idb(true, { name: 'eth1', tsresol: 9, tsoffset: 100n, linkType: 113 }),
    idb(true, { tsresol: 0x80 | 20, snaplen: 0 }),
    epb(true, { interfaceId: 0, ts: 1_700_000_000_123_456n, data: payload(60, 1) }),
    nrb(true, [192, 0, 2, 1], 'host.example'),
    epb(true, { interfaceId: 1, ts: 1_700_000_000_123_456_789n, data: payload(100, 2), wireLength: 1514 }),
    pcapngBlock(0x0badcafe, Buffer.from('unknown block body'), true),
    spb(true, payload(42, 3)),
    pb(true, { interfaceId: 2, ts: (1_700_000_000n << 20n) + 123_457n, data: payload(10, 4) }),
    isb(true, { interfaceId: 1, ts: 1_700_000_001_000_000_000n, ifrecv: 10n, ifdrop: 1n, filteraccept: 9n, osdrop: 2n }),
    shb(false),
    idb(false, { name: 'lo', tsresol: 6, linkType: 0 }),
    idb(false, { name: 'wlan0', tsresol: 12 }),
    epb(false, { interfaceId: 1, ts: 1_700_000_123_456_789_012n, data: payload(33, 5) }),
    epb(false, { interfaceId: 0, ts: 1_700_000_002_000_001n, data: payload(64, 6) }),
    isb(false, { interfaceId: 0, ts: 1_700_000_003_000_000n, ifrecv: 1n }),
  ]);
}

describe('pcapng', () => {
  const bytes = twoSectionCapture();

  it.each(CHUNKINGS)('reads two sections of both byte orders with every block type (%s)', (_label, chunking) => {
    const { frames, interfaces, problems, statistics, summary } = feed(bytes, chunking, 'two.pcapng');
    expect(problems).toEqual([]);
    expect(interfaces).toEqual([
      { id: 0, section: 0, idInSection: 0, linkType: 1, snaplen: 262144, name: 'eth0', description: 'uplink', tsUnitsPerSecond: 1e6, tsOffsetSeconds: 0 },
      { id: 1, section: 0, idInSection: 1, linkType: 113, snaplen: 262144, name: 'eth1', tsUnitsPerSecond: 1e9, tsOffsetSeconds: 100 },
      { id: 2, section: 0, idInSection: 2, linkType: 1, snaplen: 0, tsUnitsPerSecond: 1_048_576, tsOffsetSeconds: 0 },
      { id: 3, section: 1, idInSection: 0, linkType: 0, snaplen: 262144, name: 'lo', tsUnitsPerSecond: 1e6, tsOffsetSeconds: 0 },
      { id: 4, section: 1, idInSection: 1, linkType: 1, snaplen: 262144, name: 'wlan0', tsUnitsPerSecond: 1e12, tsOffsetSeconds: 0 },
    ]);
    expect(frames.map((f) => [f.frameNumber, f.interfaceId, f.ts.sec === 0 ? '' : epoch(f.ts), f.wireLength, f.capturedLength])).toEqual([
      [1, 0, '1700000000.123456000', 60, 60],
      [2, 1, '1700000100.123456789', 1514, 100],
      [3, 0, '', 42, 42],
      [4, 2, '1700000000.117737770', 10, 10],
      [5, 4, '1700000.123456789', 33, 33],
      [6, 3, '1700000002.000001000', 64, 64],
    ]);
    expect(frames[2].timestampMissing).toBe(true);
    expect(frames.filter((f) => f.timestampMissing)).toHaveLength(1);
    for (const f of frames) {
      // streamOffset points at the frame's bytes in the stream.
      expect(Buffer.from(f.data).equals(bytes.subarray(f.streamOffset, f.streamOffset + f.capturedLength))).toBe(true);
    }
    expect(Buffer.from(frames[4].data).equals(payload(33, 5))).toBe(true);
    expect(statistics).toEqual([
      {
        interfaceId: 1,
        ts: { sec: 1_700_000_101, nsec: 0 },
        packetsReceived: 10n,
        packetsDroppedByInterface: 1n,
        packetsAccepted: 9n,
        packetsDroppedByOs: 2n,
      },
      { interfaceId: 3, ts: { sec: 1_700_000_003, nsec: 0 }, packetsReceived: 1n },
    ]);
    expect(summary).toMatchObject({ format: 'pcapng', frames: 6, bytesRead: bytes.length });
  });

  it('announces each interface before the frames that use it', () => {
    const { events } = feed(bytes);
    expect(events).toEqual([
      'interface 0', 'interface 1', 'interface 2', 'frame 1', 'frame 2', 'frame 3', 'frame 4', 'statistics 1',
      'interface 3', 'interface 4', 'frame 5', 'frame 6', 'statistics 3',
    ]);
  });

  it('cuts a Simple Packet Block to the snaplen of interface 0', () => {
    const { frames } = feed(Buffer.concat([shb(true), idb(true, { snaplen: 32 }), spb(true, payload(32, 1), 100)]));
    expect(frames).toMatchObject([{ frameNumber: 1, capturedLength: 32, wireLength: 100 }]);
    expect(frames[0].data).toHaveLength(32);
  });

  it('applies a power-of-two resolution with an offset', () => {
    const capture = Buffer.concat([
      shb(false),
      idb(false, { tsresol: 0x80 | 10, tsoffset: 1_600_000_000n }),
      epb(false, { ts: 1024n * 5n + 512n, data: payload(4, 1) }),
    ]);
    expect(epoch(feed(capture).frames[0].ts)).toBe('1600000005.500000000');
  });
});

describe('corrupt pcapng', () => {
  const good = (seed: number): Buffer => epb(true, { ts: BigInt(seed), data: payload(20, seed) });
  const head = [shb(true), idb(true)];

  it.each([
    ['not a multiple of 4', 30, 'bad-block-length'],
    ['below 12', 8, 'bad-block-length'],
    ['above the 64 MiB cap', 0x7ffffffc, 'block-too-large'],
  ])('stops at a block length %s, keeping the frames before it', (_label, length, code) => {
    const { bytes, offsets } = layout([...head, good(1), epb(true, { ts: 2n, data: payload(20, 2) }, { length }), good(3)]);
    for (const [, chunking] of CHUNKINGS) {
      const { frames, problems, summary } = feed(bytes, chunking);
      expect(frames.map((f) => f.frameNumber)).toEqual([1]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code, frameNumber: 2, byteOffset: offsets[3], fatal: true });
      expect(problems[0].message).toContain(String(length));
      expect(summary.frames).toBe(1);
    }
  });

  it('stops at a trailing length that differs from the leading one', () => {
    const { bytes, offsets } = layout([...head, good(1), epb(true, { ts: 2n, data: payload(20, 2) }, { trailingLength: 44 }), good(3)]);
    const { frames, problems } = feed(bytes, 'bytes');
    expect(frames).toHaveLength(1);
    expect(problems).toMatchObject([{ code: 'bad-block-length', frameNumber: 2, byteOffset: offsets[3], fatal: true }]);
    expect(problems[0].message).toContain('52 bytes long at its start but 44 at its end');
  });

  it.each(CHUNKINGS)('reports a block that runs past the end of the stream (%s)', (_label, chunking) => {
    const { bytes, offsets } = layout([...head, good(1), good(2)]);
    const { frames, problems } = feed(bytes.subarray(0, bytes.length - 10), chunking);
    expect(frames.map((f) => f.frameNumber)).toEqual([1]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'truncated-block', frameNumber: 2, byteOffset: offsets[3], fatal: true });
    expect(problems[0].message).toContain('Enhanced Packet Block of 52 bytes');
    expect(problems[0].message).toContain('10 bytes missing');
  });

  it('reports a block header cut short', () => {
    const { bytes, offsets } = layout([...head, good(1), good(2).subarray(0, 6)]);
    const { problems } = feed(bytes);
    expect(problems).toMatchObject([{ code: 'truncated-block', byteOffset: offsets[3] }]);
    expect(problems[0].message).toContain('after 6 of 12 bytes');
  });

  it('does not buffer a long block that never completes beyond the bytes that arrived', () => {
    // A 60 MiB block is legal; only 1 KiB of it arrives before the stream ends.
    const blockHead = Buffer.alloc(1024);
    blockHead.writeUInt32LE(6, 0);
    blockHead.writeUInt32LE(60 * 1024 * 1024, 4);
    const { bytes, offsets } = layout([...head, blockHead]);
    const { problems } = feed(bytes, { seed: 3, max: 100 });
    expect(problems).toMatchObject([{ code: 'truncated-block', byteOffset: offsets[2], frameNumber: 1 }]);
    expect(problems[0].message).toContain(`${60 * 1024 * 1024 - 1024} bytes missing`);
  });

  it('reports a first Section Header Block cut short as a truncated header', () => {
    const { problems, summary } = feed(shb(true).subarray(0, 20));
    expect(problems).toMatchObject([{ code: 'truncated-header', byteOffset: 0, fatal: true }]);
    expect(summary.format).toBe('pcapng');
  });

  it('skips a packet block naming an undefined interface and goes on', () => {
    const { bytes, offsets } = layout([...head, good(1), epb(true, { interfaceId: 7, ts: 2n, data: payload(8, 2) }), good(3)]);
    const { frames, problems } = feed(bytes, { seed: 5, max: 9 });
    expect(frames.map((f) => f.frameNumber)).toEqual([1, 3]);
    expect(problems).toMatchObject([{ code: 'unknown-interface', frameNumber: 2, byteOffset: offsets[3], fatal: false }]);
    expect(problems[0].message).toContain('interface 7');
  });

  it('skips a packet block whose captured length exceeds the block', () => {
    const { bytes, offsets } = layout([...head, epb(true, { ts: 1n, data: payload(8, 1), capturedLength: 9 }), good(2)]);
    const { frames, problems } = feed(bytes);
    expect(frames.map((f) => f.frameNumber)).toEqual([2]);
    expect(problems).toMatchObject([{ code: 'bad-packet-block', frameNumber: 1, byteOffset: offsets[2], fatal: false }]);
  });

  it('skips a Simple Packet Block in a section without interfaces', () => {
    const { frames, problems } = feed(Buffer.concat([shb(true), spb(true, payload(8, 1)), idb(true), good(2)]));
    expect(frames.map((f) => f.frameNumber)).toEqual([2]);
    expect(problems).toMatchObject([{ code: 'unknown-interface', frameNumber: 1, byteOffset: 28 }]);
  });

  it('forgets the interfaces of the previous section', () => {
    const { bytes, offsets } = layout([...head, good(1), shb(false), epb(false, { ts: 2n, data: payload(8, 2) })]);
    const { frames, problems } = feed(bytes);
    expect(frames).toHaveLength(1);
    expect(problems).toMatchObject([{ code: 'unknown-interface', frameNumber: 2, byteOffset: offsets[4] }]);
  });

  it('stops at a section header with a bad byte-order magic', () => {
    const badShb = shb(true);
    badShb.writeUInt32LE(0x11223344, 8);
    const { bytes, offsets } = layout([...head, good(1), badShb, good(2)]);
    const { frames, problems } = feed(bytes);
    expect(frames).toHaveLength(1);
    expect(problems).toMatchObject([{ code: 'bad-section-header', byteOffset: offsets[3], fatal: true }]);
    expect(problems[0].message).toContain('44 33 22 11');
  });

  it('stops at an unknown major version', () => {
    const { problems, frames } = feed(Buffer.concat([shb(true, { majorVersion: 2 }), idb(true), good(1)]));
    expect(frames).toEqual([]);
    expect(problems).toMatchObject([{ code: 'unsupported-version', byteOffset: 0, fatal: true }]);
  });

  it('keeps an interface whose option list runs past its block, with the options before the bad one', () => {
    const body = Buffer.alloc(8 + 8 + 8);
    body.writeUInt16LE(1, 0); // link type
    body.writeUInt32LE(65535, 4);
    body.writeUInt16LE(2, 8); // if_name "eth0"
    body.writeUInt16LE(4, 10);
    body.write('eth0', 12);
    body.writeUInt16LE(3, 16); // if_description claiming 200 bytes
    body.writeUInt16LE(200, 18);
    const { bytes, offsets } = layout([shb(true), pcapngBlock(1, body, true), good(1)]);
    const { interfaces, frames, problems } = feed(bytes);
    expect(interfaces).toMatchObject([{ id: 0, name: 'eth0', snaplen: 65535 }]);
    expect(interfaces[0].description).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(problems).toMatchObject([{ code: 'bad-option', byteOffset: offsets[1] + 24, fatal: false }]);
  });

  it('keeps the first 1000 problems in the summary and passes all to the sink', () => {
    const bad = epb(true, { interfaceId: 9, ts: 1n, data: payload(4, 1) });
    const capture = Buffer.concat([...head, ...Array.from({ length: 1005 }, () => bad), good(2)]);
    const { problems, frames, summary } = feed(capture);
    expect(problems).toHaveLength(1005);
    expect(summary.problems).toHaveLength(1000);
    expect(summary.problemsNotKept).toBe(5);
    expect(frames.map((f) => f.frameNumber)).toEqual([1006]);
  });

  it('refuses a push after end', () => {
    const reader = new CaptureStreamReader('x', collect().sink);
    reader.end();
    expect(() => reader.push(Buffer.from([1]))).toThrow(/after end/);
  });
});
