import { describe, expect, it } from 'vitest';
import { LINKTYPE, PacketDecoder } from '../../src/decode/decoder.js';
import { IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_HOPOPTS, IPPROTO_ROUTING } from '../../src/decode/ip.js';
import { captureInterface, concat, ETHERTYPE, ethernet, frame, icmp, ipv4, ipv6, ipv6Extension, ipv6FragmentHeader, tcp, text, udp } from './helpers/packets.js';
import { ipv4KeyOfText } from '../../src/decode/addresses.js';
import type { UdpDatagramView } from '../../src/decode/types.js';
import { accountedFrames, CollectingSink, decodeFrames } from './helpers/sink.js';

const SIP = text('BYE sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');

describe('IPv4', () => {
  it('skips options by the header length and ignores a bad header checksum', () => {
    const packet = ipv4(udp(SIP), { options: [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00] });
    packet[10] ^= 0xff;
    const run = decodeFrames(LINKTYPE.RAW, [packet]);
    expect(run.sink.payloads[0]!.segments[0]!.frameOffset).toBe(28 + 8);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(SIP)).toBe(true);
  });

  it('takes the rest of the frame when the total length is 0 (segmentation offload)', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(udp(SIP), { totalLength: 0 })]);
    expect(run.sink.payloads).toHaveLength(1);
  });

  it('reports headers that cannot be IPv4', () => {
    const badVersion = ipv4(udp(SIP));
    badVersion[0] = 0x55;
    const shortHeader = ipv4(udp(SIP));
    shortHeader[0] = 0x44;
    const run = decodeFrames(LINKTYPE.IPV4, [badVersion, shortHeader, ipv4(udp(SIP), { totalLength: 12 })]);
    expect(run.stats.problems).toEqual({ 'ipv4-bad-header': 3 });
  });

  it('counts a datagram cut by the snaplen without delivering it', () => {
    const packet = ethernet(ipv4(udp(SIP)));
    const cut = packet.subarray(0, 60);
    const run = decodeFrames(LINKTYPE.ETHERNET, [{ data: cut, options: { wireLength: packet.length } }]);
    expect(run.sink.payloads).toEqual([]);
    expect(run.stats.problems).toEqual({ 'udp-truncated-by-snaplen': 1 });
    expect(run.sink.problems[0]!.message).toContain(`60 of ${packet.length} bytes captured`);
  });

  it('calls a datagram longer than its uncut frame malformed, not cut by the snaplen', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(udp(SIP, { length: SIP.length + 100 }))]);
    expect(run.stats.problems).toEqual({ 'udp-truncated': 1 });
  });

  it('ignores ESP, SCTP and other protocols by name or number', () => {
    const run = decodeFrames(LINKTYPE.RAW, [
      ipv4(new Uint8Array(40), { protocol: 50 }),
      ipv4(new Uint8Array(40), { protocol: 132 }),
      ipv4(new Uint8Array(40), { protocol: 112 }),
      ipv4(icmp(new Uint8Array(8), 8, 0), { protocol: 1 }),
    ]);
    expect(run.stats.ignored).toEqual({ esp: 1, sctp: 1, 'other-ip-proto:112': 1, icmp: 1 });
    expect(accountedFrames(run.stats)).toBe(4);
  });

  it('steps over AH', () => {
    const ah = concat([17, 4, 0, 0], new Array(20).fill(0xab)); // (4 + 2) * 4 = 24 bytes
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(concat(ah, udp(SIP)), { protocol: IPPROTO_AH })]);
    expect(run.sink.payloads[0]!.segments[0]!.frameOffset).toBe(20 + 24 + 8);
  });
});

describe('IPv6', () => {
  it('steps over hop-by-hop, routing, destination options and AH headers', () => {
    const chain = ipv6Extension(ipv6Extension(ipv6Extension(concat([17, 1, 0, 0], new Array(8).fill(1), udp(SIP)), IPPROTO_AH, [1, 2, 3]), IPPROTO_DSTOPTS, new Array(12).fill(0)), IPPROTO_ROUTING);
    const packet = ipv6(chain, { nextHeader: IPPROTO_HOPOPTS });
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(packet, { etherType: ETHERTYPE.IPV6 })]);
    expect(run.sink.problems).toEqual([]);
    expect(run.sink.payloads[0]!.segments[0]!.frameOffset).toBe(14 + 40 + 8 + 16 + 8 + 12 + 8);
    expect(Buffer.from(run.sink.payloads[0]!.data).equals(SIP)).toBe(true);
  });

  it('treats an atomic fragment (offset 0, no more fragments) as a whole packet', () => {
    const packet = ipv6(ipv6FragmentHeader(udp(SIP), { nextHeader: 17, offset: 0, more: false, id: 5 }), { nextHeader: 44 });
    const run = decodeFrames(LINKTYPE.RAW, [packet]);
    expect(run.sink.payloads).toHaveLength(1);
    expect(run.stats.fragmentsReassembled).toBe(0);
  });

  it('ignores ESP, "no next header" and neighbour discovery', () => {
    const run = decodeFrames(LINKTYPE.RAW, [
      ipv6(new Uint8Array(40), { nextHeader: 50 }),
      ipv6(new Uint8Array(0), { nextHeader: 59 }),
      ipv6(icmp(new Uint8Array(16), 135, 0), { nextHeader: 58 }),
      ipv6(icmp(new Uint8Array(16), 128, 0), { nextHeader: 58 }),
    ]);
    expect(run.stats.ignored).toEqual({ esp: 1, 'ipv6-no-next-header': 1, 'ipv6-nd': 1, icmpv6: 1 });
  });

  it('reports an extension header that runs past the packet', () => {
    const packet = ipv6(concat([17, 30], new Array(6).fill(0)), { nextHeader: IPPROTO_DSTOPTS });
    const run = decodeFrames(LINKTYPE.RAW, [packet]);
    expect(run.stats.problems).toEqual({ 'ip-truncated': 1 });
    expect(run.sink.problems[0]!.frameOffset).toBe(40);
  });
});

describe('UDP', () => {
  it('delivers datagrams on any port, and counts empty ones as ignored', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(udp(SIP, { srcPort: 33333, dstPort: 44444 })), ipv4(udp(new Uint8Array(0)))]);
    expect(run.sink.payloads.map((p) => [p.src.port, p.dst.port])).toEqual([[33333, 44444]]);
    expect(run.stats.udpDatagrams).toBe(1);
    expect(run.stats.ignored).toEqual({ 'udp-empty': 1 });
  });

  it('uses the UDP length when the IP packet has trailing bytes', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(concat(udp(SIP), [1, 2, 3, 4]))]);
    expect(run.sink.payloads[0]!.data.length).toBe(SIP.length);
  });

  it('reports a UDP length below the header size', () => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(udp(SIP, { length: 4 }))]);
    expect(run.stats.problems).toEqual({ 'udp-bad-length': 1 });
  });
});

describe('UDP datagrams offered before a payload is built (claimDatagram)', () => {
  /** Claims datagrams that start with 0x80 (RTP-shaped), keeping a copy of what it was offered. */
  class ClaimingSink extends CollectingSink {
    readonly offered: (Omit<UdpDatagramView, 'bytes' | 'start' | 'end'> & { data: number[] })[] = [];
    claimDatagram(d: UdpDatagramView): boolean {
      const { bytes, start, end, ...fields } = d;
      this.offered.push({ ...fields, ts: { ...d.ts }, data: [...bytes.subarray(start, end)] });
      return bytes[start] === 0x80;
    }
  }
  const RTP_SHAPED = Uint8Array.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9]);

  function run(frames: Parameters<typeof decodeFrames>[1]) {
    const sink = new ClaimingSink();
    const decoder = new PacketDecoder('test.pcap', sink);
    decoder.addInterface(captureInterface(LINKTYPE.ETHERNET));
    frames.forEach((data, i) => decoder.decode(frame(data as Uint8Array, { frameNumber: i + 1, sec: 1_700_000_000 + i })));
    decoder.finish();
    return { sink, stats: decoder.stats() };
  }

  it('offers an IPv4 datagram in place, and builds no payload for one the sink took', () => {
    const { sink, stats } = run([
      ethernet(ipv4(udp(RTP_SHAPED, { srcPort: 40000, dstPort: 40002 }), { src: '10.1.2.3', dst: '192.0.2.200' })),
      ethernet(ipv4(udp(SIP, { srcPort: 5060, dstPort: 5060 }))),
    ]);
    expect(sink.offered).toEqual([
      { point: expect.objectContaining({ source: 'test.pcap', interfaceId: 0 }), srcIpv4: ipv4KeyOfText('10.1.2.3'), dstIpv4: ipv4KeyOfText('192.0.2.200'), srcPort: 40000, dstPort: 40002, ts: { sec: 1_700_000_000, nsec: 0 }, frameNumber: 1, data: [...RTP_SHAPED] },
      expect.objectContaining({ srcPort: 5060, frameNumber: 2, data: [...SIP] }),
    ]);
    // The declined one comes as a payload; the taken one is still counted as delivered.
    expect(sink.payloads.map((p) => p.segments[0]!.frameNumber)).toEqual([2]);
    expect(stats.udpDatagrams).toBe(2);
    expect(accountedFrames(stats)).toBe(2);
  });

  it('does not offer IPv6 datagrams or reassembled fragments', () => {
    const whole = udp(RTP_SHAPED, { srcPort: 40000, dstPort: 40002 });
    const { sink, stats } = run([
      ethernet(ipv6(whole, { nextHeader: 17 }), { etherType: ETHERTYPE.IPV6 }),
      ethernet(ipv4(whole.subarray(0, 8), { moreFragments: true, id: 7, totalLength: 28 })),
      ethernet(ipv4(whole.subarray(8), { fragmentOffset: 8, id: 7 })),
    ]);
    expect(sink.offered).toEqual([]);
    expect(sink.payloads.map((p) => [...p.data])).toEqual([[...RTP_SHAPED], [...RTP_SHAPED]]);
    expect(stats.fragmentsReassembled).toBe(2);
  });
});

describe('ICMP errors', () => {
  const sipRequest = ipv4(udp(SIP, { srcPort: 5060, dstPort: 5060 }), { src: '192.168.1.10', dst: '203.0.113.5' });

  it('reports port unreachable from a NAT with the quoted UDP tuple', () => {
    const error = ipv4(icmp(sipRequest.subarray(0, 28), 3, 3), { protocol: 1, src: '198.51.100.1', dst: '203.0.113.5' });
    const run = decodeFrames(LINKTYPE.ETHERNET, [ethernet(error)]);
    expect(run.sink.icmpErrors).toEqual([
      {
        point: { key: 'test.pcap#0', source: 'test.pcap', interfaceId: 0 },
        frameNumber: 1,
        ts: { sec: 1_700_000_000, nsec: 0 },
        from: '198.51.100.1',
        to: '203.0.113.5',
        kind: 'port-unreachable',
        quoted: { transport: 'udp', src: { ip: '192.168.1.10', port: 5060 }, dst: { ip: '203.0.113.5', port: 5060 } },
      },
    ]);
    expect(run.stats.icmpErrors).toBe(1);
    expect(accountedFrames(run.stats)).toBe(1);
  });

  it.each([
    [3, 1, 'host-unreachable'],
    [3, 13, 'admin-prohibited'],
    [3, 10, 'host-prohibited'],
    [3, 8, 'other (3/8)'],
    [11, 0, 'ttl-exceeded'],
    [12, 0, 'parameter-problem'],
  ])('names ICMP type %i code %i as %s', (type, code, kind) => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv4(icmp(sipRequest, type, code), { protocol: 1 })]);
    expect(run.sink.icmpErrors[0]!.kind).toBe(kind);
  });

  it('quotes TCP too, and leaves out the tuple of a non-first fragment or a short quote', () => {
    const tcpRequest = ipv4(tcp(SIP, { srcPort: 40001, dstPort: 5061 }), { protocol: 6 });
    const laterFragment = ipv4(new Uint8Array(16), { fragmentOffset: 1480, moreFragments: true });
    const run = decodeFrames(LINKTYPE.RAW, [
      ipv4(icmp(tcpRequest.subarray(0, 28), 3, 3), { protocol: 1 }),
      ipv4(icmp(laterFragment, 3, 3), { protocol: 1 }),
      ipv4(icmp(sipRequest.subarray(0, 22), 3, 3), { protocol: 1 }),
    ]);
    expect(run.sink.icmpErrors.map((e) => e.quoted)).toEqual([
      { transport: 'tcp', src: { ip: '192.0.2.1', port: 40001 }, dst: { ip: '192.0.2.2', port: 5061 } },
      undefined,
      undefined,
    ]);
  });

  it('reports ICMPv6 port unreachable quoting UDP behind an extension header', () => {
    const quoted = ipv6(ipv6Extension(udp(SIP, { srcPort: 5080, dstPort: 5090 }), 17), { nextHeader: IPPROTO_DSTOPTS, src: 'fd00::10', dst: 'fd00::20' });
    const error = ipv6(icmp(quoted, 1, 4), { nextHeader: 58, src: 'fd00::20', dst: 'fd00::10' });
    const run = decodeFrames(LINKTYPE.RAW, [error]);
    expect(run.sink.icmpErrors).toHaveLength(1);
    expect(run.sink.icmpErrors[0]).toMatchObject({
      from: 'fd00::20',
      to: 'fd00::10',
      kind: 'port-unreachable',
      quoted: { transport: 'udp', src: { ip: 'fd00::10', port: 5080 }, dst: { ip: 'fd00::20', port: 5090 } },
    });
  });

  it.each([
    [1, 1, 'admin-prohibited'],
    [1, 3, 'address-unreachable'],
    [2, 0, 'packet-too-big'],
    [3, 0, 'hop-limit-exceeded'],
  ])('names ICMPv6 type %i code %i as %s', (type, code, kind) => {
    const run = decodeFrames(LINKTYPE.RAW, [ipv6(icmp(ipv6(udp(SIP)), type, code), { nextHeader: 58 })]);
    expect(run.sink.icmpErrors[0]!.kind).toBe(kind);
  });
});
