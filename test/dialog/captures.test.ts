/**
 * The dialog stage over real public captures, run through the real capture, decode and SIP stages.
 * Expected figures come from tshark 4.0 (`tshark -q -z sip,stat` and `-z rtp,streams`) and from
 * reading the captures frame by frame; the comments say which is which.
 */
import { describe, expect, it } from 'vitest';
import type { Dialog, DialogAnalysis, MediaStream, RtpSsrcStats } from '../../src/dialog/types.js';
import { havePublicCaptures, noPublicCapturesReason, publicCapture } from '../helpers/paths.js';
import { analyzeCaptures } from '../../src/analysis/analyze.js';

/** Every SIP message the stage saw (originals and retransmissions), by request method or response status, as tshark's sip,stat counts them. */
function sipStat(analysis: DialogAnalysis): { requests: Record<string, number>; responses: Record<number, number>; resent: number } {
  const requests: Record<string, number> = {};
  const responses: Record<number, number> = {};
  let resent = 0;
  for (const point of analysis.points) {
    for (const dialog of point.dialogs) {
      const originals = new Map(dialog.entries.flatMap((e) => (e.kind === 'message' ? [[e.observed.message.id, e.observed.message] as const] : [])));
      for (const e of dialog.entries) {
        const msg = e.kind === 'message' ? e.observed.message : originals.get(e.retransmission.originalId)!;
        if (e.kind === 'retransmission') resent++;
        if (msg.kind === 'request') requests[msg.method!] = (requests[msg.method!] ?? 0) + 1;
        else responses[msg.status!] = (responses[msg.status!] ?? 0) + 1;
      }
    }
  }
  return { requests, responses, resent };
}

function streamsOf(d: Dialog): MediaStream[] {
  return d.media.flatMap((s) => s.streams);
}

function rtpOf(d: Dialog): RtpSsrcStats[] {
  return streamsOf(d).flatMap((s) => s.rtp);
}

/** The capture through the real capture, decode, SIP and dialog stages, as `algscope analyze` runs them. */
async function load(name: string): Promise<{ analysis: DialogAnalysis; dialogs: Dialog[]; sipMessages: number }> {
  const result = await analyzeCaptures({ files: [publicCapture(name)], sides: { insideFiles: [], outsideFiles: [], insideInterfaces: [], outsideInterfaces: [] } });
  const analysis = result.dialogs;
  return { analysis, dialogs: analysis.points.flatMap((p) => p.dialogs), sipMessages: result.stats.sipMessages };
}

describe.skipIf(!havePublicCaptures)(`dialogs in public captures (${noPublicCapturesReason})`, () => {
  it('sip-rtp-g711.pcap: two calls with their G.711 streams', async () => {
    const { analysis, dialogs, sipMessages } = await load('NormB__sipnab__sip-rtp-g711.pcap');
    // tshark sip,stat: 10 messages, 0 resent; INVITE 2, ACK 2, BYE 1; 200 x3, 100 x2.
    expect(sipMessages).toBe(10);
    expect(sipStat(analysis)).toEqual({ requests: { INVITE: 2, ACK: 2, BYE: 1 }, responses: { 200: 3, 100: 2 }, resent: 0 });
    expect(dialogs.map((d) => [d.kind, d.state, d.termination?.method, d.termination?.by])).toEqual([
      ['call', 'terminated', 'BYE', 'callee'],
      ['call', 'confirmed', undefined, undefined],
    ]);
    // tshark rtp,streams: 10.0.2.15:27942 -> 10.0.2.20:6000 0x343DA99B 425 pkts, 0 lost, max jitter 0.010, mean 0.006;
    //                     10.0.2.15:28102 -> 10.0.2.20:6000 0x343FFA34 414 pkts, 0 lost, max jitter 0.019, mean 0.004.
    const expected = [
      { port: 27942, ssrc: 0x343da99b, packets: 425, max: 0.01, mean: 0.006 },
      { port: 28102, ssrc: 0x343ffa34, packets: 414, max: 0.019, mean: 0.004 },
    ];
    dialogs.forEach((d, i) => {
      const [stream] = streamsOf(d);
      const e = expected[i]!;
      expect(streamsOf(d)).toHaveLength(1);
      expect(stream!.src).toEqual({ ip: '10.0.2.15', port: e.port });
      expect(stream!.match).toMatchObject({ sender: 'callee', by: 'destination', srcMismatch: 'none' });
      const s = stream!.rtp[0]!;
      expect([s.ssrc, s.packets, s.lost]).toEqual([e.ssrc, e.packets, 0]);
      expect(s.maxJitterMs).toBeCloseTo(e.max, 3);
      expect(s.meanJitterMs).toBeCloseTo(e.mean, 3);
    });
    expect(analysis.stats.media).toMatchObject({ rtpPackets: 839, matchedPackets: 839, orphanStreams: 0 });
  });

  it('SIP_CALL_RTP_G711: a call with RTP and RTCP matched, registrations, and relayed media SDP never described', async () => {
    const { analysis, dialogs } = await load('NormB__sipnab__SIP_CALL_RTP_G711');
    // tshark sip,stat: 14 messages; INVITE 2, ACK 1, REGISTER 3; 200 x4, 180 x2, 100 x2.
    expect(sipStat(analysis)).toEqual({ requests: { INVITE: 2, ACK: 1, REGISTER: 3 }, responses: { 200: 4, 180: 2, 100: 2 }, resent: 0 });
    expect(dialogs.map((d) => [d.kind, d.state])).toEqual([
      ['call', 'confirmed'],
      ['registration', 'answered'],
      ['registration', 'answered'],
      ['call', 'ringing'],
    ]);
    const [call, verso, bestel, ringing] = dialogs;
    // Frames 1/498: 8.478 s from INVITE to 200 OK (tshark: average setup time 8525 ms counts to the ACK).
    expect(call!.setupSeconds).toBeCloseTo(8.478, 3);
    expect(verso!.registration).toMatchObject({ refreshes: [expect.anything(), expect.anything()], grantedExpires: 20, requestedExpires: 1800 });
    expect(bestel!.registration!.sources).toEqual([{ ip: '200.57.7.204', port: 5061 }]);
    // The second INVITE got 180 and nothing else before the capture ended (Timer B stops on a provisional).
    expect(ringing!.transactions[0]!.state).toBe('pending');
    // tshark rtp,streams: 200.57.7.204:8000 -> .196:40376 548 pkts (max jitter 7.407, mean 2.517),
    //                     200.57.7.196:40376 -> .204:8000 891 pkts (max 0.251, mean 0.099), both 0 lost.
    const rtp = rtpOf(call!).map((s) => [s.ssrc, s.packets, s.lost, s.maxJitterMs!.toFixed(3), s.meanJitterMs!.toFixed(3)]);
    expect(rtp).toEqual([
      [0xd2bd4e3e, 548, 0, '7.407', '2.517'],
      [0x58f33dea, 891, 0, '0.251', '0.099'],
    ]);
    expect(streamsOf(call!).map((s) => [s.match!.role, s.match!.sender, s.packets])).toEqual([
      ['rtp', 'callee', 548],
      ['rtcp', 'callee', 8],
      ['rtp', 'caller', 891],
      ['rtcp', 'caller', 6],
    ]);
    // README: 2884 RTP packets by heuristic, 1445 SDP-mapped by tshark. The rest is a relay leg
    // (200.57.7.196:40378 <-> .199:4800, same SSRCs) and a stream to 40362 where the SDP said 40360.
    expect(analysis.stats.media).toMatchObject({ rtpPackets: 2884, rtcpPackets: 28, orphanStreams: 5 });
    const orphans = analysis.points[0]!.orphanStreams.map((s) => `${s.src.ip}:${s.src.port}>${s.dst.ip}:${s.dst.port}/${s.packets}`);
    expect(orphans).toContain('200.57.7.202:30000>200.57.7.196:40362/6');
    expect(orphans).toContain('200.57.7.199:4800>200.57.7.196:40378/891');
  });

  it('sip-rtp-g726.pcap: eight sequential calls between the same hosts, each with its own stream', async () => {
    const { analysis, dialogs } = await load('odedshimon__BruteShark__sip-rtp-g726.pcap');
    // tshark sip,stat: 48 messages; INVITE 8, ACK 8, BYE 8; 200 x16, 100 x8.
    expect(sipStat(analysis)).toEqual({ requests: { INVITE: 8, ACK: 8, BYE: 8 }, responses: { 200: 16, 100: 8 }, resent: 0 });
    expect(dialogs).toHaveLength(8);
    expect(analysis.stats.transactions).toBe(16);
    for (const d of dialogs) {
      expect([d.kind, d.state, d.termination?.by, d.termination?.status]).toEqual(['call', 'terminated', 'callee', 200]);
      expect(d.legs[0]!.answer?.ackSeen).toBe(true);
    }
    // tshark rtp,streams: 8 streams of 425 packets, 0 lost, all to 10.0.2.20:6000 (the caller's SDP
    // port in every call) from a new source port each time, in call order.
    const ssrcs = [0x043da9c4, 0x043ffa5d, 0x043da9d6, 0x043ffa6e, 0x043da9e7, 0x043ffa7f, 0x043da9f8, 0x043ffa91];
    const ports = [26326, 28354, 18180, 31690, 22606, 23040, 27442, 16984];
    expect(dialogs.map((d) => streamsOf(d).map((s) => [s.src.port, s.dst.port, s.rtp[0]!.ssrc, s.rtp[0]!.packets, s.rtp[0]!.lost]))).toEqual(
      ports.map((port, i) => [[port, 6000, ssrcs[i], 425, 0]]),
    );
    // Dynamic G.726 payload types carry their clock in the SDP rtpmap.
    expect(rtpOf(dialogs[0]!)[0]!.clockRate).toBe(8000);
  });

  it('aaa.pcap: REGISTER 401/403 loops, INVITE 407, and a CANCEL retransmitted until the 408', async () => {
    const { analysis, dialogs } = await load('irontec__sngrep__aaa.pcap');
    // tshark sip,stat: 81 messages; INVITE 11, ACK 7, REGISTER 18, CANCEL 11;
    // 407 x3, 200 x3, 408 x2, 480 x1, 100 x7, 401 x14, 183 x1, 403 x3.
    const stat = sipStat(analysis);
    expect({ requests: stat.requests, responses: stat.responses }).toEqual({
      requests: { INVITE: 11, ACK: 7, REGISTER: 18, CANCEL: 11 },
      responses: { 407: 3, 200: 3, 408: 2, 480: 1, 100: 7, 401: 14, 183: 1, 403: 3 },
    });
    // tshark marks 4 resent (INVITE frames 225, 227, 323, 325) but not the 10 repeats of the CANCEL
    // (frames 247..272: one CANCEL, same branch and bytes, sent 11 times).
    expect(stat.resent).toBe(14);
    expect(analysis.stats.retransmissions).toBe(14);
    expect(dialogs.filter((d) => d.kind === 'call').map((d) => [d.state, d.finalStatus ?? null])).toEqual([
      ['terminated', 408],
      ['failed', 403],
      ['failed', 403],
      ['failed', 480],
    ]);
    const cancelled = dialogs.find((d) => d.termination?.method === 'CANCEL')!;
    const [invite, cancel] = cancelled.transactions;
    expect(invite!.request!.retransmissions.map((r) => r.intervalSeconds.toFixed(1))).toEqual(['0.5', '1.0']);
    expect(cancel!.request!.retransmissionCount).toBe(10);
    expect(cancel!.request!.retransmissionSpanSeconds).toBeCloseTo(574.07106 - 542.468701, 5);
    // The CANCEL's Via omits the port the INVITE's wrote (5060): still the same branch and sent-by.
    expect(cancel!.cancels).toBe(invite!.key);
    expect(cancelled.termination).toMatchObject({ by: 'caller', status: 408 });
    // REGISTERs: one Call-ID, three addresses of record, plus a second Call-ID; a new From tag every time.
    const registrations = dialogs.filter((d) => d.kind === 'registration');
    expect(registrations.map((d) => [d.registration!.aor, d.transactions.length, d.registration!.refreshes.length, d.registration!.challenges])).toEqual([
      ['sip:voi18063@sip.cybercity.dk', 4, 0, 3],
      ['sip:voi18062@sip.cybercity.dk', 6, 1, 5],
      ['sip:35104723@sip.cybercity.dk', 2, 0, 2],
      ['sip:35104723@sip.cybercity.dk', 6, 2, 4],
    ]);
    // Captured inside the NAT: the registrar reports the public address in Via received.
    expect(registrations[3]!.registration!.reflected).toEqual({ received: '80.230.219.70', rport: 5060 });
    // tshark rtp,streams: 192.168.1.2:30000 -> 212.242.33.36:40392, 9 packets (early media after the 183), max jitter 7.799, mean 5.646.
    const early = dialogs.find((d) => d.finalStatus === 480)!;
    const [s] = rtpOf(early);
    expect([s!.packets, s!.lost, s!.maxJitterMs!.toFixed(3), s!.meanJitterMs!.toFixed(3)]).toEqual([9, 0, '7.799', '5.646']);
  });

  it('webex.pcap: 22 unanswered REGISTERs are two transactions that time out after Timer F', async () => {
    const { analysis, dialogs } = await load('ntop__nDPI__webex.pcap');
    // tshark sip,stat: 22 messages, 20 resent, all REGISTER, no responses.
    expect(sipStat(analysis)).toEqual({ requests: { REGISTER: 22 }, responses: {}, resent: 20 });
    expect(dialogs).toHaveLength(1);
    const [reg] = dialogs;
    expect(reg!.state).toBe('timed-out');
    expect(reg!.registration!.sources).toEqual([{ ip: '10.8.0.1', port: 64538 }]);
    const [first, second] = reg!.transactions;
    expect(reg!.transactions.map((t) => [t.cseq, t.state, t.timeout?.timer, t.timeout?.retransmissions])).toEqual([
      [4, 'timed-out', 'F', 10],
      [5, 'timed-out', 'F', 10],
    ]);
    // Frames 409..585 (CSeq 4): 1.05, 1.03, 1.43, then about 4 s (T2) apart; last sending 31.54 s after the first.
    expect(first!.request!.retransmissions.map((r) => Math.round(r.intervalSeconds))).toEqual([1, 1, 1, 4, 4, 4, 4, 4, 4, 4]);
    expect(first!.timeout!.firstToLastSendSeconds).toBeCloseTo(43.875494 - 12.338132, 5);
    // CSeq 5 has an 11.4 s hole (frames 992 -> 1047) where the capture missed sendings.
    expect(Math.max(...second!.request!.retransmissions.map((r) => r.intervalSeconds))).toBeCloseTo(103.22209 - 91.847734, 5);
  });

  it('Eyebeam: 200 OK retransmitted until Timer H without ACK, then BYE; OPTIONS retransmissions', async () => {
    const { analysis, dialogs } = await load('snort3__snort3_demo__SIP_Eyebeam2Eyebeam_Video_Audio.pcap');
    // tshark sip,stat: 68 messages, 42 resent; INVITE 1, REGISTER 1, OPTIONS 45, BYE 1; 200 x18, 180 x1, 100 x1.
    expect(sipStat(analysis)).toEqual({ requests: { INVITE: 1, REGISTER: 1, OPTIONS: 45, BYE: 1 }, responses: { 200: 18, 180: 1, 100: 1 }, resent: 42 });
    // 15 Call-IDs: one call, one registration, 13 OPTIONS pings.
    expect(analysis.stats.dialogsByKind).toMatchObject({ call: 1, registration: 1, options: 13 });
    const call = dialogs.find((d) => d.kind === 'call')!;
    const answer = call.legs[0]!.answer!;
    // Frames 10 (2.252621 s), 73 .. 3588 (34.214470 s): ten retransmissions, never acknowledged.
    expect(answer).toMatchObject({ frame: 10, retransmissions: 10, reachedTimerH: true, ackSeen: false });
    expect(answer.retransmissionSpanSeconds).toBeCloseTo(34.21447 - 2.252621, 5);
    // Frame 3597: the answering side gives up and hangs up 0.151 s after the last retransmission.
    expect(answer.byeWithoutAck).toMatchObject({ by: 'callee' });
    expect(answer.byeWithoutAck!.secondsAfterLastRetransmission).toBeCloseTo(34.365644 - 34.21447, 5);
    expect(call.termination).toMatchObject({ method: 'BYE', by: 'callee', frame: 3597, status: 200 });
    // OPTIONS without a branch (RFC 2543 keys) to 8 silent hosts: 4 retransmissions each, still pending at the end.
    const silent = dialogs.filter((d) => d.kind === 'options' && d.state === 'trying');
    expect(silent).toHaveLength(8);
    for (const d of silent) expect([d.transactions[0]!.rfc3261, d.retransmissionCount, d.transactions[0]!.state]).toEqual([false, 4, 'pending']);
    // tshark rtp,streams for the BV32 audio (PT 107, 16 kHz): 1562 pkts max jitter 7.914 mean 3.310; 1202 pkts max 6.803 mean 3.833.
    const audio = call.media.find((m) => m.mediaIndex === 0)!.streams.map((s) => s.rtp[0]!);
    expect(audio.map((s) => [s.packets, s.lost, s.clockRate, s.maxJitterMs!.toFixed(3), s.meanJitterMs!.toFixed(3)]).sort()).toEqual([
      [1202, 0, 16000, '6.803', '3.833'],
      [1562, 0, 16000, '7.914', '3.310'],
    ]);
    // Video: tshark counts 539 and 235 packets, each with -2 lost (duplicates). Its jitter differs:
    // it does not apply the SDP's "rtpmap:125 H264/90000" to PT 125; this stage does.
    const video = call.media.find((m) => m.mediaIndex === 1)!.streams.map((s) => [s.rtp[0]!.packets, s.rtp[0]!.lost]);
    expect(video.sort()).toEqual([
      [235, -2],
      [539, -2],
    ]);
    expect(analysis.stats.media).toMatchObject({ rtpPackets: 3538, matchedPackets: 3538, orphanStreams: 0 });
  });

  it('sip-proxy.pcap: one call seen on both hops of a proxy is one dialog with a transaction per hop', async () => {
    const { dialogs } = await load('NormB__sipnab__sip-proxy.pcap');
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]!.transactions.map((t) => [t.method, t.sentBy])).toEqual([
      ['INVITE', '10.33.6.101:5060'],
      ['INVITE', '10.33.6.102:5080'],
      ['BYE', '10.33.6.100:5060'],
    ]);
    expect(dialogs[0]!.state).toBe('terminated');
  });
});
