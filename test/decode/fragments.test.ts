import { describe, expect, it } from 'vitest';
import { LINKTYPE, PacketDecoder } from '../../src/decode/decoder.js';
import { IPPROTO_DSTOPTS, IPPROTO_GRE } from '../../src/decode/ip.js';
import type { TransportPayload } from '../../src/decode/types.js';
import {
  captureInterface,
  ETHERTYPE,
  ethernet,
  fragmentIPv4,
  fragmentIPv6,
  frame,
  gre,
  icmp,
  ipv4,
  ipv6,
  ipv6Extension,
  ipv6FragmentHeader,
  tcp,
  udp,
  type Bytes,
} from './helpers/packets.js';
import { accountedFrames, CollectingSink, decodeFrames } from './helpers/sink.js';

function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return out;
}

/** Every payload byte must be the frame byte its segment names, and the segments must tile the payload. */
function expectSegmentsMapBytes(payload: TransportPayload, frames: Bytes[]): void {
  let covered = 0;
  for (const segment of payload.segments) {
    expect(segment.payloadOffset).toBe(covered);
    const fromFrame = frames[segment.frameNumber - 1]!.subarray(segment.frameOffset, segment.frameOffset + segment.length);
    expect(Buffer.from(fromFrame).equals(Buffer.from(payload.data.subarray(segment.payloadOffset, segment.payloadOffset + segment.length)))).toBe(true);
    covered += segment.length;
  }
  expect(covered).toBe(payload.data.length);
}

const BODY = pattern(3000);
const datagram = udp(BODY, { srcPort: 5060, dstPort: 5060 });
const v4 = { src: '172.16.1.2', dst: '172.16.8.103', protocol: 17, id: 0x4242 };
const fragments4 = fragmentIPv4(datagram, 1480, v4).map((packet) => ethernet(packet));

describe('IPv4 fragment reassembly', () => {
  it('reassembles fragments in order and maps every byte to its fragment', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, fragments4);
    expect(run.sink.payloads).toHaveLength(1);
    const payload = run.sink.payloads[0]!;
    expect(Buffer.from(payload.data).equals(BODY)).toBe(true);
    expect(payload.segments).toEqual([
      { frameNumber: 1, frameOffset: 42, payloadOffset: 0, length: 1472 },
      { frameNumber: 2, frameOffset: 34, payloadOffset: 1472, length: 1480 },
      { frameNumber: 3, frameOffset: 34, payloadOffset: 2952, length: 48 },
    ]);
    expect(payload.ts).toEqual({ sec: 1_700_000_002, nsec: 0 });
    expect(run.stats).toMatchObject({ udpDatagrams: 1, fragmentsReassembled: 3, fragmentsDropped: 0, payloadFrames: 3 });
    expect(accountedFrames(run.stats)).toBe(3);
  });

  it('reassembles fragments in reverse order', () => {
    const reversed = [...fragments4].reverse();
    const run = decodeFrames(LINKTYPE.ETHERNET, reversed);
    expect(run.sink.payloads).toHaveLength(1);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(BODY)).toBe(true);
    expectSegmentsMapBytes(run.sink.payloads[0]!, reversed);
    expect(run.sink.payloads[0]!.segments[0]!.frameNumber).toBe(3);
  });

  it('keeps the first bytes to arrive where fragments overlap, and counts the overlap', () => {
    const whole = udp(pattern(40, 5));
    const altered = Buffer.from(whole.subarray(16, 40));
    altered.fill(0xee, 0, 8);
    const first = ethernet(ipv4(whole.subarray(0, 24), { ...v4, moreFragments: true }));
    const overlapping = ethernet(ipv4(altered, { ...v4, fragmentOffset: 16, moreFragments: true }));
    const last = ethernet(ipv4(whole.subarray(40), { ...v4, fragmentOffset: 40 }));

    const firstWins = decodeFrames(LINKTYPE.ETHERNET, [first, overlapping, last]);
    expect(Buffer.from(firstWins.sink.payloads[0]!.data).equals(whole.subarray(8))).toBe(true);
    expect(firstWins.stats.fragmentOverlaps).toBe(1);
    expectSegmentsMapBytes(firstWins.sink.payloads[0]!, [first, overlapping, last]);

    const otherOrder = decodeFrames(LINKTYPE.ETHERNET, [overlapping, first, last]);
    const data = Buffer.from(otherOrder.sink.payloads[0]!.data);
    expect(data.subarray(8, 16).every((b) => b === 0xee)).toBe(true);
    expect(data.subarray(16).equals(whole.subarray(24))).toBe(true);
    expectSegmentsMapBytes(otherOrder.sink.payloads[0]!, [overlapping, first, last]);
    expect(accountedFrames(otherOrder.stats)).toBe(3);
  });

  it('ignores an exact duplicate fragment and counts it', () => {
    const frames = [fragments4[0]!, fragments4[1]!, fragments4[0]!, fragments4[2]!];
    const run = decodeFrames(LINKTYPE.ETHERNET, frames);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.stats.ignored).toEqual({ 'ip-fragment-duplicate': 1 });
    expect(run.stats.fragmentsReassembled).toBe(3);
    expect(run.stats.fragmentOverlaps).toBe(1);
    expect(accountedFrames(run.stats)).toBe(4);
  });

  it('drops a datagram whose fragments do not all arrive within 30 s of capture time', () => {
    const frames = [
      { data: fragments4[0]!, options: { sec: 100 } },
      { data: ethernet(ipv4(udp(BODY.subarray(0, 10)))), options: { sec: 129 } },
      { data: fragments4[1]!, options: { sec: 129, nsec: 500_000_000 } },
      { data: ethernet(ipv4(udp(BODY.subarray(0, 10)))), options: { sec: 131 } },
      { data: fragments4[2]!, options: { sec: 132 } },
    ];
    const run = decodeFrames(LINKTYPE.ETHERNET, frames);
    expect(run.sink.udp().map((p) => p.data.length)).toEqual([10, 10]);
    expect(run.sink.problems.map((p) => [p.code, p.frameNumber])).toEqual([
      ['fragment-timeout', 1],
      ['fragment-incomplete', 5],
    ]);
    expect(run.sink.problems[0]!.message).toContain('fragments in frames 1, 3');
    expect(run.sink.problems[0]!.message).toContain('id 0x4242');
    expect(run.sink.problems[0]!.frameOffset).toBe(34);
    expect(run.stats).toMatchObject({ fragmentsDropped: 3, fragmentsReassembled: 0, problems: { 'fragment-timeout': 2, 'fragment-incomplete': 1 } });
    expect(accountedFrames(run.stats)).toBe(5);
  });

  it('drops the oldest datagram when too many are pending', () => {
    const firsts = [1, 2, 3].map((id) => ethernet(fragmentIPv4(datagram, 1480, { ...v4, id })[0]!));
    const run = decodeFrames(LINKTYPE.ETHERNET, [...firsts, fragments4[0]!], { maxPendingDatagrams: 2 });
    expect(run.sink.problems.map((p) => [p.code, p.frameNumber])).toEqual([
      ['fragment-cap-datagrams', 1],
      ['fragment-cap-datagrams', 2],
      ['fragment-incomplete', 3],
      ['fragment-incomplete', 4],
    ]);
    expect(run.stats.fragmentsDropped).toBe(4);
  });

  it('drops the oldest datagram when too many bytes are held', () => {
    const other = fragmentIPv4(datagram, 1480, { ...v4, id: 7 }).map((p) => ethernet(p));
    const run = decodeFrames(LINKTYPE.ETHERNET, [other[0]!, fragments4[0]!, fragments4[1]!, fragments4[2]!], { maxPendingFragmentBytes: 4000 });
    expect(run.sink.problems.map((p) => [p.code, p.frameNumber])).toEqual([['fragment-cap-bytes', 1]]);
    expect(run.sink.payloads).toHaveLength(1);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(BODY)).toBe(true);
  });

  it('drops a datagram that would pass 65535 bytes', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(pattern(16), { ...v4, fragmentOffset: 65528, moreFragments: true })]);
    expect(run.stats.problems).toEqual({ 'fragment-too-large': 1 });
    expect(run.stats.fragmentsDropped).toBe(1);
  });

  it('reports a second, different last fragment and keeps the first', () => {
    const wrongEnd = ipv4(pattern(8), { ...v4, fragmentOffset: 2960 });
    const raw = fragmentIPv4(datagram, 1480, v4);
    const run = decodeFrames(LINKTYPE.RAW, [raw[2]!, wrongEnd, raw[0]!, raw[1]!]);
    expect(run.stats.problems).toEqual({ 'ip-fragment-inconsistent': 1 });
    expect(run.sink.payloads).toHaveLength(1);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(BODY)).toBe(true);
    expect(accountedFrames(run.stats)).toBe(4);
  });

  it('keeps datagrams with different ids, or on different interfaces, apart', () => {
    const sink = new CollectingSink();
    const decoder = new PacketDecoder('two.pcapng', sink);
    decoder.addInterface(captureInterface(LINKTYPE.ETHERNET, 0));
    decoder.addInterface(captureInterface(LINKTYPE.ETHERNET, 1));
    const a = fragmentIPv4(datagram, 1480, v4).map((p) => ethernet(p));
    a.forEach((data, i) => {
      decoder.decode(frame(data, { frameNumber: 2 * i + 1, interfaceId: 0 }));
      decoder.decode(frame(data, { frameNumber: 2 * i + 2, interfaceId: 1 }));
    });
    decoder.finish();
    expect(sink.payloads.map((p) => [p.point.key, p.segments.map((s) => s.frameNumber)])).toEqual([
      ['two.pcapng#0', [1, 3, 5]],
      ['two.pcapng#1', [2, 4, 6]],
    ]);
  });

  it('counts every frame of a reassembled datagram that is not UDP or TCP under its reason', () => {
    const ping = fragmentIPv4(icmp(pattern(2000), 8, 0), 1480, { ...v4, protocol: 1 });
    const run = decodeFrames(LINKTYPE.RAW, ping);
    expect(run.stats.ignored).toEqual({ icmp: 2 });
    expect(accountedFrames(run.stats)).toBe(2);
  });

  it('reassembles a fragmented TCP segment and hands it to the stream', () => {
    const segment = tcp(pattern(2000), { seq: 1, flags: 0x18 });
    const frames = fragmentIPv4(segment, 1480, { ...v4, protocol: 6 });
    const run = decodeFrames(LINKTYPE.RAW, frames);
    const chunks = run.sink.payloads.filter((p) => p.transport === 'tcp');
    expect(chunks).toHaveLength(1);
    expect(Buffer.from(chunks[0]!.data).equals(pattern(2000))).toBe(true);
    expectSegmentsMapBytes(chunks[0]!, frames);
    expect(run.stats.tcpSegments).toBe(1);
    expect(accountedFrames(run.stats)).toBe(2);
  });

  it('reassembles fragments inside a GRE tunnel and marks the payload tunnelled', () => {
    const frames = fragmentIPv4(datagram, 1480, v4).map((inner) => ethernet(ipv4(gre(inner, { protocol: 0x0800 }), { protocol: IPPROTO_GRE })));
    const run = decodeFrames(LINKTYPE.ETHERNET, frames);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.sink.payloads[0]!.tunnelled).toBe(true);
    expectSegmentsMapBytes(run.sink.payloads[0]!, frames);
  });
});

describe('IPv6 fragment reassembly', () => {
  const v6 = { src: 'fd17:625c:f037:2::1', dst: 'fd17:625c:f037:2::2', id: 0x01020304 };
  const fragments6 = fragmentIPv6(datagram, 1232, v6).map((p) => ethernet(p, { etherType: ETHERTYPE.IPV6 }));

  it('reassembles in order and in reverse', () => {
    for (const frames of [fragments6, [...fragments6].reverse()]) {
      const run = decodeFrames(LINKTYPE.ETHERNET, frames);
      expect(run.sink.payloads).toHaveLength(1);
      const payload = run.sink.payloads[0]!;
      expect(Buffer.from(payload.data).equals(BODY)).toBe(true);
      expect(payload.src.ip).toBe('fd17:625c:f037:2::1');
      expectSegmentsMapBytes(payload, frames);
      expect(run.stats.fragmentsReassembled).toBe(3);
    }
  });

  it('maps the first byte of the UDP payload after the fragment header', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, fragments6);
    expect(run.sink.payloads[0]!.segments[0]).toEqual({ frameNumber: 1, frameOffset: 14 + 40 + 8 + 8, payloadOffset: 0, length: 1224 });
  });

  it('reads extension headers after the fragment header (in the fragmentable part)', () => {
    const fragmentable = ipv6Extension(datagram, 17, [1, 2, 3, 4]);
    const pieces = [
      { offset: 0, data: fragmentable.subarray(0, 1600), more: true },
      { offset: 1600, data: fragmentable.subarray(1600), more: false },
    ];
    const frames = pieces.map((p) => ipv6(ipv6FragmentHeader(p.data, { nextHeader: IPPROTO_DSTOPTS, offset: p.offset, more: p.more, id: 9 }), { nextHeader: 44 }));
    const run = decodeFrames(LINKTYPE.RAW, frames);
    expect(run.sink.payloads).toHaveLength(1);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(BODY)).toBe(true);
    expectSegmentsMapBytes(run.sink.payloads[0]!, frames);
  });

  it('drops an incomplete datagram at the end of the capture', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [fragments6[0]!, fragments6[2]!]);
    expect(run.sink.payloads).toEqual([]);
    expect(run.sink.problems.map((p) => p.code)).toEqual(['fragment-incomplete']);
    expect(run.sink.problems[0]!.message).toContain('IPv6 datagram fd17:625c:f037:2::1 -> fd17:625c:f037:2::2 id 0x01020304');
    expect(run.stats.fragmentsDropped).toBe(2);
    expect(accountedFrames(run.stats)).toBe(2);
  });
});
