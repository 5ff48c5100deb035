import { describe, expect, it } from 'vitest';
import { LINKTYPE, PacketDecoder } from '../../src/decode/decoder.js';
import type { TransportPayload } from '../../src/decode/types.js';
import {
  captureInterface,
  concat,
  ETHERTYPE,
  ethernet,
  frame,
  ipv4,
  ipv6,
  loopback,
  ppp,
  pppoe,
  sll,
  sll2,
  tcp,
  text,
  udp,
} from './helpers/packets.js';
import { accountedFrames, CollectingSink, decodeFrames } from './helpers/sink.js';

const SIP = text('OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const ipPacket = ipv4(udp(SIP, { srcPort: 5062, dstPort: 5060 }), { src: '10.0.0.1', dst: '10.0.0.2', ttl: 61 });
const ipv6Packet = ipv6(udp(SIP), { src: '2001:db8::a', dst: '2001:db8::b', hopLimit: 33 });

/** Decodes one frame and returns its single UDP payload (failing if there is not exactly one). */
function single(linkType: number, data: Uint8Array): TransportPayload {
  const run = decodeFrames(linkType, [data]);
  expect(run.sink.problems).toEqual([]);
  expect(run.sink.payloads).toHaveLength(1);
  expect(accountedFrames(run.stats)).toBe(1);
  return run.sink.payloads[0]!;
}

function expectSip(payload: TransportPayload, at: number): void {
  expect(Buffer.from(payload.data).toString('latin1')).toBe(SIP.toString('latin1'));
  expect(payload.segments).toEqual([{ frameNumber: 1, frameOffset: at, payloadOffset: 0, length: SIP.length }]);
}

describe('Ethernet', () => {
  it('decodes IPv4/UDP and maps the payload to its frame offset', () => {
    const payload = single(LINKTYPE.ETHERNET, ethernet(ipPacket));
    expectSip(payload, 14 + 20 + 8);
    expect(payload).toMatchObject({ transport: 'udp', src: { ip: '10.0.0.1', port: 5062 }, dst: { ip: '10.0.0.2', port: 5060 }, ttl: 61, tunnelled: false });
    expect(payload.point).toEqual({ key: 'test.pcap#0', source: 'test.pcap', interfaceId: 0 });
    expect(payload.linuxPacketType).toBeUndefined();
  });

  it('decodes IPv6/UDP', () => {
    const payload = single(LINKTYPE.ETHERNET, ethernet(ipv6Packet, { etherType: ETHERTYPE.IPV6 }));
    expectSip(payload, 14 + 40 + 8);
    expect(payload).toMatchObject({ src: { ip: '2001:db8::a' }, dst: { ip: '2001:db8::b' }, ttl: 33 });
  });

  it.each([
    ['802.1Q', [ETHERTYPE.VLAN]],
    ['802.1ad', [ETHERTYPE.QINQ]],
    ['0x9100', [ETHERTYPE.QINQ_OLD]],
    ['QinQ 802.1ad + 802.1Q', [ETHERTYPE.QINQ, ETHERTYPE.VLAN]],
    ['three tags', [ETHERTYPE.QINQ_OLD, ETHERTYPE.QINQ, ETHERTYPE.VLAN]],
    ['five tags', [ETHERTYPE.VLAN, ETHERTYPE.VLAN, ETHERTYPE.VLAN, ETHERTYPE.VLAN, ETHERTYPE.VLAN]],
  ])('reads through VLAN tags: %s', (_name, tpids) => {
    const vlans = tpids.map((tpid, i) => ({ tpid, vid: 100 + i }));
    expectSip(single(LINKTYPE.ETHERNET, ethernet(ipPacket, { vlans })), 14 + 4 * tpids.length + 28);
  });

  it('trusts the IP total length over Ethernet padding and an FCS', () => {
    const padding = { trailer: new Array(9).fill(0xee) };
    const run = decodeFrames(LINKTYPE.ETHERNET, [
      ethernet(ipv4(udp(text('x'))), padding),
      ethernet(ipv4(tcp(text('y'), { seq: 1 }), { protocol: 6 }), padding),
      ethernet(ipv6(tcp(text('z'), { seq: 1, srcPort: 7 }), { nextHeader: 6 }), { ...padding, etherType: ETHERTYPE.IPV6 }),
    ]);
    expect(run.sink.payloads.map((p) => Buffer.from(p.data).toString())).toEqual(['x', 'y', 'z']);
  });

  it('reads an 802.2 SNAP frame carrying IPv4, and ignores other LLC frames', () => {
    const snap = concat([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], ipPacket);
    const stp = concat([0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0, 0]);
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(snap, { etherType: snap.length }), ethernet(stp, { etherType: stp.length })]);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.stats.ignored).toEqual({ llc: 1 });
  });

  it('counts ARP and unknown Ethertypes as ignored, by reason', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [
      ethernet(new Uint8Array(28), { etherType: ETHERTYPE.ARP }),
      ethernet(new Uint8Array(28), { etherType: 0x88cc }),
      ethernet(new Uint8Array(28), { etherType: 0x88cc, vlans: [{ tpid: ETHERTYPE.VLAN, vid: 5 }] }),
      ethernet(new Uint8Array(10), { etherType: 0x8863 }),
    ]);
    expect(run.stats.ignored).toEqual({ arp: 1, 'other-ethertype:0x88cc': 2, 'pppoe-discovery': 1 });
    expect(run.sink.problems).toEqual([]);
    expect(accountedFrames(run.stats)).toBe(4);
  });

  it('reads MPLS label stacks down to the IP packet', () => {
    const labels = concat([0x00, 0x01, 0x00, 0x40], [0x00, 0x02, 0x01, 0x40]);
    expectSip(single(LINKTYPE.ETHERNET, ethernet(concat(labels, ipPacket), { etherType: ETHERTYPE.MPLS })), 14 + 8 + 28);
  });

  it('reports a frame too short for its header, with the frame number and offset', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, [new Uint8Array(10), ethernet(new Uint8Array(2), { etherType: ETHERTYPE.VLAN })]);
    expect(run.stats.problems).toEqual({ 'link-truncated': 2 });
    expect(run.sink.problems.map((p) => [p.frameNumber, p.frameOffset, p.code])).toEqual([
      [1, 0, 'link-truncated'],
      [2, 14, 'link-truncated'],
    ]);
    expect(run.sink.problems[0]!.message).toContain('test.pcap frame 1');
  });
});

describe('PPPoE and PPP', () => {
  it('decodes Ethernet / PPPoE session / PPP / IPv4 and IPv6', () => {
    expectSip(single(LINKTYPE.ETHERNET, ethernet(pppoe(ipPacket), { etherType: ETHERTYPE.PPPOE })), 14 + 6 + 2 + 28);
    expectSip(single(LINKTYPE.ETHERNET, ethernet(pppoe(ipv6Packet, { pppProtocol: 0x0057 }), { etherType: ETHERTYPE.PPPOE })), 14 + 8 + 48);
  });

  it('ignores PPP control protocols inside PPPoE', () => {
    const lcp = ethernet(pppoe(new Uint8Array(10), { pppProtocol: 0xc021 }), { etherType: ETHERTYPE.PPPOE });
    expect(decodeFrames(LINKTYPE.ETHERNET, [lcp]).stats.ignored).toEqual({ 'ppp-control': 1 });
  });

  it('decodes LINKTYPE_PPP with and without HDLC framing, with a compressed protocol field', () => {
    expectSip(single(LINKTYPE.PPP, ppp(ipPacket)), 2 + 28);
    expectSip(single(LINKTYPE.PPP, ppp(ipPacket, { hdlcFraming: true })), 4 + 28);
    expectSip(single(LINKTYPE.PPP, ppp(ipPacket, { compressProtocol: true })), 1 + 28);
    expectSip(single(LINKTYPE.PPP, ppp(ipv6Packet, { protocol: 0x0057 })), 2 + 48);
  });

  it('decodes LINKTYPE_PPP_HDLC as PPP in HDLC framing or Cisco HDLC', () => {
    expectSip(single(LINKTYPE.PPP_HDLC, ppp(ipPacket, { hdlcFraming: true })), 4 + 28);
    expectSip(single(LINKTYPE.PPP_HDLC, concat([0x0f, 0x00, 0x08, 0x00], ipPacket)), 4 + 28);
    expectSip(single(LINKTYPE.C_HDLC, concat([0x8f, 0x00, 0x86, 0xdd], ipv6Packet)), 4 + 48);
  });

  it('decodes LINKTYPE_PPP_ETHER (PPPoE without Ethernet)', () => {
    expectSip(single(LINKTYPE.PPP_ETHER, pppoe(ipPacket)), 8 + 28);
  });
});

describe('Linux cooked captures', () => {
  it('SLL: decodes and keeps the packet type', () => {
    const payload = single(LINKTYPE.LINUX_SLL, sll(ipPacket, { packetType: 4 }));
    expectSip(payload, 16 + 28);
    expect(payload.linuxPacketType).toBe(4);
    expect(payload.point.key).toBe('test.pcap#0');
  });

  it('SLL with a VLAN tag left in the frame', () => {
    const tagged = concat([0x00, 0x64, 0x08, 0x00], ipPacket);
    expectSip(single(LINKTYPE.LINUX_SLL, sll(tagged, { protocol: ETHERTYPE.VLAN })), 16 + 4 + 28);
  });

  it('SLL2: one capture point per Linux interface index', () => {
    const sink = new CollectingSink();
    const decoder = new PacketDecoder('any.pcapng', sink);
    decoder.addInterface(captureInterface(LINKTYPE.LINUX_SLL2, 0));
    decoder.decode(frame(sll2(ipPacket, { ifIndex: 3, packetType: 0 }), { frameNumber: 1 }));
    decoder.decode(frame(sll2(ipPacket, { ifIndex: 5, packetType: 4 }), { frameNumber: 2 }));
    decoder.decode(frame(sll2(ipv6Packet, { ifIndex: 3, protocol: ETHERTYPE.IPV6 }), { frameNumber: 3 }));
    expect(sink.payloads.map((p) => [p.point.key, p.point.linuxIfIndex, p.linuxPacketType])).toEqual([
      ['any.pcapng#0/if3', 3, 0],
      ['any.pcapng#0/if5', 5, 4],
      ['any.pcapng#0/if3', 3, 0],
    ]);
    expect(sink.payloads[0]!.point).toBe(sink.payloads[2]!.point);
    expect(sink.payloads[0]!.segments[0]!.frameOffset).toBe(20 + 28);
  });

  it('ignores netlink messages of an "any" capture', () => {
    const run = decodeFrames(LINKTYPE.LINUX_SLL, [sll(new Uint8Array(20), { hardwareType: 824, protocol: 0 })]);
    expect(run.stats.ignored).toEqual({ netlink: 1 });
  });
});

describe('raw IP and loopback', () => {
  it.each([
    ['RAW (101)', LINKTYPE.RAW],
    ['DLT_RAW 12', LINKTYPE.RAW_BSD],
    ['DLT_RAW 14 (OpenBSD)', LINKTYPE.RAW_OPENBSD],
  ])('%s carries IPv4 or IPv6 by version nibble', (_name, linkType) => {
    expectSip(single(linkType, ipPacket), 28);
    expectSip(single(linkType, ipv6Packet), 48);
  });

  it('LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)', () => {
    expectSip(single(LINKTYPE.IPV4, ipPacket), 28);
    expectSip(single(LINKTYPE.IPV6, ipv6Packet), 48);
  });

  it('DLT_NULL in either byte order, DLT_LOOP in network order, with the BSD AF_INET6 values', () => {
    expectSip(single(LINKTYPE.NULL, loopback(ipPacket, 2, false)), 4 + 28);
    expectSip(single(LINKTYPE.NULL, loopback(ipPacket, 2, true)), 4 + 28);
    for (const family of [24, 28, 30]) {
      expectSip(single(LINKTYPE.NULL, loopback(ipv6Packet, family, false)), 4 + 48);
      expectSip(single(LINKTYPE.NULL, loopback(ipv6Packet, family, true)), 4 + 48);
      expectSip(single(LINKTYPE.LOOP, loopback(ipv6Packet, family, true)), 4 + 48);
    }
    expectSip(single(LINKTYPE.LOOP, loopback(ipPacket, 2, true)), 4 + 28);
  });

  it('ignores other loopback address families, and reports values no family has', () => {
    const run = decodeFrames(LINKTYPE.NULL, [loopback(new Uint8Array(20), 7, false), loopback(new Uint8Array(20), 0x12345678, false)]);
    expect(run.stats.ignored).toEqual({ 'other-loopback-family:7': 1 });
    expect(run.stats.problems).toEqual({ 'link-bad-loopback-family': 1 });
  });
});

describe('unknown link types and interfaces', () => {
  it('reports an unknown link type once per interface and counts every frame', () => {
    const sink = new CollectingSink();
    const decoder = new PacketDecoder('wifi.pcapng', sink);
    decoder.addInterface(captureInterface(127, 0));
    decoder.addInterface(captureInterface(127, 1));
    for (let i = 1; i <= 5; i++) decoder.decode(frame(new Uint8Array(40), { frameNumber: i, interfaceId: i <= 3 ? 0 : 1 }));
    decoder.finish();
    expect(sink.problems.map((p) => [p.code, p.frameNumber, p.point.key])).toEqual([
      ['unknown-linktype', 1, 'wifi.pcapng#0'],
      ['unknown-linktype', 4, 'wifi.pcapng#1'],
    ]);
    expect(sink.problems[0]!.message).toContain('link type 127');
    expect(decoder.stats().problems).toEqual({ 'unknown-linktype': 5 });
    expect(accountedFrames(decoder.stats())).toBe(5);
  });

  it('reports frames of an interface never described', () => {
    const sink = new CollectingSink();
    const decoder = new PacketDecoder('x.pcapng', sink);
    decoder.decode(frame(ipPacket, { interfaceId: 2, frameNumber: 1 }));
    decoder.decode(frame(ipPacket, { interfaceId: 2, frameNumber: 2 }));
    expect(sink.problems.map((p) => [p.code, p.frameNumber])).toEqual([['unknown-interface', 1]]);
    expect(decoder.stats().problems).toEqual({ 'unknown-interface': 2 });
  });

  it('stops reporting a problem code after the cap but keeps counting', () => {
    const run = decodeFrames(LINKTYPE.ETHERNET, Array.from({ length: 7 }, () => new Uint8Array(5)), { maxProblemsPerCode: 3 });
    expect(run.sink.problems).toHaveLength(3);
    expect(run.stats.problems).toEqual({ 'link-truncated': 7 });
  });
});

describe('zero copy', () => {
  it('gives UDP payload bytes as a view of the frame buffer', () => {
    const data = ethernet(ipPacket);
    const seen: Uint8Array[] = [];
    const decoder = new PacketDecoder('z.pcap', { onPayload: (p) => seen.push(p.data), onProblem: () => {} });
    decoder.addInterface(captureInterface(LINKTYPE.ETHERNET));
    decoder.decode(frame(data));
    expect(seen[0]!.buffer).toBe(data.buffer);
    expect(seen[0]!.byteOffset).toBe(data.byteOffset + 42);
  });
});
