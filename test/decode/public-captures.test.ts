/**
 * The decoder over real public captures, against figures tshark 4.0 gave for the same files:
 * UDP datagram counts (`-Y "udp.length > 8"`), and TCP streams as `-z follow,tcp,raw,N` prints
 * them (each direction's length and SHA-256, folded into one digest per capture).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { havePublicCaptures, noPublicCapturesReason, publicCapture } from '../helpers/paths.js';
import { accountedFrames, decodeCaptureFile, type CollectingSink } from './helpers/sink.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Digest of every TCP direction with data: "index src->dst length sha256" lines, sorted. */
function tcpDigest(sink: CollectingSink): { directions: number; bytes: number; digest: string } | null {
  const lines: string[] = [];
  let bytes = 0;
  for (const [streamId, chunks] of sink.tcpStreams()) {
    const [, connection, direction] = streamId.split(' ') as [string, string, string];
    const data = Buffer.concat(chunks.map((c) => c.data));
    bytes += data.length;
    lines.push(`${connection.slice('tcp#'.length)} ${direction} ${data.length} ${sha256(data)}`);
  }
  if (lines.length === 0) return null;
  lines.sort();
  return { directions: lines.length, bytes, digest: sha256(Buffer.from(lines.join('\n'))).slice(0, 32) };
}

/** tshark's figures; udp counts exclude the UDP header tshark dissects inside an ICMP error. */
const EXPECTED: Record<string, { frames: number; udp: number; tcp: { directions: number; bytes: number; digest: string } | null }> = {
  'NormB__sipnab__Asterisk_ZFONE_XLITE.pcap': { frames: 1042, udp: 1042, tcp: null },
  'NormB__sipnab__DTMFsipinfo.pcap': { frames: 32, udp: 32, tcp: null },
  NormB__sipnab__SIP_CALL_RTP_G711: { frames: 4269, udp: 3583, tcp: { directions: 70, bytes: 99282, digest: 'f5a0a6cea72c7a269ab6baece49d1cb3' } },
  'NormB__sipnab__SIP_DTMF2.cap': { frames: 1360, udp: 1360, tcp: null },
  'NormB__sipnab__b2bua-asterisk.pcapng': { frames: 416, udp: 416, tcp: null },
  'NormB__sipnab__h263-over-rtp.pcap': { frames: 49, udp: 49, tcp: null },
  'NormB__sipnab__metasploit-sip-invite-spoof.pcap': { frames: 3, udp: 2, tcp: null },
  'NormB__sipnab__register-invite-reinvite-bye.pcap': { frames: 230, udp: 230, tcp: null },
  'NormB__sipnab__sip-488-codec-reject.pcapng': { frames: 13, udp: 13, tcp: null },
  'NormB__sipnab__sip-auth-failure.pcapng': { frames: 8, udp: 8, tcp: null },
  'NormB__sipnab__sip-proxy.pcap': { frames: 11, udp: 11, tcp: null },
  'NormB__sipnab__sip-routing-error.pcapng': { frames: 58, udp: 58, tcp: null },
  'NormB__sipnab__sip-rtp-g711.pcap': { frames: 852, udp: 852, tcp: null },
  'OISF__suricata-verify__public-cloudshark-sip-s0.pcap': { frames: 10, udp: 10, tcp: null },
  'OISF__suricata-verify__sdp.pcap': { frames: 2, udp: 2, tcp: null },
  'OISF__suricata-verify__sip-body-large.pcap': { frames: 16, udp: 0, tcp: { directions: 2, bytes: 66000, digest: '0b126570059b17cd9caf1dade2a3e73c' } },
  'OISF__suricata-verify__sip-tcp.pcap': { frames: 11, udp: 0, tcp: { directions: 2, bytes: 1076, digest: '8b4156a423b74486a9ebd28520c4cfc5' } },
  'OISF__suricata-verify__sip_compact_form.pcap': { frames: 1, udp: 1, tcp: null },
  'OISF__suricata-verify__sip_header_multi_val.pcap': { frames: 1, udp: 1, tcp: null },
  'irontec__sngrep__aaa.pcap': { frames: 691, udp: 590, tcp: { directions: 2, bytes: 814, digest: '16c3c17b13a13a8be20985d976ed106f' } },
  'irontec__sngrep__ipip.pcap': { frames: 4, udp: 0, tcp: { directions: 2, bytes: 2749, digest: 'f77cee56e1d2031b8d985cd27d2465c4' } },
  'irontec__sngrep__ipv6frag.pcap': { frames: 34, udp: 32, tcp: null },
  'ntop__nDPI__sip_hello.pcapng': { frames: 30, udp: 30, tcp: null },
  'ntop__nDPI__webex.pcap': { frames: 1110, udp: 38, tcp: { directions: 90, bytes: 476838, digest: 'd16ce56541261fe1641114805f8a7876' } },
  'odedshimon__BruteShark__sip-rtp-g726.pcap': { frames: 3464, udp: 3464, tcp: null },
  'seladb__PcapPlusPlus__sip_non_default_port.pcap': { frames: 2, udp: 2, tcp: null },
  'seladb__PcapPlusPlus__sip_reqs.pcap': { frames: 4, udp: 4, tcp: null },
  'seladb__PcapPlusPlus__sip_resp.pcap': { frames: 7, udp: 6, tcp: { directions: 1, bytes: 531, digest: '4e49ff12f04a66fca3a85bb82b3e6ccc' } },
  'sipcapture__heplify__ipip0.pcap': { frames: 8, udp: 8, tcp: null },
  'sipcapture__heplify__sip_ipv4_tcp_retrans.pcap': { frames: 196, udp: 4, tcp: { directions: 15, bytes: 28785, digest: 'adc3b4e83d6e269997a35f8232b28ff5' } },
  'sipcapture__heplify__sip_ipv6_udp.pcap': { frames: 6, udp: 6, tcp: null },
  'sipcapture__heplify__sip_sctp.pcap': { frames: 5, udp: 0, tcp: null },
  'snort3__snort3_demo__SIP_Eyebeam2Eyebeam_Video_Audio.pcap': { frames: 3606, udp: 3606, tcp: null },
  'snort3__snort3_demo__digium.pcap': { frames: 31, udp: 20, tcp: null },
  'zeek__zeek__invalid-content-length.pcap': { frames: 2, udp: 2, tcp: null },
  'zeek__zeek__sip-junk-before-request.pcap': { frames: 2, udp: 2, tcp: null },
};

describe.skipIf(!havePublicCaptures)(`public captures (${havePublicCaptures ? 'present' : noPublicCapturesReason})`, () => {
  it.each(Object.entries(EXPECTED))('%s: frames, UDP datagrams and TCP streams as tshark sees them', async (name, expected) => {
    const { sink, stats } = await decodeCaptureFile(publicCapture(name));
    expect(stats.frames).toBe(expected.frames);
    expect(stats.udpDatagrams).toBe(expected.udp);
    expect(tcpDigest(sink)).toEqual(expected.tcp);
    expect(sink.problems).toEqual([]);
    expect(accountedFrames(stats)).toBe(expected.frames);
  });

  it('ipv6frag (SLL + IPv6 fragments): two SIP datagrams reassembled from frames 1-2 and 4-5', async () => {
    const { sink, stats } = await decodeCaptureFile(publicCapture('irontec__sngrep__ipv6frag.pcap'));
    const reassembled = sink.udp().filter((p) => p.segments.length > 1);
    // tshark: frame 2 "Reassembled IPv6 in frame 2" udp.length 1699 (frames 1,2); frame 5 udp.length 1879 (frames 4,5).
    expect(reassembled.map((p) => [p.segments.map((s) => s.frameNumber), p.data.length + 8, p.src.port, p.dst.port])).toEqual([
      [[1, 2], 1699, 15060, 5062],
      [[4, 5], 1879, 5062, 25060],
    ]);
    expect(reassembled[0]!.src.ip).toBe('fd17:625c:f037:2:a00:27ff:feb9:1521');
    expect(reassembled[0]!.dst.ip).toBe('fd17:625c:f037:2:a00:27ff:feb9:3519');
    expect(Buffer.from(reassembled[0]!.data.subarray(0, 7)).toString()).toBe('INVITE ');
    // SLL packet types as tshark shows sll.pkttype: frame 2 incoming (0), frame 5 outgoing (4).
    expect(reassembled.map((p) => p.linuxPacketType)).toEqual([0, 4]);
    expect(stats.fragmentsReassembled).toBe(4);
  });

  it('ipip: 4 SIP payloads over TCP, 2 of them IP-in-IP, all in one stream', async () => {
    const { sink } = await decodeCaptureFile(publicCapture('irontec__sngrep__ipip.pcap'));
    expect(sink.payloads.map((p) => [p.segments[0]!.frameNumber, p.tunnelled, p.data.length, p.ttl])).toEqual([
      [1, false, 1103, 64],
      [2, true, 621, 62],
      [3, true, 616, 62],
      [4, false, 409, 64],
    ]);
    const streams = sink.tcpStreams();
    expect([...streams.keys()].map((id) => id.split(' ').slice(1).join(' '))).toEqual([
      'tcp#0 10.15.197.103:5090->10.15.193.31:33093',
      'tcp#0 10.15.193.31:33093->10.15.197.103:5090',
    ]);
    const [invite, answer] = [...streams.keys()].map((id) => sink.streamBytes(id));
    expect(sha256(invite!)).toBe('fad969254ff21a37c39aa48fdf9872da37fa02137f7239b42ec8be9a87a429c4');
    expect(sha256(answer!)).toBe('bdb217d575fde4bf4a5a53a5a006553d04b022b42c465a59412faed3030c0cae');
  });

  it('digium: frames 20-31 are 12 IPv4 fragments of one 16661-byte UDP datagram', async () => {
    const { sink, stats } = await decodeCaptureFile(publicCapture('snort3__snort3_demo__digium.pcap'));
    const reassembled = sink.udp().filter((p) => p.segments.length > 1);
    expect(reassembled).toHaveLength(1);
    const datagram = reassembled[0]!;
    // tshark frame 31: ip.reassembled.length 16661, ip.fragment 20..31, 172.16.1.2:9999 -> 172.16.8.103:4049, ttl 64.
    expect(datagram.data.length + 8).toBe(16661);
    expect(datagram.segments.map((s) => s.frameNumber)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
    expect(datagram).toMatchObject({ src: { ip: '172.16.1.2', port: 9999 }, dst: { ip: '172.16.8.103', port: 4049 }, ttl: 64 });
    expect(datagram.segments[0]).toMatchObject({ frameOffset: 42, payloadOffset: 0 });
    expect(stats).toMatchObject({ fragmentsReassembled: 12, fragmentsDropped: 0 });
  });

  it('sip_ipv4_tcp_retrans (SLL): the SIP stream reassembles as tshark follows it, retransmission dropped', async () => {
    const path = publicCapture('sipcapture__heplify__sip_ipv4_tcp_retrans.pcap');
    const { sink, stats } = await decodeCaptureFile(path);
    const client = sink.streamBytes(`${path}#0 tcp#2 172.168.0.252:52795->172.168.0.228:5060`);
    const server = sink.streamBytes(`${path}#0 tcp#2 172.168.0.228:5060->172.168.0.252:52795`);
    expect([client.length, sha256(client)]).toEqual([1516, 'e2d748007367fb836e6cb3004b0d98d5cdea3dd90cee637753a2ec26dcad9ff2']);
    expect([server.length, sha256(server)]).toEqual([1147, '57ca2fd0b8fc138b250371703595625795c12e52abc4a92f14f91c727e18fb28']);
    // tshark: frame 38 is the only [TCP Retransmission]; 2 ARP and 9 VRRP frames.
    expect(stats.ignored).toMatchObject({ 'tcp-retransmission': 1, arp: 2, 'other-ip-proto:112': 9 });
    expect(stats.tcpGapBytes).toBe(0);
  });

  it('sip-body-large (NULL): a 65793-byte INVITE stream over TCP reassembled', async () => {
    const path = publicCapture('OISF__suricata-verify__sip-body-large.pcap');
    const { sink } = await decodeCaptureFile(path);
    const invite = sink.streamBytes(`${path}#0 tcp#0 127.0.0.1:59809->127.0.0.1:5060`);
    expect([invite.length, sha256(invite)]).toEqual([65793, '611642a1390699a67b3a1355eb818089104e5f859e99e8194228873226e97c3b']);
    const trying = sink.streamBytes(`${path}#0 tcp#0 127.0.0.1:5060->127.0.0.1:59809`);
    expect([trying.length, sha256(trying)]).toEqual([207, '5e8798d4997a67f133af929b462ade2f67f4296153d1b398f5340da7741b937d']);
    expect(sink.streamEnds).toHaveLength(2);
  });

  it('DTMFsipinfo (Ethernet / PPPoE / PPP): 32 SIP datagrams', async () => {
    const { sink } = await decodeCaptureFile(publicCapture('NormB__sipnab__DTMFsipinfo.pcap'));
    expect(sink.udp()).toHaveLength(32);
    // tshark frame 1: 178.45.73.241:5060 -> 213.192.59.75:5060, udp.length 1051, INVITE at frame byte 0x32.
    expect(sink.payloads[0]).toMatchObject({ src: { ip: '178.45.73.241', port: 5060 }, dst: { ip: '213.192.59.75', port: 5060 } });
    expect(sink.payloads[0]!.segments).toEqual([{ frameNumber: 1, frameOffset: 0x32, payloadOffset: 0, length: 1043 }]);
  });

  it('h263-over-rtp (NULL/loopback): 49 datagrams, the first 4 SIP', async () => {
    const { sink } = await decodeCaptureFile(publicCapture('NormB__sipnab__h263-over-rtp.pcap'));
    expect(sink.udp()).toHaveLength(49);
    // tshark -Y sip: frames 1-4, 13764 <-> 5060, udp.length 947, 349, 694, 450.
    expect(sink.payloads.slice(0, 4).map((p) => [p.src.ip, p.src.port, p.dst.port, p.data.length + 8])).toEqual([
      ['127.0.0.1', 13764, 5060, 947],
      ['127.0.0.1', 5060, 13764, 349],
      ['127.0.0.1', 5060, 13764, 694],
      ['127.0.0.1', 13764, 5060, 450],
    ]);
  });

  it('metasploit-sip-invite-spoof: frame 3 is an ICMP port unreachable quoting the spoofed INVITE', async () => {
    const { sink } = await decodeCaptureFile(publicCapture('NormB__sipnab__metasploit-sip-invite-spoof.pcap'));
    // tshark frame 3: 10.0.1.199 -> 10.0.1.45 icmp type 3 code 3, quoting udp 10270 -> 5060.
    expect(sink.icmpErrors).toHaveLength(1);
    expect(sink.icmpErrors[0]).toMatchObject({
      frameNumber: 3,
      from: '10.0.1.199',
      to: '10.0.1.45',
      kind: 'port-unreachable',
      quoted: { transport: 'udp', src: { ip: '10.0.1.45', port: 10270 }, dst: { ip: '10.0.1.199', port: 5060 } },
    });
  });

  it('sip_sctp: SIP over SCTP is skipped and counted', async () => {
    const { stats } = await decodeCaptureFile(publicCapture('sipcapture__heplify__sip_sctp.pcap'));
    expect(stats.ignored).toEqual({ sctp: 5 });
  });
});
