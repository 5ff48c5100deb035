/**
 * Hostile input: valid packets of every kind with bytes flipped, cut or grown at random
 * (seeded, so a failure repeats). The decoder must not throw, must count every frame, and
 * every payload byte must still be the frame byte its segment names.
 */
import { describe, expect, it } from 'vitest';
import { LINKTYPE, PacketDecoder } from '../../src/decode/decoder.js';
import { IPPROTO_DSTOPTS, IPPROTO_GRE, IPPROTO_IPIP } from '../../src/decode/ip.js';
import {
  captureInterface,
  erspan2,
  ETHERTYPE,
  ethernet,
  fragmentIPv4,
  fragmentIPv6,
  frame,
  gre,
  gtpU,
  icmp,
  ipv4,
  ipv6,
  ipv6Extension,
  loopback,
  pppoe,
  sll2,
  TCP_FLAGS,
  tcp,
  text,
  udp,
  vxlan,
} from './helpers/packets.js';
import { accountedFrames } from './helpers/sink.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    state = (state ^ (state >>> 12)) >>> 0;
    return state / 2 ** 32;
  };
}

const SIP = text('INVITE sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const ip4 = ipv4(udp(SIP));
const ip6 = ipv6(udp(SIP));
const SEEDS: Uint8Array[] = [
  ethernet(ip4),
  ethernet(ip6, { etherType: ETHERTYPE.IPV6, vlans: [{ tpid: ETHERTYPE.QINQ, vid: 1 }, { tpid: ETHERTYPE.VLAN, vid: 2 }] }),
  ethernet(pppoe(ip4), { etherType: ETHERTYPE.PPPOE }),
  ethernet(ipv4(gre(erspan2(ethernet(ip4)), { protocol: 0x88be, sequence: 1 }), { protocol: IPPROTO_GRE })),
  ethernet(ipv4(gre(ip6, { protocol: 0x86dd, key: 3, checksum: true }), { protocol: IPPROTO_GRE })),
  ethernet(ipv4(ip4, { protocol: IPPROTO_IPIP })),
  ethernet(ipv4(udp(gtpU(ip4, { extensions: [{ type: 0x85, content: [0, 9] }] }), { dstPort: 2152 }))),
  ethernet(ipv4(udp(vxlan(ethernet(ip4)), { dstPort: 4789 }))),
  ethernet(ipv6(ipv6Extension(udp(SIP), 17, [1, 2]), { nextHeader: IPPROTO_DSTOPTS }), { etherType: ETHERTYPE.IPV6 }),
  ethernet(ipv4(tcp(SIP, { seq: 10, flags: TCP_FLAGS.ACK }), { protocol: 6 })),
  ethernet(ipv4(tcp(SIP, { seq: 20, flags: TCP_FLAGS.SYN }), { protocol: 6 })),
  ethernet(ipv4(icmp(ip4, 3, 3), { protocol: 1 })),
  ethernet(ipv6(icmp(ip6, 1, 4), { nextHeader: 58 }), { etherType: ETHERTYPE.IPV6 }),
  ...fragmentIPv4(udp(Buffer.alloc(3000, 7)), 1480, { id: 77 }).map((p) => ethernet(p)),
  ...fragmentIPv6(udp(Buffer.alloc(3000, 7)), 1232, { id: 78 }).map((p) => ethernet(p, { etherType: ETHERTYPE.IPV6 })),
];

function mutate(next: () => number, seed: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(seed);
  const flips = 1 + Math.floor(next() * 4);
  for (let i = 0; i < flips; i++) {
    // Mostly the headers, where the lengths and types are.
    const at = Math.floor(next() < 0.8 ? next() * Math.min(bytes.length, 90) : next() * bytes.length);
    bytes[at] = next() < 0.3 ? [0, 0xff, 0x08, 0x86, 0x2c, 0x11, 0x06][Math.floor(next() * 7)]! : Math.floor(next() * 256);
  }
  if (next() < 0.2) return bytes.subarray(0, Math.floor(next() * bytes.length));
  return bytes;
}

describe('hostile input', () => {
  it.each([
    ['Ethernet', LINKTYPE.ETHERNET],
    ['SLL2', LINKTYPE.LINUX_SLL2],
    ['NULL', LINKTYPE.NULL],
    ['RAW', LINKTYPE.RAW],
  ])('survives mutated %s frames held inside a larger buffer, with every frame counted and every segment and problem offset exact', (_name, linkType) => {
    const next = random(linkType + 1);
    const frames: Uint8Array[] = [];
    const payloadChecks: [number, number, number, Uint8Array][] = [];
    let problems = 0;
    const decoder = new PacketDecoder('fuzz.pcap', {
      onPayload: (payload) => {
        for (const segment of payload.segments) {
          payloadChecks.push([segment.frameNumber, segment.frameOffset, segment.length, payload.data.slice(segment.payloadOffset, segment.payloadOffset + segment.length)]);
        }
        expect(payload.segments.reduce((sum, s) => sum + s.length, 0)).toBe(payload.data.length);
      },
      onProblem: (problem) => {
        problems++;
        expect(problem.frameNumber).toBeGreaterThan(0);
        expect(problem.frameOffset).toBeGreaterThanOrEqual(0);
        expect(problem.frameOffset).toBeLessThanOrEqual(frames[problem.frameNumber - 1]!.length);
        expect(problem.message.length).toBeGreaterThan(0);
      },
      onIcmpError: () => {},
      onTcpGap: () => {},
      onTcpStreamEnd: () => {},
    }, { maxProblemsPerCode: 1_000_000 });
    decoder.addInterface(captureInterface(linkType));
    for (let n = 1; n <= 4000; n++) {
      const seed = SEEDS[Math.floor(next() * SEEDS.length)]!;
      const inner = seed.subarray(14); // the IP part, for the non-Ethernet link types
      const data =
        linkType === LINKTYPE.ETHERNET ? seed : linkType === LINKTYPE.LINUX_SLL2 ? sll2(inner, { ifIndex: n % 3, protocol: (seed[12]! << 8) | seed[13]! }) : linkType === LINKTYPE.NULL ? loopback(inner, seed[12] === 0x86 ? 30 : 2, false) : inner;
      const mutated = next() < 0.85 ? mutate(next, data) : data;
      frames.push(mutated);
      // As a reader hands it over: somewhere inside a larger buffer, other bytes on both sides.
      const before = Math.floor(next() * 64);
      const held = Uint8Array.from({ length: before + mutated.length + 64 }, () => Math.floor(next() * 256));
      held.set(mutated, before);
      decoder.decode({ ...frame(mutated, { frameNumber: n, sec: 1000 + n / 10 }), bytes: held, start: before });
    }
    decoder.finish();
    const stats = decoder.stats();
    expect(stats.frames).toBe(4000);
    expect(accountedFrames(stats)).toBe(4000);
    expect(stats.udpDatagrams).toBeGreaterThan(100);
    expect(problems).toBeGreaterThan(10);
    for (const [frameNumber, frameOffset, length, bytes] of payloadChecks) {
      const source = frames[frameNumber - 1]!;
      expect(frameOffset + length).toBeLessThanOrEqual(source.length);
      expect(Buffer.from(source.subarray(frameOffset, frameOffset + length)).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
