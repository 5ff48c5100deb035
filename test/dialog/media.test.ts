import { describe, expect, it } from 'vitest';
import { DialogTracker, normalizeAddress } from '../../src/dialog/index.js';
import { classifyPacket, RTCP, RTP, OTHER } from '../../src/dialog/rtp.js';
import { ipv4KeyOfText } from '../../src/decode/addresses.js';
import type { TransportPayload, UdpDatagramView } from '../../src/decode/types.js';
import type { Dialog, MediaStream } from '../../src/dialog/types.js';
import { POINT, Wire, request, response, rtcpReceiverReport, rtpPacket, sdp, ts, type SdpOptions, type SipParams } from './helpers.js';

const ALICE_SIP = '192.168.1.10:5060';
const BOB_SIP = '203.0.113.5:5060';
const ALICE_MEDIA = '192.168.1.10:4000';
const BOB_MEDIA = '203.0.113.5:5000';

interface Call {
  wire: Wire;
  tracker: DialogTracker;
  invite: SipParams;
  dialog: () => Dialog;
}

/** INVITE (caller SDP) / 200 (callee SDP) / ACK at t = 0..0.2. */
function call(callId = 'media-1', caller: [string, number, SdpOptions?] = ['192.168.1.10', 4000], callee: [string, number, SdpOptions?] = ['203.0.113.5', 5000], shared?: { wire: Wire; tracker: DialogTracker }, t0 = 0): Call {
  const wire = shared?.wire ?? new Wire();
  const tracker = shared?.tracker ?? new DialogTracker();
  const invite: SipParams = { method: 'INVITE', callId, fromTag: 'a1', branch: `z9hG4bK-${callId}`, cseq: 1, body: sdp(caller[0], caller[1], caller[2]) };
  tracker.onMessage(wire.sip(request(invite), ALICE_SIP, BOB_SIP, t0));
  tracker.onMessage(wire.sip(response(200, 'OK', { ...invite, toTag: 'b1', body: sdp(callee[0], callee[1], callee[2]) }), BOB_SIP, ALICE_SIP, t0 + 0.1));
  tracker.onMessage(wire.sip(request({ method: 'ACK', callId, fromTag: 'a1', toTag: 'b1', branch: `z9hG4bK-ack-${callId}`, cseq: 1 }), ALICE_SIP, BOB_SIP, t0 + 0.2));
  return { wire, tracker, invite, dialog: () => tracker.dialogs().find((d) => d.callId === callId)! };
}

/** Sends RTP with 20 ms packetization: seq/timestamp advance by 1/160 per packet unless given. */
function sendRtp(c: Call, src: string, dst: string, opts: { from?: number; count: number; seq?: (i: number) => number; at?: (i: number) => number; ssrc?: number; pt?: number; firstSeq?: number }): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < opts.count; i++) {
    const seq = opts.seq ? opts.seq(i) : (opts.firstSeq ?? 100) + i;
    const at = opts.at ? opts.at(i) : (opts.from ?? 1) + i * 0.02;
    const data = rtpPacket({ seq: seq & 0xffff, timestamp: ((seq - (opts.firstSeq ?? 100)) * 160) >>> 0, ssrc: opts.ssrc ?? 0x1234, pt: opts.pt ?? 0 });
    out.push(c.tracker.onRtpCandidate(c.wire.udp(data, src, dst, at)));
  }
  return out;
}

function streams(d: Dialog): MediaStream[] {
  return d.media.flatMap((s) => s.streams);
}

describe('RTP/RTCP header shape', () => {
  it('recognises RTP, RTCP (PT 200-207) and rejects the rest', () => {
    expect(classifyPacket(rtpPacket({ seq: 1, timestamp: 0, ssrc: 1 }))).toBe(RTP);
    expect(classifyPacket(rtcpReceiverReport(1, 2, 0, 0, 0))).toBe(RTCP);
    const stun = new Uint8Array(20);
    stun[0] = 0x00;
    stun[1] = 0x01;
    expect(classifyPacket(stun)).toBe(OTHER);
    const dnsLike = Uint8Array.from([0x80, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(classifyPacket(dnsLike)).toBe(RTP); // shape alone cannot tell; orphan probation does
    const badPadding = rtpPacket({ seq: 1, timestamp: 0, ssrc: 1, payloadBytes: 4 });
    badPadding[0] |= 0x20;
    badPadding[badPadding.length - 1] = 200;
    expect(classifyPacket(badPadding)).toBe(OTHER);
    const longRtcp = rtcpReceiverReport(1, 2, 0, 0, 0);
    longRtcp[3] = 50; // length beyond the datagram
    expect(classifyPacket(longRtcp)).toBe(OTHER);
  });
});

describe('SDP addresses compare with packet addresses', () => {
  it('writes IPv6 as RFC 5952 text and drops a multicast TTL', () => {
    expect(normalizeAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeAddress('fd17:625c:f037:2:a00:27ff:feb9:4334')).toBe('fd17:625c:f037:2:a00:27ff:feb9:4334');
    expect(normalizeAddress('::FFFF:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(normalizeAddress('224.2.1.1/127')).toBe('224.2.1.1');
    expect(normalizeAddress("'/**/OR/**/'1'")).toBe("'/**/or/**/'1'"); // hostile text stays text, matches nothing
  });
});

describe('matching RTP to the SDP of a call', () => {
  const c = call();
  const forward = sendRtp(c, ALICE_MEDIA, BOB_MEDIA, { count: 50 });
  const back = sendRtp(c, BOB_MEDIA, ALICE_MEDIA, { count: 40, ssrc: 0x9999 });
  const d = c.dialog();

  it('ties both directions to the dialog by destination, source as SDP says', () => {
    expect(forward.every(Boolean) && back.every(Boolean)).toBe(true);
    const [ab, ba] = streams(d);
    expect(streams(d)).toHaveLength(2);
    expect(ab!.match).toMatchObject({ dialogId: d.id, toTag: 'b1', mediaIndex: 0, sender: 'caller', role: 'rtp', by: 'destination', srcMismatch: 'none', dstMismatch: 'none' });
    expect(ab!.match!.expectedSrc).toEqual({ ip: '192.168.1.10', port: 4000 });
    expect(ab!.match!.expectedDst).toEqual({ ip: '203.0.113.5', port: 5000 });
    expect(ba!.match).toMatchObject({ sender: 'callee', by: 'destination', srcMismatch: 'none' });
  });

  it('aggregates per SSRC without storing packets', () => {
    const ab = streams(d)[0]!;
    expect(ab).toMatchObject({ packets: 50, bytes: 50 * 172, firstFrame: expect.any(Number), otherPackets: 0 });
    const s = ab.rtp[0]!;
    expect(s).toMatchObject({ ssrc: 0x1234, packets: 50, expected: 50, lost: 0, gaps: 0, reordered: 0, duplicates: 0, payloadTypes: [0], clockRate: 8000 });
    expect(s.firstTs).toEqual(ts(1));
    expect(s.lastTs).toEqual(ts(1 + 49 * 0.02));
    expect(ab.lastTs).toEqual(ts(1 + 49 * 0.02));
    expect(s.jitterMs).toBeCloseTo(0, 6);
    expect(s.maxDeltaMs).toBeCloseTo(20, 6);
    // The last time is kept as numbers and read through a getter: JSON (as reports write streams)
    // still has it, right after the first time.
    const streamJson = JSON.parse(JSON.stringify(ab)) as Record<string, unknown>;
    expect(Object.keys(streamJson).slice(0, 7)).toEqual(['id', 'point', 'src', 'dst', 'firstTs', 'lastTs', 'firstFrame']);
    expect(streamJson.lastTs).toEqual(ts(1 + 49 * 0.02));
    const ssrcJson = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
    expect(Object.keys(ssrcJson).slice(0, 6)).toEqual(['ssrc', 'packets', 'bytes', 'firstTs', 'lastTs', 'firstFrame']);
    expect(ssrcJson.lastTs).toEqual(ts(1 + 49 * 0.02));
  });

  it('counts matched packets in the stats', () => {
    expect(c.tracker.stats().media).toMatchObject({ candidates: 90, rtpPackets: 90, matchedPackets: 90, streams: 2, matchedStreams: 2, orphanStreams: 0, nonRtpDatagrams: 0 });
  });
});

describe('NAT: RTP from another address than the SDP says', () => {
  // Captured outside the NAT: Alice's SDP says 192.168.1.10:4000, her RTP leaves as 198.51.100.200:61000.
  const c = call();
  const NATTED = '198.51.100.200:61000';
  sendRtp(c, NATTED, BOB_MEDIA, { count: 10 });
  // Bob answers where the RTP came from (symmetric RTP), not to Alice's SDP address.
  sendRtp(c, BOB_MEDIA, NATTED, { count: 10, ssrc: 0x77 });
  const [inbound, outbound] = streams(c.dialog());

  it('matches by destination and records the source mismatch', () => {
    expect(inbound!.src).toEqual({ ip: '198.51.100.200', port: 61000 });
    expect(inbound!.match).toMatchObject({ by: 'destination', sender: 'caller', srcMismatch: 'address', dstMismatch: 'none' });
    expect(inbound!.match!.expectedSrc).toEqual({ ip: '192.168.1.10', port: 4000 });
  });

  it('matches the reply by its source (symmetric RTP) and records the destination mismatch', () => {
    expect(outbound!.match).toMatchObject({ by: 'source', sender: 'callee', srcMismatch: 'none', dstMismatch: 'address' });
    expect(outbound!.match!.expectedDst).toEqual({ ip: '192.168.1.10', port: 4000 });
  });

  it('tells a port-only difference apart', () => {
    const p = call('media-port');
    sendRtp(p, '192.168.1.10:4010', BOB_MEDIA, { count: 3 });
    expect(streams(p.dialog())[0]!.match!.srcMismatch).toBe('port');
  });
});

describe('sequence accounting (RFC 3550 A.1)', () => {
  it('counts loss across the 16-bit wrap', () => {
    const c = call();
    // 65530..65535, 0..5 without 65534 and 2: 12 expected, 10 received.
    const seqs = [65530, 65531, 65532, 65533, 65535, 0, 1, 3, 4, 5];
    sendRtp(c, ALICE_MEDIA, BOB_MEDIA, { count: seqs.length, seq: (i) => seqs[i]!, firstSeq: 65530 });
    const s = streams(c.dialog())[0]!.rtp[0]!;
    expect(s).toMatchObject({ packets: 10, baseSeq: 65530, maxExtendedSeq: 65536 + 5, expected: 12, lost: 2, gaps: 2, reordered: 0 });
  });

  it('counts reordered and duplicate packets without calling them lost', () => {
    const c = call();
    const seqs = [1, 2, 4, 3, 5, 5, 6];
    sendRtp(c, ALICE_MEDIA, BOB_MEDIA, { count: seqs.length, seq: (i) => seqs[i]!, firstSeq: 1 });
    const s = streams(c.dialog())[0]!.rtp[0]!;
    expect(s).toMatchObject({ packets: 7, expected: 6, lost: -1, gaps: 1, reordered: 1, duplicates: 1 });
  });

  it('accepts a sequence restart confirmed by the next packet', () => {
    const c = call();
    const seqs = [10, 11, 12, 30000, 30001, 30002];
    sendRtp(c, ALICE_MEDIA, BOB_MEDIA, { count: seqs.length, seq: (i) => seqs[i]!, firstSeq: 10 });
    const s = streams(c.dialog())[0]!.rtp[0]!;
    // The first packet after the jump is not counted until the next one confirms it (RFC 3550 A.1).
    expect(s).toMatchObject({ packets: 6, sequenceRestarts: 1, baseSeq: 30001, expected: 3 + 2, lost: 0 });
  });
});

describe('interarrival jitter (RFC 3550 6.4.1)', () => {
  it('matches a hand-computed value for PCMU (8000 Hz)', () => {
    const c = call();
    const arrivals = [1, 1.02, 1.045, 1.06, 1.08];
    sendRtp(c, ALICE_MEDIA, BOB_MEDIA, { count: 5, at: (i) => arrivals[i]!, firstSeq: 0 });
    // Transit differences D in timestamp units: 0, +40, -40, 0.
    // J: 0 -> 0 + (0-0)/16 = 0 -> 0 + (40-0)/16 = 2.5 -> 2.5 + (40-2.5)/16 = 4.84375 -> 4.84375 + (0-4.84375)/16 = 4.541015625
    const s = streams(c.dialog())[0]!.rtp[0]!;
    expect(s.jitterMs).toBeCloseTo((4.541015625 / 8000) * 1000, 9);
    expect(s.maxJitterMs).toBeCloseTo((4.84375 / 8000) * 1000, 9);
    expect(s.meanJitterMs).toBeCloseTo(((0 + 2.5 + 4.84375 + 4.541015625) / 4 / 8000) * 1000, 9);
  });

  it('uses the rtpmap clock of a dynamic payload type, and says when it is unknown', () => {
    const c = call('opus', ['192.168.1.10', 4000, { formats: '96 97', attributes: ['rtpmap:96 opus/48000/2'] }], ['203.0.113.5', 5000, { formats: '96 97', attributes: ['rtpmap:96 opus/48000/2'] }]);
    const arrivals = [1, 1.02, 1.045];
    // 960 ticks per 20 ms at 48 kHz; the third packet is 5 ms late = 240 ticks.
    for (let i = 0; i < 3; i++) c.tracker.onRtpCandidate(c.wire.udp(rtpPacket({ seq: i, timestamp: i * 960, ssrc: 5, pt: 96 }), ALICE_MEDIA, BOB_MEDIA, arrivals[i]!));
    for (let i = 0; i < 3; i++) c.tracker.onRtpCandidate(c.wire.udp(rtpPacket({ seq: i, timestamp: i * 960, ssrc: 6, pt: 97 }), BOB_MEDIA, ALICE_MEDIA, arrivals[i]!));
    const [opus, unknown] = streams(c.dialog());
    expect(opus!.rtp[0]!.clockRate).toBe(48000);
    expect(opus!.rtp[0]!.jitterMs).toBeCloseTo((240 / 16 / 48000) * 1000, 9);
    expect(unknown!.rtp[0]!.clockRate).toBeNull();
    expect(unknown!.rtp[0]!.jitterMs).toBeUndefined();
    // In JSON the jitter figures sit before maxDeltaMs, and are left out when never computed.
    const keys = (s: MediaStream) => Object.keys(JSON.parse(JSON.stringify(s.rtp[0]))).slice(-4);
    expect(keys(opus!)).toEqual(['jitterMs', 'maxJitterMs', 'meanJitterMs', 'maxDeltaMs']);
    expect(keys(unknown!)).toEqual(['reordered', 'duplicates', 'sequenceRestarts', 'maxDeltaMs']);
    expect(JSON.parse(JSON.stringify(opus!.rtp[0])).maxJitterMs).toBeCloseTo((240 / 16 / 48000) * 1000, 9);
  });
});

describe('RTCP', () => {
  it('matches RTCP to the SDP RTCP port (RTP port + 1) and reads the report block', () => {
    const c = call();
    const rr = rtcpReceiverReport(0x9999, 0x1234, 64, 10, 80);
    expect(c.tracker.onRtpCandidate(c.wire.udp(rr, '203.0.113.5:5001', '192.168.1.10:4001', 5))).toBe(true);
    const s = streams(c.dialog())[0]!;
    expect(s.match).toMatchObject({ role: 'rtcp', sender: 'callee', by: 'destination', srcMismatch: 'none' });
    expect(s.rtcp).toMatchObject({ packets: 1, receiverReports: 1, senderReports: 0, ssrcs: [0x9999] });
    expect(s.rtcp.lastReport).toMatchObject({ reporterSsrc: 0x9999, sourceSsrc: 0x1234, fractionLost: 0.25, cumulativeLost: 10, jitter: 80 });
    expect(c.tracker.stats().media).toMatchObject({ rtcpPackets: 1, rtpPackets: 0 });
  });

  it('uses a=rtcp and rtcp-mux', () => {
    const c = call('rtcp-attr', ['192.168.1.10', 4000, { attributes: ['rtcp:4500'] }], ['203.0.113.5', 5000, { attributes: ['rtcp-mux'] }]);
    const session = c.dialog().media[0]!;
    expect(session.caller!.rtcp).toEqual({ ip: '192.168.1.10', port: 4500 });
    expect(session.callee!.rtcp).toEqual({ ip: '203.0.113.5', port: 5000 });
    expect(session.callee!.rtcpMux).toBe(true);
    c.tracker.onRtpCandidate(c.wire.udp(rtcpReceiverReport(1, 2, 0, 0, 0), ALICE_MEDIA, BOB_MEDIA, 1));
    expect(streams(c.dialog())[0]!.rtcp.packets).toBe(1);
  });
});

describe('late offer: SDP in the 200 OK, answer in the ACK', () => {
  it('records offer and answer and matches media to both', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const invite: SipParams = { method: 'INVITE', callId: 'late-offer', fromTag: 'a1', branch: 'z9hG4bK-lo', cseq: 1 };
    tracker.onMessage(wire.sip(request(invite), ALICE_SIP, BOB_SIP, 0));
    tracker.onMessage(wire.sip(response(200, 'OK', { ...invite, toTag: 'b1', body: sdp('203.0.113.5', 5000) }), BOB_SIP, ALICE_SIP, 0.1));
    tracker.onMessage(wire.sip(request({ method: 'ACK', callId: 'late-offer', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bK-loack', cseq: 1, body: sdp('192.168.1.10', 4000) }), ALICE_SIP, BOB_SIP, 0.2));
    const d = tracker.dialogs()[0]!;
    expect(d.sdp.map((s) => [s.party, s.carriedBy, s.role])).toEqual([
      ['callee', '200 INVITE', 'offer'],
      ['caller', 'ACK', 'answer'],
    ]);
    expect(d.media.map((s) => [s.toTag, s.caller?.rtp.port, s.callee?.rtp.port])).toEqual([['b1', 4000, 5000]]);
    expect(d.state).toBe('confirmed');
  });
});

describe('re-INVITE hold updates the media expectations', () => {
  const c = call();
  const reinvite: SipParams = { method: 'INVITE', callId: 'media-1', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bK-hold', cseq: 2 };

  it('records sendonly/recvonly and then inactive, keeping the history', () => {
    c.tracker.onMessage(c.wire.sip(request({ ...reinvite, body: sdp('192.168.1.10', 4000, { direction: 'sendonly' }) }), ALICE_SIP, BOB_SIP, 10));
    c.tracker.onMessage(c.wire.sip(response(200, 'OK', { ...reinvite, body: sdp('203.0.113.5', 5000, { direction: 'recvonly' }) }), BOB_SIP, ALICE_SIP, 10.1));
    let session = c.dialog().media[0]!;
    expect([session.caller!.direction, session.callee!.direction]).toEqual(['sendonly', 'recvonly']);
    const inactive = { ...reinvite, cseq: 3, branch: 'z9hG4bK-inactive' };
    c.tracker.onMessage(c.wire.sip(request({ ...inactive, body: sdp('192.168.1.10', 4000, { direction: 'inactive' }) }), ALICE_SIP, BOB_SIP, 20));
    c.tracker.onMessage(c.wire.sip(response(200, 'OK', { ...inactive, body: sdp('203.0.113.5', 5000, { direction: 'inactive' }) }), BOB_SIP, ALICE_SIP, 20.1));
    session = c.dialog().media[0]!;
    expect([session.caller!.direction, session.callee!.direction]).toEqual(['inactive', 'inactive']);
    expect(c.dialog().sdp.map((s) => `${s.carriedBy}:${s.media[0]!.direction}`)).toEqual([
      'INVITE:sendrecv',
      '200 INVITE:sendrecv',
      'INVITE:sendonly',
      '200 INVITE:recvonly',
      'INVITE:inactive',
      '200 INVITE:inactive',
    ]);
    expect(c.dialog().state).toBe('confirmed');
  });

  it('restores the previous expectation when a re-INVITE is refused', () => {
    const refused = { ...reinvite, cseq: 4, branch: 'z9hG4bK-refused' };
    c.tracker.onMessage(c.wire.sip(request({ ...refused, body: sdp('192.168.1.10', 4100, { direction: 'sendrecv' }) }), ALICE_SIP, BOB_SIP, 30));
    expect(c.dialog().media[0]!.caller!.rtp.port).toBe(4100);
    c.tracker.onMessage(c.wire.sip(response(488, 'Not Acceptable Here', refused), BOB_SIP, ALICE_SIP, 30.1));
    expect(c.dialog().media[0]!.caller).toMatchObject({ rtp: { port: 4000 }, direction: 'inactive' });
    expect(c.dialog().state).toBe('confirmed');
  });

  it('matches RTP to a new port announced by a re-INVITE', () => {
    const moved = { ...reinvite, cseq: 5, branch: 'z9hG4bK-moved' };
    c.tracker.onMessage(c.wire.sip(request({ ...moved, body: sdp('192.168.1.10', 4200) }), ALICE_SIP, BOB_SIP, 40));
    c.tracker.onMessage(c.wire.sip(response(200, 'OK', { ...moved, body: sdp('203.0.113.5', 5000) }), BOB_SIP, ALICE_SIP, 40.1));
    sendRtp(c, BOB_MEDIA, '192.168.1.10:4200', { count: 3, from: 41 });
    const s = streams(c.dialog())[0]!;
    expect(s.dst.port).toBe(4200);
    expect(s.match).toMatchObject({ by: 'destination', sender: 'callee', srcMismatch: 'none' });
  });

  it('expects no media to a c=0.0.0.0 hold', () => {
    const old = call('hold-0000', ['0.0.0.0', 4000], ['203.0.113.5', 5000]);
    expect(old.dialog().media[0]!.caller!.disabled).toBe(true);
    sendRtp(old, BOB_MEDIA, '0.0.0.0:4000', { count: 1 });
    // The callee's own endpoint is still announced: the stream matches by source.
    expect(streams(old.dialog())[0]!.match).toMatchObject({ by: 'source', sender: 'callee' });
  });
});

describe('streams that match no dialog', () => {
  it('keeps orphan RTP after probation and counts non-RTP UDP', () => {
    const tracker = new DialogTracker();
    const wire = new Wire();
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) results.push(tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: 500 + i, timestamp: i * 160, ssrc: 42 }), '10.0.0.1:7000', '10.0.0.2:7002', i * 0.02)));
    expect(results).toEqual([false, false, false, true, true, true]);
    // DNS-ish datagrams: RTP-shaped, but their "sequence numbers" never follow each other.
    for (let i = 0; i < 5; i++) {
      const dns = Uint8Array.from([0x80, 0x01, (i * 37) & 0xff, (i * 101) & 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 7, 7]);
      expect(tracker.onRtpCandidate(wire.udp(dns, '10.0.0.1:5353', '10.0.0.53:53', 1 + i))).toBe(false);
    }
    expect(tracker.onRtpCandidate(wire.udp(Uint8Array.from([1, 2, 3]), '10.0.0.1:1', '10.0.0.2:2', 2))).toBe(false);
    const point = tracker.analysis().point(POINT.key);
    expect(point).toBeUndefined(); // no SIP at this point: no dialogs, orphan streams only in stats
    expect(tracker.stats().media).toMatchObject({ candidates: 12, streams: 2, rtpPackets: 6, orphanPackets: 6, orphanStreams: 1, nonRtpDatagrams: 6, matchedPackets: 0 });
  });

  it('adopts an orphan stream when a later SDP announces its endpoint', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    // The callee's RTP towards the caller starts before the capture shows any SDP for that endpoint.
    for (let i = 0; i < 5; i++) tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: i, timestamp: i * 160, ssrc: 8 }), BOB_MEDIA, '192.168.1.10:4000', i * 0.02));
    expect(tracker.stats().media.orphanStreams).toBe(1);
    const c = call('late-sdp', undefined, undefined, { wire, tracker }, 1);
    const s = streams(c.dialog())[0]!;
    expect(s.packets).toBe(5);
    expect(s.match).toMatchObject({ sender: 'callee', by: 'destination' });
    expect(tracker.stats().media).toMatchObject({ orphanStreams: 0, matchedPackets: 5, matchedStreams: 1 });
    expect(tracker.analysis().point(POINT.key)!.orphanStreams).toEqual([]);
  });

  it('times jitter with the rtpmap clock once a later SDP adopts the stream', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const opus = { formats: '96', attributes: ['rtpmap:96 opus/48000/2'] };
    // Dynamic payload type 96 before any SDP: no clock rate is known, so no jitter.
    for (let i = 0; i < 5; i++) tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: i, timestamp: i * 960, ssrc: 8, pt: 96 }), BOB_MEDIA, '192.168.1.10:4000', i * 0.02));
    const c = call('late-opus', ['192.168.1.10', 4000, opus], ['203.0.113.5', 5000, opus], { wire, tracker }, 1);
    const ssrc = streams(c.dialog())[0]!.rtp[0]!;
    expect(ssrc.clockRate).toBeNull();
    expect(ssrc.jitterMs).toBeUndefined();
    // After it, at 48 kHz: the third packet 5 ms late is 240 ticks.
    const arrivals = [2, 2.02, 2.045];
    for (let i = 0; i < 3; i++) tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: 5 + i, timestamp: (5 + i) * 960, ssrc: 8, pt: 96 }), BOB_MEDIA, '192.168.1.10:4000', arrivals[i]!));
    expect(ssrc.clockRate).toBe(48000);
    expect(ssrc.jitterMs).toBeCloseTo((240 / 16 / 48000) * 1000, 9);
  });

  it('splits back-to-back calls on the same ports into separate streams', () => {
    const wire = new Wire();
    const tracker = new DialogTracker();
    const first = call('seq-1', undefined, undefined, { wire, tracker }, 0);
    sendRtp(first, ALICE_MEDIA, BOB_MEDIA, { count: 10, from: 1 });
    const bye: SipParams = { method: 'BYE', callId: 'seq-1', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bK-seqbye', cseq: 2 };
    tracker.onMessage(wire.sip(request(bye), ALICE_SIP, BOB_SIP, 2));
    const second = call('seq-2', undefined, undefined, { wire, tracker }, 3);
    sendRtp(second, ALICE_MEDIA, BOB_MEDIA, { count: 7, from: 4, ssrc: 0x2222 });
    expect(streams(first.dialog()).map((s) => s.packets)).toEqual([10]);
    expect(streams(second.dialog()).map((s) => [s.packets, s.rtp[0]!.ssrc])).toEqual([[7, 0x2222]]);
  });

  it('drops idle orphan streams in ageOut', () => {
    const tracker = new DialogTracker({ idleSeconds: 60 });
    const wire = new Wire();
    for (let i = 0; i < 5; i++) tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: i, timestamp: i * 160, ssrc: 1 }), '10.0.0.1:7000', '10.0.0.2:7002', i * 0.02));
    tracker.ageOut(ts(100));
    expect(tracker.stats().media).toMatchObject({ agedOutOrphanStreams: 1, orphanStreams: 1, orphanPackets: 5 });
    // The 5-tuple starts afresh (on probation again).
    expect(tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: 6, timestamp: 0, ssrc: 1 }), '10.0.0.1:7000', '10.0.0.2:7002', 101))).toBe(false);
  });

  it('tells apart streams on the same two ports by their addresses, as they come and go', () => {
    const tracker = new DialogTracker({ idleSeconds: 60 });
    const wire = new Wire();
    const send = (src: string, seq: number, t: number) => tracker.onRtpCandidate(wire.udp(rtpPacket({ seq, timestamp: seq * 160, ssrc: 3 }), `${src}:7000`, '10.0.0.9:7002', t));
    for (let i = 0; i < 5; i++) for (const src of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) send(src, i, i * 0.02);
    // Only the first and the last stay active: the middle one of the chain ages out.
    for (let i = 5; i < 10; i++) for (const src of ['10.0.0.1', '10.0.0.3']) send(src, i, 90 + i * 0.02);
    tracker.ageOut(ts(100));
    expect(tracker.stats().media).toMatchObject({ streams: 3, agedOutOrphanStreams: 1, orphanPackets: 25 });
    for (const src of ['10.0.0.1', '10.0.0.3']) expect(send(src, 10, 100)).toBe(true);
    expect(send('10.0.0.2', 5, 100)).toBe(false); // on probation again, as a new stream
    expect(tracker.stats().media).toMatchObject({ streams: 4, orphanPackets: 27 });
  });

  it('stops tracking new orphan streams at the per-point limit', () => {
    const tracker = new DialogTracker({ maxOrphanStreamsPerPoint: 2 });
    const wire = new Wire();
    for (let port = 1; port <= 3; port++) tracker.onRtpCandidate(wire.udp(rtpPacket({ seq: 1, timestamp: 0, ssrc: 1 }), `10.0.0.1:${port}`, '10.0.0.2:9', 0));
    expect(tracker.stats().media).toMatchObject({ streams: 2, untrackedDatagrams: 1 });
  });
});

describe('media of an aged-out dialog', () => {
  it('is summarized and its endpoints released', () => {
    const c = call();
    c.tracker.onMessage(c.wire.sip(request({ method: 'BYE', callId: 'media-1', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bK-by', cseq: 2 }), ALICE_SIP, BOB_SIP, 0.5));
    sendRtp(c, '198.51.100.200:61000', BOB_MEDIA, { count: 10, from: 0.3 });
    expect(c.tracker.ageOut(ts(1000))).toBe(1);
    const summary = c.tracker.analysis().point(POINT.key)!.summaries[0]!;
    expect(summary.media).toEqual({ streams: 1, rtpPackets: 10, lost: 0, maxJitterMs: expect.any(Number), mismatchedStreams: 1 });
    expect(summary.termination).toEqual({ method: 'BYE', by: 'caller' });
    // The endpoint is free again: new packets are an orphan on probation.
    expect(sendRtp(c, '198.51.100.200:61000', BOB_MEDIA, { count: 1, from: 1001 })).toEqual([false]);
  });
});

describe('datagrams of open streams given by integers (the decoder fast path)', () => {
  /** The UdpDatagramView the decoder would offer for `payload`, its bytes placed after a 42-byte frame header. */
  function viewOf(payload: TransportPayload): UdpDatagramView {
    const frame = new Uint8Array(42 + payload.data.length + 4).fill(0xee);
    frame.set(payload.data, 42);
    return {
      point: payload.point,
      srcIpv4: ipv4KeyOfText(payload.src.ip)!,
      dstIpv4: ipv4KeyOfText(payload.dst.ip)!,
      srcPort: payload.src.port,
      dstPort: payload.dst.port,
      bytes: frame,
      start: 42,
      end: 42 + payload.data.length,
      ts: payload.ts,
      frameNumber: payload.segments[0]!.frameNumber,
    };
  }

  /** A call with RTP both ways (loss, reordering, a marker), RTCP, STUN on a media port and an orphan stream. */
  function run(viaIntegers: boolean): { dialog: Dialog; stats: unknown; claimed: number } {
    const c = call('fast-path');
    let claimed = 0;
    const offer = (payload: TransportPayload): void => {
      if (viaIntegers && c.tracker.onKnownStreamDatagram(viewOf(payload))) claimed++;
      else c.tracker.onRtpCandidate(payload);
    };
    const seqs = [100, 101, 103, 102, 104, 104, 110, 111];
    seqs.forEach((seq, i) => offer(c.wire.udp(rtpPacket({ seq, timestamp: (seq - 100) * 160, ssrc: 0x1234, marker: i === 6 }), ALICE_MEDIA, BOB_MEDIA, 1 + i * 0.021)));
    for (let i = 0; i < 6; i++) offer(c.wire.udp(rtpPacket({ seq: 7 + i, timestamp: i * 160, ssrc: 0x9999 }), BOB_MEDIA, ALICE_MEDIA, 1.01 + i * 0.019));
    offer(c.wire.udp(rtcpReceiverReport(0x9999, 0x1234, 64, 2, 80), '203.0.113.5:5001', '192.168.1.10:4001', 2));
    offer(c.wire.udp(rtcpReceiverReport(0x9999, 0x1234, 32, 3, 90), '203.0.113.5:5001', '192.168.1.10:4001', 3));
    offer(c.wire.udp(Uint8Array.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4]), ALICE_MEDIA, BOB_MEDIA, 2.5));
    for (let i = 0; i < 6; i++) offer(c.wire.udp(rtpPacket({ seq: 900 + i, timestamp: i * 160, ssrc: 5 }), '10.0.0.1:7000', '10.0.0.2:7002', 1 + i * 0.02));
    return { dialog: c.dialog(), stats: c.tracker.stats().media, claimed };
  }

  it('folds them in exactly as TransportPayloads are', () => {
    const slow = run(false);
    const fast = run(true);
    // Every datagram after the first of its 5-tuple, the STUN one included.
    expect(fast.claimed).toBe(7 + 5 + 1 + 1 + 5);
    // Through JSON, as the report writes them (the jitter figures are getters).
    expect(JSON.parse(JSON.stringify(fast.dialog.media))).toEqual(JSON.parse(JSON.stringify(slow.dialog.media)));
    expect(streams(fast.dialog)[0]!.rtp[0]!.jitterMs).toBeGreaterThan(0);
    // The lookup state (integer addresses, the chain of streams on the same ports) is not part of a stream's data.
    const keys = Object.keys(JSON.parse(JSON.stringify(streams(fast.dialog)[0])));
    expect(keys).toContain('rtp');
    for (const internal of ['srcIpv4', 'dstIpv4', 'nextOnPorts']) expect(keys).not.toContain(internal);
    expect(fast.stats).toEqual(slow.stats);
    expect(streams(fast.dialog).map((s) => s.packets)).toEqual([9, 6, 2]);
  });

  it('leaves a datagram of no open stream alone', () => {
    const c = call('fast-path-none');
    const first = c.wire.udp(rtpPacket({ seq: 1, timestamp: 0, ssrc: 1 }), ALICE_MEDIA, BOB_MEDIA, 1);
    expect(c.tracker.onKnownStreamDatagram(viewOf(first))).toBe(false);
    expect(c.tracker.stats().media.candidates).toBe(0);
    c.tracker.onRtpCandidate(first);
    // The reverse direction is another 5-tuple.
    expect(c.tracker.onKnownStreamDatagram(viewOf(c.wire.udp(rtpPacket({ seq: 1, timestamp: 0, ssrc: 2 }), BOB_MEDIA, ALICE_MEDIA, 1.1)))).toBe(false);
    expect(c.tracker.onKnownStreamDatagram(viewOf(c.wire.udp(rtpPacket({ seq: 2, timestamp: 160, ssrc: 1 }), ALICE_MEDIA, BOB_MEDIA, 1.02)))).toBe(true);
    expect(streams(c.dialog())[0]!.rtp[0]!.packets).toBe(2);
  });
});
