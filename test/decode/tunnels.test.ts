import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../src/decode/decoder.js';
import { IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6 } from '../../src/decode/ip.js';
import {
  concat,
  ETHERTYPE,
  erspan2,
  erspan3,
  ethernet,
  gre,
  gtpU,
  ipv4,
  ipv6,
  ppp,
  text,
  udp,
  vxlan,
  type Bytes,
} from './helpers/packets.js';
import { accountedFrames, decodeFrames } from './helpers/sink.js';

const SIP = text('REGISTER sip:example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const inner4 = ipv4(udp(SIP, { srcPort: 5070, dstPort: 5060 }), { src: '10.1.1.1', dst: '10.2.2.2', ttl: 50 });
const inner6 = ipv6(udp(SIP, { srcPort: 5070, dstPort: 5060 }), { src: 'fd00::1', dst: 'fd00::2', hopLimit: 40 });
const outer = (payload: Bytes, protocol: number) => ipv4(payload, { src: '198.51.100.1', dst: '198.51.100.2', protocol, ttl: 200 });

/** Decodes one Ethernet frame and checks it gave the SIP datagram from the inner packet. */
function expectTunnelled(data: Bytes, inner: { src: string; ttl: number }, sipAt: number): void {
  const run = decodeFrames(LINKTYPE.ETHERNET, [data]);
  expect(run.sink.problems).toEqual([]);
  expect(run.sink.payloads).toHaveLength(1);
  const payload = run.sink.payloads[0]!;
  expect(Buffer.from(payload.data).equals(SIP)).toBe(true);
  expect(payload).toMatchObject({ src: { ip: inner.src, port: 5070 }, ttl: inner.ttl, tunnelled: true });
  expect(payload.segments).toEqual([{ frameNumber: 1, frameOffset: sipAt, payloadOffset: 0, length: SIP.length }]);
  expect(accountedFrames(run.stats)).toBe(1);
}

const v4 = { src: '10.1.1.1', ttl: 50 };
const v6 = { src: 'fd00::1', ttl: 40 };

describe('IP in IP', () => {
  it('IPv4 in IPv4 (protocol 4)', () => expectTunnelled(ethernet(outer(inner4, IPPROTO_IPIP)), v4, 14 + 20 + 28));
  it('IPv6 in IPv4 (protocol 41)', () => expectTunnelled(ethernet(outer(inner6, IPPROTO_IPV6)), v6, 14 + 20 + 48));
  it('IPv6 in IPv6', () => expectTunnelled(ethernet(ipv6(inner6, { nextHeader: IPPROTO_IPV6 }), { etherType: ETHERTYPE.IPV6 }), v6, 14 + 40 + 48));
  it('IPv4 in IPv6', () => expectTunnelled(ethernet(ipv6(inner4, { nextHeader: IPPROTO_IPIP }), { etherType: ETHERTYPE.IPV6 }), v4, 14 + 40 + 28));

  it('plain packets are not tunnelled', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(inner4)]);
    expect(run.sink.payloads[0]!.tunnelled).toBe(false);
  });

  it('stops at the tunnel depth bound and says so', () => {
    let packet: Buffer = inner4;
    for (let i = 0; i < 12; i++) packet = ipv4(packet, { protocol: IPPROTO_IPIP });
    const run = decodeFrames(LINKTYPE.RAW, [packet], { maxTunnelDepth: 8 });
    expect(run.sink.payloads).toEqual([]);
    expect(run.stats.problems).toEqual({ 'tunnel-too-deep': 1 });
    expect(run.sink.problems[0]!.frameOffset).toBe(9 * 20);
    const deepEnough = decodeFrames(LINKTYPE.RAW, [packet], { maxTunnelDepth: 12 });
    expect(deepEnough.sink.payloads).toHaveLength(1);
  });
});

describe('GRE', () => {
  it('carries IPv4 (0x0800)', () => expectTunnelled(ethernet(outer(gre(inner4, { protocol: 0x0800 }), IPPROTO_GRE)), v4, 14 + 24 + 28));
  it('carries IPv6 (0x86dd)', () => expectTunnelled(ethernet(outer(gre(inner6, { protocol: 0x86dd }), IPPROTO_GRE)), v6, 14 + 24 + 48));

  it.each([
    ['checksum', { checksum: true }, 4],
    ['key', { key: 7 }, 4],
    ['sequence', { sequence: 99 }, 4],
    ['checksum, key and sequence', { checksum: true, key: 7, sequence: 99 }, 12],
  ])('steps over the optional fields: %s', (_name, fields, extra) => {
    expectTunnelled(ethernet(outer(gre(inner4, { protocol: 0x0800, ...fields }), IPPROTO_GRE)), v4, 14 + 24 + extra + 28);
  });

  it('carries Ethernet (transparent Ethernet bridging, 0x6558) with a VLAN tag', () => {
    const bridged = ethernet(inner4, { vlans: [{ tpid: ETHERTYPE.VLAN, vid: 9 }] });
    expectTunnelled(ethernet(outer(gre(bridged, { protocol: 0x6558, key: 1 }), IPPROTO_GRE)), v4, 14 + 28 + 18 + 28);
  });

  it('carries ERSPAN type I (no sequence number, no ERSPAN header)', () => {
    expectTunnelled(ethernet(outer(gre(ethernet(inner4), { protocol: 0x88be }), IPPROTO_GRE)), v4, 14 + 24 + 14 + 28);
  });

  it('carries ERSPAN type II (sequence number, 8-byte header)', () => {
    expectTunnelled(ethernet(outer(gre(erspan2(ethernet(inner4)), { protocol: 0x88be, sequence: 5 }), IPPROTO_GRE)), v4, 14 + 28 + 8 + 14 + 28);
  });

  it('carries ERSPAN type III, with and without the platform header', () => {
    expectTunnelled(ethernet(outer(gre(erspan3(ethernet(inner4)), { protocol: 0x22eb, sequence: 5 }), IPPROTO_GRE)), v4, 14 + 28 + 12 + 14 + 28);
    expectTunnelled(ethernet(outer(gre(erspan3(ethernet(inner6, { etherType: ETHERTYPE.IPV6 }), { platformHeader: true }), { protocol: 0x22eb, sequence: 5 }), IPPROTO_GRE)), v6, 14 + 28 + 20 + 14 + 48);
  });

  it('carries PPP in PPTP enhanced GRE (version 1)', () => {
    const header = concat([0x30, 0x81, 0x88, 0x0b], [0x00, 0x20, 0x00, 0x01], [0, 0, 0, 1], [0, 0, 0, 0]); // K, S, A, version 1
    expectTunnelled(ethernet(outer(concat(header, ppp(inner4, { hdlcFraming: true })), IPPROTO_GRE)), v4, 14 + 20 + 16 + 4 + 28);
  });

  it('reports an unsupported GRE version', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(outer(concat([0x00, 0x02, 0x08, 0x00], inner4), IPPROTO_GRE))]);
    expect(run.stats.problems).toEqual({ 'gre-unsupported': 1 });
    expect(run.sink.problems[0]!.frameOffset).toBe(34);
  });
});

describe('GTP-U', () => {
  const gtpFrame = (gtp: Bytes, ports = { srcPort: 2152, dstPort: 2152 }) => ethernet(ipv4(udp(gtp, ports), { src: '192.0.2.10', dst: '192.0.2.20' }));

  it('carries IPv4 and IPv6 in a G-PDU', () => {
    expectTunnelled(gtpFrame(gtpU(inner4)), v4, 14 + 28 + 8 + 28);
    expectTunnelled(gtpFrame(gtpU(inner6)), v6, 14 + 28 + 8 + 48);
  });

  it('steps over the sequence number and extension headers (PDU session container)', () => {
    expectTunnelled(gtpFrame(gtpU(inner4, { sequence: 3 })), v4, 14 + 28 + 12 + 28);
    const extensions = [
      { type: 0x85, content: [0x00, 0x09] },
      { type: 0x40, content: [0x01, 0x02, 0x03, 0x04, 0x05, 0x06] },
    ];
    expectTunnelled(gtpFrame(gtpU(inner4, { extensions })), v4, 14 + 28 + 12 + 4 + 8 + 28);
  });

  it('recognises GTP-U by either port', () => {
    expectTunnelled(gtpFrame(gtpU(inner4), { srcPort: 40000, dstPort: 2152 }), v4, 14 + 28 + 8 + 28);
  });

  it('ignores GTP-U signalling (echo request)', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [gtpFrame(gtpU(new Uint8Array(4), { messageType: 1 }))]);
    expect(run.stats.ignored).toEqual({ 'gtp-u-signalling': 1 });
  });

  it('delivers SIP on port 2152 as UDP, not as GTP', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [gtpFrame(SIP)]);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.sink.payloads[0]!.tunnelled).toBe(false);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(SIP)).toBe(true);
  });

  it('reports a zero-length extension header instead of looping', () => {
    const bad = gtpU(inner4, { extensions: [{ type: 0x85, content: [0, 9] }] });
    bad[12] = 0;
    const run = decodeFrames(LINKTYPE.ETHERNET, [gtpFrame(bad)]);
    expect(run.stats.problems).toEqual({ 'gtp-bad-extension': 1 });
  });
});

describe('VXLAN', () => {
  it('carries Ethernet on UDP port 4789', () => {
    const frameData = ethernet(ipv4(udp(vxlan(ethernet(inner4)), { srcPort: 51234, dstPort: 4789 })));
    expectTunnelled(frameData, v4, 14 + 28 + 8 + 14 + 28);
  });

  it('delivers text on port 4789 as UDP', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(ipv4(udp(SIP, { srcPort: 5060, dstPort: 4789 })))]);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.sink.payloads[0]!.tunnelled).toBe(false);
  });
});
